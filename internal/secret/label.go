package secret

// Label returns the form a secret takes inside a name (a file name, an
// archive member, a note): the redacted preview followed by the start of
// its fingerprint, e.g. "hf_AbCd…WxYz[76703a504f27]". The fingerprint
// keeps two names that differ only in the secret they held distinct.
func Label(s string) string { return Redact(s) + "[" + Fingerprint(s)[:12] + "]" }
