package report

import (
	"encoding/json"
	"io"

	"github.com/hfwarden/hfwarden/internal/finding"
)

// jsonReport is the top-level shape of JSON output.
type jsonReport struct {
	Findings []finding.Finding `json:"findings"`
	Stats    finding.Stats     `json:"stats"`
}

// newJSONEncoder returns an encoder that leaves <, > and & alone: the output
// is read by people and tools, never embedded in HTML.
func newJSONEncoder(w io.Writer) *json.Encoder {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	return enc
}

func writeJSON(w io.Writer, findings []finding.Finding, stats finding.Stats) error {
	enc := newJSONEncoder(w)
	enc.SetIndent("", "  ")
	// findings comes from prepare, so it is non-nil and encodes as [].
	return enc.Encode(jsonReport{Findings: findings, Stats: stats})
}

func writeJSONL(w io.Writer, findings []finding.Finding) error {
	enc := newJSONEncoder(w)
	for i := range findings {
		// Encode terminates each value with a newline: one finding per line.
		if err := enc.Encode(&findings[i]); err != nil {
			return err
		}
	}
	return nil
}
