// Package audit reviews what a leaked Hugging Face token may have been used
// for during its exposure window: commits and their authors, branches and
// tags created, moved or deleted, rewritten history, Space secrets and
// variables, webhooks, discussions, deleted LFS files, model files that
// would run code when loaded, pinned files that changed, and the events of
// an Enterprise audit-log export.
//
// It compares the Hub now with a baseline taken before the exposure (an
// integrity pin or a snapshot); without one it falls back to what the
// commit history shows.
package audit

import (
	"bytes"
	"cmp"
	"context"
	"fmt"
	"io"
	"maps"
	"path"
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
)

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
	repos := slices.Clone(opt.Repos)
	slices.SortFunc(repos, func(a, b Repo) int { return cmp.Compare(a.String(), b.String()) })
	for _, r := range repos {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		a := &repoAudit{opt: &opt, rep: rep, repo: r}
		if err := a.run(ctx); err != nil {
			rep.Warnings = append(rep.Warnings, fmt.Sprintf("%s: %v", r, err))
			continue
		}
		rep.Checked = append(rep.Checked, r.String())
	}
	auditWebhooks(ctx, &opt, rep)
	for _, e := range opt.AuditLog {
		if opt.inWindow(e.Time) {
			rep.Findings = append(rep.Findings, e.finding())
		}
	}
	scrub(rep, opt.Token)
	sortFindings(rep.Findings)
	return rep, nil
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
	opt  *Options
	rep  *Report
	repo Repo
	pin  *pin.Manifest
	base *Snapshot
}

func (a *repoAudit) add(f Finding) {
	f.Repo = a.repo.String()
	a.rep.Findings = append(a.rep.Findings, f)
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
	if o.Baseline != nil {
		for i := range o.Baseline.Repos {
			if o.Baseline.Repos[i].Repo == r {
				a.base = &o.Baseline.Repos[i]
			}
		}
	}
	refs, err := o.Client.Refs(ctx, o.Token, r.Type, r.ID, false)
	if err != nil {
		return fmt.Errorf("listing refs: %w", err)
	}
	now := refMap(refs)
	snap := Snapshot{Repo: r, At: a.rep.Snapshot.At, Refs: now}

	// Every branch's commits, deduplicated; main's kept in order.
	var mainCommits []hub.Commit
	seen := map[string]bool{}
	var inWindow []hub.Commit
	branchOf := map[string]string{}
	preAuthors := map[string]bool{}
	for _, b := range refs.Branches {
		list, _, err := o.Client.Commits(ctx, o.Token, r.Type, r.ID, b.Name, 0)
		if err != nil {
			return fmt.Errorf("listing commits of %s: %w", b.Name, err)
		}
		if b.Name == "main" {
			mainCommits = list
		}
		for _, c := range list {
			if seen[c.ID] {
				continue
			}
			seen[c.ID] = true
			if o.inWindow(c.Date) {
				inWindow = append(inWindow, c)
				branchOf[c.ID] = b.Name
			} else if c.Date.Before(o.Since) {
				for _, au := range c.Authors {
					preAuthors[au.User] = true
				}
			}
		}
	}
	for _, c := range mainCommits {
		snap.Commits = append(snap.Commits, c.ID)
	}
	a.commits(inWindow, branchOf, preAuthors)
	a.refs(now)
	a.history(mainCommits)
	if r.Type == hub.RepoSpace {
		a.spaceSettings(ctx)
	}
	a.discussions(ctx)
	cur, err := a.files(ctx, mainCommits)
	if err != nil {
		return err
	}
	snap.Files = cur
	a.rep.Snapshot.Repos = append(a.rep.Snapshot.Repos, snap)
	return nil
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

// commits flags the window's commits: medium when by the owner (the token
// acts as the owner, so these may be the attacker's), high when by someone
// neither the owner, nor known, nor seen in the earlier history.
func (a *repoAudit) commits(list []hub.Commit, branchOf map[string]string, preAuthors map[string]bool) {
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
		a.add(Finding{Kind: KindCommitInWindow, Severity: sev, Commit: c.ID, Ref: branchOf[c.ID], Author: strings.Join(names, ","), Time: &t,
			Evidence: fmt.Sprintf("commit %.12s %q on %s %s", c.ID, c.Title, branchOf[c.ID], why)})
	}
}

// refs compares refs now with the baseline: the snapshot's refs, else the
// pinned branch.
func (a *repoAudit) refs(now map[string]string) {
	var before map[string]string
	switch {
	case a.base != nil:
		before = a.base.Refs
	case a.pin != nil:
		before = map[string]string{"refs/heads/" + cmp.Or(a.pin.Revision, "main"): a.pin.Commit}
	default:
		return
	}
	names := map[string]bool{}
	for n := range before {
		names[n] = true
	}
	if a.base != nil { // a pin knows one branch: others are not "created"
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
}

// history flags a rewritten main: the baseline's head is no longer among
// the branch's commits, or the root changed. Without a baseline, a main of
// one commit made in the window in a repository with an older history is
// the shape a super-squash leaves.
func (a *repoAudit) history(main []hub.Commit) {
	if len(main) == 0 {
		return
	}
	onMain := map[string]bool{}
	for _, c := range main {
		onMain[c.ID] = true
	}
	root := main[len(main)-1]
	switch {
	case a.base != nil && len(a.base.Commits) > 0:
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
	case a.pin != nil && a.pin.Commit != "":
		if !onMain[a.pin.Commit] {
			a.add(Finding{Kind: KindHistoryRewritten, Severity: Critical, Ref: "refs/heads/" + cmp.Or(a.pin.Revision, "main"), Commit: root.ID,
				Evidence: fmt.Sprintf("pinned commit %.12s is no longer an ancestor of %s (root now %.12s)", a.pin.Commit, cmp.Or(a.pin.Revision, "main"), root.ID)})
		}
	case len(main) == 1 && a.opt.inWindow(root.Date) && strings.HasPrefix(strings.ToLower(root.Title), "super-squash"):
		a.add(Finding{Kind: KindHistoryRewritten, Severity: High, Ref: "refs/heads/main", Commit: root.ID,
			Evidence: fmt.Sprintf("main is a single commit %.12s %q made in the window", root.ID, root.Title)})
	}
}

func (a *repoAudit) spaceSettings(ctx context.Context) {
	o := a.opt
	for _, which := range []struct {
		kind, what string
		sev        string
		list       func(context.Context, string, string) ([]hub.SpaceSetting, error)
	}{
		{KindSecretAdded, "secret", High, o.Client.SpaceSecrets},
		{KindVariableAdded, "variable", Medium, o.Client.SpaceVariables},
	} {
		list, err := which.list(ctx, o.Token, a.repo.ID)
		if err != nil {
			a.rep.Warnings = append(a.rep.Warnings, fmt.Sprintf("%s: listing Space %ss: %v", a.repo, which.what, err))
			continue
		}
		for _, s := range list {
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

// modelExt are the file names worth inspecting.
var modelExt = []string{".pkl", ".pickle", ".bin", ".pt", ".pth", ".ckpt", ".joblib", ".safetensors", ".npy", ".npz", ".h5", ".keras", ".onnx", ".gguf"}

func isModelFile(p string) bool {
	return slices.Contains(modelExt, strings.ToLower(path.Ext(p)))
}

// files compares main's files now with the pin or the snapshot, or else
// the last commit before the window with the last one in it; pinned
// differences are integrity mismatches, deleted LFS files are flagged, and
// every changed model file is downloaded (bounded) and inspected. It
// returns the current manifest, the next audit's baseline.
func (a *repoAudit) files(ctx context.Context, main []hub.Commit) (*pin.Manifest, error) {
	o, r := a.opt, a.repo
	cur, err := pin.Snapshot(ctx, o.Client, o.Token, r.Type, r.ID, "main")
	if err != nil {
		return nil, err
	}
	var before, after *pin.Manifest
	since := "in the window"
	switch {
	case a.pin != nil:
		before, after, since = a.pin, cur, "since the pin"
	case a.base != nil && a.base.Files != nil:
		before, after, since = a.base.Files, cur, "since the last snapshot"
	default:
		// Main's commits are newest first: the window's end, then its start.
		var end, start *hub.Commit
		for i := range main {
			if end == nil && !main[i].Date.After(o.Until) {
				end = &main[i]
			}
			if main[i].Date.Before(o.Since) {
				start = &main[i]
				break
			}
		}
		if end == nil || (start != nil && end.ID == start.ID) {
			return cur, nil // no commit in the window
		}
		after = cur
		if end.ID != cur.Commit {
			if after, err = pin.Snapshot(ctx, o.Client, o.Token, r.Type, r.ID, end.ID); err != nil {
				return nil, err
			}
		}
		if start != nil {
			if before, err = pin.Snapshot(ctx, o.Client, o.Token, r.Type, r.ID, start.ID); err != nil {
				return nil, err
			}
		} else {
			before = &pin.Manifest{} // the whole history is in the window
		}
	}
	old := map[string]pin.File{}
	for _, f := range before.Files {
		old[f.Path] = f
	}
	var changed []string
	for _, d := range pin.Compare(before, after) {
		if d.Kind == pin.CommitChanged {
			continue
		}
		if a.pin != nil {
			ev := fmt.Sprintf("pinned file %s %s (pinned %.16s, now %.16s)", d.Path, d.Kind, d.Want, d.Got)
			switch d.Kind {
			case pin.Removed:
				ev = fmt.Sprintf("pinned file %s removed (pinned %.16s)", d.Path, d.Want)
			case pin.Added:
				ev = fmt.Sprintf("file %s added to a pinned repository (%.16s)", d.Path, d.Got)
			}
			a.add(Finding{Kind: KindIntegrity, Severity: High, Path: d.Path, Commit: after.Commit, Evidence: ev})
		}
		if d.Kind == pin.Removed {
			if f := old[d.Path]; f.LFSSHA256 != "" {
				a.add(Finding{Kind: KindLFSDeleted, Severity: Medium, Path: d.Path,
					Evidence: fmt.Sprintf("LFS file %s (%d bytes, sha256 %.16s) deleted %s", d.Path, f.Size, f.LFSSHA256, since)})
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
		if !isModelFile(p) {
			continue
		}
		if sizes[p] > o.MaxDownload {
			a.rep.Warnings = append(a.rep.Warnings, fmt.Sprintf("%s: %s not inspected: %d bytes is over the download bound", r, p, sizes[p]))
			continue
		}
		a.inspect(ctx, after.Commit, p, since)
	}
	return cur, nil
}

// inspect downloads one file at commit and runs the inspector on it.
func (a *repoAudit) inspect(ctx context.Context, commit, p, since string) {
	o := a.opt
	f, err := o.Client.DownloadFile(ctx, o.Token, a.repo.Type, a.repo.ID, commit, p, o.MaxDownload)
	if err != nil {
		a.rep.Warnings = append(a.rep.Warnings, fmt.Sprintf("%s: %s not inspected: %v", a.repo, p, err))
		return
	}
	found, err := o.Inspect(ctx, p, bytes.NewReader(f.Data), int64(len(f.Data)))
	if err != nil {
		a.rep.Warnings = append(a.rep.Warnings, fmt.Sprintf("%s: inspecting %s: %v", a.repo, p, err))
	}
	for _, af := range found {
		a.add(Finding{Kind: af.Kind, Severity: cmp.Or(af.Severity, High), Path: cmp.Or(af.Path, p), Commit: commit,
			Evidence: fmt.Sprintf("%s changed %s: %s", p, since, af.Detail)})
	}
}

// auditWebhooks lists the owner's webhooks: one unknown to the baseline is
// high (created since), any other is medium (a standing way to be told of
// every change, worth confirming).
func auditWebhooks(ctx context.Context, o *Options, rep *Report) {
	list, err := o.Client.Webhooks(ctx, o.Token)
	if err != nil {
		rep.Warnings = append(rep.Warnings, fmt.Sprintf("listing webhooks: %v", err))
		return
	}
	var known map[string]bool
	if o.Baseline != nil && o.Baseline.Webhooks != nil {
		known = map[string]bool{}
		for _, id := range o.Baseline.Webhooks {
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
		state := ""
		if w.Disabled {
			state = ", disabled"
		}
		rep.Findings = append(rep.Findings, Finding{Kind: KindWebhook, Repo: strings.Join(watched, ","), Severity: sev, Ref: w.ID,
			Evidence: fmt.Sprintf("webhook %s %s: posts to %s on %s for %s%s", w.ID, why, hostOf(w.URL), strings.Join(w.Domains, "+"), strings.Join(watched, ", "), state)})
	}
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
