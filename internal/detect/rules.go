package detect

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
)

// Rule describes a credential shape.
type Rule struct {
	ID          string
	Description string
	// Linked rules are non-Hugging Face secrets reported to be rotated
	// together with the HF token found beside them.
	Linked bool
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

// Rules lists every rule by ID.
var Rules = map[string]Rule{
	"hf-user-token":          {ID: "hf-user-token", Description: "Hugging Face user access token", Issuer: IssuerHuggingFace, Rotate: hfRotate},
	"hf-org-token":           {ID: "hf-org-token", Description: "Hugging Face legacy organization API token (api_org_)", Issuer: IssuerHuggingFace, Rotate: hfRotate},
	"hf-oauth-token":         {ID: "hf-oauth-token", Description: "Hugging Face OAuth access token", Issuer: IssuerHuggingFace, Rotate: "revoke it with hfwarden revoke; the owner can also revoke the app at https://huggingface.co/settings/connected-applications"},
	"hf-oauth-refresh-token": {ID: "hf-oauth-refresh-token", Description: "Hugging Face OAuth refresh token", Issuer: IssuerHuggingFace, Rotate: "revoke it with hfwarden revoke; the owner confirms by revoking the app at https://huggingface.co/settings/connected-applications"},
	"hf-jwt":                 {ID: "hf-jwt", Description: "Hugging Face short-lived repository token (Trusted Publishers JWT)", Issuer: IssuerHuggingFace, Rotate: hfRotate},
	"openai-api-key": {ID: "openai-api-key", Description: "OpenAI API key", Linked: true, Issuer: "OpenAI",
		Rotate: "delete the key at https://platform.openai.com/api-keys (project keys: the project's API keys page) and create a new one"},
	"anthropic-api-key": {ID: "anthropic-api-key", Description: "Anthropic API key", Linked: true, Issuer: "Anthropic",
		Rotate: "delete the key at https://console.anthropic.com/settings/keys and create a new one"},
	"replicate-api-token": {ID: "replicate-api-token", Description: "Replicate API token", Linked: true, Issuer: "Replicate",
		Rotate: "delete the token at https://replicate.com/account/api-tokens and create a new one"},
	"github-token": {ID: "github-token", Description: "GitHub token", Linked: true, Issuer: "GitHub",
		Rotate: "delete a ghp_ token at https://github.com/settings/tokens, revoke a gho_ token's OAuth app at https://github.com/settings/applications, a ghu_/ghr_ token's GitHub App at https://github.com/settings/apps/authorizations (ghs_ expires within an hour); or send ghp_, gho_, ghu_ and ghr_ tokens to GitHub with hfwarden revoke --github"},
	"github-fine-grained-pat": {ID: "github-fine-grained-pat", Description: "GitHub fine-grained personal access token", Linked: true, Issuer: "GitHub",
		Rotate: "delete it at https://github.com/settings/personal-access-tokens, or send it to GitHub with hfwarden revoke --github"},
	"wandb-api-key": {ID: "wandb-api-key", Description: "Weights & Biases API key", Linked: true, Issuer: "Weights & Biases",
		Rotate: "delete the key under API keys at https://wandb.ai/settings and create a new one"},
	"aws-access-key": {ID: "aws-access-key", Description: "AWS access key ID with its secret access key", Linked: true, Issuer: "AWS",
		Rotate: "deactivate, then delete the access key in IAM (aws iam update-access-key --status Inactive, then aws iam delete-access-key) and check CloudTrail for its use"},
}

// IssuedByHuggingFace reports whether secrets of rule are Hugging Face
// credentials, the only ones hfwarden sends to the Hub.
func IssuedByHuggingFace(rule string) bool { return Rules[rule].Issuer == IssuerHuggingFace }

// RotationHint names a rule's issuer and says how to rotate its secrets.
func RotationHint(rule string) string {
	r, ok := Rules[rule]
	if !ok || r.Rotate == "" {
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
// "\n" in a JSON string, "%20" in a URL or "\u0022".
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
	return false
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
		if depth < d.maxDep {
			decodeWindow(d, data, p, p, e+6*hfTokenLen, "json-escape", unescape, depth, out)
		}
	case '%':
		if depth < d.maxDep {
			decodeWindow(d, data, p, p, e+3*hfTokenLen, "percent", percentDecode, depth, out)
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
	if start < 0 || !bytes.HasPrefix(data[start:], []byte("api_org_")) || !leftBoundary(data, start) {
		return
	}
	s := start + len("api_org_")
	e := run(data, s, hfTokenLen+1, isAlnum)
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
