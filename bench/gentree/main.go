// Command gentree writes a deterministic benchmark tree for hfwarden: Python
// sources, JSON documents, logs and notebooks with large base64 image outputs,
// with a few Hugging Face tokens planted in plain and encoded forms.
//
// It prints the planted tokens' SHA-256 fingerprints, one a line, to the file
// named by -manifest so that a benchmark can check recall as well as speed.
package main

import (
	"bufio"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
)

func main() {
	out := flag.String("out", "", "directory to create")
	size := flag.Int64("size", 1<<30, "approximate total size in bytes")
	manifest := flag.String("manifest", "", "file to write planted fingerprints to")
	logFile := flag.String("log", "", "write one log file of -size bytes here instead of a tree (-single-line: one line)")
	singleLine := flag.Bool("single-line", false, "with -log: the whole file is one line")
	notebook := flag.String("notebook", "", "write one text-heavy notebook of -size bytes here instead of a tree")
	cellBytes := flag.Int("cell-bytes", 1<<20, "with -notebook: bytes of printed output per cell (small values: many small cells)")
	flag.Parse()
	if *out == "" && *logFile == "" && *notebook == "" {
		fmt.Fprintln(os.Stderr, "gentree: -out, -log or -notebook is required")
		os.Exit(2)
	}
	g := &gen{rng: rand.New(rand.NewPCG(1, 2)), root: *out}
	run := func() error { return g.run(*size) }
	if *logFile != "" {
		run = func() error { return g.bigLog(*logFile, *size, *singleLine) }
	}
	if *notebook != "" {
		run = func() error { return g.bigNotebook(*notebook, *size, max(*cellBytes, 1)) }
	}
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "gentree:", err)
		os.Exit(1)
	}
	if *manifest != "" {
		if err := os.WriteFile(*manifest, []byte(strings.Join(g.planted, "\n")+"\n"), 0o644); err != nil {
			fmt.Fprintln(os.Stderr, "gentree:", err)
			os.Exit(1)
		}
	}
	fmt.Printf("wrote %d bytes in %d files, %d planted tokens\n", g.written, g.files, len(g.planted))
}

type gen struct {
	rng     *rand.Rand
	root    string
	written int64
	files   int
	planted []string
}

const letters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"

func (g *gen) token() string {
	b := make([]byte, 34)
	for i := range b {
		b[i] = letters[g.rng.IntN(len(letters))]
	}
	t := "hf_" + string(b)
	sum := sha256.Sum256([]byte(t))
	g.planted = append(g.planted, hex.EncodeToString(sum[:]))
	return t
}

var words = strings.Fields(`model tokenizer dataset train eval batch size learning rate hidden state
 attention config output input loss logits label device cuda tensor numpy pandas frame value key
 index step epoch optimizer scheduler warmup checkpoint save load path file name result metric
 accuracy precision recall score feature column row split shuffle seed random weight bias layer
 hf_hub_download from_pretrained push_to_hub snapshot revision repo_id cache_dir local_files_only`)

func (g *gen) word() string { return words[g.rng.IntN(len(words))] }

func (g *gen) ident() string {
	n := 1 + g.rng.IntN(3)
	parts := make([]string, n)
	for i := range parts {
		parts[i] = g.word()
	}
	return strings.Join(parts, "_")
}

func (g *gen) pyLine() string {
	switch g.rng.IntN(8) {
	case 0:
		return fmt.Sprintf("import %s", g.word())
	case 1:
		return fmt.Sprintf("def %s(%s, %s=None):", g.ident(), g.ident(), g.ident())
	case 2:
		return fmt.Sprintf("    %s = %s.%s(%q, %d)", g.ident(), g.word(), g.ident(), g.ident(), g.rng.IntN(10000))
	case 3:
		return fmt.Sprintf("    # %s %s %s %s", g.word(), g.word(), g.word(), g.word())
	case 4:
		return fmt.Sprintf("    return %s[%q] + %s", g.ident(), g.word(), g.ident())
	case 5:
		return fmt.Sprintf("    for %s in range(len(%s)):", g.word(), g.ident())
	case 6:
		return fmt.Sprintf("        %s.append(%s(%s=%s))", g.ident(), g.ident(), g.word(), g.ident())
	default:
		return ""
	}
}

func (g *gen) logLine(i int) string {
	lv := []string{"INFO", "DEBUG", "WARNING", "ERROR"}[g.rng.IntN(4)]
	return fmt.Sprintf("2026-11-%02d 12:%02d:%02d,%03d %s [%s] step=%d %s=%0.4f %s %s", 1+i%28, i%60, (i/60)%60, i%1000,
		lv, g.ident(), i, g.word(), g.rng.Float64(), g.word(), g.word())
}

func (g *gen) write(rel string, data []byte) error {
	p := filepath.Join(g.root, rel)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(p, data, 0o644); err != nil {
		return err
	}
	g.written += int64(len(data))
	g.files++
	return nil
}

func (g *gen) python(n int) []byte {
	var sb strings.Builder
	for sb.Len() < n {
		sb.WriteString(g.pyLine())
		sb.WriteByte('\n')
	}
	return []byte(sb.String())
}

func (g *gen) jsonDoc(n int) []byte {
	var rows []map[string]any
	size := 0
	for size < n {
		r := map[string]any{"id": g.rng.IntN(1 << 30), "name": g.ident(), "text": g.word() + " " + g.word() + " " + g.word(), "score": g.rng.Float64()}
		size += 90
		rows = append(rows, r)
	}
	b, _ := json.MarshalIndent(rows, "", "  ")
	return b
}

func (g *gen) logFile(n int) []byte {
	var sb strings.Builder
	for i := 0; sb.Len() < n; i++ {
		sb.WriteString(g.logLine(i))
		sb.WriteByte('\n')
	}
	return []byte(sb.String())
}

func (g *gen) notebook(imgBytes int, secretInSource string) []byte {
	img := make([]byte, imgBytes)
	for i := range img {
		img[i] = byte(g.rng.Uint32())
	}
	var cells []map[string]any
	for c := 0; c < 6; c++ {
		src := strings.Split(string(g.python(400)), "\n")
		if c == 1 && secretInSource != "" {
			src = append(src, fmt.Sprintf("login(token=%q)", secretInSource))
		}
		lines := make([]string, len(src))
		for i, l := range src {
			lines[i] = l + "\n"
		}
		cell := map[string]any{"cell_type": "code", "execution_count": c + 1, "metadata": map[string]any{}, "source": lines}
		outs := []any{map[string]any{"output_type": "stream", "name": "stdout", "text": []string{g.logLine(c) + "\n", g.logLine(c+1) + "\n"}}}
		if c%2 == 0 {
			outs = append(outs, map[string]any{"output_type": "display_data", "metadata": map[string]any{},
				"data": map[string]any{"image/png": base64.StdEncoding.EncodeToString(img[:imgBytes/3]) + "\n", "text/plain": []string{"<Figure size 640x480 with 1 Axes>"}}})
		}
		cell["outputs"] = outs
		cells = append(cells, cell)
	}
	nb := map[string]any{"nbformat": 4, "nbformat_minor": 5, "metadata": map[string]any{}, "cells": cells}
	b, _ := json.MarshalIndent(nb, "", " ")
	return b
}

func (g *gen) run(total int64) error {
	for i := 0; g.written < total; i++ {
		dir := fmt.Sprintf("proj%03d/pkg%02d", i/200, (i/10)%20)
		var err error
		switch i % 10 {
		case 0, 1, 2, 3:
			err = g.write(fmt.Sprintf("%s/mod%05d.py", dir, i), g.python(4000+g.rng.IntN(40000)))
		case 4, 5:
			err = g.write(fmt.Sprintf("%s/data%05d.json", dir, i), g.jsonDoc(10000+g.rng.IntN(200000)))
		case 6:
			err = g.write(fmt.Sprintf("%s/run%05d.log", dir, i), g.logFile(200000+g.rng.IntN(2000000)))
		default:
			err = g.write(fmt.Sprintf("%s/nb%05d.ipynb", dir, i), g.notebook(100000+g.rng.IntN(900000), ""))
		}
		if err != nil {
			return err
		}
		if i%500 == 250 {
			if err := g.plant(i); err != nil {
				return err
			}
		}
	}
	return nil
}

// plant writes one token in each of the encodings the scanner must decode.
func (g *gen) plant(i int) error {
	dir := fmt.Sprintf("planted%03d", i)
	files := map[string]string{
		"settings.py":  fmt.Sprintf("HF_TOKEN = %q\n", g.token()),
		"run.log":      fmt.Sprintf("GET /resolve?token=%s 200\n", strings.Replace(g.token(), "_", "%5F", 1)),
		"secret.yaml":  fmt.Sprintf("apiVersion: v1\nkind: Secret\ndata:\n  HF_TOKEN: %s\n", base64.StdEncoding.EncodeToString([]byte(g.token()))),
		"escaped.json": fmt.Sprintf("{\"cmd\": \"export HF_TOKEN=\\\"%s\\\"\\n\"}\n", g.token()),
	}
	for name, body := range files {
		if err := g.write(filepath.Join(dir, name), []byte(body)); err != nil {
			return err
		}
	}
	return g.write(filepath.Join(dir, "train.ipynb"), g.notebook(30000, g.token()))
}

// bigLog writes one service log of size bytes: plain lines, JSON-lines
// records and CI lines mentioning hf_hub_download (which a plain "hf_"
// search also counts), with a token planted about every 32 MB in plain,
// JSON, percent and base64 forms. singleLine joins everything on one line.
func (g *gen) bigLog(path string, size int64, singleLine bool) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriterSize(f, 1<<20)
	nl := "\n"
	if singleLine {
		nl = " "
	}
	next := int64(16 << 20)
	for i := 0; g.written < size; i++ {
		var line string
		switch i % 8 {
		case 0, 1, 2, 3:
			line = g.logLine(i)
		case 4, 5:
			line = fmt.Sprintf(`{"time":"2026-11-%02dT12:%02d:%02dZ","level":"info","msg":"%s %s","request":{"path":"/api/models/%s","status":%d},"duration_ms":%d}`,
				1+i%28, i%60, (i/60)%60, g.word(), g.word(), g.ident(), 200+g.rng.IntN(300), g.rng.IntN(5000))
		case 6:
			line = fmt.Sprintf("##[group]Run python -c \"from huggingface_hub import hf_hub_download; hf_hub_download('%s/%s', '%s.bin')\"", g.word(), g.ident(), g.word())
		default:
			line = fmt.Sprintf("%s %s %s %s", g.word(), g.ident(), g.word(), g.ident())
		}
		if g.written >= next {
			next += 32 << 20
			switch len(g.planted) % 4 {
			case 0:
				line = "export HF_TOKEN=" + g.token()
			case 1:
				line = fmt.Sprintf(`{"time":"2026-11-02T10:00:00Z","level":"debug","msg":"request","headers":{"authorization":"Bearer %s"}}`, g.token())
			case 2:
				line = "GET /resolve?token=" + strings.Replace(g.token(), "_", "%5F", 1) + " 200"
			default:
				line = "env: HF_TOKEN_B64=" + base64.StdEncoding.EncodeToString([]byte(g.token()))
			}
		}
		n, err := w.WriteString(line + nl)
		if err != nil {
			_ = f.Close() // the write error is the one to report
			return err
		}
		g.written += int64(n)
	}
	g.files = 1
	if err := w.Flush(); err != nil {
		_ = f.Close() // the write error is the one to report
		return err
	}
	return f.Close()
}

// bigNotebook writes a notebook of about size bytes whose outputs are
// all text (long training logs printed cell after cell: what parsing
// cell by cell costs most memory on), about cellBytes of output a cell,
// with one token in the stream output of the middle cell. It is written
// as it goes, never held whole.
func (g *gen) bigNotebook(path string, size int64, cellBytes int) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriterSize(f, 1<<20)
	cells := max(1, int(size/int64(cellBytes+160))) // a cell's JSON around its output: ~160 bytes
	fmt.Fprint(w, "{\n \"cells\": [\n")
	var n int64
	for c := range cells {
		src, _ := json.Marshal([]string{"for step in range(100000):\n", "    print(train(step))\n"})
		var lines []string
		for bytes := 0; bytes < cellBytes; {
			l := g.logLine(bytes) + "\n"
			if c == cells/2 && bytes == 0 {
				l = "logged in with token " + g.token() + "\n"
			}
			lines = append(lines, l)
			bytes += len(l) + 6
		}
		text, _ := json.Marshal(lines)
		sep := ","
		if c == cells-1 {
			sep = ""
		}
		k, err := fmt.Fprintf(w, "  {\"cell_type\": \"code\", \"execution_count\": %d, \"metadata\": {}, \"source\": %s, \"outputs\": [{\"output_type\": \"stream\", \"name\": \"stdout\", \"text\": %s}]}%s\n", c+1, src, text, sep)
		if err != nil {
			_ = f.Close() // the write error is the one to report
			return err
		}
		n += int64(k)
	}
	fmt.Fprint(w, " ],\n \"metadata\": {},\n \"nbformat\": 4,\n \"nbformat_minor\": 5\n}\n")
	if err := w.Flush(); err != nil {
		_ = f.Close() // the write error is the one to report
		return err
	}
	g.written, g.files = n, 1
	return f.Close()
}
