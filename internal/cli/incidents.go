package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/user"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/hfwarden/hfwarden/internal/detect"
	"github.com/hfwarden/hfwarden/internal/finding"
	"github.com/hfwarden/hfwarden/internal/incident"
	"github.com/hfwarden/hfwarden/internal/store"
	"github.com/hfwarden/hfwarden/internal/termsafe"
)

// actor names who did something, for the event log.
func actor() string {
	return actorOf(os.Getenv, user.Current, os.Getuid())
}

// actorOf is actor with its sources given: the environment, the OS
// account lookup and the process's uid.
func actorOf(getenv func(string) string, current func() (*user.User, error), uid int) string {
	if u := getenv("HFWARDEN_ACTOR"); u != "" {
		return u
	}
	if u := getenv("USER"); u != "" {
		return u
	}
	// Services, cron jobs and containers often run without $USER: the OS
	// account still says who acted.
	if u, err := current(); err == nil && u.Username != "" {
		return u.Username
	}
	// A container's uid often has no passwd entry: the uid still tells
	// one account from another, where "unknown" would say nothing.
	return "uid:" + strconv.Itoa(uid)
}

func parseID(s string) (int64, error) {
	id, err := strconv.ParseInt(strings.TrimPrefix(s, "#"), 10, 64)
	if err != nil || id <= 0 {
		return 0, fmt.Errorf("%q is not an incident number", s)
	}
	return id, nil
}

func newIncidentsCmd(e *factory) *cobra.Command {
	var db dbFlags
	cmd := &cobra.Command{
		Use:   "incidents",
		Short: "List, show and work on incidents (one leaked secret across every scan and source)",
	}
	addDBFlags(cmd.PersistentFlags(), &db)
	cmd.AddCommand(newIncidentsListCmd(e, &db), newIncidentsShowCmd(e, &db), newIncidentsNoteCmd(e, &db),
		newIncidentsAssignCmd(e, &db), newIncidentsResolveCmd(e, &db))
	return cmd
}

// newIncidentsListCmd is "incidents list"; db is its parent's store flags.
func newIncidentsListCmd(e *factory, db *dbFlags) *cobra.Command {
	var filter incident.Filter
	var state string
	var format string
	list := &cobra.Command{
		Use:   "list",
		Short: "List incidents, newest first",
		Args:  cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			st, err := e.Store(c.Context(), *db, storeReadOnly)
			if err != nil {
				return usageErr("%v", err)
			}
			defer st.Close()
			filter.State = incident.State(state)
			incs, err := st.Incidents(c.Context(), filter)
			if err != nil {
				return err
			}
			if format == "json" {
				return writeJSON(e.stdout, incs)
			}
			tw := tabwriter.NewWriter(termText(e.stdout), 0, 4, 2, ' ', 0)
			fmt.Fprintln(tw, "ID\tSTATE\tSEVERITY\tSECRET\tOWNER\tOCCURRENCES\tFIRST SEEN\tEXPOSED SINCE")
			for _, in := range incs {
				exp := "-"
				if in.ExposureStart != nil {
					exp = in.ExposureStart.UTC().Format("2006-01-02")
				}
				// Field by field: a newline or tab in a Hub-given owner
				// name would otherwise forge a row or shift the columns.
				fmt.Fprintf(tw, "#%d\t%s\t%s\t%s\t%s\t%d\t%s\t%s\n", in.ID, in.State, termsafe.Escape(orDash(in.Severity)), termsafe.Escape(in.Redacted),
					termsafe.Escape(orDash(in.Owner)), in.Occurrences, in.FirstSeen.UTC().Format("2006-01-02 15:04"), exp)
			}
			return tw.Flush()
		},
	}
	list.Flags().StringVar(&state, "state", "", "only this state (open, revoke-requested, contained, audited, resolved, false-positive, accepted-risk)")
	list.Flags().StringVar(&filter.Severity, "severity", "", "only this severity")
	list.Flags().StringVar(&filter.Owner, "owner", "", "only tokens of this account")
	list.Flags().StringVar(&filter.Org, "org", "", "only tokens whose owner is in this organization")
	list.Flags().IntVar(&filter.Limit, "limit", 1000, "at most this many")
	list.Flags().StringVarP(&format, "format", "f", "text", "text or json")

	return list
}

// newIncidentsShowCmd is "incidents show"; db is its parent's store flags.
func newIncidentsShowCmd(e *factory, db *dbFlags) *cobra.Command {
	var showFormat string
	show := &cobra.Command{
		Use:   "show INCIDENT",
		Short: "Show an incident: its occurrences, verification and event log",
		Args:  cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			id, err := parseID(args[0])
			if err != nil {
				return usageErr("%v", err)
			}
			st, err := e.Store(c.Context(), *db, storeReadOnly)
			if err != nil {
				return usageErr("%v", err)
			}
			defer st.Close()
			in, occ, ev, err := loadIncident(c.Context(), st, id)
			if err != nil {
				return err
			}
			history, err := st.Verifications(c.Context(), id)
			if err != nil {
				return err
			}
			live := incident.LiveAt(in, history)
			if showFormat == "json" {
				if live == nil {
					live = []finding.Verification{}
				}
				return writeJSON(e.stdout, map[string]any{"incident": in, "occurrences": occ, "events": ev, "live_at": live})
			}
			writeIncidentText(termText(e.stdout), in, occ, ev, live)
			return nil
		},
	}
	show.Flags().StringVarP(&showFormat, "format", "f", "text", "text or json")

	return show
}

// newIncidentsNoteCmd is "incidents note"; db is its parent's store flags.
func newIncidentsNoteCmd(e *factory, db *dbFlags) *cobra.Command {
	var message string
	var used []string
	note := &cobra.Command{
		Use:   "note INCIDENT (--message TEXT | --used REPO...)",
		Short: "Add a note to an incident's log, or state which repositories the token was meant for",
		Args:  cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			if strings.TrimSpace(message) == "" && len(used) == 0 {
				return usageErr("--message or --used is required")
			}
			if len(used) > 0 {
				if _, err := incident.UsedMessage(used); err != nil {
					return usageErr("--used: %v", err)
				}
			}
			return withIncident(c.Context(), e, *db, args[0], func(st store.Store, id int64) error {
				now := time.Now().UTC()
				if len(used) > 0 {
					if err := st.StateUse(c.Context(), id, actor(), used, now); err != nil {
						return err
					}
				}
				if strings.TrimSpace(message) == "" {
					return nil
				}
				return st.AddNote(c.Context(), id, actor(), message, now)
			})
		},
	}
	note.Flags().StringVarP(&message, "message", "m", "", "the note")
	note.Flags().StringSliceVar(&used, "used", nil, "the repositories the token was meant for (owner/name, type:owner/name, =read or =write; repeat or comma-separate): the report's replacement scope is derived from them")

	return note
}

// newIncidentsAssignCmd is "incidents assign"; db is its parent's store
// flags.
func newIncidentsAssignCmd(e *factory, db *dbFlags) *cobra.Command {
	assign := &cobra.Command{
		Use:   "assign INCIDENT PERSON",
		Short: "Assign an incident to someone",
		Args:  cobra.ExactArgs(2),
		RunE: func(c *cobra.Command, args []string) error {
			return withIncident(c.Context(), e, *db, args[0], func(st store.Store, id int64) error {
				return st.Assign(c.Context(), id, actor(), args[1], time.Now().UTC())
			})
		},
	}

	return assign
}

// newIncidentsResolveCmd is "incidents resolve"; db is its parent's store
// flags.
func newIncidentsResolveCmd(e *factory, db *dbFlags) *cobra.Command {
	var as, reason string
	var force bool
	resolve := &cobra.Command{
		Use:   "resolve INCIDENT [--as resolved|audited|false-positive|accepted-risk|open] [--reason TEXT]",
		Short: "Move an incident to a closing state (or back to open), with a reason",
		Long: `Move an incident to a closing state (or back to open), with a reason.

An incident whose token was last verified live and is not contained is not
closed (resolved, audited, false-positive) unless --force --reason TEXT:
revoke it first (accepted-risk, which needs a reason, is the state for a
live token kept on purpose). "Last verified live" is per endpoint: the
latest live-or-invalid answer of some endpoint was live. An unknown answer,
or another endpoint's answer, does not erase it. --as audited needs an audit
stored (hfwarden audit INCIDENT). Contained and revoke-requested are not
reachable here: only hfwarden revoke states them, on the Hub's answers.

A revoke-requested incident of another issuer than Hugging Face (GitHub
gives no proof of revocation) closes with --as resolved --reason TEXT, the
reason recorded as the issuer's confirmation. A Hugging Face one needs
hfwarden revoke's proof, or --force --reason TEXT.`,
		Args: cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			if force && strings.TrimSpace(reason) == "" {
				return usageErr("--force needs --reason: say why the incident may close")
			}
			return withIncident(c.Context(), e, *db, args[0], func(st store.Store, id int64) error {
				in, err := st.Incident(c.Context(), id)
				if err != nil {
					return err
				}
				to := incident.State(as)
				if to == incident.Contained || to == incident.RevokeRequested {
					return usageErr("incident #%d: only hfwarden revoke moves an incident to %s (contained takes whoami-v2's 401 after the revocation): run hfwarden revoke %d", id, to, id)
				}
				// hfwarden proves a Hugging Face revocation itself
				// (whoami-v2's 401); other issuers give no proof, so the
				// person closing states the issuer's word as the reason.
				unproven := in.State == incident.RevokeRequested && to == incident.Resolved
				hf := detect.IssuedByHuggingFace(in.Rule)
				if unproven && hf && !force {
					return usageErr("incident #%d: revocation requested but not confirmed: prove it with hfwarden revoke %d (whoami-v2's 401), or close it anyway with --force --reason TEXT", id, id)
				}
				if !hf && in.ContainedAt == nil && to == incident.Resolved {
					unproven = true // the reason is the issuer's word
				}
				if err := incident.CheckMove(in.State, to, reason); err != nil {
					return usageErr("incident #%d: %v", id, err)
				}
				switch {
				case unproven && hf:
					reason = "forced without proof of containment: " + reason
				case unproven:
					r, _ := detect.Rule(in.Rule)
					reason = "revocation confirmed at the issuer (" + orDash(r.Issuer) + "): " + reason
				}
				if to == incident.Audited {
					a, _, err := st.Audit(c.Context(), id)
					if err != nil {
						return err
					}
					if a == nil {
						return usageErr("incident #%d: no audit stored: run hfwarden audit %d first", id, id)
					}
					switch {
					case len(a.Checked) == 0:
						return usageErr("incident #%d: the stored audit checked no repository: audit again with a token that lists them (hfwarden audit %d --token-file F)", id, id)
					case in.ContainedAt != nil && a.Until.Before(*in.ContainedAt):
						return usageErr("incident #%d: the stored audit's window ended %s, before the containment %s: audit again (hfwarden audit %d)", id,
							a.Until.UTC().Format(time.RFC3339), in.ContainedAt.UTC().Format(time.RFC3339), id)
					}
				}
				if to == incident.Resolved || to == incident.Audited || to == incident.FalsePositive {
					history, err := st.Verifications(c.Context(), id)
					if err != nil {
						return err
					}
					if live := incident.LiveAt(in, history); len(live) > 0 {
						if !force {
							return usageErr("incident #%d: its token was last verified live (%s) and is not contained: revoke it first (hfwarden revoke %d), or close it anyway with --force --reason TEXT",
								id, liveWhere(live), id)
						}
						reason = "forced while the token was last verified live: " + reason
					}
				}
				// Closing what was never proven contained is a statement
				// of the person closing: it needs their reason (an HF
				// token already dead, a GitHub token rotated at GitHub).
				if (to == incident.Resolved || to == incident.Audited) && in.ContainedAt == nil && strings.TrimSpace(reason) == "" {
					return usageErr("incident #%d was never proven contained: say why it may close with --reason TEXT (for a Hugging Face token, hfwarden revoke %d proves it)", id, id)
				}
				return st.Transition(c.Context(), id, to, actor(), reason, time.Now().UTC())
			})
		},
	}
	resolve.Flags().StringVar(&as, "as", string(incident.Resolved), "the new state")
	resolve.Flags().StringVar(&reason, "reason", "", "why (required for false-positive and accepted-risk, and with --force)")
	resolve.Flags().BoolVar(&force, "force", false, "close an incident whose token was last verified live and is not contained (needs --reason)")

	return resolve
}

// liveWhere says where and when a token was last verified live.
func liveWhere(live []finding.Verification) string {
	parts := make([]string, len(live))
	for i, v := range live {
		parts[i] = fmt.Sprintf("at %s, %s", endpointName(v.Endpoint), v.CheckedAt.UTC().Format(time.RFC3339))
	}
	return strings.Join(parts, "; ")
}

// endpointName names the Hub of a verification; answers recorded before
// endpoints were name none.
func endpointName(ep string) string {
	if ep == "" {
		return "an endpoint not recorded"
	}
	return ep
}

func withIncident(ctx context.Context, e *factory, db dbFlags, arg string, fn func(store.Store, int64) error) error {
	id, err := parseID(arg)
	if err != nil {
		return usageErr("%v", err)
	}
	st, err := e.Store(ctx, db, storeExisting)
	if err != nil {
		return usageErr("%v", err)
	}
	defer st.Close()
	if _, err := st.Incident(ctx, id); err != nil {
		return usageErr("incident #%d: %v", id, err)
	}
	return fn(st, id)
}

func loadIncident(ctx context.Context, st store.Store, id int64) (*incident.Incident, []incident.Occurrence, []incident.Event, error) {
	in, err := st.Incident(ctx, id)
	if err != nil {
		return nil, nil, nil, usageErr("incident #%d: %v", id, err)
	}
	occ, err := st.Occurrences(ctx, id)
	if err != nil {
		return nil, nil, nil, err
	}
	ev, err := st.Events(ctx, id)
	if err != nil {
		return nil, nil, nil, err
	}
	return in, occ, ev, nil
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(termsafe.JSONWriter(w))
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// writeIncidentText writes an incident for a terminal. Every data field
// (names from the Hub, file paths, notes) goes through termsafe.Escape: a
// newline in one must not forge a line of the layout, which keeps its own.
func writeIncidentText(w io.Writer, in *incident.Incident, occ []incident.Occurrence, ev []incident.Event, live []finding.Verification) {
	esc := termsafe.Escape
	fmt.Fprintf(w, "incident #%d  %s  %s  (fingerprint %.12s)\n", in.ID, esc(in.Redacted), esc(in.Rule), in.Fingerprint)
	fmt.Fprintf(w, "state: %s   severity: %s   owner: %s   assignee: %s\n", esc(string(in.State)), esc(orDash(in.Severity)), esc(orDash(in.Owner)), esc(orDash(in.Assignee)))
	fmt.Fprintf(w, "first seen %s", in.FirstSeen.UTC().Format(time.RFC3339))
	if in.ExposureStart != nil {
		fmt.Fprintf(w, ", exposed since %s", in.ExposureStart.UTC().Format(time.RFC3339))
	}
	if in.ContainedAt != nil {
		fmt.Fprintf(w, ", contained at %s", in.ContainedAt.UTC().Format(time.RFC3339))
	} else if in.RevokeRequestedAt != nil {
		fmt.Fprintf(w, ", revocation requested at %s (not confirmed)", in.RevokeRequestedAt.UTC().Format(time.RFC3339))
	}
	fmt.Fprintln(w)
	if v := in.Verification; v != nil {
		fmt.Fprintf(w, "verification: %s at %s by %s %s\n", esc(v.Status), v.CheckedAt.UTC().Format(time.RFC3339), esc(endpointName(v.Endpoint)), esc(v.Reason))
	}
	for _, v := range live {
		fmt.Fprintf(w, "last verified live by %s at %s (not contained since)\n", esc(endpointName(v.Endpoint)), v.CheckedAt.UTC().Format(time.RFC3339))
	}
	fmt.Fprintf(w, "\noccurrences (%d):\n", len(occ))
	for _, o := range occ {
		l := o.Finding.Location
		where := fmt.Sprintf("%s:%d:%d", l.Path, l.Line, l.Column)
		if l.Cell != nil {
			where = fmt.Sprintf("%s cell %d", l.Path, *l.Cell)
			if l.Output != nil {
				where += fmt.Sprintf(" output %d", *l.Output)
			}
		}
		extra := ""
		if l.Repo != "" {
			extra = " in " + l.Repo
		}
		if l.Commit != "" {
			extra += " commit " + l.Commit[:min(12, len(l.Commit))]
		}
		if len(o.Finding.Encodings) > 0 {
			extra += " [" + strings.Join(o.Finding.Encodings, " → ") + "]"
		}
		fmt.Fprintf(w, "  %-8s %s%s\n", esc(o.Finding.Source), esc(where), esc(extra))
	}
	fmt.Fprintf(w, "\nevents:\n")
	for _, x := range ev {
		line := x.Kind
		if x.From != "" || x.To != "" {
			line += fmt.Sprintf(" %s → %s", x.From, x.To)
		}
		if x.Message != "" {
			line += ": " + x.Message
		}
		fmt.Fprintf(w, "  %s  %-10s %s\n", x.At.UTC().Format(time.RFC3339), esc(x.Actor), esc(line))
	}
}
