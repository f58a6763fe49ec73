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
	Repo     string     `json:"repo"` // "type/namespace/name"; "" for account-wide findings; a webhook's lists what it watches, comma-separated
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
	// TokenKind is the token's kind as its assessment proved it
	// (assess.Report.TokenKind: "classic", "fine-grained", "oauth", "app",
	// "org"; "" unknown): what a refused check means depends on it.
	TokenKind string
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

// Complete reports whether the audit checked everything it was asked to:
// every repository of want, with no warning.
func (r *Report) Complete(want int) bool {
	return len(r.Warnings) == 0 && len(r.Checked) >= want
}

// key identifies a finding across audits.
func (f Finding) key() string {
	if f.Kind == KindWebhook {
		// A webhook is one finding by its id, whatever it watches now
		// (and however an earlier version split it by watched entity).
		return f.Kind + "\x00" + f.Ref
	}
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
