package detect

// HTML and XML character references: "&#104;", "&#x68;" and named ones such
// as "&lowbar;". Web pages, HTML mail, XML configs and exported documents
// write a credential (or the base64 holding it) this way, whole or in part.

// entityDecode undoes character references: decimal, hex, and the named
// references of the ASCII characters credentials and their encodings are
// made of. A reference must end in ';' (a bare "&#104" in text is too
// likely something else). Non-ASCII characters decode to a space: they only
// need to stay non-word bytes.
func entityDecode(src []byte) ([]byte, []int, bool) {
	return entityDecodeTo(make([]byte, 0, len(src)), make([]int, 0, len(src)+1), src)
}

// entityDecodeTo appends to out and, unless it is nil, to idx.
func entityDecodeTo(out []byte, idx []int, src []byte) ([]byte, []int, bool) {
	changed := false
	for i := 0; i < len(src); {
		c, n := src[i], 1
		if c == '&' {
			if r, k := entityAt(src[i:]); k > 0 {
				c, n, changed = r, k, true
			}
		}
		out = append(out, c)
		if idx != nil {
			idx = append(idx, i)
		}
		i += n
	}
	if idx != nil {
		idx = append(idx, len(src))
	}
	return out, idx, changed
}

// entityAt decodes the reference at s[0] ('&'): the character and the
// length of the reference, or n == 0 when there is none.
func entityAt(s []byte) (c byte, n int) {
	if len(s) < 3 {
		return 0, 0
	}
	if s[1] == '#' {
		i, hex := 2, false
		if s[2] == 'x' || s[2] == 'X' {
			i, hex = 3, true
		}
		r, j := 0, i
		for ; j < len(s) && j-i < 7; j++ {
			v := -1
			if isDigit(s[j]) {
				v = int(s[j] - '0')
			} else if hex && isHex(s[j]) {
				v = int(hexVal(s[j]))
			}
			if v < 0 {
				break
			}
			if hex {
				r = r*16 + v
			} else {
				r = r*10 + v
			}
		}
		if j == i || j >= len(s) || s[j] != ';' {
			return 0, 0
		}
		if r >= 0x80 || r == 0 {
			return ' ', j + 1
		}
		return byte(r), j + 1
	}
	j := 1
	for j < len(s) && j < 12 && isAlnum(s[j]) {
		j++
	}
	if j == 1 || j >= len(s) || s[j] != ';' {
		return 0, 0
	}
	if c, ok := namedEntity(string(s[1:j])); ok {
		return c, j + 1
	}
	return 0, 0
}

// namedEntity maps the HTML5 names of ASCII punctuation (the characters of
// tokens, base64, percent and escape forms, and the quotes and brackets
// around them) to their byte. Names are case-sensitive, as in HTML.
func namedEntity(name string) (byte, bool) {
	switch name {
	case "amp", "AMP":
		return '&', true
	case "lt", "LT":
		return '<', true
	case "gt", "GT":
		return '>', true
	case "quot", "QUOT":
		return '"', true
	case "apos":
		return '\'', true
	case "nbsp", "NonBreakingSpace":
		return ' ', true
	case "lowbar", "UnderBar", "underbar":
		return '_', true
	case "plus":
		return '+', true
	case "sol":
		return '/', true
	case "bsol":
		return '\\', true
	case "equals":
		return '=', true
	case "percnt":
		return '%', true
	case "num":
		return '#', true
	case "colon":
		return ':', true
	case "semi":
		return ';', true
	case "period":
		return '.', true
	case "comma":
		return ',', true
	case "hyphen", "dash", "minus":
		return '-', true
	case "excl":
		return '!', true
	case "quest":
		return '?', true
	case "commat":
		return '@', true
	case "dollar":
		return '$', true
	case "ast", "midast":
		return '*', true
	case "lpar":
		return '(', true
	case "rpar":
		return ')', true
	case "lsqb", "lbrack":
		return '[', true
	case "rsqb", "rbrack":
		return ']', true
	case "lcub", "lbrace":
		return '{', true
	case "rcub", "rbrace":
		return '}', true
	case "verbar", "vert", "VerticalLine":
		return '|', true
	case "grave", "DiacriticalGrave":
		return '`', true
	case "Hat":
		return '^', true
	case "Tab":
		return '\t', true
	case "NewLine":
		return '\n', true
	}
	return 0, false
}

// handleEntities decodes around a character reference at p: "&#" and a
// digit or x ("&#104;" is "h"), "&am" (a reference encoded twice,
// "&amp;#104;"), "&lo" or "&Un" ("hf&lowbar;", "hf&UnderBar;").
func handleEntities(d *Detector, data []byte, p, depth int, out *matches) {
	amp := p
	if amp < out.decoded[decEntity] {
		return
	}
	// Most references in HTML are nothing of ours: decode a few around
	// this one first and go on only if they show an anchor, or an hf_
	// token this reference may be inside of.
	tok := tokenBefore(data, amp)
	lo, hi := max(0, amp-24, out.peeked[decEntity]-peekOverlap), min(len(data), amp+40)
	var buf [64]byte
	w, _, changed := entityDecodeTo(buf[:0], nil, data[lo:hi])
	if !changed || tok < 0 && !anchorIn(d, w) {
		out.peeked[decEntity] = hi
		return
	}
	start := amp
	if tok >= 0 {
		start = tok
	}
	for k := 0; k < windowBack && start > 0 && data[start-1] != '\n'; k++ {
		start--
	}
	end := amp
	for end < len(data) && end-amp < 10*1200 && !isSpaceOrQuote(data[end]) {
		end++
	}
	decodeRun(d, data, decEntity, start, amp, end, "html-entities", entityDecode, depth, out)
}

// peekOverlap is how far back of the last plausibility check the next one
// starts: enough for an encoded anchor (three characters, "&#x68;&#x66;&#x5F;"
// at most) that straddles the two.
const peekOverlap = 24

// tokenBefore returns where "hf_" or "api_org_" starts in the 48 bytes of
// the line before p, or -1: an encoded character at p may be inside that
// token's body.
func tokenBefore(data []byte, p int) int {
	for i := p - 3; i >= 0 && i >= p-48; i-- {
		c := data[i]
		if c == '\n' {
			return -1
		}
		if c == 'h' && data[i+1] == 'f' && data[i+2] == '_' {
			return i
		}
		if c == 'a' && i+8 <= p && string(data[i:i+8]) == "api_org_" {
			return i
		}
	}
	return -1
}

// anchorIn tells whether any anchor of d matches in w: w, a few decoded
// bytes, holds something worth decoding the whole run for.
func anchorIn(d *Detector, w []byte) bool {
	found := false
	d.tables.scanScalar(w, 0, func(i int, buckets uint8) {
		if found || len(d.literal.get(key3(w[i], w[i+1], w[i+2]))) > 0 {
			found = true
			return
		}
		for _, a := range d.sets {
			if a.bucket&buckets != 0 && a.at(w, i) {
				found = true
				return
			}
		}
	})
	return found
}
