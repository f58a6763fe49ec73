package scan

import (
	"archive/zip"
	"bytes"
	"fmt"
	"path/filepath"
	"runtime"
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
	w, err := zw.Create("nb/analysis.ipynb")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write(nb); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}

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
			res, err := s.Scan(t.Context(), Files([]string{dir}))
			fs, st := res.Findings, res.Stats
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

// TestNotebookSplitPastBudget: a token wrapped across two lines of a
// cell's source or an output's text (two elements of the JSON array,
// which Jupyter joins) is found past the budget too, where the raw bytes
// are scanned, as well as within it; two unrelated strings of an array do
// not make a token.
func TestNotebookSplitPastBudget(t *testing.T) {
	tok := newTokenGen(4343).Tokens(t, 1)[0]
	filler := []string{"x = 1\n", "see hf_hub", "download\n", "print(hf_abcDefGhi", "JklMnoPqr)\n"}
	stream := func(text ...string) map[string]any {
		return map[string]any{"output_type": "stream", "name": "stdout", "text": text}
	}
	inSource := notebook(t, codeCell(filler), codeCell([]string{"login(\"" + tok[:10], tok[10:] + "\")\n"}))
	inOutput := notebook(t, codeCell(filler), codeCell([]string{"print(t)\n"}, stream("abc "+tok[:10], tok[10:]+"\n")))
	zipped := func(nb []byte) []byte {
		var zb bytes.Buffer
		zw := zip.NewWriter(&zb)
		w, err := zw.Create("nb/analysis.ipynb")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write(nb); err != nil {
			t.Fatal(err)
		}
		if err := zw.Close(); err != nil {
			t.Fatal(err)
		}
		return zb.Bytes()
	}
	for _, tc := range []struct {
		name   string
		file   string
		data   []byte
		budget int64
	}{
		{"source, within the budget", "a.ipynb", inSource, maxNotebookText},
		{"source, past the budget", "a.ipynb", inSource, 1 << 8},
		{"output, within the budget", "a.ipynb", inOutput, maxNotebookText},
		{"output, past the budget", "a.ipynb", inOutput, 1 << 8},
		{"source in a zip, past the budget", "nb.zip", zipped(inSource), 1 << 8},
		{"output in a zip, past the budget", "nb.zip", zipped(inOutput), 1 << 8},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			writeFile(t, filepath.Join(dir, tc.file), tc.data)
			s := New(Options{ShowSecrets: true})
			s.notebookText = tc.budget
			res, err := s.Scan(t.Context(), Files([]string{dir}))
			fs := res.Findings
			if err != nil {
				t.Fatal(err)
			}
			got := bySecret(fs, tok)
			if len(got) != 1 || len(fs) != 1 {
				t.Fatalf("want %s found once and nothing else; findings:%s", tok, describe(fs))
			}
			// Within the budget, the cell's lines are joined before
			// detection; past it, the finding names the two pieces.
			past := tc.budget < maxNotebookText
			if l := got[0].Location; got[0].Split != past || (l.Cell == nil) != past {
				t.Errorf("split %v, cell %s: want split %v, cell only within the budget", got[0].Split, ptr(l.Cell), past)
			}
		})
	}
}

// TestNotebookSplitPastBudgetMemory: past the budget, finding a token
// split across array elements still reads the notebook chunk by chunk: a
// scan allocates far less than the file (parsing it would hold it whole).
func TestNotebookSplitPastBudgetMemory(t *testing.T) {
	tok := newTokenGen(4444).Tokens(t, 1)[0]
	var cells []map[string]any
	for i := range 20000 {
		text := []string{fmt.Sprintf("epoch %d loss %x\n", i, i*7919), strings.Repeat("metric ", 60) + "\n"}
		if i == 19000 {
			text = []string{"abc " + tok[:10], tok[10:] + "\n"}
		}
		cells = append(cells, codeCell([]string{"train()\n"}, map[string]any{"output_type": "stream", "name": "stdout", "text": text}))
	}
	nb := notebook(t, cells...)
	if len(nb) < 8<<20 {
		t.Fatalf("fixture bug: notebook of %d bytes", len(nb))
	}
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "big.ipynb"), nb)
	s := New(Options{ShowSecrets: true})
	s.notebookText = 1 << 20
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	res, err := s.Scan(t.Context(), Files([]string{dir}))
	fs, st := res.Findings, res.Stats
	runtime.ReadMemStats(&after)
	if err != nil {
		t.Fatal(err)
	}
	if got := bySecret(fs, tok); len(got) != 1 || len(st.Warnings) != 1 {
		t.Fatalf("warnings %q, findings:%s", st.Warnings, describe(fs))
	}
	alloc := after.TotalAlloc - before.TotalAlloc
	t.Logf("allocated %d bytes for a notebook of %d", alloc, len(nb))
	if alloc > uint64(len(nb))/2 {
		t.Errorf("scan allocated %d bytes, more than half the notebook", alloc)
	}
}
