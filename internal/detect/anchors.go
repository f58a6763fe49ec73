package detect

import (
	"encoding/base64"
	"strings"
)

// anchor is a short pattern the prefilter looks for, and the handler that
// validates what stands around it.
type anchor struct {
	// pat holds three byte sets; the anchor matches at p when data[p+k] is in
	// pat[k].
	pat [3]string
	// bucket is the prefilter bucket bit (one of eight), set by
	// assignBuckets.
	bucket uint8
	// decoder marks anchors of encoded forms; linked marks non-HF rules.
	decoder, linked bool
	// base64 marks anchors of base64-encoded prefixes.
	base64 bool
	handle func(d *Detector, data []byte, pos, depth int, out *matches)
}

func (a *anchor) at(data []byte, p int) bool {
	return p+2 < len(data) &&
		strings.IndexByte(a.pat[0], data[p]) >= 0 &&
		strings.IndexByte(a.pat[1], data[p+1]) >= 0 &&
		strings.IndexByte(a.pat[2], data[p+2]) >= 0
}

func lit(s string) [3]string { return [3]string{s[0:1], s[1:2], s[2:3]} }

// allAnchors lists every anchor hfwarden knows: the rules' prefixes and
// the encoded forms of the Hugging Face prefixes. The Hugging Face rules
// come first, then the encodings, then the linked rules, then base64: the
// order the prefilter's buckets were tuned with (assignBuckets is greedy
// in anchor order; TestAnchorsAsBuilt pins it).
func allAnchors() []anchor {
	var as []anchor
	for _, linked := range []bool{false, true} {
		for _, r := range rules {
			if r.Linked != linked {
				continue
			}
			for _, a := range r.anchors {
				a.linked = r.Linked
				as = append(as, a)
			}
		}
		if !linked {
			as = append(as, encodedAnchors()...)
		}
	}
	as = append(as, base64Anchors()...)
	// Last, so that the buckets of the anchors above stay as they were
	// tuned.
	return append(as, transferAnchors()...)
}

// transferAnchors are the forms of transfer and markup encodings: HTML
// character references, quoted-printable, and base64 of compressed data.
// Each is a prefix that plain text rarely holds; its handler checks a few
// decoded bytes before decoding a whole run.
func transferAnchors() []anchor {
	var out []anchor
	add := func(h func(d *Detector, data []byte, pos, depth int, out *matches), pats ...string) {
		for _, p := range pats {
			out = append(out, anchor{pat: lit(p), decoder: true, handle: h})
		}
	}
	// "&#104;", "&#x68;"; "&amp;#104;" (encoded twice); "hf&lowbar;",
	// "hf&UnderBar;". Each starts at '&', rare in text.
	add(handleEntities, "&#0", "&#1", "&#2", "&#3", "&#4", "&#5", "&#6", "&#7", "&#8", "&#9", "&#x", "&#X", "&am", "&lo", "&Un")
	// Quoted-printable: "=3D" (the "=" of "token=hf_…" escaped, which
	// leaves a word byte before the token), "=5F" ("hf=5F…" in a
	// Q-encoded header), and soft line breaks: one inside the token's
	// body ends its run of letters and handleHF passes it on; here, one
	// inside "hf_" ("h=\nf_", "hf=\n_") or, CRLF as RFC 2045 has it,
	// inside what an encoding made of the token.
	add(handleQP, "=3D", "=5F", "=\r\n", "=\nf", "=\n_")
	// Base64 of gzip ("H4sI", then flags 0 or FNAME: "A" or "C"; anchored
	// at "sI", whose first byte the prefilter looks for already) and of
	// zstd ("KLUv/", then the frame header's descriptor; anchored at
	// "v/"); "SDRz" and "S0xV" are those encoded twice.
	add(handleB64Compressed, "sIA", "sIC", "v/Q", "v/S", "v/U", "v/W", "v/Y", "v/a", "v/c", "v/e", "SDR", "S0x")
	return out
}

// encodedAnchors are the percent, escape and hex forms of "hf_" and
// "api_org_"; where one is seen, a window is decoded and detected again.
func encodedAnchors() []anchor {
	return []anchor{
		// Percent-encoded: "hf%5F…" and a fully encoded "%68%66%5F…".
		{pat: lit("hf%"), decoder: true, handle: handlePercent},
		{pat: lit("%68"), decoder: true, handle: handlePercent},
		// The same for "api_org_": "api%5Forg_…" and "%61%70…".
		{pat: lit("i%5"), decoder: true, handle: handlePercent},
		{pat: lit("%61"), decoder: true, handle: handlePercent},
		{pat: lit(`61\`), decoder: true, handle: handleEscapes},
		// \x68 and \u0068 escapes.
		{pat: lit(`68\`), decoder: true, handle: handleEscapes},
		// Hex: "68665f".
		{pat: lit("866"), decoder: true, handle: handleHex},
	}
}

// b64Anchor is a run of base64 characters that appears, at a known offset
// within its 4-character group, in every encoding of a prefix at one
// alignment.
type b64Anchor struct {
	text  string
	group int // offset of text[0] within its 4-char group
}

// base64Anchors derives the anchors for "hf_" encoded once and twice, in
// the standard and URL-safe alphabets, at every byte alignment. Deriving
// them (rather than listing magic strings) keeps them right by construction.
func base64Anchors() []anchor {
	var out []anchor
	seen := map[string]bool{}
	add := func(ba b64Anchor) {
		if len(ba.text) < 3 {
			return
		}
		// One anchor per stable run is enough: its first three characters.
		// Any three characters of the run would do (the prefilter only
		// needs to stop somewhere in it), and a run whose start another
		// run already shares is covered by that run's anchor.
		key := ba.text[:3]
		if seen[key] {
			return
		}
		seen[key] = true
		g := ba.group % 4
		out = append(out, anchor{pat: lit(key), decoder: true, base64: true,
			handle: func(d *Detector, data []byte, pos, depth int, out *matches) {
				handleBase64(d, data, pos, g, depth, out)
			}})
	}
	// "hf_" and "api_org_" base64-encoded once, and "hf_" twice (a Docker config.json inside a
	// Kubernetes Secret). Other encodings under base64 are found when the
	// base64 holds a once-encoded "hf_"-shaped run only.
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.URLEncoding} {
		for _, a := range stableRuns(enc, []byte("hf_")) {
			add(a)
			for _, b := range stableRuns(enc, []byte(a.text)) {
				add(b)
			}
		}
		for _, a := range stableRuns(enc, []byte("api_org_")) {
			add(a)
		}
	}
	return out
}

// stableRuns returns, for each of the three alignments of prefix, the
// longest run of output characters that does not depend on the bytes around
// the prefix.
func stableRuns(enc *base64.Encoding, prefix []byte) []b64Anchor {
	var out []b64Anchor
	for shift := 0; shift < 3; shift++ {
		var first []byte
		stable := []bool(nil)
		// Bytes around the prefix take every value in turn at each position
		// that shares a group with the prefix.
		for _, fill := range []byte{0x00, 0xff, 0x55, 0xaa, 0x0f, 0xf0, 0x33, 0xcc} {
			buf := make([]byte, 0, shift+len(prefix)+3)
			for i := 0; i < shift; i++ {
				buf = append(buf, fill)
			}
			buf = append(buf, prefix...)
			for len(buf)%3 != 0 {
				buf = append(buf, fill^0x3c)
			}
			s := []byte(enc.EncodeToString(buf))
			if first == nil {
				first = s
				stable = make([]bool, len(s))
				for i := range stable {
					stable[i] = true
				}
				continue
			}
			for i := range s {
				if s[i] != first[i] {
					stable[i] = false
				}
			}
		}
		best, bestAt := 0, 0
		for i := 0; i < len(stable); {
			j := i
			for j < len(stable) && stable[j] {
				j++
			}
			if j-i > best {
				best, bestAt = j-i, i
			}
			i = j + 1
		}
		if best > 0 {
			out = append(out, b64Anchor{text: string(first[bestAt : bestAt+best]), group: bestAt % 4})
		}
	}
	return out
}
