package detect

import (
	"encoding/hex"
	"net/url"
	"strings"
	"testing"

	"github.com/hfwarden/hfwarden/internal/testutil/encode"
)

// encoders wrap a token the way it is found in the wild; each must be
// undone by the detector.
var encoders = []struct {
	name string
	enc  func(string) string
}{
	{"plain", func(s string) string { return s }},
	{"base64", encode.Base64},
	{"base64url", encode.Base64URL},
	{"percent", encode.PercentAll},
	{"query", url.QueryEscape},
	{"unicode", encode.UnicodeEscape},
	{"hexescape", encode.HexEscape},
	{"hex", func(s string) string { return hex.EncodeToString([]byte(s)) }},
	{"base64-base64", func(s string) string { return encode.Base64(encode.Base64(s)) }},
	{"percent-base64", func(s string) string { return url.QueryEscape(encode.Base64(s)) }},
	{"base64-jsonescape", func(s string) string {
		return encode.Base64(`{"t": "` + s[:9] + `\u00` + hex.EncodeToString([]byte{s[9]}) + s[10:] + `"}`)
	}},
	{"json-string", func(s string) string { return `{\"k\": \"` + s + `\"}` }},
	{"html", htmlDec},
	{"htmlhex", htmlHex},
	// The soft line break falls inside the token.
	{"qp", func(s string) string { return qpEncode(filler(50) + s) }},
	{"wrapped76", func(s string) string { return wrap(b64([]byte(filler(40)+s)), 76, "\r\n") }},
	{"wrapped64", func(s string) string { return wrap(b64([]byte(filler(50)+s)), 64, "\n") }},
	{"base64-gzip", func(s string) string { return b64(gzipOf([]byte(s))) }},
	{"base64-zstd", func(s string) string { return b64(zstdOf([]byte(s))) }},
	{"base64-base64-gzip", func(s string) string { return b64([]byte(b64(gzipOf([]byte(s))))) }},
	{"html-base64", func(s string) string { return htmlDec(b64([]byte(s))) }},
}

// FuzzDetect checks that the detector never panics, and that a token
// embedded in any supported encoding, between arbitrary bytes, is found.
func FuzzDetect(f *testing.F) {
	f.Add([]byte("x = "), []byte("\n"), uint8(0), uint8(0))
	f.Add([]byte("aGZf"), []byte("hf_"), uint8(1), uint8(3))
	f.Add([]byte("\x00\xff%68%66"), []byte("\\u0068"), uint8(4), uint8(7))
	f.Add([]byte(strings.Repeat("A", 100)), []byte("==="), uint8(8), uint8(1))
	toks := []string{tok1, tok2, tokAlnum, orgTok}
	d := New(Options{}) // safe for concurrent use; building one per input would dominate
	nb := New(Options{JoinJSONArrays: true})
	f.Add([]byte(`["`+tok1[:9]+`", "`), []byte(tok1[9:]+`\u00`), uint8(0), uint8(0))
	f.Add([]byte("&#104;&#102;&amp;#95;"), []byte("hf&lowbar;=\r\n"), uint8(12), uint8(0))
	f.Add([]byte("=3Dhf=5F"), []byte("=?utf-8?Q?a_hf=5F"), uint8(14), uint8(1))
	f.Add([]byte("H4sIAAAAAAAA"), []byte("SDRzSUFBQUFB"), uint8(17), uint8(2))
	f.Add([]byte(wrap(b64([]byte(filler(200))), 76, "\n")), []byte("KLUv/QBY"), uint8(15), uint8(3))
	// Glued tokens (glued_test.go): records, pages, string tables, escapes.
	f.Add(record(tok1), sqlitePage("alice", tok2, "2026"), uint8(0), uint8(1))
	f.Add(elfStrings("Bearer", tok1, "application/json"), []byte("\x1b[32m"+tok2+"\x1b[0m"), uint8(0), uint8(0))
	f.Add([]byte("\x00"+strings.Repeat("Zm9vYmFy", 4)+tok1), []byte("cXV4"+orgTok+"Q\x00"), uint8(0), uint8(3))
	for _, c := range splitCases() { // the split forms, cut in two
		f.Add([]byte(c.input[:len(c.input)/2]), []byte(c.input[len(c.input)/2:]), uint8(0), uint8(0))
	}
	f.Fuzz(func(t *testing.T, prefix, suffix []byte, which, tokIdx uint8) {
		// Arbitrary bytes alone: must not panic, spans must be in range.
		raw := append(append([]byte{}, prefix...), suffix...)
		text, bin := d.Detect(raw), d.DetectBinary(raw)
		for _, m := range append(append(text, nb.Detect(raw)...), bin...) {
			if m.Start < 0 || m.End > len(raw) || m.Start >= m.End {
				t.Fatalf("span out of range: %+v", m)
			}
		}
		checkBinaryAddsLow(t, text, bin)
		e := encoders[int(which)%len(encoders)]
		tok := toks[int(tokIdx)%len(toks)]
		if tok == orgTok && (strings.Contains(e.name, "-") || e.name == "hex") {
			return // api_org_ is looked for under one encoding, not hex
		}
		// The encoded token stands on its own line, as in any real file:
		// separators keep neighbouring bytes from extending it.
		enc := e.enc(" " + tok + " ")
		input := string(prefix) + "\n" + enc + "\n" + string(suffix)
		found := false
		for _, m := range d.Detect([]byte(input)) {
			if m.Secret == tok {
				found = true
			}
		}
		if !found {
			t.Fatalf("%s-encoded %s not found in %q", e.name, tok, input)
		}
	})
}
