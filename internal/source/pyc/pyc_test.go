package pyc

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hfwarden/hfwarden/internal/detect"
	"github.com/hfwarden/hfwarden/internal/source"
	"github.com/hfwarden/hfwarden/internal/source/sourcetest"
	"github.com/hfwarden/hfwarden/internal/testutil"
)

// pythons returns the CPython interpreters on PATH that run, one per
// magic number: python3 (Debian: python3) and any python3.N beside it.
func pythons(t testing.TB) map[uint16]string {
	t.Helper()
	out := map[uint16]string{}
	for _, name := range []string{"python3", "python3.6", "python3.7", "python3.8", "python3.9", "python3.10", "python3.11", "python3.12", "python3.13"} {
		bin, err := exec.LookPath(name)
		if err != nil {
			continue
		}
		magic, err := exec.Command(bin, "-c", "import importlib.util, sys; sys.stdout.write(str(int.from_bytes(importlib.util.MAGIC_NUMBER[:2], 'little')))").Output()
		if err != nil {
			continue // a version manager's shim for a version not chosen
		}
		var m uint16
		if _, err := fmt.Sscan(string(magic), &m); err == nil && out[m] == "" {
			out[m] = bin
		}
	}
	if len(out) == 0 {
		t.Skip("python3 not installed (Debian: python3)")
	}
	return out
}

// compile compiles each of srcs (Python source, or "import NAME" for a
// module of the standard library) with python in one run, returning the
// .pyc files' bytes.
func compile(t testing.TB, python string, srcs ...string) [][]byte {
	t.Helper()
	dir := t.TempDir()
	args := []string{"-c", `import importlib.util, py_compile, sys
for i, src in enumerate(sys.argv[2:]):
    py = importlib.util.find_spec(src[7:]).origin if src.startswith("import ") else "%s/m%d.py" % (sys.argv[1], i)
    py_compile.compile(py, cfile="%s/m%d.pyc" % (sys.argv[1], i), doraise=True)`, dir}
	for i, src := range srcs {
		if !strings.HasPrefix(src, "import ") {
			if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("m%d.py", i)), []byte(src), 0o600); err != nil {
				t.Fatal(err)
			}
		}
		args = append(args, src)
	}
	if b, err := exec.Command(python, args...).CombinedOutput(); err != nil {
		t.Fatalf("%s py_compile: %v: %s", python, err, b)
	}
	out := make([][]byte, len(srcs))
	for i := range srcs {
		data, err := os.ReadFile(filepath.Join(dir, fmt.Sprintf("m%d.pyc", i)))
		if err != nil {
			t.Fatal(err)
		}
		out[i] = data
	}
	return out
}

// open reads data as the engine would hand a member to the reader.
func open(t testing.TB, data []byte) *sourcetest.Host {
	t.Helper()
	head := data[:min(len(data), source.SniffLen)]
	in := &source.Input{
		Item:   source.Item{Prov: source.FileProvenance("file", "mod.pyc"), Name: "mod.pyc", Size: int64(len(data))},
		Head:   head,
		R:      bytes.NewReader(data[len(head):]),
		Budget: source.NewBudget(source.Limits{}),
	}
	h := sourcetest.New()
	if err := Reader().Open(t.Context(), in, h); err != nil {
		t.Fatal(err)
	}
	return h
}

// module holds a token where Python code keeps them: a module constant,
// a nested function, a method's tuple, a bytes literal, a list whose
// parts the code joins.
func module(tok []string) string {
	return fmt.Sprintf(`"""Settings."""
import os

TOKEN = os.environ.get("HF_TOKEN", "%s")

def outer():
    def inner(x):
        return x + "Bearer %s"
    return inner

class Client:
    def login(self):
        return ("user", "%s")

RAW = b"token=%s;"
PARTS = ["%s", "%s"]
`, tok[0], tok[1], tok[2], tok[3], tok[4][:13], tok[4][13:])
}

// TestReader: every version's compiler output gives each token once, at
// the code object that holds it; the joined one is found in its parts.
func TestReader(t *testing.T) {
	tok := testutil.FakeTokens(t, 0x9c1, 5)
	want := map[string]string{
		tok[0]: "mod.pyc!<module>",
		tok[1]: "mod.pyc!outer.<locals>.inner",
		tok[2]: "mod.pyc!Client.login",
		tok[3]: "mod.pyc!<module>",
		tok[4]: "mod.pyc!<module>",
	}
	for magic, python := range pythons(t) {
		t.Run(layouts[magic].version+" "+filepath.Base(python), func(t *testing.T) {
			if _, ok := layouts[magic]; !ok {
				t.Skipf("%s writes magic %d, not read", python, magic)
			}
			data := compile(t, python, module(tok))[0]
			h := open(t, data)
			if len(h.Failures) != 0 || len(h.Warnings) != 0 {
				t.Fatalf("failures %q, warnings %q", h.Failures, h.Warnings)
			}
			got := map[string][]string{}
			for _, r := range h.Reports {
				for _, s := range r.Secrets {
					got[s] = append(got[s], r.Chunk.Prov.Path)
				}
			}
			for s, w := range want {
				if !slices.Equal(got[s], []string{w}) {
					t.Errorf("token at %q, want [%s]", got[s], w)
				}
			}
			if len(got) != len(want) {
				t.Errorf("found %d secrets, want %d", len(got), len(want))
			}
			if h.Counted != int64(len(data)) {
				t.Errorf("counted %d bytes of %d", h.Counted, len(data))
			}
		})
	}
}

// TestReaderNoTokens: compiled code without tokens, the standard
// library's own included, reports nothing and fails nowhere.
func TestReaderNoTokens(t *testing.T) {
	srcs := []string{
		"x = 'one'\n",
		`PREFIX = "hf_"` + "\nNAME = \"" + strings.Repeat("ab", 17) + "\"\ndef f():\n    return PREFIX, 'hf_hub_download', 'hf_transfer'\n",
		"import json", "import argparse", "import email.message", "import typing",
	}
	for magic, python := range pythons(t) {
		if _, ok := layouts[magic]; !ok {
			continue
		}
		det := detect.New(detect.Options{})
		for i, data := range compile(t, python, srcs...) {
			if h := open(t, data); len(h.Reports) != 0 || len(h.Failures) != 0 {
				t.Errorf("%s %.20q: reports %+v, failures %q", python, srcs[i], h.Reports, h.Failures)
			}
			// The reader parses only what holds an "hf_": parse the
			// rest here, to see the parser read all the compiler writes.
			texts := 0
			cut, err := constants(t.Context(), data, source.FileProvenance("file", "m.pyc"), func(p source.Provenance, b []byte) {
				texts++
				if ms := det.Detect(b); len(ms) != 0 {
					t.Errorf("%s %.20q: found %d at %s", python, srcs[i], len(ms), p.Path)
				}
			})
			if err != nil || cut || texts == 0 {
				t.Errorf("%s %.20q: %d texts, cut %v, err %v", python, srcs[i], texts, cut, err)
			}
		}
	}
}

// TestReaderBroken: a file cut short or damaged, or random bytes behind
// a magic number, is one error line and scanned as raw bytes.
func TestReaderBroken(t *testing.T) {
	tok := testutil.FakeTokens(t, 0x9c2, 1)[0]
	r := rand.New(rand.NewPCG(3, 4))
	header := func(magic uint16) []byte {
		b := make([]byte, 16)
		binary.LittleEndian.PutUint16(b, magic)
		copy(b[2:], "\r\n")
		return b
	}
	random := make([]byte, 4096)
	for i := range random {
		random[i] = byte(r.UintN(256))
	}
	for _, tc := range []struct {
		name string
		data []byte
		want []string
	}{
		{"random after the header", append(append(append(header(3495), 0xe3), random...), "hf_"...), nil},
		{"cut short", append(append(header(3495), 0xe3), "hf_"...), nil},
		{"raw token after a bad type", append(append(header(3531), 0xe3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 'W'), " "+tok+" "...), []string{tok}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if !Reader().Sniff("x.pyc", tc.data) {
				t.Fatal("not sniffed")
			}
			h := open(t, tc.data)
			if len(h.Failures) != 1 || strings.Contains(h.Failures[0], "\n") || !strings.HasSuffix(h.Failures[0], "its bytes were scanned as they are") {
				t.Errorf("failures: %q", h.Failures)
			}
			if h.Counted != int64(len(tc.data)) {
				t.Errorf("counted %d bytes of %d", h.Counted, len(tc.data))
			}
			if got := h.Secrets(); !slices.Equal(got, tc.want) {
				t.Errorf("secrets %q, want %q", got, tc.want)
			}
		})
	}
}

// TestSniff: only the magic numbers of the versions read, followed by a
// code object.
func TestSniff(t *testing.T) {
	pyc := func(magic uint16, header int, typ byte) []byte {
		b := make([]byte, header+1)
		binary.LittleEndian.PutUint16(b, magic)
		copy(b[2:], "\r\n")
		b[header] = typ
		return b
	}
	for _, tc := range []struct {
		name string
		data []byte
		want bool
	}{
		{"3.11", pyc(3495, 16, 0xe3), true},
		{"3.11 unflagged", pyc(3495, 16, 'c'), true},
		{"3.6", pyc(3379, 12, 0xe3), true},
		{"3.6 with a 16-byte header", pyc(3379, 16, 0xe3), false},
		{"3.11 not code", pyc(3495, 16, ')'), false},
		{"3.11 pre-release", pyc(3494, 16, 0xe3), false},
		{"2.7", pyc(62211, 8, 'c'), false},
		{"header only", pyc(3495, 15, 0)[:16], false},
		{"text", []byte("print('hello')\r\n"), false},
	} {
		if got := Reader().Sniff("x.pyc", tc.data); got != tc.want {
			t.Errorf("%s: sniff %v, want %v", tc.name, got, tc.want)
		}
	}
}

// TestReferences: references that repeat a tuple inside itself many
// times over stay bounded.
func TestReferences(t *testing.T) {
	var b bytes.Buffer
	b.Write([]byte{0xa7, 0x0d, '\r', '\n'})
	b.Write(make([]byte, 12))
	b.WriteByte(0xe3)
	b.Write(make([]byte, 5*4))        // ints
	b.Write([]byte{'z', 0})           // co_code
	b.Write([]byte{'(', 40, 0, 0, 0}) // consts: 40 tuples, each twice the one before
	b.Write([]byte{0xa9, 2, 'z', 3, 'h', 'f', '_', 'z', 3, 'd', 'e', 'f'})
	for i := range 39 {
		b.Write([]byte{0xa9, 2, 'r', byte(i + 1), 0, 0, 0, 'r', byte(i + 1), 0, 0, 0})
	}
	for range 6 { // names … qualname
		b.Write([]byte{'z', 1, 'x'})
	}
	b.Write(make([]byte, 4))
	b.Write([]byte{'z', 0, 'z', 0})
	data := b.Bytes()
	testutil.CheckCost(t, "nested references", 2*time.Second, 64<<20, func() {
		h := open(t, data)
		if len(h.Failures) != 0 {
			t.Errorf("failures: %q", h.Failures)
		}
		if len(h.Warnings) != 1 || !strings.Contains(h.Warnings[0], "constants past") {
			t.Errorf("warnings: %q", h.Warnings)
		}
	})
}

// FuzzReader: any bytes behind a known magic number give no panic and
// bounded work: the constants come to at most constBudget.
func FuzzReader(f *testing.F) {
	tok := testutil.FakeTokens(f, 0x9c3, 5)
	if python, err := exec.LookPath("python3"); err == nil {
		for _, data := range compile(f, python, module(tok), "class A:\n    def f(self):\n        return lambda: ('a', b'b', {'c': 1.5, 'd': 2j}, frozenset({'e'}), 10**40)\n") {
			f.Add(data)
		}
	}
	f.Add([]byte{0xa7, 0x0d, '\r', '\n', 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xe3})
	prov := source.FileProvenance("file", "x.pyc")
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 1<<20 || !Reader().Sniff("x.pyc", data) {
			return
		}
		testutil.CheckCost(t, "a pyc", time.Second, 64<<20+uint64(64*len(data)), func() {
			var text int
			emit := func(p source.Provenance, b []byte) {
				text += len(b)
				if !strings.HasPrefix(p.Path, "x.pyc!") || len(b) == 0 {
					t.Errorf("text of %d bytes at %q", len(b), p.Path)
				}
			}
			_, _ = constants(t.Context(), data, prov, emit)
			if text > constBudget(len(data)) {
				t.Fatalf("%d bytes of constants from %d", text, len(data))
			}
		})
	})
}
