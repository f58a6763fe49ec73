// Package encode writes strings in the encodings the detector undoes, so
// that tests can hide a token the way real files do. It imports nothing of
// the project, so the detector's own tests can use it too.
package encode

import (
	"encoding/base64"
	"fmt"
	"strings"
)

// Base64 is s in standard, padded base64.
func Base64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

// Base64URL is s in URL-safe, padded base64.
func Base64URL(s string) string { return base64.URLEncoding.EncodeToString([]byte(s)) }

// PercentAll percent-encodes every byte of s, not only those a URL needs.
func PercentAll(s string) string {
	var sb strings.Builder
	for i := 0; i < len(s); i++ {
		fmt.Fprintf(&sb, "%%%02X", s[i])
	}
	return sb.String()
}

// UnicodeEscape writes every byte of s as a JSON \uXXXX escape.
func UnicodeEscape(s string) string {
	var sb strings.Builder
	for i := 0; i < len(s); i++ {
		fmt.Fprintf(&sb, `\u%04x`, s[i])
	}
	return sb.String()
}

// HexEscape writes every byte of s as a \xXX escape.
func HexEscape(s string) string {
	var sb strings.Builder
	for i := 0; i < len(s); i++ {
		fmt.Fprintf(&sb, `\x%02x`, s[i])
	}
	return sb.String()
}
