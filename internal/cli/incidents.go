package cli

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/hfwarden/hfwarden/internal/detect"
	"github.com/hfwarden/hfwarden/internal/finding"
	"github.com/hfwarden/hfwarden/internal/incident"
	"github.com/hfwarden/hfwarden/internal/store"
)

// newCmdIncidents is "incidents" and its subcommands, which share its
// store flags.
func newCmdIncidents(f *factory) *cobra.Command {
	var db dbFlags
	cmd := &cobra.Command{
		Use:   "incidents",
		Short: "List, show and work on incidents (one leaked secret across every scan and source)",
	}
	addDBFlags(cmd.PersistentFlags(), &db)
	cmd.AddCommand(newCmdIncidentsList(f, &db, nil), newCmdIncidentsShow(f, &db, nil), newCmdIncidentsNote(f, &db, nil),
		newCmdIncidentsAssign(f, &db, nil), newCmdIncidentsResolve(f, &db, nil))
	return cmd
}

// incidentsListOptions is what "incidents list" was asked.
type incidentsListOptions struct {
	f      *factory
	db     dbFlags
	filter incident.Filter
	format string
}

// newCmdIncidentsList is "incidents list"; db is its parent's store
// flags. runF, when not nil, is called instead of incidentsListRun.
func newCmdIncidentsList(f *factory, db *dbFlags, runF func(*incidentsListOptions) error) *cobra.Command {
	opts := &incidentsListOptions{f: f}
	var state string
	list := &cobra.Command{
		Use:   "list",
		Short: "List incidents, newest first",
		Args:  cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			opts.db = *db
			opts.filter.State = incident.State(state)
			if runF != nil {
				return runF(opts)
			}
			return incidentsListRun(c.Context(), opts)
		},
	}
	list.Flags().StringVar(&state, "state", "", "only this state (open, revoke-requested, contained, audited, resolved, false-positive, accepted-risk)")
	list.Flags().StringVar(&opts.filter.Severity, "severity", "", "only this severity")
	list.Flags().StringVar(&opts.filter.Owner, "owner", "", "only tokens of this account")
	list.Flags().StringVar(&opts.filter.Org, "org", "", "only tokens whose owner is in this organization")
	list.Flags().IntVar(&opts.filter.Limit, "limit", 1000, "at most this many")
	list.Flags().StringVarP(&opts.format, "format", "f", "text", "text or json")

	return list
}

// incidentsListRun lists the incidents opts asks for.
func incidentsListRun(ctx context.Context, opts *incidentsListOptions) error {
	st, err := opts.f.Store(ctx, opts.db, storeReadOnly)
	if err != nil {
		return usageErr("%v", err)
	}
	defer func() { _ = st.Close() }() // opened read-only: closing it loses nothing
	incs, err := st.Incidents(ctx, opts.filter)
	if err != nil {
		return err
	}
	if opts.format == "json" {
		return writeJSON(opts.f.stdout, incs)
	}
	return incident.WriteList(termText(opts.f.stdout), incs)
}

// incidentsShowOptions is what "incidents show" was asked.
type incidentsShowOptions struct {
	f      *factory
	db     dbFlags
	id     int64
	format string
}

// newCmdIncidentsShow is "incidents show"; db is its parent's store
// flags. runF, when not nil, is called instead of incidentsShowRun.
func newCmdIncidentsShow(f *factory, db *dbFlags, runF func(*incidentsShowOptions) error) *cobra.Command {
	opts := &incidentsShowOptions{f: f}
	show := &cobra.Command{
		Use:   "show INCIDENT",
		Short: "Show an incident: its occurrences, verification and event log",
		Args:  cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			id, err := parseID(args[0])
			if err != nil {
				return usageErr("%v", err)
			}
			opts.db, opts.id = *db, id
			if runF != nil {
				return runF(opts)
			}
			return incidentsShowRun(c.Context(), opts)
		},
	}
	show.Flags().StringVarP(&opts.format, "format", "f", "text", "text or json")

	return show
}

// incidentsShowRun shows the incident opts names.
func incidentsShowRun(ctx context.Context, opts *incidentsShowOptions) error {
	st, err := opts.f.Store(ctx, opts.db, storeReadOnly)
	if err != nil {
		return usageErr("%v", err)
	}
	defer func() { _ = st.Close() }() // opened read-only: closing it loses nothing
	in, occ, ev, err := loadIncident(ctx, st, opts.id)
	if err != nil {
		return err
	}
	history, err := st.Verifications(ctx, opts.id)
	if err != nil {
		return err
	}
	live := incident.LiveAt(in, history)
	if opts.format == "json" {
		if live == nil {
			live = []finding.Verification{}
		}
		return writeJSON(opts.f.stdout, map[string]any{"incident": in, "occurrences": occ, "events": ev, "live_at": live})
	}
	incident.WriteText(termText(opts.f.stdout), in, occ, ev, live)
	return nil
}

// incidentsNoteOptions is what "incidents note" was asked.
type incidentsNoteOptions struct {
	f       *factory
	db      dbFlags
	id      int64
	message string
	used    []string
}

// newCmdIncidentsNote is "incidents note"; db is its parent's store
// flags. runF, when not nil, is called instead of incidentsNoteRun.
func newCmdIncidentsNote(f *factory, db *dbFlags, runF func(*incidentsNoteOptions) error) *cobra.Command {
	opts := &incidentsNoteOptions{f: f}
	note := &cobra.Command{
		Use:   "note INCIDENT (--message TEXT | --used REPO...)",
		Short: "Add a note to an incident's log, or state which repositories the token was meant for",
		Args:  cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			if strings.TrimSpace(opts.message) == "" && len(opts.used) == 0 {
				return usageErr("--message or --used is required")
			}
			if len(opts.used) > 0 {
				if _, err := incident.UsedMessage(opts.used); err != nil {
					return usageErr("--used: %v", err)
				}
			}
			id, err := parseID(args[0])
			if err != nil {
				return usageErr("%v", err)
			}
			opts.db, opts.id = *db, id
			if runF != nil {
				return runF(opts)
			}
			return incidentsNoteRun(c.Context(), opts)
		},
	}
	note.Flags().StringVarP(&opts.message, "message", "m", "", "the note")
	note.Flags().StringSliceVar(&opts.used, "used", nil, "the repositories the token was meant for (owner/name, type:owner/name, =read or =write; repeat or comma-separate): the report's replacement scope is derived from them")

	return note
}

// incidentsNoteRun records the note, or the repositories the token was
// meant for, on the incident.
func incidentsNoteRun(ctx context.Context, opts *incidentsNoteOptions) error {
	return withIncident(ctx, opts.f, opts.db, opts.id, func(st store.Store, id int64) error {
		now := opts.f.Now().UTC()
		if len(opts.used) > 0 {
			if err := st.StateUse(ctx, id, opts.f.actor(), opts.used, now); err != nil {
				return err
			}
		}
		if strings.TrimSpace(opts.message) == "" {
			return nil
		}
		return st.AddNote(ctx, id, opts.f.actor(), opts.message, now)
	})
}

// incidentsAssignOptions is what "incidents assign" was asked.
type incidentsAssignOptions struct {
	f      *factory
	db     dbFlags
	id     int64
	person string
}

// newCmdIncidentsAssign is "incidents assign"; db is its parent's store
// flags. runF, when not nil, is called instead of incidentsAssignRun.
func newCmdIncidentsAssign(f *factory, db *dbFlags, runF func(*incidentsAssignOptions) error) *cobra.Command {
	opts := &incidentsAssignOptions{f: f}
	assign := &cobra.Command{
		Use:   "assign INCIDENT PERSON",
		Short: "Assign an incident to someone",
		Args:  cobra.ExactArgs(2),
		RunE: func(c *cobra.Command, args []string) error {
			id, err := parseID(args[0])
			if err != nil {
				return usageErr("%v", err)
			}
			opts.db, opts.id, opts.person = *db, id, args[1]
			if runF != nil {
				return runF(opts)
			}
			return incidentsAssignRun(c.Context(), opts)
		},
	}

	return assign
}

// incidentsAssignRun assigns the incident.
func incidentsAssignRun(ctx context.Context, opts *incidentsAssignOptions) error {
	return withIncident(ctx, opts.f, opts.db, opts.id, func(st store.Store, id int64) error {
		return st.Assign(ctx, id, opts.f.actor(), opts.person, opts.f.Now().UTC())
	})
}

// incidentsResolveOptions is what "incidents resolve" was asked.
type incidentsResolveOptions struct {
	f      *factory
	db     dbFlags
	id     int64
	as     string
	reason string
	force  bool
}

// newCmdIncidentsResolve is "incidents resolve"; db is its parent's
// store flags. runF, when not nil, is called instead of
// incidentsResolveRun.
func newCmdIncidentsResolve(f *factory, db *dbFlags, runF func(*incidentsResolveOptions) error) *cobra.Command {
	opts := &incidentsResolveOptions{f: f}
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
			if opts.force && strings.TrimSpace(opts.reason) == "" {
				return usageErr("--force needs --reason: say why the incident may close")
			}
			id, err := parseID(args[0])
			if err != nil {
				return usageErr("%v", err)
			}
			opts.db, opts.id = *db, id
			if runF != nil {
				return runF(opts)
			}
			return incidentsResolveRun(c.Context(), opts)
		},
	}
	resolve.Flags().StringVar(&opts.as, "as", string(incident.Resolved), "the new state")
	resolve.Flags().StringVar(&opts.reason, "reason", "", "why (required for false-positive and accepted-risk, and with --force)")
	resolve.Flags().BoolVar(&opts.force, "force", false, "close an incident whose token was last verified live and is not contained (needs --reason)")

	return resolve
}

// incidentsResolveRun moves the incident to opts.as, if the incident's
// state, audit and verifications allow it.
func incidentsResolveRun(ctx context.Context, opts *incidentsResolveOptions) error {
	reason := opts.reason
	return withIncident(ctx, opts.f, opts.db, opts.id, func(st store.Store, id int64) error {
		in, err := st.Incident(ctx, id)
		if err != nil {
			return err
		}
		to := incident.State(opts.as)
		if to == incident.Contained || to == incident.RevokeRequested {
			return usageErr("incident #%d: only hfwarden revoke moves an incident to %s (contained takes whoami-v2's 401 after the revocation): run hfwarden revoke %d", id, to, id)
		}
		// hfwarden proves a Hugging Face revocation itself
		// (whoami-v2's 401); other issuers give no proof, so the
		// person closing states the issuer's word as the reason.
		unproven := in.State == incident.RevokeRequested && to == incident.Resolved
		hf := detect.IssuedByHuggingFace(in.Rule)
		if unproven && hf && !opts.force {
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
			a, _, err := st.Audit(ctx, id)
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
			history, err := st.Verifications(ctx, id)
			if err != nil {
				return err
			}
			if live := incident.LiveAt(in, history); len(live) > 0 {
				if !opts.force {
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
		return st.Transition(ctx, id, to, opts.f.actor(), reason, opts.f.Now().UTC())
	})
}

// liveWhere says where and when a token was last verified live.
func liveWhere(live []finding.Verification) string {
	parts := make([]string, len(live))
	for i, v := range live {
		parts[i] = fmt.Sprintf("at %s, %s", incident.EndpointName(v.Endpoint), v.CheckedAt.UTC().Format(time.RFC3339))
	}
	return strings.Join(parts, "; ")
}

// withIncident opens the existing store db names and calls fn with it
// when incident id is in it.
func withIncident(ctx context.Context, f *factory, db dbFlags, id int64, fn func(store.Store, int64) error) error {
	st, err := f.Store(ctx, db, storeExisting)
	if err != nil {
		return usageErr("%v", err)
	}
	defer func() { _ = st.Close() }() // each write is committed as it is made: closing loses nothing
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
