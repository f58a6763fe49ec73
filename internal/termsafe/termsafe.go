// Package termsafe escapes untrusted text before it reaches a terminal or
// a Markdown document. File names, archive members and strings the Hub
// returns are chosen by whoever wrote them: an escape sequence in one must
// not drive the reader's terminal, and a bidi override must not reorder
// what the reader sees.
package termsafe

import (
	"io"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf16"
	"unicode/utf8"
)

// Escape returns s with every control character (C0, DEL, C1), format
// character (bidi overrides and isolates, zero-width characters), other
// non-printing rune and invalid UTF-8 byte written as a Go escape:
// "\x1b", "\u202e", "\xff". Printable text, spaces included, is kept.
func Escape(s string) string { return escape(s, false) }

// EscapeText is Escape for multi-line text: newlines and tabs are kept.
func EscapeText(s string) string { return escape(s, true) }

func escape(s string, keepLines bool) string {
	if safe(s, keepLines) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 16)
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b.WriteString(`\x`)
			b.WriteString(strconv.FormatUint(uint64(s[i])>>4, 16))
			b.WriteString(strconv.FormatUint(uint64(s[i])&0xf, 16))
		case keepLines && (r == '\n' || r == '\t'):
			b.WriteRune(r)
		case unicode.IsPrint(r):
			b.WriteString(s[i : i+size])
		default:
			q := strconv.QuoteRuneToASCII(r) // e.g. '\x1b' or '\u202e'
			b.WriteString(q[1 : len(q)-1])
		}
		i += size
	}
	return b.String()
}

// safe tells whether s needs no escaping, without allocating.
func safe(s string, keepLines bool) bool {
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c < 0x7f {
			i++
			continue
		}
		if keepLines && (c == '\n' || c == '\t') {
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if (r == utf8.RuneError && size == 1) || !unicode.IsPrint(r) {
			return false
		}
		i += size
	}
	return true
}

// EscapeJSON escapes the non-printing runes that encoding/json leaves raw
// (DEL, C1 controls, bidi and other format characters) as \uXXXX, so that
// JSON text shown to a person stays the same JSON value and cannot drive a
// terminal or reorder what is shown. Newlines and tabs between tokens are
// kept; encoding/json has already escaped those inside strings.
func EscapeJSON(s string) string {
	if safe(s, true) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 16)
	for _, r := range s {
		switch {
		case r == '\n' || r == '\t' || unicode.IsPrint(r):
			b.WriteRune(r)
		case r > 0xffff:
			r1, r2 := utf16.EncodeRune(r)
			writeU(&b, r1)
			writeU(&b, r2)
		default:
			writeU(&b, r)
		}
	}
	return b.String()
}

func writeU(b *strings.Builder, r rune) {
	const hex = "0123456789abcdef"
	b.WriteString(`\u`)
	b.WriteByte(hex[r>>12&0xf])
	b.WriteByte(hex[r>>8&0xf])
	b.WriteByte(hex[r>>4&0xf])
	b.WriteByte(hex[r&0xf])
}

// JSONWriter returns a writer that passes what encoding/json wrote through
// EscapeJSON. Each Write must hold whole runes, as json.Encoder's do (one
// Write per encoded value).
func JSONWriter(w io.Writer) io.Writer { return jsonWriter{w} }

type jsonWriter struct{ w io.Writer }

func (j jsonWriter) Write(p []byte) (int, error) {
	if _, err := io.WriteString(j.w, EscapeJSON(string(p))); err != nil {
		return 0, err
	}
	return len(p), nil
}
