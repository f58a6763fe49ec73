package report

import (
	"encoding/csv"
	"io"
	"strconv"
	"strings"

	"github.com/hfwarden/hfwarden/internal/finding"
	"github.com/hfwarden/hfwarden/internal/termsafe"
)

// csvHeader names the CSV columns, in order.
func csvHeader() []string {
	return []string{
		"rule", "linked", "fingerprint", "redacted", "confidence", "encodings",
		"source", "path", "line", "column", "cell", "output", "field", "chain", "split",
	}
}

func writeCSV(w io.Writer, findings []finding.Finding) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(csvHeader()); err != nil {
		return err
	}
	for _, f := range findings {
		loc := f.Location
		row := []string{
			f.Rule,
			strconv.FormatBool(f.Linked),
			f.Fingerprint,
			f.Redacted,
			f.Confidence,
			strings.Join(f.Encodings, "+"),
			f.Source,
			loc.Path,
			strconv.Itoa(loc.Line),
			strconv.Itoa(loc.Column),
			optInt(loc.Cell),
			optInt(loc.Output),
			loc.Field,
			strings.Join(loc.Chain, " → "),
			strconv.FormatBool(f.Split),
		}
		// Names come from scanned data: a CSV is read on a terminal as
		// often as in a spreadsheet, so control characters (newlines
		// too), C1 controls and bidi overrides are written as escapes.
		for i := range row {
			row[i] = termsafe.Escape(row[i])
		}
		if err := cw.Write(row); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// optInt formats an optional index, leaving the cell empty when absent so
// that "no cell" is not confused with cell 0.
func optInt(p *int) string {
	if p == nil {
		return ""
	}
	return strconv.Itoa(*p)
}
