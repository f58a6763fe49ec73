package scan

import (
	"archive/zip"
	"bytes"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
)

// TestNotebookPastBudget: a notebook whose text is past the budget parsed
// cell by cell is scanned as raw bytes instead: its tokens are still
// found, located by file line, with a note; one within the budget is
// located by cell. The same holds for a notebook inside a zip.
func TestNotebookPastBudget(t *testing.T) {
	tok := newTokenGen(4242).Tokens(t, 1)[0]
	var lines []string
	for i := range 400 {
		lines = append(lines, fmt.Sprintf("step %d loss %x\n", i, i*7919))
	}
	lines[200] = "login(" + tok + ")\n"
	nb := notebook(t, codeCell([]string{"x = 1\n"}), codeCell(lines))
	// The token's line in the file: the JSON encoder puts each source
	// line on a line of its own.
	wantLine, _ := pos(t, string(nb), tok)

	var zb bytes.Buffer
	zw := zip.NewWriter(&zb)
	w, _ := zw.Create("nb/analysis.ipynb")
	w.Write(nb)
	zw.Close()

	for _, tc := range []struct {
		name   string
		file   string
		data   []byte
		budget int64
		// cell is the cell the finding names, or -1 for a line of the file.
		cell int
	}{
		{"within the budget", "analysis.ipynb", nb, maxNotebookText, 1},
		{"past the budget", "analysis.ipynb", nb, 1 << 10, -1},
		{"in a zip, within the budget", "nb.zip", zb.Bytes(), maxNotebookText, 1},
		{"in a zip, past the budget", "nb.zip", zb.Bytes(), 1 << 10, -1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			writeFile(t, filepath.Join(dir, tc.file), tc.data)
			s := New(Options{ShowSecrets: true})
			s.notebookText = tc.budget
			fs, st, err := s.Run(t.Context(), []string{dir})
			if err != nil {
				t.Fatal(err)
			}
			got := bySecret(fs, tok)
			if len(got) != 1 {
				t.Fatalf("findings:%s", describe(fs))
			}
			l := got[0].Location
			if tc.cell >= 0 {
				if l.Cell == nil || *l.Cell != tc.cell || len(st.Warnings) != 0 {
					t.Errorf("cell %s, warnings %q: want cell %d and no note", ptr(l.Cell), st.Warnings, tc.cell)
				}
				return
			}
			if l.Cell != nil || l.Line != wantLine || len(st.Warnings) != 1 || !strings.Contains(st.Warnings[0], "scanned as raw bytes") {
				t.Errorf("cell %s line %d, warnings %q: want file line %d and a note", ptr(l.Cell), l.Line, st.Warnings, wantLine)
			}
		})
	}
}
