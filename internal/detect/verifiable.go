package detect

// Verifiable reports whether secrets of rule are Hugging Face credentials
// that whoami-v2 can check. Nothing else is ever sent to the Hub. It lives
// with the rules, not in the scan engine, so that assess can ask it
// without linking the engine.
func Verifiable(rule string) bool {
	switch rule {
	case "hf-user-token", "hf-org-token", "hf-oauth-token", "hf-jwt":
		return true
	}
	return false
}
