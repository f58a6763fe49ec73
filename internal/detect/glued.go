package detect

import "bytes"

// Tokens glued to neighbouring bytes.
//
// A strict boundary (leftBoundary, rightBoundary) is what keeps
// identifiers such as my_hf_… or hf_<40 letters> from being reported in
// source text. In a binary item the same test misfires: a record layout
// puts a type code or a length byte that happens to be a letter right
// before the token, the next field right after it, and a compiled
// program's string table runs its strings together with nothing between
// them. Because an hf_ token's length is fixed (hf_ + 34 letters), the
// candidate is still unambiguous: the 34 bytes after the prefix.
//
// A glued candidate is reported with Low confidence, and only when
//   - its body is the canonical shape, 34 letters, that passes looksFake;
//   - each side that is glued is glued by a letter or digit (an
//     underscore continues an identifier, as today);
//   - the item is binary (Detector.DetectBinary), or, in text, the glued
//     run is short (maxGlue) and stops at a control byte: a binary
//     record inside a text file;
//   - it does not sit inside a long run of base64url characters, on both
//     sides, where "hf_" followed by 34 letters is chance.
//
// A terminal escape sequence ("\x1b[32m", whose last byte is a letter) is
// no glue: it ends where its final byte is, so leftBoundary accepts it as
// a strict boundary and the token keeps its usual confidence.

// maxGlue is how many letters or digits may stand, in text, between a
// glued token and the control byte that shows a binary record.
const maxGlue = 8

// encodedRun is how far a run of base64url characters must reach past a
// glued candidate on both sides for it to be taken as a piece of an
// encoded blob rather than a token.
const encodedRun = 16

// gluedToken returns the end of a glued token whose prefix starts at
// start and whose body starts at s, or false; leftStrict tells whether
// the prefix passed leftBoundary (the caller knows: this runs only where a
// strict boundary failed, and must cost little there).
func gluedToken(data []byte, start, s int, leftStrict, binary bool) (int, bool) {
	if !leftStrict && !glueOK(data, start-1, -1, binary) {
		return 0, false
	}
	e := s + hfTokenLen
	if e > len(data) {
		return 0, false
	}
	rightStrict := rightBoundary(data, e)
	if leftStrict && rightStrict || !rightStrict && !glueOK(data, e, 1, binary) {
		return 0, false // not glued (the strict rules decided), or not glue
	}
	for _, c := range data[s:e] {
		if !isAlpha(c) {
			return 0, false
		}
	}
	if looksFake(data[s:e]) || insideEncoded(data, start, e) {
		return 0, false
	}
	return e, true
}

// glueOK tells whether data[i], the byte beside a candidate on side dir
// (-1 left, +1 right), may be glue rather than part of an identifier.
func glueOK(data []byte, i, dir int, binary bool) bool {
	if !isAlnum(data[i]) {
		return false
	}
	if binary {
		return true
	}
	for k := 0; k < maxGlue; k++ {
		i += dir
		if i < 0 || i >= len(data) {
			return false // the chunk's edge says nothing
		}
		if !isAlnum(data[i]) {
			return isControl(data[i])
		}
	}
	return false
}

// isControl tells control bytes, NUL included, from the white space that
// text is made of.
func isControl(c byte) bool {
	switch c {
	case '\t', '\n', '\v', '\f', '\r':
		return false
	}
	return c < 0x20 || c == 0x7f
}

// insideEncoded tells whether data[start:end] lies inside a run of
// base64url characters reaching encodedRun bytes past it on both sides.
func insideEncoded(data []byte, start, end int) bool {
	if start < encodedRun || end+encodedRun > len(data) {
		return false
	}
	for i := start - encodedRun; i < start; i++ {
		if !isB64URL(data[i]) {
			return false
		}
	}
	for i := end; i < end+encodedRun; i++ {
		if !isB64URL(data[i]) {
			return false
		}
	}
	return true
}

// handleGluedHF reports the glued hf_ token at p, if there is one.
func handleGluedHF(data []byte, p int, leftStrict bool, out *matches) {
	if e, ok := gluedToken(data, p, p+3, leftStrict, out.binary); ok {
		emit(out, "hf-user-token", string(data[p:e]), Low, p, e)
	}
}

// handleGluedOrg reports the glued api_org_ token at start, if there is
// one.
func handleGluedOrg(data []byte, start int, leftStrict bool, out *matches) {
	if e, ok := gluedToken(data, start, start+len("api_org_"), leftStrict, out.binary); ok {
		emit(out, "hf-org-token", string(data[start:e]), Low, start, e)
	}
}

// escapeIntroducers are the spellings of ESC before "[" in bytes and in
// the source or JSON text that prints them.
var escapeIntroducers = [][]byte{
	[]byte("\x1b"), []byte(`\u001b`), []byte(`\u001B`), []byte(`\x1b`), []byte(`\x1B`), []byte(`\033`), []byte(`\e`),
}

// termEscapeEnds tells whether data[p-1], a letter, is the final byte of
// a terminal escape sequence: ESC, "[" and parameter bytes for a control
// sequence ("\x1b[32m", "\x1b[0;1m", "\x1b[K"), or ESC, intermediate bytes
// and a final letter ("\x1b(B"). A control sequence may also be spelled
// as source or JSON text writes it ("\u001b[31m", "\033[1m").
func termEscapeEnds(data []byte, p int) bool {
	if p < 2 || !isAlpha(data[p-1]) {
		return false
	}
	i := p - 2
	for k := 0; i >= 0 && k < 16 && data[i] >= 0x20 && data[i] <= 0x3f; k++ {
		i--
	}
	if i < 0 {
		return false
	}
	if data[i] == 0x1b {
		return true
	}
	if data[i] != '[' {
		return false
	}
	for _, esc := range escapeIntroducers {
		if bytes.HasSuffix(data[:i], esc) {
			return true
		}
	}
	return false
}
