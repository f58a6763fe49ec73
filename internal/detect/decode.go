package detect

import "bytes"

// Decoders undo one layer of encoding in a small window around an anchor
// that showed an encoded credential prefix. Each returns the decoded bytes
// and, for every decoded byte, the offset of the encoded unit it came from,
// so that a match in the decoded bytes maps back to a span of the input.

// decodeFunc decodes src; idx has len(out)+1 entries (the last is len(src)).
type decodeFunc func(src []byte) (out []byte, idx []int, changed bool)

// windowBack is how far before an anchor a window starts, so that the byte
// before a decoded credential (its left boundary) is decoded too.
const windowBack = 16

// decodeWindow decodes data[from-back:to] with dec and detects in the
// result one level deeper, mapping matches back onto data.
func decodeWindow(d *Detector, data []byte, anchorPos, from, to int, enc string, dec decodeFunc, depth int, out *matches) {
	kind := decPercent
	if enc != "percent" {
		kind = decEscape
	}
	// These encodings never span lines: a window reaching past a line end
	// would claim (and cut short) an encoded token starting on the next.
	if to > len(data) {
		to = len(data)
	}
	if from < to {
		if i := bytes.IndexByte(data[from:to], '\n'); i >= 0 {
			to = from + i
		}
	}
	start := from
	for k := 0; k < windowBack && start > 0 && data[start-1] != '\n'; k++ {
		start--
	}
	decodeRun(d, data, kind, start, from, to, enc, dec, depth, out)
}

// decodeRun claims [from, to) for decoder kind, decodes data[start:to]
// with dec (start <= from: context before the anchor) and detects in the
// result one level deeper, mapping matches back onto data.
func decodeRun(d *Detector, data []byte, kind, start, from, to int, enc string, dec decodeFunc, depth int, out *matches) {
	if !out.claim(kind, from, to) {
		return
	}
	if to > len(data) {
		to = len(data)
	}
	if start >= to {
		return
	}
	decoded, idx, changed := dec(data[start:to])
	if !changed || len(decoded) == 0 {
		return
	}
	mapDecoded(d, data, start, decoded, idx, enc, depth, out)
}

// mapDecoded detects in decoded bytes (which came from data[start:]) and
// appends the matches, their spans mapped back onto data.
func mapDecoded(d *Detector, data []byte, start int, decoded []byte, idx []int, enc string, depth int, out *matches) {
	var sub matches
	d.detect(decoded, depth+1, &sub)
	for _, m := range sub.list {
		m.Encodings = append([]string{enc}, m.Encodings...)
		m.Start, m.End = start+idx[m.Start], start+idx[m.End]
		for i := range m.Parts {
			m.Parts[i] = Span{start + idx[m.Parts[i].Start], start + idx[m.Parts[i].End]}
		}
		if m.End <= m.Start {
			m.End = m.Start + 1
		}
		out.list = append(out.list, m)
	}
}

func hexVal(c byte) byte {
	switch {
	case c >= '0' && c <= '9':
		return c - '0'
	case c|0x20 >= 'a' && c|0x20 <= 'f':
		return c | 0x20 - 'a' + 10
	}
	return 0
}

// percentDecode undoes %XX escapes and leaves everything else as it is.
func percentDecode(src []byte) ([]byte, []int, bool) {
	out := make([]byte, 0, len(src))
	idx := make([]int, 0, len(src)+1)
	changed := false
	for i := 0; i < len(src); {
		if src[i] == '%' && i+2 < len(src) && isHex(src[i+1]) && isHex(src[i+2]) {
			out = append(out, hexVal(src[i+1])<<4|hexVal(src[i+2]))
			idx = append(idx, i)
			i += 3
			changed = true
			continue
		}
		out = append(out, src[i])
		idx = append(idx, i)
		i++
	}
	return out, append(idx, len(src)), changed
}

// unescape undoes backslash escapes as JSON, Python, JavaScript and C write
// them: \n \t \r \" \' \\ \/, \xHH and \uHHHH.
func unescape(src []byte) ([]byte, []int, bool) {
	out := make([]byte, 0, len(src))
	idx := make([]int, 0, len(src)+1)
	changed := false
	for i := 0; i < len(src); {
		if src[i] != '\\' || i+1 >= len(src) {
			out = append(out, src[i])
			idx = append(idx, i)
			i++
			continue
		}
		c, n := src[i+1], 2
		switch c {
		case 'n':
			c = '\n'
		case 't':
			c = '\t'
		case 'r':
			c = '\r'
		case '"', '\'', '\\', '/', '`':
		case 'x':
			if i+3 < len(src) && isHex(src[i+2]) && isHex(src[i+3]) {
				c, n = hexVal(src[i+2])<<4|hexVal(src[i+3]), 4
			} else {
				c, n = '\\', 1
			}
		case 'u':
			if i+5 < len(src) && isHex(src[i+2]) && isHex(src[i+3]) && isHex(src[i+4]) && isHex(src[i+5]) {
				r := rune(hexVal(src[i+2]))<<12 | rune(hexVal(src[i+3]))<<8 | rune(hexVal(src[i+4]))<<4 | rune(hexVal(src[i+5]))
				n = 6
				if r < 0x80 {
					c = byte(r)
				} else {
					// Credentials are ASCII; anything else only needs to
					// stay a non-word byte.
					c = ' '
				}
			} else {
				c, n = '\\', 1
			}
		default:
			c, n = '\\', 1
		}
		if n > 1 {
			changed = true
		}
		out = append(out, c)
		idx = append(idx, i)
		i += n
	}
	return out, append(idx, len(src)), changed
}

// handlePercent decodes around "hf%…" or "%68…".
func handlePercent(d *Detector, data []byte, p, depth int, out *matches) {
	if p < out.decoded[decPercent] {
		return // inside a window decoded already
	}
	end := p
	for end < len(data) && end-p < 3*1200 && !isSpaceOrQuote(data[end]) {
		end++
	}
	decodeWindow(d, data, p, p, end, "percent", percentDecode, depth, out)
}

// handleEscapes decodes around "\x68…" or "\u0068…" (or the same for "a").
func handleEscapes(d *Detector, data []byte, p, depth int, out *matches) {
	if p < out.decoded[decEscape] {
		return
	}
	var start int
	switch {
	case p >= 2 && data[p-2] == '\\' && data[p-1] == 'x':
		start = p - 2
	case p >= 4 && data[p-4] == '\\' && data[p-3] == 'u' && data[p-2] == '0' && data[p-1] == '0':
		start = p - 4
	default:
		return
	}
	end := start
	for end < len(data) && end-start < 6*1200 && data[end] != '\n' {
		end++
	}
	decodeWindow(d, data, p, start, end, "unicode-escape", unescape, depth, out)
}

// handleHex decodes a run of hex digits holding "68665f" ("hf_").
func handleHex(d *Detector, data []byte, p, depth int, out *matches) {
	if p < out.decoded[decHex] {
		return
	}
	s := p - 1
	if s < 0 || s+6 > len(data) || data[s] != '6' || data[s+1] != '8' || data[s+2] != '6' || data[s+3] != '6' || data[s+4] != '5' || data[s+5]|0x20 != 'f' {
		return
	}
	lo := s
	for lo > 0 && s-lo < 32 && isHex(data[lo-1]) {
		lo--
	}
	lo += (s - lo) % 2 // keep the pair alignment of "68"
	hi := s
	for hi < len(data) && hi-s < 2*1200 && isHex(data[hi]) {
		hi++
	}
	if !out.claim(decHex, s, hi) {
		return
	}
	src := data[lo:hi]
	decoded := make([]byte, 0, len(src)/2)
	idx := make([]int, 0, len(src)/2+1)
	for i := 0; i+1 < len(src); i += 2 {
		decoded = append(decoded, hexVal(src[i])<<4|hexVal(src[i+1]))
		idx = append(idx, i)
	}
	idx = append(idx, len(src))
	mapDecoded(d, data, lo, decoded, idx, "hex", depth, out)
}

func isSpaceOrQuote(c byte) bool {
	switch c {
	case ' ', '\t', '\n', '\r', '"', '\'', '`', '<', '>':
		return true
	}
	return false
}

// b64val maps both the standard and the URL-safe alphabet; 0xff is invalid.
var b64val = func() (t [256]byte) {
	for i := range t {
		t[i] = 0xff
	}
	for i, c := range "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/" {
		t[c] = byte(i)
	}
	t['-'], t['_'] = 62, 63
	return t
}()

// handleBase64 decodes the base64 run holding an anchor whose first
// character sits at offset g of its 4-character group.
func handleBase64(d *Detector, data []byte, p, g, depth int, out *matches) {
	if p < out.decoded[decBase64] {
		return
	}
	s := p - g
	if s < 0 {
		return
	}
	// Extend left by whole groups, for context, keeping the alignment.
	for k := 0; k < 16 && s >= 4 && b64val[data[s-1]] != 0xff && b64val[data[s-2]] != 0xff && b64val[data[s-3]] != 0xff && b64val[data[s-4]] != 0xff; k++ {
		s -= 4
	}
	// Most anchor hits inside base64 payloads are chance: decode the few
	// groups around the anchor first and go on only if they hold "hf_" or
	// the base64 of it.
	if !b64Plausible(d, data[s:min(len(data), p+12)], p-s) {
		return
	}
	e := p
	for e < len(data) && e-s < 4*1200 && b64val[data[e]] != 0xff {
		e++
	}
	src := data[s:e]
	// A block wrapped at a fixed width (MIME, PEM) goes on after the line
	// break: pos then maps src back onto data.
	wrapped, pos := b64Wrapped(data, s, e, 4*1200)
	if wrapped != nil {
		src, e = wrapped, pos[len(pos)-1]+1
	}
	if !out.claim(decBase64, p, e) {
		return
	}
	decoded, idx := b64Decode(src)
	if pos != nil {
		for i, v := range idx {
			if v < len(pos) {
				idx[i] = pos[v] - s
			} else {
				idx[i] = e - s
			}
		}
	}
	enc := "base64"
	for _, c := range src {
		if c == '-' || c == '_' {
			enc = "base64url"
			break
		}
	}
	mapDecoded(d, data, s, decoded, idx, enc, depth, out)
}

// b64Plausible decodes the three groups from the anchor's group in src
// (anchor at offset a, group-aligned src) and tells whether they hold "hf_"
// or a once-encoded form of it.
func b64Plausible(d *Detector, src []byte, a int) bool {
	g := a - a%4
	end := g + 12
	if end > len(src) {
		end = len(src)
	}
	var buf [9]byte
	n := 0
	var acc uint32
	k := 0
	for _, c := range src[g:end] {
		if b64val[c] == 0xff {
			break
		}
		acc = acc<<6 | uint32(b64val[c])
		k++
		if k == 4 {
			buf[n], buf[n+1], buf[n+2] = byte(acc>>16), byte(acc>>8), byte(acc)
			n += 3
			acc, k = 0, 0
		}
	}
	w := buf[:n]
	if bytes.Contains(w, []byte("hf_")) || bytes.Contains(w, []byte("api_")) || bytes.Contains(w, []byte("_org")) {
		return true
	}
	for i := 0; i+3 <= len(w); i++ {
		for _, an := range d.literal.get(key3(w[i], w[i+1], w[i+2])) {
			if an.base64 {
				return true
			}
		}
	}
	return false
}
