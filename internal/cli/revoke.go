package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/hfwarden/hfwarden/internal/assess"
	"github.com/hfwarden/hfwarden/internal/detect"
	"github.com/hfwarden/hfwarden/internal/finding"
	"github.com/hfwarden/hfwarden/internal/ghapi"
	"github.com/hfwarden/hfwarden/internal/hub"
	"github.com/hfwarden/hfwarden/internal/incident"
	"github.com/hfwarden/hfwarden/internal/scan"
	"github.com/hfwarden/hfwarden/internal/store"
	"github.com/hfwarden/hfwarden/internal/termsafe"
)

// revokeOptions tune what revoke does around the revocation itself.
type revokeOptions struct {
	// timeout bounds the wait for whoami-v2 to confirm.
	timeout time.Duration
	// skipAssess revokes without taking a blast-radius snapshot first.
	skipAssess bool
	// cachePath is the verification cache whose entries for the revoked
	// tokens are dropped; "" for none.
	cachePath string
}

func newRevokeCmd(e *factory) *cobra.Command {
	var db dbFlags
	var hf hubFlags
	var allLive, yes, dryRun, viaGitHub, yesGitHub bool
	var githubAPI, cacheDir string
	var opt revokeOptions
	cmd := &cobra.Command{
		Use:   "revoke [INCIDENT...] [--all-live]",
		Short: "Revoke leaked tokens, then prove it took effect",
		Long: `Revoke the Hugging Face tokens of the given incidents (or of every incident
whose latest verification says live) with one POST /api/credentials/revoke,
then check with whoami-v2, backing off, until the Hub answers 401 or --timeout
passes. Each incident records "contained at T" (revocation confirmed) or
"revocation requested, not confirmed". Revoking a contained incident again
does nothing. The revoke endpoint always answers 202: only whoami-v2 can
prove revocation, and only where the token was live before the request (its
latest live-or-invalid answer there; revoke checks first when none is known):
a 401 of a Hub that never saw it live, or already rejected it, proves
nothing and leaves the incident revoke-requested. A live answer after the
containment re-opens the incident.

A token never assessed gets its blast-radius snapshot first (assess, stored
in the incident): once revoked, what it could reach can no longer be seen.
If the snapshot fails, nothing is revoked, except a token already verified
live at the endpoint: containment first, it is revoked with a warning.
--skip-assess revokes without it.

A secret is sent only to its own issuer. Incidents of other secrets (OpenAI,
GitHub, AWS…) are refused, saying where to rotate them; with --github,
GitHub tokens (ghp_, github_pat_, gho_, ghu_, ghr_) go to GitHub's credential
revocation API after a question of their own (--yes-github answers it;
--yes does not). GitHub gives no proof: those incidents stay
revoke-requested until someone confirms at GitHub.

Exit status 0 only when every incident named is contained.`,
		RunE: func(c *cobra.Command, args []string) error {
			if len(args) == 0 && !allLive {
				return usageErr("name incidents to revoke, or use --all-live")
			}
			if yesGitHub && !viaGitHub {
				return usageErr("--yes-github needs --github")
			}
			st, err := e.Store(c.Context(), db, storeExisting)
			if err != nil {
				return usageErr("%v", err)
			}
			defer func() { _ = st.Close() }() // each write is committed as it is made: closing loses nothing
			targets, err := revokeTargets(c.Context(), st, args, allLive)
			if err != nil {
				return err
			}
			if len(targets) == 0 {
				fmt.Fprintln(e.stdout, "nothing to revoke")
				return nil
			}
			var gh *ghapi.Client
			if viaGitHub {
				if gh, err = ghapi.New(githubAPI, nil); err != nil {
					return usageErr("--github-api: %v", err)
				}
			}
			p, err := planRevoke(c.Context(), st, targets, gh)
			if err != nil {
				return err
			}
			p.print(termText(e.stdout), gh)
			if dryRun {
				fmt.Fprintln(e.stdout, "dry run: nothing revoked")
				return nil
			}
			if len(p.hf) == 0 && len(p.gh) == 0 {
				return p.outcome(0, 0)
			}
			var hubClient *hub.Client
			if len(p.hf) > 0 {
				if !yes && !confirm(e, fmt.Sprintf("revoke these %d Hugging Face tokens everywhere? [y/N] ", len(p.hf))) {
					fmt.Fprintln(e.stdout, "not confirmed: Hugging Face tokens not revoked (use --yes to skip the question)")
					p.unconfirmed += len(p.hf)
					p.hf = nil
				} else if hubClient, err = e.HubClient(hf); err != nil {
					return usageErr("%v", err)
				}
			}
			if len(p.gh) > 0 && !yesGitHub &&
				!confirm(e, fmt.Sprintf("send these %d GitHub tokens to %s? GitHub revokes them for good and notifies their owners [y/N] ", len(p.gh), gh.RevokeURL())) {
				fmt.Fprintln(e.stdout, "not confirmed: GitHub tokens not sent (use --yes-github to skip the question)")
				p.unconfirmed += len(p.gh)
				p.gh = nil
			}
			if len(p.hf) == 0 && len(p.gh) == 0 {
				return &exitError{code: ExitError, err: errors.New("not confirmed: nothing revoked")}
			}
			if cacheDir == "" {
				cacheDir = e.cacheDir
			}
			opt.cachePath = filepath.Join(cacheDir, "verify.json")
			var failed, unproven int
			if len(p.hf) > 0 {
				if err := revoke(c.Context(), e, st, hubClient, p.hf, opt); err != nil {
					var ee *exitError
					if !errors.As(err, &ee) {
						return err
					}
					fmt.Fprintln(e.stderr, "hfwarden:", err)
					failed++
				}
			}
			if len(p.gh) > 0 {
				n, err := revokeAtGitHub(c.Context(), e, st, gh, p.gh, opt)
				if err != nil {
					return err
				}
				unproven += n
				failed += len(p.gh) - n
			}
			return p.outcome(failed, unproven)
		},
	}
	addDBFlags(cmd.Flags(), &db)
	addHubFlags(cmd, &hf)
	fl := cmd.Flags()
	fl.BoolVar(&allLive, "all-live", false, "every incident whose latest verification is live")
	fl.BoolVarP(&yes, "yes", "y", false, "do not ask before revoking Hugging Face tokens (GitHub tokens have --yes-github)")
	fl.BoolVar(&dryRun, "dry-run", false, "say what would be revoked where, revoke nothing")
	fl.DurationVar(&opt.timeout, "timeout", 2*time.Minute, "bounds the whole run: the snapshot, the revocation request and whoami-v2's confirmation")
	fl.BoolVar(&opt.skipAssess, "skip-assess", false, "revoke tokens never assessed without taking their blast-radius snapshot first")
	fl.BoolVar(&viaGitHub, "github", false, "send GitHub tokens to GitHub's credential revocation API (asks first; not provable)")
	fl.BoolVar(&yesGitHub, "yes-github", false, "with --github: do not ask before sending GitHub tokens to GitHub")
	fl.StringVar(&githubAPI, "github-api", ghapi.DefaultEndpoint, "GitHub's REST API (GitHub Enterprise Server: https://HOST/api/v3)")
	fl.StringVar(&cacheDir, "cache-dir", "", "the verification cache whose answers for the revoked tokens are dropped (default $XDG_CACHE_HOME/hfwarden)")
	return cmd
}

// confirm asks question on stderr and reads one answer line from stdin,
// byte by byte: a second question must find its own answer still there.
func confirm(e *factory, question string) bool {
	fmt.Fprint(e.stderr, question)
	var line []byte
	b := make([]byte, 1)
	for len(line) < 1024 {
		n, err := e.stdin.Read(b)
		if n == 1 {
			if b[0] == '\n' {
				break
			}
			line = append(line, b[0])
		}
		if err != nil {
			break
		}
	}
	a := strings.ToLower(strings.TrimSpace(string(line)))
	return a == "y" || a == "yes"
}

func revokeTargets(ctx context.Context, st store.Store, args []string, allLive bool) ([]incident.Incident, error) {
	var out []incident.Incident
	seen := map[int64]bool{}
	add := func(in *incident.Incident) {
		if seen[in.ID] || provenContained(in) {
			return // already contained: revoking again is harmless but pointless
		}
		seen[in.ID] = true
		out = append(out, *in)
	}
	for _, a := range args {
		id, err := parseID(a)
		if err != nil {
			return nil, usageErr("%v", err)
		}
		in, err := st.Incident(ctx, id)
		if err != nil {
			return nil, usageErr("incident #%d: %v", id, err)
		}
		add(in)
	}
	if allLive {
		incs, err := st.Incidents(ctx, incident.Filter{})
		if err != nil {
			return nil, err
		}
		for i := range incs {
			// Live is per endpoint: an unknown answer, or another
			// endpoint's, does not make a live token safe.
			history, err := st.Verifications(ctx, incs[i].ID)
			if err != nil {
				return nil, err
			}
			if len(incident.LiveAt(&incs[i], history)) > 0 {
				add(&incs[i])
			}
		}
	}
	return out, nil
}

// provenContained reports whether revoke proved the incident contained
// and nothing re-opened it since: an incident closed by hand without that
// proof is still revoked when asked (or picked by --all-live when live).
func provenContained(in *incident.Incident) bool {
	switch in.State {
	case incident.Contained, incident.Audited, incident.Resolved:
		return in.ContainedAt != nil
	}
	return false
}

// toRevokeRequested moves an incident to revoke-requested with why,
// re-opening first one closed without proof of containment (the state
// machine leads from a closed state only back to open).
func toRevokeRequested(ctx context.Context, st store.Store, in incident.Incident, who, why string, at time.Time) error {
	switch in.State {
	case incident.Resolved, incident.Audited, incident.FalsePositive, incident.AcceptedRisk:
		if err := st.Transition(ctx, in.ID, incident.Open, who, "re-opened to revoke: it was closed ("+string(in.State)+") without proof of containment", at); err != nil {
			return err
		}
	}
	return st.Transition(ctx, in.ID, incident.RevokeRequested, who, why, at)
}

// revokeTarget is an incident to revoke with its unsealed secret.
type revokeTarget struct {
	in     incident.Incident
	secret string
}

// refusal is an incident revoke does not send anywhere, and why.
type refusal struct {
	in  incident.Incident
	why string
}

// revokePlan says where each incident's secret goes: to the Hub, to
// GitHub's revocation API, or nowhere.
type revokePlan struct {
	hf, gh      []revokeTarget
	refused     []refusal
	unconfirmed int
}

// planRevoke sorts the targets by issuer. Only Hugging Face credentials go
// to the Hub; GitHub tokens go to GitHub when gh is set and GitHub's API
// takes their kind; the rest are refused with where to rotate them.
func planRevoke(ctx context.Context, st store.Store, targets []incident.Incident, gh *ghapi.Client) (*revokePlan, error) {
	p := &revokePlan{}
	for _, in := range targets {
		rule, _ := detect.Rule(in.Rule)
		isGitHub := rule.Issuer == "GitHub"
		if !detect.IssuedByHuggingFace(in.Rule) && !(isGitHub && gh != nil) {
			p.refused = append(p.refused, refusal{in, fmt.Sprintf("not a Hugging Face credential: hfwarden sends a secret only to its issuer. Rotate it: %s", detect.RotationHint(in.Rule))})
			continue
		}
		s, err := st.Secret(ctx, in.ID)
		if errors.Is(err, store.ErrNoSecret) {
			p.refused = append(p.refused, refusal{in, "its secret was not kept (recorded without a sealing key): revoke it by hand. " + detect.RotationHint(in.Rule)})
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("incident #%d: unsealing its secret: %w", in.ID, err)
		}
		switch {
		case !isGitHub:
			p.hf = append(p.hf, revokeTarget{in, s})
		case ghapi.Revocable(s):
			p.gh = append(p.gh, revokeTarget{in, s})
		default:
			p.refused = append(p.refused, refusal{in, "GitHub's revocation API does not take this kind of token. " + detect.RotationHint(in.Rule)})
		}
	}
	return p, nil
}

func (p *revokePlan) print(w io.Writer, gh *ghapi.Client) {
	if n := len(p.hf) + len(p.gh); n > 0 {
		termsafe.Fprintf(w, "to revoke (%d):\n", n)
	}
	for _, t := range p.hf {
		termsafe.Fprintf(w, "  #%d %s %s owner %s, state %s → Hugging Face\n", t.in.ID, t.in.Redacted, t.in.Rule, orDash(t.in.Owner), t.in.State)
	}
	for _, t := range p.gh {
		termsafe.Fprintf(w, "  #%d %s %s state %s → GitHub (%s; GitHub gives no proof)\n", t.in.ID, t.in.Redacted, t.in.Rule, t.in.State, gh.RevokeURL())
	}
	if len(p.refused) > 0 {
		termsafe.Fprintf(w, "not revoked (%d):\n", len(p.refused))
	}
	for _, r := range p.refused {
		termsafe.Fprintf(w, "  #%d %s %s: %s\n", r.in.ID, r.in.Redacted, r.in.Rule, r.why)
	}
}

// outcome is the command's result: an error unless every incident is
// contained.
func (p *revokePlan) outcome(failed, unproven int) error {
	var parts []string
	if n := len(p.refused); n > 0 {
		parts = append(parts, fmt.Sprintf("%d not revoked: rotate them at their issuer (see above)", n))
	}
	if p.unconfirmed > 0 {
		parts = append(parts, fmt.Sprintf("%d not confirmed by you", p.unconfirmed))
	}
	if failed > 0 {
		parts = append(parts, "some revocations failed or are not confirmed (see above)")
	}
	if unproven > 0 {
		parts = append(parts, fmt.Sprintf("%d requested at GitHub, which gives no proof: confirm there", unproven))
	}
	if len(parts) == 0 {
		return nil
	}
	return &exitError{code: ExitError, err: errors.New(strings.Join(parts, "; "))}
}

// snapshot takes the blast-radius snapshot of tokens never assessed: the
// last moment it can be seen. Hub calls run under hubCtx (bounded by
// --timeout), the store's under ctx. A snapshot that fails (no conclusive
// answer, or none in time) stops the revocation unless skip: revoking
// would lose for good what the token could reach. Only a token already
// verified live at this endpoint is revoked anyway, with a warning:
// leaving a proven live token live for a snapshot is the worse loss.
func snapshot(ctx, hubCtx context.Context, e *factory, st store.Store, c *hub.Client, targets []revokeTarget, skip bool) error {
	var need []revokeTarget
	for _, t := range targets {
		if !detect.Verifiable(t.in.Rule) {
			continue // whoami-v2 cannot see what a refresh token reaches
		}
		in, err := st.Incident(ctx, t.in.ID) // lists carry no assessment
		if err != nil {
			return err
		}
		if in.Assessment == nil {
			need = append(need, t)
		}
	}
	if len(need) == 0 {
		return nil
	}
	if skip {
		ids := make([]string, len(need))
		for i, t := range need {
			ids[i] = fmt.Sprintf("#%d", t.in.ID)
		}
		fmt.Fprintf(e.stderr, "hfwarden: warning: --skip-assess: no blast-radius snapshot of %s; once revoked, what the token could reach can no longer be seen\n", strings.Join(ids, ", "))
		return nil
	}
	var failed []string
	for _, t := range need {
		r, err := assess.Assess(hubCtx, c, t.secret, assess.Options{})
		if err != nil {
			if ctx.Err() != nil {
				return err
			}
			failed = append(failed, fmt.Sprintf("#%d: %v", t.in.ID, deadlineReason(hubCtx, err.Error())))
			continue
		}
		if err := st.RecordVerification(ctx, t.in.ID, verificationOf(r, c.Endpoint())); err != nil {
			return err
		}
		if hubCtx.Err() != nil && (r.Status == "live" || r.Status == "incomplete") {
			// Live, but the listing stopped at the deadline, which leaves
			// no time to revoke either.
			failed = append(failed, fmt.Sprintf("#%d: %s", t.in.ID, deadlineReason(hubCtx, "the assessment did not finish")))
			continue
		}
		var stored *assess.Report
		if r.Status == "incomplete" {
			// The listing of incidents carries no snapshot: read it, so
			// that an incomplete one never replaces a complete one.
			full, err := st.Incident(ctx, t.in.ID)
			if err != nil {
				return err
			}
			stored = full.Assessment
		}
		switch {
		case keepAssessment(r, stored):
			if err := st.SaveAssessment(ctx, t.in.ID, r, time.Now().UTC()); err != nil {
				return err
			}
			termsafe.Fprintf(e.stdout, "#%d snapshot before revocation: owner %s, severity %s, %d repositories reachable (hfwarden incidents show %d)\n",
				t.in.ID, r.Owner, r.Severity, len(r.Repos), t.in.ID)
			if r.Status == "incomplete" {
				fmt.Fprintf(e.stderr, "hfwarden: warning: #%d: the snapshot is incomplete: %s\n", t.in.ID, r.Reason)
			}
		case r.Status == "incomplete":
			fmt.Fprintf(e.stderr, "hfwarden: warning: #%d: no new snapshot taken (%s): the earlier complete one is kept; revoking anyway\n", t.in.ID, r.Reason)
		case r.Status == "invalid":
			// Already rejected: nothing is reachable to snapshot, and
			// revoking a dead token harms nothing.
			fmt.Fprintf(e.stderr, "hfwarden: warning: #%d: no snapshot taken: the Hub already rejects the token; revoking anyway\n", t.in.ID)
		default:
			reason := deadlineReason(hubCtx, r.Reason)
			lv, err := knownLive(ctx, st, t.in.ID, c.Endpoint())
			if err != nil {
				return err
			}
			if lv == nil || hubCtx.Err() != nil {
				// Nothing shows the token live (or no time is left to
				// revoke): the snapshot is worth another run.
				failed = append(failed, fmt.Sprintf("#%d: %s", t.in.ID, reason))
				continue
			}
			// Containment first: a token proven live is not left live
			// because whoami-v2 is rate-limited or unanswered; the stored
			// verification stays its record.
			msg := fmt.Sprintf("revoked without a blast-radius snapshot: it could not be taken (%s); the token was verified live at %s on %s, which stays the record of it",
				reason, incident.EndpointName(lv.Endpoint), lv.CheckedAt.UTC().Format(time.RFC3339))
			fmt.Fprintf(e.stderr, "hfwarden: WARNING: #%d: %s; once revoked, what it could reach can no longer be seen\n", t.in.ID, msg)
			if err := st.AddNote(ctx, t.in.ID, e.actor(), msg, time.Now().UTC()); err != nil {
				return err
			}
		}
	}
	if len(failed) > 0 {
		return &exitError{code: ExitError, err: fmt.Errorf("nothing revoked: the blast-radius snapshot failed: %s; run again with --skip-assess to revoke without it", strings.Join(failed, "; "))}
	}
	return nil
}

// knownLive is the latest live verification of the incident's token at
// endpoint, nil when none is on record (or a later 401 there supersedes
// it).
func knownLive(ctx context.Context, st store.Store, id int64, endpoint string) (*finding.Verification, error) {
	in, err := st.Incident(ctx, id)
	if err != nil {
		return nil, err
	}
	history, err := st.Verifications(ctx, id)
	if err != nil {
		return nil, err
	}
	for _, lv := range incident.LiveAt(in, history) {
		if lv.Endpoint == endpoint {
			return &lv, nil
		}
	}
	return nil, nil
}

// deadlineReason says that the deadline of ctx (--timeout) cut an answer
// short, when it did.
func deadlineReason(ctx context.Context, reason string) string {
	if errors.Is(context.Cause(ctx), errTimeout) {
		return "no conclusive answer within --timeout (" + reason + ")"
	}
	return reason
}

// errTimeout is the cause of a context ended by --timeout.
var errTimeout = errors.New("--timeout reached")

// forget drops the verification cache's answers for the targets: a cached
// "live" must not outlive the revocation.
func forget(e *factory, path string, targets []revokeTarget) {
	if path == "" {
		return
	}
	cache := scan.OpenVerifyCache(path, "", time.Hour)
	for _, t := range targets {
		cache.Invalidate(t.in.Fingerprint)
	}
	if err := cache.Save(); err != nil {
		fmt.Fprintf(e.stderr, "hfwarden: warning: could not update the verification cache: %v\n", err)
	}
}

// revoke takes the missing snapshots, revokes the Hugging Face targets in
// one batch, then confirms each with whoami-v2. Only a 401 from the
// endpoint itself contains an incident.
//
// --timeout bounds the whole run: every Hub call (snapshot, request,
// confirmation) runs under one deadline, so a dead endpoint costs at most
// that long; store writes run under ctx and are never cut short.
func revoke(ctx context.Context, e *factory, st store.Store, c *hub.Client, targets []revokeTarget, opt revokeOptions) error {
	deadline := time.Now().Add(opt.timeout)
	hubCtx, cancel := context.WithDeadlineCause(ctx, deadline, errTimeout)
	defer cancel()
	if err := snapshot(ctx, hubCtx, e, st, c, targets, opt.skipAssess); err != nil {
		return err
	}
	secrets := make([]string, len(targets))
	for i, t := range targets {
		secrets[i] = t.secret
	}
	// What a 401 will prove is settled by the answers before the request
	// (the snapshot's included): only where the token was live does it
	// prove containment; where else it was live, it proves nothing.
	requested := time.Now().UTC()
	proves := make([]bool, len(targets))
	notProven := make([]string, len(targets))
	elsewhere := map[int][]finding.Verification{}
	for i, t := range targets {
		history, err := st.Verifications(ctx, t.in.ID)
		if err != nil {
			return err
		}
		var earlier time.Time
		if t.in.State == incident.RevokeRequested && t.in.RevokeRequestedAt != nil {
			earlier = *t.in.RevokeRequestedAt
		}
		proves[i], notProven[i] = incident.ProvesContainment(&t.in, history, c.Endpoint(), requested, earlier)
		if !proves[i] && detect.Verifiable(t.in.Rule) {
			// Not yet seen live here (--skip-assess, or the snapshot is
			// older): one whoami-v2 check, so that the 401 after the
			// request can prove something. A third of --timeout at most:
			// the request and its confirmation need the rest.
			res, err := precheck(ctx, hubCtx, c, t, opt.timeout/3)
			if err != nil {
				return err
			}
			if err := st.RecordVerification(ctx, t.in.ID, res); err != nil {
				return err
			}
			history = append(history, res)
			requested = time.Now().UTC()
			proves[i], notProven[i] = incident.ProvesContainment(&t.in, history, c.Endpoint(), requested, earlier)
		}
		for _, lv := range incident.LiveAt(&t.in, history) {
			if lv.Endpoint != c.Endpoint() && lv.CheckedAt.Before(requested) {
				elsewhere[i] = append(elsewhere[i], lv)
			}
		}
	}
	if err := c.Revoke(hubCtx, secrets); err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if hubCtx.Err() != nil {
			// The request may or may not have arrived: unknown.
			for _, t := range targets {
				termsafe.Fprintf(e.stdout, "#%d revocation unknown: the revocation request got no answer within --timeout %s; nothing is proven, run hfwarden revoke again\n", t.in.ID, opt.timeout)
			}
			return &exitError{code: ExitError, err: fmt.Errorf("revocation request not answered within --timeout %s: %w", opt.timeout, err)}
		}
		return &exitError{code: ExitError, err: fmt.Errorf("revocation request failed: %w", err)}
	}
	forget(e, opt.cachePath, targets)
	now := time.Now().UTC()
	for _, t := range targets {
		if t.in.State != incident.RevokeRequested {
			if err := toRevokeRequested(ctx, st, t.in, e.actor(), "POST /api/credentials/revoke answered 202", now); err != nil {
				return err
			}
		}
	}
	v := &assess.Verifier{Client: c}
	pending := map[int]bool{}
	unprovable, unproven := 0, 0
	for i, t := range targets {
		if detect.Verifiable(t.in.Rule) {
			pending[i] = true
			continue
		}
		unprovable++
		termsafe.Fprintf(e.stdout, "#%d revocation requested, not confirmed: whoami-v2 cannot check a %s; %s\n", t.in.ID, t.in.Rule, detect.RotationHint(t.in.Rule))
	}
	wait := 500 * time.Millisecond
	for len(pending) > 0 && hubCtx.Err() == nil {
		for i := range pending {
			res := v.Verify(hubCtx, targets[i].in.Rule, targets[i].secret)
			cut := res.Status == "unknown" && hubCtx.Err() != nil
			if cut {
				// Our own deadline, not an answer of the Hub: on record
				// as what it is, so that nothing reads as checked.
				res.Reason = deadlineReason(hubCtx, res.Reason)
			}
			if err := st.RecordVerification(ctx, targets[i].in.ID, res); err != nil {
				return err
			}
			if cut {
				break
			}
			if res.Status == "invalid" && !proves[i] {
				// A 401 where the token was never live (another Hub,
				// or one that already rejected it) is no containment.
				delete(pending, i)
				unproven++
				fmt.Fprintf(e.stdout, "#%d not contained: %s: that proves nothing about where it was live (%s)\n",
					targets[i].in.ID, notProven[i], wasLive(targets[i].in.ID, elsewhere[i]))
				continue
			}
			if res.Status == "invalid" {
				delete(pending, i)
				if err := st.Transition(ctx, targets[i].in.ID, incident.Contained, e.actor(), "whoami-v2 answers 401 after revocation", res.CheckedAt); err != nil {
					return err
				}
				termsafe.Fprintf(e.stdout, "#%d contained at %s: whoami-v2 answers 401\n", targets[i].in.ID, res.CheckedAt.Format(time.RFC3339))
				for _, lv := range elsewhere[i] {
					termsafe.Fprintf(e.stdout, "#%d note: revoked and proven at %s only; it was verified live at %s (%s), where this proves nothing: check there with hfwarden scan --verify --endpoint %s\n",
						targets[i].in.ID, c.Endpoint(), incident.EndpointName(lv.Endpoint), lv.CheckedAt.UTC().Format(time.RFC3339), lv.Endpoint)
				}
			}
		}
		if len(pending) == 0 {
			break
		}
		// The last poll comes at the deadline, not a full back-off
		// after it.
		left := time.Until(deadline)
		if left <= 50*time.Millisecond {
			break
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(min(wait, left-50*time.Millisecond)):
		}
		wait = min(wait*2, 15*time.Second)
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	for i := range pending {
		termsafe.Fprintf(e.stdout, "#%d revocation requested, not confirmed: whoami-v2 gave no 401 within --timeout %s\n", targets[i].in.ID, opt.timeout)
	}
	if n := len(pending) + unprovable + unproven; n > 0 {
		return &exitError{code: ExitError, err: fmt.Errorf("%d revocations not confirmed", n)}
	}
	return nil
}

// precheck asks whoami-v2 whether a token is live before its revocation,
// backing off through unknown answers (a 429, a 5xx) for at most budget:
// only a live answer there lets the 401 after the request prove
// containment.
func precheck(ctx, hubCtx context.Context, c *hub.Client, t revokeTarget, budget time.Duration) (finding.Verification, error) {
	deadline := time.Now().Add(budget)
	checkCtx, stop := context.WithDeadlineCause(hubCtx, deadline, errTimeout)
	defer stop()
	v := &assess.Verifier{Client: c}
	wait := 250 * time.Millisecond
	for {
		res := v.Verify(checkCtx, t.in.Rule, t.secret)
		if res.Status != "unknown" {
			return res, nil
		}
		left := time.Until(deadline)
		if checkCtx.Err() != nil || left <= 50*time.Millisecond {
			if checkCtx.Err() != nil {
				res.Reason = deadlineReason(checkCtx, res.Reason)
			}
			return res, nil
		}
		select {
		case <-ctx.Done():
			return res, ctx.Err()
		case <-checkCtx.Done():
		case <-time.After(min(wait, left-50*time.Millisecond)):
		}
		wait = min(wait*2, 5*time.Second)
	}
}

// wasLive says where a token was verified live, for a 401 that proves
// nothing, and how to revoke it there.
func wasLive(id int64, live []finding.Verification) string {
	if len(live) == 0 {
		return fmt.Sprintf("it was never verified live anywhere: verify it at its Hub with hfwarden assess --incident %d --endpoint URL, then revoke it there", id)
	}
	eps := make([]string, len(live))
	for i, v := range live {
		eps[i] = v.Endpoint
	}
	return fmt.Sprintf("verified live %s: revoke it there with hfwarden revoke %d --endpoint %s", liveWhere(live), id, strings.Join(eps, " or "))
}

// revokeAtGitHub sends GitHub tokens to GitHub's revocation API and
// returns how many it accepted. Accepted is all GitHub says: the incidents
// become revoke-requested, never contained.
func revokeAtGitHub(ctx context.Context, e *factory, st store.Store, gh *ghapi.Client, targets []revokeTarget, opt revokeOptions) (int, error) {
	secrets := make([]string, len(targets))
	for i, t := range targets {
		secrets[i] = t.secret
	}
	if err := gh.Revoke(ctx, secrets); err != nil {
		termsafe.Fprintf(e.stdout, "GitHub revocation failed, nothing recorded: %v\n", err)
		return 0, nil
	}
	forget(e, opt.cachePath, targets)
	now := time.Now().UTC()
	msg := "GitHub's credential revocation API answered 202; GitHub gives no proof that it took effect: confirm at GitHub (its owner is notified)"
	for _, t := range targets {
		var err error
		if t.in.State == incident.RevokeRequested {
			err = st.AddNote(ctx, t.in.ID, e.actor(), msg, now)
		} else {
			err = toRevokeRequested(ctx, st, t.in, e.actor(), msg, now)
		}
		if err != nil {
			return 0, err
		}
		termsafe.Fprintf(e.stdout, "#%d revoke-requested at GitHub, not contained: GitHub gives no proof; its owner is notified and confirms at %s\n", t.in.ID, githubSettingsURL(t.secret))
	}
	return len(targets), nil
}

// githubSettingsURL is the page where the owner of a GitHub token sees
// whether it still exists: each kind of token is listed on its own page.
func githubSettingsURL(secret string) string {
	switch {
	case strings.HasPrefix(secret, "github_pat_"):
		return "https://github.com/settings/personal-access-tokens"
	case strings.HasPrefix(secret, "gho_"):
		return "https://github.com/settings/applications"
	case strings.HasPrefix(secret, "ghu_"), strings.HasPrefix(secret, "ghr_"):
		return "https://github.com/settings/apps/authorizations"
	default:
		return "https://github.com/settings/tokens"
	}
}
