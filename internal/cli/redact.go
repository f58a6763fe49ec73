package cli

import (
	"io"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/hfwarden/hfwarden/internal/detect"
	"github.com/hfwarden/hfwarden/internal/secret"
	"github.com/hfwarden/hfwarden/internal/store"
	"github.com/hfwarden/hfwarden/internal/termsafe"
)

// redactor hides secrets in text hfwarden prints about itself: errors,
// warnings, usage messages. A token pasted where a name, path or incident
// number was expected comes back in cobra's, git's and our own messages;
// rather than trusting every message to leave its arguments out, the text
// is checked once, at the edge.
type redactor struct {
	det *detect.Detector
	// literals are secrets found in the command line: replaced even where
	// the detector, seeing them in a different context, would not match.
	literals []string
}

// newRedactor returns a redactor that also hides every secret found in
// args.
func newRedactor(args []string) *redactor {
	r := &redactor{det: detect.New(detect.Options{})}
	add := func(s string) {
		if s != "" && !slices.Contains(r.literals, s) {
			r.literals = append(r.literals, s)
		}
	}
	for _, a := range args {
		for _, m := range r.det.Detect([]byte(a)) {
			add(m.Secret)
		}
		// A truncated or mistyped paste is not a valid token, and the
		// detector rightly ignores it, but it is still mostly a secret.
		for _, s := range nearTokens(a) {
			add(s)
		}
	}
	// Longest first, so that a secret holding another is replaced whole.
	slices.SortFunc(r.literals, func(a, b string) int { return len(b) - len(a) })
	return r
}

// nearTokens returns the runs of s that start with a Hugging Face prefix
// and go on with at least 16 token characters.
func nearTokens(s string) []string {
	var out []string
	for i := 0; i < len(s); i++ {
		var p string
		switch {
		case strings.HasPrefix(s[i:], "hf_"):
			p = "hf_"
		case strings.HasPrefix(s[i:], "api_org_"):
			p = "api_org_"
		default:
			continue
		}
		if i > 0 && isTokenChar(s[i-1]) {
			continue // inside a longer word
		}
		j := i + len(p)
		for j < len(s) && isTokenChar(s[j]) {
			j++
		}
		if j-i-len(p) >= 16 {
			out = append(out, s[i:j])
		}
		i = j - 1
	}
	return out
}

func isTokenChar(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// redact replaces each secret in s by its redacted preview.
func (r *redactor) redact(s string) string {
	s = r.redactLiterals(s)
	return detect.Replace(s, r.det.Detect([]byte(s)), secret.Redact)
}

func (r *redactor) redactLiterals(s string) string {
	for _, l := range r.literals {
		if strings.Contains(s, l) {
			s = strings.ReplaceAll(s, l, secret.Redact(l))
		}
	}
	return s
}

// message makes an error message safe to print: secrets redacted, control
// characters escaped, one line.
func (r *redactor) message(s string) string {
	return termsafe.Escape(oneLine(r.redact(s)))
}

// redactWriter is the stderr every command writes to: each write has its
// secrets redacted and its control characters escaped (newlines and tabs
// kept), so that a warning naming a hostile file cannot drive the
// terminal. hfwarden writes each message in one call, so a secret is never
// split across writes.
type redactWriter struct {
	w io.Writer
	r *redactor
}

func (w *redactWriter) Write(p []byte) (int, error) {
	s := termsafe.EscapeText(w.r.redact(string(p)))
	if _, err := io.WriteString(w.w, s); err != nil {
		return 0, err
	}
	return len(p), nil
}

// literalWriter is stdout when the command line held a secret: the
// secret's own bytes are replaced, nothing else changes (stdout carries
// reports, whose content is escaped by their writers).
type literalWriter struct {
	w io.Writer
	r *redactor
}

func (w *literalWriter) Write(p []byte) (int, error) {
	if _, err := io.WriteString(w.w, w.r.redactLiterals(string(p))); err != nil {
		return 0, err
	}
	return len(p), nil
}

// underlying returns the writer a redacting writer wraps, for terminal
// detection and for the progress line (which is hfwarden's own escape
// sequences and numbers only).
func underlying(w io.Writer) io.Writer {
	switch x := w.(type) {
	case *redactWriter:
		return x.w
	case *literalWriter:
		return x.w
	}
	return w
}

// escapeWriter escapes control characters in each write, newlines and tabs
// kept. Text output goes through it: owner names, repository ids, paths
// and commit titles come from the Hub or from scanned data, and must not
// drive the terminal. Each write must hold whole UTF-8 sequences
// (fmt and tabwriter write whole strings).
type escapeWriter struct{ w io.Writer }

func (w escapeWriter) Write(p []byte) (int, error) {
	if _, err := io.WriteString(w.w, termsafe.EscapeText(string(p))); err != nil {
		return 0, err
	}
	return len(p), nil
}

// termText returns w for text output: control characters escaped.
func termText(w io.Writer) io.Writer { return escapeWriter{w} }

// pathFlags are the flags that name a file or directory hfwarden creates.
var pathFlags = []string{"db", "output", "out", "lock", "key-file", "cache-dir"}

// checkPathFlags refuses a file-naming flag whose value holds a secret
// (a token pasted in place of a path): hfwarden would otherwise create a
// file named with it. The error shows the redacted preview only.
func checkPathFlags(c *cobra.Command) error {
	det := detect.New(detect.Options{})
	for _, name := range pathFlags {
		fl := c.Flags().Lookup(name)
		if fl == nil || !fl.Changed {
			continue
		}
		v := fl.Value.String()
		if store.IsPostgres(v) {
			continue // a URL names no file; its password is the user's to give
		}
		if len(det.Detect([]byte(v))) > 0 || len(nearTokens(v)) > 0 {
			return usageErr("--%s %s looks like a token; refusing to create a file named with it", name, newRedactor([]string{v}).redact(v))
		}
		if name == "db" {
			// Before the command does anything: a scan would otherwise
			// run, then create a key beside a store it cannot open.
			if err := checkDB(v); err != nil {
				return err
			}
		}
	}
	return nil
}
