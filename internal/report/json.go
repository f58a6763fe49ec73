package report

import (
	"encoding/json"
	"io"

	"github.com/hfwarden/hfwarden/internal/finding"
	"github.com/hfwarden/hfwarden/internal/termsafe"
)

// jsonReport is the top-level shape of JSON output.
type jsonReport struct {
	Findings []finding.Finding `json:"findings"`
	Stats    finding.Stats     `json:"stats"`
}

// newJSONEncoder returns an encoder that leaves <, > and & alone: the output
// is read by people and tools, never embedded in HTML.
func newJSONEncoder(w io.Writer) *json.Encoder {
	// C1 controls and bidi overrides from file names or Hub strings would
	// drive a terminal the JSON is shown on: escaped as \uXXXX.
	enc := json.NewEncoder(termsafe.JSONWriter(w))
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
