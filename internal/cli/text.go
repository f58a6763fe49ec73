package cli

import (
	"strings"

	"github.com/hfwarden/hfwarden/internal/detect"
)

// orDash is s, or "-" for nothing.
func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// oneLine is s trimmed, its lines joined with "; ".
func oneLine(s string) string { return strings.ReplaceAll(strings.TrimSpace(s), "\n", "; ") }

// ruleDescription names a rule's kind of secret.
func ruleDescription(rule string) string {
	if r, ok := detect.Rule(rule); ok {
		return r.Description
	}
	return "secret of rule " + rule
}
