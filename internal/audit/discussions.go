package audit

import (
	"context"
	"fmt"
)

// discussions flags the discussions and pull requests the token's owner
// opened in the window: the token acts as the owner.
func (a *repoAudit) discussions(ctx context.Context) error {
	o := a.opt
	if o.Owner == "" {
		return nil
	}
	list, err := o.Client.Discussions(ctx, o.Token, a.repo.Type, a.repo.ID)
	if err != nil {
		a.rep.Warnings = append(a.rep.Warnings, fmt.Sprintf("%s: listing discussions: %v", a.repo, err))
		return nil
	}
	for _, d := range list {
		if d.Author.Name != o.Owner || !o.inWindow(d.CreatedAt) {
			continue
		}
		kind, what := KindDiscussion, "discussion"
		if d.IsPullRequest {
			kind, what = KindPullRequest, "pull request"
		}
		t := d.CreatedAt
		a.add(Finding{Kind: kind, Severity: Medium, Author: d.Author.Name, Ref: fmt.Sprintf("#%d", d.Num), Time: &t,
			Evidence: fmt.Sprintf("%s #%d %q opened by the token's owner", what, d.Num, d.Title)})
	}
	return nil
}
