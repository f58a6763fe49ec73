package audit

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/hfwarden/hfwarden/internal/termsafe"
)

// WriteText writes r for a terminal, as "hfwarden audit" prints it: every
// field goes through termsafe, so that a name or an evidence line from
// the Hub cannot forge a line of the layout.
func WriteText(w io.Writer, r *Report) {
	termsafe.Fprintf(w, "audit of %d repositories", len(r.Checked))
	if r.Owner != "" {
		termsafe.Fprintf(w, " of %s", r.Owner)
	}
	termsafe.Fprintf(w, ", window %s to %s\n", r.Since.UTC().Format(time.RFC3339), r.Until.UTC().Format(time.RFC3339))
	if len(r.Findings) == 0 && len(r.Warnings) == 0 {
		fmt.Fprintln(w, "no findings")
	} else if len(r.Findings) == 0 {
		fmt.Fprintln(w, "no findings in what could be checked")
	}
	for _, f := range r.Findings {
		repo := f.Repo
		if repo == "" {
			repo = "-"
		}
		ev := f.Evidence
		if f.Earlier {
			ev += " (found by an earlier audit)"
		}
		termsafe.Fprintf(w, "  %-8s %-20s %-35s %s\n", strings.ToUpper(f.Severity), f.Kind, repo, ev)
	}
	if len(r.Unpinned) > 0 {
		termsafe.Fprintf(w, "unpinned (no integrity check of their files; pin them with 'hfwarden pin'): %s\n", strings.Join(r.Unpinned, ", "))
	}
	for _, warn := range r.Warnings {
		termsafe.Fprintf(w, "warning: %s\n", warn)
	}
}
