package report

import (
	"fmt"
	"io"
	"path"
	"path/filepath"
	"strings"
	"unicode"

	"github.com/hfwarden/hfwarden/internal/finding"
)

// SARIF identifiers. These are constants because SARIF consumers (GitHub code
// scanning, for one) key alert history on them.
const (
	sarifSchema         = "https://json.schemastore.org/sarif-2.1.0.json"
	sarifVersion        = "2.1.0"
	sarifToolName       = "hfwarden"
	sarifInformationURI = "https://github.com/hfwarden/hfwarden"
	// sarifFingerprintKey versions the partial fingerprint so a future change
	// in how it is computed does not silently reopen or close alerts.
	sarifFingerprintKey = "hfwarden/v1"
)

// The types below model the subset of SARIF 2.1.0 that hfwarden emits.

type sarifLog struct {
	Schema  string     `json:"$schema"`
	Version string     `json:"version"`
	Runs    []sarifRun `json:"runs"`
}

type sarifRun struct {
	Tool        sarifTool         `json:"tool"`
	Invocations []sarifInvocation `json:"invocations,omitempty"`
	Results     []sarifResult     `json:"results"`
}

type sarifTool struct {
	Driver sarifDriver `json:"driver"`
}

type sarifDriver struct {
	Name           string      `json:"name"`
	InformationURI string      `json:"informationUri"`
	Version        string      `json:"version,omitempty"`
	Rules          []sarifRule `json:"rules"`
}

type sarifText struct {
	Text string `json:"text"`
}

type sarifRule struct {
	ID                   string            `json:"id"`
	Name                 string            `json:"name"`
	ShortDescription     sarifText         `json:"shortDescription"`
	FullDescription      sarifText         `json:"fullDescription"`
	Help                 sarifText         `json:"help"`
	DefaultConfiguration sarifRuleConfig   `json:"defaultConfiguration"`
	Properties           sarifRuleProperty `json:"properties"`
}

type sarifRuleConfig struct {
	Level string `json:"level"`
}

type sarifRuleProperty struct {
	Tags []string `json:"tags"`
}

type sarifInvocation struct {
	ExecutionSuccessful        bool                `json:"executionSuccessful"`
	ToolExecutionNotifications []sarifNotification `json:"toolExecutionNotifications,omitempty"`
}

type sarifNotification struct {
	Level   string    `json:"level"`
	Message sarifText `json:"message"`
}

type sarifResult struct {
	RuleID              string            `json:"ruleId"`
	RuleIndex           int               `json:"ruleIndex"`
	Level               string            `json:"level"`
	Message             sarifText         `json:"message"`
	Locations           []sarifLocation   `json:"locations"`
	RelatedLocations    []sarifLocation   `json:"relatedLocations,omitempty"`
	PartialFingerprints map[string]string `json:"partialFingerprints"`
	Properties          sarifResultProps  `json:"properties"`
}

type sarifResultProps struct {
	Confidence string   `json:"confidence"`
	Encodings  []string `json:"encodings"`
	Linked     bool     `json:"linked"`
	Split      bool     `json:"split,omitempty"`
	Cell       *int     `json:"cell,omitempty"`
	Output     *int     `json:"output,omitempty"`
	// CellLine and CellColumn locate a notebook finding within its cell or
	// output; see sarifPhysical for why they are not in the region.
	CellLine   int `json:"cellLine,omitempty"`
	CellColumn int `json:"cellColumn,omitempty"`
}

type sarifLocation struct {
	ID               *int          `json:"id,omitempty"`
	PhysicalLocation sarifPhysical `json:"physicalLocation"`
	Message          *sarifText    `json:"message,omitempty"`
}

type sarifPhysical struct {
	ArtifactLocation sarifArtifact `json:"artifactLocation"`
	Region           *sarifRegion  `json:"region,omitempty"`
}

type sarifArtifact struct {
	URI string `json:"uri"`
}

type sarifRegion struct {
	StartLine   int    `json:"startLine,omitempty"`
	StartColumn int    `json:"startColumn,omitempty"`
	ByteOffset  *int64 `json:"byteOffset,omitempty"`
}

func writeSARIF(w io.Writer, findings []finding.Finding, stats finding.Stats, opt Options) error {
	var rules []sarifRule
	ruleIndex := make(map[string]int)
	results := make([]sarifResult, 0, len(findings))
	for _, f := range findings {
		idx, ok := ruleIndex[f.Rule]
		if !ok {
			idx = len(rules)
			ruleIndex[f.Rule] = idx
			rules = append(rules, sarifRuleFor(f))
		}
		results = append(results, sarifResultFor(f, idx, rules[idx].DefaultConfiguration.Level))
	}
	if rules == nil {
		rules = []sarifRule{}
	}

	run := sarifRun{
		Tool: sarifTool{Driver: sarifDriver{
			Name:           sarifToolName,
			InformationURI: sarifInformationURI,
			Version:        opt.ToolVersion,
			Rules:          rules,
		}},
		Results: results,
	}
	if inv, ok := sarifInvocationFor(stats); ok {
		run.Invocations = []sarifInvocation{inv}
	}
	enc := newJSONEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(sarifLog{Schema: sarifSchema, Version: sarifVersion, Runs: []sarifRun{run}})
}

// sarifLevel is "error" for Hugging Face tokens, the thing hfwarden exists to
// find, and "warning" for linked secrets found beside them.
func sarifLevel(f finding.Finding) string {
	if f.Linked {
		return "warning"
	}
	return "error"
}

func sarifRuleFor(f finding.Finding) sarifRule {
	desc := f.Description
	if desc == "" {
		desc = f.Rule
	}
	full := desc + " committed in plain text or an encoded form."
	help := "Revoke the token at https://huggingface.co/settings/tokens, create a replacement, " +
		"and remove the old value from the file and its history."
	tags := []string{"security", "secret", "huggingface"}
	if f.Linked {
		full = desc + " found alongside a Hugging Face token."
		help = "This secret sits beside a leaked Hugging Face token: assume it leaked too. " +
			"Revoke and replace it with its provider when you rotate the HF token, " +
			"and remove the old value from the file and its history."
		tags = []string{"security", "secret", "linked"}
	}
	return sarifRule{
		ID:                   f.Rule,
		Name:                 ruleName(f.Rule),
		ShortDescription:     sarifText{Text: desc},
		FullDescription:      sarifText{Text: full},
		Help:                 sarifText{Text: help},
		DefaultConfiguration: sarifRuleConfig{Level: sarifLevel(f)},
		Properties:           sarifRuleProperty{Tags: tags},
	}
}

// ruleName turns a rule id such as "hf-user-token" into the PascalCase form
// SARIF suggests for reportingDescriptor.name ("HfUserToken").
func ruleName(id string) string {
	var b strings.Builder
	upper := true
	for _, r := range id {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) {
			upper = true
			continue
		}
		if upper {
			r = unicode.ToUpper(r)
			upper = false
		}
		b.WriteRune(r)
	}
	if b.Len() == 0 {
		return "Secret"
	}
	return b.String()
}

func sarifResultFor(f finding.Finding, ruleIdx int, level string) sarifResult {
	// Only the redacted preview goes in the message: SARIF logs are uploaded
	// and shared, so the raw secret must never reach them.
	desc := f.Description
	if desc == "" {
		desc = f.Rule
	}
	msg := fmt.Sprintf("%s %s (fingerprint %s, confidence %s)",
		desc, f.Redacted, shortFingerprint(f.Fingerprint), f.Confidence)
	if f.Location.Cell != nil {
		msg += " in " + notebookPosition(f.Location)
	}
	if len(f.Encodings) > 0 {
		msg += ", decoded from " + strings.Join(f.Encodings, " → ")
	}
	if f.Split {
		msg += fmt.Sprintf(", split across %d literals", max(len(f.Parts), 2))
	}
	if f.Linked {
		msg += "; linked secret — rotate it with the Hugging Face token"
	}

	res := sarifResult{
		RuleID:              f.Rule,
		RuleIndex:           ruleIdx,
		Level:               level,
		Message:             sarifText{Text: msg},
		Locations:           []sarifLocation{{PhysicalLocation: sarifPhysicalFor(f.Location)}},
		PartialFingerprints: map[string]string{sarifFingerprintKey: f.Fingerprint},
		Properties: sarifResultProps{
			Confidence: f.Confidence,
			Encodings:  f.Encodings,
			Linked:     f.Linked,
			Split:      f.Split,
			Cell:       f.Location.Cell,
			Output:     f.Location.Output,
		},
	}
	if f.Location.Cell != nil {
		res.Properties.CellLine = f.Location.Line
		res.Properties.CellColumn = f.Location.Column
	}
	if f.Split {
		n := len(f.Parts)
		for i, p := range f.Parts {
			if sameLocation(p, f.Location) {
				continue
			}
			id := len(res.RelatedLocations)
			res.RelatedLocations = append(res.RelatedLocations, sarifLocation{
				ID:               &id,
				PhysicalLocation: sarifPhysicalFor(p),
				Message:          &sarifText{Text: fmt.Sprintf("part %d of %d of the split secret", i+1, n)},
			})
		}
	}
	return res
}

// sameLocation reports whether a and b denote the same place; Location holds
// pointers and slices, so == would compare identity, not position.
func sameLocation(a, b finding.Location) bool {
	return a.Path == b.Path && a.Line == b.Line && a.Column == b.Column &&
		a.Offset == b.Offset && eqIntPtr(a.Cell, b.Cell) && eqIntPtr(a.Output, b.Output) &&
		a.Field == b.Field
}

func eqIntPtr(a, b *int) bool {
	if a == nil || b == nil {
		return a == b
	}
	return *a == *b
}

func sarifPhysicalFor(l finding.Location) sarifPhysical {
	p := sarifPhysical{ArtifactLocation: sarifArtifact{URI: sarifURI(l.Path)}}
	switch {
	case l.Cell != nil:
		// Notebook lines and offsets are relative to a cell or output inside
		// the JSON file; as a file region they would point at the wrong place,
		// so the position goes in the result's properties and message instead.
	case l.Line > 0:
		p.Region = &sarifRegion{StartLine: l.Line, StartColumn: l.Column}
	default:
		off := l.Offset
		p.Region = &sarifRegion{ByteOffset: &off}
	}
	return p
}

// sarifURI converts a file path to a SARIF artifact URI: relative paths stay
// relative (what code-scanning services expect, resolved against the
// repository root) with forward slashes; absolute paths become file:// URIs.
// Each byte outside the URI unreserved set is percent-encoded, which also
// keeps a colon in a relative path from being read as a URI scheme.
func sarifURI(p string) string {
	if p == "" {
		return ""
	}
	if filepath.IsAbs(p) {
		vol := filepath.VolumeName(p)
		rest := filepath.ToSlash(p[len(vol):])
		if vol != "" {
			// A drive letter ("C:") keeps its colon: file:///C:/dir/file.
			return "file:///" + filepath.ToSlash(vol) + escapePath(rest)
		}
		return "file://" + escapePath(rest)
	}
	return escapePath(path.Clean(filepath.ToSlash(p)))
}

// escapePath percent-encodes every byte of s except unreserved characters
// (RFC 3986 section 2.3) and "/".
func escapePath(s string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
			c == '-' || c == '.' || c == '_' || c == '~' || c == '/' {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hex[c>>4])
		b.WriteByte(hex[c&15])
	}
	return b.String()
}

// sarifInvocationFor reports scan errors and warnings as tool notifications,
// so they are visible in SARIF viewers. It returns false when there is
// nothing to say.
func sarifInvocationFor(stats finding.Stats) (sarifInvocation, bool) {
	// Per-file errors (unreadable files and the like) do not mean the run
	// itself failed, so executionSuccessful stays true.
	inv := sarifInvocation{ExecutionSuccessful: true}
	for _, e := range stats.ErrorList {
		inv.ToolExecutionNotifications = append(inv.ToolExecutionNotifications,
			sarifNotification{Level: "error", Message: sarifText{Text: e}})
	}
	if n := stats.Errors - len(stats.ErrorList); n > 0 {
		inv.ToolExecutionNotifications = append(inv.ToolExecutionNotifications,
			sarifNotification{Level: "error", Message: sarifText{Text: fmt.Sprintf("%d more errors not listed", n)}})
	}
	for _, wmsg := range stats.Warnings {
		inv.ToolExecutionNotifications = append(inv.ToolExecutionNotifications,
			sarifNotification{Level: "warning", Message: sarifText{Text: wmsg}})
	}
	return inv, len(inv.ToolExecutionNotifications) > 0
}
