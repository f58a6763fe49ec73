package ignore

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

const (
	fpA = "3f0a9c2e5b7d41f8a6e0c3b9d2f1e4a7c8b5d6e9f0a1b2c3d4e5f60718293a4b"
	fpB = "9b2f64c1d0e3a5b7c9d1e2f3a4b5c6d7e8f9a0b1c2d3e4f5a6b7c8d9e0f1e10c"
	fpC = "0000000000000000000000000000000000000000000000000000000000000001"
)

var now = time.Date(2025, 6, 15, 12, 0, 0, 0, time.UTC)

func TestParse(t *testing.T) {
	tests := []struct {
		name        string
		in          string
		ignored     []string // fingerprints that must be ignored
		notIgnored  []string // fingerprints that must not be ignored
		expiredLine []int    // lines of expired entries
		length      int
		comment     string // comment of the first valid entry, if checked
	}{
		{
			name:       "comments and blank lines",
			in:         "# header\n\n   # indented comment\n\t\n" + fpA + "\n",
			ignored:    []string{fpA},
			notIgnored: []string{fpB, "", "# header"},
			length:     1,
		},
		{
			name:    "trailing comment",
			in:      fpA + "   # test fixture, revoked\n",
			ignored: []string{fpA},
			length:  1,
			comment: "test fixture, revoked",
		},
		{
			name:    "comment without space",
			in:      fpA + "#x\n",
			ignored: []string{fpA},
			length:  1,
			comment: "x",
		},
		{
			name:       "upper-case hex normalised",
			in:         strings.ToUpper(fpA) + "\n",
			ignored:    []string{fpA, strings.ToUpper(fpA)},
			notIgnored: []string{fpB},
			length:     1,
		},
		{
			name:        "expiry in the past",
			in:          fpA + " expires=2025-06-14\n",
			notIgnored:  []string{fpA},
			expiredLine: []int{1},
			length:      1,
		},
		{
			name:        "expires today (start of day UTC has passed)",
			in:          fpA + " expires=2025-06-15\n",
			notIgnored:  []string{fpA},
			expiredLine: []int{1},
			length:      1,
		},
		{
			name:    "expiry in the future",
			in:      fpA + " expires=2025-06-16 # rotate soon\n",
			ignored: []string{fpA},
			length:  1,
			comment: "rotate soon",
		},
		{
			name:        "mixed, CRLF, BOM",
			in:          "\uFEFF# list\r\n" + fpA + " expires=2020-01-01\r\n" + fpB + "\r\n\r\n" + fpC + " expires=2099-12-31\r\n",
			ignored:     []string{fpB, fpC},
			notIgnored:  []string{fpA},
			expiredLine: []int{2},
			length:      3,
		},
		{
			name:        "expired entry renewed by a later one",
			in:          fpA + " expires=2020-01-01\n" + fpA + " expires=2030-01-01\n",
			ignored:     []string{fpA},
			expiredLine: []int{1},
			length:      2,
		},
		{
			name:       "empty file",
			in:         "",
			notIgnored: []string{fpA},
			length:     0,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l, err := Parse("x.ignore", strings.NewReader(tt.in), now)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			for _, fp := range tt.ignored {
				if !l.Ignored(fp) {
					t.Errorf("Ignored(%q) = false, want true", fp)
				}
			}
			for _, fp := range tt.notIgnored {
				if l.Ignored(fp) {
					t.Errorf("Ignored(%q) = true, want false", fp)
				}
			}
			var lines []int
			for _, e := range l.Expired() {
				lines = append(lines, e.Line)
				if e.Fingerprint != fpA {
					t.Errorf("expired fingerprint %q, want %q", e.Fingerprint, fpA)
				}
				if e.Expires.IsZero() || e.Expires.After(now) {
					t.Errorf("expired entry has Expires %v", e.Expires)
				}
			}
			if !equalInts(lines, tt.expiredLine) {
				t.Errorf("expired lines = %v, want %v", lines, tt.expiredLine)
			}
			if got := l.Len(); got != tt.length {
				t.Errorf("Len = %d, want %d", got, tt.length)
			}
			if tt.comment != "" {
				if got := firstComment(t, tt.in); got != tt.comment {
					t.Errorf("comment = %q, want %q", got, tt.comment)
				}
			}
		})
	}
}

// firstComment returns the comment of the first entry in the ignore file in.
func firstComment(t *testing.T, in string) string {
	t.Helper()
	for _, line := range strings.Split(in, "\n") {
		e, ok, err := parseLine(line)
		if err != nil {
			t.Fatal(err)
		}
		if ok {
			return e.Comment
		}
	}
	return ""
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestParseEntryFields(t *testing.T) {
	in := "# c\n" + strings.ToUpper(fpB) + " expires=2025-01-31  # old demo\n"
	l, err := Parse("f", strings.NewReader(in), now)
	if err != nil {
		t.Fatal(err)
	}
	exp := l.Expired()
	if len(exp) != 1 {
		t.Fatalf("Expired() = %v, want one entry", exp)
	}
	want := Entry{Fingerprint: fpB, Expires: time.Date(2025, 1, 31, 0, 0, 0, 0, time.UTC), Comment: "old demo", Line: 2}
	if exp[0] != want {
		t.Errorf("entry = %+v, want %+v", exp[0], want)
	}
	// Expired returns a copy.
	exp[0].Fingerprint = "changed"
	if l.Expired()[0].Fingerprint != fpB {
		t.Error("Expired() exposes internal storage")
	}
}

func TestParseErrors(t *testing.T) {
	rawToken := "hf_" + strings.Repeat("Ab1", 11) + "x"
	tests := []struct {
		name    string
		in      string
		wantPfx string // error must start with this
		wantSub string // and contain this
	}{
		{"short hex", "# ok\n" + fpA[:12] + "\n", "my.ignore:2: ", "64 hex digits"},
		{"long hex", fpA + "0\n", "my.ignore:1: ", "got 65 characters"},
		{"non-hex", "\n\n" + strings.Replace(fpA, "3", "g", 1) + "\n", "my.ignore:3: ", "non-hex"},
		{"raw secret", fpA + "\n" + rawToken + "\n", "my.ignore:2: ", "raw secret"},
		{"bad date", fpA + " expires=2025-02-30\n", "my.ignore:1: ", "expiry date"},
		{"bad date format", fpA + " expires=15/06/2025\n", "my.ignore:1: ", "expiry date"},
		{"empty date", fpA + " expires=\n", "my.ignore:1: ", "expiry date"},
		{"unknown field", fpA + " until=2025-01-01\n", "my.ignore:1: ", "unexpected field 1"},
		{"secret after fingerprint", fpA + " " + rawToken + "\n", "my.ignore:1: ", "unexpected field"},
		{"expires twice", fpA + " expires=2030-01-01 expires=2031-01-01\n", "my.ignore:1: ", "twice"},
		{"crlf line numbers", "#\r\n#\r\n\r\nnope\r\n", "my.ignore:4: ", "64 hex digits"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l, err := Parse("my.ignore", strings.NewReader(tt.in), now)
			if err == nil {
				t.Fatalf("Parse succeeded (%d entries), want error", l.Len())
			}
			msg := err.Error()
			if !strings.HasPrefix(msg, tt.wantPfx) || !strings.Contains(msg, tt.wantSub) {
				t.Errorf("error %q, want prefix %q containing %q", msg, tt.wantPfx, tt.wantSub)
			}
			if strings.Contains(msg, rawToken) {
				t.Errorf("error %q quotes the raw secret", msg)
			}
		})
	}
}

func TestParseLongLine(t *testing.T) {
	in := fpA + "\n# " + strings.Repeat("x", maxLineLen+10) + "\n"
	_, err := Parse("big", strings.NewReader(in), now)
	if err == nil || !strings.HasPrefix(err.Error(), "big:2: ") {
		t.Fatalf("err = %v, want big:2: ...", err)
	}
}

func TestNilList(t *testing.T) {
	var l *List
	if l.Ignored(fpA) || l.Expired() != nil || l.Len() != 0 {
		t.Error("nil *List is not empty")
	}
	var z List
	if z.Ignored(fpA) || z.Expired() != nil || z.Len() != 0 {
		t.Error("zero List is not empty")
	}
}

func TestLoad(t *testing.T) {
	dir := t.TempDir()
	l, err := Load(filepath.Join(dir, "missing"))
	if err != nil || l == nil || l.Len() != 0 {
		t.Fatalf("Load(missing) = %v, %v; want empty list, nil", l, err)
	}
	p := filepath.Join(dir, FileName)
	past := time.Now().AddDate(0, 0, -2).Format(time.DateOnly)
	future := time.Now().AddDate(0, 0, 2).Format(time.DateOnly)
	write(t, p, fpA+" expires="+past+"\n"+fpB+" expires="+future+"\n"+fpC+"\n")
	l, err = Load(p)
	if err != nil {
		t.Fatal(err)
	}
	if l.Ignored(fpA) || !l.Ignored(fpB) || !l.Ignored(fpC) || len(l.Expired()) != 1 || l.Len() != 3 {
		t.Errorf("Load used the wrong clock or parsed wrongly: A=%v B=%v C=%v expired=%v",
			l.Ignored(fpA), l.Ignored(fpB), l.Ignored(fpC), l.Expired())
	}
	write(t, p, "junk\n")
	if _, err := Load(p); err == nil || !strings.HasPrefix(err.Error(), p+":1: ") {
		t.Errorf("Load(junk) err = %v, want %s:1: ...", err, p)
	}
	if _, err := Load(dir); err == nil {
		t.Error("Load(directory) succeeded, want error")
	}
}

func write(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestFind(t *testing.T) {
	root := t.TempDir()
	// root/.hfwarden-ignore           outside the repository
	// root/repo/.git/                 repository root, no ignore file
	// root/repo/a/b/c/                deep directory
	// root/repo2/.git (file)          worktree-style .git file
	// root/repo2/.hfwarden-ignore
	// root/repo2/x/.hfwarden-ignore/  a directory, not a file: skipped
	// root/repo2/x/y/
	// root/plain/sub/                 no repository: walks up to root's file
	write(t, filepath.Join(root, FileName), "")
	if err := os.MkdirAll(filepath.Join(root, "repo", ".git"), 0o755); err != nil {
		t.Fatal(err)
	}
	write(t, filepath.Join(root, "repo", "a", "b", "c", "file.txt"), "")
	write(t, filepath.Join(root, "repo2", ".git"), "gitdir: elsewhere\n")
	write(t, filepath.Join(root, "repo2", FileName), "")
	if err := os.MkdirAll(filepath.Join(root, "repo2", "x", FileName), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(root, "repo2", "x", "y"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(root, "plain", "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	write(t, filepath.Join(root, "repo", "a", FileName), "")

	tests := []struct {
		name  string
		start string
		want  string
	}{
		{"nearest wins", filepath.Join(root, "repo", "a", "b", "c"), filepath.Join(root, "repo", "a", FileName)},
		{"start is a file", filepath.Join(root, "repo", "a", "b", "c", "file.txt"), filepath.Join(root, "repo", "a", FileName)},
		{"stops at .git", filepath.Join(root, "repo"), ""},
		{"git file, own ignore at repo root", filepath.Join(root, "repo2", "x", "y"), filepath.Join(root, "repo2", FileName)},
		{"no repository walks up", filepath.Join(root, "plain", "sub"), filepath.Join(root, FileName)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Find(tt.start); got != tt.want {
				t.Errorf("Find(%q) = %q, want %q", tt.start, got, tt.want)
			}
		})
	}

	t.Run("relative start", func(t *testing.T) {
		t.Chdir(filepath.Join(root, "repo", "a", "b"))
		if got, want := Find("."), filepath.Join(root, "repo", "a", FileName); got != want {
			t.Errorf("Find(.) = %q, want %q", got, want)
		}
		if got, want := Find("c"), filepath.Join(root, "repo", "a", FileName); got != want {
			t.Errorf("Find(c) = %q, want %q", got, want)
		}
	})
}

func TestAllowedInline(t *testing.T) {
	tests := []struct {
		line string
		want bool
	}{
		{`token = "hf_abc"  # hfwarden:allow`, true},
		{`token = "hf_abc"  // hfwarden:ignore test fixture`, true},
		{`/* hfwarden:allow */ x`, true},
		{`token = "hf_abc"`, false},
		{`# hfwarden allow`, false},
		{`# hfwarden:deny`, false},
		{`# HFWARDEN:ALLOW`, false},
		{``, false},
	}
	for _, tt := range tests {
		if got := AllowedInline([]byte(tt.line)); got != tt.want {
			t.Errorf("AllowedInline(%q) = %v, want %v", tt.line, got, tt.want)
		}
	}
}

func TestLineAt(t *testing.T) {
	data := []byte("first\nsecond line\r\n\nlast")
	tests := []struct {
		name   string
		data   []byte
		offset int
		want   string
	}{
		{"start of data", data, 0, "first"},
		{"end of first line", data, 4, "first"},
		{"newline belongs to its line", data, 5, "first"},
		{"start of middle line", data, 6, "second line"},
		{"middle", data, 10, "second line"},
		{"CR of CRLF", data, 17, "second line"},
		{"LF of CRLF", data, 18, "second line"},
		{"empty line", data, 19, ""},
		{"last line without newline", data, 20, "last"},
		{"last byte", data, len(data) - 1, "last"},
		{"offset == len", data, len(data), "last"},
		{"single line no newline", []byte("only"), 2, "only"},
		{"trailing newline, offset == len", []byte("a\n"), 2, ""},
		{"negative", data, -1, ""},
		{"past end", data, len(data) + 1, ""},
		{"empty data", nil, 0, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := LineAt(tt.data, tt.offset); string(got) != tt.want {
				t.Errorf("LineAt(%d) = %q, want %q", tt.offset, got, tt.want)
			}
		})
	}
}

func TestLineAtBounded(t *testing.T) {
	huge := bytes.Repeat([]byte("x"), 1<<20)
	copy(huge[10:], "# hfwarden:allow") // far before the offset
	off := len(huge) / 2
	got := LineAt(huge, off)
	if len(got) > 2*lineWindow {
		t.Fatalf("LineAt returned %d bytes, want at most %d", len(got), 2*lineWindow)
	}
	if len(got) != 2*lineWindow {
		t.Errorf("LineAt returned %d bytes, want %d", len(got), 2*lineWindow)
	}
	if AllowedInline(got) {
		t.Error("marker 512 KiB away should be outside the window")
	}
	// Near the start, the window is clipped to the data.
	if got := LineAt(huge, 100); len(got) != 100+lineWindow || !AllowedInline(got) {
		t.Errorf("LineAt near start: %d bytes, marker %v", len(got), AllowedInline(got))
	}
	// A newline inside the window still ends the line.
	huge[off+5] = '\n'
	if got := LineAt(huge, off); len(got) != lineWindow+5 {
		t.Errorf("LineAt with newline: %d bytes, want %d", len(got), lineWindow+5)
	}
}

func TestLoadBaseline(t *testing.T) {
	jsonReport := `{
  "findings": [
    {"rule": "hf-user-token", "fingerprint": "` + fpA + `", "location": {"path": "a.py", "line": 3, "column": 9, "offset": 40}},
    {"rule": "hf-user-token", "fingerprint": "` + strings.ToUpper(fpB) + `", "location": {"path": "b.py", "line": 1, "column": 1, "offset": 0}},
    {"rule": "hf-user-token", "fingerprint": "` + fpA + `", "location": {"path": "c.py", "line": 7, "column": 2, "offset": 99}}
  ],
  "stats": {"files": 3, "bytes": 100, "findings": 3, "secrets": 2}
}
`
	jsonl := `{"rule":"hf-user-token","fingerprint":"` + fpA + `","location":{"path":"a.py"}}
{"rule":"openai-key","linked":true,"fingerprint":"` + fpB + `","location":{"path":"b.py"}}

`
	sarif := `{
  "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
  "version": "2.1.0",
  "runs": [
    {"tool": {"driver": {"name": "hfwarden"}}, "results": [
      {"ruleId": "hf-user-token", "message": {"text": "x"}, "partialFingerprints": {"hfwarden/v1": "` + fpA + `"}},
      {"ruleId": "hf-user-token", "message": {"text": "y"}, "partialFingerprints": {"hfwarden/v1": "` + fpB + `", "other/v2": "zzz"}}
    ]},
    {"tool": {"driver": {"name": "othertool"}}, "results": [
      {"ruleId": "z", "message": {"text": "z"}, "partialFingerprints": {"other/v1": "` + fpC + `"}}
    ]}
  ]
}`
	tests := []struct {
		name    string
		content string
		in, out []string
		length  int
	}{
		{"json report", jsonReport, []string{fpA, fpB, strings.ToUpper(fpA)}, []string{fpC}, 2},
		{"json report, BOM", "\uFEFF" + jsonReport, []string{fpA, fpB}, []string{fpC}, 2},
		{"json report, no findings", `{"findings": [], "stats": {"files": 1}}`, nil, []string{fpA}, 0},
		{"json report, null findings", `{"findings": null, "stats": {}}`, nil, []string{fpA}, 0},
		{"jsonl report", jsonl, []string{fpA, fpB}, []string{fpC}, 2},
		{"jsonl single line", `{"fingerprint":"` + fpC + `"}`, []string{fpC}, []string{fpA}, 1},
		{"jsonl empty", "", nil, []string{fpA}, 0},
		{"sarif report", sarif, []string{fpA, fpB}, []string{fpC}, 2},
		{"sarif no results", `{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"hfwarden"}},"results":[]}]}`, nil, []string{fpA}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := filepath.Join(t.TempDir(), "baseline")
			write(t, p, tt.content)
			b, err := LoadBaseline(p)
			if err != nil {
				t.Fatalf("LoadBaseline: %v", err)
			}
			for _, fp := range tt.in {
				if !b.Contains(fp) {
					t.Errorf("Contains(%q) = false, want true", fp)
				}
			}
			for _, fp := range tt.out {
				if b.Contains(fp) {
					t.Errorf("Contains(%q) = true, want false", fp)
				}
			}
			if b.Len() != tt.length {
				t.Errorf("Len = %d, want %d", b.Len(), tt.length)
			}
		})
	}
}

func TestLoadBaselineErrors(t *testing.T) {
	tests := []struct {
		name    string
		content string
		wantSub string
	}{
		{"plain text", "hf_secret is here\n", "not a hfwarden JSON, JSONL or SARIF report"},
		{"truncated json", `{"findings": [{"fingerprint": "` + fpA + `"`, "not a hfwarden JSON, JSONL or SARIF report"},
		{"unrelated object", `{"name": "package.json", "version": "1.0.0"}`, "not a hfwarden JSON, JSONL or SARIF report"},
		{"array", `[1, 2, 3]`, "not a hfwarden JSON, JSONL or SARIF report"},
		{"null", `null`, "not a hfwarden JSON, JSONL or SARIF report"},
		{"finding without fingerprint", `{"findings": [{"rule": "x"}]}`, "finding 1: no fingerprint"},
		{"bad fingerprint", `{"findings": [{"fingerprint": "abc"}]}`, "finding 1: fingerprint is not 64 hex digits"},
		{"jsonl bad second line", `{"fingerprint":"` + fpA + `"}` + "\n" + `{"rule":"x"}` + "\n", "JSONL finding 2"},
		{"jsonl garbage second line", `{"fingerprint":"` + fpA + `"}` + "\nhello\n", "JSONL finding 2"},
		{"json report then garbage", `{"findings": []} {"x": 1}`, "data after the report"},
		{"foreign sarif", `{"version":"2.1.0","runs":[{"results":[{"ruleId":"x","partialFingerprints":{"commitSha/v1":"abc"}}]}]}`, `no "hfwarden/v1" fingerprints`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := filepath.Join(t.TempDir(), "base.json")
			write(t, p, tt.content)
			b, err := LoadBaseline(p)
			if err == nil {
				t.Fatalf("LoadBaseline succeeded with %d fingerprints, want error", b.Len())
			}
			msg := err.Error()
			if !strings.HasPrefix(msg, "baseline "+p+": ") || !strings.Contains(msg, tt.wantSub) {
				t.Errorf("error %q, want prefix %q containing %q", msg, "baseline "+p+": ", tt.wantSub)
			}
		})
	}

	t.Run("missing file", func(t *testing.T) {
		p := filepath.Join(t.TempDir(), "nope.json")
		_, err := LoadBaseline(p)
		if err == nil || !errors.Is(err, fs.ErrNotExist) {
			t.Fatalf("err = %v, want wrapped fs.ErrNotExist", err)
		}
		if want := "baseline " + p + ": "; !strings.HasPrefix(err.Error(), want) || strings.Count(err.Error(), p) != 1 {
			t.Errorf("error %q, want prefix %q naming the path once", err, want)
		}
	})
}

func TestNilBaseline(t *testing.T) {
	var b *Baseline
	if b.Contains(fpA) || b.Len() != 0 {
		t.Error("nil *Baseline is not empty")
	}
}

// TestLoadBounded: an ignore file past MaxFileSize or a baseline past
// MaxBaselineSize is an error, not read into memory.
func TestLoadBounded(t *testing.T) {
	big := filepath.Join(t.TempDir(), "big")
	// Valid content all the way (comment lines), so that only the size
	// can refuse it.
	line := []byte("# " + strings.Repeat("x", 1000) + "\n")
	f, err := os.Create(big)
	if err != nil {
		t.Fatal(err)
	}
	for n := 0; n <= MaxFileSize; n += len(line) * 1024 {
		if _, err := f.Write(bytes.Repeat(line, 1024)); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(big); err == nil || !strings.Contains(err.Error(), "more than") {
		t.Errorf("Load: %v", err)
	}
	sparse := filepath.Join(t.TempDir(), "baseline.json")
	if err := os.WriteFile(sparse, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(sparse, MaxBaselineSize+1); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadBaseline(sparse); err == nil || !strings.Contains(err.Error(), "more than") {
		t.Errorf("LoadBaseline: %v", err)
	}
}
