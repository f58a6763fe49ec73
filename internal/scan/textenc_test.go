package scan

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/hfwarden/hfwarden/internal/finding"
	"github.com/hfwarden/hfwarden/internal/source"
	"github.com/hfwarden/hfwarden/internal/source/formats"
	"github.com/hfwarden/hfwarden/internal/testutil"
)

// iconv encodes text as the named charset with the real tool, after the
// bytes of bom (printf '\xff\xfe'; iconv -f utf-8 -t utf-16le), as
// PowerShell and reg export write it: Debian's iconv (libc-bin) writes
// "UTF-16" and "UTF-32" with a byte order mark, little-endian here.
func iconv(t testing.TB, text, charset, bom string) []byte {
	t.Helper()
	if _, err := exec.LookPath("iconv"); err != nil {
		t.Skip("iconv not installed")
	}
	cmd := exec.Command("iconv", "-f", "utf-8", "-t", charset)
	cmd.Stdin = strings.NewReader(text)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("iconv -t %s: %v", charset, err)
	}
	return append([]byte(bom), out...)
}

// charPos returns the 1-based line and character column of the first
// occurrence of needle in text.
func charPos(t testing.TB, text, needle string) (line, col int) {
	t.Helper()
	i := strings.Index(text, needle)
	if i < 0 {
		t.Fatalf("fixture bug: %q not in text", needle)
	}
	ls := strings.LastIndexByte(text[:i], '\n') + 1
	return 1 + strings.Count(text[:i], "\n"), utf8.RuneCountInString(text[ls:i]) + 1
}

// TestTextEncodings: text that Windows tools write in UTF-16 or UTF-32,
// files built with the real encoder, gives its tokens located by line
// and column in characters, the encoding named first in encodings; in
// archives too.
func TestTextEncodings(t *testing.T) {
	tok := newTokenGen(171).Tokens(t, 12)
	transcript := "**********************\r\nWindows PowerShell transcript start\r\nStart time: 20240102030405\r\n" +
		"Username: CORP\\builder\r\n**********************\r\nPS C:\\work> $env:HF_TOKEN = '" + tok[0] + "'\r\nPS C:\\work> exit\r\n"
	reg := "Windows Registry Editor Version 5.00\r\n\r\n[HKEY_CURRENT_USER\\Environment]\r\n\"PATH\"=\"C:\\\\tools\"\r\n\"HF_TOKEN\"=\"" + tok[1] + "\"\r\n"
	wideChars := "Пользователь: Ада 🤗 日本 токен=" + tok[2] + " и " + tok[3] + "\n"
	long := "start\n" + strings.Repeat("é", source.ChunkSize) + " " + tok[4] + "\n"
	type file struct {
		name string
		data []byte
	}
	cases := []struct {
		name  string
		files func(t *testing.T) []file
		text  string // what the file that holds the tokens decodes to
		toks  []string
		path  string // the findings' path, below the temporary directory
		enc   string
	}{
		{name: "transcript, utf-16 with a mark", text: transcript, toks: tok[:1], path: "transcript.txt", enc: "utf-16le",
			files: func(t *testing.T) []file { return []file{{"transcript.txt", iconv(t, transcript, "UTF-16", "")}} }},
		{name: "reg export", text: reg, toks: tok[1:2], path: "env.reg", enc: "utf-16le",
			files: func(t *testing.T) []file { return []file{{"env.reg", iconv(t, reg, "UTF-16LE", "\xff\xfe")}} }},
		{name: "utf-16be with a mark, characters before the tokens", text: wideChars, toks: tok[2:4], path: "be.txt", enc: "utf-16be",
			files: func(t *testing.T) []file { return []file{{"be.txt", iconv(t, wideChars, "UTF-16BE", "\xfe\xff")}} }},
		{name: "utf-16le, no mark", text: transcript, toks: tok[:1], path: "out.log", enc: "utf-16le",
			files: func(t *testing.T) []file { return []file{{"out.log", iconv(t, transcript, "UTF-16LE", "")}} }},
		{name: "utf-16be, no mark", text: reg, toks: tok[1:2], path: "out.log", enc: "utf-16be",
			files: func(t *testing.T) []file { return []file{{"out.log", iconv(t, reg, "UTF-16BE", "")}} }},
		{name: "utf-32 with a mark", text: wideChars, toks: tok[2:4], path: "w.txt", enc: "utf-32le",
			files: func(t *testing.T) []file { return []file{{"w.txt", iconv(t, wideChars, "UTF-32", "")}} }},
		{name: "utf-32be with a mark", text: reg, toks: tok[1:2], path: "w.txt", enc: "utf-32be",
			files: func(t *testing.T) []file { return []file{{"w.txt", iconv(t, reg, "UTF-32BE", "\x00\x00\xfe\xff")}} }},
		{name: "utf-32le, no mark", text: transcript, toks: tok[:1], path: "w.txt", enc: "utf-32le",
			files: func(t *testing.T) []file { return []file{{"w.txt", iconv(t, transcript, "UTF-32LE", "")}} }},
		{name: "a line longer than a chunk", text: long, toks: tok[4:5], path: "long.txt", enc: "utf-16le",
			files: func(t *testing.T) []file { return []file{{"long.txt", iconv(t, long, "UTF-16", "")}} }},
		{name: "in a zip", text: wideChars, toks: tok[2:4], path: "logs.zip!ci/run.log", enc: "utf-16le",
			files: func(t *testing.T) []file {
				return []file{{"logs.zip", zipOf(t, entry{"ci/run.log", iconv(t, wideChars, "UTF-16", "")}, entry{"ci/x.txt", []byte("x")})}}
			}},
		{name: "in a tar.gz", text: reg, toks: tok[1:2], path: "backup.tar.gz!home/env.reg", enc: "utf-16le",
			files: func(t *testing.T) []file {
				return []file{{"backup.tar.gz", gzipOf(t, tarOf(t, entry{"home/env.reg", iconv(t, reg, "UTF-16", "")}))}}
			}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			for _, f := range tc.files(t) {
				writeFile(t, filepath.Join(dir, f.name), f.data)
			}
			fs, st := run(t, Options{ShowSecrets: true}, dir)
			if st.Errors != 0 || len(fs) != len(tc.toks) {
				t.Fatalf("errors %v, findings:%s", st.ErrorList, describe(fs))
			}
			for _, tk := range tc.toks {
				got := bySecret(fs, tk)
				if len(got) != 1 {
					t.Fatalf("%s found %d times:%s", tk[:7], len(got), describe(fs))
				}
				l := got[0].Location
				line, col := charPos(t, tc.text, tk)
				if l.Path != filepath.Join(dir, tc.path) || l.Line != line || l.Column != col || !slices.Equal(got[0].Encodings, []string{tc.enc}) {
					t.Errorf("%s at %s:%d:%d %v, want %s:%d:%d [%s]", tk[:7], l.Path, l.Line, l.Column, got[0].Encodings, tc.path, line, col, tc.enc)
				}
			}
		})
	}
}

// withoutText is the registry of every reader but the text reader: what
// a scan read before it.
func withoutText() *source.Registry {
	reg := formats.Default()
	reg.Readers = slices.DeleteFunc(reg.Readers, func(r source.Reader) bool { return r.Name() == source.TextReader().Name() })
	return reg
}

// TestTextEncodingsNotText: binary files with many NUL bytes are not
// taken for UTF-16 and give what they gave before; text in UTF-16 that
// holds no token, or half of one, gives nothing and no error.
func TestTextEncodingsNotText(t *testing.T) {
	tok := newTokenGen(172).Tokens(t, 4)
	elf, err := os.ReadFile("/bin/true")
	if err != nil {
		t.Skip("no /bin/true to read an ELF from")
	}
	rng := rand.New(rand.NewPCG(7, 7))
	random := make([]byte, 64<<10)
	for i := range random {
		if i%2 == 1 || i%5 == 0 {
			random[i] = byte(rng.UintN(256))
		}
	}
	// 16-bit numbers, high bytes NUL: the NUL pattern of UTF-16LE.
	table := make([]byte, 32<<10)
	for i := 0; i < len(table); i += 2 {
		table[i] = byte(1 + rng.UintN(255))
	}
	plant := func(b []byte, at int, s string) []byte {
		out := slices.Clone(b)
		return slices.Insert(out, at, []byte("\x00"+s+"\x00")...)
	}
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "true"), plant(elf, len(elf)/2, "HF_TOKEN="+tok[0]))
	writeFile(t, filepath.Join(dir, "random.bin"), plant(random, 10000, tok[1]))
	writeFile(t, filepath.Join(dir, "table.bin"), plant(table, 20000, tok[2]))
	writeFile(t, filepath.Join(dir, "nulls.bin"), plant(make([]byte, 20000), 100, tok[3]))
	clean := "PS C:\\> hf_notatoken hf_short " + strings.Repeat("hf_", 3) + " all good\r\n"
	writeFile(t, filepath.Join(dir, "clean.txt"), iconv(t, clean, "UTF-16", ""))
	before, bst := run(t, Options{ShowSecrets: true, Formats: withoutText()}, dir)
	after, ast := run(t, Options{ShowSecrets: true}, dir)
	if len(after) != 4 || ast.Errors != 0 {
		t.Errorf("errors %v, findings:%s", ast.ErrorList, describe(after))
	}
	b, _ := json.Marshal(before)
	a, _ := json.Marshal(after)
	if !bytes.Equal(a, b) || bst.Errors != ast.Errors || len(ast.Warnings) != len(bst.Warnings) {
		t.Errorf("before the text reader:%s\nwith it:%s", describe(before), describe(after))
	}
}

// TestTextEncodingsCut: UTF-16 cut at an odd length, in a token or after
// one, is read without a panic or an error: what came whole is found.
func TestTextEncodingsCut(t *testing.T) {
	tok := newTokenGen(173).Tokens(t, 2)
	text := "PS> $env:A = '" + tok[0] + "'\r\nPS> $env:B = '" + tok[1] + "'\r\n"
	data := iconv(t, text, "UTF-16", "")
	in := 2 + 2*strings.Index(text, tok[1]) + 41 // in the second token's tenth letter
	for _, tc := range []struct {
		name string
		n    int
		want []string
	}{
		{"in the second token", in, tok[:1]},
		{"after the last quote", len(data) - 5, tok[:2]},
		{"one byte", 1, nil},
		{"the mark and one byte", 3, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			writeFile(t, filepath.Join(dir, "cut.txt"), data[:tc.n])
			fs, st := run(t, Options{ShowSecrets: true}, dir)
			var got []string
			for _, f := range fs {
				got = append(got, f.Secret)
			}
			if st.Errors != 0 || !slices.Equal(got, tc.want) {
				t.Errorf("errors %v, findings:%s", st.ErrorList, describe(fs))
			}
		})
	}
}

// TestTextEncodingsBinaryTail: a file whose head is UTF-16 text and whose
// rest is binary (which decodes to characters just as well) gives the
// tokens of both, each once: the text's decoded, the binary part's as
// before; on disk and as a member, which is kept to be read again.
func TestTextEncodingsBinaryTail(t *testing.T) {
	tok := newTokenGen(174).Tokens(t, 2)
	text := strings.Repeat("resource string table\n", 400) + "key " + tok[0] + "\n"
	data := append(iconv(t, text, "UTF-16", ""), bytes.Repeat([]byte{0, 0x91, 7, 0xfe, 0x80, 3}, 3000)...)
	data = append(data, []byte("\x00HF_TOKEN="+tok[1]+"\x00\x02")...)
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "res.bin"), data)
	writeFile(t, filepath.Join(dir, "res.tgz"), gzipOf(t, tarOf(t, entry{"res.bin", data})))
	fs, st := run(t, Options{ShowSecrets: true}, dir)
	if len(fs) != 4 || st.Errors != 0 {
		t.Fatalf("errors %v, findings:%s", st.ErrorList, describe(fs))
	}
	for _, path := range []string{"res.bin", "res.tgz!res.bin"} {
		var a, b []finding.Finding
		for _, f := range fs {
			if f.Location.Path == filepath.Join(dir, path) {
				a = append(a, bySecret([]finding.Finding{f}, tok[0])...)
				b = append(b, bySecret([]finding.Finding{f}, tok[1])...)
			}
		}
		if len(a) != 1 || len(b) != 1 {
			t.Fatalf("%s:%s", path, describe(fs))
		}
		if line, col := charPos(t, text, tok[0]); a[0].Location.Line != line || a[0].Location.Column != col || !slices.Equal(a[0].Encodings, []string{"utf-16le"}) {
			t.Errorf("%s, text token:%s", path, describe(a))
		}
		if want := int64(bytes.Index(data, []byte(tok[1]))); b[0].Location.Line != 0 || b[0].Location.Offset != want || len(b[0].Encodings) != 0 {
			t.Errorf("%s, binary token at offset %d:%s", path, want, describe(b))
		}
	}
}

// TestTextEncodingsGit: a UTF-16 file committed, or staged, is read
// decoded from its blob.
func TestTextEncodingsGit(t *testing.T) {
	testutil.IsolateGit(t)
	tok := newTokenGen(175).Tokens(t, 2)
	text := "Windows Registry Editor Version 5.00\r\n\r\n[HKEY_CURRENT_USER\\Environment]\r\n\"HF_TOKEN\"=\"" + tok[0] + "\"\r\n"
	r := newTestRepo(t, false)
	r.write("README.md", "hello\n")
	r.commit("init")
	r.write("env.reg", string(iconv(t, text, "UTF-16", "")))
	c := r.commit("export the environment")
	check := func(t *testing.T, fs []finding.Finding, tk, txt string) {
		t.Helper()
		if len(fs) != 1 || fs[0].Secret != tk {
			t.Fatalf("findings:%s", describeGit(fs))
		}
		l := fs[0].Location
		line, col := charPos(t, txt, tk)
		if l.Path != "env.reg" || l.Line != line || l.Column != col || !slices.Equal(fs[0].Encodings, []string{"utf-16le"}) {
			t.Errorf("at %s:%d:%d %v, want env.reg:%d:%d", l.Path, l.Line, l.Column, fs[0].Encodings, line, col)
		}
	}
	fs, _ := runGit(t, Options{ShowSecrets: true}, GitOptions{CacheDir: t.TempDir()}, r.dir)
	check(t, fs, tok[0], text)
	if fs[0].Location.Commit != c {
		t.Errorf("commit %s, want %s", fs[0].Location.Commit, c)
	}

	staged := "PS> login " + tok[1] + "\r\n"
	r.write("env.reg", string(iconv(t, staged, "UTF-16LE", "\xff\xfe")))
	r.git("add", "env.reg")
	res, err := New(Options{ShowSecrets: true}).Scan(t.Context(), Staged(r.dir))
	if err != nil {
		t.Fatal(err)
	}
	check(t, res.Findings, tok[1], staged)
}
