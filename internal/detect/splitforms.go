package detect

// The split forms below join string literals by a call rather than by an
// operator: a collection joined with an empty separator, a format string
// made of placeholders only, a method that concatenates its arguments, a
// template literal of literal substitutions, a shell word of glued quoted
// pieces, printf with a %s-only format, and a line continuation inside a
// literal. Each starts from the place splitToken starts from (a short run
// after "hf_" cut by a quote, or by a backslash or blank for the last two)
// and reads at most a few hundred bytes around it, so the cost stays that
// of the hf_ anchors. Every form asks that each part of the token be a
// literal: a variable anywhere in the token's pieces gives nothing, since
// its value is unknown.

// maxGap bounds every scan made around an hf_ anchor for a split form.
const maxGap = 256

// maxParts bounds how many literals one split token is assembled from.
const maxParts = 12

// assemble joins the token starting at p, whose first literal ends at e,
// with the content of the literals in rest, in order, and reports it when
// the pieces make exactly one token. Each piece after the first must hold
// letters and digits up to the token's end; the token must end where a
// character that cannot continue it follows (in the last piece or at the
// start of the next non-empty one), or where the joined string ends.
func assemble(data []byte, p, e int, rest []Span, out *matches) bool {
	var bodyBuf [hfTokenLen + 1]byte
	var partBuf [maxParts + 1]Span
	body := append(bodyBuf[:0], data[p+3:e]...)
	parts := append(partBuf[:0], Span{p, e})
	i := 0
	for ; i < len(rest) && len(body) < hfTokenLen; i++ {
		r := rest[i]
		need := hfTokenLen - len(body)
		end := run(data, r.Start, min(need, r.End-r.Start), isAlnum)
		if end < r.End && (end-r.Start < need || !endsToken(data, end)) {
			return false
		}
		if end > r.Start {
			body = append(body, data[r.Start:end]...)
			parts = append(parts, Span{r.Start, end})
		}
		if end < r.End {
			i = len(rest) // the token ends inside this piece: nothing follows
		}
	}
	for ; i < len(rest); i++ {
		if r := rest[i]; r.End > r.Start {
			if !endsToken(data, r.Start) {
				return false
			}
			break
		}
	}
	return emitSplit(out, body, parts)
}

// endsToken tells whether the literal content at data[i] cannot continue
// a token: a character that is no letter, digit or underscore, or an
// escape that decodes to one.
func endsToken(data []byte, i int) bool {
	if i >= len(data) {
		return true
	}
	if data[i] == '\\' {
		return jsonEscapeEnds(data, i) || i+1 < len(data) && (data[i+1] == '\'' || data[i+1] == '`')
	}
	return !isWord(data[i])
}

// literalEnd returns the index of the quote that closes the literal opened
// at q, backslash escapes skipped, or -1 if it does not close within
// maxGap bytes (or, but for a backtick, on the same line).
func literalEnd(data []byte, q int) int {
	c := data[q]
	for i := q + 1; i < len(data) && i-q < maxGap; i++ {
		switch data[i] {
		case c:
			return i
		case '\\':
			i++
		case '\n':
			if c != '`' {
				return -1
			}
		}
	}
	return -1
}

// openingQuote returns the quote that opens the literal holding the "hf_"
// at p and closed at e, or -1: the nearest unescaped quote like data[e]
// before p on the same line.
func openingQuote(data []byte, p, e int) int {
	c := data[e]
	for i := p - 1; i >= 0 && p-i < maxGap; i-- {
		switch data[i] {
		case c:
			if i == 0 || data[i-1] != '\\' {
				return i
			}
		case '\n':
			if c != '`' {
				return -1
			}
		}
	}
	return -1
}

// literalStart returns where the literal ending with the quote at data[e]
// starts, string prefixes such as r or f included, or -1.
func literalStart(data []byte, e int) int {
	q := openingQuote(data, e, e)
	if q < 0 {
		return -1
	}
	for k := 0; k < 2 && q > 0 && isPrefixLetter(data[q-1]); k++ {
		q--
	}
	return q
}

// isBlank tells white space apart, line ends included.
func isBlank(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }

// skipGap skips white space, line continuations and comments ("#" and
// "//" to the end of the line) forward from i; it returns -1 past maxGap.
func skipGap(data []byte, i int) int {
	for start := i; i < len(data); {
		if i-start > maxGap {
			return -1
		}
		switch c := data[i]; {
		case isBlank(c):
			i++
		case c == '\\' && i+1 < len(data) && (data[i+1] == '\n' || data[i+1] == '\r'):
			i += 2
		case c == '#' || c == '/' && i+1 < len(data) && data[i+1] == '/':
			for i < len(data) && data[i] != '\n' {
				i++
			}
		default:
			return i
		}
	}
	return i
}

// backBlank returns the last index at or before i that is not white space,
// or -1.
func backBlank(data []byte, i int) int {
	for k := 0; i >= 0 && isBlank(data[i]) && k < maxGap; k++ {
		i--
	}
	return i
}

// hasSuffixAt tells whether data[:i] ends with s.
func hasSuffixAt(data []byte, i int, s string) bool {
	return i >= len(s) && i <= len(data) && string(data[i-len(s):i]) == s
}

// callBefore tells whether data[:i] ends with the name of a call, such as
// "strings.Join", that does not continue an identifier on its left.
func callBefore(data []byte, i int, name string) bool {
	return hasSuffixAt(data, i, name) && (i == len(name) || !isWord(data[i-len(name)-1]))
}

// literalAt reads the string literal at i (string prefixes allowed) and
// returns its content and the index after its closing quote.
func literalAt(data []byte, i int) (Span, int, bool) {
	for k := 0; k < 2 && i < len(data) && isPrefixLetter(data[i]); k++ {
		i++
	}
	if i >= len(data) || !isQuote(data[i]) {
		return Span{}, 0, false
	}
	e := literalEnd(data, i)
	if e < 0 {
		return Span{}, 0, false
	}
	return Span{i + 1, e}, e + 1, true
}

// listRest appends to rest the rest of a comma-separated list of literals, from just
// after one of them to closer, and returns the literals' contents and the
// index after closer. A trailing comma is allowed; anything but a literal
// fails.
func listRest(rest []Span, data []byte, i int, closer byte) ([]Span, int, bool) {
	for len(rest) < maxParts {
		if i = skipGap(data, i); i < 0 || i >= len(data) {
			return nil, 0, false
		}
		if data[i] == closer {
			return rest, i + 1, true
		}
		if data[i] != ',' {
			return nil, 0, false
		}
		if i = skipGap(data, i+1); i < 0 || i >= len(data) {
			return nil, 0, false
		}
		if data[i] == closer {
			return rest, i + 1, true
		}
		s, next, ok := literalAt(data, i)
		if !ok {
			return nil, 0, false
		}
		rest = append(rest, s)
		i = next
	}
	return nil, 0, false
}

// onlyPlaceholders tells whether the literal content s is one placeholder
// or more and nothing else, and how many.
func onlyPlaceholders(s []byte, ph ...string) (int, bool) {
	n := 0
	for len(s) > 0 {
		found := false
		for _, p := range ph {
			if len(s) >= len(p) && string(s[:len(p)]) == p {
				s = s[len(p):]
				n++
				found = true
				break
			}
		}
		if !found {
			return 0, false
		}
	}
	return n, n > 0
}

// literalBefore reads the literal whose closing quote is the last
// character at or before i (white space aside) and returns its content and
// where it starts, prefixes included.
func literalBefore(data []byte, i int) (Span, int, bool) {
	i = backBlank(data, i)
	if i < 0 || !isQuote(data[i]) {
		return Span{}, 0, false
	}
	s := literalStart(data, i)
	if s < 0 {
		return Span{}, 0, false
	}
	q := s
	for !isQuote(data[q]) {
		q++
	}
	return Span{q + 1, i}, s, true
}

// emptyLiteralAt tells whether an empty string literal ("", ” or “)
// starts at i, and returns the index after it.
func emptyLiteralAt(data []byte, i int) (int, bool) {
	if i+1 < len(data) && isQuote(data[i]) && data[i+1] == data[i] {
		return i + 2, true
	}
	return 0, false
}

// splitForms finds a token split across the literals of a call that joins
// them: p is "hf_", e the quote that closes its literal.
func splitForms(data []byte, p, e int, out *matches) bool {
	q := openingQuote(data, p, e)
	if q < 0 {
		return false
	}
	if splitConcatMethod(data, p, e, out) || splitTemplate(data, p, e, q, out) {
		return true
	}
	start := q
	for k := 0; k < 2 && start > 0 && isPrefixLetter(data[start-1]); k++ {
		start--
	}
	o := backBlank(data, start-1)
	if o < 0 {
		return false
	}
	if data[o] == ',' {
		return splitSprintf(data, p, e, o, out)
	}
	var closer byte
	switch data[o] {
	case '[':
		closer = ']'
	case '(':
		closer = ')'
	case '{':
		closer = '}'
	default:
		return false
	}
	var restBuf [maxParts]Span
	rest, end, ok := listRest(restBuf[:0], data, e+1, closer)
	if !ok || !joinedList(data, o, end, 1+len(rest)) {
		return false
	}
	return assemble(data, p, e, rest, out)
}

// joinedList tells whether the list of n literals opened at o and closed
// just before end is joined with nothing between its elements:
//
//	"".join(["hf_AbC", "dEf…"])                 Python, a list or a tuple
//	"{}{}".format("hf_AbC", "dEf…")             Python, {} placeholders only
//	"%s%s" % ("hf_AbC", "dEf…")                 Python, %s placeholders only
//	"".concat("hf_AbC", "dEf…")                 JavaScript
//	["hf_AbC", "dEf…"].join("")                 JavaScript
//	fmt.Sprint("hf_AbC", "dEf…")                Go: no spaces between strings
//	strings.Join([]string{"hf_AbC", "dEf…"}, "") Go
func joinedList(data []byte, o, end, n int) bool {
	before := backBlank(data, o-1) + 1
	switch data[o] {
	case '[', '(':
		// Python: "".join([...]) or "".join((...)).
		if b := backBlank(data, o-1); b >= 0 && data[b] == '(' && hasSuffixAt(data, b, ".join") {
			if lit, _, ok := literalBefore(data, b-len(".join")-1); ok && lit.End == lit.Start {
				return true
			}
		}
		if data[o] == '[' {
			return jsJoin(data, end)
		}
		switch {
		case hasSuffixAt(data, before, ".format"):
			lit, _, ok := literalBefore(data, before-len(".format")-1)
			k, only := onlyPlaceholders(data[lit.Start:lit.End], "{}")
			return ok && only && k == n
		case hasSuffixAt(data, before, "%"):
			lit, _, ok := literalBefore(data, before-2)
			k, only := onlyPlaceholders(data[lit.Start:lit.End], "%s")
			return ok && only && k == n
		case hasSuffixAt(data, before, ".concat"):
			lit, _, ok := literalBefore(data, before-len(".concat")-1)
			return ok && lit.End == lit.Start
		case callBefore(data, before, "fmt.Sprint"):
			return true
		}
	case '{':
		// Go: strings.Join([]string{...}, "").
		if !hasSuffixAt(data, before, "[]string") {
			return false
		}
		b := backBlank(data, before-len("[]string")-1)
		if b < 0 || data[b] != '(' || !callBefore(data, b, "strings.Join") {
			return false
		}
		i := skipGap(data, end)
		if i < 0 || i >= len(data) || data[i] != ',' {
			return false
		}
		i, ok := emptyLiteralAt(data, skipGap(data, i+1))
		if !ok {
			return false
		}
		i = skipGap(data, i)
		return i >= 0 && i < len(data) && data[i] == ')'
	}
	return false
}

// jsJoin tells whether `.join("")` (or ” or “) follows at i.
func jsJoin(data []byte, i int) bool {
	i = skipGap(data, i)
	if i < 0 || i+len(".join(") > len(data) || string(data[i:i+len(".join(")]) != ".join(" {
		return false
	}
	i, ok := emptyLiteralAt(data, skipGap(data, i+len(".join(")))
	if !ok {
		return false
	}
	i = skipGap(data, i)
	return i >= 0 && i < len(data) && data[i] == ')'
}

// splitSprintf handles fmt.Sprintf("%s%s", "hf_AbC", "dEf…") (Go), whose
// token literal follows the format: o is the comma before it.
func splitSprintf(data []byte, p, e, o int, out *matches) bool {
	format, s, ok := literalBefore(data, o-1)
	if !ok {
		return false
	}
	b := backBlank(data, s-1)
	if b < 0 || data[b] != '(' || !callBefore(data, b, "fmt.Sprintf") {
		return false
	}
	var restBuf [maxParts]Span
	rest, _, ok := listRest(restBuf[:0], data, e+1, ')')
	if !ok {
		return false
	}
	k, only := onlyPlaceholders(data[format.Start:format.End], "%s", "%v")
	if !only || k != 1+len(rest) {
		return false
	}
	return assemble(data, p, e, rest, out)
}

// splitConcatMethod handles "hf_AbC".concat("dEf…") (JavaScript), chained
// calls and several arguments too.
func splitConcatMethod(data []byte, p, e int, out *matches) bool {
	var restBuf [maxParts]Span
	rest := restBuf[:0]
	i := e + 1
	for len(rest) < maxParts {
		j := skipGap(data, i)
		if j < 0 || j+len(".concat(") > len(data) || string(data[j:j+len(".concat(")]) != ".concat(" {
			break
		}
		j = skipGap(data, j+len(".concat("))
		if j < 0 || j >= len(data) {
			return false
		}
		if data[j] == ')' {
			i = j + 1
			continue
		}
		first, next, ok := literalAt(data, j)
		if !ok {
			return false
		}
		more, end, ok := listRest(append(rest, first), data, next, ')')
		if !ok {
			return false
		}
		rest = more
		i = end
	}
	return len(rest) > 0 && assemble(data, p, e, rest, out)
}

// splitTemplate handles a template literal whose substitutions are
// literals: `${"hf_AbC"}${"dEf…"}` (JavaScript); text of the template
// between substitutions is joined too. q opens the token's literal.
func splitTemplate(data []byte, p, e, q int, out *matches) bool {
	b := backBlank(data, q-1)
	if b < 1 || data[b] != '{' || data[b-1] != '$' {
		return false
	}
	// The left neighbour in the template must not continue a token.
	if p == q+1 && b >= 2 && data[b-2] != '`' && (isWord(data[b-2]) || data[b-2] == '}') {
		return false
	}
	i := skipGap(data, e+1)
	if i < 0 || i >= len(data) || data[i] != '}' {
		return false
	}
	var restBuf [maxParts]Span
	rest := restBuf[:0]
	for i++; i < len(data) && len(rest) < maxParts; {
		switch {
		case data[i] == '`':
			return assemble(data, p, e, rest, out)
		case data[i] == '$' && i+1 < len(data) && data[i+1] == '{':
			s, next, ok := literalAt(data, skipGap(data, i+2))
			if !ok {
				return false
			}
			j := skipGap(data, next)
			if j < 0 || j >= len(data) || data[j] != '}' {
				return false
			}
			rest = append(rest, s)
			i = j + 1
		default:
			j := i
			for j < len(data) && j-i < maxGap && data[j] != '`' && !(data[j] == '$' && j+1 < len(data) && data[j+1] == '{') {
				j++
			}
			rest = append(rest, Span{i, j})
			i = j
		}
	}
	return false
}

// splitShellWord handles a shell word of pieces glued without blanks,
// quoted or not: hf_AbC'dEf…', "hf_AbC"dEf…, hf_AbC"dEf"'…'. p is "hf_";
// the word's letters and digits are joined across its quotes.
func splitShellWord(data []byte, p int, out *matches) bool {
	var bodyBuf [hfTokenLen + 1]byte
	var partBuf [maxParts + 1]Span
	body, parts := bodyBuf[:0], partBuf[:0]
	i := p + 3
	for len(body) <= hfTokenLen && len(parts) <= maxParts {
		e := run(data, i, hfTokenLen+1-len(body), isAlnum)
		if len(parts) == 0 {
			parts = append(parts, Span{p, e})
		} else if e > i {
			parts = append(parts, Span{i, e})
		}
		body = append(body, data[i:e]...)
		// One or two quotes glue the next piece: "a"b, a'b', 'a'"b".
		j := e
		for j < len(data) && j-e < 2 && isQuote(data[j]) {
			j++
		}
		if j == e || j >= len(data) || !isAlnum(data[j]) {
			if len(body) != hfTokenLen || len(parts) < 2 || !endsToken(data, j) {
				return false
			}
			break
		}
		i = j
	}
	return emitSplit(out, body, parts)
}

// splitContinued handles a literal continued on the next line by a
// backslash that ends the line: "hf_AbC\<newline>dEf…" (Python,
// JavaScript, C, shell) or, with the next line indented, a YAML
// double-quoted scalar, whose escaped line break joins without a space.
// e is the backslash.
func splitContinued(data []byte, p, e int, out *matches) bool {
	var restBuf [maxParts]Span
	rest := restBuf[:0]
	for i := escapedLineEnd(data, e); i >= 0 && len(rest) < maxParts; {
		for k := 0; i < len(data) && (data[i] == ' ' || data[i] == '\t') && k < maxGap; k++ {
			i++
		}
		s := i
		i = run(data, i, hfTokenLen+1, isAlnum)
		rest = append(rest, Span{s, i})
		i = escapedLineEnd(data, i)
	}
	if len(rest) == 0 {
		return false
	}
	// The character after the last piece tells whether the token ends.
	if last := &rest[len(rest)-1]; last.End < len(data) {
		last.End++
	}
	return assemble(data, p, e, rest, out)
}

// escapedLineEnd returns the index after a backslash at i that ends the
// line, or -1.
func escapedLineEnd(data []byte, i int) int {
	switch {
	case i+1 >= len(data) || data[i] != '\\':
		return -1
	case data[i+1] == '\n':
		return i + 2
	case data[i+1] == '\r' && i+2 < len(data) && data[i+2] == '\n':
		return i + 3
	}
	return -1
}

// splitPrintf handles printf with a format of %s placeholders only, which
// joins its arguments however many they are: printf %s%s hf_AbC dEf…,
// printf '%s%s' "hf_AbC" 'dEf…', printf -v TOKEN %s%s hf_AbC dEf… (shell).
// p is "hf_" and e the blank or quote that ends the run after it.
func splitPrintf(data []byte, p, e int, out *matches) bool {
	ws, next := p, e
	if p > 0 && isQuote(data[p-1]) {
		if data[e] != data[p-1] {
			return false
		}
		ws, next = p-1, e+1
	}
	if ws == 0 || (data[ws-1] != ' ' && data[ws-1] != '\t') {
		return false
	}
	fs, fe := shellWordBefore(data, ws-1)
	if fs < 0 {
		return false
	}
	format := data[fs:fe]
	if len(format) >= 2 && isQuote(format[0]) && format[len(format)-1] == format[0] {
		format = format[1 : len(format)-1]
	}
	if _, ok := onlyPlaceholders(format, "%s"); !ok {
		return false
	}
	cs, ce := shellWordBefore(data, fs-1)
	if cs >= 0 && !isPrintf(data[cs:ce]) {
		// printf -v NAME FORMAT: the word before is the variable's name.
		vs, ve := shellWordBefore(data, cs-1)
		if vs < 0 || string(data[vs:ve]) != "-v" {
			return false
		}
		cs, ce = shellWordBefore(data, vs-1)
	}
	if cs < 0 || !isPrintf(data[cs:ce]) {
		return false
	}
	var restBuf [maxParts]Span
	rest := restBuf[:0]
	for i := next; len(rest) < maxParts; {
		j := i
		for j < len(data) {
			if data[j] == ' ' || data[j] == '\t' {
				j++
			} else if k := escapedLineEnd(data, j); k > 0 {
				j = k
			} else {
				break
			}
		}
		if j == i || j >= len(data) || !isAlnum(data[j]) && !isQuote(data[j]) {
			break
		}
		var arg Span
		if isQuote(data[j]) {
			s, after, ok := literalAt(data, j)
			if !ok {
				return false
			}
			arg, i = s, after
		} else {
			i = run(data, j, maxGap, isAlnum)
			arg = Span{j, i}
		}
		if i < len(data) && !shellWordEnd(data[i]) {
			return false // the word goes on: a piece this reading does not join
		}
		rest = append(rest, arg)
	}
	return len(rest) > 0 && assemble(data, p, e, rest, out)
}

// shellWordBefore returns the blank-delimited word that ends at i (blanks
// before i skipped), on the same line, or -1.
func shellWordBefore(data []byte, i int) (int, int) {
	for k := 0; i >= 0 && (data[i] == ' ' || data[i] == '\t') && k < maxGap; k++ {
		i--
	}
	if i < 0 || isBlank(data[i]) {
		return -1, -1
	}
	e := i + 1
	for k := 0; i >= 0 && !isBlank(data[i]) && k < maxGap; k++ {
		i--
	}
	s := i + 1
	if s > 0 && !isBlank(data[s-1]) {
		return -1, -1
	}
	return s, e
}

// isPrintf tells whether a shell word runs printf: printf itself, a path
// to it, or printf after a command substitution's "$(" or a separator.
func isPrintf(w []byte) bool {
	n := len(w) - len("printf")
	return n >= 0 && string(w[n:]) == "printf" && (n == 0 || !isWord(w[n-1]) && w[n-1] != '-' && w[n-1] != '.')
}

// shellWordEnd tells whether c ends a shell word.
func shellWordEnd(c byte) bool {
	switch c {
	case ' ', '\t', '\r', '\n', ';', '|', '&', ')', '<', '>', '`':
		return true
	}
	return false
}
