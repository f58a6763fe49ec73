package scan

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hfwarden/hfwarden/internal/finding"
	"github.com/hfwarden/hfwarden/internal/secret"
	"github.com/hfwarden/hfwarden/internal/testutil/encode"
)

// want is one expected finding.
type want struct {
	secret string
	rule   string // default hf-user-token
	line   int
	col    int
	offset int64 // checked when >= 0
	cell   int   // -1: not a notebook cell
	output int   // -1: no output
	field  string
	enc    []string
	conf   string
	source string // default "file"
	parts  int    // number of literal parts of a split token (0: not split)
	// partPos are the line and column of each part, when given.
	partPos [][2]int
	// time is the time the finding's line opens with (RFC 3339); "" for
	// none.
	time string
}

// corpusCase is one fixture file and the findings expected in it.
type corpusCase struct {
	name string
	file string // relative to the corpus root
	data []byte
	want []want
}

// plain is a want for a plain-text token found at needle in content.
func plain(t testing.TB, content, tok, needle, conf string, enc ...string) want {
	t.Helper()
	l, c := pos(t, content, needle)
	if enc == nil {
		enc = []string{}
	}
	return want{secret: tok, line: l, col: c, offset: int64(strings.Index(content, needle)), cell: -1, output: -1, enc: enc, conf: conf}
}

// notebook renders cells as an nbformat 4 notebook, the way Jupyter writes
// it: sorted keys, one-space indent, no HTML escaping.
func notebook(t testing.TB, cells ...map[string]any) []byte {
	t.Helper()
	nb := map[string]any{
		"cells": cells,
		"metadata": map[string]any{
			"kernelspec":    map[string]any{"display_name": "Python 3", "language": "python", "name": "python3"},
			"language_info": map[string]any{"name": "python", "version": "3.11.4"},
		},
		"nbformat":       4,
		"nbformat_minor": 5,
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", " ")
	if err := enc.Encode(nb); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func codeCell(source []string, outputs ...map[string]any) map[string]any {
	if outputs == nil {
		outputs = []map[string]any{}
	}
	return map[string]any{"cell_type": "code", "execution_count": 1, "id": "c0ffee", "metadata": map[string]any{}, "outputs": outputs, "source": source}
}

func markdownCell(source ...string) map[string]any {
	return map[string]any{"cell_type": "markdown", "id": "beef", "metadata": map[string]any{}, "source": source}
}

// corpus builds the fixtures. Every token in it is fake and generated.
func corpus(t testing.TB) []corpusCase {
	g := newTokenGen(1)
	tk := g.Tokens(t, 40)
	var cases []corpusCase
	add := func(name, file string, content string, wants ...want) {
		cases = append(cases, corpusCase{name, file, []byte(content), wants})
	}

	// Python: plain assignment, hf_hub_download nearby.
	py := "import os\nfrom huggingface_hub import hf_hub_download, login\n\nHF_TOKEN = \"" + tk[0] + "\"\nlogin(token=HF_TOKEN)\nhf_hub_download(repo_id=\"acme/model\", filename=\"config.json\")\n"
	add("python", "src/app.py", py, plain(t, py, tk[0], tk[0], "high"))

	// Python implicit concatenation across lines.
	pySplit := "from huggingface_hub import login\n\nlogin(token=(\n    \"" + tk[1][:10] + "\"\n    \"" + tk[1][10:] + "\"\n))\n"
	w := plain(t, pySplit, tk[1], tk[1][:10], "medium")
	w.parts = 2
	w.partPos = [][2]int{{4, 6}, {5, 6}}
	add("python split across lines", "src/split.py", pySplit, w)

	// JavaScript: concatenation with +, and a template literal header.
	js := "const hub = \"https://huggingface.co\";\nconst key = \"" + tk[2][:12] + "\" +\n  \"" + tk[2][12:] + "\";\nfetch(hub, { headers: { Authorization: `Bearer " + tk[3] + "` } });\n"
	w = plain(t, js, tk[2], tk[2][:12], "medium")
	w.parts = 2
	w.partPos = [][2]int{{2, 14}, {3, 4}}
	add("javascript", "web/client.js", js, w, plain(t, js, tk[3], tk[3], "high"))

	// Shell: adjacent quotes, and a curl header.
	sh := "#!/bin/sh\nexport HF_TOKEN='" + tk[4][:15] + "'\"" + tk[4][15:] + "\"\ncurl -sf -H \"Authorization: Bearer " + tk[5] + "\" https://huggingface.co/api/whoami-v2\n"
	w = plain(t, sh, tk[4], tk[4][:15], "medium")
	w.parts = 2
	w.partPos = [][2]int{{2, 18}, {2, 35}}
	add("shell", "scripts/deploy.sh", sh, w, plain(t, sh, tk[5], tk[5], "high"))

	// .env with a placeholder beside the real one.
	env := "# Hugging Face\nHUGGING_FACE_HUB_TOKEN=hf_YOUR_TOKEN_HERE\nHF_TOKEN=" + tk[6] + "\nDEBUG=1\n"
	add("dotenv", ".env", env, plain(t, env, tk[6], tk[6], "high"))

	yaml := "hub:\n  endpoint: https://huggingface.co\n  token: " + tk[7] + "\n"
	add("yaml", "conf/settings.yaml", yaml, plain(t, yaml, tk[7], tk[7], "high"))

	toml := "[tool.hub]\nrepo = \"acme/model\"\ntoken = '" + tk[8] + "'\n"
	add("toml", "pyproject.toml", toml, plain(t, toml, tk[8], tk[8], "high"))

	// JSON with escaped quotes and a \n escape right before a token.
	js2 := `{"cmd": "login(token=\"` + tk[9] + `\")", "log": "start\n` + tk[10] + `\nend"}` + "\n"
	add("json escapes", "data/run.json", js2,
		plain(t, js2, tk[9], tk[9], "high"), plain(t, js2, tk[10], tk[10], "high"))

	log := "2024-05-01T10:00:00Z INFO starting\n2024-05-01T10:00:01Z DEBUG hub: using token=" + tk[11] + "; retrying\n2024-05-01T10:00:02Z INFO done\n"
	logWant := plain(t, log, tk[11], tk[11], "high")
	logWant.time = "2024-05-01T10:00:01Z" // the line's own time: the exposure start
	add("log", "logs/app.log", log, logWant)

	// Kubernetes Secret with a base64 value.
	k8s := "apiVersion: v1\nkind: Secret\nmetadata:\n  name: hf-credentials\ntype: Opaque\ndata:\n  HF_TOKEN: " + encode.Base64(tk[12]) + "\n"
	add("kubernetes secret", "deploy/secret.yaml", k8s, plain(t, k8s, tk[12], encode.Base64(tk[12]), "high", "base64"))

	// Percent-encoded: the underscore only, and every byte.
	url := "GET /callback?code=abc&token=hf%5F" + tk[13][3:] + " HTTP/1.1\nGET /q?t=" + encode.PercentAll(tk[14]) + "&x=1 HTTP/1.1\n"
	add("percent-encoded URL", "logs/access.txt", url,
		plain(t, url, tk[13], "hf%5F", "high", "percent"),
		plain(t, url, tk[14], encode.PercentAll(tk[14]), "high", "percent"))

	uesc := "const cfg = {};\nconst t = \"" + encode.UnicodeEscape(tk[15]) + "\";\n"
	add("unicode escapes", "web/escaped.js", uesc, plain(t, uesc, tk[15], encode.UnicodeEscape(tk[15]), "high", "unicode-escape"))

	hx := "blob " + hexOf(" "+tk[16]+" ") + " end\n"
	add("hex", "data/blob.txt", hx, plain(t, hx, tk[16], hexOf(tk[16]), "high", "hex"))

	// A pickle-like binary file: NUL bytes, token after them.
	bin := "\x80\x04\x95\x4b\x00\x00\x00\x00\x00\x00\x00}\x94(\x8c\x08hf_token\x94\x8c\x25" + tk[17] + "\x94\x8c\x05model\x94\x8c\x0aacme/model\x94u.\n"
	w = plain(t, bin, tk[17], tk[17], "high")
	w.line, w.col = 0, 0
	add("binary pickle", "models/model.pkl", bin, w)

	// A notebook: token in a code cell source, in a stream output, in a
	// text/html output and in an error traceback; a big image/png output
	// pushes the outputs past the first raw chunk.
	img := make([]byte, 300<<10)
	r := rand.New(rand.NewPCG(7, 7))
	for i := range img {
		img[i] = byte(r.Uint32())
	}
	nb := notebook(t,
		markdownCell("# Setup\n", "Set `HF_TOKEN=hf_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx` first.\n"),
		codeCell([]string{"from huggingface_hub import login\n", "login(token=\"" + tk[18] + "\")\n"},
			map[string]any{"output_type": "display_data", "metadata": map[string]any{},
				"data": map[string]any{"image/png": base64.StdEncoding.EncodeToString(img), "text/plain": []string{"<Figure size 640x480 with 1 Axes>"}}}),
		codeCell([]string{"print(os.environ['HF_TOKEN'])\n", "show()\n", "api.whoami()"},
			map[string]any{"output_type": "stream", "name": "stdout", "text": []string{"logged in\n", "token is " + tk[19] + "\n"}},
			map[string]any{"output_type": "display_data", "metadata": map[string]any{},
				"data": map[string]any{"text/html": []string{"<table>\n", "<tr><td>token</td><td>" + tk[20] + "</td></tr>\n", "</table>"}, "text/plain": []string{"<IPython.core.display.HTML object>"}}},
			map[string]any{"output_type": "error", "ename": "HTTPError", "evalue": "401 Client Error",
				"traceback": []string{"\x1b[0;31m---------------------------------------------------------------------------\x1b[0m", "\x1b[0;31mHTTPError\x1b[0m: 401 Client Error for token " + tk[21]}}),
	)
	nbWant := func(tok string, cell, output int, field string, line, col int, offset int64) want {
		return want{secret: tok, line: line, col: col, offset: offset, cell: cell, output: output, field: field, enc: []string{}, conf: "high", source: "notebook"}
	}
	src1 := "from huggingface_hub import login\nlogin(token=\"" + tk[18] + "\")\n"
	stream := "logged in\ntoken is " + tk[19] + "\n"
	html := "<table>\n<tr><td>token</td><td>" + tk[20] + "</td></tr>\n</table>"
	tb := "\x1b[0;31m---------------------------------------------------------------------------\x1b[0m\n\x1b[0;31mHTTPError\x1b[0m: 401 Client Error for token " + tk[21]
	at := func(s, tok string) (int, int, int64) {
		l, c := pos(t, s, tok)
		return l, c, int64(strings.Index(s, tok))
	}
	l, c, o := at(src1, tk[18])
	w1 := nbWant(tk[18], 1, -1, "source", l, c, o)
	l, c, o = at(stream, tk[19])
	w2 := nbWant(tk[19], 2, 0, "stream", l, c, o)
	l, c, o = at(html, tk[20])
	w3 := nbWant(tk[20], 2, 1, "text/html", l, c, o)
	l, c, o = at(tb, tk[21])
	w4 := nbWant(tk[21], 2, 2, "traceback", l, c, o)
	cases = append(cases, corpusCase{"notebook cells and outputs", "notebooks/analysis.ipynb", nb, []want{w1, w2, w3, w4}})

	// A token split across two strings of one cell's source list: on disk
	// the JSON separates the literals, only the cell text joins them.
	nbSplit := notebook(t, codeCell([]string{"tok = (\"" + tk[22][:12] + "\"\n", "       \"" + tk[22][12:] + "\")\n", "login(token=tok)\n"}))
	if bytes.Contains(nbSplit, []byte(tk[22])) {
		t.Fatal("fixture bug: split token whole on disk")
	}
	cases = append(cases, corpusCase{"notebook split across source lines", "notebooks/split.ipynb", nbSplit, []want{{
		secret: tk[22], line: 1, col: 9, offset: 8, cell: 0, output: -1, field: "source", enc: []string{}, conf: "medium",
		source: "notebook", parts: 2, partPos: [][2]int{{1, 9}, {2, 9}},
	}}})

	// A truncated notebook: not JSON, so the raw bytes are reported with
	// file lines, and a warning says so.
	full := notebook(t, codeCell([]string{"from huggingface_hub import login\n", "login(token=\"" + tk[23] + "\")\n"}), codeCell([]string{"x = 1\n"}))
	broken := string(full[:bytes.Index(full, []byte("x = 1"))])
	w = plain(t, broken, tk[23], tk[23], "high")
	w.source = "notebook"
	add("truncated notebook", "notebooks/broken.ipynb", broken, w)

	// Negatives: placeholders, identifiers, library names.
	neg := strings.Join([]string{
		"export HF_TOKEN=hf_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
		"export HF_TOKEN=hf_XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX",
		"HF_TOKEN=hf_YOUR_TOKEN_HERE",
		"login(token=\"hf_...\")",
		"uint8_t x = ies->choice.&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[2];",
		"&hf_servingcellpriorityparametersnrvalu",
		"from huggingface_hub import hf_hub_download",
		"path = hf_hub_download(repo_id=\"acme/model\", filename=\"model.safetensors\")",
		"token = \"hf_" + strings.Repeat("a", 34) + "\"",
		"api_key = \"hf_getAccessTokenFromEnvironmentVar\"",
		"",
	}, "\n")
	add("negatives", "docs/placeholders.md", neg)

	return cases
}

func TestCorpus(t *testing.T) {
	cases := corpus(t)
	root := t.TempDir()
	for _, c := range cases {
		writeFile(t, filepath.Join(root, c.file), c.data)
	}
	for _, workers := range []int{1, 0} {
		t.Run(fmt.Sprintf("workers=%d", workers), func(t *testing.T) { testCorpus(t, cases, root, workers) })
	}
}

func testCorpus(t *testing.T, cases []corpusCase, root string, workers int) {
	{
		findings, stats := run(t, Options{ShowSecrets: true, Workers: workers}, root)
		if stats.Files != int64(len(cases)) {
			t.Errorf("workers=%d: stats.Files = %d, want %d", workers, stats.Files, len(cases))
		}
		if stats.Errors != 0 {
			t.Errorf("workers=%d: errors %v", workers, stats.ErrorList)
		}
		total := 0
		for _, c := range cases {
			total += len(c.want)
			path := filepath.Join(root, c.file)
			var got []finding.Finding
			for _, f := range findings {
				if f.Location.Path == path {
					got = append(got, f)
				}
			}
			t.Run(c.name, func(t *testing.T) {
				if len(got) != len(c.want) {
					t.Fatalf("got %d findings, want %d:%s", len(got), len(c.want), describe(got))
				}
				for i, w := range c.want {
					checkFinding(t, got[i], w, path)
				}
			})
		}
		if len(findings) != total || stats.Findings != total {
			t.Errorf("workers=%d: %d findings (stats %d), want %d:%s", workers, len(findings), stats.Findings, total, describe(findings))
		}
		if stats.Secrets != total {
			t.Errorf("stats.Secrets = %d, want %d", stats.Secrets, total)
		}
		wantWarn := 0
		for _, msg := range stats.Warnings {
			if strings.Contains(msg, "broken.ipynb") {
				wantWarn++
			} else {
				t.Errorf("unexpected warning %q", msg)
			}
		}
		if wantWarn != 1 {
			t.Errorf("warnings %q: want one about broken.ipynb", stats.Warnings)
		}
	}
}

func checkFinding(t *testing.T, f finding.Finding, w want, path string) {
	t.Helper()
	rule := w.rule
	if rule == "" {
		rule = "hf-user-token"
	}
	source := w.source
	if source == "" {
		source = "file"
	}
	l := f.Location
	if f.Secret != w.secret {
		t.Errorf("secret %s, want %s", secret.Redact(f.Secret), secret.Redact(w.secret))
	}
	if f.Rule != rule || f.Description == "" || f.Linked {
		t.Errorf("rule %q (%q, linked %v), want %q", f.Rule, f.Description, f.Linked, rule)
	}
	if f.Fingerprint != secret.Fingerprint(w.secret) || f.Redacted != secret.Redact(w.secret) {
		t.Errorf("fingerprint/redacted %s %s do not match the secret", f.Fingerprint, f.Redacted)
	}
	if f.Confidence != w.conf {
		t.Errorf("confidence %q, want %q", f.Confidence, w.conf)
	}
	if f.Encodings == nil || !slices.Equal(f.Encodings, w.enc) {
		t.Errorf("encodings %#v, want %#v", f.Encodings, w.enc)
	}
	if f.Source != source {
		t.Errorf("source %q, want %q", f.Source, source)
	}
	if l.Path != path {
		t.Errorf("path %q, want %q", l.Path, path)
	}
	if l.Line != w.line || l.Column != w.col {
		t.Errorf("at %d:%d, want %d:%d", l.Line, l.Column, w.line, w.col)
	}
	if w.offset >= 0 && l.Offset != w.offset {
		t.Errorf("offset %d, want %d", l.Offset, w.offset)
	}
	if got := deref(l.Cell); got != w.cell {
		t.Errorf("cell %s, want %d", ptr(l.Cell), w.cell)
	}
	if got := deref(l.Output); got != w.output {
		t.Errorf("output %s, want %d", ptr(l.Output), w.output)
	}
	if l.Field != w.field {
		t.Errorf("field %q, want %q", l.Field, w.field)
	}
	if w.cell >= 0 {
		wantChain := []string{path, "cell " + itoa(w.cell)}
		if w.output >= 0 {
			wantChain = append(wantChain, "output "+itoa(w.output))
		}
		wantChain = append(wantChain, w.field)
		if !slices.Equal(l.Chain, wantChain) {
			t.Errorf("chain %q, want %q", l.Chain, wantChain)
		}
	} else if l.Chain != nil {
		t.Errorf("chain %q outside a notebook cell", l.Chain)
	}
	if f.Split != (w.parts > 0) || len(f.Parts) != w.parts {
		t.Errorf("split %v with %d parts, want %d parts", f.Split, len(f.Parts), w.parts)
	}
	for i, pp := range w.partPos {
		if i < len(f.Parts) && (f.Parts[i].Line != pp[0] || f.Parts[i].Column != pp[1]) {
			t.Errorf("part %d at %d:%d, want %d:%d", i, f.Parts[i].Line, f.Parts[i].Column, pp[0], pp[1])
		}
	}
	if f.Time != nil && w.time == "" {
		t.Errorf("time %v for a file", f.Time)
	}
	if w.time != "" && (f.Time == nil || f.Time.Format(time.RFC3339Nano) != w.time) {
		t.Errorf("time %v, want %s", f.Time, w.time)
	}
}

func itoa(i int) string { return strconv.Itoa(i) }

// TestCommittedNegatives scans the committed corpus, which holds only
// strings that must never be reported.
func TestCommittedNegatives(t *testing.T) {
	dir := filepath.Join("testdata", "corpus")
	entries, err := os.ReadDir(dir)
	if err != nil || len(entries) == 0 {
		t.Fatalf("testdata corpus missing: %v", err)
	}
	findings, stats := run(t, Options{ShowSecrets: true}, dir)
	if len(findings) != 0 {
		t.Errorf("findings in negatives:%s", describe(findings))
	}
	if stats.Files != int64(len(entries)) || stats.Errors != 0 {
		t.Errorf("stats %+v, want %d files, no errors", stats, len(entries))
	}
}
