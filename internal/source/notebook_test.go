package source

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
)

// Fake tokens planted in the fixtures in testdata/notebooks.
const (
	tokSrc      = "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"
	tokStream   = "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"
	tokHTML     = "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"
	tokTB       = "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"
	tokEvalue   = "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"
	tokImage    = "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" // only inside images/PDF: never emitted
	tokAttach   = "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" // only inside attachments: never emitted
	tokMeta     = "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"
	tokCellMeta = "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"
	tokV3Src    = "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"
	tokV3Out    = "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"
	tokV3Err    = "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"
	tokJSON     = "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"
	tokLatex    = "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"
)

// nbKey identifies an emitted chunk.
type nbKey struct {
	Cell, Output int
	Field        string
}

func (k nbKey) String() string { return fmt.Sprintf("{%d %d %s}", k.Cell, k.Output, k.Field) }

type nbChunk struct {
	key  nbKey
	data string
	c    Chunk
}

// collectNotebook runs Notebook and returns copies of the emitted chunks.
func collectNotebook(t testing.TB, path string, data []byte) ([]nbChunk, error) {
	t.Helper()
	var got []nbChunk
	err := Notebook(path, data, func(c Chunk) error {
		got = append(got, nbChunk{
			key:  nbKey{c.Prov.Cell, c.Prov.Output, c.Prov.Field},
			data: string(c.Data),
			c:    c,
		})
		return nil
	})
	return got, err
}

// wantChain is the provenance chain a chunk with key k must carry.
func wantChain(path string, k nbKey, worksheet int) []string {
	switch {
	case k.Cell < 0 && worksheet >= 0:
		return []string{path, "worksheet " + strconv.Itoa(worksheet), "metadata"}
	case k.Cell < 0:
		return []string{path, "metadata"}
	case k.Output < 0:
		return []string{path, "cell " + strconv.Itoa(k.Cell), k.Field}
	default:
		return []string{path, "cell " + strconv.Itoa(k.Cell), "output " + strconv.Itoa(k.Output), k.Field}
	}
}

// checkChunk checks the provenance fields every notebook chunk must have.
func checkChunk(t *testing.T, path string, c nbChunk) {
	t.Helper()
	p := c.c.Prov
	if p.Kind != "notebook" || p.Path != path || c.c.Line != 1 || c.c.Offset != 0 || c.c.Skip != 0 || c.c.Binary {
		t.Errorf("chunk %v: bad chunk header %+v", c.key, c.c)
	}
	if want := wantChain(path, c.key, -1); !reflect.DeepEqual(p.Chain, want) {
		t.Errorf("chunk %v: Chain = %q, want %q", c.key, p.Chain, want)
	}
	if c.data == "" {
		t.Errorf("chunk %v: empty data", c.key)
	}
}

func TestNotebookFixtures(t *testing.T) {
	tests := []struct {
		file string
		// want lists every emitted chunk, in order.
		want []nbKey
		// contains maps a chunk to text it must contain (decoded from JSON).
		contains map[nbKey]string
	}{
		{
			file: "v4.ipynb",
			want: []nbKey{
				{-1, -1, "metadata"},
				{0, -1, "source"},
				{1, -1, "source"},
				{1, 0, "stream"},
				{1, 1, "text/html"},
				{1, 1, "text/plain"},
				{1, 2, "text/plain"},
				{1, -1, "metadata"},
				{2, -1, "source"},
				{2, 0, "evalue"},
				{2, 0, "traceback"},
				{3, 0, "application/json"},
				{3, 0, "application/vnd.jupyter.widget-view+json"},
				{3, 0, "text/latex"},
				{3, 0, "text/plain"},
			},
			contains: map[nbKey]string{
				{-1, -1, "metadata"}:       `"value": "` + tokMeta + `"`,
				{0, -1, "source"}:          "# Loading the model\n![leak](attachment:leak.png)",
				{1, -1, "source"}:          "from huggingface_hub import login\ntoken = \"" + tokSrc + "\"\nlogin(token=token)",
				{1, 0, "stream"}:           "logging in\ntoken: " + tokStream + "\n",
				{1, 1, "text/html"}:        `<div class="tok">` + tokHTML + `</div>`,
				{1, 1, "text/plain"}:       "'ok'",
				{1, 2, "text/plain"}:       "<Figure size 640x480 with 1 Axes>",
				{1, -1, "metadata"}:        "HF_TOKEN=" + tokCellMeta,
				{2, -1, "source"}:          "from huggingface_hub import whoami\nwhoami()",
				{2, 0, "evalue"}:           "401 Client Error: invalid token " + tokEvalue,
				{2, 0, "traceback"}:        "Traceback (most recent call last)\nCell \x1b[0;32mIn[2], line 1\x1b[0m\n\x1b[0;32m----> 1\x1b[0m whoami(token=\"" + tokTB + "\")",
				{3, 0, "application/json"}: `"token": "` + tokJSON + `"`,
				{3, 0, "text/latex"}:       "$x$\n\\texttt{" + tokLatex + "}",
				{3, 0, "application/vnd.jupyter.widget-view+json"}: `"model_id": "5f0c"`,
			},
		},
		{
			file: "v3.ipynb",
			want: []nbKey{
				{-1, -1, "metadata"},
				{0, -1, "source"},
				{1, -1, "source"},
				{1, 0, "stream"},
				{1, 1, "text/html"},
				{1, 1, "text/plain"},
				{1, 2, "application/json"},
				{2, -1, "source"},
				{2, 0, "evalue"},
				{2, 0, "traceback"},
				{2, -1, "metadata"},
			},
			contains: map[nbKey]string{
				{-1, -1, "metadata"}:       `"name": "legacy"`,
				{0, -1, "source"}:          "Legacy notebook",
				{1, -1, "source"}:          "import os\nos.environ[\"HF_TOKEN\"] = \"" + tokV3Src + "\"",
				{1, 0, "stream"}:           "set\n",
				{1, 1, "text/html"}:        "<b>" + tokHTML + "</b>",
				{1, 1, "text/plain"}:       "'" + tokV3Out + "'",
				{1, 2, "application/json"}: `{"token": "` + tokJSON + `"}`,
				{2, -1, "source"}:          "raise ValueError()",
				{2, 0, "evalue"}:           "bad",
				{2, 0, "traceback"}:        "Traceback\nValueError: " + tokV3Err,
				{2, -1, "metadata"}:        `"trusted": true`,
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			path := filepath.Join("testdata", "notebooks", tt.file)
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Contains(data, []byte(`\"`)) {
				t.Fatalf("fixture %s should hold JSON-escaped quotes as on disk", path)
			}
			got, err := collectNotebook(t, path, data)
			if err != nil {
				t.Fatalf("Notebook: %v", err)
			}
			var keys []nbKey
			for _, c := range got {
				keys = append(keys, c.key)
				checkChunk(t, path, c)
				for _, bad := range []string{tokImage, tokAttach} {
					if strings.Contains(c.data, bad) {
						t.Errorf("chunk %v: contains %s from an image or attachment: %q", c.key, bad, c.data)
					}
				}
				if sub, ok := tt.contains[c.key]; ok && !strings.Contains(c.data, sub) {
					t.Errorf("chunk %v = %q, want it to contain %q", c.key, c.data, sub)
				}
			}
			if !reflect.DeepEqual(keys, tt.want) {
				t.Errorf("chunks =\n%v\nwant\n%v", keys, tt.want)
			}
		})
	}
}

func TestNotebookInline(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		wantErr bool
		want    map[nbKey]string // exact data of every emitted chunk
	}{
		{
			name: "source string",
			in:   `{"cells":[{"cell_type":"code","source":"a = \"hf_x\"\nb = 1"}]}`,
			want: map[nbKey]string{{0, -1, "source"}: "a = \"hf_x\"\nb = 1"},
		},
		{
			name: "source list joined verbatim",
			in:   `{"cells":[{"cell_type":"code","source":["a = 1\n","b = \"hf_\u0078\"", "\n"]}]}`,
			want: map[nbKey]string{{0, -1, "source"}: "a = 1\nb = \"hf_x\"\n"},
		},
		{
			name: "v3 input list across worksheets",
			in:   `{"worksheets":[{"cells":[{"source":"m"}]},{"cells":"nope"},{"cells":[{"input":["a","b"]}]}]}`,
			want: map[nbKey]string{{0, -1, "source"}: "m", {1, -1, "source"}: "ab"},
		},
		{
			name: "stream text as string",
			in:   `{"cells":[{"outputs":[{"output_type":"stream","name":"stderr","text":"warn"}]}]}`,
			want: map[nbKey]string{{0, 0, "stream"}: "warn"},
		},
		{
			name: "other text types kept, binary skipped",
			in: `{"cells":[{"outputs":[{"output_type":"display_data","data":{
				"text/markdown":["**b**"],"text/x-python":"x","application/javascript":"js()",
				"image/jpeg":"/9j/","application/octet-stream":"AAAA","application/pdf":"JVBE",
				"text/csv":7}}]}]}`,
			want: map[nbKey]string{
				{0, 0, "text/markdown"}:          "**b**",
				{0, 0, "text/x-python"}:          "x",
				{0, 0, "application/javascript"}: "js()",
				{0, 0, "text/csv"}:               "7",
			},
		},
		{
			name: "json html characters not escaped",
			in:   `{"cells":[{"outputs":[{"output_type":"execute_result","data":{"application/json":{"a":"<&>"}}}]}]}`,
			want: map[nbKey]string{{0, 0, "application/json"}: "{\n \"a\": \"<&>\"\n}"},
		},
		{
			name: "empty metadata and empty texts skipped",
			in:   `{"cells":[{"metadata":{},"source":[],"outputs":[{"output_type":"stream","text":""}]}],"metadata":{}}`,
			want: map[nbKey]string{},
		},
		{
			name: "empty notebook",
			in:   `{"cells":[],"metadata":null,"nbformat":4}`,
			want: map[nbKey]string{},
		},
		{
			name: "leading BOM and whitespace",
			in:   "\xEF\xBB\xBF \n{\"cells\":[{\"source\":\"s\"}]}",
			want: map[nbKey]string{{0, -1, "source"}: "s"},
		},
		// Malformed inside a notebook: skipped, no error, no panic.
		{
			name: "source a number, outputs not a list",
			in:   `{"cells":[{"cell_type":"code","source":5,"outputs":3}]}`,
			want: map[nbKey]string{},
		},
		{
			name: "cells of wrong types keep indices",
			in:   `{"cells":[1,"x",null,[],{"source":"ok"}]}`,
			want: map[nbKey]string{{4, -1, "source"}: "ok"},
		},
		{
			name: "outputs of wrong types keep indices",
			in: `{"cells":[{"outputs":[5,"s",{"output_type":7,"text":"t"},{"output_type":"display_data","data":[1]},
				{"output_type":"error","traceback":"tb","evalue":["e"]},{"output_type":"error","traceback":[1,"x",null,"y"]}]}]}`,
			want: map[nbKey]string{
				{0, 2, "stream"}:    "t",
				{0, 4, "traceback"}: "tb",
				{0, 4, "evalue"}:    "e",
				{0, 5, "traceback"}: "\nx\n\ny",
			},
		},
		{
			name: "mime values of odd types",
			in:   `{"cells":[{"outputs":[{"output_type":"display_data","data":{"text/plain":null,"text/html":{"k":"v"},"application/json":[]}}]}]}`,
			want: map[nbKey]string{{0, 0, "text/html"}: "{\n \"k\": \"v\"\n}"},
		},
		{
			name: "metadata of odd types",
			in:   `{"cells":[{"metadata":"m hf_x"}],"metadata":[1]}`,
			want: map[nbKey]string{{-1, -1, "metadata"}: "[\n 1\n]", {0, -1, "metadata"}: `"m hf_x"`},
		},
		// Not a notebook: error.
		{name: "not JSON", in: "hf_abc = 1\n", wantErr: true},
		{name: "empty", in: "", wantErr: true},
		{name: "truncated", in: `{"cells":[{"source":"x"`, wantErr: true},
		{name: "trailing garbage", in: `{"cells":[]} x`, wantErr: true},
		{name: "JSON array", in: `[{"cells":[]}]`, wantErr: true},
		{name: "JSON string", in: `"cells"`, wantErr: true},
		{name: "null", in: `null`, wantErr: true},
		{name: "object without cells", in: `{"nbformat":4,"metadata":{"a":"b"}}`, wantErr: true},
		{name: "cells not a list", in: `{"cells":{"0":{"source":"x"}}}`, wantErr: true},
		{name: "cells a number", in: `{"cells":5,"metadata":{"a":"b"}}`, wantErr: true},
		{name: "cells null", in: `{"cells":null}`, wantErr: true},
		{name: "worksheets not a list", in: `{"worksheets":"w"}`, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			const path = "nb.ipynb"
			got, err := collectNotebook(t, path, []byte(tt.in))
			if tt.wantErr {
				if err == nil {
					t.Fatalf("Notebook(%q) = nil error, want one", tt.in)
				}
				if !errors.Is(err, ErrNotNotebook) {
					t.Errorf("error %v does not wrap ErrNotNotebook", err)
				}
				if !strings.Contains(err.Error(), "not a valid notebook") || !strings.Contains(err.Error(), path) {
					t.Errorf("error %q should name the path and say it is not a valid notebook", err)
				}
				if len(got) != 0 {
					t.Errorf("emitted %d chunks before failing", len(got))
				}
				return
			}
			if err != nil {
				t.Fatalf("Notebook: %v", err)
			}
			gotMap := map[nbKey]string{}
			for _, c := range got {
				checkChunk(t, path, c)
				if _, dup := gotMap[c.key]; dup {
					t.Errorf("chunk %v emitted twice", c.key)
				}
				gotMap[c.key] = c.data
			}
			if !reflect.DeepEqual(gotMap, tt.want) {
				t.Errorf("chunks = %q\nwant %q", gotMap, tt.want)
			}
		})
	}
}

func TestNotebookEmitError(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("testdata", "notebooks", "v4.ipynb"))
	if err != nil {
		t.Fatal(err)
	}
	stop := errors.New("stop")
	for _, stopAt := range []int{1, 2, 5, 15} {
		t.Run(strconv.Itoa(stopAt), func(t *testing.T) {
			calls := 0
			err := Notebook("v4.ipynb", data, func(Chunk) error {
				calls++
				if calls == stopAt {
					return stop
				}
				return nil
			})
			if err != stop {
				t.Errorf("err = %v, want the emit error itself", err)
			}
			if errors.Is(err, ErrNotNotebook) {
				t.Errorf("emit error must not be reported as not a notebook")
			}
			if calls != stopAt {
				t.Errorf("emit called %d times, want %d", calls, stopAt)
			}
		})
	}
}

func TestLooksLikeNotebook(t *testing.T) {
	v4, err := os.ReadFile(filepath.Join("testdata", "notebooks", "v4.ipynb"))
	if err != nil {
		t.Fatal(err)
	}
	big := append([]byte(`{"cells":[{"cell_type":"code","source":"`), bytes.Repeat([]byte("x"), 8000)...)
	big = append(big, `"}],"nbformat":4}`...)
	tests := []struct {
		path string
		head string
		want bool
	}{
		{"a.ipynb", "", true},
		{"dir/A.IPYNB", "not json", true},
		{"notebook", string(v4), true},
		{"notebook", `  {"nbformat": 3, "worksheets": []}`, true},
		{"notebook", "\xEF\xBB\xBF{\"nbformat\":4,\"cells\":[]}", true},
		{"notebook.json", string(big), true}, // nbformat beyond 4 KiB, cells first
		{"notebook.json", strings.Repeat(" ", 4090) + `{"cells":[], "nbformat":4}`, false},
		{"config.json", `{"cells": 3}`, false},
		{"config.json", `{"nbformat": 4}`, false},
		{"a.py", `x = {"cells": [], "nbformat": 4}`, false},
		{"a.py", `["cells", "nbformat"]`, false},
		{"empty", "", false},
		{"a.ipynb.bak", `hf_token`, false},
	}
	for _, tt := range tests {
		if got := LooksLikeNotebook(tt.path, []byte(tt.head)); got != tt.want {
			head := tt.head
			if len(head) > 60 {
				head = head[:60] + "…"
			}
			t.Errorf("LooksLikeNotebook(%q, %q) = %v, want %v", tt.path, head, got, tt.want)
		}
	}
}

func FuzzNotebook(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "notebooks", "*"))
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	for _, s := range []string{
		"", "null", "[]", "{}", `{"cells":5}`, `{"cells":[5]}`,
		`{"cells":[{"source":5,"outputs":{"a":1}}]}`,
		`{"cells":[{"outputs":[{"output_type":"display_data","data":{"text/plain":["a\"b\\"]}}]}]}`,
		`{"worksheets":[{"cells":[{"input":"x","outputs":[{"output_type":"pyout","text":"t","html":1}]}]}]}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		const path = "fuzz.ipynb"
		n := 0
		err := Notebook(path, data, func(c Chunk) error {
			n++
			p := c.Prov
			if p.Kind != "notebook" || p.Path != path || len(p.Chain) < 2 || p.Chain[0] != path ||
				p.Field == "" || p.Cell < -1 || p.Output < -1 || c.Line != 1 || len(c.Data) == 0 {
				t.Fatalf("bad chunk %+v", c)
			}
			return nil
		})
		if err != nil {
			if !errors.Is(err, ErrNotNotebook) {
				t.Fatalf("unexpected error type: %v", err)
			}
			if n != 0 {
				t.Fatalf("emitted %d chunks, then failed: %v", n, err)
			}
		}
		LooksLikeNotebook(path, data)
		LooksLikeNotebook("fuzz", data)
	})
}

// BenchmarkNotebookImages measures a notebook dominated by base64 images.
func BenchmarkNotebookImages(b *testing.B) {
	img := strings.Repeat("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kg", 2<<20/80)
	var buf bytes.Buffer
	buf.WriteString(`{"cells":[`)
	for i := range 20 {
		if i > 0 {
			buf.WriteString(",")
		}
		fmt.Fprintf(&buf, `{"cell_type":"code","source":["plot(%d)\n"],"metadata":{},"outputs":[`+
			`{"output_type":"display_data","metadata":{},"data":{"image/png":"%s\n","text/plain":["<Figure>"]}}]}`, i, img)
	}
	buf.WriteString(`],"metadata":{},"nbformat":4,"nbformat_minor":5}`)
	data := buf.Bytes()
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		n := 0
		if err := Notebook("big.ipynb", data, func(Chunk) error { n++; return nil }); err != nil || n != 40 {
			b.Fatalf("n=%d err=%v", n, err)
		}
	}
}
