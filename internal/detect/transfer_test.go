package detect

import (
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"encoding/pem"
	"fmt"
	"math/rand/v2"
	"mime/quotedprintable"
	"slices"
	"strings"
	"testing"

	"github.com/klauspost/compress/zstd"
)

// Encoders of transfer and markup encodings, written with the standard
// library's own writers where it has one.

func htmlDec(s string) string {
	var sb strings.Builder
	for i := 0; i < len(s); i++ {
		fmt.Fprintf(&sb, "&#%d;", s[i])
	}
	return sb.String()
}

func htmlHex(s string) string {
	var sb strings.Builder
	for i := 0; i < len(s); i++ {
		fmt.Fprintf(&sb, "&#x%X;", s[i])
	}
	return sb.String()
}

// qpEncode is s quoted-printable, as mime/quotedprintable writes it (soft
// line breaks at 76 columns, CRLF line ends unless binary).
func qpEncode(s string) string {
	var b bytes.Buffer
	w := quotedprintable.NewWriter(&b)
	_, _ = w.Write([]byte(s))
	_ = w.Close()
	return b.String()
}

// wrap cuts s into lines of n characters ended by eol.
func wrap(s string, n int, eol string) string {
	var sb strings.Builder
	for len(s) > n {
		sb.WriteString(s[:n] + eol)
		s = s[n:]
	}
	return sb.String() + s + eol
}

// gzipOf is s gzip'd; writing to memory cannot fail.
func gzipOf(s []byte) []byte {
	var b bytes.Buffer
	w := gzip.NewWriter(&b)
	_, _ = w.Write(s)
	_ = w.Close()
	return b.Bytes()
}

// zstdOf is s in a zstd frame.
func zstdOf(s []byte) []byte {
	w, err := zstd.NewWriter(nil)
	if err != nil {
		panic(err) // only for bad options
	}
	defer func() { _ = w.Close() }()
	return w.EncodeAll(s, nil)
}

func b64(b []byte) string { return base64.StdEncoding.EncodeToString(b) }

// filler is prose of n bytes, so that a token lands at a chosen column.
func filler(n int) string {
	return strings.Repeat("lorem ipsum dolor sit amet ", n/27+1)[:n-1] + " "
}

func TestTransferEncodings(t *testing.T) {
	type tc struct {
		name, input string
		enc         []string
		at          int // where the match must start; -1: anywhere
	}
	var tests []tc
	add := func(name, input string, enc []string, at int) { tests = append(tests, tc{name, input, enc, at}) }

	// HTML and XML character references.
	add("html decimal", `<input value="`+htmlDec(tok1)+`">`, []string{"html-entities"}, len(`<input value="`))
	add("html hex", "<v>"+htmlHex(tok1)+"</v>", []string{"html-entities"}, 3)
	add("html named lowbar", "<p>token: hf&lowbar;"+tok1[3:]+"</p>", []string{"html-entities"}, len("<p>token: "))
	add("html one reference in the body", "t="+tok1[:10]+"&#"+fmt.Sprint(int(tok1[10]))+";"+tok1[11:]+"\n", []string{"html-entities"}, 2)
	add("html encoded twice", "<a title=\""+strings.ReplaceAll(htmlDec(tok1), "&", "&amp;")+"\">", []string{"html-entities", "html-entities"}, len("<a title=\""))
	add("xml attribute", `<add key="HF_TOKEN" value="`+htmlHex(tok1)+`"/>`, []string{"html-entities"}, len(`<add key="HF_TOKEN" value="`))

	// Quoted-printable.
	add("qp escaped equals", "token=3D"+tok1+"\r\n", []string{"quoted-printable"}, len("token=3D"))
	add("q-encoded header", "Subject: =?utf-8?Q?key_"+strings.Replace(tok1, "_", "=5F", 1)+"?=\r\n", []string{"quoted-printable"}, len("Subject: =?utf-8?Q?key_"))
	for col := 40; col <= 76; col++ {
		// The soft break falls at every place in the token, "hf_" too.
		in := qpEncode(filler(col) + tok1 + " and more text after the token, long enough to wrap again " + filler(90))
		add(fmt.Sprintf("qp soft break at column %d", col), in, nil, -1)
		add(fmt.Sprintf("qp LF soft break at column %d", col), strings.ReplaceAll(in, "\r\n", "\n"), nil, -1)
	}

	// Base64 wrapped across lines.
	blob0 := []byte("HF_TOKEN=" + tok1 + "\n" + filler(300))
	for _, w := range []int{64, 76} {
		for _, eol := range []string{"\n", "\r\n"} {
			for _, lead := range []int{10, 30, 40, 44, 47, 60} {
				in := wrap(b64([]byte(filler(lead)+" HF_TOKEN="+tok1+"\n"+filler(70))), w, eol)
				add(fmt.Sprintf("base64 wrapped at %d %q lead %d", w, eol, lead), in, []string{"base64"}, -1)
			}
		}
	}
	// MIME base64 inside a string literal: its line breaks escaped (a JSON
	// value, a JavaScript string, a Python repr).
	for _, eol := range []string{`\n`, `\r\n`} {
		for _, lead := range []int{10, 44, 60} {
			in := `{"data": "` + wrap(b64([]byte(filler(lead)+" HF_TOKEN="+tok1+"\n"+filler(70))), 76, eol) + `"}`
			add(fmt.Sprintf("base64 wrapped at 76 in a JSON string %s lead %d", eol, lead), in, []string{"base64"}, -1)
		}
	}
	add("base64 of gzip wrapped in a JSON string", `{"blob": "`+wrap(b64(gzipOf(blob0)), 76, `\n`)+`"}`, []string{"base64", "gzip"}, len(`{"blob": "`))
	add("base64 wrapped in yaml", "data:\n  blob: |\n"+strings.ReplaceAll("    "+wrap(b64([]byte(filler(40)+" "+tok1+"\n"+filler(80))), 76, "\n"), "\n", "\n    "), []string{"base64"}, -1)
	pemText := string(pem.EncodeToMemory(&pem.Block{Type: "HF CREDENTIALS", Headers: map[string]string{"Comment": "exported", "Proc-Type": "4,ENCRYPTED"},
		Bytes: []byte(filler(43) + "\ntoken = " + tok1 + "\n" + filler(50))}))
	add("pem with headers", pemText, []string{"base64"}, -1)

	// Compressed data inside an encoding.
	blob := []byte("HF_TOKEN=" + tok1 + "\n" + filler(300))
	add("base64 of gzip", "release: "+b64(gzipOf(blob))+"\n", []string{"base64", "gzip"}, len("release: "))
	add("base64 of gzip wrapped", "Content-Transfer-Encoding: base64\r\n\r\n"+wrap(b64(gzipOf(blob)), 76, "\r\n"), []string{"base64", "gzip"}, len("Content-Transfer-Encoding: base64\r\n\r\n"))
	add("base64 of zstd", `{"cfg": "`+b64(zstdOf(blob))+`"}`, []string{"base64", "zstd"}, len(`{"cfg": "`))
	add("base64 of base64 of gzip", "  release: "+b64([]byte(b64(gzipOf(blob))))+"\n", []string{"base64", "base64", "gzip"}, len("  release: "))

	// Layered in other orders.
	add("html of base64", "<data>"+htmlDec(b64([]byte("k="+tok1+"\n")))+"</data>", []string{"html-entities", "base64"}, -1)
	add("base64 of qp", b64([]byte(qpEncode(filler(60)+tok1+" "+filler(40)))), []string{"base64", "quoted-printable"}, -1)
	add("qp of html", qpEncode("<p>"+filler(50)+htmlDec(tok1)+"</p>"), []string{"quoted-printable", "html-entities"}, -1)
	add("qp of base64", qpEncode("blob: "+b64([]byte(filler(40)+" "+tok1+" "+filler(40)))), []string{"quoted-printable", "base64"}, -1)
	add("html of qp", "<pre>"+strings.ReplaceAll(qpEncode("k="+tok1), "=", "&#61;")+"</pre>", []string{"html-entities", "quoted-printable"}, -1)

	d := New(Options{})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := d.Detect([]byte(tt.input))
			if len(got) != 1 {
				t.Fatalf("got %d matches %+v in %q", len(got), got, tt.input)
			}
			g := got[0]
			if g.Rule != "hf-user-token" || g.Secret != tok1 {
				t.Errorf("match = %s %q", g.Rule, g.Secret)
			}
			if tt.enc != nil && !slices.Equal(g.Encodings, tt.enc) {
				t.Errorf("encodings = %v, want %v", g.Encodings, tt.enc)
			}
			if tt.enc == nil && !slices.Equal(g.Encodings, []string{"quoted-printable"}) && g.Encodings != nil {
				t.Errorf("encodings = %v, want quoted-printable or none", g.Encodings)
			}
			if tt.at >= 0 && g.Start != tt.at {
				t.Errorf("match starts at %d, want %d", g.Start, tt.at)
			}
			if g.Start < 0 || g.End > len(tt.input) || g.Start >= g.End {
				t.Errorf("span [%d,%d) outside input of %d bytes", g.Start, g.End, len(tt.input))
			}
		})
	}
}

// TestQPSoftBreakLocated checks that a token cut by a soft line break is
// located where its encoded form starts.
func TestQPSoftBreakLocated(t *testing.T) {
	in := qpEncode(filler(60) + tok1 + " " + filler(40))
	want := strings.Index(in, "hf_")
	if want < 0 {
		want = strings.Index(in, "h=\r\nf_")
	}
	got := New(Options{}).Detect([]byte(in))
	if len(got) != 1 || got[0].Start != want || !slices.Equal(got[0].Encodings, []string{"quoted-printable"}) {
		t.Fatalf("got %+v, want one quoted-printable match at %d in %q", got, want, in)
	}
}

func TestTransferNegatives(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 13))
	random := func(n int) []byte {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(r.Uint32())
		}
		return b
	}
	var words strings.Builder
	for i := 0; i < 400; i++ {
		words.WriteString([]string{"hf_hub_download ", "token ", "the ", "HF_TOKEN= ", "api_org ", "=3D ", "hf&lowbar;hub ", "&amp; ", "&#160;", "&nbsp;", "&#x27;", "<b>", "AutoModel "}[r.IntN(13)])
	}
	text := words.String()
	tests := []struct{ name, input string }{
		{"random base64", b64(random(4096))},
		{"random base64 wrapped 64", wrap(b64(random(4096)), 64, "\n")},
		{"random base64 wrapped 76 crlf", wrap(b64(random(4096)), 76, "\r\n")},
		{"random base64 wrapped 76 in a JSON string", `{"data": "` + wrap(b64(random(4096)), 76, `\n`) + `"}`},
		{"random pem", string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: random(2048)}))},
		{"html full of entities", "<html><body><p>" + text + htmlDec(text[:300]) + htmlHex(text[300:600]) + "</p></body></html>"},
		{"qp text", qpEncode(text + strings.Repeat("x=1 y=2 é ", 40))},
		{"base64 of gzip of random", b64(gzipOf(random(8192)))},
		{"base64 of gzip of text", "x: " + b64(gzipOf([]byte(text))) + "\n"},
		{"base64 of zstd of random", b64(zstdOf(random(8192)))},
		{"base64 of base64 of gzip of random", b64([]byte(b64(gzipOf(random(2048)))))},
		{"gzip magic then garbage", "H4sIAAAAAAAA" + b64(random(300))},
		{"truncated gzip", b64(gzipOf(random(4096)))[:1000]},
		{"sdram", "SDRAM controller, SDR mode, KLUDGE, H4sh S0x"},
		{"equals at line ends", "A=\nB=\r\nC=\n\n=" + strings.Repeat("xy=\n", 100)},
	}
	d := New(Options{})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := d.Detect([]byte(tt.input)); len(got) != 0 {
				t.Fatalf("unexpected matches %+v", got)
			}
		})
	}
}

// TestInflateBounded checks that a compression bomb inflates no further
// than the bound, and that the token inside it is still found when it
// comes early.
func TestInflateBounded(t *testing.T) {
	big := append([]byte("HF_TOKEN="+tok1+"\n"), make([]byte, 64<<20)...)
	gz := gzipOf(big)
	if n := len(inflate("gzip", gz)); n > inflateMax {
		t.Fatalf("inflated %d bytes, bound %d", n, inflateMax)
	}
	got := New(Options{}).Detect([]byte(b64(gz)))
	if len(got) != 1 || got[0].Secret != tok1 {
		t.Fatalf("got %+v", got)
	}
}

// checkIdx checks the offset map a decoder returns: one entry per decoded
// byte and one more, increasing, within src.
func checkIdx(t *testing.T, name string, src, out []byte, idx []int) {
	t.Helper()
	if len(idx) != len(out)+1 || idx[len(idx)-1] != len(src) {
		t.Fatalf("%s: %d offsets for %d bytes from %d", name, len(idx), len(out), len(src))
	}
	for i := 1; i < len(idx); i++ {
		if idx[i] <= idx[i-1] || idx[i] > len(src) {
			t.Fatalf("%s: offsets %v not increasing within %d", name, idx, len(src))
		}
	}
}

// FuzzTransferDecoders checks the entity, quoted-printable and Q decoders
// and the wrapped-base64 reader on arbitrary bytes: no panic, offset maps
// consistent, output no longer than the input.
func FuzzTransferDecoders(f *testing.F) {
	f.Add([]byte(htmlDec(tok1) + "&amp;&#x;&#99999999;&lowbar;&bogus;"))
	f.Add([]byte(qpEncode(filler(60)+tok1+" "+filler(40)) + "=\r=\n=  \r\n=4"))
	f.Add([]byte("=?utf-8?Q?a_b=5F?= " + wrap(b64([]byte(filler(200))), 64, "\r\n")))
	f.Add([]byte(string(pem.EncodeToMemory(&pem.Block{Type: "X", Headers: map[string]string{"A": "b"}, Bytes: []byte(filler(100))}))))
	f.Fuzz(func(t *testing.T, src []byte) {
		for _, dec := range []struct {
			name string
			f    decodeFunc
		}{{"entities", entityDecode}, {"qp", qpDecode}, {"q", qDecode}} {
			out, idx, _ := dec.f(src)
			if len(out) > len(src) {
				t.Fatalf("%s: %d bytes out of %d", dec.name, len(out), len(src))
			}
			checkIdx(t, dec.name, src, out, idx)
		}
		for s := 0; s < len(src); s++ {
			e := s
			for e < len(src) && b64val[src[e]] != 0xff {
				e++
			}
			w, pos := b64Wrapped(src, s, e, 4*1200)
			if len(w) != len(pos) || len(w) > len(src) {
				t.Fatalf("wrapped: %d characters, %d offsets", len(w), len(pos))
			}
			for i, p := range pos {
				if p < s || p >= len(src) || src[p] != w[i] || i > 0 && p <= pos[i-1] {
					t.Fatalf("wrapped: offset %d of %v wrong", i, pos)
				}
			}
			out, idx := b64Decode(w)
			checkIdx(t, "base64", w, out, idx)
			s = e
		}
	})
}

// FuzzInflate checks that inflating arbitrary bytes as gzip and zstd
// neither panics nor passes the bound.
func FuzzInflate(f *testing.F) {
	f.Add(gzipOf([]byte("HF_TOKEN=" + tok1 + "\n")))
	f.Add(zstdOf([]byte(filler(500))))
	f.Add(gzipOf(make([]byte, 1<<22)))
	f.Add([]byte{0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff})
	f.Add([]byte{0x28, 0xb5, 0x2f, 0xfd, 0, 0x58})
	d := New(Options{})
	f.Fuzz(func(t *testing.T, src []byte) {
		for _, codec := range []string{"gzip", "zstd"} {
			if n := len(inflate(codec, src)); n > inflateMax || n > inflateRatio*len(src) {
				t.Fatalf("%s: inflated %d bytes from %d", codec, n, len(src))
			}
		}
		// And as a base64 run the detector finds.
		for _, m := range d.Detect([]byte(b64(src))) {
			if m.Start < 0 || m.Start >= m.End {
				t.Fatalf("span %+v", m)
			}
		}
	})
}
