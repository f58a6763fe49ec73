package pin

import (
	"io"

	"github.com/hfwarden/hfwarden/internal/termsafe"
)

// Result is one pinned repository compared with the Hub, as
// "hfwarden verify-pin" reports it.
type Result struct {
	Repo         string `json:"repo"`
	Type         string `json:"type"`
	Revision     string `json:"revision"`
	PinnedCommit string `json:"pinned_commit"`
	Commit       string `json:"commit,omitempty"`
	Diffs        []Diff `json:"diffs"`
	Error        string `json:"error,omitempty"`
}

// WriteResults writes results for a terminal, as "hfwarden verify-pin"
// prints them, every field through termsafe.
func WriteResults(w io.Writer, results []Result) {
	for _, r := range results {
		switch {
		case r.Error != "":
			termsafe.Fprintf(w, "%s %s: ERROR %s\n", r.Type, r.Repo, r.Error)
		case len(r.Diffs) == 0:
			termsafe.Fprintf(w, "%s %s: OK at %s\n", r.Type, r.Repo, r.Commit)
		default:
			termsafe.Fprintf(w, "%s %s: %d differences from the pin (%s pinned at %s, now %s)\n",
				r.Type, r.Repo, len(r.Diffs), r.Revision, r.PinnedCommit, r.Commit)
			for _, d := range r.Diffs {
				switch d.Kind {
				case CommitChanged:
					termsafe.Fprintf(w, "  %-14s %s -> %s\n", d.Kind, d.Want, d.Got)
				case Added:
					termsafe.Fprintf(w, "  %-14s %s (%s)\n", d.Kind, d.Path, d.Got)
				case Removed:
					termsafe.Fprintf(w, "  %-14s %s (was %s)\n", d.Kind, d.Path, d.Want)
				default:
					termsafe.Fprintf(w, "  %-14s %s %s -> %s\n", d.Kind, d.Path, d.Want, d.Got)
				}
			}
		}
	}
}
