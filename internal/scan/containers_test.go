package scan

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/hfwarden/hfwarden/internal/source"
)

// entry is one member of a fixture archive.
type entry struct {
	name string
	data []byte
}

func zipOf(t testing.TB, es ...entry) []byte {
	t.Helper()
	var b bytes.Buffer
	w := zip.NewWriter(&b)
	for _, e := range es {
		f, err := w.Create(e.name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.Write(e.data); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func tarOf(t testing.TB, es ...entry) []byte {
	t.Helper()
	var b bytes.Buffer
	w := tar.NewWriter(&b)
	for _, e := range es {
		if err := w.WriteHeader(&tar.Header{Name: e.name, Mode: 0o644, Size: int64(len(e.data)), Typeflag: tar.TypeReg}); err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write(e.data); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func gzipOf(t testing.TB, data []byte) []byte {
	t.Helper()
	var b bytes.Buffer
	w := gzip.NewWriter(&b)
	if _, err := w.Write(data); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestArchives(t *testing.T) {
	g := newTokenGen(61)
	tok := g.Tokens(t, 8)
	text := func(i int) []byte { return []byte("line one\nexport HF_TOKEN=" + tok[i] + "\n") }
	nb := fmt.Sprintf(`{"cells":[{"cell_type":"code","source":["x = 1\n"],"outputs":[]},{"cell_type":"code","source":["login('%s')\n"],"outputs":[]}],"metadata":{},"nbformat":4,"nbformat_minor":5}`, tok[6])

	type want struct {
		secret string
		path   string
		line   int
		cell   int // -1: not a notebook finding
	}
	cases := []struct {
		name   string
		file   string
		data   func(t *testing.T) []byte
		limits source.Limits
		want   []want
		errs   []string // substrings of recorded errors, in any order
		warns  []string
	}{
		{
			name: "zip", file: "outer.zip",
			data: func(t *testing.T) []byte {
				return zipOf(t, entry{"inner/dir/file.env", text(0)}, entry{"inner/clean.txt", []byte("nothing")})
			},
			want: []want{{tok[0], "outer.zip!inner/dir/file.env", 2, -1}},
		},
		{
			name: "tar.gz holding a zip holding a notebook", file: "logs.tar.gz",
			data: func(t *testing.T) []byte {
				inner := zipOf(t, entry{"nb/analysis.ipynb", []byte(nb)}, entry{"c.txt", text(1)})
				return gzipOf(t, tarOf(t, entry{"a/readme", []byte("hi")}, entry{"a/b.zip", inner}))
			},
			want: []want{{tok[6], "logs.tar.gz!a/b.zip!nb/analysis.ipynb", 1, 1}, {tok[1], "logs.tar.gz!a/b.zip!c.txt", 2, -1}},
		},
		{
			name: "plain .gz keeps its lines", file: "app.log.gz",
			data: func(t *testing.T) []byte { return gzipOf(t, append([]byte("a\nb\nc\n"), text(2)...)) },
			want: []want{{tok[2], "app.log.gz", 5, -1}},
		},
		{
			name: "tgz", file: "bundle.tgz",
			data: func(t *testing.T) []byte { return gzipOf(t, tarOf(t, entry{"x/y.sh", text(3)})) },
			want: []want{{tok[3], "bundle.tgz!x/y.sh", 2, -1}},
		},
		{
			name: "truncated gzip keeps what came before", file: "cut.log.gz",
			data: func(t *testing.T) []byte {
				big := bytes.Repeat([]byte("filler line of a log that goes on\n"), 20000)
				full := gzipOf(t, append(text(4), big...))
				return full[:len(full)/2]
			},
			want: []want{{tok[4], "cut.log.gz", 2, -1}},
			errs: []string{"cut.log.gz: gzip: unexpected EOF"},
		},
		{
			name: "truncated small gzip keeps what came before", file: "small.log.gz",
			data: func(t *testing.T) []byte {
				var b strings.Builder
				b.Write(text(4))
				for i := 0; b.Len() < 100<<10; i++ {
					fmt.Fprintf(&b, "%d %s\n", i, g.Next(t)[3:20]) // barely compressible
				}
				full := gzipOf(t, []byte(b.String()))
				return full[:len(full)*3/4]
			},
			want: []want{{tok[4], "small.log.gz", 2, -1}},
			errs: []string{"small.log.gz: gzip: unexpected EOF"},
		},
		{
			name: "a tar whose manifest.json is a web app's, not docker save's", file: "webapp.tar",
			data: func(t *testing.T) []byte {
				return tarOf(t, entry{"manifest.json", []byte(`{"name":"app","icons":[]}`)}, entry{"src/.env", text(5)})
			},
			want: []want{{tok[5], "webapp.tar!src/.env", 2, -1}},
		},
		{
			name: "tar entry leaving the archive is reported and still scanned", file: "evil.tar",
			data: func(t *testing.T) []byte { return tarOf(t, entry{"../../etc/cron.d/x", text(5)}) },
			want: []want{{tok[5], "evil.tar!etc/cron.d/x", 2, -1}},
			errs: []string{`evil.tar!etc/cron.d/x: "../../etc/cron.d/x": entry path leaves the archive`},
		},
		{
			name: "zip bomb stops, the other members are read", file: "bomb.zip",
			data: func(t *testing.T) []byte {
				return zipOf(t, entry{"zeros.bin", make([]byte, 8<<20)}, entry{"after.txt", text(7)})
			},
			limits: source.Limits{RatioFloor: 1 << 20, MaxRatio: 100},
			want:   []want{{tok[7], "bomb.zip!after.txt", 2, -1}},
			errs:   []string{"bomb.zip!zeros.bin: decompression bomb"},
		},
		{
			name: "depth limit", file: "deep.zip",
			data: func(t *testing.T) []byte {
				return zipOf(t, entry{"l1.zip", zipOf(t, entry{"l2.tar", tarOf(t, entry{"f.txt", text(0)})})})
			},
			limits: source.Limits{MaxDepth: 2},
			warns:  []string{"deep.zip!l1.zip!l2.tar: tar nested deeper than 2"},
			// The tar is then scanned raw: tar stores members uncompressed,
			// so the token is still found, at a byte offset.
			want: []want{{tok[0], "deep.zip!l1.zip!l2.tar", 0, -1}},
		},
		{
			name: "zip magic by chance: the bytes are scanned", file: "broken.zip",
			data: func(t *testing.T) []byte { return append([]byte("PK\x03\x04 junk\n"), text(6)...) },
			want: []want{{tok[6], "broken.zip", 0, -1}},
			errs: []string{"broken.zip: zip: not a valid zip file; scanned as it is"},
		},
		{
			name: "gzip magic by chance: the bytes are scanned", file: "notes.gz",
			data: func(t *testing.T) []byte { return append([]byte{0x1f, 0x8b, 0}, text(6)...) },
			want: []want{{tok[6], "notes.gz", 0, -1}}, // a NUL byte: binary, by offset
			errs: []string{"notes.gz: gzip: "},
		},
		{
			name: "a damaged member keeps its first bytes", file: "crc.zip",
			data: func(t *testing.T) []byte {
				var body strings.Builder
				body.Write(text(7))
				for i := 0; body.Len() < 6000; i++ {
					fmt.Fprintf(&body, "%d %s\n", i, g.Next(t)[3:30])
				}
				z := zipOf(t, entry{"member.txt", []byte(body.String())})
				z[len(z)*3/10] ^= 0xff // inside the deflate data, after the token's bytes came out
				return z
			},
			want: []want{{tok[7], "crc.zip!member.txt", 2, -1}},
			errs: []string{"crc.zip!member.txt: "},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			writeFile(t, filepath.Join(dir, c.file), c.data(t))
			// A plain file beside it: a bad archive must not stop the scan.
			writeFile(t, filepath.Join(dir, "plain.txt"), []byte("ok\n"))
			fs, st := run(t, Options{ShowSecrets: true, Limits: c.limits}, dir)
			if st.Files != 2 {
				t.Errorf("files = %d, want 2", st.Files)
			}
			if len(fs) != len(c.want) {
				t.Fatalf("got %d findings, want %d:%s\nerrors: %v", len(fs), len(c.want), describe(fs), st.ErrorList)
			}
			for _, w := range c.want {
				got := bySecret(fs, w.secret)
				if len(got) != 1 {
					t.Fatalf("secret %s: %d findings:%s", w.secret[:6], len(got), describe(fs))
				}
				l := got[0].Location
				if rel, _ := filepath.Rel(dir, l.Path); rel != w.path || l.Line != w.line || deref(l.Cell) != w.cell {
					t.Errorf("location = %s line %d cell %s, want %s line %d cell %d", rel, l.Line, ptr(l.Cell), w.path, w.line, w.cell)
				}
				if n := strings.Count(w.path, "!"); n > 0 && n+1 != len(l.Chain) && w.cell < 0 {
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
			for _, w := range c.warns {
				if !containsSub(st.Warnings, dir+"/"+w) {
					t.Errorf("no warning like %q in %q", w, st.Warnings)
				}
			}
		})
	}
}

func containsSub(list []string, sub string) bool {
	for _, s := range list {
		if strings.Contains(s, sub) {
			return true
		}
	}
	return false
}

// TestNestedBomb: bombs inside bombs, with the default limits, stop soon
// after the whole archive passes its ratio; the scan goes on.
func TestNestedBomb(t *testing.T) {
	if testing.Short() {
		t.Skip("compresses 256 MB")
	}
	tok := newTokenGen(62).Next(t)
	zeros := zipOf(t, entry{"zeros.bin", make([]byte, 64<<20)})
	var inner []entry
	for i := range 4 {
		inner = append(inner, entry{fmt.Sprintf("z%d.zip", i), zeros})
	}
	level2 := zipOf(t, inner...)
	var outer []entry
	for i := range 8 {
		outer = append(outer, entry{fmt.Sprintf("l%d.zip", i), level2})
	}
	// After the bombs: the archive has passed its ratio by then, but a
	// small member is still read, so bombs cannot hide it.
	outer = append(outer, entry{"notes.txt", []byte("HF_TOKEN=" + tok + "\n")})
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "bomb.zip"), zipOf(t, outer...))
	writeFile(t, filepath.Join(dir, "beside.env"), []byte("HF_TOKEN="+tok+"\n"))
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	fs, st := run(t, Options{ShowSecrets: true}, dir)
	runtime.ReadMemStats(&after)
	if len(bySecret(fs, tok)) != 2 {
		t.Errorf("want the token in notes.txt and beside.env:%s", describe(fs))
	}
	if st.Errors == 0 || !containsSub(st.ErrorList, "decompression bomb") {
		t.Errorf("no bomb reported: %q", st.ErrorList)
	}
	// 8 x 4 x 64 MB = 2 GB of zeros inside: the default limits read a few
	// hundred MB of it at the most.
	if st.Bytes > 1<<30 {
		t.Errorf("read %d bytes of the bomb", st.Bytes)
	}
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 256<<20 {
		t.Errorf("allocated %d MB", alloc>>20)
	}
}

// TestLongLineBoundedMemory scans a 160 MB file that is one line (on
// every core, mapped) and a 24 MB one gzipped (streamed): memory does not
// follow the files' size, and the token at the end is found with its
// column.
func TestLongLineBoundedMemory(t *testing.T) {
	if testing.Short() {
		t.Skip("writes 160 MB")
	}
	tok := newTokenGen(63).Next(t)
	// Words of random letters: a log that compresses like a real one, not
	// like a bomb.
	r := rand.New(rand.NewPCG(1, 2))
	line := make([]byte, 160<<20)
	for i := range line {
		if i%9 == 8 {
			line[i] = ' '
		} else {
			line[i] = byte('a' + r.IntN(26))
		}
	}
	tail := []byte("HF_TOKEN=" + tok)
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "one-line.log"), append(line, tail...))
	short := line[:24<<20] // gzip is slow to write: a shorter line there
	writeFile(t, filepath.Join(dir, "one-line.log.gz"), gzipOf(t, append(short, tail...)))
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	fs, st := run(t, Options{ShowSecrets: true}, dir)
	runtime.ReadMemStats(&after)
	got := bySecret(fs, tok)
	if len(got) != 2 || st.Errors != 0 {
		t.Fatalf("want the token in both files: %d findings%s errors %q warnings %q", len(fs), describe(fs), st.ErrorList, st.Warnings)
	}
	for _, f := range got {
		want := len(line) + 10
		if strings.HasSuffix(f.Location.Path, ".gz") {
			want = len(short) + 10
		}
		if f.Location.Line != 1 || f.Location.Column != want {
			t.Errorf("%s: line %d column %d, want 1 and %d", f.Location.Path, f.Location.Line, f.Location.Column, want)
		}
	}
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 64<<20 {
		t.Errorf("allocated %d MB to scan 184 MB", alloc>>20)
	}
}

// TestNotAnImageDirectory: a directory with a manifest.json that is not
// docker save's (a web app) is scanned file by file like any other; one
// that claims to be an image and is broken is reported and still scanned.
func TestNotAnImageDirectory(t *testing.T) {
	tok := newTokenGen(64).Tokens(t, 2)
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "webapp", "manifest.json"), []byte(`{"name":"app","start_url":"/"}`))
	writeFile(t, filepath.Join(dir, "webapp", "src", ".env"), []byte("HF_TOKEN="+tok[0]+"\n"))
	// A docker-save-shaped manifest whose config is missing.
	writeFile(t, filepath.Join(dir, "saved", "manifest.json"), []byte(`[{"Config":"missing.json","Layers":["1/layer.tar"]}]`))
	writeFile(t, filepath.Join(dir, "saved", "notes", "todo.txt"), []byte("token "+tok[1]+"\n"))
	fs, st := run(t, Options{ShowSecrets: true}, dir)
	for i, want := range []string{"webapp/src/.env", "saved/notes/todo.txt"} {
		got := bySecret(fs, tok[i])
		if len(got) != 1 {
			t.Fatalf("token %d: %d findings:%s %q", i, len(got), describe(fs), st.ErrorList)
		}
		if rel, _ := filepath.Rel(dir, got[0].Location.Path); rel != want {
			t.Errorf("token %d at %s, want %s", i, rel, want)
		}
	}
	if st.Errors != 1 || !containsSub(st.ErrorList, "saved: ") {
		t.Errorf("want one error for the broken image: %q", st.ErrorList)
	}
}

// TestStdinArchive: an archive piped in is opened like a file.
func TestStdinArchive(t *testing.T) {
	tok := newTokenGen(65).Next(t)
	in := gzipOf(t, tarOf(t, entry{"etc/app.env", []byte("HF_TOKEN=" + tok + "\n")}))
	fs, st := run(t, Options{ShowSecrets: true, Stdin: bytes.NewReader(in)}, "-")
	if got := bySecret(fs, tok); len(got) != 1 || got[0].Location.Path != "-!etc/app.env" || got[0].Location.Line != 1 || st.Errors != 0 {
		t.Fatalf("findings:%s errors %q", describe(fs), st.ErrorList)
	}
}

// patchZipSize sets the uncompressed size that the central directory
// declares for the member named name.
func patchZipSize(t *testing.T, z []byte, name string, size uint32) {
	t.Helper()
	for i := 0; i+46 <= len(z); i++ {
		if !bytes.Equal(z[i:i+4], []byte("PK\x01\x02")) {
			continue
		}
		n := int(binary.LittleEndian.Uint16(z[i+28:]))
		if string(z[i+46:i+46+n]) == name {
			binary.LittleEndian.PutUint32(z[i+24:], size)
			return
		}
	}
	t.Fatalf("%s not in the central directory", name)
}

// TestZipDeclaredSize: a member whose header declares a size other than
// its data's, or whose data is damaged, has every readable byte scanned
// and is reported as an error — never taken for a clean end.
func TestZipDeclaredSize(t *testing.T) {
	tok := newTokenGen(97).Tokens(t, 4)
	filler := func(seed int) []byte {
		var b bytes.Buffer
		for j := range 4000 {
			fmt.Fprintf(&b, "%d %x\n", j, uint64(j*j+seed)*2654435761)
		}
		return b.Bytes()
	}
	// Each member holds its token in its middle, past any small
	// declared size.
	member := func(i int) []byte {
		f := filler(i)
		return append(append(append([]byte{}, f[:len(f)/2]...), []byte("\nHF_TOKEN="+tok[i]+"\n")...), f[len(f)/2:]...)
	}
	z := zipOf(t, entry{"short.env", member(0)}, entry{"long.env", member(1)}, entry{"fine.env", member(2)}, entry{"crc.env", member(3)})
	patchZipSize(t, z, "short.env", 100)   // declares less than it holds
	patchZipSize(t, z, "long.env", 10<<20) // declares more than it holds
	for i := 0; i+46 <= len(z); i++ {      // a wrong CRC-32 for crc.env
		if bytes.Equal(z[i:i+4], []byte("PK\x01\x02")) && string(z[i+46:i+46+7]) == "crc.env" {
			z[i+16] ^= 0xff
		}
	}
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "bundle.zip"), z)
	fs, st := run(t, Options{ShowSecrets: true}, dir)
	for i, name := range []string{"short.env", "long.env", "fine.env", "crc.env"} {
		got := bySecret(fs, tok[i])
		if len(got) != 1 || !strings.HasSuffix(got[0].Location.Path, "bundle.zip!"+name) {
			t.Errorf("%s: findings %s", name, describe(got))
		}
	}
	if st.Errors != 3 {
		t.Fatalf("errors %d %q, want 3 (short, long, crc)", st.Errors, st.ErrorList)
	}
	joined := strings.Join(st.ErrorList, "\n")
	for _, want := range []string{"short.env: zip: the member holds", "long.env: zip: the member holds", "crc.env: zip: checksum error"} {
		if !strings.Contains(joined, want) {
			t.Errorf("errors %q: none says %q", st.ErrorList, want)
		}
	}
}

// TestZipCutShort: a deflated member whose data the archive cuts short
// (its compressed size patched past what is there) is scanned up to the
// cut and reported; the stream's bare io.ErrUnexpectedEOF is no end.
func TestZipCutShort(t *testing.T) {
	tok := newTokenGen(98).Tokens(t, 1)
	var b bytes.Buffer
	b.WriteString("HF_TOKEN=" + tok[0] + "\n")
	for j := range 20000 {
		fmt.Fprintf(&b, "%d %x\n", j, uint64(j*j)*2654435761)
	}
	var zb bytes.Buffer
	w := zip.NewWriter(&zb)
	f, err := w.Create("cut.env")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.Write(b.Bytes()); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	z := zb.Bytes()
	// Cut the member's compressed data in half: the rest of the archive
	// (the data descriptor and central directory) stays where it was.
	var cd int
	for i := 0; i+46 <= len(z); i++ {
		if bytes.Equal(z[i:i+4], []byte("PK\x01\x02")) {
			cd = i
		}
	}
	comp := int(binary.LittleEndian.Uint32(z[cd+20:]))
	start := 30 + len("cut.env")
	for i := start + comp/2; i < start+comp; i++ {
		z[i] = 0 // stored-block garbage: the stream breaks here
	}
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "cut.zip"), z)
	fs, st := run(t, Options{ShowSecrets: true}, dir)
	if len(bySecret(fs, tok[0])) != 1 {
		t.Errorf("token before the cut: %s", describe(fs))
	}
	if st.Errors == 0 {
		t.Errorf("a damaged member reported no error")
	}
}

// storedZipOf builds a zip of stored (uncompressed) members, their bytes
// in plain text in the archive.
func storedZipOf(t testing.TB, es ...entry) []byte {
	t.Helper()
	var b bytes.Buffer
	w := zip.NewWriter(&b)
	for _, e := range es {
		f, err := w.CreateHeader(&zip.FileHeader{Name: e.name, Method: zip.Store})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.Write(e.data); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// patchZipHeaders calls fn with the offset of the member named name's
// local header (local true) and of its central directory header.
func patchZipHeaders(t testing.TB, z []byte, name string, fn func(at int, local bool)) {
	t.Helper()
	seen := 0
	for i := 0; i+46 <= len(z); i++ {
		switch {
		case bytes.Equal(z[i:i+4], []byte("PK\x03\x04")) && i+30+len(name) <= len(z) &&
			int(binary.LittleEndian.Uint16(z[i+26:])) == len(name) && string(z[i+30:i+30+len(name)]) == name:
			fn(i, true)
			seen++
		case bytes.Equal(z[i:i+4], []byte("PK\x01\x02")) && i+46+len(name) <= len(z) &&
			int(binary.LittleEndian.Uint16(z[i+28:])) == len(name) && string(z[i+46:i+46+len(name)]) == name:
			fn(i, false)
			seen++
		}
	}
	if seen != 2 {
		t.Fatalf("%s: %d headers found, want 2", name, seen)
	}
}

// TestZipDamagedRawRescan: a member that cannot be located, or whose
// data runs past its declared size, leaves bytes that no member read
// reaches; the archive's raw bytes are then scanned once, its token found
// at the archive, the fault still reported, and what the members gave
// not reported twice. An intact archive is not scanned twice.
func TestZipDamagedRawRescan(t *testing.T) {
	tok := newTokenGen(99).Tokens(t, 2)
	// 245 bytes, the token at offset ~106, as in the report.
	body := func(tk string) []byte {
		b := []byte(strings.Repeat("# settings for the staging cluster\n", 3) + "HF_TOKEN=" + tk + "\n")
		for len(b) < 245 {
			b = append(b, '#')
		}
		return b
	}
	tests := []struct {
		name string
		// patch damages the member "m.txt" (nil: intact).
		patch   func(z []byte) func(at int, local bool)
		wantErr string
		// want is where each token is found (empty: not found).
		want [2]string
	}{
		{
			name: "small.zip",
			patch: func(z []byte) func(int, bool) {
				return func(at int, local bool) {
					off := 20
					if local {
						off = 18
					}
					binary.LittleEndian.PutUint32(z[at+off:], 10)
					binary.LittleEndian.PutUint32(z[at+off+4:], 10)
				}
			},
			wantErr: "small.zip!m.txt: zip: checksum error",
			want:    [2]string{"small.zip!ok.txt", "small.zip"},
		},
		{
			name: "badoff.zip",
			patch: func(z []byte) func(int, bool) {
				return func(at int, local bool) {
					if !local {
						binary.LittleEndian.PutUint32(z[at+42:], 99999)
					}
				}
			},
			wantErr: "badoff.zip!m.txt: ",
			want:    [2]string{"badoff.zip!ok.txt", "badoff.zip"},
		},
		{
			name: "intact.zip",
			want: [2]string{"intact.zip!ok.txt", "intact.zip!m.txt"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			z := storedZipOf(t, entry{"ok.txt", body(tok[0])}, entry{"m.txt", body(tok[1])})
			if tc.patch != nil {
				patchZipHeaders(t, z, "m.txt", tc.patch(z))
			}
			dir := t.TempDir()
			writeFile(t, filepath.Join(dir, tc.name), z)
			fs, st := run(t, Options{ShowSecrets: true}, dir)
			for i, want := range tc.want {
				got := bySecret(fs, tok[i])
				if len(got) != 1 || !strings.HasSuffix(got[0].Location.Path, string(filepath.Separator)+want) {
					t.Errorf("token %d: findings %s, want one at %s", i, describe(got), want)
				}
			}
			rescanned := containsSub(st.Warnings, "also scanned as they are")
			if tc.wantErr == "" {
				if st.Errors != 0 || rescanned {
					t.Errorf("intact archive: errors %q, warnings %q", st.ErrorList, st.Warnings)
				}
				return
			}
			if st.Errors != 1 || !containsSub(st.ErrorList, tc.wantErr) {
				t.Errorf("errors %q, want one saying %q", st.ErrorList, tc.wantErr)
			}
			if !rescanned {
				t.Errorf("warnings %q: no word of the raw rescan", st.Warnings)
			}
		})
	}
}
