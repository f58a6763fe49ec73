package detect

// Base64 wrapped across lines: MIME bodies (76 columns), PEM blocks and
// openssl (64), some mailers (72). The lines of one block have the same
// width but the last; indentation (a YAML block scalar) is allowed.

// wrapWidth tells whether a base64 line of n characters is a full line of
// a wrapped block. Only the widths tools write: a line of another width
// ending where a line does is a value of its own, and joining it to the
// next line would change what its last group decodes to.
func wrapWidth(n int) bool { return n == 64 || n == 72 || n == 76 }

// b64Wrapped follows the base64 run data[s:e], which stopped at e, across
// the line breaks of a wrapped block. It returns nil when the run does not
// end a full line of such a block; otherwise the characters from s to the
// block's end (or limit characters) and, for each, its offset in data.
func b64Wrapped(data []byte, s, e, limit int) ([]byte, []int) {
	if _, ok := lineBreak(data, e); !ok {
		return nil, nil
	}
	// The run's line: base64 from its start (after indentation) to e.
	ls := s
	for ls > 0 && s-ls < 80 && b64val[data[ls-1]] != 0xff {
		ls--
	}
	if ls < s && ls > 0 && data[ls-1] == '\\' && data[ls] == 'n' {
		ls++ // the "n" of an escaped line break before the line
	}
	width := e - ls
	if !wrapWidth(width) {
		return nil, nil
	}
	i := ls
	for i > 0 && ls-i < 32 && (data[i-1] == ' ' || data[i-1] == '\t') {
		i--
	}
	// The line starts a line, or a string literal, or follows an escaped
	// line break inside one (JSON, JavaScript, a Python repr).
	if i > 0 && data[i-1] != '\n' && !isQuote(data[i-1]) && !(i > 1 && data[i-2] == '\\' && data[i-1] == 'n') {
		return nil, nil
	}
	var src []byte
	var pos []int
	add := func(from, to int) {
		for k := from; k < to; k++ {
			src = append(src, data[k])
			pos = append(pos, k)
		}
	}
	add(s, e)
	for i = e; len(src) < limit; {
		next, ok := lineBreak(data, i)
		if !ok {
			break
		}
		i = next
		j := i
		for j < len(data) && j-i < 32 && (data[j] == ' ' || data[j] == '\t') {
			j++
		}
		k := j
		for k < len(data) && k-j <= width && b64val[data[k]] != 0xff {
			k++
		}
		n := k - j
		if n == 0 || n > width || data[j] == '-' || k < len(data) && (data[k] == ' ' || data[k] == '\t') {
			break // a blank line, a footer, a line of another block or prose
		}
		add(j, min(k, j+limit-len(src)))
		if _, ok := lineBreak(data, k); n < width || !ok {
			break // the last line
		}
		i = k
	}
	if len(src) == e-s {
		return nil, nil // nothing followed
	}
	return src, pos
}

// lineBreak tells whether a line break starts at data[i]: as it is (LF,
// CRLF) or escaped in a string literal (\n, \r\n: a JSON value, a
// JavaScript string, a Python repr of MIME base64); and where the next
// line starts.
func lineBreak(data []byte, i int) (next int, ok bool) {
	switch {
	case i < len(data) && data[i] == '\n':
		return i + 1, true
	case i+1 < len(data) && data[i] == '\r' && data[i+1] == '\n':
		return i + 2, true
	case i+1 < len(data) && data[i] == '\\' && data[i+1] == 'n':
		return i + 2, true
	case i+3 < len(data) && data[i] == '\\' && data[i+1] == 'r' && data[i+2] == '\\' && data[i+3] == 'n':
		return i + 4, true
	}
	return i, false
}

// b64Decode decodes src, base64 characters of either alphabet without
// padding, and maps each decoded byte to the offset in src of the
// character group it came from; idx has len(out)+1 entries.
func b64Decode(src []byte) (decoded []byte, idx []int) {
	decoded = make([]byte, 0, len(src)*3/4+2)
	idx = make([]int, 0, cap(decoded)+1)
	var acc uint32
	n := 0
	for i, c := range src {
		acc = acc<<6 | uint32(b64val[c])
		n++
		if n == 4 {
			decoded = append(decoded, byte(acc>>16), byte(acc>>8), byte(acc))
			base := i - 3
			idx = append(idx, base, base+1, base+2)
			acc, n = 0, 0
		}
	}
	switch n { // a tail without padding
	case 2:
		decoded = append(decoded, byte(acc>>4))
		idx = append(idx, len(src)-2)
	case 3:
		decoded = append(decoded, byte(acc>>10), byte(acc>>2))
		idx = append(idx, len(src)-3, len(src)-2)
	}
	return decoded, append(idx, len(src))
}
