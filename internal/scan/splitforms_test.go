package scan

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestSplitFormsEndToEnd scans files of the languages of ML code, each
// building one token from pieces the way that language joins strings, and
// checks the finding and every part's line and column; a file of
// look-alikes reports nothing.
func TestSplitFormsEndToEnd(t *testing.T) {
	g := newTokenGen(13)
	tk := g.Tokens(t, 12)
	type file struct {
		name    string
		content string
		pieces  []string // in order; the first holds "hf_"
		partPos [][2]int // line and column of each part
	}
	cut := func(tok string, at ...int) []string {
		var out []string
		prev := 0
		for _, a := range at {
			out = append(out, tok[prev:a])
			prev = a
		}
		return append(out, tok[prev:])
	}
	p := [][]string{
		cut(tk[0], 12), cut(tk[1], 8, 20), cut(tk[2], 15), cut(tk[3], 10),
		cut(tk[4], 12), cut(tk[5], 9, 25), cut(tk[6], 14), cut(tk[7], 11),
		cut(tk[8], 13), cut(tk[9], 16), cut(tk[10], 10, 22),
	}
	files := []file{
		{"src/join.py", "from huggingface_hub import login\n\nTOKEN = \"\".join([\n    \"" + p[0][0] + "\",\n    \"" + p[0][1] + "\",\n])\nlogin(token=TOKEN)\n", p[0], [][2]int{{4, 6}, {5, 6}}},
		{"src/format.py", "TOKEN = \"{}{}{}\".format(\"" + p[1][0] + "\", '" + p[1][1] + "', \"" + p[1][2] + "\")\n", p[1], nil},
		{"src/percent.py", "TOKEN = \"%s%s\" % (\"" + p[2][0] + "\", \"" + p[2][1] + "\")\n", p[2], nil},
		{"web/client.ts", "const key: string = [\"" + p[3][0] + "\",\n  \"" + p[3][1] + "\"].join(\"\");\n", p[3], [][2]int{{1, 23}, {2, 4}}},
		{"web/template.js", "const key = `${\"" + p[4][0] + "\"}${\"" + p[4][1] + "\"}`;\n", p[4], nil},
		{"web/concat.js", "const key = \"" + p[5][0] + "\".concat(\"" + p[5][1] + "\",\n  \"" + p[5][2] + "\");\n", p[5], nil},
		{"scripts/env.sh", "#!/bin/sh\nexport HF_TOKEN=" + p[6][0] + "'" + p[6][1] + "'\n", p[6], [][2]int{{2, 17}, {2, 32}}},
		{"scripts/login.sh", "#!/bin/bash\nprintf -v HF_TOKEN '%s%s' " + p[7][0] + " \\\n  " + p[7][1] + "\nhuggingface-cli login --token \"$HF_TOKEN\"\n", p[7], [][2]int{{2, 27}, {3, 3}}},
		{"cmd/push/main.go", "package main\n\nimport \"strings\"\n\nvar token = strings.Join([]string{\n\t\"" + p[8][0] + "\",\n\t\"" + p[8][1] + "\",\n}, \"\")\n", p[8], [][2]int{{6, 3}, {7, 3}}},
		{"cmd/pull/main.go", "package main\n\nimport \"fmt\"\n\nvar token = fmt.Sprintf(\"%s%s\", \"" + p[9][0] + "\", \"" + p[9][1] + "\")\n", p[9], nil},
		{"deploy/values.yaml", "env:\n  HF_TOKEN: \"" + p[10][0] + "\\\n    " + p[10][1] + "\\\n    " + p[10][2] + "\"\n", p[10], [][2]int{{2, 14}, {3, 5}, {4, 5}}},
	}
	a, b := tk[11][:12], tk[11][12:]
	negatives := "TOKEN = \", \".join([\"" + a + "\", \"" + b + "\"])\n" +
		"TOKEN = \"" + a + "\" + suffix\n" +
		"const k = [\"" + a + "\", \"" + b + "\"].join(\"-\");\n" +
		"fmt.Println(\"" + a + "\", \"" + b + "\")\n" +
		"printf '%s %s' " + a + " " + b + "\n" +
		"token: >-\n  " + a + "\n  " + b + "\n"

	root := t.TempDir()
	for _, f := range files {
		writeFile(t, filepath.Join(root, f.name), []byte(f.content))
	}
	writeFile(t, filepath.Join(root, "negatives.txt"), []byte(negatives))
	findings, stats := run(t, Options{ShowSecrets: true}, root)
	if stats.Errors != 0 {
		t.Fatalf("errors %v", stats.ErrorList)
	}
	for i, f := range files {
		path := filepath.Join(root, f.name)
		t.Run(f.name, func(t *testing.T) {
			tok := tk[i]
			got := bySecret(findings, tok)
			if len(got) != 1 {
				t.Fatalf("got %d findings of the token:%s", len(got), describe(findings))
			}
			w := plain(t, f.content, tok, f.pieces[0], "medium")
			w.parts = len(f.pieces)
			at := 0
			for _, piece := range f.pieces {
				k := strings.Index(f.content[at:], piece)
				if k < 0 {
					t.Fatalf("fixture bug: piece not in %s", f.name)
				}
				l, c := lineCol(f.content, at+k)
				w.partPos = append(w.partPos, [2]int{l, c})
				at += k + len(piece)
			}
			for j, pp := range f.partPos {
				if w.partPos[j] != pp {
					t.Fatalf("fixture bug: part %d is at %v, the table says %v", j, w.partPos[j], pp)
				}
			}
			checkFinding(t, got[0], w, path)
		})
	}
	if len(findings) != len(files) {
		t.Errorf("%d findings, want %d:%s", len(findings), len(files), describe(findings))
	}
}
