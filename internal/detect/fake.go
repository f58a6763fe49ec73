package detect

import "bytes"

// How a real token is told from a fake one. A real hf_ token body is 34
// characters drawn uniformly from [A-Za-z]: about half upper case, some 25
// distinct characters, no long runs. Each test below rejects a random body
// with probability below 1e-5, while catching the shapes that placeholders,
// documentation and identifiers take.

// placeholderWords are rejected anywhere in a body, in any case.
var placeholderWords = [][]byte{
	[]byte("xxxxx"), []byte("token"), []byte("example"), []byte("placeholder"), []byte("redacted"),
	[]byte("dummy"), []byte("sample"), []byte("secret"), []byte("insert"), []byte("replace"),
	[]byte("changeme"), []byte("foobar"),
}

// looksFakeGeneric applies the tests that fit any random secret.
func looksFakeGeneric(body []byte) bool {
	if len(body) == 0 {
		return true
	}
	lower := bytes.ToLower(body)
	for _, w := range placeholderWords {
		if bytes.Contains(lower, w) {
			return true
		}
	}
	if bytes.HasPrefix(lower, []byte("your")) || bytes.HasPrefix(lower, []byte("my")) && bytes.Contains(lower, []byte("key")) {
		return true
	}
	// Runs of one character, or of consecutive characters (abcdef, 123456).
	same, seq, dir := 1, 1, 0
	var seen [256]bool
	distinct := 0
	for i, c := range body {
		if !seen[c] {
			seen[c] = true
			distinct++
		}
		if i == 0 {
			continue
		}
		p := body[i-1]
		if c == p {
			same++
		} else {
			same = 1
		}
		// Count steps of +1 (or of -1) in a row, case folded.
		step := int(lower[i]) - int(lower[i-1])
		switch {
		case (step == 1 || step == -1) && step == dir:
			seq++
		case step == 1 || step == -1:
			seq, dir = 2, step
		default:
			seq, dir = 1, 0
		}
		if same >= 5 || seq >= 6 {
			return true
		}
	}
	// Random bodies of 20+ characters almost never have fewer distinct
	// characters than a third of their length (capped at 10).
	need := len(body) / 3
	if need > 10 {
		need = 10
	}
	return distinct < need
}

// looksFake applies the generic tests plus those specific to hf_/api_org_
// bodies: case balance and camelCase identifiers.
func looksFake(body []byte) bool {
	if looksFakeGeneric(body) {
		return true
	}
	var upper, lower, vowels, upperPairs int
	capsLead := true // every upper-case letter is followed by a lower-case one
	for i, c := range body {
		switch {
		case c >= 'A' && c <= 'Z':
			upper++
			if i+1 < len(body) {
				n := body[i+1]
				if n >= 'A' && n <= 'Z' {
					upperPairs++
				}
				if !(n >= 'a' && n <= 'z') {
					capsLead = false
				}
			}
		case c >= 'a' && c <= 'z':
			lower++
		}
		switch c | 0x20 {
		case 'a', 'e', 'i', 'o', 'u':
			vowels++
		}
	}
	letters := upper + lower
	// Identifiers are nearly all one case (hf_servingcellpriority…).
	if letters >= 20 && (upper <= 4 || lower <= 4) {
		return true
	}
	// camelCase words: capitals only at word starts, English vowel density.
	if upperPairs == 0 && capsLead && letters > 0 && vowels*10 >= letters*3 {
		return true
	}
	return false
}
