package cli

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/hfwarden/hfwarden/internal/detect"
	"github.com/hfwarden/hfwarden/internal/incident"
	"github.com/hfwarden/hfwarden/internal/incidentreport"
	"github.com/hfwarden/hfwarden/internal/safefile"
	"github.com/hfwarden/hfwarden/internal/store"
)

func newReportCmd(e *factory) *cobra.Command {
	var db dbFlags
	var format, output string
	var used []string
	cmd := &cobra.Command{
		Use:   "report INCIDENT [--format html|md|json] [-o FILE]",
		Short: "Write an incident report a security team acts on",
		Long: `Write one incident's report: summary, severity and reasons, the blast radius as
a table and as a picture (SVG: token → owner → orgs → repositories, coloured by
access), every occurrence, the timeline (exposure → detection → revocation →
confirmation), the response checklist filled from what hfwarden recorded, the
mapping to OWASP Non-Human Identities Top 10, OWASP Agentic AI and NIST AI RMF,
and a least-privilege replacement scope. It opens with one sentence, the bottom
line; the checklist goes on past revocation (purge each copy, notify, replace,
rotate the secrets found beside it). --used records which repositories the
token was meant for, and the replacement is derived from them. HTML is one
self-contained file.`,
		Args: cobra.ExactArgs(1),
		RunE: func(c *cobra.Command, args []string) error {
			var write func(io.Writer, incidentreport.Data) error
			switch format {
			case "html":
				write = incidentreport.HTML
			case "md", "markdown":
				write = incidentreport.Markdown
			case "json":
				write = incidentreport.JSON
			default:
				return usageErr("--format must be html, md or json")
			}
			id, err := parseID(args[0])
			if err != nil {
				return usageErr("%v", err)
			}
			var st store.Store
			if len(used) > 0 {
				// Stating the use is recorded, so this report writes.
				if _, err := incident.UsedMessage(used); err != nil {
					return usageErr("--used: %v", err)
				}
				// Creates nothing: a store must be there already.
				ro, roErr := e.Store(c.Context(), db, storeReadOnly)
				if roErr != nil {
					return usageErr("%v", roErr)
				}
				// Only a probe that the store exists: nothing was read or
				// written through it, so closing it cannot lose anything.
				_ = ro.Close()
				// err, not a new one: it is checked below, after the else.
				st, err = e.Store(c.Context(), db, storeCreate)
			} else {
				st, err = e.Store(c.Context(), db, storeReadOnly)
			}
			if err != nil {
				return usageErr("%v", err)
			}
			defer func() { _ = st.Close() }() // read-only, or each write committed as it is made: closing loses nothing
			if len(used) > 0 {
				if err := st.StateUse(c.Context(), id, e.actor(), used, time.Now().UTC()); err != nil {
					return fmt.Errorf("recording the repositories the token was meant for: %w", err)
				}
			}
			in, occ, ev, err := loadIncident(c.Context(), st, id)
			if err != nil {
				return err
			}
			d := incidentreport.Data{Incident: *in, Occurrences: occ, Events: ev, Assessment: in.Assessment, Generated: time.Now().UTC()}
			au, auAt, err := st.Audit(c.Context(), id)
			if err != nil {
				return err
			}
			d.Audit = incidentreport.FromAudit(au, auAt)
			if d.Scans, err = st.ScanRuns(c.Context(), in.FirstSeen); err != nil {
				return err
			}
			if d.Linked, err = linkedSecrets(c.Context(), st, *in, occ); err != nil {
				return err
			}
			out := e.stdout
			var f *os.File
			if output != "" {
				if f, err = safefile.Create(output); err != nil {
					return usageErr("cannot write the report: %v", err)
				}
				// Closed, and its error reported, once the report is
				// written (below); this is for the returns before that,
				// whose own error is the one to report.
				defer func() { _ = f.Close() }()
				out = f
			}
			bw := bufio.NewWriter(out)
			if err := write(bw, d); err != nil {
				return fmt.Errorf("writing the report: %w", err)
			}
			if err := bw.Flush(); err != nil {
				return fmt.Errorf("writing the report: %w", err)
			}
			if f != nil {
				if err := f.Close(); err != nil {
					return fmt.Errorf("writing the report: %w", err)
				}
				fmt.Fprintf(e.stderr, "hfwarden: report written to %s\n", output)
			}
			return nil
		},
	}
	addDBFlags(cmd.Flags(), &db)
	cmd.Flags().StringVarP(&format, "format", "f", "html", "html, md or json")
	cmd.Flags().StringVarP(&output, "output", "o", "", "write to this file instead of standard output")
	cmd.Flags().StringSliceVar(&used, "used", nil, "record the repositories the token was meant for (owner/name, type:owner/name, =read or =write; repeat or comma-separate): the replacement scope is derived from them")
	return cmd
}

// linkedSecrets finds the other secrets recorded beside an incident's
// token: incidents of non-Hugging Face rules with an occurrence in the
// same file (of the same repository) or the same commit. Whoever read the
// token read them too, so the report asks to rotate them at their issuer.
func linkedSecrets(ctx context.Context, st store.Store, in incident.Incident, occ []incident.Occurrence) ([]incidentreport.LinkedSecret, error) {
	places := map[string]string{} // key → how the report names it
	for _, o := range occ {
		l := o.Finding.Location
		if l.Path != "" {
			places["p\x00"+l.Repo+"\x00"+l.Path] = "same file " + l.Path
		}
		if l.Commit != "" {
			places["c\x00"+l.Commit] = "same commit " + shortID(l.Commit)
		}
	}
	if len(places) == 0 {
		return nil, nil
	}
	all, err := st.Incidents(ctx, incident.Filter{})
	if err != nil {
		return nil, fmt.Errorf("listing incidents for linked secrets: %w", err)
	}
	var out []incidentreport.LinkedSecret
	for _, other := range all {
		if other.ID == in.ID || detect.IssuedByHuggingFace(other.Rule) {
			continue
		}
		oo, err := st.Occurrences(ctx, other.ID)
		if err != nil {
			return nil, fmt.Errorf("reading incident #%d's occurrences: %w", other.ID, err)
		}
		where := ""
		for _, o := range oo {
			l := o.Finding.Location
			if w, ok := places["p\x00"+l.Repo+"\x00"+l.Path]; ok && l.Path != "" {
				where = w
				break
			}
			if w, ok := places["c\x00"+l.Commit]; ok && l.Commit != "" {
				where = w
				break
			}
		}
		if where == "" {
			continue
		}
		out = append(out, incidentreport.LinkedSecret{IncidentID: other.ID, Rule: other.Rule, Redacted: other.Redacted,
			Fingerprint: other.Fingerprint, State: other.State, Where: where, Rotate: detect.RotationHint(other.Rule)})
	}
	return out, nil
}

// shortID abbreviates a commit id as git log --oneline does.
func shortID(c string) string {
	if len(c) > 12 {
		return c[:12]
	}
	return c
}
