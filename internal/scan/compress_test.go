package scan

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hfwarden/hfwarden/internal/source"
	"github.com/hfwarden/hfwarden/internal/testutil"
)

// realTar makes a compressed tar with GNU tar itself (flag picks the
// compressor: --zstd, -j, -J, or -I lz4) of files.
func realTar(t testing.TB, flag string, files map[string][]byte) []byte {
	t.Helper()
	if _, err := exec.LookPath("tar"); err != nil {
		t.Skip("tar not installed")
	}
	dir := t.TempDir()
	var names []string
	for n, d := range files {
		writeFile(t, filepath.Join(dir, "src", n), d)
		names = append(names, n)
	}
	out := filepath.Join(dir, "out")
	args := append(append(strings.Fields(flag), "-cf", out, "-C", filepath.Join(dir, "src")), names...)
	if b, err := exec.Command("tar", args...).CombinedOutput(); err != nil {
		t.Skipf("tar %s: %v: %s", flag, err, b) // the compressor is missing
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// TestCompressedStreams: zstd, bzip2, xz and lz4 files written by the real
// tools are read alone, as tars (made by tar), inside a zip and inside one
// another, with the locations of members; a stream cut short keeps what
// came before; random bytes after a magic are scanned as they are; random
// data compressed and a bomb report no finding.
func TestCompressedStreams(t *testing.T) {
	g := newTokenGen(1313)
	tok := g.Tokens(t, 8)
	text := func(i int) []byte { return []byte("line one\nexport HF_TOKEN=" + tok[i] + "\n") }
	type want struct {
		secret, path string
		line         int
	}
	noise := make([]byte, 256<<10)
	r := rand.New(rand.NewPCG(13, 13))
	for i := range noise {
		noise[i] = byte(r.Uint32())
	}
	// Text that compresses poorly: a stream of it spans many blocks.
	var hexNoise bytes.Buffer
	for i := 0; i < len(noise); i += 32 {
		fmt.Fprintf(&hexNoise, "%x\n", noise[i:i+32])
	}
	cases := []struct {
		name, file string
		data       func(t *testing.T) []byte
		limits     source.Limits
		want       []want
		errs       []string
	}{
		{name: "zstd log", file: "app.log.zst",
			data: func(t *testing.T) []byte { return testutil.Tool(t, "zstd", text(0), "-q", "-c") },
			want: []want{{tok[0], "app.log.zst", 2}}},
		{name: "bzip2 log", file: "app.log.bz2",
			data: func(t *testing.T) []byte { return testutil.Tool(t, "bzip2", text(1), "-c") },
			want: []want{{tok[1], "app.log.bz2", 2}}},
		{name: "xz log", file: "app.log.xz",
			data: func(t *testing.T) []byte { return testutil.Tool(t, "xz", text(2), "-c") },
			want: []want{{tok[2], "app.log.xz", 2}}},
		{name: "lz4 log", file: "app.log.lz4",
			data: func(t *testing.T) []byte { return testutil.Tool(t, "lz4", text(3), "-q", "-c") },
			want: []want{{tok[3], "app.log.lz4", 2}}},
		{name: "zstd by magic, no extension", file: "rotated.1",
			data: func(t *testing.T) []byte { return testutil.Tool(t, "zstd", text(0), "-q", "-c") },
			want: []want{{tok[0], "rotated.1", 2}}},
		{name: "tar --zstd", file: "logs.tar.zst",
			data: func(t *testing.T) []byte { return realTar(t, "--zstd", map[string][]byte{"etc/app.env": text(0)}) },
			want: []want{{tok[0], "logs.tar.zst!etc/app.env", 2}}},
		{name: "tar -j", file: "logs.tbz2",
			data: func(t *testing.T) []byte { return realTar(t, "-j", map[string][]byte{"etc/app.env": text(1)}) },
			want: []want{{tok[1], "logs.tbz2!etc/app.env", 2}}},
		{name: "tar -J", file: "logs.tar.xz",
			data: func(t *testing.T) []byte { return realTar(t, "-J", map[string][]byte{"etc/app.env": text(2)}) },
			want: []want{{tok[2], "logs.tar.xz!etc/app.env", 2}}},
		{name: "tar -I lz4", file: "logs.tar.lz4",
			data: func(t *testing.T) []byte { return realTar(t, "-I lz4", map[string][]byte{"etc/app.env": text(3)}) },
			want: []want{{tok[3], "logs.tar.lz4!etc/app.env", 2}}},
		{name: "xz log in a zip", file: "bundle.zip",
			data: func(t *testing.T) []byte {
				return zipOf(t, entry{"logs/app.log.xz", testutil.Tool(t, "xz", text(4), "-c")})
			},
			want: []want{{tok[4], "bundle.zip!logs/app.log.xz", 2}}},
		{name: "bzip2 log in a tar.zst", file: "backup.tar.zst",
			data: func(t *testing.T) []byte {
				return realTar(t, "--zstd", map[string][]byte{"var/log/app.log.bz2": testutil.Tool(t, "bzip2", text(5), "-c")})
			},
			want: []want{{tok[5], "backup.tar.zst!var/log/app.log.bz2", 2}}},
		{name: "truncated zstd keeps what came before", file: "cut.log.zst",
			data: func(t *testing.T) []byte {
				full := testutil.Tool(t, "zstd", append(text(6), hexNoise.Bytes()...), "-q", "-c")
				return full[:len(full)/2]
			},
			want: []want{{tok[6], "cut.log.zst", 2}},
			errs: []string{"cut.log.zst: zstd: unexpected EOF"}},
		{name: "truncated xz keeps what came before", file: "cut.log.xz",
			data: func(t *testing.T) []byte {
				full := testutil.Tool(t, "xz", append(text(6), hexNoise.Bytes()...), "-c")
				return full[:len(full)/2]
			},
			want: []want{{tok[6], "cut.log.xz", 2}},
			errs: []string{"cut.log.xz: xz: unexpected EOF"}},
		{name: "lz4 cut inside its one block: the file's bytes are scanned", file: "cut.log.lz4",
			data: func(t *testing.T) []byte {
				full := testutil.Tool(t, "lz4", append(text(7), hexNoise.Bytes()...), "-q", "-c")
				return full[:len(full)-20]
			},
			want: []want{{tok[7], "cut.log.lz4", 0}},
			errs: []string{"cut.log.lz4: lz4: unexpected EOF"}},
		{name: "lz4 magic by chance: the bytes are scanned", file: "notes.lz4",
			data: func(t *testing.T) []byte { return append([]byte{0x04, 0x22, 0x4d, 0x18, 0xff, 0}, text(7)...) },
			want: []want{{tok[7], "notes.lz4", 0}}, // a NUL byte: binary, by offset
			errs: []string{"notes.lz4: lz4: "}},
		{name: "random data compressed finds nothing", file: "noise.bin.zst",
			data: func(t *testing.T) []byte { return testutil.Tool(t, "zstd", noise, "-q", "-c") }},
		{name: "xz bomb stops", file: "zeros.xz",
			data:   func(t *testing.T) []byte { return testutil.Tool(t, "xz", make([]byte, 16<<20), "-c") },
			limits: source.Limits{RatioFloor: 1 << 20, MaxRatio: 100},
			errs:   []string{"zeros.xz: decompression bomb"}},
		{name: "a bomb in a tar, the member after it is read", file: "bomb.tar",
			data: func(t *testing.T) []byte {
				return tarOf(t, entry{"zeros.zst", testutil.Tool(t, "zstd", make([]byte, 16<<20), "-q", "-c")}, entry{"after.txt", text(7)})
			},
			limits: source.Limits{RatioFloor: 1 << 20, MaxRatio: 100},
			want:   []want{{tok[7], "bomb.tar!after.txt", 2}},
			errs:   []string{"bomb.tar!zeros.zst: decompression bomb"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			writeFile(t, filepath.Join(dir, c.file), c.data(t))
			writeFile(t, filepath.Join(dir, "plain.txt"), []byte("ok\n"))
			fs, st := run(t, Options{ShowSecrets: true, Limits: c.limits}, dir)
			if len(fs) != len(c.want) {
				t.Fatalf("got %d findings, want %d:%s\nerrors: %v", len(fs), len(c.want), describe(fs), st.ErrorList)
			}
			for _, w := range c.want {
				got := bySecret(fs, w.secret)
				if len(got) != 1 {
					t.Fatalf("secret %s: %d findings:%s", w.secret[:6], len(got), describe(fs))
				}
				l := got[0].Location
				if rel, _ := filepath.Rel(dir, l.Path); rel != w.path || l.Line != w.line {
					t.Errorf("location = %s line %d, want %s line %d", rel, l.Line, w.path, w.line)
				}
				if n := strings.Count(w.path, "!"); n > 0 && n+1 != len(l.Chain) {
					t.Errorf("chain = %q for %s", l.Chain, w.path)
				}
			}
			if st.Errors != len(c.errs) {
				t.Errorf("errors = %d %q, want %d", st.Errors, st.ErrorList, len(c.errs))
			}
			for _, e := range c.errs {
				if !containsSub(st.ErrorList, dir+"/"+e) {
					t.Errorf("no error like %q in %q", e, st.ErrorList)
				}
			}
		})
	}
}
