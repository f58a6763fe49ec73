package detect

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
)

// RuleInfo describes a credential shape: what callers outside detect may
// know about a rule. It is a copy; changing it changes no rule.
type RuleInfo struct {
	ID          string
	Description string
	// Linked rules are non-Hugging Face secrets reported to be rotated
	// together with the HF token found beside them.
	Linked bool
	// Verifiable rules are Hugging Face credentials that a whoami-v2 call
	// can check. Nothing else is ever sent to the Hub.
	Verifiable bool
	// Issuer is who issued the secret: the only party it may be sent to
	// (to check or revoke it).
	Issuer string
	// Rotate says where and how the owner rotates a leaked secret of this
	// kind, in one line.
	Rotate string
}

// IssuerHuggingFace is the Issuer of Hugging Face credentials.
const IssuerHuggingFace = "Hugging Face"

// hfRotate is how a Hugging Face token is rotated after revocation.
const hfRotate = "revoke it with hfwarden revoke, then create a new one at https://huggingface.co/settings/tokens"

// samples are strings a rule must find (True) and must not find (False),
// in text and in binary bytes alike, and strings it must find only in the
// bytes of a binary item, at Low confidence (Binary: glued tokens, see
// glued.go); TestRuleSamples checks every rule against its own. They are
// made up: random letters, never real credentials.
type samples struct{ True, False, Binary []string }

// rule is one detector rule, whole: what it is (RuleInfo), how it is found
// (anchors, each with the validator that checks the exact shape around it
// and applies the placeholder filter: looksFake for hf_ and api_org_
// bodies, looksFakeGeneric for every other secret), and its samples.
type rule struct {
	RuleInfo
	// anchors are the prefilter patterns of the rule's prefix. Rules that
	// share a prefix share its anchor and validator: it is listed once, on
	// the rule named by via, whose validator tells the shapes apart.
	anchors []anchor
	via     string
	samples samples
}

// rules is the rule table, in the order New compiles their anchors (the
// prefilter's bucket assignment follows that order). It is never changed:
// Rule and AllRules hand out copies.
var rules = []rule{
	{
		RuleInfo: RuleInfo{ID: "hf-user-token", Description: "Hugging Face user access token", Verifiable: true, Issuer: IssuerHuggingFace, Rotate: hfRotate},
		anchors:  []anchor{{pat: lit("hf_"), handle: handleHF}},
		samples: samples{
			True: []string{`HF_TOKEN = "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"`, "t=hf_8DwkNhFdnXsiVpzz63FfkCzJr4i0B3JrTA",
				// A terminal colour ends at its final letter: a strict boundary.
				"\x1b[32mhf_ujzPdeIgxLdGncfBAepfJBdKhoOOLdKLzd\x1b[0m", `print("\033[1;32mhf_ujzPdeIgxLdGncfBAepfJBdKhoOOLdKLzd\033[0m")`,
				// A binary record inside text: the glue stops at a control byte.
				"rec\x01Khf_ujzPdeIgxLdGncfBAepfJBdKhoOOLdKLzdZ\x00\x02"},
			False: []string{"hf_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", "hf_getAccessTokenFromEnvironmentVar", "hf_servingcellpriorityparametersabcd", "from huggingface_hub import hf_hub_download", "my_hf_ujzPdeIgxLdGncfBAepfJBdKhoOOLdKLzd",
				// Glued, but not the canonical shape, or an identifier, or a
				// piece of a base64url blob: rejected in binary bytes too.
				"\x00Khf_8DwkNhFdnXsiVpzz63FfkCzJr4i0B3JrTAZ\x00", "\x00Qhf_getAccessTokenFromEnvironmentVarOkX\x00", "\x00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_suffix",
				"\x00Zm9vYmFyYmF6cXV4hf_ujzPdeIgxLdGncfBAepfJBdKhoOOLdKLzdcXV4Y29yZ2VncmF1bHQ\x00"},
			// Glued to a type code, a neighbouring field or string: found in
			// binary bytes only; in text these are identifiers.
			Binary: []string{"Khf_ujzPdeIgxLdGncfBAepfJBdKhoOOLdKLzd", "hf_ujzPdeIgxLdGncfBAepfJBdKhoOOLdKLzdZ", "alicehf_ujzPdeIgxLdGncfBAepfJBdKhoOOLdKLzd2026",
				"x = hf_ujzPdeIgxLdGncfBAepfJBdKhoOOLdKLzdAbCdEf"},
		},
	},
	{
		RuleInfo: RuleInfo{ID: "hf-org-token", Description: "Hugging Face legacy organization API token (api_org_)", Verifiable: true, Issuer: IssuerHuggingFace, Rotate: hfRotate},
		// The anchor "i_o" sits at index 2 of "api_org_".
		anchors: []anchor{{pat: lit("i_o"), handle: handleOrg}},
		samples: samples{
			True:   []string{`api_key="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"`, "\x00\x02Zapi_org_DXhJmtfEbsDeGCrynneLfjVHqxiMOGrhTxQ\x00"},
			False:  []string{"api_org_XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX", "api_org_DXhJmtfEbsDeGCrynneLfjVHqxiMOGrh", "Zapi_org_DXhJmtfEbsDeGCrynneLfjVHqxiMOGrh1\x00"},
			Binary: []string{"Zapi_org_DXhJmtfEbsDeGCrynneLfjVHqxiMOGrhTxQ", "key=api_org_DXhJmtfEbsDeGCrynneLfjVHqxiMOGrhTxAbc"},
		},
	},
	{
		RuleInfo: RuleInfo{ID: "hf-oauth-token", Description: "Hugging Face OAuth access token", Verifiable: true, Issuer: IssuerHuggingFace, Rotate: "revoke it with hfwarden revoke; the owner can also revoke the app at https://huggingface.co/settings/connected-applications"},
		via:      "hf-user-token",
		samples: samples{
			True:  []string{"Authorization: Bearer hf_oauth_eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJzY29wZSI6Im9wZW5pZCBwcm9maWxlIiwiZXhwIjoxNzAwMDAwMDAwfQ.c2lnbmF0dXJlLWJ5dGVzLWhlcmUtYWJjZGVm"},
			False: []string{"hf_oauth_eyJub3QganNvbg.eyJzY29wZSI6Im9wZW5pZCJ9.c2ln", "hf_oauth_callback_url"},
		},
	},
	{
		RuleInfo: RuleInfo{ID: "hf-oauth-refresh-token", Description: "Hugging Face OAuth refresh token", Issuer: IssuerHuggingFace, Rotate: "revoke it with hfwarden revoke; the owner confirms by revoking the app at https://huggingface.co/settings/connected-applications"},
		via:      "hf-user-token",
		samples: samples{
			True:  []string{"refresh_token = hf_oauth__refresh_Zk3pQ9xLmT7vR2sW8yB4nC6d\n"},
			False: []string{"hf_oauth__refresh_short", "hf_oauth__refresh_xxxxxxxxxxxxxxxxxxxxxxxx"},
		},
	},
	{
		RuleInfo: RuleInfo{ID: "hf-jwt", Description: "Hugging Face short-lived repository token (Trusted Publishers JWT)", Verifiable: true, Issuer: IssuerHuggingFace, Rotate: hfRotate},
		via:      "hf-user-token",
		samples: samples{
			True:  []string{"HF_TOKEN=hf_jwt_eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJzY29wZSI6Im9wZW5pZCBwcm9maWxlIiwiZXhwIjoxNzAwMDAwMDAwfQ.c2lnbmF0dXJlLWJ5dGVzLWhlcmUtYWJjZGVm"},
			False: []string{"hf_jwt_eyJhbGciOiJSUzI1NiJ9", "hf_jwt_decode(token)"},
		},
	},
	{
		RuleInfo: RuleInfo{ID: "openai-api-key", Description: "OpenAI API key", Linked: true, Issuer: "OpenAI",
			Rotate: "delete the key at https://platform.openai.com/api-keys (project keys: the project's API keys page) and create a new one"},
		// "sk-" also starts Anthropic keys: handleSK tells them apart.
		anchors: []anchor{{pat: lit("sk-"), handle: handleSK}},
		samples: samples{
			True:  []string{`openai.api_key = "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"`},
			False: []string{"task-queue risk-free", "sk-proj-your-key-here", "sk-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"},
		},
	},
	{
		RuleInfo: RuleInfo{ID: "anthropic-api-key", Description: "Anthropic API key", Linked: true, Issuer: "Anthropic",
			Rotate: "delete the key at https://console.anthropic.com/settings/keys and create a new one"},
		via: "openai-api-key",
		samples: samples{
			True:  []string{`ANTHROPIC_API_KEY="sk-ant-api03-oDnkHIfxIq2HZt_PlJhx2jIclHkCiHp6bR1IqfEouHgxzNNAL5wIScGebcy8F5n3_YNBDRzrZSgqbjG3uhkWKFLf6xuI5AA"`},
			False: []string{"sk-ant-api03-short", "sk-ant-api03-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"},
		},
	},
	{
		RuleInfo: RuleInfo{ID: "replicate-api-token", Description: "Replicate API token", Linked: true, Issuer: "Replicate",
			Rotate: "delete the token at https://replicate.com/account/api-tokens and create a new one"},
		anchors: []anchor{{pat: lit("r8_"), handle: handleReplicate}},
		samples: samples{
			True:  []string{"REPLICATE_API_TOKEN=r8_wR4y9ojfljoQoaF1LlqsajAIxNKu8iS2G8NPR"},
			False: []string{"r8_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", "r8_wR4y9ojfljoQoaF1LlqsajAIxNKu8iS2G8NP"},
		},
	},
	{
		RuleInfo: RuleInfo{ID: "github-token", Description: "GitHub token", Linked: true, Issuer: "GitHub",
			Rotate: "delete a ghp_ token at https://github.com/settings/tokens, revoke a gho_ token's OAuth app at https://github.com/settings/applications, a ghu_/ghr_ token's GitHub App at https://github.com/settings/apps/authorizations (ghs_ expires within an hour); or send ghp_, gho_, ghu_ and ghr_ tokens to GitHub with hfwarden revoke --github"},
		anchors: []anchor{{pat: [3]string{"g", "h", "pousr"}, handle: handleGitHub}},
		samples: samples{
			True:  []string{"GITHUB_TOKEN: ghp_VdD53X83RZJzzzzgEOzdmenCkhvMdgaKjIg8"},
			False: []string{"ghp_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", "ghx_VdD53X83RZJzzzzgEOzdmenCkhvMdgaKjIg8"},
		},
	},
	{
		RuleInfo: RuleInfo{ID: "github-fine-grained-pat", Description: "GitHub fine-grained personal access token", Linked: true, Issuer: "GitHub",
			Rotate: "delete it at https://github.com/settings/personal-access-tokens, or send it to GitHub with hfwarden revoke --github"},
		// The anchor "b_p" sits at index 5 of "github_pat_".
		anchors: []anchor{{pat: lit("b_p"), handle: handleGitHubPAT}},
		samples: samples{
			True:  []string{"t=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"},
			False: []string{"github_pat_xNbe3nNyjOq9wMxEhh2FDE", "github_pat_ is the prefix of fine-grained tokens"},
		},
	},
	{
		RuleInfo: RuleInfo{ID: "aws-access-key", Description: "AWS access key ID with its secret access key", Linked: true, Issuer: "AWS",
			Rotate: "deactivate, then delete the access key in IAM (aws iam update-access-key --status Inactive, then aws iam delete-access-key) and check CloudTrail for its use"},
		anchors: []anchor{{pat: [3]string{"A", "KS", "I"}, handle: handleAWS}},
		samples: samples{
			True:  []string{"aws_access_key_id = AKIAAQXV9UPCTNWLAVYF\naws_secret_access_key = 8JzFalHlsZfYcMMDktXP+tKsf2rcDkdfrUnW5gcF\n"},
			False: []string{"key = AKIAAQXV9UPCTNWLAVYF\n", "AKIAAQXV9UPCTNWLAVYF path/to/some/file/in/the/repository/x"},
		},
	},
	{
		RuleInfo: RuleInfo{ID: "wandb-api-key", Description: "Weights & Biases API key", Linked: true, Issuer: "Weights & Biases",
			Rotate: "delete the key under API keys at https://wandb.ai/settings and create a new one"},
		// Found by its context (WANDB_API_KEY, wandb.login, wandb login):
		// the anchor is "ndb" in any case.
		anchors: []anchor{{pat: [3]string{"nN", "dD", "bB"}, handle: handleWandb}},
		samples: samples{
			True:  []string{"WANDB_API_KEY=f80e222f828767efc2f91624a8940f1f836f99ee\n", `wandb.login(key="f80e222f828767efc2f91624a8940f1f836f99ee")`},
			False: []string{"sha = f80e222f828767efc2f91624a8940f1f836f99ee", "WANDB_API_KEY=\nf80e222f828767efc2f91624a8940f1f836f99ee"},
		},
	},
}

// lookup returns the rule with id, or nil.
func lookup(id string) *rule {
	for i := range rules {
		if rules[i].ID == id {
			return &rules[i]
		}
	}
	return nil
}

// Rule returns what is known about the rule with id.
func Rule(id string) (RuleInfo, bool) {
	if r := lookup(id); r != nil {
		return r.RuleInfo, true
	}
	return RuleInfo{}, false
}

// AllRules lists every rule, in a fixed order.
func AllRules() []RuleInfo {
	out := make([]RuleInfo, len(rules))
	for i := range rules {
		out[i] = rules[i].RuleInfo
	}
	return out
}

// Verifiable reports whether secrets of rule are Hugging Face credentials
// that whoami-v2 can check. Nothing else is ever sent to the Hub.
func Verifiable(rule string) bool {
	r := lookup(rule)
	return r != nil && r.Verifiable
}

// IsLinked tells whether rule is a linked secret (one not issued by
// Hugging Face, reported to be rotated with the HF token beside it).
func IsLinked(rule string) bool {
	r := lookup(rule)
	return r != nil && r.Linked
}

// IssuedByHuggingFace reports whether secrets of rule are Hugging Face
// credentials, the only ones hfwarden sends to the Hub.
func IssuedByHuggingFace(rule string) bool {
	r := lookup(rule)
	return r != nil && r.Issuer == IssuerHuggingFace
}

// RotationHint names a rule's issuer and says how to rotate its secrets.
func RotationHint(rule string) string {
	r := lookup(rule)
	if r == nil || r.Rotate == "" {
		return "rotate it where it was issued"
	}
	return r.Issuer + ": " + r.Rotate
}

// hfTokenLen is the length of the random part of hf_ and api_org_ tokens.
const hfTokenLen = 34

func isAlpha(c byte) bool { return c|0x20 >= 'a' && c|0x20 <= 'z' }
func isDigit(c byte) bool { return c >= '0' && c <= '9' }
func isAlnum(c byte) bool { return isAlpha(c) || isDigit(c) }
func isWord(c byte) bool  { return isAlnum(c) || c == '_' }
func isHex(c byte) bool   { return isDigit(c) || (c|0x20 >= 'a' && c|0x20 <= 'f') }

// leftBoundary tells whether a credential may start at p: the byte before it
// must not continue an identifier, unless it ends an escape sequence such as
// "\n" in a JSON string, "%20" in a URL, "\u0022" or a terminal colour
// ("\x1b[32m").
func leftBoundary(data []byte, p int) bool {
	if p == 0 || !isWord(data[p-1]) {
		return true
	}
	c := data[p-1]
	if p >= 2 && data[p-2] == '\\' && bytes.IndexByte([]byte("nrtbfv0"), c) >= 0 {
		return true
	}
	if p >= 3 && data[p-3] == '%' && isHex(data[p-2]) && isHex(c) {
		return true
	}
	if p >= 4 && data[p-4] == '\\' && data[p-3] == 'x' && isHex(data[p-2]) && isHex(c) {
		return true
	}
	if p >= 6 && data[p-6] == '\\' && data[p-5] == 'u' && isHex(data[p-4]) && isHex(data[p-3]) && isHex(data[p-2]) && isHex(c) {
		return true
	}
	// A terminal escape: its final letter follows a parameter byte, "["
	// or ESC; in an identifier a letter follows a letter.
	return isAlpha(c) && p >= 2 && (data[p-2] < 0x40 || data[p-2] == '[') && termEscapeEnds(data, p)
}

// rightBoundary tells whether a credential may end at p.
func rightBoundary(data []byte, p int) bool { return p >= len(data) || !isWord(data[p]) }

// run returns the end of the run of bytes from p that satisfy ok, looking at
// most max bytes ahead.
func run(data []byte, p, max int, ok func(byte) bool) int {
	end := p + max
	if end > len(data) {
		end = len(data)
	}
	for p < end && ok(data[p]) {
		p++
	}
	return p
}

func emit(out *matches, rule, secret string, c Confidence, start, end int) {
	out.list = append(out.list, Match{Rule: rule, Secret: secret, Confidence: c, Start: start, End: end})
}

// handleHF validates what follows "hf_" at p.
func handleHF(d *Detector, data []byte, p, depth int, out *matches) {
	if !leftBoundary(data, p) {
		if isAlnum(data[p-1]) { // "_" continues an identifier: no glue
			handleGluedHF(data, p, false, out)
		}
		return
	}
	rest := data[p+3:]
	// Logs name hf_hub_download and friends millions of times: look at
	// one byte before comparing prefixes.
	if len(rest) > 0 && (rest[0] == 'o' || rest[0] == 'j') {
		if handleHFPrefixed(data, p, rest, out) {
			return
		}
	}
	s := p + 3
	e := run(data, s, hfTokenLen+1, isAlnum)
	n := e - s
	if n == hfTokenLen && rightBoundary(data, e) {
		body := data[s:e]
		if c, ok := gradeHFBody(body); ok {
			emit(out, "hf-user-token", string(data[p:e]), c, p, e)
		}
		return
	}
	if n > hfTokenLen {
		handleGluedHF(data, p, true, out) // the run goes on past a token
		return
	}
	if n >= hfTokenLen || e >= len(data) {
		return
	}
	// The token stops early: it may go on in the next string literal, or
	// be interrupted by an escape that a decoder can undo.
	if n >= 4 && (isQuote(data[e]) || data[e] == '\\') {
		out.list = append(out.list, Match{Start: p, End: e}) // a hint, see DetectHint
	}
	switch data[e] {
	case '"', '\'', '`':
		splitToken(data, p, e, d.jsonArrays, out)
	case '\\':
		if escapedLineEnd(data, e) >= 0 {
			// A line continuation, not an escape: the literal goes on
			// on the next line (there is nothing here to decode).
			splitContinued(data, p, e, out)
		} else if depth < d.maxDep {
			// As for percent below: the window ends with the line, or it
			// would claim (and cut short) an escaped token on the next.
			end := e
			for end < len(data) && end-e < 6*hfTokenLen && data[end] != '\n' {
				end++
			}
			decodeWindow(d, data, p, p, end, "json-escape", unescape, depth, out)
		}
	case '=':
		if depth < d.maxDep {
			qpInToken(d, data, p, e, depth, out) // a soft line break, =XX
		}
	case ' ', '\t':
		splitPrintf(data, p, e, out)
	case '%':
		if depth < d.maxDep {
			// The window ends where the encoded run does: one reaching
			// past a line end would claim (and cut short) an encoded
			// token starting on the next line.
			end := e
			for end < len(data) && end-e < 3*hfTokenLen && !isSpaceOrQuote(data[end]) {
				end++
			}
			decodeWindow(d, data, p, p, end, "percent", percentDecode, depth, out)
		}
	}
}

// gradeHFBody decides whether the 34-character body of an hf_ or api_org_
// token is a real credential: letters only is the canonical shape (high
// confidence); letters and digits is accepted with medium confidence.
func gradeHFBody(body []byte) (Confidence, bool) {
	digits := 0
	for _, c := range body {
		if isDigit(c) {
			digits++
		}
	}
	if looksFake(body) {
		return "", false
	}
	if digits == 0 {
		return High, true
	}
	if digits > len(body)/2 {
		return "", false
	}
	return Medium, true
}

// handleOrg validates a legacy organization token "api_org_" + 34 letters;
// the anchor "i_o" sits at index 2 of the prefix.
func handleOrg(d *Detector, data []byte, p, depth int, out *matches) {
	start := p - 2
	if start < 0 || !bytes.HasPrefix(data[start:], []byte("api_org_")) {
		return
	}
	s := start + len("api_org_")
	e := run(data, s, hfTokenLen+1, isAlnum)
	if left := leftBoundary(data, start); !left || e-s > hfTokenLen {
		handleGluedOrg(data, start, left, out)
		return
	}
	if e-s != hfTokenLen || !rightBoundary(data, e) {
		return
	}
	if c, ok := gradeHFBody(data[s:e]); ok {
		emit(out, "hf-org-token", string(data[start:e]), c, start, e)
	}
}

func isB64URL(c byte) bool { return isAlnum(c) || c == '-' || c == '_' }

// jwtAt reads a JWT (header.payload.signature, base64url) at p and checks
// that its header decodes to a JSON object; it returns the end.
func jwtAt(data []byte, p int) (int, bool) {
	if !bytes.HasPrefix(data[p:], []byte("eyJ")) {
		return 0, false
	}
	h := run(data, p, 2048, isB64URL)
	if h >= len(data) || data[h] != '.' {
		return 0, false
	}
	pl := run(data, h+1, 8192, isB64URL)
	if pl == h+1 || pl >= len(data) || data[pl] != '.' {
		return 0, false
	}
	sig := run(data, pl+1, 2048, isB64URL)
	hdr, err := base64.RawURLEncoding.DecodeString(string(bytes.TrimRight(data[p:h], "=")))
	if err != nil || !json.Valid(hdr) {
		return 0, false
	}
	return sig, true
}

// handleHFPrefixed handles the hf_oauth_, hf_oauth__refresh_ and hf_jwt_
// forms; it says whether rest started with one of them.
func handleHFPrefixed(data []byte, p int, rest []byte, out *matches) bool {
	switch {
	case bytes.HasPrefix(rest, []byte("oauth__refresh_")):
		s := p + 3 + len("oauth__refresh_")
		e := run(data, s, 512, func(c byte) bool { return isWord(c) || c == '-' || c == '.' })
		if e-s >= 20 && rightBoundary(data, e) && !looksFakeGeneric(data[s:e]) {
			emit(out, "hf-oauth-refresh-token", string(data[p:e]), High, p, e)
		}
		return true
	case bytes.HasPrefix(rest, []byte("oauth_")):
		if e, ok := jwtAt(data, p+3+len("oauth_")); ok {
			emit(out, "hf-oauth-token", string(data[p:e]), High, p, e)
		}
		return true
	case bytes.HasPrefix(rest, []byte("jwt_")):
		if e, ok := jwtAt(data, p+3+len("jwt_")); ok {
			emit(out, "hf-jwt", string(data[p:e]), High, p, e)
		}
		return true
	}
	return false
}
