package audit

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"
)

// pinnedRef is the full name of the ref the pin's revision names now: a
// tag or a branch; "" when the revision is a commit id or names no ref.
func (a *repoAudit) pinnedRef() string {
	rev := cmp.Or(a.pin.Revision, "main")
	if strings.HasPrefix(rev, "refs/") {
		return rev
	}
	for _, prefix := range []string{"refs/tags/", "refs/heads/"} {
		if _, ok := a.refs[prefix+rev]; ok {
			return prefix + rev
		}
	}
	return ""
}

// isCommitID reports whether rev looks like a full commit hash.
func isCommitID(rev string) bool {
	if len(rev) != 40 {
		return false
	}
	for _, c := range rev {
		if !strings.ContainsRune("0123456789abcdef", c) {
			return false
		}
	}
	return true
}

// dateOf is when commit id was made: from the branches' histories, else
// asked of the Hub (a tag may point off every branch).
func (a *repoAudit) dateOf(ctx context.Context, id string) (time.Time, bool) {
	if d, ok := a.dates[id]; ok {
		return d, true
	}
	o := a.opt
	list, _, err := o.Client.Commits(ctx, o.Token, a.repo.Type, a.repo.ID, id, 1)
	if err != nil || len(list) == 0 {
		if err != nil {
			a.warn("reading commit %.12s: %v", id, err)
		}
		return time.Time{}, false
	}
	a.dates[id] = list[0].Date
	return list[0].Date, true
}

// compareRefs compares refs now with the baseline: the snapshot's refs,
// else the pinned revision. Without a snapshot, a tag pointing at a commit
// made in the window was created or moved in it.
func (a *repoAudit) compareRefs(ctx context.Context) error {
	now := a.refs
	var before map[string]string
	switch {
	case a.base != nil:
		before = a.base.Refs
	case a.pin != nil:
		if ref := a.pinnedRef(); ref != "" {
			before = map[string]string{ref: a.pin.Commit}
		} else if rev := cmp.Or(a.pin.Revision, "main"); !isCommitID(rev) {
			a.add(Finding{Kind: KindRefChanged, Severity: High, Ref: rev,
				Evidence: fmt.Sprintf("pinned revision %s no longer exists (pinned at %.12s)", rev, a.pin.Commit)})
		}
	}
	names := map[string]bool{}
	for n := range before {
		names[n] = true
	}
	if a.base != nil { // a pin knows one ref: others are not "created"
		for n := range now {
			names[n] = true
		}
	}
	for _, n := range slices.Sorted(maps.Keys(names)) {
		was, had := before[n]
		is, has := now[n]
		tag := strings.HasPrefix(n, "refs/tags/")
		f := Finding{Kind: KindRefChanged, Ref: n}
		switch {
		case had && !has:
			f.Severity, f.Evidence = Medium, fmt.Sprintf("%s deleted (was %.12s)", n, was)
			if tag {
				f.Severity = High
			}
		case !had && has:
			f.Severity, f.Evidence, f.Commit = Medium, fmt.Sprintf("%s created at %.12s", n, is), is
		case was != is:
			// A tag should never move; a branch moves with every commit.
			f.Severity, f.Evidence, f.Commit = Medium, fmt.Sprintf("%s moved from %.12s to %.12s", n, was, is), is
			if tag {
				f.Severity = High
			}
		default:
			continue
		}
		a.add(f)
	}
	if a.base != nil {
		return nil
	}
	for _, n := range slices.Sorted(maps.Keys(now)) {
		if _, compared := before[n]; compared || !strings.HasPrefix(n, "refs/tags/") {
			continue
		}
		if d, ok := a.dateOf(ctx, now[n]); ok && (a.opt.inWindow(d) || a.fresh[now[n]]) {
			a.add(Finding{Kind: KindRefChanged, Severity: High, Ref: n, Commit: now[n],
				Evidence: fmt.Sprintf("%s points at %.12s, a commit made in the window (%s): the tag was created or moved in it", n, now[n], d.UTC().Format(time.RFC3339))})
		}
	}
	return nil
}
