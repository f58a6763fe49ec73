// Package sourcetest gives readers' tests a source.Host that records what
// a reader asks of it, in place of the scan engine.
package sourcetest

import (
	"context"
	"fmt"
	"io"
	"io/fs"
	"strings"

	"github.com/hfwarden/hfwarden/internal/detect"
	"github.com/hfwarden/hfwarden/internal/secret"
	"github.com/hfwarden/hfwarden/internal/source"
)

// Member is an item a reader handed on to be read one level deeper.
type Member struct {
	Item  source.Item
	Depth int
	Data  string
	// Err is what reading the member's bytes returned.
	Err error
}

// Scanned is what a reader asked to scan as bytes.
type Scanned struct {
	Bytes source.Bytes
	// Data is everything read from Head and R (or RA when R is nil).
	Data string
	Err  error
}

// Report is one call of Report: matches found in a chunk.
type Report struct {
	Chunk   source.Chunk
	Secrets []string
}

// Host records what readers ask of it. Members are read to their end and
// recorded, not dispatched; Detect runs the real detectors. The zero value
// has no FS readers; set Formats to have SniffFS consult a registry.
type Host struct {
	// Formats answers SniffFS; nil answers nil.
	Formats *source.Registry
	// Limit is what Limits returns.
	Limit source.Limits

	Members  []Member
	Scanned  []Scanned
	Reports  []Report
	Warnings []string
	Failures []string
	// Inner holds what Errors recorded.
	Inner   []string
	Counted int64

	det, nbDet *detect.Detector
	found      []string
	buf        *source.Buffer
}

// New returns a Host with the default detectors.
func New() *Host {
	return &Host{det: detect.New(detect.Options{}), nbDet: detect.New(detect.Options{JoinJSONArrays: true}), buf: source.NewBuffer()}
}

// Visit records each member; the secrets of a text item are reported, as
// the engine would.
func (h *Host) Visit(_ *source.Budget, depth int) source.Visit {
	return func(_ context.Context, it source.Item, r io.Reader) error {
		data, err := io.ReadAll(r)
		h.Members = append(h.Members, Member{Item: it, Depth: depth, Data: string(data), Err: err})
		if it.Text {
			ms, _ := h.Detect(data, source.DetectPlain)
			h.Report(source.Chunk{Data: data, Prov: it.Prov, Line: 1}, ms)
		}
		return nil
	}
}

// Scan records the bytes.
func (h *Host) Scan(_ context.Context, b source.Bytes) {
	var r io.Reader
	switch {
	case b.R != nil:
		r = io.MultiReader(strings.NewReader(string(b.Head)), b.R)
	case b.RA != nil:
		r = io.NewSectionReader(b.RA, 0, b.Size)
	default:
		r = strings.NewReader(string(b.Head))
	}
	data, err := io.ReadAll(r)
	h.Scanned = append(h.Scanned, Scanned{Bytes: b, Data: string(data), Err: err})
	ms, _ := h.Detect(data, b.Detector)
	if b.Binary {
		// As the engine reads binary bytes: glued tokens are found too.
		det := h.det
		if b.Detector == source.DetectNotebook {
			det = h.nbDet
		}
		ms = det.DetectBinary(data)
	}
	var kept []detect.Match
	for _, m := range ms {
		if !b.Except[secret.Fingerprint(m.Secret)] {
			kept = append(kept, m)
		}
	}
	h.Report(source.Chunk{Data: data, Prov: b.Prov, Line: 1, Binary: b.Binary}, kept)
	if !b.Rescan {
		h.Counted += int64(len(data))
	}
}

// Detect runs the detector d names.
func (h *Host) Detect(data []byte, d source.Detector) ([]detect.Match, bool) {
	if d == source.DetectNotebook {
		return h.nbDet.DetectHint(data)
	}
	return h.det.DetectHint(data)
}

// Report records the secrets of ms.
func (h *Host) Report(c source.Chunk, ms []detect.Match) {
	if len(ms) == 0 {
		return
	}
	r := Report{Chunk: c}
	for _, m := range ms {
		r.Secrets = append(r.Secrets, m.Secret)
		h.found = append(h.found, secret.Fingerprint(m.Secret))
	}
	r.Chunk.Data = append([]byte(nil), c.Data...)
	h.Reports = append(h.Reports, r)
}

// Secrets returns every secret reported, in order.
func (h *Host) Secrets() []string {
	var out []string
	for _, r := range h.Reports {
		out = append(out, r.Secrets...)
	}
	return out
}

// CountBytes counts.
func (h *Host) CountBytes(n int64) { h.Counted += n }

// Mark is how many secrets were reported.
func (h *Host) Mark() source.Mark { return source.Mark(len(h.found)) }

// FoundSince returns the fingerprints reported since m, wherever.
func (h *Host) FoundSince(m source.Mark, _ string) map[string]bool {
	found := map[string]bool{}
	for _, fp := range h.found[m:] {
		found[fp] = true
	}
	return found
}

// Warn records a warning.
func (h *Host) Warn(format string, args ...any) {
	h.Warnings = append(h.Warnings, fmt.Sprintf(format, args...))
}

// Fail records a failure.
func (h *Host) Fail(format string, args ...any) {
	h.Failures = append(h.Failures, fmt.Sprintf(format, args...))
}

// Errors records err's errors one by one.
func (h *Host) Errors(path string, err error) {
	source.ForEachError(err, func(e error) { h.Inner = append(h.Inner, path+": "+e.Error()) })
}

// Limits returns Limit.
func (h *Host) Limits() source.Limits { return h.Limit }

// Buffer returns a read buffer.
func (h *Host) Buffer() *source.Buffer { return h.buf }

// SniffFS asks Formats.
func (h *Host) SniffFS(fsys fs.FS) source.FSReader {
	if h.Formats == nil {
		return nil
	}
	return h.Formats.SniffFS(fsys)
}
