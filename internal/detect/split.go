package detect

// splitToken assembles an hf_ token written as adjacent string literals:
// "hf_AbC" + "dEf…" (Python, JavaScript, Java), "hf_AbC" "dEf…" (Python and
// C implicit concatenation, across lines too), "hf_AbC""dEf…" or
// 'hf_AbC'"dEf…" (shell), "hf_AbC" . "dEf…" (PHP, Perl) and "hf_AbC" ..
// "dEf…" (Lua). p is the start of "hf_", e the quote that closes the first
// literal.
func splitToken(data []byte, p, e int, out *matches) {
	body := make([]byte, 0, hfTokenLen)
	body = append(body, data[p+3:e]...)
	parts := []Span{{p, e}}
	for len(parts) < 12 {
		j := skipConcat(data, e+1)
		if j < 0 {
			return
		}
		// String prefixes such as f"…", r'…', b"…".
		for k := 0; k < 2 && j < len(data) && isPrefixLetter(data[j]); k++ {
			j++
		}
		if j >= len(data) || !isQuote(data[j]) {
			return
		}
		open := data[j]
		s := j + 1
		e = run(data, s, hfTokenLen+1-len(body), isAlnum)
		if e >= len(data) || data[e] != open {
			return
		}
		body = append(body, data[s:e]...)
		if e > s {
			parts = append(parts, Span{s, e})
		}
		if len(body) == hfTokenLen {
			break
		}
	}
	if len(body) != hfTokenLen || len(parts) < 2 {
		return
	}
	if _, ok := gradeHFBody(body); !ok {
		return
	}
	out.list = append(out.list, Match{Rule: "hf-user-token", Secret: "hf_" + string(body), Confidence: Medium,
		Start: p, End: parts[len(parts)-1].End, Parts: parts})
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
// white space, line continuations and one concatenation operator. It
// returns -1 when anything else comes first or the gap is too long.
func skipConcat(data []byte, i int) int {
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
		default:
			return i
		}
	}
	return -1
}
