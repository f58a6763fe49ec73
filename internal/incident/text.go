package incident

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/hfwarden/hfwarden/internal/finding"
	"github.com/hfwarden/hfwarden/internal/termsafe"
)

// WriteList writes incidents as the table "hfwarden incidents list"
// prints, newest first as given.
func WriteList(w io.Writer, incs []Incident) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
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
}

// WriteText writes an incident, its occurrences, its event log and where
// its token was last verified live (LiveAt) for a terminal, as
// "hfwarden incidents show" prints it. Every data field (names from the
// Hub, file paths, notes) goes through termsafe.Escape: a newline in one
// must not forge a line of the layout, which keeps its own.
func WriteText(w io.Writer, in *Incident, occ []Occurrence, ev []Event, live []finding.Verification) {
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
		fmt.Fprintf(w, "verification: %s at %s by %s %s\n", esc(v.Status), v.CheckedAt.UTC().Format(time.RFC3339), esc(EndpointName(v.Endpoint)), esc(v.Reason))
	}
	for _, v := range live {
		fmt.Fprintf(w, "last verified live by %s at %s (not contained since)\n", esc(EndpointName(v.Endpoint)), v.CheckedAt.UTC().Format(time.RFC3339))
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

// EndpointName names the Hub of a verification; answers recorded before
// endpoints were name none.
func EndpointName(ep string) string {
	if ep == "" {
		return "an endpoint not recorded"
	}
	return ep
}

// orDash is s, or "-" for nothing.
func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
