package audit

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/hfwarden/hfwarden/internal/hub"
)

// history flags rewritten history. Against a snapshot: main's earlier
// commits are gone or its root changed. Against a pin: the pinned commit
// is no longer in the pinned revision's history. Without a snapshot: a
// branch whose root commit was made in the window of a repository created
// before it (a super-squash, whatever its message), or a tag pointing at
// a commit no branch holds any more.
func (a *repoAudit) history(ctx context.Context) error {
	main := a.branches["main"]
	switch {
	case a.base != nil && len(a.base.Commits) > 0 && len(main) > 0:
		onMain := map[string]bool{}
		for _, c := range main {
			onMain[c.ID] = true
		}
		root := main[len(main)-1]
		head, oldRoot := a.base.Commits[0], a.base.Commits[len(a.base.Commits)-1]
		var gone int
		for _, id := range a.base.Commits {
			if !onMain[id] {
				gone++
			}
		}
		if gone > 0 || oldRoot != root.ID {
			a.add(Finding{Kind: KindHistoryRewritten, Severity: Critical, Ref: "refs/heads/main", Commit: root.ID,
				Evidence: fmt.Sprintf("%d of %d earlier commits gone from main (head was %.12s); root %.12s, was %.12s", gone, len(a.base.Commits), head, root.ID, oldRoot)})
		}
		return nil
	case a.pin != nil && a.pin.Commit != "":
		a.pinHistory(ctx)
	}
	if a.base != nil {
		return nil
	}
	for _, b := range a.names {
		list := a.branches[b]
		if len(list) == 0 {
			continue
		}
		root := list[len(list)-1]
		if !a.opt.inWindow(root.Date) {
			continue
		}
		switch {
		case !a.created.IsZero() && a.created.Before(a.opt.Since):
			a.add(Finding{Kind: KindHistoryRewritten, Severity: High, Ref: "refs/heads/" + b, Commit: root.ID,
				Evidence: fmt.Sprintf("%s's root commit %.12s %q was made in the window, in a repository created %s: its history was rewritten", b, root.ID, root.Title, a.created.UTC().Format(time.RFC3339))})
		case a.created.IsZero() && len(list) == 1 && strings.HasPrefix(strings.ToLower(root.Title), "super-squash"):
			a.add(Finding{Kind: KindHistoryRewritten, Severity: High, Ref: "refs/heads/" + b, Commit: root.ID,
				Evidence: fmt.Sprintf("%s is a single commit %.12s %q made in the window", b, root.ID, root.Title)})
		}
	}
	for _, n := range slices.Sorted(maps.Keys(a.refs)) {
		id := a.refs[n]
		if !strings.HasPrefix(n, "refs/tags/") || len(a.on[id]) > 0 {
			continue
		}
		a.add(Finding{Kind: KindHistoryRewritten, Severity: High, Ref: n, Commit: id,
			Evidence: fmt.Sprintf("%s points at %.12s, which no branch holds: history was rewritten or a branch deleted", n, id)})
	}
	return nil
}

// pinHistory flags a pinned commit no longer in its revision's history.
func (a *repoAudit) pinHistory(ctx context.Context) {
	ref := a.pinnedRef()
	if ref == "" {
		if isCommitID(cmp.Or(a.pin.Revision, "main")) {
			a.pinnedCommitReachable(ctx)
		}
		return // else a ref that is gone (flagged by compareRefs)
	}
	list, ok := a.branches[strings.TrimPrefix(ref, "refs/heads/")]
	if !ok || !strings.HasPrefix(ref, "refs/heads/") {
		o := a.opt
		var err error
		if list, _, err = o.Client.Commits(ctx, o.Token, a.repo.Type, a.repo.ID, a.refs[ref], 0); err != nil {
			a.warn("listing commits of %s: %v", ref, err)
			return
		}
	}
	if len(list) == 0 || slices.ContainsFunc(list, func(c hub.Commit) bool { return c.ID == a.pin.Commit }) {
		return
	}
	root := list[len(list)-1]
	a.add(Finding{Kind: KindHistoryRewritten, Severity: Critical, Ref: ref, Commit: root.ID,
		Evidence: fmt.Sprintf("pinned commit %.12s is no longer an ancestor of %s (root now %.12s)", a.pin.Commit, ref, root.ID)})
}

// maxTagHistories bounds the tags whose histories are listed looking for
// a pinned commit that no branch holds.
const maxTagHistories = 50

// pinnedCommitReachable flags a pin of a commit id whose commit no branch
// or tag holds any more: the history it was part of was rewritten.
func (a *repoAudit) pinnedCommitReachable(ctx context.Context) {
	id := a.pin.Commit
	if id == "" || len(a.on[id]) > 0 {
		return
	}
	o, listed := a.opt, 0
	for _, n := range slices.Sorted(maps.Keys(a.refs)) {
		if !strings.HasPrefix(n, "refs/tags/") {
			continue
		}
		target := a.refs[n]
		if target == id {
			return
		}
		if len(a.on[target]) > 0 {
			continue // its history is a branch's, already searched
		}
		if listed == maxTagHistories {
			a.warn("pinned commit %.12s: only %d tags' histories searched", id, maxTagHistories)
			return
		}
		listed++
		list, _, err := o.Client.Commits(ctx, o.Token, a.repo.Type, a.repo.ID, target, 0)
		if err != nil {
			a.warn("listing commits of %s: %v", n, err)
			return
		}
		if slices.ContainsFunc(list, func(c hub.Commit) bool { return c.ID == id }) {
			return
		}
	}
	a.add(Finding{Kind: KindHistoryRewritten, Severity: Critical, Commit: id,
		Evidence: fmt.Sprintf("pinned commit %.12s is no longer reachable from any branch or tag: history was rewritten", id)})
}
