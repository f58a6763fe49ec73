package source_test

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/hfwarden/hfwarden/internal/source"
	"github.com/hfwarden/hfwarden/internal/source/sourcetest"
	"github.com/hfwarden/hfwarden/internal/testutil"
)

// notebookOf is a notebook of one code cell holding src.
func notebookOf(t *testing.T, src ...string) []byte {
	t.Helper()
	b, err := json.MarshalIndent(map[string]any{
		"cells":    []any{map[string]any{"cell_type": "code", "source": src, "metadata": map[string]any{}, "outputs": []any{}}},
		"metadata": map[string]any{}, "nbformat": 4, "nbformat_minor": 5,
	}, "", " ")
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestNotebookReader: a notebook's findings are located by cell, on disk
// (streamed, then parsed) and in memory alike; past the text budget, or
// when it is no notebook, by the raw bytes; a member past the size
// budget is left to the plain reader; a token split across source lines
// is joined.
func TestNotebookReader(t *testing.T) {
	tok := testutil.FakeTokens(t, 0x1b, 1)[0]
	nb := notebookOf(t, "x = 1\n", "login('"+tok+"')\n")
	split := notebookOf(t, "t = '"+tok[:12]+"'\n", "'"+tok[12:]+"'\n")
	for _, tc := range []struct {
		name   string
		data   []byte
		onDisk bool
		budget int64
		// cell is the cell the one finding is located by, -1 for raw bytes.
		cell int
		warn string
	}{
		{name: "in memory", data: nb, cell: 0},
		{name: "on disk", data: nb, onDisk: true, cell: 0},
		{name: "in memory, past the text budget", data: nb, budget: 10, cell: -1, warn: "scanned as raw bytes, findings located by line"},
		{name: "on disk, past the text budget", data: nb, onDisk: true, budget: 10, cell: -1, warn: "scanned as raw bytes, findings located by line"},
		{name: "on disk, not a notebook", data: []byte("{not json " + tok + "\n"), onDisk: true, cell: -1, warn: "scanned as raw JSON"},
		{name: "in memory, not a notebook", data: []byte("{not json " + tok + "\n"), cell: -1},
		{name: "split across lines", data: split, cell: 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := sourcetest.New()
			h.Limit.NotebookText = tc.budget
			in := memberInput("a.ipynb", tc.data, int64(len(tc.data)), 0)
			if tc.onDisk {
				p := filepath.Join(t.TempDir(), "a.ipynb")
				if err := os.WriteFile(p, tc.data, 0o644); err != nil {
					t.Fatal(err)
				}
				f, err := os.Open(p)
				if err != nil {
					t.Fatal(err)
				}
				defer func() { _ = f.Close() }() // opened read-only: closing it loses nothing
				if _, err := f.Seek(int64(len(in.Head)), 0); err != nil {
					t.Fatal(err)
				}
				in.Item.Prov = source.FileProvenance("file", p)
				in.R, in.RA, in.Path = f, f, p
			}
			if err := source.NotebookReader().Open(t.Context(), in, h); err != nil {
				t.Fatal(err)
			}
			if got := h.Secrets(); !slices.Equal(got, []string{tok}) {
				t.Fatalf("secrets %q, want the token once", got)
			}
			if got := h.Reports[0].Chunk.Prov.Cell; got != tc.cell {
				t.Errorf("located by cell %d, want %d", got, tc.cell)
			}
			if tc.warn != "" && (len(h.Warnings) != 1 || !strings.Contains(h.Warnings[0], tc.warn)) {
				t.Errorf("warnings %q, want one with %q", h.Warnings, tc.warn)
			}
			if h.Counted != int64(len(tc.data)) {
				t.Errorf("counted %d bytes, want %d", h.Counted, len(tc.data))
			}
		})
	}
	t.Run("member past the size budget", func(t *testing.T) {
		h := sourcetest.New()
		err := source.NotebookReader().Open(t.Context(), memberInput("a.ipynb", nb, 200<<20, 1), h)
		if !errors.Is(err, source.ErrSkip) || len(h.Scanned)+len(h.Reports) != 0 {
			t.Errorf("err %v, scanned %d, reported %d: want it declined untouched", err, len(h.Scanned), len(h.Reports))
		}
	})
	t.Run("nothing found", func(t *testing.T) {
		h := sourcetest.New()
		clean := notebookOf(t, "x = 1\n")
		source.NotebookReader().(source.BytesReader).ReadBytes(t.Context(), clean, source.FileProvenance("git", "r"), h)
		if len(h.Reports)+len(h.Warnings) != 0 {
			t.Errorf("reports %d, warnings %q", len(h.Reports), h.Warnings)
		}
	})
}
