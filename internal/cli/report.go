package cli

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/spf13/cobra"

	"github.com/hfwarden/hfwarden/internal/incident"
	"github.com/hfwarden/hfwarden/internal/incidentreport"
	"github.com/hfwarden/hfwarden/internal/safefile"
	"github.com/hfwarden/hfwarden/internal/store"
)

func newReportCmd(e *env) *cobra.Command {
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
and a least-privilege replacement scope. HTML is one self-contained file.`,
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
				st, err = db.open(c.Context())
			} else {
				st, err = db.openReadOnly(c.Context())
			}
			if err != nil {
				return usageErr("%v", err)
			}
			defer st.Close()
			if len(used) > 0 {
				if err := st.StateUse(c.Context(), id, actor(), used, time.Now().UTC()); err != nil {
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
			out := e.stdout
			var f *os.File
			if output != "" {
				if f, err = safefile.Create(output); err != nil {
					return usageErr("cannot write the report: %v", err)
				}
				defer f.Close()
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
