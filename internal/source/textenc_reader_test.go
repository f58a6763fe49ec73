package source_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/hfwarden/hfwarden/internal/secret"
	"github.com/hfwarden/hfwarden/internal/source"
	"github.com/hfwarden/hfwarden/internal/source/sourcetest"
	"github.com/hfwarden/hfwarden/internal/testutil"
)

// utf16LE encodes s as UTF-16LE after a byte order mark, as
// PowerShell's Start-Transcript writes it.
func utf16LE(s string) []byte {
	out := []byte{0xff, 0xfe}
	for _, u := range utf16.Encode([]rune(s)) {
		out = append(out, byte(u), byte(u>>8))
	}
	return out
}

// TestTextReader: a UTF-16 member is handed on decoded, in its own place
// and at its own depth, its provenance naming the encoding.
func TestTextReader(t *testing.T) {
	tok := testutil.FakeTokens(t, 131, 1)[0]
	text := "Windows Registry Editor Version 5.00\r\n\r\n[HKEY_CURRENT_USER\\Environment]\r\n\"HF_TOKEN\"=\"" + tok + "\"\r\n"
	h := sourcetest.New()
	in := memberInput("a.zip!env.reg", utf16LE(text), -1, 2)
	if err := source.TextReader().Open(t.Context(), in, h); err != nil {
		t.Fatal(err)
	}
	if len(h.Members) != 1 {
		t.Fatalf("members: %+v", h.Members)
	}
	m := h.Members[0]
	if m.Data != text || m.Depth != 2 || m.Item.Prov.Encoding != "utf-16le" || m.Item.Prov.Path != "a.zip!env.reg" || m.Item.Name != "a.zip!env.reg" || m.Err != nil {
		t.Errorf("member: %+v", m)
	}
	// Its bytes as they are, after it: what a scan found there before.
	if len(h.Scanned) != 1 || !h.Scanned[0].Bytes.Rescan || h.Scanned[0].Bytes.Prov.Encoding != "" || !h.Scanned[0].Bytes.Binary ||
		h.Scanned[0].Data != string(utf16LE(text)) {
		t.Errorf("scanned: %+v", h.Scanned)
	}
	if len(h.Warnings)+len(h.Failures) != 0 {
		t.Errorf("warnings %q, failures %q", h.Warnings, h.Failures)
	}

	// Decoded once: its text is not read as wide text again.
	again := memberInput("x", utf16LE(text), -1, 0)
	again.Item.Prov.Encoding = "utf-16le"
	if err := source.TextReader().Open(t.Context(), again, sourcetest.New()); !errors.Is(err, source.ErrSkip) {
		t.Errorf("decoded text: %v, want ErrSkip", err)
	}
}

// TestTextReaderBlob: a git blob in UTF-16 is scanned decoded, then as it
// is without what the text gave, its bytes not counted again.
func TestTextReaderBlob(t *testing.T) {
	tok := testutil.FakeTokens(t, 132, 1)[0]
	br, ok := source.TextReader().(source.BytesReader)
	if !ok {
		t.Fatal("the text reader reads no blobs")
	}
	h := sourcetest.New()
	br.ReadBytes(t.Context(), utf16LE("PS> $env:HF_TOKEN = '"+tok+"'\r\n"), source.FileProvenance("git", "t.txt"), h)
	if len(h.Scanned) != 2 || !h.Scanned[0].Bytes.Rescan || h.Scanned[0].Bytes.Prov.Encoding != "utf-16le" || h.Scanned[0].Bytes.Binary {
		t.Fatalf("scanned: %+v", h.Scanned)
	}
	if raw := h.Scanned[1].Bytes; !raw.Rescan || raw.Prov.Encoding != "" || !raw.Except[secret.Fingerprint(tok)] {
		t.Errorf("raw pass: %+v", raw)
	}
	if got := h.Secrets(); !slices.Equal(got, []string{tok}) {
		t.Errorf("secrets %q", got)
	}
}

// TestTextReaderNotAllText: an item that starts as UTF-16 text and goes on
// as binary is also scanned as it is, where it can be read again: a token
// in its binary part is found as before.
func TestTextReaderNotAllText(t *testing.T) {
	toks := testutil.FakeTokens(t, 133, 2)
	// Text past the sniffed head, then binary bytes.
	text := utf16LE(strings.Repeat("header of a binary format\n", 200) + toks[0] + "\n")
	binary := append(bytes.Repeat([]byte{0, 1, 2, 0xff, 0x80}, 2000), []byte("\x00key="+toks[1]+"\x00\x01")...)
	data := append(text, binary...)
	p := filepath.Join(t.TempDir(), "blob.bin")
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	head := data[:min(len(data), source.SniffLen)]
	if _, err := f.Seek(int64(len(head)), 0); err != nil {
		t.Fatal(err)
	}
	in := &source.Input{Item: source.Item{Prov: source.FileProvenance("file", p), Name: "blob.bin", Size: int64(len(data))},
		Head: head, R: f, RA: f, Path: p, Budget: source.NewBudget(source.Limits{})}
	h := sourcetest.New()
	if !source.TextReader().Sniff("blob.bin", head) {
		t.Fatal("fixture: not sniffed as UTF-16")
	}
	if err := source.TextReader().Open(t.Context(), in, h); err != nil {
		t.Fatal(err)
	}
	if len(h.Scanned) != 1 || !h.Scanned[0].Bytes.Rescan || h.Scanned[0].Bytes.Prov.Encoding != "" || !h.Scanned[0].Bytes.Binary {
		t.Fatalf("scanned: %+v", h.Scanned)
	}
	if len(h.Warnings) != 1 {
		t.Errorf("warnings: %q", h.Warnings)
	}
	// sourcetest's Visit records the decoded member without scanning
	// it; the raw pass gives the token of the binary part (the engine's
	// test finds both, each once).
	if got := h.Secrets(); !slices.Equal(got, []string{toks[1]}) {
		t.Errorf("secrets %q", got)
	}
}

// FuzzTextReader: any item the text reader sniffs is read without a
// panic: the text handed on is valid UTF-8 no longer than its units
// allow, and the bytes as they are are scanned after it, whole.
func FuzzTextReader(f *testing.F) {
	f.Add(utf16LE("Windows Registry Editor Version 5.00\r\n\"HF_TOKEN\"=\"hf_x\"\r\n"), true)
	f.Add([]byte("a\x00b\x00c\x00d\x00e\x00f\x00g\x00h\x00i\x00j\x00k\x00l\x00m\x00n\x00o\x00p\x00q"), false)
	f.Add([]byte("\xfe\xff\x00h\x00f\xd8"), true)
	h := sourcetest.New() // its detectors take long to build: one for all
	f.Fuzz(func(t *testing.T, data []byte, member bool) {
		h.Members, h.Scanned, h.Reports, h.Warnings = nil, nil, nil, nil
		rd := source.TextReader()
		head := data[:min(len(data), source.SniffLen)]
		if !rd.Sniff("x", head) {
			return
		}
		in := memberInput("x", data, int64(len(data)), 1)
		if !member {
			in.RA = bytes.NewReader(data)
		}
		if err := rd.Open(t.Context(), in, h); err != nil {
			t.Fatal(err)
		}
		if len(h.Members) != 1 || !utf8.ValidString(h.Members[0].Data) || len(h.Members[0].Data) > len(data)*3/2+3 {
			t.Fatalf("members: %+v", h.Members)
		}
		if len(h.Scanned) != 1 || h.Scanned[0].Data != string(data) {
			t.Fatalf("scanned: %+v", h.Scanned)
		}
	})
}
