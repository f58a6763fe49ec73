package detect

import "bytes"

// Linked secrets: credentials often committed beside an HF token in ML code.
// They are reported so that they are rotated together with it.

func isKeyChar(c byte) bool { return isAlnum(c) || c == '-' || c == '_' }

// handleSK validates OpenAI ("sk-", "sk-proj-", "sk-svcacct-", "sk-admin-")
// and Anthropic ("sk-ant-api03-…") keys.
func handleSK(d *Detector, data []byte, p, depth int, out *matches) {
	if !leftBoundary(data, p) {
		return
	}
	rest := data[p+3:]
	if bytes.HasPrefix(rest, []byte("ant-")) {
		// sk-ant-<kind><2 digits>-<80+ chars>
		k := run(data, p+7, 16, func(c byte) bool { return c >= 'a' && c <= 'z' })
		if k == p+7 || k+3 > len(data) || !isDigit(data[k]) || !isDigit(data[k+1]) || data[k+2] != '-' {
			return
		}
		e := run(data, k+3, 200, isKeyChar)
		if n := e - (k + 3); n >= 80 && n < 200 && rightBoundary(data, e) && !looksFakeGeneric(data[k+3:e]) {
			emit(out, "anthropic-api-key", string(data[p:e]), High, p, e)
		}
		return
	}
	e := run(data, p+3, 300, isKeyChar)
	body := data[p+3 : e]
	if !rightBoundary(data, e) || looksFakeGeneric(body) {
		return
	}
	marker := bytes.Contains(body, []byte("T3BlbkFJ")) // base64 of "OpenAI"
	for _, kind := range []string{"proj-", "svcacct-", "admin-"} {
		if bytes.HasPrefix(body, []byte(kind)) {
			if n := len(body) - len(kind); n >= 40 && n < 300 {
				c := Medium
				if marker {
					c = High
				}
				emit(out, "openai-api-key", string(data[p:e]), c, p, e)
			}
			return
		}
	}
	// Classic keys: 48 alphanumerics, most with the marker in the middle.
	if len(body) == 48 && !bytes.ContainsAny(body, "-_") {
		c := Medium
		if marker {
			c = High
		}
		emit(out, "openai-api-key", string(data[p:e]), c, p, e)
	}
}

// handleReplicate validates "r8_" + 37 alphanumerics.
func handleReplicate(d *Detector, data []byte, p, depth int, out *matches) {
	if !leftBoundary(data, p) {
		return
	}
	e := run(data, p+3, 38, isAlnum)
	if e-(p+3) == 37 && rightBoundary(data, e) && !looksFakeGeneric(data[p+3:e]) {
		emit(out, "replicate-api-token", string(data[p:e]), High, p, e)
	}
}

// handleGitHub validates classic GitHub tokens: gh[pousr]_ + 36 alphanumerics.
func handleGitHub(d *Detector, data []byte, p, depth int, out *matches) {
	if p+4 > len(data) || data[p+3] != '_' || !leftBoundary(data, p) {
		return
	}
	e := run(data, p+4, 37, isAlnum)
	if e-(p+4) == 36 && rightBoundary(data, e) && !looksFakeGeneric(data[p+4:e]) {
		emit(out, "github-token", string(data[p:e]), High, p, e)
	}
}

// handleGitHubPAT validates "github_pat_" + 82 word characters; the anchor
// "b_p" sits at index 5 of the prefix.
func handleGitHubPAT(d *Detector, data []byte, p, depth int, out *matches) {
	start := p - 5
	if start < 0 || !bytes.HasPrefix(data[start:], []byte("github_pat_")) || !leftBoundary(data, start) {
		return
	}
	s := start + len("github_pat_")
	e := run(data, s, 83, isWord)
	if e-s == 82 && rightBoundary(data, e) && !looksFakeGeneric(data[s:e]) {
		emit(out, "github-fine-grained-pat", string(data[start:e]), High, start, e)
	}
}

// handleAWS validates an access key ID (AKIA/ASIA + 16) and reports it only
// with a secret access key (40 base64 characters) near it.
func handleAWS(d *Detector, data []byte, p, depth int, out *matches) {
	if p+4 > len(data) || data[p+3] != 'A' || !leftBoundary(data, p) {
		return
	}
	e := run(data, p+4, 17, func(c byte) bool { return (c >= 'A' && c <= 'Z') || isDigit(c) })
	if e-(p+4) != 16 || !rightBoundary(data, e) {
		return
	}
	lo, hi := p-600, e+600
	if lo < 0 {
		lo = 0
	}
	if hi > len(data) {
		hi = len(data)
	}
	isSecretChar := func(c byte) bool { return isAlnum(c) || c == '/' || c == '+' }
	for i := lo; i < hi; i++ {
		if !isSecretChar(data[i]) || (i > 0 && isSecretChar(data[i-1])) {
			continue
		}
		j := run(data, i, 41, isSecretChar)
		if j-i == 40 && (j >= len(data) || !isSecretChar(data[j])) && mixedSecret(data[i:j]) {
			emit(out, "aws-access-key", string(data[p:e])+":"+string(data[i:j]), High, p, e)
			return
		}
		i = j
	}
}

// mixedSecret tells a random 40-character secret from words and paths: it
// must mix upper case, lower case and digits.
func mixedSecret(s []byte) bool {
	var u, l, n int
	for _, c := range s {
		switch {
		case c >= 'A' && c <= 'Z':
			u++
		case c >= 'a' && c <= 'z':
			l++
		case isDigit(c):
			n++
		}
	}
	return u >= 4 && l >= 4 && n >= 2 && !looksFakeGeneric(s)
}

// handleWandb finds a W&B API key (40 hex) by its context: WANDB_API_KEY or
// wandb.login / wandb login shortly before it. The anchor is "ndb" in any case.
func handleWandb(d *Detector, data []byte, p, depth int, out *matches) {
	start := p - 2
	if start < 0 || !bytes.EqualFold(data[start:p+3], []byte("wandb")) || !leftBoundary(data, start) {
		return
	}
	ctx := data[p+3:]
	if len(ctx) > 120 {
		ctx = ctx[:120]
	}
	upper := bytes.EqualFold(data[start:p+3], []byte("WANDB")) && data[start] == 'W'
	if upper && !bytes.HasPrefix(ctx, []byte("_API_KEY")) {
		return
	}
	if !upper && !bytes.HasPrefix(ctx, []byte(".login")) && !bytes.HasPrefix(ctx, []byte(" login")) && !bytes.HasPrefix(ctx, []byte("_api_key")) {
		return
	}
	base := p + 3
	for i := 0; i < len(ctx); i++ {
		if ctx[i] == '\n' {
			return
		}
		if !isHex(ctx[i]) || (i > 0 && isWord(ctx[i-1]) && !bytes.HasSuffix(ctx[:i], []byte("local-"))) {
			continue
		}
		j := run(data, base+i, 41, isHex)
		if j-(base+i) == 40 && rightBoundary(data, j) && !looksFakeGeneric(data[base+i:j]) {
			s := base + i
			if bytes.HasSuffix(data[:s], []byte("local-")) {
				s -= len("local-")
			}
			emit(out, "wandb-api-key", string(data[s:j]), High, s, j)
			return
		}
	}
}
