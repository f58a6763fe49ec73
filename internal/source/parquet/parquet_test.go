package parquet

import (
	"bytes"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	parquetgo "github.com/parquet-go/parquet-go"

	"github.com/hfwarden/hfwarden/internal/source"
	"github.com/hfwarden/hfwarden/internal/source/sourcetest"
	"github.com/hfwarden/hfwarden/internal/testutil"
)

// row is a dataset row with a column of each kind the reader must read:
// dictionary-encoded and plain pages, snappy, zstd and gzip, a list and a
// nested group.
type row struct {
	ID     int64    `parquet:"id"`
	Text   string   `parquet:"text,snappy,dict"`
	Prompt string   `parquet:"prompt,zstd,plain"`
	Answer string   `parquet:"answer,gzip"`
	Tags   []string `parquet:"tags,list,zstd"`
	Meta   struct {
		Source string `parquet:"source,snappy"`
	} `parquet:"meta"`
}

// writeRows writes rows as the library does, perGroup rows a row group.
func writeRows(t testing.TB, rows []row, perGroup int64) []byte {
	t.Helper()
	var b bytes.Buffer
	w := parquetgo.NewGenericWriter[row](&b, parquetgo.MaxRowsPerRowGroup(perGroup), parquetgo.PageBufferSize(512))
	for start := 0; start < len(rows); start += int(perGroup) {
		end := min(start+int(perGroup), len(rows))
		if _, err := w.Write(rows[start:end]); err != nil {
			t.Fatal(err)
		}
		if err := w.Flush(); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// dataset makes n rows of ordinary text, tokens planted by plant.
func dataset(n int, plant func(i int, r *row)) []row {
	rows := make([]row, n)
	for i := range rows {
		rows[i].ID = int64(i)
		rows[i].Text = []string{"hello", "world", "a cat sat on the mat"}[i%3]
		rows[i].Prompt = strings.Repeat("explain gradient descent ", 1+i%4)
		rows[i].Answer = "it follows the slope down"
		rows[i].Tags = []string{"ml", "faq"}
		rows[i].Meta.Source = "forum"
		if plant != nil {
			plant(i, &rows[i])
		}
	}
	return rows
}

// read opens data as the registry would, in place or as a member.
func read(t *testing.T, data []byte, inPlace bool) *sourcetest.Host {
	t.Helper()
	h := sourcetest.New()
	in := &source.Input{
		Item:   source.Item{Prov: source.FileProvenance("file", "data.parquet"), Name: "data.parquet", Size: int64(len(data))},
		Head:   data[:min(len(data), source.SniffLen)],
		R:      bytes.NewReader(data[min(len(data), source.SniffLen):]),
		Budget: source.NewBudget(source.Limits{}),
	}
	if inPlace {
		in.RA = bytes.NewReader(data)
	}
	if !Reader().Sniff(in.Item.Name, in.Head) {
		t.Fatal("not sniffed")
	}
	if err := Reader().Open(t.Context(), in, h); err != nil {
		t.Fatal(err)
	}
	return h
}

// found returns, for each secret reported, where: the path of the item.
func found(h *sourcetest.Host) map[string][]string {
	out := map[string][]string{}
	for _, r := range h.Reports {
		for _, s := range r.Secrets {
			out[s] = append(out[s], r.Chunk.Prov.Path)
		}
	}
	return out
}

func TestRead(t *testing.T) {
	tok := testutil.FakeTokens(t, 13, 6)
	rows := dataset(40, func(i int, r *row) {
		switch i {
		case 3:
			r.Text = "my key is " + tok[0] // dictionary page, snappy
		case 17:
			r.Prompt = "use " + tok[1] + " to log in" // plain page, zstd
		case 25:
			r.Answer = tok[2] // gzip, third row group
		case 31:
			r.Tags = []string{"x", "token=" + tok[3]} // a list's second item
		case 39:
			r.Meta.Source = tok[4] // a nested column, last row
		}
	})
	data := writeRows(t, rows, 10)
	want := map[string]string{
		tok[0]: "data.parquet!text/row 3",
		tok[1]: "data.parquet!prompt/row 17",
		tok[2]: "data.parquet!answer/row 25",
		tok[3]: "data.parquet!tags.list.element/row 31",
		tok[4]: "data.parquet!meta.source/row 39",
	}
	groups := map[string]string{tok[0]: "0", tok[1]: "1", tok[2]: "2", tok[3]: "3", tok[4]: "3"}
	for _, inPlace := range []bool{true, false} {
		h := read(t, data, inPlace)
		got := found(h)
		for s, p := range want {
			if !slices.Equal(got[s], []string{p}) {
				t.Errorf("in place %v: %s found at %q, want once at %q", inPlace, s[:5], got[s], p)
			}
		}
		if len(got) != len(want) {
			t.Errorf("in place %v: %d secrets, want %d", inPlace, len(got), len(want))
		}
		for _, m := range h.Members {
			if !m.Item.Text || m.Depth != 1 {
				t.Errorf("member %+v", m.Item)
			}
			for s, p := range want {
				if m.Item.Prov.Path == p && m.Item.Prov.Attrs["row_group"] != groups[s] {
					t.Errorf("%s: row group %q, want %s", p, m.Item.Prov.Attrs["row_group"], groups[s])
				}
			}
		}
		if len(h.Failures) != 0 || len(h.Warnings) != 0 {
			t.Errorf("failures %q warnings %q", h.Failures, h.Warnings)
		}
		// The file's bytes are scanned too, as a rescan.
		if n := len(h.Scanned); n != 1 || !h.Scanned[0].Bytes.Rescan || !h.Scanned[0].Bytes.Binary {
			t.Errorf("scanned %d times: %+v", n, h.Scanned)
		}
		if h.Counted == 0 {
			t.Error("no bytes counted")
		}
	}
}

// TestNegatives: a dataset without tokens and random bytes that start
// (and end) with the magic report nothing.
func TestNegatives(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	random := make([]byte, 64<<10)
	for i := range random {
		random[i] = byte(r.Uint32())
	}
	magicBoth := append(append([]byte(magic), random...), magic...)
	for _, tc := range []struct {
		name     string
		data     []byte
		failures int
	}{
		{"clean dataset", writeRows(t, dataset(100, nil), 30), 0},
		{"random after PAR1", append([]byte(magic), random...), 1},
		{"random between PAR1s", magicBoth, 1},
	} {
		for _, inPlace := range []bool{true, false} {
			h := read(t, tc.data, inPlace)
			if s := h.Secrets(); len(s) != 0 {
				t.Errorf("%s: found %d secrets", tc.name, len(s))
			}
			if len(h.Failures) != tc.failures {
				t.Errorf("%s: failures %q", tc.name, h.Failures)
			}
		}
	}
}

// TestTruncated: a file cut short gives one error line and its bytes are
// still scanned; a token in an uncompressed page is found in them.
func TestTruncated(t *testing.T) {
	tok := testutil.FakeTokens(t, 14, 1)[0]
	rows := dataset(30, func(i int, r *row) {
		if i == 5 {
			r.Prompt = tok // plain, but zstd: not visible raw
			r.Meta.Source = "src " + tok
		}
	})
	full := writeRows(t, rows, 10)
	// Cut inside the footer, and cut with the end magic kept (the footer
	// length then points nowhere).
	cuts := map[string][]byte{
		"footer cut":  full[:len(full)-20],
		"middle gone": append(append([]byte(nil), full[:len(full)/2]...), full[len(full)-8:]...),
	}
	for name, data := range cuts {
		for _, inPlace := range []bool{true, false} {
			h := read(t, data, inPlace)
			if len(h.Failures) != 1 {
				t.Errorf("%s: failures %q, want one", name, h.Failures)
			}
			if len(h.Scanned) != 1 || len(h.Scanned[0].Data) != len(data) {
				t.Errorf("%s: raw bytes not scanned", name)
			}
			// meta.source is snappy-compressed: whether the token shows
			// in the raw bytes is up to snappy; nothing else may.
			for _, s := range h.Secrets() {
				if s != tok {
					t.Errorf("%s: found %q", name, s[:5])
				}
			}
		}
	}
}

// TestBudget: values that match nothing are counted, not handed on.
func TestCountsWithoutItems(t *testing.T) {
	h := read(t, writeRows(t, dataset(50, nil), 50), true)
	if len(h.Members) != 0 {
		t.Errorf("%d members for a clean dataset", len(h.Members))
	}
	if h.Counted < 50*10 {
		t.Errorf("counted %d bytes", h.Counted)
	}
}

// FuzzRead: no input panics or runs away.
func FuzzRead(f *testing.F) {
	tb := &testing.T{}
	f.Add(writeRows(tb, dataset(20, func(i int, r *row) { r.Text = "hf_" + strings.Repeat("a", i) }), 7))
	f.Add(writeRows(tb, dataset(3, nil), 1))
	f.Add([]byte(magic + magic))
	f.Add([]byte(magic + "\x00\x00\x00\x00" + magic))
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 1<<20 || len(data) < 4 {
			return
		}
		h := sourcetest.New()
		in := &source.Input{
			Item: source.Item{Prov: source.FileProvenance("file", "f.parquet"), Name: "f.parquet", Size: int64(len(data))},
			Head: data, R: bytes.NewReader(nil), RA: bytes.NewReader(data), Budget: source.NewBudget(source.Limits{}),
		}
		_ = Reader().Open(t.Context(), in, h)
	})
}

// TestFooterMetadata: a token in the footer's key-value metadata (where
// the datasets library keeps its JSON) is found in the raw bytes.
func TestFooterMetadata(t *testing.T) {
	tok := testutil.FakeTokens(t, 15, 1)[0]
	var b bytes.Buffer
	w := parquetgo.NewGenericWriter[row](&b, parquetgo.KeyValueMetadata("huggingface", `{"info":{"token":"`+tok+`"}}`))
	if _, err := w.Write(dataset(3, nil)); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	h := read(t, b.Bytes(), true)
	if got := found(h); !slices.Equal(got[tok], []string{"data.parquet"}) || len(got) != 1 {
		t.Errorf("found %q", got)
	}
}
