package detect

import "bytes"

// Quoted-printable (RFC 2045) and the Q encoding of mail headers (RFC
// 2047): "=3D" for "=", "=5F" for "_", and soft line breaks ("=" at the end
// of a line) that cut a long line, a token inside it too, at 76 columns.

// qpDecode undoes =XX escapes and removes soft line breaks ("=", optional
// trailing blanks, then "\n" or "\r\n"). Everything else stays: "_" is
// not turned into a space, as the Q encoding of headers would, because in
// bodies it is itself, and Q-encoders write a literal underscore as =5F.
func qpDecode(src []byte) ([]byte, []int, bool) { return qpDecodeQ(src, false) }

// qDecode undoes the Q encoding of an encoded word in a mail header
// ("=?utf-8?Q?…?="), where "_" stands for a space.
func qDecode(src []byte) ([]byte, []int, bool) { return qpDecodeQ(src, true) }

func qpDecodeQ(src []byte, q bool) ([]byte, []int, bool) {
	return qpDecodeTo(make([]byte, 0, len(src)), make([]int, 0, len(src)+1), src, q)
}

// qpDecodeTo appends to out and, unless it is nil, to idx.
func qpDecodeTo(out []byte, idx []int, src []byte, q bool) ([]byte, []int, bool) {
	changed := false
	for i := 0; i < len(src); {
		if src[i] == '=' {
			if i+2 < len(src) && isHex(src[i+1]) && isHex(src[i+2]) {
				out = append(out, hexVal(src[i+1])<<4|hexVal(src[i+2]))
				if idx != nil {
					idx = append(idx, i)
				}
				i += 3
				changed = true
				continue
			}
			if j := softBreak(src, i); j > 0 {
				i = j
				changed = true
				continue
			}
		}
		c := src[i]
		if q && c == '_' {
			c, changed = ' ', true
		}
		out = append(out, c)
		if idx != nil {
			idx = append(idx, i)
		}
		i++
	}
	if idx != nil {
		idx = append(idx, len(src))
	}
	return out, idx, changed
}

// encodedWord returns the start of the text of the Q-encoded word that
// holds data[p] ("=?charset?Q?" before it on the line, no "?=" between)
// and its end, or -1.
func encodedWord(data []byte, p int) (int, int) {
	for i := p - 1; i >= 2 && p-i < 200; i-- {
		c := data[i]
		if c == '\n' || c == '=' && data[i+1] == '?' && i+1 != p {
			return -1, -1
		}
		if c == '?' && data[i-2] == '?' && data[i-1]|0x20 == 'q' {
			j := bytes.Index(data[p:min(len(data), p+200)], []byte("?="))
			if j < 0 {
				return -1, -1
			}
			return i + 1, p + j
		}
	}
	return -1, -1
}

// softBreak returns the end of the soft line break at src[i] ('='), or 0.
func softBreak(src []byte, i int) int {
	j := i + 1
	for j < len(src) && j-i < 8 && (src[j] == ' ' || src[j] == '\t') {
		j++
	}
	if j < len(src) && src[j] == '\r' {
		j++
	}
	if j < len(src) && src[j] == '\n' {
		return j + 1
	}
	return 0
}

// handleQP decodes around a quoted-printable form at p: a soft line break
// ("=\n", "=\r\n": inside "hf_" or the token's body), "=3D" (the "=" of
// "token=hf_…" escaped, which leaves a word byte before the token) or
// "=5F" (the underscore of "hf_" escaped, as Q-encoded headers do).
func handleQP(d *Detector, data []byte, p, depth int, out *matches) {
	eq := p
	if eq < out.decoded[decQP] {
		return
	}
	// A few bytes around, enough to hold the base64 anchor of a token whose
	// encoding a soft break cuts.
	tok := tokenBefore(data, eq)
	lo, hi := max(0, eq-64, out.peeked[decQP]-peekOverlap), min(len(data), eq+28)
	var buf [96]byte
	w, _, changed := qpDecodeTo(buf[:0], nil, data[lo:hi], false)
	if !changed || tok < 0 && !anchorIn(d, w) {
		out.peeked[decQP] = hi
		return
	}
	start := eq
	if tok >= 0 {
		start = tok
	}
	for k := 0; k < 4*windowBack && start > 0 && data[start-1] != '\n'; k++ {
		start--
	}
	end := qpLineEnd(data, eq)
	if ws, we := encodedWord(data, eq); ws >= 0 {
		decodeRun(d, data, decQP, ws, eq, we, "quoted-printable", qDecode, depth, out)
		return
	}
	decodeRun(d, data, decQP, start, eq, end, "quoted-printable", qpDecode, depth, out)
}

// qpInToken decodes the quoted-printable run of an hf_ token (at p) whose
// letters stop at e, an "=" that starts a soft line break or an escape.
func qpInToken(d *Detector, data []byte, p, e, depth int, out *matches) {
	if softBreak(data, e) == 0 && !(e+2 < len(data) && isHex(data[e+1]) && isHex(data[e+2])) {
		return
	}
	start := p
	for k := 0; k < windowBack && start > 0 && data[start-1] != '\n'; k++ {
		start--
	}
	decodeRun(d, data, decQP, start, p, qpLineEnd(data, e), "quoted-printable", qpDecode, depth, out)
}

// qpLineEnd returns the end of the encoded line from i: its first hard
// line break (a soft one is part of the encoded text), or 3600 bytes on.
func qpLineEnd(data []byte, i int) int {
	end := i
	for end < len(data) && end-i < 3*1200 {
		if data[end] == '\n' && (end == 0 || data[end-1] != '=' && !(data[end-1] == '\r' && end >= 2 && data[end-2] == '=')) {
			break
		}
		end++
	}
	return end
}
