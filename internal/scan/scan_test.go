package scan

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/hfwarden/hfwarden/internal/finding"
	"github.com/hfwarden/hfwarden/internal/ignore"
	"github.com/hfwarden/hfwarden/internal/secret"
	"github.com/hfwarden/hfwarden/internal/source"
	"github.com/hfwarden/hfwarden/internal/testutil/encode"
)

const filler = "lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod\n"

// fillerBytes returns n bytes of harmless text lines.
func fillerBytes(n int) []byte {
	b := bytes.Repeat([]byte(filler), n/len(filler)+1)
	return b[:n]
}

// placement is a token written at a byte offset of a generated file.
type placement struct {
	name   string
	off    int
	text   string // what is written at off
	at     int    // where the finding starts, relative to off
	secret string
	enc    []string
	split  bool
}

// TestChunkBoundaries plants tokens around the places where ReadChunks
// cuts a file: where the next chunk starts (ChunkSize), inside the
// overlap, and across the end of a chunk's data (ChunkSize+Overlap), plus
// one at the very end of the file. Each must be found exactly once, with
// the line and column of the file, whether read from a file or stdin.
func TestChunkBoundaries(t *testing.T) {
	g := newTokenGen(2)
	const C, O = source.ChunkSize, source.Overlap
	tk := g.Tokens(t, 10)
	split := `("` + tk[6][:12] + `"` + "\n" + `  "` + tk[6][12:] + `")`
	// Chunk k holds bytes [k*C, (k+1)*C+O) (the first one [0, C+O)), and
	// the next starts O bytes before its end.
	ps := []placement{
		{name: "first line", off: 0, text: tk[0]},
		{name: "across the next chunk's start", off: C - 20, text: tk[1]},
		{name: "inside the overlap", off: C + 100, text: tk[2]},
		{name: "across the end of the first chunk", off: C + O - 20, text: tk[3]},
		{name: "just after the first chunk", off: C + O + 20, text: tk[4]},
		{name: "ending exactly at the second chunk's end", off: 2*C + O - len(tk[5]), text: tk[5]},
		{name: "split across the end of the third chunk", off: 3*C + O - 14, text: split, at: 2, secret: tk[6], split: true},
		{name: "base64 across the end of the fourth chunk", off: 4*C + O - 20, text: encode.Base64("token=" + tk[7] + "\n"), at: 8, secret: tk[7], enc: []string{"base64"}},
		{name: "last chunk", off: 5*C + 5, text: tk[8]},
	}
	size := 5*C + 5000
	data := fillerBytes(size)
	for _, p := range ps {
		if p.off == 0 {
			copy(data, p.text+" ")
		} else {
			copy(data[p.off-1:], " "+p.text+" ")
		}
	}
	last := tk[9]
	data = append(data, "\nHF_TOKEN="+last...) // end of file, no newline
	ps = append(ps, placement{name: "end of file", off: len(data) - len(last), text: last})
	content := string(data)

	dir := t.TempDir()
	path := filepath.Join(dir, "big.txt")
	writeFile(t, path, data)

	for _, via := range []string{"file", "stdin"} {
		t.Run(via, func(t *testing.T) {
			var findings []finding.Finding
			var stats finding.Stats
			wantPath := path
			if via == "file" {
				findings, stats = run(t, Options{ShowSecrets: true}, path)
			} else {
				wantPath = "-"
				findings, stats = run(t, Options{ShowSecrets: true, Stdin: bytes.NewReader(data)}, "-")
			}
			if stats.Bytes != int64(len(data)) {
				t.Errorf("stats.Bytes = %d, want %d", stats.Bytes, len(data))
			}
			for _, p := range ps {
				sec := p.secret
				if sec == "" {
					sec = p.text
				}
				got := bySecret(findings, sec)
				if len(got) != 1 {
					t.Errorf("%s: found %d times, want once:%s", p.name, len(got), describe(got))
					continue
				}
				f := got[0]
				wl, wc := lineCol(content, p.off+p.at)
				if f.Location.Path != wantPath || f.Location.Line != wl || f.Location.Column != wc || f.Location.Offset != int64(p.off+p.at) {
					t.Errorf("%s: at %s:%d:%d offset %d, want %s:%d:%d offset %d", p.name, f.Location.Path,
						f.Location.Line, f.Location.Column, f.Location.Offset, wantPath, wl, wc, p.off+p.at)
				}
				enc := p.enc
				if enc == nil {
					enc = []string{}
				}
				if !slices.Equal(f.Encodings, enc) || f.Split != p.split {
					t.Errorf("%s: encodings %v split %v, want %v %v", p.name, f.Encodings, f.Split, enc, p.split)
				}
			}
			if len(findings) != len(ps) {
				t.Errorf("%d findings, want %d:%s", len(findings), len(ps), describe(findings))
			}
		})
	}
}

// TestLongLine scans single lines of 3 MB, many chunks long, with a token
// in the middle and one at the end: columns count from the line's start,
// not from the chunk's.
func TestLongLine(t *testing.T) {
	g := newTokenGen(3)
	tests := []struct {
		name, file, prefix, suffix, source string
		line                               int
		warn                               bool
	}{
		{name: "one line", file: "min.js", source: "file", line: 1},
		{name: "after a short line", file: "data.jsonl", prefix: "{\"header\": 1}\n", source: "file", line: 2},
		{name: "after a line longer than a chunk", file: "two.txt", prefix: strings.Repeat("ab ", 400<<10) + "\n", source: "file", line: 2},
		// A notebook written on one line and cut short: scanned raw.
		{name: "minified truncated notebook", file: "nb.ipynb", prefix: `{"cells":[{"cell_type":"code","source":["`, source: "notebook", line: 1, warn: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tk := g.Tokens(t, 2)
			body := bytes.Repeat([]byte("lorem ipsum "), 3<<20/12)
			mid := len(body) / 2 // the byte before is a space
			copy(body[mid:], tk[0]+" ")
			data := append([]byte(tt.prefix), body...)
			data = append(data, tk[1]...)
			end := len(data) - len(tk[1])
			if tt.source == "file" {
				data = append(data, '\n')
			}
			path := filepath.Join(t.TempDir(), tt.file)
			writeFile(t, path, data)
			findings, stats := run(t, Options{ShowSecrets: true}, path)
			if len(findings) != 2 {
				t.Fatalf("%d findings, want 2:%s", len(findings), describe(findings))
			}
			lineStart := strings.LastIndexByte(tt.prefix, '\n') + 1
			for i, off := range []int{len(tt.prefix) + mid, end} {
				f := findings[i]
				if f.Secret != tk[i] || f.Source != tt.source || f.Location.Line != tt.line || f.Location.Column != off-lineStart+1 || f.Location.Offset != int64(off) {
					t.Errorf("finding %d (%s) at %d:%d offset %d, want %d:%d offset %d", i, f.Source, f.Location.Line, f.Location.Column, f.Location.Offset, tt.line, off-lineStart+1, off)
				}
			}
			if tt.warn != (len(stats.Warnings) == 1) {
				t.Errorf("warnings %q", stats.Warnings)
			}
		})
	}
}

func TestExclude(t *testing.T) {
	g := newTokenGen(4)
	files := map[string]string{
		"keep.txt":            g.Next(t),
		"app.log":             g.Next(t),
		"sub/deep/b.log":      g.Next(t),
		"sub/notes.txt":       g.Next(t),
		"vendor/lib/code.py":  g.Next(t),
		"logs/archive/c.logx": g.Next(t),
	}
	root := t.TempDir()
	for name, tok := range files {
		writeFile(t, filepath.Join(root, name), []byte("token = \""+tok+"\"\n"))
	}
	tests := []struct {
		name    string
		exclude []string
		found   []string
		skipped int64
	}{
		{"none", nil, []string{"app.log", "keep.txt", "logs/archive/c.logx", "sub/deep/b.log", "sub/notes.txt", "vendor/lib/code.py"}, 0},
		{"doublestar extension", []string{"**/*.log"}, []string{"keep.txt", "logs/archive/c.logx", "sub/notes.txt", "vendor/lib/code.py"}, 2},
		{"base name glob", []string{"*.log"}, []string{"keep.txt", "logs/archive/c.logx", "sub/notes.txt", "vendor/lib/code.py"}, 2},
		{"exact base name", []string{"b.log"}, []string{"app.log", "keep.txt", "logs/archive/c.logx", "sub/notes.txt", "vendor/lib/code.py"}, 1},
		{"directory name", []string{"vendor"}, []string{"app.log", "keep.txt", "logs/archive/c.logx", "sub/deep/b.log", "sub/notes.txt"}, 0},
		{"directory tree", []string{"sub/**"}, []string{"app.log", "keep.txt", "logs/archive/c.logx", "vendor/lib/code.py"}, 0},
		{"relative path", []string{"sub/notes.txt"}, []string{"app.log", "keep.txt", "logs/archive/c.logx", "sub/deep/b.log", "vendor/lib/code.py"}, 1},
		{"several", []string{"*.txt", "**/*.py"}, []string{"app.log", "logs/archive/c.logx", "sub/deep/b.log"}, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			findings, stats := run(t, Options{Exclude: tt.exclude}, root)
			var got []string
			for _, f := range findings {
				rel, _ := filepath.Rel(root, f.Location.Path)
				got = append(got, filepath.ToSlash(rel))
				if f.Fingerprint != secret.Fingerprint(files[filepath.ToSlash(rel)]) {
					t.Errorf("%s: wrong secret", rel)
				}
			}
			if !slices.Equal(got, tt.found) {
				t.Errorf("found in %q, want %q", got, tt.found)
			}
			if stats.Skipped != tt.skipped || stats.Files != int64(len(tt.found)) {
				t.Errorf("skipped %d files %d, want %d and %d", stats.Skipped, stats.Files, tt.skipped, len(tt.found))
			}
		})
	}
}

func TestMaxFileSize(t *testing.T) {
	g := newTokenGen(5)
	small, big := g.Next(t), g.Next(t)
	root := t.TempDir()
	smallData := []byte("HF_TOKEN=" + small + "\n")
	writeFile(t, filepath.Join(root, "small.env"), smallData)
	writeFile(t, filepath.Join(root, "big.env"), append([]byte("HF_TOKEN="+big+"\n"), fillerBytes(4096)...))
	tests := []struct {
		max     int64
		found   []string
		skipped int64
	}{
		{0, []string{big, small}, 0},
		{1000, []string{small}, 1},
		{int64(len(smallData)), []string{small}, 1}, // a file of exactly the limit is scanned
		{int64(len(smallData)) - 1, nil, 2},
	}
	for _, tt := range tests {
		findings, stats := run(t, Options{MaxFileSize: tt.max, ShowSecrets: true}, root)
		var got []string
		for _, f := range findings {
			got = append(got, f.Secret)
		}
		if !slices.Equal(got, tt.found) || stats.Skipped != tt.skipped {
			t.Errorf("max %d: found %d secrets, skipped %d; want %d, %d", tt.max, len(got), stats.Skipped, len(tt.found), tt.skipped)
		}
	}
}

func TestSymlinksNotFollowed(t *testing.T) {
	g := newTokenGen(6)
	outTok, outDirTok, inTok := g.Next(t), g.Next(t), g.Next(t)
	base := t.TempDir()
	outside := filepath.Join(base, "outside")
	root := filepath.Join(base, "root")
	writeFile(t, filepath.Join(outside, "secret.txt"), []byte("HF_TOKEN="+outTok+"\n"))
	writeFile(t, filepath.Join(outside, "dir", "inner.txt"), []byte("HF_TOKEN="+outDirTok+"\n"))
	writeFile(t, filepath.Join(root, "real.txt"), []byte("HF_TOKEN="+inTok+"\n"))
	for link, target := range map[string]string{
		"link.txt":     filepath.Join(outside, "secret.txt"),         // absolute, outside
		"rel-link.txt": filepath.Join("..", "outside", "secret.txt"), // relative, outside
		"linkdir":      filepath.Join(outside, "dir"),                // directory outside
		"alias.txt":    "real.txt",                                   // inside the root
		"dangling":     "nowhere",                                    // broken
	} {
		if err := os.Symlink(target, filepath.Join(root, link)); err != nil {
			t.Skipf("symlinks unsupported: %v", err)
		}
	}
	findings, stats := run(t, Options{ShowSecrets: true}, root)
	if len(findings) != 1 || findings[0].Secret != inTok || findings[0].Location.Path != filepath.Join(root, "real.txt") {
		t.Errorf("findings:%s\nwant only real.txt", describe(findings))
	}
	if stats.Files != 1 || stats.Skipped != 5 || stats.Errors != 0 {
		t.Errorf("files %d skipped %d errors %d, want 1, 5, 0", stats.Files, stats.Skipped, stats.Errors)
	}
}

func TestUnreadableInputs(t *testing.T) {
	g := newTokenGen(7)
	tok := g.Next(t)
	dir := t.TempDir()
	good := filepath.Join(dir, "good.txt")
	writeFile(t, good, []byte("HF_TOKEN="+tok+"\n"))
	fifo := filepath.Join(dir, "pipe")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	missing := filepath.Join(dir, "missing.txt")

	type tc struct {
		name    string
		paths   []string
		errors  int
		errPart string
		skipped int64
	}
	tests := []tc{
		// A FIFO met while walking is skipped, not opened (which would block).
		{"fifo in a directory", []string{dir}, 0, "", 1},
		{"fifo given by name", []string{fifo, good}, 1, "pipe: not a regular file", 0},
		{"missing path", []string{missing, good}, 1, "missing.txt: no such file or directory", 0},
	}
	if runtime.GOOS == "linux" {
		// A regular file whose read fails: even root gets EIO here.
		if fi, err := os.Stat("/proc/self/mem"); err == nil && fi.Mode().IsRegular() {
			tests = append(tests, tc{"read error", []string{"/proc/self/mem", good}, 1, "/proc/self/mem: input/output error", 0})
		}
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			done := make(chan struct{})
			var findings []finding.Finding
			var stats finding.Stats
			go func() {
				defer close(done)
				findings, stats = run(t, Options{ShowSecrets: true}, tt.paths...)
			}()
			select {
			case <-done:
			case <-time.After(20 * time.Second):
				t.Fatal("scan hangs")
			}
			if len(findings) != 1 || findings[0].Secret != tok {
				t.Errorf("the rest of the scan was not done:%s", describe(findings))
			}
			if stats.Errors != tt.errors || len(stats.ErrorList) != tt.errors || stats.Skipped != tt.skipped {
				t.Fatalf("errors %d %q skipped %d, want %d errors, %d skipped", stats.Errors, stats.ErrorList, stats.Skipped, tt.errors, tt.skipped)
			}
			if tt.errors > 0 && !strings.Contains(stats.ErrorList[0], tt.errPart) {
				t.Errorf("error %q does not contain %q", stats.ErrorList[0], tt.errPart)
			}
		})
	}
}

func TestSuppression(t *testing.T) {
	g := newTokenGen(8)
	tk := g.Tokens(t, 6)
	content := strings.Join([]string{
		"a = \"" + tk[0] + "\"", // ignored by the list
		"b = \"" + tk[1] + "\"", // in the baseline
		"c = \"" + tk[2] + "\"", // expired ignore entry: reported
		"d = \"" + tk[3] + "\"  # hfwarden:allow",
		"e = \"" + tk[4] + "\"  # hfwarden:ignore",
		"f = \"" + tk[3] + "\"", // same secret, no marker: reported
		"g = \"" + tk[0] + "\"", // ignored again
		"# hfwarden:allow on the line above does not count",
		"h = \"" + tk[5] + "\"",
		"",
	}, "\n")
	dir := t.TempDir()
	path := filepath.Join(dir, "conf.py")
	writeFile(t, path, []byte(content))

	ignoreText := "# test fixtures\n" + strings.ToUpper(secret.Fingerprint(tk[0])) + "  # upper case\n" +
		secret.Fingerprint(tk[2]) + " expires=2000-01-01\n"
	list, err := ignore.Parse("test-ignore", strings.NewReader(ignoreText), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	basePath := filepath.Join(t.TempDir(), "baseline.json")
	writeFile(t, basePath, []byte(`{"findings": [{"fingerprint": "`+secret.Fingerprint(tk[1])+`"}], "stats": {}}`))
	base, err := ignore.LoadBaseline(basePath)
	if err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name    string
		opt     Options
		lines   []int
		ignored int
	}{
		{"inline only", Options{}, []int{1, 2, 3, 6, 7, 9}, 2},
		{"ignore list", Options{Ignore: list}, []int{2, 3, 6, 9}, 4},
		{"baseline", Options{Baseline: base}, []int{1, 3, 6, 7, 9}, 3},
		{"both", Options{Ignore: list, Baseline: base}, []int{3, 6, 9}, 5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			findings, stats := run(t, tt.opt, path)
			var lines []int
			for _, f := range findings {
				lines = append(lines, f.Location.Line)
				if f.Secret != "" {
					t.Errorf("line %d: Secret set without ShowSecrets", f.Location.Line)
				}
				if f.Redacted == "" || f.Fingerprint == "" {
					t.Errorf("line %d: no redacted preview or fingerprint", f.Location.Line)
				}
			}
			if !slices.Equal(lines, tt.lines) {
				t.Errorf("findings on lines %v, want %v", lines, tt.lines)
			}
			if stats.Ignored != tt.ignored || stats.Findings != len(tt.lines) {
				t.Errorf("ignored %d findings %d, want %d, %d", stats.Ignored, stats.Findings, tt.ignored, len(tt.lines))
			}
		})
	}
}

// TestInlineAllowScope: the marker works on notebook cell lines, and not
// in binary files, where there are no lines.
func TestInlineAllowScope(t *testing.T) {
	g := newTokenGen(9)
	tk := g.Tokens(t, 3)
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "nb.ipynb"), notebook(t, codeCell([]string{
		"login(token=\"" + tk[0] + "\")  # hfwarden:allow\n",
		"other = \"" + tk[1] + "\"\n",
	})))
	writeFile(t, filepath.Join(dir, "blob.bin"), []byte("\x00\x01\x02 hfwarden:allow "+tk[2]+" \x00"))
	findings, stats := run(t, Options{ShowSecrets: true}, dir)
	var got []string
	for _, f := range findings {
		got = append(got, f.Secret)
	}
	if !slices.Equal(got, []string{tk[2], tk[1]}) || stats.Ignored != 1 {
		t.Errorf("findings:%s\nignored %d; want the binary one and cell line 2, 1 ignored", describe(findings), stats.Ignored)
	}
}

func TestStdin(t *testing.T) {
	g := newTokenGen(10)
	tk := g.Tokens(t, 2)
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "f.txt"), []byte("x="+tk[1]+"\n"))
	in := "line one\nexport HF_TOKEN=" + tk[0] + "\n"
	findings, stats := run(t, Options{Stdin: strings.NewReader(in)}, "-", dir)
	if len(findings) != 2 || stats.Files != 2 {
		t.Fatalf("files %d findings:%s", stats.Files, describe(findings))
	}
	f := findings[0]
	if f.Location.Path != "-" || f.Source != "stdin" || f.Location.Line != 2 || f.Location.Column != 17 ||
		f.Fingerprint != secret.Fingerprint(tk[0]) || f.Secret != "" {
		t.Errorf("stdin finding %+v", f)
	}
	if findings[1].Source != "file" || findings[1].Fingerprint != secret.Fingerprint(tk[1]) {
		t.Errorf("file finding %+v", findings[1])
	}
}

func TestShowSecrets(t *testing.T) {
	g := newTokenGen(11)
	tok := g.Next(t)
	path := filepath.Join(t.TempDir(), "a.txt")
	writeFile(t, path, []byte("HF_TOKEN="+tok+"\n"))
	for _, show := range []bool{false, true} {
		findings, _ := run(t, Options{ShowSecrets: show}, path)
		if len(findings) != 1 {
			t.Fatalf("%d findings", len(findings))
		}
		want := ""
		if show {
			want = tok
		}
		if findings[0].Secret != want || findings[0].Redacted != secret.Redact(tok) {
			t.Errorf("show=%v: secret %q redacted %q", show, secret.Redact(findings[0].Secret), findings[0].Redacted)
		}
	}
}

func TestProgressAndCancel(t *testing.T) {
	g := newTokenGen(12)
	dir := t.TempDir()
	var total int64
	for i := range 5 {
		data := []byte("t=" + g.Next(t) + "\n")
		total += int64(len(data))
		writeFile(t, filepath.Join(dir, string(rune('a'+i))+".txt"), data)
	}
	p := &Progress{}
	findings, stats := run(t, Options{Progress: p}, dir)
	if p.Files.Load() != 5 || p.Bytes.Load() != total || p.Findings.Load() != 5 || len(findings) != 5 || stats.Bytes != total {
		t.Errorf("progress %d files %d bytes %d findings; stats %+v", p.Files.Load(), p.Bytes.Load(), p.Findings.Load(), stats)
	}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := New(Options{}).Scan(ctx, Files([]string{dir})); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled scan returned %v", err)
	}
}
