package audit

import (
	"context"
	"fmt"
	"strings"
)

// commits flags the window's commits: medium when by the owner (the token
// acts as the owner, so these may be the attacker's), high when by someone
// neither the owner, nor known, nor seen in the earlier history.
func (a *repoAudit) commits(context.Context) error {
	known := map[string]bool{}
	for _, k := range a.opt.KnownAuthors {
		known[k] = true
	}
	for _, c := range a.windowCommits {
		var names []string
		sev, why := Low, "by a known author"
		for _, au := range c.Authors {
			names = append(names, au.User)
			switch {
			case au.User == a.opt.Owner && a.opt.Owner != "":
				if Rank(sev) < Rank(Medium) {
					sev, why = Medium, "by the token's owner"
				}
			case !known[au.User] && !a.preAuthors[au.User]:
				sev, why = High, "by unexpected author "+au.User
			}
		}
		if len(names) == 0 {
			sev, why = High, "without a Hub author"
		}
		t := c.Date
		on := a.on[c.ID]
		if len(on) == 0 {
			on = a.prOn[c.ID]
		}
		a.add(Finding{Kind: KindCommitInWindow, Severity: sev, Commit: c.ID, Ref: on[0], Author: strings.Join(names, ","), Time: &t,
			Evidence: fmt.Sprintf("commit %.12s %q on %s %s", c.ID, c.Title, strings.Join(on, ", "), why)})
	}
	return nil
}
