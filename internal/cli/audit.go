package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/hfwarden/hfwarden/internal/assess"
	"github.com/hfwarden/hfwarden/internal/audit"
	"github.com/hfwarden/hfwarden/internal/hub"
	"github.com/hfwarden/hfwarden/internal/pin"
	"github.com/hfwarden/hfwarden/internal/safefile"
	"github.com/hfwarden/hfwarden/internal/store"
)

// auditOptions is what "audit" was asked.
type auditOptions struct {
	f            *factory
	incident     int64 // 0: none, the token is read instead
	hub          hubFlags
	token        tokenSource
	db           dbFlags
	format       string
	since, until string
	auditLog     string
	lock         string
	lockNamed    bool // --lock was given: a missing lock file is an error
	maxDownload  string
	knownAuthors []string
}

// newCmdAudit is "audit". runF, when not nil, is called instead of
// auditRun.
func newCmdAudit(f *factory, runF func(*auditOptions) error) *cobra.Command {
	opts := &auditOptions{f: f}
	cmd := &cobra.Command{
		Use:   "audit [INCIDENT]",
		Short: "Review what a leaked token may have changed during its exposure",
		Long: `For each repository the token could write: commits in the exposure window with
their authors and titles (by the token's owner, or by unexpected authors);
branches and tags created, moved or deleted since the pin or the last audit;
rewritten history (super-squash); Space secrets and variables added; webhooks;
discussions and pull requests the owner opened; deleted LFS files; pinned files
that changed (hfwarden.lock or the store's pins); and every model file changed
in the window, downloaded (bounded by --max-download) and inspected for pickles
that would run code when loaded. --audit-log ingests an Enterprise audit-log
export and flags its events in the window.

With INCIDENT the token is unsealed from the store, the window starts at the
exposure start (an incident with none recorded needs --since), the last audit
is the baseline and the result is saved to the incident. Without, the token is read from standard input, --token-file or
--token-env (never the command line) and --since is required.

A re-run of an incident's audit compares the window's start with now (the last
audit's snapshot is used only when taken before the exposure) and keeps the
earlier audits' findings.

Exit status: 2 on errors or when something could not be checked (a repository,
the webhooks, a file: the findings shown still stand); else 1 when a finding is
high or critical, 0 otherwise.`,
		// Never echo an argument: it may be the token itself.
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) > 1 {
				return usageErr("audit takes at most one incident number")
			}
			if len(args) == 1 {
				if _, err := parseID(args[0]); err != nil {
					return usageErr("audit's argument must be an incident number: give a token on standard input, --token-file or --token-env, never on the command line (if you just did, revoke it)")
				}
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			if opts.format != "text" && opts.format != "json" {
				return usageErr("--format must be text or json")
			}
			if len(args) == 1 {
				opts.incident, _ = parseID(args[0]) // checked by Args
			}
			opts.lockNamed = cmd.Flags().Changed("lock")
			if runF != nil {
				return runF(opts)
			}
			return auditRun(cmd.Context(), opts)
		},
	}
	addHubFlags(cmd, &opts.hub)
	addTokenFlags(cmd, &opts.token)
	fl := cmd.Flags()
	fl.StringVarP(&opts.format, "format", "f", "text", "output format: text or json")
	fl.StringVar(&opts.since, "since", "", "start of the exposure window (RFC 3339 or YYYY-MM-DD; default with INCIDENT: its exposure start)")
	fl.StringVar(&opts.until, "until", "", "end of the exposure window (default now)")
	fl.StringVar(&opts.auditLog, "audit-log", "", "an Enterprise audit-log export (JSON) whose events in the window are flagged")
	fl.StringVar(&opts.lock, "lock", defaultLock, "lock file whose pins are compared, when it exists")
	fl.StringVar(&opts.maxDownload, "max-download", "2GB", "download and inspect changed model files up to this size each")
	fl.StringSliceVar(&opts.knownAuthors, "known-author", nil, "a Hub user expected to commit (repeatable); others are unexpected")
	addDBFlags(fl, &opts.db)
	return cmd
}

// auditRun audits what opts names: a stored incident, or a token read
// from the token flags or standard input.
func auditRun(ctx context.Context, opts *auditOptions) error {
	c, err := opts.f.HubClient(opts.hub)
	if err != nil {
		return usageErr("%v", err)
	}
	maxDL, err := parseSize(opts.maxDownload)
	if err != nil {
		return usageErr("--max-download: %v", err)
	}
	opt := audit.Options{Client: c, MaxDownload: maxDL, KnownAuthors: opts.knownAuthors}
	if opt.Since, err = parseWhen("--since", opts.since); err != nil {
		return usageErr("%v", err)
	}
	if opt.Until, err = parseWhen("--until", opts.until); err != nil {
		return usageErr("%v", err)
	}
	if opt.AuditLog, err = readAuditLogFile(opts.auditLog); err != nil {
		return err
	}
	if opt.Pins, err = lockPins(opts.lock, opts.lockNamed); err != nil {
		return usageErr("%v", err)
	}

	var (
		st   store.Store
		id   int64
		rep  *assess.Report
		prev *audit.Report
	)
	if opts.incident != 0 {
		id = opts.incident
		if st, err = opts.f.Store(ctx, opts.db, storeExisting); err != nil {
			return usageErr("%v", err)
		}
		defer func() { _ = st.Close() }() // each write is committed as it is made: closing loses nothing
		if rep, err = prepareIncidentAudit(ctx, st, id, &opt, opts.token, opts.f); err != nil {
			return err
		}
		if prev, _, err = st.Audit(ctx, id); err != nil {
			return &exitError{code: ExitError, err: err}
		}
	} else {
		if opt.Since.IsZero() {
			return usageErr("--since is required without an incident: when the exposure started")
		}
		if opt.Token, err = opts.token.read(opts.f); err != nil {
			return usageErr("%v", err)
		}
		if opt.Pins, err = withStorePins(ctx, opts.f, opts.db, opt.Pins); err != nil {
			return err
		}
	}
	stored := rep
	rep, relist, rejected, err := relistRepos(ctx, c, opt.Token, stored)
	if err != nil {
		return err
	}
	opt.Owner, opt.TokenKind = rep.Owner, rep.TokenKind()
	opt.Repos = unionRepos(writableRepos(rep), writableRepos(stored))

	r, err := audit.Run(ctx, opt)
	if err != nil {
		return &exitError{code: ExitError, err: fmt.Errorf("auditing: %w", err)}
	}
	// What an earlier audit of the incident found stays on its
	// record, even if it is gone (or hidden) now.
	r.KeepEarlier(prev)
	if relist != "" {
		r.Warnings = append(r.Warnings, relist)
	}
	if st != nil {
		if err := st.SaveAudit(ctx, id, r, opts.f.Now().UTC()); err != nil {
			return &exitError{code: ExitError, err: fmt.Errorf("saving the audit of incident #%d: %w", id, err)}
		}
	}
	return writeAudit(opts.f, opts.format, r, len(opt.Repos), relist, rejected)
}

// withStorePins adds the store's pins to pins when there is a store: they
// count too.
func withStorePins(ctx context.Context, e *factory, db dbFlags, pins []pin.Manifest) ([]pin.Manifest, error) {
	if db.dsn == "" && !fileExists(e.defaultDB()) {
		return pins, nil
	}
	s, err := e.Store(ctx, db, storeExisting)
	if err != nil {
		return nil, usageErr("%v", err)
	}
	stored, err := s.Pins(ctx)
	_ = s.Close() // only read here, and opening it commits what it writes: closing loses nothing
	if err != nil {
		return nil, &exitError{code: ExitError, err: fmt.Errorf("reading the store's pins: %w", err)}
	}
	return mergePins(pins, stored), nil
}

// readAuditLogFile reads the audit-log export at path ("": none).
func readAuditLogFile(path string) ([]audit.LogEvent, error) {
	if path == "" {
		return nil, nil
	}
	f, err := safefile.Open(path) // a FIFO is refused, not waited on
	if err != nil {
		return nil, usageErr("--audit-log: %v", err)
	}
	events, err := audit.ReadAuditLog(f)
	_ = f.Close() // opened read-only: closing it loses nothing
	if err != nil {
		return nil, usageErr("%s: %v", path, err)
	}
	return events, nil
}

// relistRepos is the assessment whose repositories are audited, with a
// warning when they are not all the token reaches now. The repositories
// are listed again whenever the token still works: one created after the
// incident's assessment (stored, nil without an incident; perhaps by the
// attacker) is audited too. rejected is set when the Hub answered 401 to
// the token (revoked, or never valid): only then is a revocation the
// reason the audit could not read everything.
func relistRepos(ctx context.Context, c *hub.Client, token string, stored *assess.Report) (rep *assess.Report, relist string, rejected bool, err error) {
	rep = stored
	live, err := assess.Assess(ctx, c, token, assess.Options{})
	rejected = err == nil && live.Status == "invalid"
	switch {
	case err == nil && live.Status == "live":
		rep = live
	case err == nil && live.Status == "incomplete":
		// What was listed is audited, with the stored assessment's
		// repositories; the audit is incomplete, never smaller.
		rep = live
		// The listings' own errors (a 500, a proxy page) are the cause:
		// they go with the reason, so the closing line can name them.
		relist = "listing the token's repositories: " + live.Reason
		if len(live.Warnings) > 0 {
			relist += " (" + strings.Join(live.Warnings, "; ") + ")"
		}
		relist += ": repositories in the listings that failed were not audited"
	case stored == nil && err != nil:
		return nil, "", false, &exitError{code: ExitError, err: fmt.Errorf("assessing the token: %w", err)}
	case stored == nil:
		return nil, "", false, &exitError{code: ExitError, err: fmt.Errorf("the token is %s (%s): audit with the owner's token (--token-file or --token-env) to read the repositories", live.Status, live.Reason)}
	case err != nil:
		relist = fmt.Sprintf("listing the token's repositories again: %v: only the %d of the incident's assessment were audited", err, len(writableRepos(stored)))
	default:
		relist = fmt.Sprintf("the token is %s: only the %d repositories of the incident's assessment were audited, not any created since", live.Status, len(writableRepos(stored)))
	}
	return rep, relist, rejected, nil
}

// writeAudit prints the audit of want repositories in format and gives
// the exit status: an error when it is incomplete, ExitFindings when a
// finding is high or worse. relist and rejected are relistRepos's: they
// say why an incomplete audit is incomplete.
func writeAudit(e *factory, format string, r *audit.Report, want int, relist string, rejected bool) error {
	out := *r
	out.Snapshot = nil // the baseline for next time lives in the store
	if format == "json" {
		if err := writeJSON(e.stdout, &out); err != nil {
			return err
		}
	} else {
		audit.WriteText(termText(e.stdout), &out)
	}
	if !r.Complete(want) {
		return &exitError{code: ExitError, err: incompleteAudit(r, want, relist, rejected)}
	}
	if r.AtLeast(audit.High) > 0 {
		return &exitError{code: ExitFindings}
	}
	return nil
}

// prepareIncidentAudit fills opt from a stored incident: the window's
// start, the token (sealed in the store unless --token-file or
// --token-env name the owner's), the store's pins and the last audit's
// snapshot (audit.Run uses it only if it predates the window). It returns
// the incident's assessment when one was recorded: its writable
// repositories are audited, with those the token lists now.
func prepareIncidentAudit(ctx context.Context, st store.Store, id int64, opt *audit.Options, ts tokenSource, f *factory) (*assess.Report, error) {
	in, err := st.Incident(ctx, id)
	if err != nil {
		return nil, usageErr("incident #%d: %v", id, err)
	}
	if opt.Since.IsZero() {
		// Falling back to the first sighting would audit the minutes since
		// the scan, not the exposure: say what is missing instead.
		if in.ExposureStart == nil {
			return nil, usageErr("incident #%d has no known exposure start (no commit date or write time was recorded): give --since, when the token was first exposed (at the latest, the first sighting %s)",
				id, in.FirstSeen.UTC().Format(time.RFC3339))
		}
		opt.Since = *in.ExposureStart
	}
	if ts.file != "" || ts.env != "" {
		if opt.Token, err = ts.read(f); err != nil {
			return nil, usageErr("%v", err)
		}
	} else if opt.Token, err = st.Secret(ctx, id); err != nil {
		return nil, fmt.Errorf("incident #%d: unsealing its secret: %w", id, err)
	}
	pins, err := st.Pins(ctx)
	if err != nil {
		return nil, err
	}
	opt.Pins = mergePins(opt.Pins, pins)
	prev, _, err := st.Audit(ctx, id)
	if err != nil {
		return nil, err
	}
	if prev != nil {
		opt.Baseline = prev.Snapshot
	}
	if a := in.Assessment; a != nil && (a.Status == "live" || a.Status == "incomplete") {
		return a, nil
	}
	return nil, nil
}

// incompleteAudit says what could not be checked, why, and how to check
// it. A revocation is named only when the Hub answered 401 to the token
// (rejected); any other failure (a 500, a proxy, the network) is named
// as it is: relist, the failed listing of the token's repositories, or
// else the first warning.
func incompleteAudit(r *audit.Report, want int, relist string, rejected bool) error {
	var msg string
	if missed := want - len(r.Checked); missed > 0 {
		msg = fmt.Sprintf("%d of %d repositories could not be checked", missed, want)
	} else {
		msg = fmt.Sprintf("%d checks could not run", len(r.Warnings))
	}
	if len(r.Missing) > 0 {
		// The Hub named what was missing: that is the cause, not a
		// revocation.
		return fmt.Errorf("%s (see the warnings): the token lacks %s; audit with a token that has it, e.g. the owner's (--token-file or --token-env)", msg, strings.Join(r.Missing, ", "))
	}
	if rejected {
		return fmt.Errorf("%s (see the warnings): the Hub rejects the token (401), it has been revoked: audit with the owner's token (--token-file or --token-env)", msg)
	}
	cause := relist
	if cause == "" && len(r.Warnings) > 0 {
		cause = r.Warnings[0]
	}
	if cause == "" {
		return fmt.Errorf("%s (see the warnings): run the audit again", msg)
	}
	return fmt.Errorf("%s — %s (see the warnings): run the audit again once that is resolved", msg, cause)
}

// lockPins reads the lock file's pins; a missing default lock is no pins,
// a missing named one an error.
func lockPins(path string, named bool) ([]pin.Manifest, error) {
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
		if named {
			return nil, fmt.Errorf("--lock: no lock file %s", path)
		}
		return nil, nil
	}
	l, err := pin.ReadLock(path)
	if err != nil {
		return nil, err
	}
	return l.Pins, nil
}

// mergePins adds the store's pins to the lock's; the lock file wins for a
// repository pinned in both.
func mergePins(lock, stored []pin.Manifest) []pin.Manifest {
	out := append([]pin.Manifest(nil), lock...)
	for _, s := range stored {
		dup := false
		for _, l := range lock {
			if l.Type == s.Type && l.Repo == s.Repo {
				dup = true
			}
		}
		if !dup {
			out = append(out, s)
		}
	}
	return out
}

// writableRepos are the repositories an assessment found the token could
// write (or administer).
func writableRepos(r *assess.Report) []audit.Repo {
	var out []audit.Repo
	if r == nil {
		return nil
	}
	for _, rp := range r.Repos {
		if rp.Access == assess.Write || rp.Access == assess.Admin {
			typ := rp.Type
			if typ == "" {
				typ = hub.RepoModel
			}
			out = append(out, audit.Repo{Type: typ, ID: rp.ID})
		}
	}
	return out
}

// unionRepos is a's repositories, then those of b not in a.
func unionRepos(a, b []audit.Repo) []audit.Repo {
	out := slices.Clone(a)
	for _, r := range b {
		if !slices.Contains(out, r) {
			out = append(out, r)
		}
	}
	return out
}
