// Package audit reviews what a leaked Hugging Face token may have been used
// for during its exposure window: commits and their authors, branches and
// tags created, moved or deleted, rewritten history, Space secrets and
// variables, webhooks, discussions, deleted LFS files, model files that
// would run code when loaded, pinned files that changed, and the events of
// an Enterprise audit-log export.
//
// It compares the Hub now with a baseline taken before the exposure (an
// integrity pin or a snapshot); without one it falls back to what the
// commit history shows, whose dates are set by the committer: a commit
// dated in the future or before its parent is flagged and examined.
package audit

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/hfwarden/hfwarden/internal/artifact"
	"github.com/hfwarden/hfwarden/internal/detect"
	"github.com/hfwarden/hfwarden/internal/hub"
	"github.com/hfwarden/hfwarden/internal/pin"
	"github.com/hfwarden/hfwarden/internal/secret"
)

// Finding kinds. Artifact findings keep the inspector's kinds
// (unsafe-pickle, suspicious-pickle, bad-safetensors, unreadable).
const (
	KindCommitInWindow   = "commit-in-window"
	KindRefChanged       = "ref-changed"
	KindHistoryRewritten = "history-rewritten"
	KindSecretAdded      = "space-secret-added"
	KindVariableAdded    = "space-variable-added"
	KindWebhook          = "webhook"
	KindDiscussion       = "discussion-opened"
	KindPullRequest      = "pull-request-opened"
	KindLFSDeleted       = "lfs-deleted"
	KindIntegrity        = "integrity-mismatch"
	KindAuditLogEvent    = "audit-log-event"
	KindCommitDateForged = "commit-date-forged"
	KindRepoCreated      = "repo-created"
)

// MaxBranches bounds the branches of one repository whose histories are
// listed (main and the first others by name); more gives a warning.
const MaxBranches = 200

// clockSkew is how far in the future a commit may be dated before its
// date counts as forged.
const clockSkew = 5 * time.Minute

// Severities, from worst to mildest.
const (
	Critical = "critical"
	High     = "high"
	Medium   = "medium"
	Low      = "low"
	Info     = "info"
)

// Rank orders severities: critical 4 … info 0; unknown ones are 0.
func Rank(severity string) int {
	switch severity {
	case Critical:
		return 4
	case High:
		return 3
	case Medium:
		return 2
	case Low:
		return 1
	}
	return 0
}

// Finding is one thing the audit wants a person to look at.
type Finding struct {
	Kind     string     `json:"kind"`
	Repo     string     `json:"repo"` // "type/namespace/name"; "" for account-wide findings
	Severity string     `json:"severity"`
	Evidence string     `json:"evidence"`
	Commit   string     `json:"commit,omitempty"`
	Ref      string     `json:"ref,omitempty"`
	Path     string     `json:"path,omitempty"`
	Author   string     `json:"author,omitempty"`
	Time     *time.Time `json:"time,omitempty"`
	// Earlier is set on a finding an earlier audit of the same exposure
	// made that this one did not make again (see Report.KeepEarlier).
	Earlier bool `json:"earlier,omitempty"`
}

// Repo names a repository to audit.
type Repo struct {
	Type string `json:"type"` // model, dataset or space
	ID   string `json:"id"`   // namespace/name
}

// String is "type/namespace/name", the form findings use.
func (r Repo) String() string { return r.Type + "/" + r.ID }

// Snapshot is what one repository looked like at a point in time: every
// ref, the commits of main (newest first) and the files of main.
type Snapshot struct {
	Repo    Repo              `json:"repo"`
	At      time.Time         `json:"at"`
	Refs    map[string]string `json:"refs"` // full ref name → commit
	Commits []string          `json:"commits"`
	Files   *pin.Manifest     `json:"files,omitempty"`
}

// Baseline is the state the audit compares with: repository snapshots and
// the ids of the owner's webhooks (nil: not recorded).
type Baseline struct {
	At       time.Time  `json:"at"`
	Repos    []Snapshot `json:"repos"`
	Webhooks []string   `json:"webhooks"`
}

// InspectFunc inspects one downloaded file (artifact.Inspect).
type InspectFunc func(ctx context.Context, name string, r io.ReaderAt, size int64) ([]artifact.Finding, error)

// Options say what to audit.
type Options struct {
	Client *hub.Client
	// Token is the leaked token: it still works during the audit, or the
	// audit runs with the owner's own token.
	Token string
	// Since and Until bound the exposure window (zero Until: now).
	Since, Until time.Time
	// Owner is the token's owner (whoami); commits and discussions by it
	// in the window are flagged.
	Owner string
	// KnownAuthors are expected committers besides those already in the
	// history before the window.
	KnownAuthors []string
	// Repos are the repositories the token could write.
	Repos []Repo
	// Pins are integrity pins; a repository without one is reported in
	// Report.Unpinned.
	Pins []pin.Manifest
	// Baseline is a previous snapshot (e.g. the last audit's); nil: none.
	Baseline *Baseline
	// Inspect examines changed model files; nil: artifact.Inspect.
	Inspect InspectFunc
	// MaxDownload bounds each file downloaded for inspection (0: 2 GiB).
	MaxDownload int64
	// AuditLog are events from an audit-log export (ReadAuditLog).
	AuditLog []LogEvent
}

// DefaultMaxDownload is the per-file download bound when none is given.
const DefaultMaxDownload = 2 << 30

// Report is the outcome of an audit.
type Report struct {
	Since    time.Time `json:"since"`
	Until    time.Time `json:"until"`
	Owner    string    `json:"owner,omitempty"`
	Findings []Finding `json:"findings"`
	// Checked lists the repositories audited; Unpinned those without a pin.
	Checked  []string `json:"checked"`
	Unpinned []string `json:"unpinned"`
	// Warnings say what could not be checked.
	Warnings []string `json:"warnings,omitempty"`
	// Missing names the permissions the Hub refused a check for lack of
	// (e.g. "user.webhooks.read"): the check needs a token that has them,
	// which is not the same as a revoked token.
	Missing []string `json:"missing_permissions,omitempty"`
	// Snapshot is the state seen now, a baseline for the next audit.
	Snapshot *Baseline `json:"snapshot,omitempty"`
}

// Worst is the highest severity among the findings ("" for none).
func (r *Report) Worst() string {
	w := ""
	for _, f := range r.Findings {
		if w == "" || Rank(f.Severity) > Rank(w) {
			w = f.Severity
		}
	}
	return w
}

// AtLeast counts the findings of severity sev or worse.
func (r *Report) AtLeast(sev string) int {
	n := 0
	for _, f := range r.Findings {
		if Rank(f.Severity) >= Rank(sev) {
			n++
		}
	}
	return n
}

// inWindow reports whether t falls in [since, until].
func (o *Options) inWindow(t time.Time) bool {
	return !t.IsZero() && !t.Before(o.Since) && !t.After(o.Until)
}

// Run audits every repository of opt.Repos and the owner's webhooks, and
// flags the audit-log events in the window. A repository the Hub will not
// describe becomes a warning; the others go on.
//
// opt.Baseline is compared with only when it was taken at or before the
// window's start: a later one (e.g. a previous audit of the same leak)
// already holds the attacker's changes, so the audit then falls back to
// the window's history. Repositories not checked keep their earlier
// snapshot in Report.Snapshot, so that a failed run loses no baseline.
func Run(ctx context.Context, opt Options) (*Report, error) {
	if opt.Client == nil {
		return nil, fmt.Errorf("audit: no Hub client")
	}
	if opt.Since.IsZero() {
		return nil, fmt.Errorf("audit: the exposure start (since) is required")
	}
	if opt.Until.IsZero() {
		opt.Until = time.Now().UTC()
	}
	if opt.Until.Before(opt.Since) {
		return nil, fmt.Errorf("audit: the window ends (%s) before it starts (%s)", opt.Until.Format(time.RFC3339), opt.Since.Format(time.RFC3339))
	}
	if opt.Inspect == nil {
		opt.Inspect = artifact.Inspect
	}
	if opt.MaxDownload <= 0 {
		opt.MaxDownload = DefaultMaxDownload
	}
	rep := &Report{Since: opt.Since, Until: opt.Until, Owner: opt.Owner, Findings: []Finding{}, Checked: []string{}, Unpinned: []string{},
		Snapshot: &Baseline{At: time.Now().UTC()}}
	var usable *Baseline
	if b := opt.Baseline; b != nil && !b.At.IsZero() && !b.At.After(opt.Since) {
		usable = b
	}
	repos := slices.Clone(opt.Repos)
	slices.SortFunc(repos, func(a, b Repo) int { return cmp.Compare(a.String(), b.String()) })
	for _, r := range repos {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		a := &repoAudit{opt: &opt, rep: rep, repo: r, baseline: usable}
		if err := a.run(ctx); err != nil {
			rep.Warnings = append(rep.Warnings, fmt.Sprintf("%s: %s%v", r, notAudited(err), err))
			if s := opt.Baseline.snapshotOf(r); s != nil {
				rep.Snapshot.Repos = append(rep.Snapshot.Repos, *s)
			}
			continue
		}
		rep.Checked = append(rep.Checked, r.String())
	}
	auditWebhooks(ctx, &opt, usable, rep)
	for _, e := range opt.AuditLog {
		if opt.inWindow(e.Time) {
			rep.Findings = append(rep.Findings, e.finding())
		}
	}
	scrub(rep, opt.Token)
	sortFindings(rep.Findings)
	return rep, nil
}

// notAudited says, for the answers that have a meaning, why a repository
// could not be audited: the Hub's 404 to a signed-in caller is a
// repository deleted, renamed or out of the token's reach (which an
// attacker may have caused), its 403 "disabled" a repository it disabled.
func notAudited(err error) string {
	switch hub.ClassOf(err) {
	case hub.NotFound:
		return "not found now (deleted, renamed or no longer visible to this token: check the owner's account for a deletion in the window), not audited: "
	case hub.Disabled:
		return "disabled by the Hub, not audited: "
	case hub.Gated:
		return "gated and the token's owner has no accepted access request, not audited: "
	case hub.Forbidden:
		return "refused to this token, not audited: "
	}
	return ""
}

// snapshotOf is b's snapshot of r, or nil.
func (b *Baseline) snapshotOf(r Repo) *Snapshot {
	if b == nil {
		return nil
	}
	for i := range b.Repos {
		if b.Repos[i].Repo == r {
			return &b.Repos[i]
		}
	}
	return nil
}

// Complete reports whether the audit checked everything it was asked to:
// every repository of want, with no warning.
func (r *Report) Complete(want int) bool {
	return len(r.Warnings) == 0 && len(r.Checked) >= want
}

// key identifies a finding across audits.
func (f Finding) key() string {
	return strings.Join([]string{f.Kind, f.Repo, f.Ref, f.Path, f.Commit}, "\x00")
}

// KeepEarlier adds the findings of an earlier audit of the same exposure
// that this one did not find again, marked Earlier: what was found stays
// on the incident's record even once it has been cleaned up (or hidden).
func (r *Report) KeepEarlier(prev *Report) {
	if prev == nil {
		return
	}
	have := map[string]bool{}
	for _, f := range r.Findings {
		have[f.key()] = true
	}
	for _, f := range prev.Findings {
		if !have[f.key()] {
			f.Earlier = true
			have[f.key()] = true
			r.Findings = append(r.Findings, f)
		}
	}
	sortFindings(r.Findings)
}

// scrub redacts any secret in the free text findings carry (commit and
// discussion titles, audit-log descriptions are written by whoever held
// the token), and the audited token itself wherever it appears.
func scrub(rep *Report, token string) {
	det := detect.New(detect.Options{})
	clean := func(s string) string {
		if token != "" {
			s = strings.ReplaceAll(s, token, secret.Redact(token))
		}
		for _, m := range det.Detect([]byte(s)) {
			if m.Secret != "" && strings.Contains(s, m.Secret) {
				s = strings.ReplaceAll(s, m.Secret, secret.Redact(m.Secret))
			}
		}
		return s
	}
	for i := range rep.Findings {
		f := &rep.Findings[i]
		f.Evidence, f.Path, f.Ref, f.Author = clean(f.Evidence), clean(f.Path), clean(f.Ref), clean(f.Author)
	}
	for i := range rep.Warnings {
		rep.Warnings[i] = clean(rep.Warnings[i])
	}
}

func sortFindings(fs []Finding) {
	slices.SortStableFunc(fs, func(a, b Finding) int {
		return cmp.Or(cmp.Compare(a.Repo, b.Repo), -cmp.Compare(Rank(a.Severity), Rank(b.Severity)),
			cmp.Compare(a.Kind, b.Kind), cmp.Compare(a.Ref, b.Ref), cmp.Compare(a.Path, b.Path), cmp.Compare(a.Commit, b.Commit))
	})
}

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
}

func (a *repoAudit) add(f Finding) {
	f.Repo = a.repo.String()
	a.rep.Findings = append(a.rep.Findings, f)
}

func (a *repoAudit) warn(format string, args ...any) {
	a.rep.Warnings = append(a.rep.Warnings, a.repo.String()+": "+fmt.Sprintf(format, args...))
}

func (a *repoAudit) run(ctx context.Context) error {
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
	snap := Snapshot{Repo: r, At: a.rep.Snapshot.At, Refs: a.refs}
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

	// Every branch's commits, main's first so that a commit on several
	// branches is labelled main.
	a.branches, a.on, a.dates = map[string][]hub.Commit{}, map[string][]string{}, map[string]time.Time{}
	for _, b := range refs.Branches {
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
	// Commit dates are set by whoever commits: a commit is new when the
	// baseline does not know it, or, without one, when dated in the window,
	// in the future, or before the commit it follows.
	known := a.knownCommits()
	future := a.rep.Snapshot.At.Add(clockSkew)
	a.fresh = map[string]bool{}
	var inWindow []hub.Commit
	preAuthors := map[string]bool{}
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
				inWindow = append(inWindow, c)
			} else if known[c.ID] || c.Date.Before(o.Since) {
				for _, au := range c.Authors {
					preAuthors[au.User] = true
				}
			}
		}
	}
	a.prOn = map[string][]string{}
	inWindow = append(inWindow, a.pullRequestCommits(ctx, refs.PullRequests, future)...)
	for _, c := range a.branches["main"] {
		snap.Commits = append(snap.Commits, c.ID)
	}
	a.commits(inWindow, preAuthors)
	a.compareRefs(ctx)
	a.history(ctx)
	if r.Type == hub.RepoSpace {
		a.spaceSettings(ctx)
	}
	a.discussions(ctx)
	cur, err := a.files(ctx)
	if err != nil {
		return err
	}
	snap.Files = cur
	a.rep.Snapshot.Repos = append(a.rep.Snapshot.Repos, snap)
	return nil
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

func refMap(r *hub.Refs) map[string]string {
	m := map[string]string{}
	for _, l := range [][]hub.GitRef{r.Branches, r.Tags} {
		for _, g := range l {
			name := g.Ref
			if name == "" {
				name = g.Name
			}
			m[name] = g.TargetCommit
		}
	}
	return m
}

// knownCommits is the commits the baseline knew: main's, and those under
// each of its refs in today's branch histories. Nil without a baseline.
func (a *repoAudit) knownCommits() map[string]bool {
	if a.base == nil {
		return nil
	}
	known := map[string]bool{}
	for _, id := range a.base.Commits {
		known[id] = true
	}
	targets := map[string]bool{}
	for _, id := range a.base.Refs {
		targets[id] = true
	}
	// Histories are newest first: everything under a known head is known.
	for _, list := range a.branches {
		if i := slices.IndexFunc(list, func(c hub.Commit) bool { return targets[c.ID] }); i >= 0 {
			for _, c := range list[i:] {
				known[c.ID] = true
			}
		}
	}
	return known
}

// commits flags the window's commits: medium when by the owner (the token
// acts as the owner, so these may be the attacker's), high when by someone
// neither the owner, nor known, nor seen in the earlier history.
func (a *repoAudit) commits(list []hub.Commit, preAuthors map[string]bool) {
	known := map[string]bool{}
	for _, k := range a.opt.KnownAuthors {
		known[k] = true
	}
	for _, c := range list {
		var names []string
		sev, why := Low, "by a known author"
		for _, au := range c.Authors {
			names = append(names, au.User)
			switch {
			case au.User == a.opt.Owner && a.opt.Owner != "":
				if Rank(sev) < Rank(Medium) {
					sev, why = Medium, "by the token's owner"
				}
			case !known[au.User] && !preAuthors[au.User]:
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
}

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
func (a *repoAudit) compareRefs(ctx context.Context) {
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
		return
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
}

// history flags rewritten history. Against a snapshot: main's earlier
// commits are gone or its root changed. Against a pin: the pinned commit
// is no longer in the pinned revision's history. Without a snapshot: a
// branch whose root commit was made in the window of a repository created
// before it (a super-squash, whatever its message), or a tag pointing at
// a commit no branch holds any more.
func (a *repoAudit) history(ctx context.Context) {
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
		return
	case a.pin != nil && a.pin.Commit != "":
		a.pinHistory(ctx)
	}
	if a.base != nil {
		return
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

func (a *repoAudit) spaceSettings(ctx context.Context) {
	o := a.opt
	for _, which := range []struct {
		kind, what   string
		sev, undated string
		list         func(context.Context, string, string) ([]hub.SpaceSetting, error)
	}{
		{KindSecretAdded, "secret", High, Medium, o.Client.SpaceSecrets},
		{KindVariableAdded, "variable", Medium, Low, o.Client.SpaceVariables},
	} {
		list, err := which.list(ctx, o.Token, a.repo.ID)
		if err != nil {
			a.rep.Warnings = append(a.rep.Warnings, fmt.Sprintf("%s: listing Space %ss: %v", a.repo, which.what, err))
			continue
		}
		for _, s := range list {
			if s.UpdatedAt.IsZero() {
				// The Hub sends no updatedAt for a setting never updated
				// (huggingface_hub _space_api.py): when it was set cannot be
				// told, so it is reported, a notch lower, for a human to
				// confirm, never dropped.
				a.add(Finding{Kind: which.kind, Severity: which.undated, Path: s.Key,
					Evidence: fmt.Sprintf("Space %s %s has no update time: when it was set is unknown; confirm it", which.what, s.Key)})
				continue
			}
			if !o.inWindow(s.UpdatedAt) {
				continue
			}
			t := s.UpdatedAt
			// Only names: a variable's value may itself be a secret.
			a.add(Finding{Kind: which.kind, Severity: which.sev, Path: s.Key, Time: &t,
				Evidence: fmt.Sprintf("Space %s %s added or changed %s", which.what, s.Key, t.UTC().Format(time.RFC3339))})
		}
	}
}

func (a *repoAudit) discussions(ctx context.Context) {
	o := a.opt
	if o.Owner == "" {
		return
	}
	list, err := o.Client.Discussions(ctx, o.Token, a.repo.Type, a.repo.ID)
	if err != nil {
		a.rep.Warnings = append(a.rep.Warnings, fmt.Sprintf("%s: listing discussions: %v", a.repo, err))
		return
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
}

// files compares the repository's files with the baseline and inspects
// every model file that changed. The pinned revision is compared with its
// pin (differences are integrity mismatches; a pin of a commit id is
// main's); main, when not pinned, with the snapshot; every other branch,
// and main without a snapshot, from its newest commit not made in the
// window to its newest one made in it (see window).
// Deleted LFS files are flagged. It returns main's manifest now, the next
// audit's baseline.
func (a *repoAudit) files(ctx context.Context) (*pin.Manifest, error) {
	o, r := a.opt, a.repo
	cur, err := pin.Snapshot(ctx, o.Client, o.Token, r.Type, r.ID, "main")
	if err != nil {
		return nil, err
	}
	pinnedBranch := ""
	if a.pin != nil {
		if ref := a.pinnedRef(); ref != "" {
			pinnedBranch = strings.TrimPrefix(ref, "refs/heads/")
			now := cur
			if ref != "refs/heads/main" {
				if now, err = pin.Snapshot(ctx, o.Client, o.Token, r.Type, r.ID, a.refs[ref]); err != nil {
					return nil, fmt.Errorf("snapshot of %s: %w", ref, err)
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
			return nil, err
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
	return cur, nil
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
		tmp.Close()
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

// auditWebhooks lists the owner's webhooks, one finding per repository or
// namespace each watches: a webhook unknown to the baseline is high
// (created since), any other medium (a standing way to be told of every
// change, worth confirming). A failed listing keeps the earlier snapshot's
// webhooks.
func auditWebhooks(ctx context.Context, o *Options, base *Baseline, rep *Report) {
	list, err := o.Client.Webhooks(ctx, o.Token)
	if err != nil {
		if hub.ClassOf(err) == hub.Forbidden {
			// A 403 here is a missing permission, not a dead token (that
			// is a 401): say which one the listing needs.
			need := webhooksPermission(o.Token)
			rep.Missing = append(rep.Missing, need)
			rep.Warnings = append(rep.Warnings, fmt.Sprintf("listing webhooks: refused, the token lacks %s: %v", describePermission(need), err))
		} else {
			rep.Warnings = append(rep.Warnings, fmt.Sprintf("listing webhooks: %v", err))
		}
		if o.Baseline != nil {
			rep.Snapshot.Webhooks = o.Baseline.Webhooks
		}
		return
	}
	var known map[string]bool
	if base != nil && base.Webhooks != nil {
		known = map[string]bool{}
		for _, id := range base.Webhooks {
			known[id] = true
		}
	}
	rep.Snapshot.Webhooks = []string{}
	for _, w := range list {
		rep.Snapshot.Webhooks = append(rep.Snapshot.Webhooks, w.ID)
		var watched []string
		for _, it := range w.Watched {
			name := it.Name
			if it.Type == hub.RepoModel || it.Type == hub.RepoDataset || it.Type == hub.RepoSpace {
				name = it.Type + "/" + it.Name
			}
			watched = append(watched, name)
		}
		sev, why := Medium, "present"
		if known != nil && !known[w.ID] {
			sev, why = High, "created since the last snapshot"
		}
		action := "posts to " + hostOf(w.URL)
		if w.Job != nil {
			// A Job webhook runs code as its owner, with the webhook's
			// secret, on every event: a notch worse than a URL.
			action = "runs a Job (" + describeJob(w.Job) + ")"
			sev = map[string]string{Medium: High, High: Critical}[sev]
		}
		state := ""
		if w.Disabled {
			state = ", disabled"
		}
		ev := fmt.Sprintf("webhook %s %s: %s on %s for %s%s", w.ID, why, action, strings.Join(w.Domains, "+"), strings.Join(watched, ", "), state)
		if len(watched) == 0 {
			watched = []string{""}
		}
		for _, name := range watched {
			rep.Findings = append(rep.Findings, Finding{Kind: KindWebhook, Repo: name, Severity: sev, Ref: w.ID, Evidence: ev})
		}
	}
}

// describeJob names what a Job webhook runs: its image (or Space), its
// hardware and the names of its environment variables. Never the command
// or the values: they may carry secrets.
func describeJob(j *hub.JobSpec) string {
	var parts []string
	switch {
	case j.DockerImage != "":
		parts = append(parts, "image "+sanitizeField(j.DockerImage))
	case j.SpaceID != "":
		parts = append(parts, "the image of Space "+sanitizeField(j.SpaceID))
	default:
		parts = append(parts, "no image named")
	}
	if j.Flavor != "" {
		parts = append(parts, "flavor "+sanitizeField(j.Flavor))
	}
	if len(j.Command)+len(j.Arguments) > 0 {
		parts = append(parts, fmt.Sprintf("a command of %d words", len(j.Command)+len(j.Arguments)))
	}
	if len(j.Environment) > 0 {
		keys := slices.Sorted(maps.Keys(j.Environment))
		for i := range keys {
			keys[i] = sanitizeField(keys[i])
		}
		parts = append(parts, "environment "+strings.Join(keys, ","))
	}
	return strings.Join(parts, ", ")
}

// sanitizeField bounds a server-provided name and keeps it on one line.
func sanitizeField(s string) string {
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return ' '
		}
		return r
	}, s)
	if r := []rune(s); len(r) > 80 {
		s = string(r[:80]) + "…"
	}
	return s
}

// webhooksPermission is what reading webhooks takes for token's kind: the
// OAuth scope "webhooks" for an OAuth token, the fine-grained permission
// user.webhooks.read for any other user token.
func webhooksPermission(token string) string {
	if strings.HasPrefix(token, "hf_oauth_") {
		return "oauth:webhooks"
	}
	return "user.webhooks.read"
}

// describePermission names a permission as the Hub's settings page does:
// an OAuth scope or a fine-grained permission.
func describePermission(p string) string {
	if s, ok := strings.CutPrefix(p, "oauth:"); ok {
		return "the OAuth scope `" + s + "`"
	}
	return "the fine-grained permission `" + p + "`"
}

// hostOf keeps a webhook URL's scheme and host: its path or query may carry
// a secret.
func hostOf(u string) string {
	if i := strings.Index(u, "://"); i >= 0 {
		rest := u[i+3:]
		if j := strings.IndexAny(rest, "/?#"); j >= 0 {
			rest = rest[:j]
		}
		if k := strings.LastIndex(rest, "@"); k >= 0 {
			rest = rest[k+1:]
		}
		return u[:i+3] + rest
	}
	return "(unparsable URL)"
}

// TakeBaseline records the repositories' refs, main's commits and files,
// and the owner's webhooks, to compare a later audit with.
func TakeBaseline(ctx context.Context, c *hub.Client, token string, repos []Repo) (*Baseline, error) {
	b := &Baseline{At: time.Now().UTC(), Webhooks: []string{}}
	for _, r := range repos {
		refs, err := c.Refs(ctx, token, r.Type, r.ID, false)
		if err != nil {
			return nil, fmt.Errorf("snapshot of %s: listing refs: %w", r, err)
		}
		list, _, err := c.Commits(ctx, token, r.Type, r.ID, "main", 0)
		if err != nil {
			return nil, fmt.Errorf("snapshot of %s: listing commits: %w", r, err)
		}
		m, err := pin.Snapshot(ctx, c, token, r.Type, r.ID, "main")
		if err != nil {
			return nil, fmt.Errorf("snapshot of %s: %w", r, err)
		}
		s := Snapshot{Repo: r, At: b.At, Refs: refMap(refs), Files: m}
		for _, cm := range list {
			s.Commits = append(s.Commits, cm.ID)
		}
		b.Repos = append(b.Repos, s)
	}
	hooks, err := c.Webhooks(ctx, token)
	if err != nil {
		return nil, fmt.Errorf("snapshot: listing webhooks: %w", err)
	}
	for _, w := range hooks {
		b.Webhooks = append(b.Webhooks, w.ID)
	}
	return b, nil
}
