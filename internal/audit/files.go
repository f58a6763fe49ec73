package audit

import (
	"cmp"
	"context"
	"fmt"
	"os"
	"slices"
	"strings"

	"github.com/hfwarden/hfwarden/internal/artifact"
	"github.com/hfwarden/hfwarden/internal/hub"
	"github.com/hfwarden/hfwarden/internal/pin"
)

// files compares the repository's files with the baseline and inspects
// every model file that changed. The pinned revision is compared with its
// pin (differences are integrity mismatches; a pin of a commit id is
// main's); main, when not pinned, with the snapshot; every other branch,
// and main without a snapshot, from its newest commit not made in the
// window to its newest one made in it (see window).
// Deleted LFS files are flagged. It records main's manifest now, the
// next audit's baseline.
func (a *repoAudit) files(ctx context.Context) error {
	o, r := a.opt, a.repo
	cur, err := pin.Snapshot(ctx, o.Client, o.Token, r.Type, r.ID, "main")
	if err != nil {
		return err
	}
	pinnedBranch := ""
	if a.pin != nil {
		if ref := a.pinnedRef(); ref != "" {
			pinnedBranch = strings.TrimPrefix(ref, "refs/heads/")
			now := cur
			if ref != "refs/heads/main" {
				if now, err = pin.Snapshot(ctx, o.Client, o.Token, r.Type, r.ID, a.refs[ref]); err != nil {
					return fmt.Errorf("snapshot of %s: %w", ref, err)
				}
			}
			a.compare(ctx, ref, a.pin, now, "since the pin", true)
		} else if rev := cmp.Or(a.pin.Revision, "main"); isCommitID(rev) {
			// A pin of a commit says what main should hold.
			pinnedBranch = "main"
			a.compare(ctx, "refs/heads/main", a.pin, cur, "since the pinned commit "+rev[:12], true)
		}
	}
	for _, b := range a.names {
		if b == pinnedBranch {
			continue
		}
		ref := "refs/heads/" + b
		if b == "main" && a.base != nil && a.base.Files != nil {
			a.compare(ctx, ref, a.base.Files, cur, "since the last snapshot", false)
			continue
		}
		before, after, err := a.window(ctx, b, cur)
		if err != nil {
			return err
		}
		if after != nil {
			a.compare(ctx, ref, before, after, "in the window", false)
		}
	}
	for _, ref := range a.prs {
		before, after, err := a.window(ctx, ref, cur)
		if err != nil {
			a.warn("%v", err)
			continue
		}
		if after != nil {
			a.compare(ctx, ref, before, after, "in the window", false)
		}
	}
	a.mainFiles = cur
	return nil
}

// window is branch b's files at its newest commit not made in the window
// (empty when none) and at its newest one made in the window; nil after
// when there is none. Dates are not trusted: a commit counts as made in
// the window when the baseline does not know it, or when dated in the
// window, in the future or before its parent (see fresh).
func (a *repoAudit) window(ctx context.Context, b string, main *pin.Manifest) (before, after *pin.Manifest, err error) {
	o, r := a.opt, a.repo
	list := a.branches[b]
	start := slices.IndexFunc(list, func(c hub.Commit) bool {
		return !a.fresh[c.ID] && (a.base != nil || c.Date.Before(o.Since))
	})
	// The newest commit made in the window: later ones dated before now
	// (e.g. the owner's clean-up after the window) are left out.
	end := slices.IndexFunc(list, func(c hub.Commit) bool { return a.fresh[c.ID] || !c.Date.After(o.Until) })
	if end < 0 || (start >= 0 && end >= start) {
		return nil, nil, nil
	}
	head := list[end].ID
	after = main
	if head != main.Commit {
		if after, err = pin.Snapshot(ctx, o.Client, o.Token, r.Type, r.ID, head); err != nil {
			return nil, nil, fmt.Errorf("snapshot of %s at %.12s: %w", b, head, err)
		}
	}
	before = &pin.Manifest{} // the whole history is in the window
	if start >= 0 {
		if before, err = pin.Snapshot(ctx, o.Client, o.Token, r.Type, r.ID, list[start].ID); err != nil {
			return nil, nil, fmt.Errorf("snapshot of %s at %.12s: %w", b, list[start].ID, err)
		}
	}
	return before, after, nil
}

// compare flags the differences between before and after on ref and
// inspects the model files that changed; pinned differences are integrity
// mismatches.
func (a *repoAudit) compare(ctx context.Context, ref string, before, after *pin.Manifest, since string, pinned bool) {
	o, r := a.opt, a.repo
	old := map[string]pin.File{}
	for _, f := range before.Files {
		old[f.Path] = f
	}
	var changed []string
	for _, d := range pin.Compare(before, after) {
		if d.Kind == pin.CommitChanged {
			continue
		}
		if pinned {
			ev := fmt.Sprintf("pinned file %s %s (pinned %.16s, now %.16s)", d.Path, d.Kind, d.Want, d.Got)
			switch d.Kind {
			case pin.Removed:
				ev = fmt.Sprintf("pinned file %s removed (pinned %.16s)", d.Path, d.Want)
			case pin.Added:
				ev = fmt.Sprintf("file %s added to a pinned repository (%.16s)", d.Path, d.Got)
			}
			a.add(Finding{Kind: KindIntegrity, Severity: High, Ref: ref, Path: d.Path, Commit: after.Commit, Evidence: ev + " on " + ref})
		}
		if d.Kind == pin.Removed {
			if f := old[d.Path]; f.LFSSHA256 != "" {
				a.add(Finding{Kind: KindLFSDeleted, Severity: Medium, Ref: ref, Path: d.Path,
					Evidence: fmt.Sprintf("LFS file %s (%d bytes, sha256 %.16s) deleted from %s %s", d.Path, f.Size, f.LFSSHA256, ref, since)})
			}
			continue
		}
		changed = append(changed, d.Path)
	}
	sizes := map[string]int64{}
	for _, f := range after.Files {
		sizes[f.Path] = f.Size
	}
	for _, p := range changed {
		if !artifact.IsModelFile(p) {
			continue
		}
		if sizes[p] > o.MaxDownload {
			a.rep.Warnings = append(a.rep.Warnings, fmt.Sprintf("%s: %s on %s not inspected: %d bytes is over the download bound", r, p, ref, sizes[p]))
			continue
		}
		a.inspect(ctx, ref, after.Commit, p, since)
	}
}

// inspect downloads one file at commit to an unlinked temporary file
// (models may be gigabytes) and runs the inspector on it.
func (a *repoAudit) inspect(ctx context.Context, ref, commit, p, since string) {
	o := a.opt
	tmp, err := os.CreateTemp("", "hfwarden-audit-*")
	if err != nil {
		a.warn("%s not inspected: %v", p, err)
		return
	}
	// Unlinked at once where the system allows it, so that nothing is
	// left behind; removed again after closing where it does not.
	_ = os.Remove(tmp.Name())
	defer func() {
		_ = tmp.Close() // scratch, already unlinked: nothing in it is kept
		_ = os.Remove(tmp.Name())
	}()
	_, n, err := o.Client.DownloadTo(ctx, o.Token, a.repo.Type, a.repo.ID, commit, p, tmp, o.MaxDownload)
	if err != nil {
		a.warn("%s not inspected: %v", p, err)
		return
	}
	found, err := o.Inspect(ctx, p, tmp, n)
	if err != nil {
		a.warn("inspecting %s: %v", p, err)
	}
	for _, af := range found {
		a.add(Finding{Kind: af.Kind, Severity: cmp.Or(af.Severity, High), Ref: ref, Path: cmp.Or(af.Path, p), Commit: commit,
			Evidence: fmt.Sprintf("%s changed on %s %s: %s", p, ref, since, af.Detail)})
	}
}
