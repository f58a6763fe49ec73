// Package report renders scan findings for people (text) and for machines
// (JSON, JSON Lines, CSV and SARIF 2.1.0).
//
// Every writer treats finding.Finding.Secret as radioactive: text, JSON and JSON
// Lines include it only when Options.ShowSecrets is set, whatever the caller
// left in the field, and CSV and SARIF (which is made to be uploaded and
// shared) never include it.
package report

import (
	"bufio"
	"fmt"
	"io"
	"strings"

	"github.com/hfwarden/hfwarden/internal/finding"
)

// Format names an output format.
type Format string

// The supported output formats.
const (
	// Text is grouped, human-readable output, optionally coloured.
	Text Format = "text"
	// JSON is a single object holding all findings and the scan stats.
	JSON Format = "json"
	// JSONL is one finding object per line, for streaming tools.
	JSONL Format = "jsonl"
	// SARIF is a SARIF 2.1.0 log, for code-scanning dashboards.
	SARIF Format = "sarif"
	// CSV is a header row and one row per finding, for spreadsheets.
	CSV Format = "csv"
)

// Formats returns every supported format, in the order help text lists them.
// It returns a fresh slice so callers cannot alter the package's view.
func Formats() []Format {
	return []Format{Text, JSON, JSONL, SARIF, CSV}
}

// ParseFormat returns the Format named by s, ignoring case and surrounding
// space. The error for an unknown name lists the valid ones.
func ParseFormat(s string) (Format, error) {
	want := Format(strings.ToLower(strings.TrimSpace(s)))
	names := make([]string, 0, len(Formats()))
	for _, f := range Formats() {
		if f == want {
			return f, nil
		}
		names = append(names, string(f))
	}
	return "", fmt.Errorf("unknown output format %q (valid formats: %s)", s, strings.Join(names, ", "))
}

// Options tunes how findings are written.
type Options struct {
	// Color enables ANSI colours in Text output; other formats ignore it.
	Color bool
	// ShowSecrets lets raw secrets (finding.Finding.Secret) into the output.
	// When false they are dropped even if the finding carries one.
	ShowSecrets bool
	// ToolVersion is reported as the tool version in SARIF output.
	ToolVersion string
}

// Write renders findings and stats to w in format f.
func Write(w io.Writer, f Format, findings []finding.Finding, stats finding.Stats, opt Options) error {
	// Normalise through ParseFormat so a Format built from user input by a
	// plain conversion ("JSON") still works, and unknown ones get the same
	// helpful error.
	f, err := ParseFormat(string(f))
	if err != nil {
		return err
	}
	findings = prepare(findings, opt)
	// Buffer so that text and CSV output, which make many small writes, do
	// not turn into many syscalls on an unbuffered os.Stdout.
	bw := bufio.NewWriter(w)
	switch f {
	case Text:
		err = writeText(bw, findings, stats, opt)
	case JSON:
		err = writeJSON(bw, findings, stats)
	case JSONL:
		err = writeJSONL(bw, findings)
	case CSV:
		err = writeCSV(bw, findings)
	case SARIF:
		err = writeSARIF(bw, findings, stats, opt)
	}
	if err != nil {
		return err
	}
	return bw.Flush()
}

// prepare returns a copy of findings normalised for output: secrets removed
// unless asked for, and nil slices made empty so JSON shows [] not null.
// It copies so the caller's findings are never modified.
func prepare(in []finding.Finding, opt Options) []finding.Finding {
	out := make([]finding.Finding, len(in))
	for i, f := range in {
		if !opt.ShowSecrets {
			f.Secret = ""
		}
		if f.Encodings == nil {
			f.Encodings = []string{}
		}
		out[i] = f
	}
	return out
}
