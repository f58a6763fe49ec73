package scan

import (
	"bytes"
	"path/filepath"
	"testing"

	parquetgo "github.com/parquet-go/parquet-go"
)

// hubRow is a row of a Hugging Face dataset as the datasets library
// writes it: strings, a list of them.
type hubRow struct {
	Text     string   `parquet:"text,snappy,dict"`
	Messages []string `parquet:"messages,list,zstd"`
}

func parquetOf(t testing.TB, rows []hubRow, perGroup int64) []byte {
	t.Helper()
	var b bytes.Buffer
	w := parquetgo.NewGenericWriter[hubRow](&b, parquetgo.MaxRowsPerRowGroup(perGroup))
	for start := 0; start < len(rows); start += int(perGroup) {
		if _, err := w.Write(rows[start:min(start+int(perGroup), len(rows))]); err != nil {
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

// TestParquet: a token in a dataset's compressed pages is found once, at
// its column and row, in place and inside an archive; the file's raw
// bytes add no second finding.
func TestParquet(t *testing.T) {
	tok := newTokenGen(131).Tokens(t, 2)
	rows := make([]hubRow, 50)
	for i := range rows {
		rows[i] = hubRow{Text: "a question", Messages: []string{"hi", "hello"}}
	}
	rows[12].Text = "HF_TOKEN=" + tok[0]
	rows[44].Messages = []string{"hi", "try " + tok[1]}
	data := parquetOf(t, rows, 20)
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "train.parquet"), data)
	writeFile(t, filepath.Join(dir, "ds.tar.gz"), gzipOf(t, tarOf(t, entry{"data/train-00000-of-00001.parquet", data})))
	fs, st := run(t, Options{ShowSecrets: true}, dir)
	want := map[string][]string{
		tok[0]: {filepath.Join(dir, "ds.tar.gz") + "!data/train-00000-of-00001.parquet!text/row 12", filepath.Join(dir, "train.parquet") + "!text/row 12"},
		tok[1]: {filepath.Join(dir, "ds.tar.gz") + "!data/train-00000-of-00001.parquet!messages.list.element/row 44", filepath.Join(dir, "train.parquet") + "!messages.list.element/row 44"},
	}
	for s, paths := range want {
		got := bySecret(fs, s)
		if len(got) != len(paths) {
			t.Fatalf("%d findings, want %d:%s", len(got), len(paths), describe(fs))
		}
		for i, f := range got {
			if f.Location.Path != paths[i] || f.Location.Attrs["row_group"] != map[string]string{tok[0]: "0", tok[1]: "2"}[s] {
				t.Errorf("finding %d at %s %v, want %s", i, f.Location.Path, f.Location.Attrs, paths[i])
			}
		}
	}
	if len(fs) != 4 || st.Errors != 0 {
		t.Errorf("%d findings, %d errors %q:%s", len(fs), st.Errors, st.ErrorList, describe(fs))
	}
}
