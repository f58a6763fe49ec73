// Package secret holds the two ways hfwarden refers to a secret without
// showing it: a SHA-256 fingerprint and a redacted preview.
package secret

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
)

// Fingerprint returns the SHA-256 hex digest of the exact secret. It is the
// key for incidents, ignore lists and baselines.
func Fingerprint(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

// knownPrefixes are shown in full in previews because they say what the
// secret is without revealing any of its entropy. Longest first.
var knownPrefixes = []string{
	"hf_oauth__refresh_", "github_pat_", "hf_oauth_", "sk-ant-api03-", "sk-svcacct-", "sk-admin-",
	"sk-proj-", "api_org_", "hf_jwt_", "sk-ant-", "ghp_", "gho_", "ghu_", "ghs_", "ghr_", "hf_", "r8_", "sk-",
}

// Redact returns a preview that keeps the credential's prefix plus four
// characters after it and the last four, e.g. "hf_AbCd…WxYz". Short secrets
// show less so that at most a third of the random part is revealed.
func Redact(s string) string {
	prefix := ""
	for _, p := range knownPrefixes {
		if strings.HasPrefix(s, p) {
			prefix = p
			break
		}
	}
	body := s[len(prefix):]
	n := 4
	for n > 0 && 3*2*n > len(body) {
		n--
	}
	if n == 0 {
		return prefix + "…"
	}
	return prefix + body[:n] + "…" + body[len(body)-n:]
}
