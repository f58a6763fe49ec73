// Package detect finds Hugging Face credentials, and the secrets most often
// found beside them, in bytes.
//
// Detection runs in three stages so that cost stays linear in the input:
//
//  1. A prefilter finds the positions of short anchors: the credential
//     prefixes ("hf_", "api_org_", "sk-", ...) and the encoded forms of the
//     Hugging Face prefix (base64 at every alignment, percent, hex and \x/\u
//     escapes). On amd64 built with GOEXPERIMENT=simd it is a vectorised
//     nibble-table matcher; elsewhere a scalar version of the same tables.
//  2. At each anchor, a rule validates the exact shape and rejects
//     placeholders and identifier-like strings.
//  3. Where an encoded prefix was seen, a small window around it is decoded
//     and detected again, up to MaxDepth levels, so that a finding names its
//     encoding chain. Nothing else is ever decoded.
//
// Detectors are pure: no I/O, safe for concurrent use.
package detect

import (
	"slices"
)

// Confidence grades how sure a match is.
type Confidence string

// Confidence levels.
const (
	High   Confidence = "high"
	Medium Confidence = "medium"
	Low    Confidence = "low"
)

// Span is a byte range [Start, End) in the scanned data.
type Span struct{ Start, End int }

// Match is one secret found in the data given to Detect.
type Match struct {
	// Rule is the rule ID, e.g. "hf-user-token".
	Rule string
	// Secret is the exact credential (kept in memory only).
	Secret string
	// Confidence of the match.
	Confidence Confidence
	// Encodings is the decoding chain, outermost first; nil for plain text.
	Encodings []string
	// Start and End bound the evidence in the data, encoded form included.
	Start, End int
	// Parts are the literal pieces of a split token; nil otherwise.
	Parts []Span
}

// MaxDepth is how many encodings deep a secret is looked for.
const MaxDepth = 3

// Detector finds credentials in bytes. The zero value is not usable; use New.
type Detector struct {
	tables  *teddyTables
	anchors []anchor
	// literal indexes anchors whose three byte sets are single bytes by
	// those bytes; sets lists the others. Candidates are frequent in some
	// data, so dispatch must not walk every anchor.
	literal literalTable
	sets    []*anchor
	maxDep  int
	// jsonArrays: see Options.JoinJSONArrays.
	jsonArrays bool
}

// Options configure a Detector.
type Options struct {
	// NoDecode turns off decoders (encoded forms are then not found).
	NoDecode bool
	// NoLinked turns off the rules for non-Hugging Face secrets.
	NoLinked bool
	// JoinJSONArrays also joins an hf_ token split across adjacent JSON
	// string literals separated by a comma ("hf_AbC", "dEf…"), the last
	// part possibly ended by a JSON escape ("…xYz\n"). It is meant for
	// the raw bytes of a notebook, whose source and text arrays are lines
	// that Jupyter joins; in code, a comma separates arguments, so the
	// default detector never joins across one.
	JoinJSONArrays bool
}

// New returns a Detector with every rule and decoder enabled unless opts
// says otherwise.
func New(opts Options) *Detector {
	d := &Detector{maxDep: MaxDepth, jsonArrays: opts.JoinJSONArrays}
	if opts.NoDecode {
		d.maxDep = 0
	}
	for _, a := range allAnchors() {
		if opts.NoDecode && a.decoder {
			continue
		}
		if opts.NoLinked && a.linked {
			continue
		}
		d.anchors = append(d.anchors, a)
	}
	assignBuckets(d.anchors)
	d.tables = buildTeddy(d.anchors)
	for i := range d.anchors {
		a := &d.anchors[i]
		if len(a.pat[0]) == 1 && len(a.pat[1]) == 1 && len(a.pat[2]) == 1 {
			d.literal.add(key3(a.pat[0][0], a.pat[1][0], a.pat[2][0]), a)
		} else {
			d.sets = append(d.sets, a)
		}
	}
	return d
}

// Detect returns every match in data, sorted by Start. Matches of the same
// secret at the same place found through several routes are reported once,
// by the route with the shortest encoding chain.
func (d *Detector) Detect(data []byte) []Match {
	ms, _ := d.DetectHint(data)
	return ms
}

// DetectHint is Detect, and also tells whether data holds the start of an
// hf_ token cut short by a quote or an escape: a hint that a structured
// reading (a notebook's cells, say) may find a token split across pieces
// that the raw bytes separate.
func (d *Detector) DetectHint(data []byte) ([]Match, bool) {
	return d.detectTop(data, false)
}

// DetectBinary is Detect for the bytes of a binary item (a database
// page, an executable, a packed record), where the bytes beside a token
// need not end a word: a token glued to a neighbouring letter or digit is
// then reported too, with Low confidence (see glued.go).
func (d *Detector) DetectBinary(data []byte) []Match {
	ms, _ := d.detectTop(data, true)
	return ms
}

// detectTop is DetectHint, for binary bytes when binary is set.
func (d *Detector) detectTop(data []byte, binary bool) ([]Match, bool) {
	out := matches{binary: binary}
	d.detect(data, 0, &out)
	hint := false
	kept := out.list[:0]
	for _, m := range out.list {
		if m.Rule == "" {
			hint = true
			continue
		}
		kept = append(kept, m)
	}
	if len(kept) < 2 {
		return kept, hint
	}
	return dedup(kept), hint
}

// detect runs the prefilter over data and appends validated matches.
func (d *Detector) detect(data []byte, depth int, out *matches) {
	d.tables.scan(data, func(pos int, buckets uint8) {
		for _, a := range d.literal.get(key3(data[pos], data[pos+1], data[pos+2])) {
			if !a.decoder || depth < d.maxDep {
				a.handle(d, data, pos, depth, out)
			}
		}
		for _, a := range d.sets {
			if a.bucket&buckets != 0 && a.at(data, pos) && (!a.decoder || depth < d.maxDep) {
				a.handle(d, data, pos, depth, out)
			}
		}
	})
}

// matches collects what one detect call finds in one buffer, and how far
// each decoder has already decoded it: an anchor inside a window that was
// decoded before is skipped, which keeps the cost linear however densely
// encoded prefixes are packed (the window was scanned whole already).
type matches struct {
	list    []Match
	decoded [numDecoders]int // end of the last window, per decoder
	// binary is set for the bytes of a binary item, where a token may be
	// glued to its neighbours (see glued.go); decoded windows are text.
	binary bool
	// peeked is, per decoder, the end of the bytes a plausibility check
	// found nothing in: the next check starts a little before it, not
	// further back, so that densely packed anchors cost each byte once.
	peeked [numDecoders]int
}

// Decoders, as indexes into matches.decoded.
const (
	decBase64 = iota
	decPercent
	decEscape
	decHex
	decEntity
	decQP
	decCompressed
	numDecoders
)

// claim tells whether the window [from, to) of decoder dec starts past
// what was decoded already, and records it.
func (m *matches) claim(dec, from, to int) bool {
	if from < m.decoded[dec] {
		return false
	}
	m.decoded[dec] = to
	return true
}

func key3(a, b, c byte) uint32 { return uint32(a) | uint32(b)<<8 | uint32(c)<<16 }

// literalTable maps three bytes to the anchors spelled by them. It is a
// fixed-size hash table: the prefilter calls it once per candidate, and a
// general map costs several times more per lookup.
type literalTable struct {
	slots [256]struct {
		keys    []uint32
		anchors [][]*anchor
	}
}

func slot(k uint32) uint8 { return uint8((k * 0x9E3779B1) >> 24) }

func (t *literalTable) add(k uint32, a *anchor) {
	s := &t.slots[slot(k)]
	for i, kk := range s.keys {
		if kk == k {
			s.anchors[i] = append(s.anchors[i], a)
			return
		}
	}
	s.keys = append(s.keys, k)
	s.anchors = append(s.anchors, []*anchor{a})
}

func (t *literalTable) get(k uint32) []*anchor {
	s := &t.slots[slot(k)]
	for i, kk := range s.keys {
		if kk == k {
			return s.anchors[i]
		}
	}
	return nil
}

func dedup(ms []Match) []Match {
	slices.SortStableFunc(ms, func(a, b Match) int {
		if a.Start != b.Start {
			return a.Start - b.Start
		}
		return len(a.Encodings) - len(b.Encodings)
	})
	out := ms[:0]
	for _, m := range ms {
		dup := false
		for j := len(out) - 1; j >= 0 && out[j].Start >= m.Start-64; j-- {
			o := out[j]
			if o.Secret == m.Secret && overlaps(o, m) {
				dup = true
				break
			}
		}
		if !dup {
			out = append(out, m)
		}
	}
	return out
}

func overlaps(a, b Match) bool { return a.Start < b.End && b.Start < a.End }
