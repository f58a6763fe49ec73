package audit

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/hfwarden/hfwarden/internal/hub"
	"github.com/hfwarden/hfwarden/internal/pin"
)

// MaxBranches bounds the branches of one repository whose histories are
// listed (main and the first others by name); more gives a warning.
const MaxBranches = 200

// clockSkew is how far in the future a commit may be dated before its
// date counts as forged.
const clockSkew = 5 * time.Minute

// repoAudit audits one repository.
type repoAudit struct {
	opt      *Options
	rep      *Report
	repo     Repo
	baseline *Baseline // usable: taken at or before the window's start
	pin      *pin.Manifest
	base     *Snapshot

	refs     map[string]string       // full ref name → commit, now
	branches map[string][]hub.Commit // branch (or refs/pr/{num}) → its commits, newest first
	names    []string                // branch names, main first
	prs      []string                // pull-request refs examined, refs/pr/{num}
	prOn     map[string][]string     // commit only pull requests hold → their refs
	on       map[string][]string     // commit → the branches holding it, main first
	dates    map[string]time.Time    // commit → date
	fresh    map[string]bool         // commits made in the window, as far as can be told
	created  time.Time               // the repository's creation (zero: unknown)

	windowCommits []hub.Commit    // the commits made in the window, branches' then pull requests'
	preAuthors    map[string]bool // authors of commits made before the window
	mainFiles     *pin.Manifest   // main's files now (set by files)
}

func (a *repoAudit) add(f Finding) {
	f.Repo = a.repo.String()
	a.rep.Findings = append(a.rep.Findings, f)
}

func (a *repoAudit) warn(format string, args ...any) {
	a.rep.Warnings = append(a.rep.Warnings, a.repo.String()+": "+fmt.Sprintf(format, args...))
}

// A check examines one concern of a repository (its commits, refs,
// history, files, …) once run has gathered what every check reads: the
// refs, the branches' and pull requests' histories and which commits were
// made in the window. It reports through a.add and a.warn; an error means
// the repository could not be audited, and no snapshot of it is taken.
type check func(a *repoAudit, ctx context.Context) error

// repoChecks are the checks run on every repository, in the order they
// run (which is the order of their warnings). A new check is a method in
// a file of its own and one entry here.
func repoChecks() []check {
	return []check{
		(*repoAudit).commits,
		(*repoAudit).compareRefs,
		(*repoAudit).history,
		(*repoAudit).spaceSettings,
		(*repoAudit).discussions,
		// Last: it downloads files, the slowest, and its error fails the
		// repository's audit after the other checks have reported.
		(*repoAudit).files,
	}
}

// run gathers the repository's refs and histories, runs every check on
// them and records the repository's snapshot for the next audit.
func (a *repoAudit) run(ctx context.Context) error {
	if err := a.gather(ctx); err != nil {
		return err
	}
	for _, c := range repoChecks() {
		if err := c(a, ctx); err != nil {
			return err
		}
	}
	snap := Snapshot{Repo: a.repo, At: a.rep.Snapshot.At, Refs: a.refs, Files: a.mainFiles}
	for _, c := range a.branches["main"] {
		snap.Commits = append(snap.Commits, c.ID)
	}
	a.rep.Snapshot.Repos = append(a.rep.Snapshot.Repos, snap)
	return nil
}

// gather finds the repository's pin and baseline snapshot, lists its refs
// (flagging a repository created in the window) and the histories of its
// branches and pull requests, and tells which commits were made in the
// window.
func (a *repoAudit) gather(ctx context.Context) error {
	o, r := a.opt, a.repo
	for i := range o.Pins {
		if o.Pins[i].Type == r.Type && o.Pins[i].Repo == r.ID {
			a.pin = &o.Pins[i]
		}
	}
	if a.pin == nil {
		a.rep.Unpinned = append(a.rep.Unpinned, r.String())
	}
	a.base = a.baseline.snapshotOf(r)
	// With pull-request refs: a write token can push to refs/pr/{num}
	// what never reaches a branch (huggingface_hub create_commit with
	// revision="refs/pr/1").
	refs, err := o.Client.Refs(ctx, o.Token, r.Type, r.ID, true)
	if err != nil {
		return fmt.Errorf("listing refs: %w", err)
	}
	a.refs = refMap(refs)
	if info, err := o.Client.RepoInfo(ctx, o.Token, r.Type, r.ID, ""); err != nil {
		a.warn("reading the repository's creation time: %v", err)
	} else {
		a.created = info.CreatedAt
		// The Hub sets a repository's creation time: it is not forgeable.
		if o.inWindow(a.created) {
			t := a.created
			a.add(Finding{Kind: KindRepoCreated, Severity: High, Time: &t,
				Evidence: fmt.Sprintf("repository created %s, in the window", t.UTC().Format(time.RFC3339))})
		}
	}
	if err := a.branchHistories(ctx, refs.Branches); err != nil {
		return err
	}
	future := a.rep.Snapshot.At.Add(clockSkew)
	a.dateCommits(future)
	a.prOn = map[string][]string{}
	a.windowCommits = append(a.windowCommits, a.pullRequestCommits(ctx, refs.PullRequests, future)...)
	return nil
}

// branchHistories lists every branch's commits, main's first so that a
// commit on several branches is labelled main.
func (a *repoAudit) branchHistories(ctx context.Context, branches []hub.GitRef) error {
	o, r := a.opt, a.repo
	a.branches, a.on, a.dates = map[string][]hub.Commit{}, map[string][]string{}, map[string]time.Time{}
	for _, b := range branches {
		a.names = append(a.names, b.Name)
	}
	slices.SortFunc(a.names, func(x, y string) int {
		return cmp.Or(-cmp.Compare(boolInt(x == "main"), boolInt(y == "main")), cmp.Compare(x, y))
	})
	if len(a.names) > MaxBranches {
		a.warn("%d branches: only main and the first %d others by name examined", len(a.names), MaxBranches-1)
		a.names = a.names[:MaxBranches]
	}
	for _, b := range a.names {
		list, _, err := o.Client.Commits(ctx, o.Token, r.Type, r.ID, b, 0)
		if err != nil {
			return fmt.Errorf("listing commits of %s: %w", b, err)
		}
		a.branches[b] = list
	}
	return nil
}

// dateCommits tells, for every branch's commits, which were made in the
// window, and flags forged dates. Commit dates are set by whoever
// commits: a commit is new when the baseline does not know it, or,
// without one, when dated in the window, in the future (after future), or
// before the commit it follows. The authors of the commits made before
// the window are recorded as expected.
func (a *repoAudit) dateCommits(future time.Time) {
	o := a.opt
	known := a.knownCommits()
	a.fresh = map[string]bool{}
	a.preAuthors = map[string]bool{}
	for _, b := range a.names {
		list := a.branches[b]
		for i, c := range list {
			_, seen := a.dates[c.ID]
			a.on[c.ID] = append(a.on[c.ID], b)
			if seen {
				continue
			}
			a.dates[c.ID] = c.Date
			forged := ""
			switch {
			case c.Date.After(future):
				forged = "dated in the future"
			case i+1 < len(list) && c.Date.Before(list[i+1].Date):
				forged = fmt.Sprintf("dated %s, before the commit it follows (%.12s, %s)", c.Date.UTC().Format(time.RFC3339), list[i+1].ID, list[i+1].Date.UTC().Format(time.RFC3339))
			}
			if forged != "" {
				t := c.Date
				a.add(Finding{Kind: KindCommitDateForged, Severity: High, Commit: c.ID, Ref: b, Time: &t,
					Evidence: fmt.Sprintf("commit %.12s %q on %s is %s: its date was forged (or its committer's clock is wrong)", c.ID, c.Title, b, forged)})
			}
			isNew := o.inWindow(c.Date) || forged != ""
			if known != nil {
				isNew = !known[c.ID]
			}
			if isNew {
				a.fresh[c.ID] = true
				a.windowCommits = append(a.windowCommits, c)
			} else if known[c.ID] || c.Date.Before(o.Since) {
				for _, au := range c.Authors {
					a.preAuthors[au.User] = true
				}
			}
		}
	}
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// pullRequestCommits lists the commits of each pull-request ref and
// returns those no branch holds that were made in the window (by their
// dates, or dated in the future: a snapshot records branches, not pull
// requests), labelled with their refs/pr/{num}. The histories are kept for
// files, which inspects what the window's commits changed there.
func (a *repoAudit) pullRequestCommits(ctx context.Context, prs []hub.GitRef, future time.Time) []hub.Commit {
	o := a.opt
	if len(prs) > MaxBranches {
		a.warn("%d pull-request refs: only the first %d examined", len(prs), MaxBranches)
		prs = prs[:MaxBranches]
	}
	var out []hub.Commit
	for _, pr := range prs {
		ref := cmp.Or(pr.Ref, "refs/pr/"+pr.Name)
		if !strings.HasPrefix(ref, "refs/pr/") {
			continue
		}
		if len(a.on[pr.TargetCommit]) > 0 {
			continue // nothing pushed beyond what a branch holds
		}
		list, _, err := o.Client.Commits(ctx, o.Token, a.repo.Type, a.repo.ID, ref, 0)
		if err != nil {
			a.warn("listing commits of %s: %v", ref, err)
			continue
		}
		a.branches[ref] = list
		a.prs = append(a.prs, ref)
		for _, c := range list {
			if len(a.on[c.ID]) > 0 {
				continue // a branch's: already examined
			}
			if _, seen := a.prOn[c.ID]; seen {
				a.prOn[c.ID] = append(a.prOn[c.ID], ref)
				continue
			}
			a.prOn[c.ID] = []string{ref}
			a.dates[c.ID] = c.Date
			if o.inWindow(c.Date) || c.Date.After(future) {
				a.fresh[c.ID] = true
				out = append(out, c)
			}
		}
	}
	return out
}
