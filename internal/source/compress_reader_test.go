package source_test

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/hfwarden/hfwarden/internal/source"
	"github.com/hfwarden/hfwarden/internal/source/sourcetest"
	"github.com/hfwarden/hfwarden/internal/testutil"
)

// compressTool is a compression CLI and the reader of what it writes.
type compressTool struct {
	tool   string
	args   []string
	reader source.Reader
	ext    string
}

var compressTools = []compressTool{
	{"zstd", []string{"-q", "-c"}, source.ZstdReader(), ".zst"},
	{"bzip2", []string{"-c"}, source.Bzip2Reader(), ".bz2"},
	{"xz", []string{"-c"}, source.XzReader(), ".xz"},
	{"lz4", []string{"-q", "-c"}, source.Lz4Reader(), ".lz4"},
}

// randomText is n bytes of text lines that hold no token and compress
// poorly, so that a stream of it spans many blocks.
func randomText(seed uint64, n int) []byte {
	r := rand.New(rand.NewPCG(seed, seed))
	const alpha = "abcdefghijklmnopqrstuvwxyz0123456789 "
	b := make([]byte, n)
	for i := range b {
		b[i] = alpha[r.IntN(len(alpha))]
		if i%60 == 59 {
			b[i] = '\n'
		}
	}
	return b
}

// TestStreamReaders: what the real tools write is read in the file's
// place under its name stripped; a stream cut short keeps what came
// before, named by its format; random bytes after the magic are scanned
// as they are; bombs stop at the ratio and at the member cap.
func TestStreamReaders(t *testing.T) {
	tok := testutil.FakeTokens(t, 0x13a, 1)[0]
	for _, ct := range compressTools {
		t.Run(ct.tool, func(t *testing.T) {
			t.Run("names", func(t *testing.T) {
				data := testutil.Tool(t, ct.tool, []byte("inside\n"), ct.args...)
				for _, tc := range []struct{ name, inner string }{
					{"app.log" + ct.ext, "app.log"},
					{"x.tar" + strings.ToUpper(ct.ext), "x.tar"},
					{"noext", "noext"},
				} {
					h := sourcetest.New()
					if !ct.reader.Sniff(tc.name, data) {
						t.Fatalf("%s: not sniffed", tc.name)
					}
					if err := ct.reader.Open(t.Context(), memberInput(tc.name, data, -1, 0), h); err != nil {
						t.Fatal(err)
					}
					if len(h.Members) != 1 || len(h.Failures) != 0 {
						t.Fatalf("%s: members %+v failures %q", tc.name, h.Members, h.Failures)
					}
					m := h.Members[0]
					if m.Item.Name != tc.inner || m.Item.Prov.Path != tc.name || m.Item.Size != -1 || m.Data != "inside\n" || m.Depth != 1 || m.Err != nil {
						t.Errorf("%s: member %+v", tc.name, m)
					}
				}
			})
			t.Run("truncated", func(t *testing.T) {
				// lz4 writes 4 MiB blocks and bzip2 900 kB ones, each
				// whole before its bytes come out.
				size := map[string]int{"lz4": 12 << 20, "bzip2": 3 << 20}[ct.tool]
				if size == 0 {
					size = 1 << 20
				}
				plain := append([]byte("export HF_TOKEN="+tok+"\n"), randomText(1, size)...)
				data := testutil.Tool(t, ct.tool, plain, ct.args...)
				data = data[:len(data)/2]
				h := sourcetest.New()
				if err := ct.reader.Open(t.Context(), memberInput("cut.log"+ct.ext, data, -1, 0), h); err != nil {
					t.Fatal(err)
				}
				if len(h.Members) != 1 {
					t.Fatalf("members %+v failures %q", h.Members, h.Failures)
				}
				m := h.Members[0]
				if !strings.HasPrefix(m.Data, "export HF_TOKEN="+tok) || m.Err == nil || !strings.HasPrefix(m.Err.Error(), ct.tool+": unexpected EOF") {
					t.Errorf("read %d bytes, err %v", len(m.Data), m.Err)
				}
			})
			t.Run("magic by chance", func(t *testing.T) {
				data := testutil.Tool(t, ct.tool, []byte("x"), ct.args...)
				magic := data[:min(len(data), 10)]
				junk := append(append([]byte{}, magic...), bytes.Repeat([]byte{0xff, 0x00, 0x13}, 40)...)
				junk = append(junk, "\nHF_TOKEN="+tok+"\n"...)
				h := sourcetest.New()
				if !ct.reader.Sniff("j", junk) {
					t.Fatal("not sniffed")
				}
				if err := ct.reader.Open(t.Context(), memberInput("junk"+ct.ext, junk, -1, 0), h); err != nil {
					t.Fatal(err)
				}
				if len(h.Failures) != 1 || !strings.Contains(h.Failures[0], "junk"+ct.ext+": "+ct.tool) || !strings.HasSuffix(h.Failures[0], "; scanned as it is") {
					t.Errorf("failures %q", h.Failures)
				}
				if len(h.Scanned) != 1 || h.Scanned[0].Data != string(junk) || !slicesHas(h.Secrets(), tok) {
					t.Errorf("scanned %+v, secrets %q", h.Scanned, h.Secrets())
				}
			})
			t.Run("bomb", func(t *testing.T) {
				data := testutil.Tool(t, ct.tool, make([]byte, 16<<20), ct.args...)
				for _, tc := range []struct {
					name string
					lim  source.Limits
					want string
				}{
					{"ratio", source.Limits{RatioFloor: 1 << 20, MaxRatio: 100}, source.ErrBomb.Error()},
					{"member cap", source.Limits{MaxMemberBytes: 4 << 20, MaxRatio: 1 << 30}, "member larger than 4194304 bytes"},
				} {
					h := sourcetest.New()
					in := memberInput("zeros"+ct.ext, data, int64(len(data)), 0)
					in.Budget = source.NewBudget(tc.lim)
					if err := ct.reader.Open(t.Context(), in, h); err != nil {
						t.Fatal(err)
					}
					if len(h.Members) != 1 || h.Members[0].Err == nil || !strings.Contains(h.Members[0].Err.Error(), tc.want) {
						t.Fatalf("%s: members %+v", tc.name, h.Members)
					}
					if tc.name == "ratio" && !errors.Is(h.Members[0].Err, source.ErrBomb) {
						t.Errorf("not ErrBomb: %v", h.Members[0].Err)
					}
					if n := len(h.Members[0].Data); n > 8<<20 {
						t.Errorf("%s: read %d bytes of the bomb", tc.name, n)
					}
				}
			})
			t.Run("random data compressed", func(t *testing.T) {
				r := rand.New(rand.NewPCG(7, 7))
				raw := make([]byte, 256<<10)
				for i := range raw {
					raw[i] = byte(r.Uint32())
				}
				data := testutil.Tool(t, ct.tool, raw, ct.args...)
				h := sourcetest.New()
				if err := ct.reader.Open(t.Context(), memberInput("r"+ct.ext, data, -1, 0), h); err != nil {
					t.Fatal(err)
				}
				if len(h.Members) != 1 || h.Members[0].Err != nil || h.Members[0].Data != string(raw) || len(h.Failures) != 0 {
					t.Errorf("members %d failures %q", len(h.Members), h.Failures)
				}
			})
		})
	}
}

// TestStreamFrames: zstd frames one after another and skippable frames
// before and between them, lz4 legacy and skippable frames.
func TestStreamFrames(t *testing.T) {
	skippable := func(payload string) []byte {
		b := []byte{0x53, 0x2a, 0x4d, 0x18, byte(len(payload)), 0, 0, 0}
		return append(b, payload...)
	}
	cat := func(parts ...[]byte) []byte { return bytes.Join(parts, nil) }
	for _, tc := range []struct {
		name   string
		reader source.Reader
		data   func(t *testing.T) []byte
		want   string
	}{
		{"zstd frames", source.ZstdReader(), func(t *testing.T) []byte {
			return cat(testutil.Tool(t, "zstd", []byte("one\n"), "-q", "-c"), testutil.Tool(t, "zstd", []byte("two\n"), "-q", "-c"))
		}, "one\ntwo\n"},
		{"zstd skippable frames", source.ZstdReader(), func(t *testing.T) []byte {
			return cat(skippable("meta"), testutil.Tool(t, "zstd", []byte("one\n"), "-q", "-c"), skippable("x"), testutil.Tool(t, "zstd", []byte("two\n"), "-q", "-c"))
		}, "one\ntwo\n"},
		{"lz4 legacy", source.Lz4Reader(), func(t *testing.T) []byte { return testutil.Tool(t, "lz4", []byte("old\n"), "-q", "-l", "-c") }, "old\n"},
		{"lz4 skippable frame", source.Lz4Reader(), func(t *testing.T) []byte {
			return cat(skippable("meta"), testutil.Tool(t, "lz4", []byte("one\n"), "-q", "-c"))
		}, "one\n"},
		{"xz streams", source.XzReader(), func(t *testing.T) []byte {
			return cat(testutil.Tool(t, "xz", []byte("one\n"), "-c"), testutil.Tool(t, "xz", []byte("two\n"), "-c"))
		}, "one\ntwo\n"},
		{"bzip2 streams", source.Bzip2Reader(), func(t *testing.T) []byte {
			return cat(testutil.Tool(t, "bzip2", []byte("one\n"), "-c"), testutil.Tool(t, "bzip2", []byte("two\n"), "-c"))
		}, "one\ntwo\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			data := tc.data(t)
			if !tc.reader.Sniff("f", data) {
				t.Fatal("not sniffed")
			}
			h := sourcetest.New()
			if err := tc.reader.Open(t.Context(), memberInput("f", data, -1, 0), h); err != nil {
				t.Fatal(err)
			}
			if len(h.Members) != 1 || h.Members[0].Data != tc.want || h.Members[0].Err != nil {
				t.Errorf("members %+v failures %q", h.Members, h.Failures)
			}
		})
	}
}

// TestStreamSniff: the magic alone picks a reader, never the name; text
// that starts like a magic is not taken.
func TestStreamSniff(t *testing.T) {
	for _, tc := range []struct {
		name string
		head string
		want string
	}{
		{"zstd", "\x28\xb5\x2f\xfd\x00", "zstd"},
		{"zstd after a skippable frame", "\x50\x2a\x4d\x18\x01\x00\x00\x00m\x28\xb5\x2f\xfd", "zstd"},
		{"lz4 after a skippable frame", "\x5f\x2a\x4d\x18\x00\x00\x00\x00\x04\x22\x4d\x18", "lz4"},
		{"skippable frame past head", "\x50\x2a\x4d\x18\xff\x00\x00\x00", ""},
		{"bzip2", "BZh91AY&SY", "bzip2"},
		{"bzip2 empty", "BZh9\x17\x72\x45\x38\x50\x90", "bzip2"},
		{"BZh9 text", "BZh9 is not a stream", ""},
		{"xz", "\xfd7zXZ\x00", "xz"},
		{"lz4", "\x04\x22\x4d\x18", "lz4"},
		{"lz4 legacy", "\x02\x21\x4c\x18", "lz4"},
		{"named .zst, text inside", "hello", ""},
	} {
		var got []string
		for _, r := range []source.Reader{source.ZstdReader(), source.Bzip2Reader(), source.XzReader(), source.Lz4Reader()} {
			if r.Sniff("a.zst", []byte(tc.head)) {
				got = append(got, r.Name())
			}
		}
		if strings.Join(got, ",") != tc.want {
			t.Errorf("%s: sniffed by %q, want %q", tc.name, got, tc.want)
		}
	}
}

// TestXzDictionary: an xz stream asking for a dictionary past the bound
// is refused before any memory is given to it.
func TestXzDictionary(t *testing.T) {
	data := testutil.Tool(t, "xz", []byte("x\n"), "-c")
	// The first block header's LZMA2 dictionary byte: 12-byte stream
	// header, size, flags (no sizes), filter id 0x21, props size 1.
	if data[14] != 0x21 || data[15] != 1 {
		t.Fatalf("block header % x", data[12:20])
	}
	data[16] = 40 // 4 GiB
	h := sourcetest.New()
	if err := source.XzReader().Open(t.Context(), memberInput("big.xz", data, -1, 0), h); err != nil {
		t.Fatal(err)
	}
	if len(h.Members) != 0 || len(h.Failures) != 1 || !strings.Contains(h.Failures[0], "xz: dictionary larger than 128 MiB") {
		t.Errorf("members %+v failures %q", h.Members, h.Failures)
	}
}

func slicesHas(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// fuzzStream feeds data to r as a member would be, with small limits:
// it must not panic, and reads no more than the limits allow.
func fuzzStream(f *testing.F, r source.Reader, tool string, args ...string) {
	seeds := [][]byte{[]byte("x")}
	if _, err := exec.LookPath(tool); err == nil {
		for _, plain := range [][]byte{nil, []byte("HF_TOKEN=hf_x\n"), randomText(3, 12<<10)} {
			cmd := exec.Command(tool, args...)
			cmd.Stdin = bytes.NewReader(plain)
			if out, err := cmd.Output(); err == nil {
				seeds = append(seeds, out, out[:len(out)/2])
			}
		}
	}
	for _, s := range seeds {
		f.Add(s)
	}
	// One host for every run: making its detectors costs more than most
	// runs; what it recorded is cleared.
	h := sourcetest.New()
	f.Fuzz(func(t *testing.T, data []byte) {
		h.Members, h.Scanned, h.Reports, h.Failures = nil, nil, nil, nil
		in := memberInput("f", data, -1, 0)
		in.Budget = source.NewBudget(source.Limits{MaxMemberBytes: 1 << 20, MaxTotalBytes: 2 << 20, RatioFloor: 64 << 10, MaxRatio: 1000})
		if !r.Sniff("f", in.Head) {
			return
		}
		start := time.Now()
		if err := r.Open(t.Context(), in, h); err != nil {
			t.Fatal(err)
		}
		if d := time.Since(start); d > time.Second {
			t.Fatalf("took %v", d)
		}
		for _, m := range h.Members {
			if len(m.Data) > 1<<20+64<<10 {
				t.Fatalf("read %d bytes past the member cap", len(m.Data))
			}
		}
	})
}

func FuzzZstdReader(f *testing.F)  { fuzzStream(f, source.ZstdReader(), "zstd", "-q", "-c") }
func FuzzBzip2Reader(f *testing.F) { fuzzStream(f, source.Bzip2Reader(), "bzip2", "-c") }
func FuzzXzReader(f *testing.F)    { fuzzStream(f, source.XzReader(), "xz", "-c") }
func FuzzLz4Reader(f *testing.F)   { fuzzStream(f, source.Lz4Reader(), "lz4", "-q", "-c") }
