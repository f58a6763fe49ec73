package artifact

import (
	"archive/zip"
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hfwarden/hfwarden/internal/testutil"
)

// Bounds on the cost of one fuzz input: no input, however hostile, may
// take longer or allocate more.
const (
	maxFuzzTime  = time.Second
	maxFuzzAlloc = 64 << 20
)

// checkCost fails t if fn costs more than the budget above.
func checkCost(t *testing.T, what string, fn func()) {
	t.Helper()
	testutil.CheckCost(t, what, maxFuzzTime, maxFuzzAlloc, fn)
}

// seedFixtures adds the testdata files, and the pickles inside its zips,
// as fuzz seeds.
func seedFixtures(f *testing.F, keep func(name string) bool) {
	f.Helper()
	paths, err := filepath.Glob(filepath.Join("testdata", "*"))
	if err != nil {
		f.Fatal(err)
	}
	for _, p := range paths {
		if !keep(p) {
			continue
		}
		data, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
		if zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data))); err == nil {
			for _, m := range zr.File {
				rc, err := m.Open()
				if err != nil {
					f.Fatal(err)
				}
				var b bytes.Buffer
				_, _ = b.ReadFrom(rc) // a member that does not inflate seeds what it gave
				_ = rc.Close()        // a member read: closing it loses nothing
				f.Add(b.Bytes())
			}
		}
	}
}

// TestInspectCost holds Inspect to the fuzz targets' bounds on inputs too
// slow to fuzz with: four 64 MiB members of opcodes in a small zip took
// seconds to scan before the zip had a budget.
func TestInspectCost(t *testing.T) {
	data := bombZip(t, append(append(proto(4), bytes.Repeat([]byte{opNone, opPop}, 32<<20)...), opStop), 4, proto(2).op(opNone, opStop))
	var fs []Finding
	var err error
	checkCost(t, "Inspect", func() { fs, err = Inspect(t.Context(), "bomb.pt", bytes.NewReader(data), int64(len(data))) })
	if err != nil {
		t.Fatal(err)
	}
	if len(fs) != 2 || !strings.Contains(fs[1].Detail, "3 pickle members not inspected") {
		t.Errorf("findings:\n%s", summary(fs))
	}
}

func FuzzScanPickle(f *testing.F) {
	seedFixtures(f, func(p string) bool {
		return strings.HasSuffix(p, ".pkl") || strings.HasSuffix(p, ".pt") || strings.HasSuffix(p, ".bin")
	})
	f.Add([]byte(proto(4).shortUni("os").op(opMemoize).shortUni("system").op(opStackGlobal).reduceCall()))
	f.Add(npzFile(f))
	f.Add([]byte(pk{}.op(opMark).op(opUnicode).text(`\u0041` + "\n").op(opInst).text("a\nb\n").op(opGet).text("0\n").op(opStop)))
	f.Fuzz(func(t *testing.T, data []byte) {
		const limit = 1 << 20
		var imps []Import
		var fs []Finding
		var err error
		checkCost(t, "ScanPickle", func() { imps, fs, err = ScanPickle(bytes.NewReader(data), limit) })
		if err != nil {
			t.Fatalf("ScanPickle on a bytes.Reader: %v", err)
		}
		if len(imps) > maxImports {
			t.Fatalf("%d imports", len(imps))
		}
		for _, f := range fs {
			if f.Kind == "" || f.Severity == "" || f.Detail == "" || strings.ContainsAny(f.Detail, "\n\r") {
				t.Fatalf("bad finding %+v", f)
			}
			if f.Offset < 0 || f.Offset > int64(len(data)) {
				t.Fatalf("finding offset %d outside %d bytes", f.Offset, len(data))
			}
		}
		// The same bytes under every name take every reader without panic.
		for _, name := range []string{"x.pt", "x.npy", "x.bin"} {
			checkCost(t, "Inspect("+name+")", func() {
				_, err = Inspect(t.Context(), name, bytes.NewReader(data), int64(len(data)))
			})
			if err != nil {
				t.Fatalf("Inspect(%s): %v", name, err)
			}
		}
	})
}

func FuzzCheckSafetensors(f *testing.F) {
	seedFixtures(f, func(p string) bool { return strings.HasSuffix(p, ".safetensors") })
	f.Add(stFile(`{"a":{"dtype":"U8","shape":[4],"data_offsets":[0,4]},"b":{"dtype":"U8","shape":[2],"data_offsets":[2,4]}}`, 4))
	f.Add(stFile(`{"__metadata__":{"n":1},"a":{"dtype":"F4","shape":[3],"data_offsets":[0,2]}}`, 2))
	f.Fuzz(func(t *testing.T, data []byte) {
		var fs []Finding
		var err error
		checkCost(t, "CheckSafetensors", func() { fs, err = CheckSafetensors(bytes.NewReader(data), int64(len(data))) })
		if err != nil {
			t.Fatalf("CheckSafetensors on a bytes.Reader: %v", err)
		}
		if len(fs) > maxSafetensorsFindings+1 {
			t.Fatalf("%d findings", len(fs))
		}
		for _, f := range fs {
			if f.Kind != KindBadSafetensors || f.Detail == "" || strings.ContainsAny(f.Detail, "\n\r") {
				t.Fatalf("bad finding %+v", f)
			}
		}
	})
}
