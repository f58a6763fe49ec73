package detect

import "slices"

// splitToken assembles an hf_ token split across string literals. p is
// the start of "hf_", e the quote that ends the run of letters and digits
// after it. Literals joined by an operator or by being adjacent are tried
// first (splitAdjacent), then a shell word of glued pieces, the calls
// that join a list of literals (splitForms) and printf.
func splitToken(data []byte, p, e int, jsonArrays bool, out *matches) {
	if splitAdjacent(data, p, e, jsonArrays, out) || splitShellWord(data, p, out) || splitForms(data, p, e, out) {
		return
	}
	splitPrintf(data, p, e, out)
}

// splitAdjacent assembles an hf_ token written as adjacent string literals:
// "hf_AbC" + "dEf…" (Python, JavaScript, Java), "hf_AbC" "dEf…" (Python and
// C implicit concatenation, across lines too), "hf_AbC""dEf…" or
// 'hf_AbC'"dEf…" (shell), "hf_AbC" . "dEf…" (PHP, Perl) and "hf_AbC" ..
// "dEf…" (Lua). p is the start of "hf_", e the quote that closes the first
// literal. With jsonArrays, adjacent elements of a JSON string array join
// too ("hf_AbC", "dEf…\n"), the way Jupyter joins a notebook's lines; the
// token may then end inside the last element, where a character that
// cannot continue it follows. It reports whether it found a token.
func splitAdjacent(data []byte, p, e int, jsonArrays bool, out *matches) bool {
	var bodyBuf [hfTokenLen + 1]byte
	var partBuf [maxParts + 1]Span
	body := append(bodyBuf[:0], data[p+3:e]...)
	parts := append(partBuf[:0], Span{p, e})
	for len(parts) < maxParts {
		j, comma := skipConcat(data, e+1, jsonArrays)
		if j < 0 {
			return false
		}
		if comma {
			// JSON: the next element is a double-quoted string, no prefix.
			if j >= len(data) || data[e] != '"' || data[j] != '"' {
				return false
			}
		} else {
			// String prefixes such as f"…", r'…', b"…".
			for k := 0; k < 2 && j < len(data) && isPrefixLetter(data[j]); k++ {
				j++
			}
		}
		if j >= len(data) || !isQuote(data[j]) {
			return false
		}
		open := data[j]
		s := j + 1
		e = run(data, s, hfTokenLen+1-len(body), isAlnum)
		if e >= len(data) {
			return false
		}
		if comma && data[e] == open && isKey(data, e+1) {
			return false // an object's key, not an array's element
		}
		// An array element holds a line that Jupyter joins to the one
		// before: the token may end inside it, at any character that
		// cannot continue it (often the "\n" escape that ends the line).
		last := comma && len(body)+e-s == hfTokenLen &&
			(data[e] == '\\' && jsonEscapeEnds(data, e) || data[e] != '\\' && !isWord(data[e]))
		if data[e] != open && !last {
			return false
		}
		body = append(body, data[s:e]...)
		if e > s {
			parts = append(parts, Span{s, e})
		}
		if len(body) == hfTokenLen {
			if !last && continuesLiteral(data, e+1) {
				// "hf_…" + "…" + "more": the string goes on past a
				// token's length, like a 39-letter literal, which is no
				// token either.
				return false
			}
			break
		}
	}
	return emitSplit(out, body, parts)
}

// continuesLiteral tells whether an operator or adjacency at data[i:]
// joins one more literal whose first character could continue a token.
func continuesLiteral(data []byte, i int) bool {
	j, comma := skipConcat(data, i, false)
	if j < 0 || comma || j == i && (j >= len(data) || !isQuote(data[j])) {
		return false
	}
	for k := 0; k < 2 && j < len(data) && isPrefixLetter(data[j]); k++ {
		j++
	}
	return j+1 < len(data) && isQuote(data[j]) && isAlnum(data[j+1])
}

// emitSplit reports the token whose body was assembled from parts (the
// first starting at "hf_") if it is one. body and parts may live on the
// caller's stack: the match gets copies, so that the many short hf_
// literals that assemble nothing allocate nothing.
func emitSplit(out *matches, body []byte, parts []Span) bool {
	if len(body) != hfTokenLen || len(parts) < 2 || len(parts) > maxParts {
		return false
	}
	if _, ok := gradeHFBody(body); !ok {
		return false
	}
	out.list = append(out.list, Match{Rule: "hf-user-token", Secret: "hf_" + string(body), Confidence: Medium,
		Start: parts[0].Start, End: parts[len(parts)-1].End, Parts: slices.Clone(parts)})
	return true
}

// jsonEscapeEnds tells whether the JSON escape at data[i] (a backslash)
// decodes to a character that cannot continue a token: any of \n \r \t
// \" \\ \/ \b \f, or a \uXXXX that is not a letter, digit or underscore.
func jsonEscapeEnds(data []byte, i int) bool {
	if i+1 >= len(data) {
		return false
	}
	switch data[i+1] {
	case 'n', 'r', 't', '"', '\\', '/', 'b', 'f':
		return true
	case 'u':
		if i+6 > len(data) {
			return false
		}
		r := 0
		for _, c := range data[i+2 : i+6] {
			if !isHex(c) {
				return false
			}
			r = r<<4 | int(hexVal(c))
		}
		return r >= 0x80 || !isWord(byte(r))
	}
	return false
}

// isKey tells whether a colon follows data[i:], white space aside: the
// string that ended there was an object's key.
func isKey(data []byte, i int) bool {
	for i < len(data) && (data[i] == ' ' || data[i] == '\t' || data[i] == '\r' || data[i] == '\n') {
		i++
	}
	return i < len(data) && data[i] == ':'
}

func isQuote(c byte) bool { return c == '"' || c == '\'' || c == '`' }

func isPrefixLetter(c byte) bool {
	switch c {
	case 'r', 'R', 'f', 'F', 'b', 'B', 'u', 'U':
		return true
	}
	return false
}

// skipConcat skips what may stand between two concatenated literals:
// white space, line continuations and one concatenation operator (with
// jsonArrays, a comma: then comma is set). It returns -1 when anything
// else comes first or the gap is too long.
func skipConcat(data []byte, i int, jsonArrays bool) (j int, comma bool) {
	ops := 0
	for start := i; i < len(data) && i-start < 256; {
		switch c := data[i]; {
		case c == ' ' || c == '\t' || c == '\r' || c == '\n':
			i++
		case c == '\\' && i+1 < len(data) && (data[i+1] == '\n' || data[i+1] == '\r'):
			i += 2
		case (c == '+' || c == '.') && ops == 0:
			ops++
			i++
			if c == '.' && i < len(data) && data[i] == '.' { // Lua ..
				i++
			}
		case c == '|' && ops == 0 && i+1 < len(data) && data[i+1] == '|': // SQL ||
			ops++
			i += 2
		case c == ',' && jsonArrays && ops == 0:
			ops++
			comma = true
			i++
		default:
			return i, comma
		}
	}
	return -1, false
}
