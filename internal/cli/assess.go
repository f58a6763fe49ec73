package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/hfwarden/hfwarden/internal/assess"
	"github.com/hfwarden/hfwarden/internal/detect"
	"github.com/hfwarden/hfwarden/internal/finding"
	"github.com/hfwarden/hfwarden/internal/hub"
	"github.com/hfwarden/hfwarden/internal/incident"
	"github.com/hfwarden/hfwarden/internal/secret"
	"github.com/hfwarden/hfwarden/internal/store"
)

func newAssessCmd(e *factory) *cobra.Command {
	var hf hubFlags
	var ts tokenSource
	var format string
	var maxChecks int
	var db dbFlags
	var incidentArg string
	var timeout time.Duration
	var tokenStdin, recordNarrow bool
	cmd := &cobra.Command{
		Use:   "assess",
		Short: "Is a token live, whose is it, what can it reach, and how bad is that",
		Long: `Check one token against the Hub (whoami-v2) and map its blast radius: the owner,
the token's role and fine-grained scopes, the owner's organizations and roles,
every model, dataset and space of the owner and of each organization with its
private and gated flags and the effective access (none, read, write, admin),
powers beyond repositories, and a severity with its reasons.

The token is read from standard input, --token-file or --token-env: never from
the command line. 429, 5xx and unexpected answers give status "unknown"; a live
token whose repositories could not all be listed gives status "incomplete"
(what is shown is a lower bound) and exit status 2.

With --incident N the token comes sealed from the store. Once it is revoked,
--token-file, --token-env or --token-stdin give another credential of the same
owner (theirs): the assessment is then what that credential reaches, recorded as
"viewed as OWNER via another credential" with the credential's redacted preview
and fingerprint, never over a snapshot the token itself gave. Only a classic
write (or admin) credential sees all the owner can do: a fine-grained, read,
OAuth or app credential's view is printed but not recorded (exit 2) unless
--record-narrow, and a recorded one is a lower bound ("at least").`,
		// Never echo an argument: it may be the token itself.
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) > 0 {
				return usageErr("assess takes no arguments: give the token on standard input, --token-file or --token-env, never on the command line (it would stay in shell history and ps); if you just did, revoke it")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, _ []string) error {
			if format != "text" && format != "json" {
				return usageErr("--format must be text or json")
			}
			if timeout <= 0 {
				return usageErr("--timeout must be positive")
			}
			c, err := e.HubClient(hf)
			if err != nil {
				return usageErr("%v", err)
			}
			var r *assess.Report
			if incidentArg != "" {
				// The token comes sealed from the store, and the outcome
				// goes back to it.
				id, err := parseID(incidentArg)
				if err != nil {
					return usageErr("%v", err)
				}
				st, err := e.Store(cmd.Context(), db, storeExisting)
				if err != nil {
					return usageErr("%v", err)
				}
				defer func() { _ = st.Close() }() // each write is committed as it is made: closing loses nothing
				var cred string
				if ts.file != "" || ts.env != "" || tokenStdin {
					// Another credential (the owner's) shows what the
					// incident's token reached once it is revoked.
					if tokenStdin && (ts.file != "" || ts.env != "") {
						return usageErr("give --token-stdin, --token-file or --token-env, not several")
					}
					if cred, err = ts.read(e); err != nil {
						return usageErr("%v", err)
					}
				}
				if cred != "" {
					r, err = assessIncidentAs(cmd.Context(), st, c, id, cred, maxChecks, timeout, recordNarrow)
				} else {
					r, err = assessIncident(cmd.Context(), st, c, id, maxChecks, timeout)
				}
				if err != nil {
					return err
				}
				if r.ViewedBy != nil {
					if err := viewedIncident(cmd.Context(), e.stdout, st, id, r, format, recordNarrow); err != nil {
						return err
					}
					return assessExit(r)
				}
				if r.Status == "invalid" {
					return deadIncident(cmd.Context(), e, st, id, r, format)
				}
			} else {
				token, err := ts.read(e)
				if err != nil {
					return usageErr("%v", err)
				}
				if r, err = assessWithin(cmd.Context(), c, token, maxChecks, timeout); err != nil {
					return &exitError{code: ExitError, err: fmt.Errorf("assessing token: %w", err)}
				}
			}
			if format == "json" {
				if err := writeJSON(e.stdout, r); err != nil {
					return err
				}
			} else {
				assess.WriteText(termText(e.stdout), r)
			}
			return assessExit(r)
		},
	}
	addHubFlags(cmd, &hf)
	addTokenFlags(cmd, &ts)
	cmd.Flags().StringVarP(&format, "format", "f", "text", "output format: text or json")
	cmd.Flags().IntVar(&maxChecks, "max-auth-checks", 200, "at most this many auth-check calls for ambiguous write access")
	cmd.Flags().DurationVar(&timeout, "timeout", 2*time.Minute, "bounds the whole assessment; past it the status is unknown (or, once whoami-v2 has answered, the blast radius is marked incomplete)")
	cmd.Flags().StringVar(&incidentArg, "incident", "", "assess the token of this stored incident and record the outcome in it (Hugging Face tokens only; a dead token keeps its stored snapshot and exits 1); with --token-file, --token-env or --token-stdin, assess it through that other credential of the same owner")
	cmd.Flags().BoolVar(&tokenStdin, "token-stdin", false, "with --incident: read the other credential from standard input")
	cmd.Flags().BoolVar(&recordNarrow, "record-narrow", false, "with --incident and another credential: record its view even when it is narrower than the owner's reach (fine-grained, read, OAuth or app), as a lower bound")
	addDBFlags(cmd.Flags(), &db)
	return cmd
}

// assessExit is the exit status of an assessment: 2 when the Hub did not
// answer conclusively or not every listing answered.
func assessExit(r *assess.Report) error {
	switch r.Status {
	case "unknown":
		return &exitError{code: ExitError, err: fmt.Errorf("the Hub did not answer conclusively: %s", r.Reason)}
	case "incomplete":
		return &exitError{code: ExitError, err: fmt.Errorf("the assessment is incomplete: %s", r.Reason)}
	}
	return nil
}

// assessableIncident loads incident id and checks that whoami-v2 may be
// asked about it.
func assessableIncident(ctx context.Context, st store.Store, id int64) (*incident.Incident, error) {
	in, err := st.Incident(ctx, id)
	if err != nil {
		return nil, usageErr("incident #%d: %v", id, err)
	}
	// A secret goes only to its own issuer, and only whoami-v2's answer
	// about a token it can check is an assessment.
	switch {
	case !detect.IssuedByHuggingFace(in.Rule):
		return nil, usageErr("incident #%d is a %s (%s): not sent to the Hub, which did not issue it; rotate it at its issuer — %s", id, ruleDescription(in.Rule), in.Rule, detect.RotationHint(in.Rule))
	case !detect.Verifiable(in.Rule):
		return nil, usageErr("incident #%d is a %s: whoami-v2 cannot assess it, so nothing was sent; %s", id, ruleDescription(in.Rule), detect.RotationHint(in.Rule))
	}
	return in, nil
}

// assessIncident assesses a stored incident's token and records the
// blast-radius snapshot and the verification in the incident.
func assessIncident(ctx context.Context, st store.Store, c *hub.Client, id int64, maxChecks int, timeout time.Duration) (*assess.Report, error) {
	in, err := assessableIncident(ctx, st, id)
	if err != nil {
		return nil, err
	}
	token, err := st.Secret(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("incident #%d: unsealing its secret: %w", id, err)
	}
	r, err := assessWithin(ctx, c, token, maxChecks, timeout)
	if err != nil {
		return nil, &exitError{code: ExitError, err: fmt.Errorf("assessing incident #%d: %w", id, err)}
	}
	now := time.Now().UTC()
	if err := st.RecordVerification(ctx, id, verificationOf(r, c.Endpoint())); err != nil {
		return nil, err
	}
	if keepAssessment(r, in.Assessment) {
		if err := st.SaveAssessment(ctx, id, r, now); err != nil {
			return nil, err
		}
	}
	return r, nil
}

// assessIncidentAs assesses incident in through cred, another token of
// the same owner. Only cred is sent, to the Hub that issued it; its answer
// proves nothing about the incident's token, so no verification is
// recorded. The view is stored unless the incident holds a snapshot its
// own token gave (direct evidence beats a later view), or cred is
// narrower than its owner's reach (not a classic write token) and
// recordNarrow is not set: such a view would shrink the recorded blast
// radius, and the notify step and replacement scope derived from it. It
// is refused when cred acts as another account than the incident's known
// owner.
func assessIncidentAs(ctx context.Context, st store.Store, c *hub.Client, id int64, cred string, maxChecks int, timeout time.Duration, recordNarrow bool) (*assess.Report, error) {
	in, err := assessableIncident(ctx, st, id)
	if err != nil {
		return nil, err
	}
	if secret.Fingerprint(cred) == in.Fingerprint {
		// The credential is the incident's own token: a direct look.
		return assessIncident(ctx, st, c, id, maxChecks, timeout)
	}
	r, err := assessWithin(ctx, c, cred, maxChecks, timeout)
	if err != nil {
		return nil, &exitError{code: ExitError, err: fmt.Errorf("assessing incident #%d with the other credential: %w", in.ID, err)}
	}
	switch r.Status {
	case "invalid":
		return nil, usageErr("incident #%d: the Hub rejects the other credential (%s, fingerprint %.12s): it is revoked or never existed; nothing was recorded", in.ID, r.Redacted, r.Fingerprint)
	case "unknown":
		return nil, &exitError{code: ExitError, err: fmt.Errorf("incident #%d: the Hub did not answer conclusively for the other credential: %s; nothing was recorded", in.ID, r.Reason)}
	}
	if in.Owner != "" && r.Owner != in.Owner {
		return nil, usageErr("incident #%d: the other credential acts as %s, the incident's token as %s: another account's view is not this token's blast radius; nothing was recorded", in.ID, r.Owner, in.Owner)
	}
	r.ViewThrough(in.Fingerprint, in.Redacted)
	stored := in.Assessment
	if stored != nil && stored.ViewedBy == nil && (stored.Status == "live" || stored.Status == "incomplete") {
		return r, nil // kept: the token's own snapshot
	}
	if !r.ViewedBy.FullReach() && !recordNarrow {
		return r, nil // printed, not recorded: viewedIncident says why
	}
	if keepAssessment(r, stored) {
		if err := st.SaveAssessment(ctx, in.ID, r, time.Now().UTC()); err != nil {
			return nil, err
		}
	}
	return r, nil
}

// viewedIncident prints an assessment made through another credential
// and says whether the incident now holds it; a narrow credential's view
// left unrecorded (no recordNarrow) is an error, exit 2.
func viewedIncident(ctx context.Context, w io.Writer, st store.Store, id int64, r *assess.Report, format string, recordNarrow bool) error {
	in, err := st.Incident(ctx, id)
	if err != nil {
		return err
	}
	kept := in.Assessment != nil && in.Assessment.ViewedBy != nil && in.Assessment.ViewedBy.Fingerprint == r.ViewedBy.Fingerprint && in.Assessment.CheckedAt.Equal(r.CheckedAt)
	own := in.Assessment != nil && in.Assessment.ViewedBy == nil && (in.Assessment.Status == "live" || in.Assessment.Status == "incomplete")
	narrow := !kept && !own && !r.ViewedBy.FullReach() && !recordNarrow
	if format == "json" {
		if err := writeJSON(w, r); err != nil {
			return err
		}
	} else {
		assess.WriteText(termText(w), r)
		switch {
		case kept && !r.ViewedBy.FullReach():
			fmt.Fprintf(w, "\nrecorded in incident #%d as the view of %s via another credential, narrower than the owner's reach: a lower bound\n", id, r.ViewedBy.Owner)
		case kept:
			fmt.Fprintf(w, "\nrecorded in incident #%d as the view of %s via another credential\n", id, r.ViewedBy.Owner)
		case narrow:
			fmt.Fprintf(w, "\nnot recorded in incident #%d: this credential is narrower than the owner's reach\n", id)
		case in.Assessment != nil:
			fmt.Fprintf(w, "\nnot recorded in incident #%d: it keeps the snapshot its own token gave (%s)\n", id, in.Assessment.CheckedAt.UTC().Format(time.RFC3339))
		}
	}
	if narrow {
		v := r.ViewedBy
		return usageErr("incident #%d: the other credential (%s, role %s, type %s) is narrower than the owner's reach: not recorded, since it would shrink the recorded blast radius; assess with a classic write token of %s, or give --record-narrow to record it as a lower bound",
			id, v.Redacted, orDash(v.Token.Role), orDash(v.Token.Type), v.Owner)
	}
	return nil
}

// verificationOf is what an assessment proved about the token: an
// incomplete one still proved it live (whoami-v2 answered).
func verificationOf(r *assess.Report, endpoint string) finding.Verification {
	v := finding.Verification{Status: r.Status, Reason: r.Reason, Owner: r.Owner, CheckedAt: r.CheckedAt, Endpoint: endpoint}
	if r.Status == "incomplete" {
		v.Status, v.Reason = "live", "whoami-v2 answered for "+r.Owner
	}
	return v
}

// keepAssessment reports whether r is stored as the incident's blast
// radius: a complete one always; an incomplete one only over nothing or
// over another incomplete one, never over a complete snapshot, which it
// would shrink.
func keepAssessment(r, stored *assess.Report) bool {
	switch r.Status {
	case "live":
		return true
	case "incomplete":
		return stored == nil || stored.Status != "live"
	}
	return false
}

// assessWithin runs an assessment bounded by timeout. Past it, a token
// whoami-v2 never answered for is unknown, saying why; one it did answer
// for stays live (that was proven) with the report marked incomplete.
func assessWithin(ctx context.Context, c *hub.Client, token string, maxChecks int, timeout time.Duration) (*assess.Report, error) {
	actx, cancel := context.WithTimeoutCause(ctx, timeout, errTimeout)
	defer cancel()
	r, err := assess.Assess(actx, c, token, assess.Options{MaxAuthChecks: maxChecks})
	if err != nil || ctx.Err() != nil || !errors.Is(context.Cause(actx), errTimeout) {
		return r, err
	}
	switch r.Status {
	case "unknown":
		r.Reason = fmt.Sprintf("no conclusive answer within --timeout %s (%s)", timeout, r.Reason)
	case "live", "incomplete":
		// whoami-v2 answered: live is proven, the blast radius is not.
		why := fmt.Sprintf("the assessment stopped at --timeout %s: repositories and permissions not listed yet are missing", timeout)
		if r.Status == "incomplete" {
			why += "; " + r.Reason
		}
		r.Status, r.Reason = "incomplete", why
	}
	return r, nil
}

// deadIncident reports an incident whose token the Hub rejects: what it
// could reach is in the snapshot stored while it was live (if any), not in
// this answer, which is never stored over it. The exit status is
// ExitFindings: the token is dead, which is not what assess measures.
func deadIncident(ctx context.Context, e *factory, st store.Store, id int64, r *assess.Report, format string) error {
	in, err := st.Incident(ctx, id)
	if err != nil {
		return err
	}
	var when string
	switch {
	case in.ContainedAt != nil:
		when = "contained at " + in.ContainedAt.UTC().Format(time.RFC3339) + " (revocation confirmed)"
	case in.RevokeRequestedAt != nil:
		when = "revocation requested at " + in.RevokeRequestedAt.UTC().Format(time.RFC3339) + ", and now the Hub rejects it"
	default:
		when = "hfwarden did not revoke it: it was revoked elsewhere or never existed"
	}
	if format == "json" {
		if err := writeJSON(e.stdout, r); err != nil {
			return err
		}
	} else {
		fmt.Fprintf(e.stdout, "incident #%d: token %s (fingerprint %.12s) is dead: the Hub rejects it (401 Invalid credentials) — %s\n", id, r.Redacted, r.Fingerprint, when)
		if a := in.Assessment; a != nil {
			writable := 0
			for _, rp := range a.Repos {
				if rp.Access == assess.Write || rp.Access == assess.Admin {
					writable++
				}
			}
			fmt.Fprintf(e.stdout, "blast radius while it was live (snapshot of %s): owner %s, severity %s, %d repositories reachable, %d writable\n",
				a.CheckedAt.UTC().Format(time.RFC3339), orDash(a.Owner), strings.ToUpper(a.Severity), len(a.Repos), writable)
			for _, why := range a.Reasons {
				fmt.Fprintf(e.stdout, "  - %s\n", why)
			}
		} else {
			fmt.Fprintln(e.stdout, "no blast-radius snapshot was taken while it was live: what it could reach is not known")
		}
		fmt.Fprintf(e.stdout, "see hfwarden incidents show %d and hfwarden report %d; hfwarden audit %d shows what changed while it was out\n", id, id, id)
	}
	return &exitError{code: ExitFindings, err: fmt.Errorf("incident #%d: the token is dead (%s); its stored snapshot is kept", id, when)}
}
