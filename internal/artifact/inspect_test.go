package artifact

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"context"
	"errors"
	"fmt"
	"hash/crc32"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// summary renders findings as "severity kind path: detail" lines.
func summary(fs []Finding) string {
	var lines []string
	for _, f := range fs {
		lines = append(lines, fmt.Sprintf("%s %s %s: %s", f.Severity, f.Kind, f.Path, f.Detail))
	}
	return strings.Join(lines, "\n")
}

func inspectFile(t *testing.T, name string, data []byte) []Finding {
	t.Helper()
	fs, err := Inspect(t.Context(), name, bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatalf("Inspect(%s): %v", name, err)
	}
	return fs
}

// TestInspectFixtures checks the files written by testdata/gen.py, which
// Python itself pickled.
func TestInspectFixtures(t *testing.T) {
	cases := []struct {
		file string
		want []string // lines of summary(), each a prefix of the real line
	}{
		{"plain_p0.pkl", nil},
		{"plain_p1.pkl", nil},
		{"plain_p2.pkl", nil},
		{"plain_p3.pkl", nil},
		{"plain_p4.pkl", nil},
		{"plain_p5.pkl", nil},
		{"evil_p0.pkl", []string{"critical unsafe-pickle evil_p0.pkl: imports posix.system (GLOBAL at offset 0), called by REDUCE at offset 29"}},
		{"evil_p1.pkl", []string{"critical unsafe-pickle evil_p1.pkl: imports posix.system (GLOBAL at offset 0), called by REDUCE"}},
		{"evil_p2.pkl", []string{"critical unsafe-pickle evil_p2.pkl: imports posix.system (GLOBAL at offset 2), called by REDUCE"}},
		{"evil_p3.pkl", []string{"critical unsafe-pickle evil_p3.pkl: imports posix.system (GLOBAL at offset 2), called by REDUCE"}},
		{"evil_p4.pkl", []string{"critical unsafe-pickle evil_p4.pkl: imports posix.system (STACK_GLOBAL at offset 28), called by REDUCE at offset 37"}},
		{"evil_p5.pkl", []string{"critical unsafe-pickle evil_p5.pkl: imports posix.system (STACK_GLOBAL at offset 28), called by REDUCE at offset 37"}},
		{"torch_zip.pt", nil},
		{"torch_zip_evil.pt", []string{"critical unsafe-pickle torch_zip_evil.pt!archive/data.pkl: imports posix.system (GLOBAL at offset"}},
		{"torch_legacy.bin", nil},
		{"torch_legacy_evil.bin", []string{"critical unsafe-pickle torch_legacy_evil.bin: imports posix.system (GLOBAL at offset"}},
		{"model.safetensors", nil},
		{"object_evil.npy", []string{"critical unsafe-pickle object_evil.npy: imports posix.system"}},
	}
	for _, c := range cases {
		t.Run(c.file, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join("testdata", c.file))
			if err != nil {
				t.Fatal(err)
			}
			got := summary(inspectFile(t, c.file, data))
			lines := strings.Split(got, "\n")
			if got == "" {
				lines = nil
			}
			if len(lines) != len(c.want) {
				t.Fatalf("findings:\n%s\nwant %d", got, len(c.want))
			}
			for i, w := range c.want {
				if !strings.HasPrefix(lines[i], w) {
					t.Errorf("finding %d = %q, want prefix %q", i, lines[i], w)
				}
			}
		})
	}
}

// TestInspectLegacyOffsets checks that offsets in a legacy torch file are
// file offsets: the import sits where the finding says.
func TestInspectLegacyOffsets(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("testdata", "torch_legacy_evil.bin"))
	if err != nil {
		t.Fatal(err)
	}
	fs := inspectFile(t, "model.bin", data)
	if len(fs) != 1 {
		t.Fatalf("findings:\n%s", summary(fs))
	}
	if at := fs[0].Offset; !bytes.HasPrefix(data[at:], []byte("cposix\nsystem\n")) {
		t.Errorf("offset %d points at %q", at, data[at:min(int(at)+14, len(data))])
	}
}

func TestInspectByNameAndContent(t *testing.T) {
	evil := proto(2).op(opGlobal).text("os\nsystem\n").op(opStop)
	var zbuf bytes.Buffer
	zw := zip.NewWriter(&zbuf)
	for _, m := range []struct {
		name string
		data []byte
	}{
		{"model/data.pkl", proto(2).op(opGlobal).text("collections\nOrderedDict\n").op(opStop)},
		{"model/data/0", []byte("cos\nsystem\n")}, // raw storage: never read as a pickle
		{"model/extra.pkl", evil},
		{"model/broken.pkl", proto(2).op(opNone)},
	} {
		w, err := zw.Create(m.name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write(m.data); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		data []byte
		want []string
	}{
		{"weights.pkl", evil, []string{"critical unsafe-pickle weights.pkl: imports os.system"}},
		{"no-extension", evil, []string{"critical unsafe-pickle no-extension: imports os.system"}},
		{"model.joblib", pk{}.op(opGlobal).text("os\nsystem\n").op(opStop), []string{"critical unsafe-pickle model.joblib"}},
		// Whatever the name, bytes that unpickle into a dangerous import are reported.
		{"readme.txt", []byte("cos\nsystem\n."), []string{"critical unsafe-pickle readme.txt: read as a pickle: imports os.system"}},
		{"model.onnx", []byte("\x08\x07\x12\x07pytorch"), nil},
		{"model.onnx", []byte("cos\nsystem\n(S'id'\ntR."), []string{"critical unsafe-pickle model.onnx: read as a pickle: imports os.system"}},
		{"poly.safetensors", []byte("cos\nsystem\n(S'id'\ntR."), []string{
			"high bad-safetensors poly.safetensors: header size",
			"critical unsafe-pickle poly.safetensors: read as a pickle: imports os.system",
		}},
		// Any first opcode: a .bin, .pt or .npy is a pickle to its loader.
		{"evil.bin", []byte("K\x010cos\nsystem\n(S'id'\ntR."), []string{"critical unsafe-pickle evil.bin: imports os.system (GLOBAL at offset 3), called by REDUCE"}},
		// torch.load unpickles the pickles after the first whatever their protocol.
		{"legacy.pt", []byte("L119547037146038801333356L\n.cos\nsystem\n(S'id'\ntR."), []string{"critical unsafe-pickle legacy.pt: imports os.system (GLOBAL at offset 28), called by REDUCE"}},
		{"legacy2.pt", []byte("\x80\x02K\x01.cmypkg\nf\n(tR.\x00\x00\x80\x3f"), []string{"high suspicious-pickle legacy2.pt: imports mypkg.f"}},
		{"legacy3.pt", []byte("\x80\x02K\x01.cmypkg\nf\n(tR\x00\x00\x80\x3f"), nil}, // raw bytes, not a pickle
		{"legacy_p1.bin", []byte("L119547037146038801333356L\n0cos\nsystem\n(S'id'\ntR."), []string{"critical unsafe-pickle legacy_p1.bin: imports os.system"}},
		{"noise.bin", []byte("\x00\x01\x02"), []string{"medium unreadable noise.bin: unknown opcode 0x00"}},
		{"d.npy", []byte("cos\nsystem\n(S'id'\ntR."), []string{"critical unsafe-pickle d.npy: imports os.system"}},
		{"pytorch_model.bin", []byte("cos\nsystem\n."), []string{"critical unsafe-pickle pytorch_model.bin"}},
		{"pytorch_model.bin", []byte("GGUF\x03\x00"), nil},
		{"gguf.bin", append([]byte("GGUF\x03\x00\x00\x00X"), "0cos\nsystem\n."...), []string{"critical unsafe-pickle gguf.bin: read as a pickle: imports os.system"}},
		{"checkpoint.pt", zbuf.Bytes(), []string{
			"critical unsafe-pickle checkpoint.pt!model/extra.pkl: imports os.system",
			"medium unreadable checkpoint.pt!model/broken.pkl: pickle truncated",
		}},
		{"bad.pt", []byte("PK\x03\x04garbage"), []string{"medium unreadable bad.pt: unreadable zip"}},
		{"x.safetensors", []byte("tiny"), []string{"high bad-safetensors x.safetensors: file is 4 bytes"}},
		{"weights", stFile(`{"a":{"dtype":"U8","shape":[2],"data_offsets":[0,2]},"b":{"dtype":"U8","shape":[1],"data_offsets":[1,2]}}`, 2),
			[]string{"high bad-safetensors weights: tensor b data_offsets [1, 2] overlap"}},
		{"model.bin", stFile(`{"a":{"dtype":"U8","shape":[2],"data_offsets":[0,2]}}`, 2), nil}, // safetensors by content
		{"empty.pkl", nil, []string{"medium unreadable empty.pkl: empty pickle"}},
		{"a.npy", []byte("\x93NUMPY\x01\x00\x10\x00{'descr': '<f4'}"), nil},
		{"b.npy", []byte("\x93NUMPY\x09\x00\x00\x00"), []string{"medium unreadable b.npy: .npy format version 9"}},
		{"c.npy", []byte("\x93NUMPY\x01\x00\xff\x00{"), []string{"medium unreadable c.npy: .npy header runs past"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := summary(inspectFile(t, c.name, c.data))
			lines := strings.Split(got, "\n")
			if got == "" {
				lines = nil
			}
			if len(lines) != len(c.want) {
				t.Fatalf("findings:\n%s\nwant %d", got, len(c.want))
			}
			for i, w := range c.want {
				if !strings.HasPrefix(lines[i], w) {
					t.Errorf("finding %d = %q, want prefix %q", i, lines[i], w)
				}
			}
		})
	}
}

func TestInspectCanceled(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	data := []byte{opProto, 2, opStop}
	if _, err := Inspect(ctx, "a.pkl", bytes.NewReader(data), 3); !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
}

// failingReaderAt fails every read.
type failingReaderAt struct{}

func (failingReaderAt) ReadAt([]byte, int64) (int, error) { return 0, errDisk }

func TestInspectReadError(t *testing.T) {
	_, err := Inspect(t.Context(), "a.pkl", failingReaderAt{}, 100)
	if !errors.Is(err, errDisk) || !strings.Contains(err.Error(), "a.pkl") {
		t.Errorf("err = %v, want one naming a.pkl wrapping errDisk", err)
	}
}

func TestInspectBoundsFindings(t *testing.T) {
	var zbuf bytes.Buffer
	zw := zip.NewWriter(&zbuf)
	for m := range 20 {
		in := proto(2)
		for i := range 100 {
			in = in.op(opGlobal).text(fmt.Sprintf("pkg%d\nf%d\n", m, i)).op(opPop)
		}
		w, err := zw.Create(fmt.Sprintf("archive/%d.pkl", m))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write(in.op(opStop)); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	fs := inspectFile(t, "many.pt", zbuf.Bytes())
	if len(fs) != maxFileFindings+1 || !strings.Contains(fs[maxFileFindings].Detail, "the rest of the file not inspected") {
		t.Errorf("%d findings, last %+v", len(fs), fs[len(fs)-1])
	}
}

func TestIsModelFile(t *testing.T) {
	cases := map[string]bool{
		"pytorch_model.bin": true, "a/b/model.PT": true, "x.pth": true, "x.ckpt": true, "x.pkl": true,
		"x.pickle": true, "x.joblib": true, "model.safetensors": true, "x.npy": true, "x.npz": true,
		"tf_model.h5": true, "model.onnx": true, "m.gguf": true, "flax_model.msgpack": true,
		"README.md": false, "config.json": false, "bin": false, "tokenizer.txt": false, "": false,
	}
	for name, want := range cases {
		if got := IsModelFile(name); got != want {
			t.Errorf("IsModelFile(%q) = %v, want %v", name, got, want)
		}
	}
}

func TestZipBudget(t *testing.T) {
	cases := []struct{ size, want int64 }{
		{0, minZipRead},
		{4 << 20, 4 << 20 * zipRatio},
		{1 << 20, zipRatio << 20},
		{maxZipRead/zipRatio - 1, maxZipRead/zipRatio*zipRatio - zipRatio},
		{maxZipRead / zipRatio, maxZipRead},
		{1 << 62, maxZipRead}, // no overflow
	}
	for _, c := range cases {
		if got := zipBudget(c.size); got != c.want {
			t.Errorf("zipBudget(%d) = %d, want %d", c.size, got, c.want)
		}
	}
}

// bytesPickle is a pickle of size bytes holding one BINBYTES8 of zeros.
func bytesPickle(size int) []byte {
	p := append(proto(4).u64(opBinBytes8, size-12), make([]byte, size-12)...)
	return append(p, opStop)
}

// bombZip builds a small zip of n highly compressed pickle members holding
// bomb, all sharing one compressed stream, then an archive/data.pkl
// holding last.
func bombZip(tb testing.TB, bomb []byte, n int, last []byte) []byte {
	tb.Helper()
	var comp bytes.Buffer
	fw, err := flate.NewWriter(&comp, flate.BestCompression)
	if err != nil {
		tb.Fatal(err)
	}
	if _, err := fw.Write(bomb); err != nil {
		tb.Fatal(err)
	}
	if err := fw.Close(); err != nil {
		tb.Fatal(err)
	}
	var zbuf bytes.Buffer
	zw := zip.NewWriter(&zbuf)
	for i := range n {
		w, err := zw.CreateRaw(&zip.FileHeader{Name: fmt.Sprintf("archive/bomb%d.pkl", i), Method: zip.Deflate,
			CRC32: crc32.ChecksumIEEE(bomb), CompressedSize64: uint64(comp.Len()), UncompressedSize64: uint64(len(bomb))})
		if err != nil {
			tb.Fatal(err)
		}
		if _, err := w.Write(comp.Bytes()); err != nil {
			tb.Fatal(err)
		}
	}
	w, err := zw.Create("archive/data.pkl")
	if err != nil {
		tb.Fatal(err)
	}
	if _, err := w.Write(last); err != nil {
		tb.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		tb.Fatal(err)
	}
	return zbuf.Bytes()
}

// TestInspectZipBomb checks that the scan of a zip bomb reads no more
// than the budget and still finds the evil data.pkl after the bombs.
func TestInspectZipBomb(t *testing.T) {
	const memberSize = 6 << 20
	data := bombZip(t, bytesPickle(memberSize), 5, proto(2).op(opGlobal).text("os\nsystem\n").op(opStop))
	size := int64(len(data))
	if zipBudget(size) != minZipRead || 5*memberSize <= minZipRead {
		t.Fatalf("a %d-byte zip does not exercise the budget", size)
	}
	got := summary(inspectFile(t, "bomb.pt", data))
	want := []string{
		"critical unsafe-pickle bomb.pt!archive/data.pkl: imports os.system",
		fmt.Sprintf("medium unreadable bomb.pt!archive/bomb2.pkl: pickle not inspected past %d bytes", minZipRead-14-2*memberSize),
		fmt.Sprintf("medium unreadable bomb.pt: read %d decompressed bytes, the most for a %d-byte zip; 2 pickle members not inspected", minZipRead, size),
	}
	lines := strings.Split(got, "\n")
	if len(lines) != len(want) {
		t.Fatalf("findings:\n%s", got)
	}
	for i, w := range want {
		if !strings.HasPrefix(lines[i], w) {
			t.Errorf("finding %d = %q, want prefix %q", i, lines[i], w)
		}
	}
}

// npyFile is a version-1 .npy of the given dtype whose data is data.
func npyFile(descr string, data []byte) []byte {
	h := fmt.Sprintf("{'descr': '%s', 'fortran_order': False, 'shape': (1,), }", descr)
	h += strings.Repeat(" ", 63-(10+len(h))%64) + "\n"
	b := append([]byte("\x93NUMPY\x01\x00"), byte(len(h)), byte(len(h)>>8))
	return append(append(b, h...), data...)
}

// npzFile is an .npz holding a float array, an object array whose pickle
// calls posix.system, and a broken .npy.
func npzFile(tb testing.TB) []byte {
	tb.Helper()
	evil := []byte("cposix\nsystem\n(S'id'\ntR.")
	var zbuf bytes.Buffer
	zw := zip.NewWriter(&zbuf)
	for _, m := range []struct {
		name string
		data []byte
	}{
		{"weights.npy", npyFile("<f4", []byte{0, 0, 0x80, 0x3f})},
		{"arr_0.npy", npyFile("|O", evil)},
		{"broken.npy", []byte("\x93NUMPY\x01\x00\xff\x00{")},
	} {
		w, err := zw.Create(m.name)
		if err != nil {
			tb.Fatal(err)
		}
		if _, err := w.Write(m.data); err != nil {
			tb.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		tb.Fatal(err)
	}
	return zbuf.Bytes()
}

// An .npz is a zip of .npy files: numpy.load(allow_pickle=True) unpickles
// the object arrays among them.
func TestInspectNpz(t *testing.T) {
	got := summary(inspectFile(t, "data.npz", npzFile(t)))
	for _, want := range []string{
		"critical unsafe-pickle data.npz!arr_0.npy: imports posix.system",
		"medium unreadable data.npz!broken.npy: .npy header runs past",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("findings:\n%s\nwant %q", got, want)
		}
	}
	if strings.Contains(got, "weights.npy") {
		t.Errorf("a float array reported:\n%s", got)
	}
}
