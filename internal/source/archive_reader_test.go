package source_test

import (
	"archive/zip"
	"bytes"
	"compress/gzip"
	"hash/crc32"
	"io"
	"slices"
	"strings"
	"testing"

	"github.com/hfwarden/hfwarden/internal/source"
	"github.com/hfwarden/hfwarden/internal/source/formats"
	"github.com/hfwarden/hfwarden/internal/source/sourcetest"
	"github.com/hfwarden/hfwarden/internal/testutil"
)

// memberInput is the Input of a member of name holding data, depth deep.
func memberInput(name string, data []byte, size int64, depth int) *source.Input {
	head := data[:min(len(data), source.SniffLen)]
	return &source.Input{
		Item:  source.Item{Prov: source.FileProvenance("file", name), Name: name, Size: size},
		Head:  head,
		R:     bytes.NewReader(data[len(head):]),
		Depth: depth, Budget: source.NewBudget(source.Limits{}),
	}
}

// storedZip writes files as stored (uncompressed) members.
func storedZip(t *testing.T, files ...string) []byte {
	t.Helper()
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	for i := 0; i < len(files); i += 2 {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: files[i], Method: zip.Store})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := io.WriteString(w, files[i+1]); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestZipReader: members go one level deeper; a zip holding an export is
// read by its FSReader, then every member's raw bytes without what it
// found; a damaged one is also scanned whole, without what its members
// gave.
func TestZipReader(t *testing.T) {
	toks := testutil.FakeTokens(t, 0x21b, 3)
	t.Run("members", func(t *testing.T) {
		h := sourcetest.New()
		data := storedZip(t, "a/b.txt", "x", "c.txt", "y")
		if err := source.ZipReader().Open(t.Context(), memberInput("z.zip", data, int64(len(data)), 2), h); err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, m := range h.Members {
			if m.Depth != 3 {
				t.Errorf("%s at depth %d, want 3", m.Item.Prov.Path, m.Depth)
			}
			got = append(got, m.Item.Prov.Path+"="+m.Data)
		}
		if want := []string{"z.zip!a/b.txt=x", "z.zip!c.txt=y"}; !slices.Equal(got, want) {
			t.Errorf("members %q, want %q", got, want)
		}
	})
	t.Run("slack export", func(t *testing.T) {
		h := sourcetest.New()
		h.Formats = formats.Default()
		data := storedZip(t,
			"users.json", `[{"id":"U1","name":"alice","note":"`+toks[1]+`"}]`,
			"general/2024-01-01.json", `[{"type":"message","user":"U1","text":"`+toks[0]+`","ts":"1704067200.000100"},{"type":"message","user":"U1","text":"again `+toks[0]+`","ts":"1704067201.000100"}]`)
		if err := source.ZipReader().Open(t.Context(), memberInput("s.zip", data, int64(len(data)), 0), h); err != nil {
			t.Fatal(err)
		}
		if len(h.Members) == 0 || !h.Members[0].Item.Text || h.Members[0].Item.Prov.Attrs["channel"] != "#general" {
			t.Fatalf("members: %+v", h.Members)
		}
		// The messages' token from each message, not again from the raw
		// pass, which finds the one in users.json that no message holds.
		if got, want := h.Secrets(), []string{toks[0], toks[0], toks[1]}; !slices.Equal(got, want) {
			t.Errorf("secrets %q, want %q", got, want)
		}
		for _, s := range h.Scanned {
			if !s.Bytes.Rescan {
				t.Errorf("%s: not a rescan", s.Bytes.Prov.Path)
			}
		}
	})
	t.Run("damaged", func(t *testing.T) {
		h := sourcetest.New()
		data := storedZip(t, "k.txt", "key "+toks[2]+" end")
		// The member's bytes no longer match its CRC-32.
		i := bytes.Index(data, []byte(" end"))
		data[i+1] = 'E'
		if crc32.ChecksumIEEE([]byte("key "+toks[2]+" End")) == crc32.ChecksumIEEE([]byte("key "+toks[2]+" end")) {
			t.Fatal("same checksum")
		}
		if err := source.ZipReader().Open(t.Context(), memberInput("d.zip", data, int64(len(data)), 0), h); err != nil {
			t.Error(err)
		}
		if len(h.Members) != 1 || h.Members[0].Err == nil {
			t.Errorf("members: %+v", h.Members)
		}
		if len(h.Warnings) != 1 || !strings.Contains(h.Warnings[0], "members do not match the zip's headers") {
			t.Errorf("warnings: %q", h.Warnings)
		}
		if len(h.Scanned) != 1 || !h.Scanned[0].Bytes.Rescan || h.Scanned[0].Data != string(data) {
			t.Errorf("scanned: %+v", h.Scanned)
		}
	})
}

// TestGzipReader: the stream inside keeps the gzip's place under its
// own name.
func TestGzipReader(t *testing.T) {
	for _, tc := range []struct{ name, inner string }{
		{"app.log.gz", "app.log"},
		{"x.tgz", "x.tar"},
		{"X.GZ", "X"},
		{"noext", "noext"},
	} {
		var b bytes.Buffer
		zw := gzip.NewWriter(&b)
		if _, err := zw.Write([]byte("inside")); err != nil {
			t.Fatal(err)
		}
		if err := zw.Close(); err != nil {
			t.Fatal(err)
		}
		h := sourcetest.New()
		if err := source.GzipReader().Open(t.Context(), memberInput(tc.name, b.Bytes(), -1, 0), h); err != nil {
			t.Fatal(err)
		}
		if len(h.Members) != 1 {
			t.Fatalf("%s: members %+v", tc.name, h.Members)
		}
		m := h.Members[0]
		if m.Item.Name != tc.inner || m.Item.Prov.Path != tc.name || m.Item.Size != -1 || m.Data != "inside" || m.Depth != 1 {
			t.Errorf("%s: member %+v", tc.name, m)
		}
	}
}

// TestSpool: an item is read at random in place, from memory, or from a
// temporary file when its size is unknown.
func TestSpool(t *testing.T) {
	data := bytes.Repeat([]byte("0123456789"), 2000)
	for _, tc := range []struct {
		name string
		in   *source.Input
	}{
		{"in place", &source.Input{Item: source.Item{Size: int64(len(data))}, RA: bytes.NewReader(data)}},
		{"in memory", memberInput("m", data, int64(len(data)), 0)},
		{"size unknown", memberInput("m", data, -1, 0)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ra, size, done, err := source.Spool(tc.in)
			if err != nil {
				t.Fatal(err)
			}
			defer done()
			got, err := io.ReadAll(io.NewSectionReader(ra, 0, size))
			if err != nil || !bytes.Equal(got, data) {
				t.Errorf("read %d bytes (%v), want %d", len(got), err, len(data))
			}
		})
	}
}

// TestPlainReader: text is located by line, binary by offset, and a file
// read in place may be searched at random.
func TestPlainReader(t *testing.T) {
	for _, tc := range []struct {
		name   string
		data   string
		binary bool
	}{
		{"text", "hello\n", false},
		{"binary", "\x7fELF\x00\x01", true},
		{"empty", "", false},
	} {
		h := sourcetest.New()
		in := memberInput("f", []byte(tc.data), int64(len(tc.data)), 0)
		in.RA = strings.NewReader(tc.data)
		if err := source.Plain().Open(t.Context(), in, h); err != nil {
			t.Fatal(err)
		}
		if len(h.Scanned) != 1 {
			t.Fatalf("%s: scanned %+v", tc.name, h.Scanned)
		}
		b := h.Scanned[0]
		if b.Data != tc.data || b.Bytes.Binary != tc.binary || b.Bytes.RA == nil || b.Bytes.Size != int64(len(tc.data)) || b.Bytes.Rescan {
			t.Errorf("%s: scanned %+v", tc.name, b)
		}
	}
}
