package formats

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf16"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/klauspost/compress/zstd"
	parquetgo "github.com/parquet-go/parquet-go"
	"github.com/pierrec/lz4/v4"
	"github.com/ulikunitz/xz"

	"github.com/hfwarden/hfwarden/internal/source"
	"github.com/hfwarden/hfwarden/internal/source/sourcetest"
)

// spyReader records the name of the reader that took an item (did not
// decline it).
type spyReader struct {
	source.Reader
	took *[]string
}

func (s spyReader) Open(ctx context.Context, in *source.Input, h source.Host) error {
	err := s.Reader.Open(ctx, in, h)
	if !errors.Is(err, source.ErrSkip) {
		*s.took = append(*s.took, s.Name())
	}
	return err
}

// spyContainer is spyReader for a container, which the registry must
// still know for one.
type spyContainer struct{ spyReader }

func (spyContainer) Container() {}

// spied returns Default with every reader recording into took.
func spied(took *[]string) *source.Registry {
	reg := Default()
	for i, r := range reg.Readers {
		s := spyReader{r, took}
		if _, ok := r.(source.Container); ok {
			reg.Readers[i] = spyContainer{s}
		} else {
			reg.Readers[i] = s
		}
	}
	return reg
}

func zipOf(t testing.TB, files map[string]string) []byte {
	t.Helper()
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	for n, d := range files {
		w, err := zw.Create(n)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write([]byte(d)); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func tarOf(t testing.TB, files map[string]string) []byte {
	t.Helper()
	var b bytes.Buffer
	tw := tar.NewWriter(&b)
	for n, d := range files {
		if err := tw.WriteHeader(&tar.Header{Name: n, Size: int64(len(d)), Mode: 0o644, Typeflag: tar.TypeReg}); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write([]byte(d)); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func gzipOf(t testing.TB, data []byte) []byte {
	t.Helper()
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	if _, err := zw.Write(data); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// bzip2Hello is "hello\n" as bzip2 -c writes it (Go has no bzip2 writer).
const bzip2Hello = "BZh91AY&SY\xc1\xc0\x80\xe2\x00\x00\x01A\x00\x00\x10\x02D\xa0\x000\xcd\x00\xc3F)\x97\x17rE8P\x90\xc1\xc0\x80\xe2"

// compressOf compresses data in process as format does.
func compressOf(t testing.TB, format string, data []byte) []byte {
	t.Helper()
	var b bytes.Buffer
	var w io.WriteCloser
	var err error
	switch format {
	case "zstd":
		w, err = zstd.NewWriter(&b)
	case "xz":
		w, err = xz.NewWriter(&b)
	case "lz4":
		w = lz4.NewWriter(&b)
	default:
		t.Fatalf("no writer for %s", format)
	}
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write(data); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// parquetOf writes a small Parquet file with the library.
func parquetOf(t testing.TB) []byte {
	t.Helper()
	type row struct {
		Text string `parquet:"text,zstd"`
	}
	var b bytes.Buffer
	w := parquetgo.NewGenericWriter[row](&b)
	if _, err := w.Write([]row{{"hello"}, {"world"}}); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// stream checks that the one member is what a compressed stream held.
func stream(name, data string) func(*testing.T, *sourcetest.Host) {
	return func(t *testing.T, h *sourcetest.Host) {
		t.Helper()
		if len(h.Members) != 1 || h.Members[0].Item.Name != name || h.Members[0].Data != data || h.Members[0].Depth != 1 || h.Members[0].Err != nil {
			t.Errorf("members: %+v", h.Members)
		}
	}
}

// dockerSave writes an empty image as a docker save archive.
func dockerSave(t testing.TB) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "image.tar")
	ref, err := name.NewTag("acme/app:v1")
	if err != nil {
		t.Fatal(err)
	}
	if err := tarball.WriteToFile(p, ref, empty.Image); err != nil {
		t.Fatal(err)
	}
	return p
}

// text16 is what a PowerShell transcript starts with.
const text16 = "**********************\r\nWindows PowerShell transcript start\r\nStart time: 20240102030405\r\n"

// wide encodes s as UTF-16, big-endian when be is set, after a byte
// order mark when bom is.
func wide(s string, be, bom bool) []byte {
	var out []byte
	put := func(u uint16) {
		if be {
			out = append(out, byte(u>>8), byte(u))
		} else {
			out = append(out, byte(u), byte(u>>8))
		}
	}
	if bom {
		put(0xfeff)
	}
	for _, u := range utf16.Encode([]rune(s)) {
		put(u)
	}
	return out
}

// mailMsg is a minimal message: a sender with an address, a date, a
// subject, a body.
const mailMsg = "From: Alice <alice@example.com>\r\nDate: Mon, 04 Mar 2024 09:00:00 +0000\r\nSubject: hi\r\n\r\nhello\r\n"

// member2 checks that the second member handed on (after the headers) is
// at path.
func member2(path string) func(*testing.T, *sourcetest.Host) {
	return func(t *testing.T, h *sourcetest.Host) {
		t.Helper()
		if len(h.Members) != 2 || h.Members[1].Item.Prov.Path != path {
			t.Errorf("members: %+v, want %s", h.Members, path)
		}
	}
}

const notebook = `{"cells":[{"cell_type":"code","source":["x = 1\n"],"metadata":{},"outputs":[]}],"metadata":{},"nbformat":4,"nbformat_minor":5}`

// TestRegistry: every reader of Default is picked by an item's name and
// first bytes, in place (a file on disk) or as a member, and the items
// that only look like one format go to the next reader.
func TestRegistry(t *testing.T) {
	image := dockerSave(t)
	imageData, err := os.ReadFile(image)
	if err != nil {
		t.Fatal(err)
	}
	v7 := make([]byte, 1024) // a name ending in .tar, no ustar magic, no valid checksum
	copy(v7, "old/file")
	// A tar of a long name (the sniff wants a checksum past 256 spaces),
	// its magic cleared and its checksum made again.
	long := strings.Repeat("a", 99)
	v7Tar := tarOf(t, map[string]string{long: "x"})
	copy(v7Tar[257:265], make([]byte, 8))
	copy(v7Tar[148:156], "        ")
	sum := 0
	for _, c := range v7Tar[:512] {
		sum += int(c)
	}
	copy(v7Tar[148:156], fmt.Sprintf("%06o\x00 ", sum))
	ustarZip := append([]byte("PK\x03\x04"), make([]byte, 600)...)
	copy(ustarZip[257:], "ustar")
	for _, tc := range []struct {
		name, file string
		data       []byte
		// onDisk reads the item in place, as a file named or walked.
		onDisk bool
		// depth is how deep the item is (MaxDepth is 5).
		depth int
		size  int64 // Item.Size when not 0; else len(data)
		want  string
		// check looks at what the host was asked.
		check func(t *testing.T, h *sourcetest.Host)
	}{
		{name: "zip", file: "a.zip", data: zipOf(t, map[string]string{"k.txt": "x"}), want: "zip",
			check: member("a.zip!k.txt", 1)},
		{name: "zip magic, not a zip", file: "a.zip", data: []byte("PK\x03\x04 garbage"), want: "zip",
			check: failed("scanned as it is")},
		{name: "ustar at 257 but zip magic", file: "a.tar", data: ustarZip, want: "zip"},
		{name: "gzip", file: "app.log.gz", data: gzipOf(t, []byte("hello\n")), want: "gzip",
			check: func(t *testing.T, h *sourcetest.Host) {
				if len(h.Members) != 1 || h.Members[0].Item.Name != "app.log" || h.Members[0].Data != "hello\n" || h.Members[0].Depth != 1 {
					t.Errorf("members: %+v", h.Members)
				}
			}},
		{name: "gzip magic, not a gzip", file: "x.gz", data: []byte("\x1f\x8b not gzip"), want: "gzip",
			check: func(t *testing.T, h *sourcetest.Host) {
				failed("gzip: invalid header; scanned as it is")(t, h)
				if len(h.Scanned) != 1 || h.Scanned[0].Data != "\x1f\x8b not gzip" {
					t.Errorf("scanned: %+v", h.Scanned)
				}
			}},
		{name: "zstd", file: "app.log.zst", data: compressOf(t, "zstd", []byte("hello\n")), want: "zstd", check: stream("app.log", "hello\n")},
		{name: "zstd by magic, any name", file: "blob", data: compressOf(t, "zstd", []byte("hello\n")), want: "zstd", check: stream("blob", "hello\n")},
		{name: "tar.zst", file: "x.tar.zst", data: compressOf(t, "zstd", tarOf(t, map[string]string{"k": "x"})), want: "zstd", check: stream("x.tar", string(tarOf(t, map[string]string{"k": "x"})))},
		{name: "bzip2", file: "app.log.bz2", data: []byte(bzip2Hello), want: "bzip2", check: stream("app.log", "hello\n")},
		{name: "tbz2", file: "x.tbz2", data: []byte(bzip2Hello), want: "bzip2", check: stream("x.tar", "hello\n")},
		{name: "xz", file: "app.log.xz", data: compressOf(t, "xz", []byte("hello\n")), want: "xz", check: stream("app.log", "hello\n")},
		{name: "lz4", file: "app.log.lz4", data: compressOf(t, "lz4", []byte("hello\n")), want: "lz4", check: stream("app.log", "hello\n")},
		{name: "zstd on disk", file: "app.log.zst", data: compressOf(t, "zstd", []byte("hello\n")), onDisk: true, want: "zstd"},
		{name: "zstd past the depth limit", file: "a.zst", data: compressOf(t, "zstd", []byte("x")), depth: 5, want: "plain"},
		{name: "zstd magic, not a zstd", file: "x.zst", data: []byte("\x28\xb5\x2f\xfd not zstd"), want: "zstd",
			check: func(t *testing.T, h *sourcetest.Host) {
				failed("scanned as it is")(t, h)
				if len(h.Scanned) != 1 || h.Scanned[0].Data != "\x28\xb5\x2f\xfd not zstd" {
					t.Errorf("scanned: %+v", h.Scanned)
				}
			}},
		{name: ".zst name, text inside", file: "notes.zst", data: []byte("hello\n"), want: "plain"},
		{name: "tar member", file: "a.tar", data: tarOf(t, map[string]string{"etc/k": "x"}), want: "tar",
			check: member("a.tar!etc/k", 1)},
		{name: "tar on disk, not an image", file: "a.tar", data: tarOf(t, map[string]string{"etc/k": "x"}), onDisk: true, want: "tar"},
		{name: "docker save on disk", file: "image.tar", data: imageData, onDisk: true, want: "image"},
		{name: "docker save as a member", file: "image.tar", data: imageData, want: "tar"},
		{name: "tar past the depth limit", file: "a.tar", data: tarOf(t, map[string]string{"k": "x"}), depth: 5, want: "plain",
			check: func(t *testing.T, h *sourcetest.Host) {
				if len(h.Warnings) != 1 || !strings.HasSuffix(h.Warnings[0], "a.tar: tar nested deeper than 5: scanned as raw bytes") {
					t.Errorf("warnings: %q", h.Warnings)
				}
			}},
		{name: "zip on disk past the depth limit", file: "a.zip", data: zipOf(t, map[string]string{"k": "x"}), onDisk: true, depth: 5, want: "plain"},
		{name: ".tar without a tar header", file: "old.tar", data: v7, want: "plain"},
		{name: "V7 tar (no magic) named .TAR", file: "OLD.TAR", data: v7Tar, want: "tar", check: member("OLD.TAR!"+long, 1)},
		{name: "V7 tar header, not named .tar", file: "old.bin", data: v7Tar, want: "plain"},
		{name: "docx: a zip read by the office reader", file: "a.docx", want: "zip",
			data: zipOf(t, map[string]string{"[Content_Types].xml": "<Types/>", "word/document.xml": "<w:document><w:body><w:p><w:r><w:t>hi</w:t></w:r></w:p></w:body></w:document>", "media/x.bin": "x"}),
			check: func(t *testing.T, h *sourcetest.Host) {
				// The paragraph matched nothing: only the other members
				// are handed on; every member's raw bytes are scanned.
				if len(h.Members) != 2 || h.Members[0].Item.Prov.Path != "a.docx![Content_Types].xml" || h.Members[1].Item.Prov.Path != "a.docx!media/x.bin" {
					t.Errorf("members: %+v", h.Members)
				}
				if len(h.Scanned) != 3 {
					t.Errorf("scanned: %+v", h.Scanned)
				}
			}},
		{name: "zip with word/document.xml but no content types", file: "a.zip", want: "zip",
			data:  zipOf(t, map[string]string{"word/document.xml": "<w:p/>"}),
			check: member("a.zip!word/document.xml", 1)},
		{name: "parquet", file: "train.parquet", data: parquetOf(t), want: "parquet",
			check: func(t *testing.T, h *sourcetest.Host) {
				if len(h.Scanned) != 1 || !h.Scanned[0].Bytes.Rescan || len(h.Failures) != 0 {
					t.Errorf("scanned %+v failures %q", h.Scanned, h.Failures)
				}
			}},
		{name: "parquet on disk", file: "train.parquet", data: parquetOf(t), onDisk: true, want: "parquet"},
		{name: "parquet magic, no footer", file: "x.parquet", data: []byte("PAR1 garbage"), want: "parquet",
			check: failed("no footer (cut short, or no Parquet file); scanned as it is")},
		{name: "notebook", file: "nb.ipynb", data: []byte(notebook), want: "notebook"},
		{name: "notebook on disk", file: "nb.ipynb", data: []byte(notebook), onDisk: true, want: "notebook"},
		{name: "notebook without its extension", file: "nb", data: []byte(notebook), want: "notebook"},
		{name: "notebook member past the budget", file: "nb.ipynb", data: []byte(notebook), size: 200 << 20, want: "plain"},
		{name: "mattermost export", file: "export.jsonl", data: []byte(`{"type":"version","version":1}` + "\n"), want: "export"},
		{name: "jira export", file: "issue.json", data: []byte(`{"id":"1","key":"OPS-1","fields":{}}`), want: "export"},
		{name: "json-lines log", file: "events.log", data: []byte(`{"a":1}` + "\n" + `{"a":2}` + "\n"), want: "plain",
			check: func(t *testing.T, h *sourcetest.Host) {
				if len(h.Scanned) != 1 || !h.Scanned[0].Bytes.Prov.JSONLines {
					t.Errorf("scanned: %+v", h.Scanned)
				}
			}},
		{name: "eml", file: "msg", data: []byte(mailMsg), want: "mail",
			check: func(t *testing.T, h *sourcetest.Host) {
				if len(h.Members) != 2 || h.Members[1].Item.Prov.Path != "msg!part 1" || h.Members[1].Depth != 1 || len(h.Scanned) != 1 {
					t.Errorf("members %+v, scanned %d", h.Members, len(h.Scanned))
				}
			}},
		{name: "mbox", file: "inbox", data: []byte("From alice@example.com Mon Mar  4 09:00:00 2024\n" + mailMsg), want: "mail", check: member2("inbox!message 1!part 1")},
		{name: "eml in a tar", file: "a.tar", data: tarOf(t, map[string]string{"m.eml": mailMsg}), want: "tar", check: member("a.tar!m.eml", 1)},
		{name: "eml past the depth limit", file: "m.eml", data: []byte(mailMsg), depth: 5, want: "plain"},
		{name: "yaml with header-like keys", file: "c.yaml", data: []byte("From: alice\nDate: 2024-03-01\nSubject: x\n\nbody\n"), want: "plain"},
		{name: "http header dump", file: "h.txt", data: []byte("HTTP/1.1 200 OK\r\nDate: Mon, 04 Mar 2024 09:00:00 GMT\r\nContent-Type: text/html\r\n\r\n"), want: "plain"},
		{name: "json", file: "config.json", data: []byte(`{"a":1}`), want: "plain"},
		{name: "text", file: "notes.txt", data: []byte("hello\n"), want: "plain",
			check: func(t *testing.T, h *sourcetest.Host) {
				if len(h.Scanned) != 1 || h.Scanned[0].Bytes.Binary || h.Scanned[0].Data != "hello\n" {
					t.Errorf("scanned: %+v", h.Scanned)
				}
			}},
		{name: "binary", file: "x.bin", data: []byte("a\x00b"), want: "plain",
			check: func(t *testing.T, h *sourcetest.Host) {
				if len(h.Scanned) != 1 || !h.Scanned[0].Bytes.Binary {
					t.Errorf("scanned: %+v", h.Scanned)
				}
			}},
		{name: "utf-16le with a byte order mark", file: "transcript.txt", data: wide(text16, false, true), want: "utf-16/utf-32",
			check: func(t *testing.T, h *sourcetest.Host) {
				m := h.Members
				if len(m) != 1 || m[0].Data != text16 || m[0].Item.Prov.Encoding != "utf-16le" || m[0].Item.Prov.Path != "transcript.txt" || m[0].Depth != 0 {
					t.Errorf("members: %+v", m)
				}
			}},
		{name: "utf-16be without a mark, on disk", file: "out.log", data: wide(text16, true, false), onDisk: true, want: "utf-16/utf-32",
			check: func(t *testing.T, h *sourcetest.Host) {
				m := h.Members
				if len(m) != 1 || m[0].Data != text16 || m[0].Item.Prov.Encoding != "utf-16be" {
					t.Errorf("members: %+v", m)
				}
			}},
		{name: "utf-16 member past the depth limit", file: "a.reg", data: wide(text16, false, true), depth: 5, want: "utf-16/utf-32"},
		{name: "utf-16 notebook", file: "nb.ipynb", data: wide(notebook, false, true), want: "utf-16/utf-32"},
		{name: "NUL pattern of small numbers", file: "t.bin", data: bytes.Repeat([]byte{1, 0, 2, 0, 0xf0, 0}, 100), want: "plain",
			check: func(t *testing.T, h *sourcetest.Host) {
				if len(h.Scanned) != 1 || !h.Scanned[0].Bytes.Binary || len(h.Members) != 0 {
					t.Errorf("scanned: %+v", h.Scanned)
				}
			}},
		{name: "empty", file: "e", want: "plain"},
		{name: "sqlite", file: "cache.bin", data: []byte("SQLite format 3\x00 not quite"), want: "sqlite",
			check: func(t *testing.T, h *sourcetest.Host) {
				failed("its bytes were scanned as they are")(t, h)
				if len(h.Scanned) != 1 || !h.Scanned[0].Bytes.Binary {
					t.Errorf("scanned: %+v", h.Scanned)
				}
			}},
		{name: "sqlite on disk", file: "app.db", data: []byte("SQLite format 3\x00 not quite"), onDisk: true, want: "sqlite"},
		{name: "sqlite past the depth limit", file: "app.db", data: []byte("SQLite format 3\x00"), depth: 5, want: "plain"},
		{name: "sqlite magic cut short", file: "app.db", data: []byte("SQLite format 3"), want: "plain"},
		{name: "pyc", file: "mod.cpython-311.pyc", data: []byte("\xa7\x0d\r\n" + strings.Repeat("\x00", 12) + "\xe3hf_"), want: "pyc",
			check: func(t *testing.T, h *sourcetest.Host) {
				failed("its bytes were scanned as they are")(t, h)
				if h.Counted != 20 {
					t.Errorf("counted %d bytes", h.Counted)
				}
			}},
		{name: "pyc of an unread version", file: "mod.cpython-27.pyc", data: []byte("\x03\xf3\r\n\x00\x00\x00\x00c\x00"), want: "plain"},
		{name: "pyc magic, not code", file: "x.pyc", data: []byte("\xa7\x0d\r\n" + strings.Repeat("\x00", 12) + "N"), want: "plain"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var took []string
			reg := spied(&took)
			h := sourcetest.New()
			h.Formats = reg
			in := input(t, tc.file, tc.data, tc.onDisk)
			in.Depth = tc.depth
			if tc.size != 0 {
				in.Item.Size = tc.size
			}
			if err := reg.Open(t.Context(), in, h); err != nil {
				t.Fatal(err)
			}
			got := "plain"
			if len(took) > 0 {
				got = took[0]
			}
			if got != tc.want || len(took) > 1 {
				t.Errorf("read by %q, want %q", took, tc.want)
			}
			if tc.check != nil {
				tc.check(t, h)
			}
		})
	}
}

// input makes the Input the engine would: in place for a file on disk.
func input(t *testing.T, file string, data []byte, onDisk bool) *source.Input {
	head := data[:min(len(data), source.SniffLen)]
	in := &source.Input{
		Item:   source.Item{Prov: source.FileProvenance("file", file), Name: file, Size: int64(len(data))},
		Head:   head,
		R:      bytes.NewReader(data[len(head):]),
		Budget: source.NewBudget(source.Limits{}),
	}
	if onDisk {
		p := filepath.Join(t.TempDir(), file)
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		f, err := os.Open(p)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = f.Close() }) // opened read-only: closing it loses nothing
		if _, err := f.Seek(int64(len(head)), 0); err != nil {
			t.Fatal(err)
		}
		in.Item.Prov = source.FileProvenance("file", p)
		in.R, in.RA, in.Path = f, f, p
	}
	return in
}

// member checks that one member was handed on, at path and depth.
func member(path string, depth int) func(*testing.T, *sourcetest.Host) {
	return func(t *testing.T, h *sourcetest.Host) {
		t.Helper()
		if len(h.Members) != 1 || h.Members[0].Item.Prov.Path != path || h.Members[0].Depth != depth {
			t.Errorf("members: %+v, want %s at depth %d", h.Members, path, depth)
		}
	}
}

// failed checks that the one failure recorded ends with suffix.
func failed(suffix string) func(*testing.T, *sourcetest.Host) {
	return func(t *testing.T, h *sourcetest.Host) {
		t.Helper()
		if len(h.Failures) != 1 || !strings.HasSuffix(h.Failures[0], suffix) {
			t.Errorf("failures: %q, want one ending %q", h.Failures, suffix)
		}
	}
}

// TestRegistryDirs: directories that are one item are told apart from
// directories that only hold a marker's name.
func TestRegistryDirs(t *testing.T) {
	write := func(dir string, files map[string]string) string {
		for n, d := range files {
			p := filepath.Join(dir, filepath.FromSlash(n))
			if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(p, []byte(d), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		return dir
	}
	oci := filepath.Join(t.TempDir(), "oci")
	if _, err := layout.Write(oci, empty.Index); err != nil {
		t.Fatal(err)
	}
	slack := map[string]string{"channels.json": `[{"id":"C1","name":"general"}]`, "general/2024-01-01.json": `[]`}
	for _, tc := range []struct {
		name, dir, want string
	}{
		{"oci layout", oci, "image"},
		{"slack export", write(t.TempDir(), slack), "slack"},
		{"users.json, no channels", write(t.TempDir(), map[string]string{"users.json": "[]", "notes/a.txt": "x"}), ""},
		{"manifest.json, no image", write(t.TempDir(), map[string]string{"manifest.json": `{"name":"app"}`}), ""},
		{"plain directory", write(t.TempDir(), map[string]string{"a.txt": "x"}), ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := ""
			if d := Default().SniffDir(tc.dir); d != nil {
				got = d.Name()
			}
			if got != tc.want {
				t.Errorf("SniffDir = %q, want %q", got, tc.want)
			}
		})
	}
}

// TestRegistryFS: formats made of files are found inside a zip.
func TestRegistryFS(t *testing.T) {
	for _, tc := range []struct {
		name  string
		files map[string]string
		want  string
	}{
		{"slack", map[string]string{"users.json": "[]", "general/2024-01-01.json": "[]"}, "slack"},
		{"actions logs", map[string]string{"build/1_Set up job.txt": "2024-01-02T03:04:05.1234567Z start\n"}, "actions-logs"},
		{"step names, untimed lines", map[string]string{"build/1_Set up job.txt": "start\n"}, ""},
		{"plain zip", map[string]string{"a.txt": "x"}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			data := zipOf(t, tc.files)
			zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
			if err != nil {
				t.Fatal(err)
			}
			got := ""
			if f := Default().SniffFS(zr); f != nil {
				got = f.Name()
			}
			if got != tc.want {
				t.Errorf("SniffFS = %q, want %q", got, tc.want)
			}
		})
	}
}

// TestRegistryBlob: an item held in memory (a git blob) is opened when it
// is a container or a notebook; exports, images and the rest are scanned
// as bytes.
func TestRegistryBlob(t *testing.T) {
	for _, tc := range []struct {
		name       string
		file       string
		data       []byte
		containers bool
		want       string
	}{
		{"zip", "", zipOf(t, map[string]string{"a": "x"}), true, "zip"},
		{"zip, containers left out", "", zipOf(t, map[string]string{"a": "x"}), false, ""},
		{"tar (no image)", "", tarOf(t, map[string]string{"a": "x"}), true, "tar"},
		{"gzip", "", gzipOf(t, []byte("x")), true, "gzip"},
		{"zstd", "", compressOf(t, "zstd", []byte("x")), true, "zstd"},
		{"bzip2", "", []byte(bzip2Hello), true, "bzip2"},
		{"xz", "", compressOf(t, "xz", []byte("x")), true, "xz"},
		{"lz4", "", compressOf(t, "lz4", []byte("x")), true, "lz4"},
		{"xz, containers left out", "", compressOf(t, "xz", []byte("x")), false, ""},
		{"notebook", "", []byte(notebook), true, "notebook"},
		{"notebook by name", "a.ipynb", []byte("{}"), false, "notebook"},
		{"export", "", []byte(`{"id":"1","key":"OPS-1","fields":{}}`), true, ""},
		{"mail", "", []byte(mailMsg), true, "mail"},
		{"mail, containers left out", "", []byte(mailMsg), false, ""},
		{"text", "", []byte("hello"), true, ""},
		{"utf-16 text", "", wide(text16, false, true), true, "utf-16/utf-32"},
		{"utf-16 text, staged", "a.txt", wide(text16, false, true), false, "utf-16/utf-32"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := ""
			if r := Default().SniffBlob(tc.file, tc.data[:min(len(tc.data), source.SniffLen)], tc.containers); r != nil {
				got = r.Name()
			}
			if got != tc.want {
				t.Errorf("SniffBlob = %q, want %q", got, tc.want)
			}
		})
	}
}

// TestRegistryEmpty: with no readers, everything is plain bytes.
func TestRegistryEmpty(t *testing.T) {
	h := sourcetest.New()
	data := zipOf(t, map[string]string{"a": "x"})
	if err := (&source.Registry{}).Open(t.Context(), input(t, "a.zip", data, false), h); err != nil {
		t.Fatal(err)
	}
	if len(h.Scanned) != 1 || h.Scanned[0].Data != string(data) || len(h.Members) != 0 {
		t.Errorf("scanned %d, members %d", len(h.Scanned), len(h.Members))
	}
}
