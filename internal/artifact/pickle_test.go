package artifact

import (
	"bytes"
	"encoding/binary"
	"errors"
	"io"
	"strings"
	"testing"
)

// pk builds a pickle byte by byte from opcodes and their arguments.
type pk []byte

func (p pk) op(b ...byte) pk       { return append(p, b...) }
func (p pk) text(s string) pk      { return append(p, s...) }
func (p pk) shortUni(s string) pk  { return append(append(p, opShortBinUnicode, byte(len(s))), s...) }
func (p pk) u32(op byte, n int) pk { return binary.LittleEndian.AppendUint32(append(p, op), uint32(n)) }
func (p pk) u64(op byte, n int) pk { return binary.LittleEndian.AppendUint64(append(p, op), uint64(n)) }
func (p pk) binUni(s string) pk    { return append(p.u32(opBinUnicode, len(s)), s...) }
func (p pk) binUni8(s string) pk   { return append(p.u64(opBinUnicode8, len(s)), s...) }

func proto(v byte) pk { return pk{opProto, v} }

// reduceCall is "callable (arg,) REDUCE STOP" after whatever pushed callable.
func (p pk) reduceCall() pk { return p.shortUni("id").op(opTuple1, opReduce, opStop) }

func TestScanPickleOpcodes(t *testing.T) {
	type want struct {
		kind, severity, detail string // detail is a substring
	}
	cases := []struct {
		name    string
		in      []byte
		imports []string
		want    []want // in order; nothing else may be reported
	}{
		{
			name:    "GLOBAL protocol 0 text",
			in:      pk{}.op(opGlobal).text("os\nsystem\n").op(opMark).op(opString).text("'id'\n").op(opTuple, opReduce, opStop),
			imports: []string{"os.system"},
			want:    []want{{KindUnsafePickle, SeverityCritical, "imports os.system (GLOBAL at offset 0), called by REDUCE at offset 19"}},
		},
		{
			name:    "STACK_GLOBAL from memo via MEMOIZE and BINGET",
			in:      proto(4).shortUni("posix").op(opMemoize).op(opPop).shortUni("system").op(opMemoize).op(opPop).op(opBinGet, 0, opBinGet, 1, opStackGlobal).reduceCall(),
			imports: []string{"posix.system"},
			want:    []want{{KindUnsafePickle, SeverityCritical, "imports posix.system (STACK_GLOBAL at offset 25), called by REDUCE"}},
		},
		{
			name: "STACK_GLOBAL from memo via BINPUT and LONG_BINGET",
			in: proto(4).binUni("subprocess").op(opBinPut, 7).binUni8("check_output").u32(opLongBinPut, 70000).
				op(opPop, opPop).op(opBinGet, 7).u32(opLongBinGet, 70000).op(opStackGlobal).reduceCall(),
			imports: []string{"subprocess.check_output"},
			want:    []want{{KindUnsafePickle, SeverityCritical, "subprocess.check_output"}},
		},
		{
			name:    "STACK_GLOBAL from PUT and GET text memo",
			in:      proto(2).op(opUnicode).text("builtins\n").op(opPut).text("3\n").op(opPop).op(opUnicode).text("eval\n").op(opGet).text("3\n").op(opDup, opPop).op(opPop).op(opGet).text("3\n").op(opUnicode).text("eval\n").op(opStackGlobal).reduceCall(),
			imports: []string{"builtins.eval"},
			want:    []want{{KindUnsafePickle, SeverityCritical, "builtins.eval"}},
		},
		{
			name:    "UNICODE escapes are decoded before STACK_GLOBAL",
			in:      proto(4).op(opUnicode).text(`\u006fs` + "\n").op(opUnicode).text(`sys\U00000074em` + "\n").op(opStackGlobal).reduceCall(),
			imports: []string{"os.system"},
			want:    []want{{KindUnsafePickle, SeverityCritical, "os.system"}},
		},
		{
			name:    "INST calls on its own",
			in:      pk{}.op(opMark).op(opString).text("'id'\n").op(opInst).text("subprocess\nPopen\n").op(opStop),
			imports: []string{"subprocess.Popen"},
			want:    []want{{KindUnsafePickle, SeverityCritical, "imports subprocess.Popen (INST at offset 7), called by INST at offset 7"}},
		},
		{
			name:    "OBJ names the class after the mark",
			in:      proto(1).op(opMark).op(opGlobal).text("socket\nsocket\n").op(opObj, opStop),
			imports: []string{"socket.socket"},
			want:    []want{{KindUnsafePickle, SeverityHigh, "imports socket.socket (GLOBAL at offset 3), called by OBJ at offset 18"}},
		},
		{
			name:    "NEWOBJ of a class outside the allowlist is high",
			in:      proto(2).op(opGlobal).text("mypkg.models\nNet\n").op(opEmptyTuple, opNewObj, opEmptyDict, opBuild, opStop),
			imports: []string{"mypkg.models.Net"},
			want:    []want{{KindSuspiciousPickle, SeverityHigh, "called by NEWOBJ at offset 21"}},
		},
		{
			name:    "an import outside the allowlist that is not called stays medium",
			in:      proto(2).op(opGlobal).text("mypkg.models\nNet\n").op(opStop),
			imports: []string{"mypkg.models.Net"},
			want:    []want{{KindSuspiciousPickle, SeverityMedium, "imports mypkg.models.Net (GLOBAL at offset 2)"}},
		},
		{
			name:    "BUILD on an import calls it",
			in:      proto(2).op(opGlobal).text("mypkg\nThing\n").op(opEmptyDict, opBuild, opStop),
			imports: []string{"mypkg.Thing"},
			want:    []want{{KindSuspiciousPickle, SeverityHigh, "called by BUILD at offset 16"}},
		},
		{
			name:    "pydoc.pipepager called by REDUCE",
			in:      pk{}.op(opGlobal).text("pydoc\npipepager\n").op(opMark).op(opString).text("'x'\n").op(opString).text("'id'\n").op(opTuple, opReduce, opStop),
			imports: []string{"pydoc.pipepager"},
			want:    []want{{KindUnsafePickle, SeverityCritical, "imports pydoc.pipepager (GLOBAL at offset 0), called by REDUCE"}},
		},
		{
			name:    "numpy.testing runstring called by REDUCE",
			in:      proto(4).shortUni("numpy.testing._private.utils").shortUni("runstring").op(opStackGlobal).reduceCall(),
			imports: []string{"numpy.testing._private.utils.runstring"},
			want:    []want{{KindUnsafePickle, SeverityCritical, "runstring"}},
		},
		{
			name:    "types.FunctionType called by REDUCE",
			in:      proto(2).op(opGlobal).text("types\nFunctionType\n").op(opEmptyTuple, opReduce, opStop),
			imports: []string{"types.FunctionType"},
			want:    []want{{KindUnsafePickle, SeverityCritical, "types.FunctionType"}},
		},
		{
			name:    "torch.hub.load called by REDUCE",
			in:      proto(2).op(opGlobal).text("torch.hub\nload\n").op(opEmptyTuple, opReduce, opStop),
			imports: []string{"torch.hub.load"},
			want:    []want{{KindUnsafePickle, SeverityCritical, "torch.hub.load"}},
		},
		{
			name:    "__builtin__ maps to builtins",
			in:      proto(2).op(opGlobal).text("__builtin__\ngetattr\n").op(opStop),
			imports: []string{"__builtin__.getattr"},
			want:    []want{{KindUnsafePickle, SeverityHigh, "__builtin__.getattr"}},
		},
		{
			name:    "dotted name reaching os through an allowlisted module",
			in:      proto(4).shortUni("torch.serialization").shortUni("os.system").op(opStackGlobal).reduceCall(),
			imports: []string{"torch.serialization.os.system"},
			want:    []want{{KindUnsafePickle, SeverityCritical, "torch.serialization.os.system"}},
		},
		{
			name: "allowlisted torch and numpy imports are quiet",
			in: proto(2).op(opGlobal).text("torch._utils\n_rebuild_tensor_v2\n").op(opPop).
				op(opGlobal).text("torch\nHalfStorage\n").op(opPop).
				op(opGlobal).text("numpy.core.multiarray\n_reconstruct\n").op(opPop).
				op(opGlobal).text("_codecs\nencode\n").op(opPop).
				op(opGlobal).text("collections\nOrderedDict\n").op(opEmptyTuple, opReduce, opStop),
			imports: []string{"torch._utils._rebuild_tensor_v2", "torch.HalfStorage", "numpy.core.multiarray._reconstruct", "_codecs.encode", "collections.OrderedDict"},
		},
		{
			name:    "repeats are counted, not repeated",
			in:      proto(2).op(opGlobal).text("webbrowser\nopen\n").op(opPop).op(opGlobal).text("webbrowser\nopen\n").op(opStop),
			imports: []string{"webbrowser.open"},
			want:    []want{{KindUnsafePickle, SeverityHigh, "2 times"}},
		},
		{
			name:    "STACK_GLOBAL on values it cannot know",
			in:      proto(4).op(opGlobal).text("mod\nf\n").op(opEmptyTuple, opReduce).shortUni("x").op(opStackGlobal, opStop),
			imports: []string{"mod.f"},
			want: []want{
				{KindSuspiciousPickle, SeverityHigh, "STACK_GLOBAL at offset 14 imports a name the scanner cannot resolve"},
				{KindSuspiciousPickle, SeverityHigh, "mod.f"},
			},
		},
		{
			name: "every argument size of protocols 2 to 5",
			in: append(append(append(append(proto(5).u64(opFrame, 100).
				op(opLong1, 2, 1, 2).u32(opLong4, 3).op(1, 2, 3).
				op(opBinInt, 1, 2, 3, 4, opBinInt1, 1, opBinInt2, 1, 2).op(opBinFloat, 1, 2, 3, 4, 5, 6, 7, 8).
				u32(opBinString, 2).text("ab").op(opShortBinString, 1).text("c").
				op(opShortBinBytes, 1, 'x').u32(opBinBytes, 2).text("yz"),
				binary.LittleEndian.AppendUint64([]byte{opBinBytes8}, 1)...), 'q'),
				binary.LittleEndian.AppendUint64([]byte{opByteArray8}, 2)...), 'r', 's').
				op(opNextBuffer, opReadOnlyBuffer, opEmptySet, opMark, opNone, opAddItems, opMark, opNewTrue, opNewFalse, opFrozenSet).
				op(opTuple2, opTuple3, opStop),
		},
		{
			name: "protocol 0 text values",
			in:   pk{}.op(opMark).op(opInt).text("01\n").op(opLong).text("12L\n").op(opFloat).text("1.5\n").op(opPersID).text("k\n").op(opList, opDict, opSetItem, opStop),
		},
		{
			name: "EXT codes cannot be resolved",
			in:   proto(2).op(opExt2, 0x10, 0x00, opStop),
			want: []want{{KindSuspiciousPickle, SeverityMedium, "extension registry code 16 (EXT2 at offset 2)"}},
		},
		{
			// One finding for the file: that the stream breaks after a
			// critical import is evidence for it, not a second finding.
			name:    "unknown opcode after an unsafe import is folded into its finding",
			in:      proto(2).op(opGlobal).text("os\nsystem\n").op(0xff),
			imports: []string{"os.system"},
			want:    []want{{KindUnsafePickle, SeverityCritical, "os.system (GLOBAL at offset 2); the stream is malformed after it: unknown opcode 0xff at offset 13"}},
		},
		{
			name:    "unknown opcode after a suspicious import is still unreadable",
			in:      proto(2).op(opGlobal).text("mod\nf\n").op(0xff),
			imports: []string{"mod.f"},
			want:    []want{{KindSuspiciousPickle, SeverityMedium, "mod.f"}, {KindUnreadable, SeverityMedium, "unknown opcode 0xff"}},
		},
		{
			name: "truncated in an argument",
			in:   proto(4).u32(opBinUnicode, 50).text("short"),
			want: []want{{KindUnreadable, SeverityMedium, "truncated"}},
		},
		{
			name: "no STOP",
			in:   proto(2).op(opNone),
			want: []want{{KindUnreadable, SeverityMedium, "truncated"}},
		},
		{
			name: "empty",
			in:   nil,
			want: []want{{KindUnreadable, SeverityMedium, "empty pickle"}},
		},
		{
			name: "negative BINSTRING length",
			in:   proto(2).op(opBinString, 0xff, 0xff, 0xff, 0xff),
			want: []want{{KindUnreadable, SeverityMedium, "BINSTRING with negative length"}},
		},
		{
			name: "protocol 6 is unknown",
			in:   proto(6).op(opStop),
			want: []want{{KindUnreadable, SeverityMedium, "unsupported pickle protocol 6"}},
		},
		{
			name: "memo get of a missing index",
			in:   proto(2).op(opBinGet, 9, opStop),
			want: []want{{KindUnreadable, SeverityMedium, "memo get of unset index 9"}},
		},
		{
			name: "underflow does not panic",
			in:   proto(2).op(opReduce, opAppend, opSetItem, opBuild, opStackGlobal, opNewObjEx, opPopMark, opTuple3, opStop),
			want: []want{{KindSuspiciousPickle, SeverityHigh, "cannot resolve"}},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			imps, fs, err := ScanPickle(bytes.NewReader(c.in), 0)
			if err != nil {
				t.Fatalf("ScanPickle: %v", err)
			}
			var got []string
			for _, im := range imps {
				got = append(got, im.String())
			}
			if strings.Join(got, ",") != strings.Join(c.imports, ",") {
				t.Errorf("imports = %q, want %q", got, c.imports)
			}
			if len(fs) != len(c.want) {
				t.Fatalf("findings = %+v, want %d", fs, len(c.want))
			}
			for i, w := range c.want {
				f := fs[i]
				if f.Kind != w.kind || f.Severity != w.severity || !strings.Contains(f.Detail, w.detail) {
					t.Errorf("finding %d = %+v, want %+v", i, f, w)
				}
			}
		})
	}
}

func TestScanPickleLimits(t *testing.T) {
	t.Run("byte limit", func(t *testing.T) {
		in := proto(4).op(opGlobal).text("os\nsystem\n").u64(opBinBytes8, 1<<30)
		_, fs, err := ScanPickle(bytes.NewReader(in), 64)
		if err != nil {
			t.Fatal(err)
		}
		if len(fs) != 1 || fs[0].Severity != SeverityCritical || !strings.Contains(fs[0].Detail, "not inspected past 64 bytes") {
			t.Errorf("findings = %+v", fs)
		}
	})
	t.Run("stack depth", func(t *testing.T) {
		in := append(proto(2), bytes.Repeat([]byte{opMark}, maxStack+1)...)
		_, fs, err := ScanPickle(bytes.NewReader(in), 0)
		if err != nil {
			t.Fatal(err)
		}
		if len(fs) != 1 || !strings.Contains(fs[0].Detail, "stack deeper") {
			t.Errorf("findings = %+v", fs)
		}
	})
	t.Run("memo size", func(t *testing.T) {
		in := proto(4).op(opNone)
		for i := 0; i <= maxMemo; i++ {
			in = in.u32(opLongBinPut, i)
		}
		_, fs, err := ScanPickle(bytes.NewReader(in), 0)
		if err != nil {
			t.Fatal(err)
		}
		if len(fs) != 1 || !strings.Contains(fs[0].Detail, "memo larger") {
			t.Errorf("findings = %+v", fs)
		}
	})
	t.Run("long line", func(t *testing.T) {
		in := pk{}.op(opGlobal).text(strings.Repeat("a", maxLine+10))
		_, fs, err := ScanPickle(bytes.NewReader(in), 0)
		if err != nil {
			t.Fatal(err)
		}
		if len(fs) != 1 || !strings.Contains(fs[0].Detail, "line longer") {
			t.Errorf("findings = %+v", fs)
		}
	})
	t.Run("many opcode findings", func(t *testing.T) {
		in := append(proto(4), bytes.Repeat([]byte{opStackGlobal}, 1000)...)
		_, fs, err := ScanPickle(bytes.NewReader(append(in, opStop)), 0)
		if err != nil {
			t.Fatal(err)
		}
		if len(fs) != maxNotes+1 || fs[maxNotes].Severity != SeverityHigh || !strings.Contains(fs[maxNotes].Detail, "not listed, from offset 102") {
			t.Errorf("%d findings, last %+v", len(fs), fs[len(fs)-1])
		}
	})
	t.Run("long import name", func(t *testing.T) {
		in := pk{}.op(opGlobal).text("os\n" + strings.Repeat("a", 3*maxKeptStr) + "\n").op(opStop)
		imps, fs, err := ScanPickle(bytes.NewReader(in), 0)
		if err != nil {
			t.Fatal(err)
		}
		if len(imps) != 0 || len(fs) != 1 || fs[0].Severity != SeverityHigh || !strings.Contains(fs[0].Detail, "imports a 771-byte name os.aaa") {
			t.Errorf("imports %v, findings = %+v", imps, fs)
		}
	})
	t.Run("reader error", func(t *testing.T) {
		_, _, err := ScanPickle(io.MultiReader(bytes.NewReader(proto(2)), errReader{}), 0)
		if err == nil || !strings.Contains(err.Error(), "disk on fire") {
			t.Errorf("err = %v", err)
		}
	})
}

type errReader struct{}

func (errReader) Read([]byte) (int, error) { return 0, errDisk }

var errDisk = errors.New("disk on fire")

func TestClassify(t *testing.T) {
	cases := []struct {
		module, name, severity, kind string
		called                       bool
	}{
		{"os", "system", SeverityCritical, KindUnsafePickle, false},
		{"os.path", "join", SeverityCritical, KindUnsafePickle, false},
		{"nt", "system", SeverityCritical, KindUnsafePickle, false},
		{"builtins", "exec", SeverityCritical, KindUnsafePickle, false},
		{"__builtin__", "__import__", SeverityCritical, KindUnsafePickle, false},
		{"builtins", "open", SeverityHigh, KindUnsafePickle, false},
		{"builtins", "getattr", SeverityHigh, KindUnsafePickle, false},
		{"builtins", "set", "", "", false},
		{"builtins", "type", SeverityMedium, KindSuspiciousPickle, false},
		{"runpy", "run_path", SeverityCritical, KindUnsafePickle, false},
		{"importlib.machinery", "SourceFileLoader", SeverityCritical, KindUnsafePickle, false},
		{"requests.api", "get", SeverityHigh, KindUnsafePickle, false},
		{"urllib.request", "urlopen", SeverityHigh, KindUnsafePickle, false},
		{"_pickle", "loads", SeverityHigh, KindUnsafePickle, false},
		{"sys", "modules", SeverityHigh, KindUnsafePickle, false},
		{"osmosis", "run", SeverityMedium, KindSuspiciousPickle, false},
		{"pandas.io.parsers", "TextFileReader", SeverityMedium, KindSuspiciousPickle, false},
		{"torch._utils", "_rebuild_parameter", "", "", false},
		{"torch._utils", "os.system", SeverityCritical, KindUnsafePickle, false},
		{"torch", "BFloat16Storage", "", "", false},
		{"torch", "load", SeverityHigh, KindUnsafePickle, false},
		{"torch.serialization", "load", SeverityHigh, KindUnsafePickle, false},
		{"pydoc", "pipepager", SeverityCritical, KindUnsafePickle, false},
		{"numpy.testing._private.utils", "runstring", SeverityCritical, KindUnsafePickle, false},
		{"types", "FunctionType", SeverityCritical, KindUnsafePickle, false},
		{"types", "CodeType", SeverityCritical, KindUnsafePickle, false},
		{"types", "SimpleNamespace", SeverityMedium, KindSuspiciousPickle, false},
		{"torch.hub", "load", SeverityCritical, KindUnsafePickle, false},
		{"torch.utils.cpp_extension", "load_inline", SeverityCritical, KindUnsafePickle, false},
		{"code", "InteractiveInterpreter", SeverityCritical, KindUnsafePickle, false},
		{"codeop", "compile_command", SeverityCritical, KindUnsafePickle, false},
		{"pty", "spawn", SeverityCritical, KindUnsafePickle, false},
		{"asyncio.subprocess", "create_subprocess_shell", SeverityCritical, KindUnsafePickle, false},
		{"asyncio", "run", SeverityHigh, KindUnsafePickle, false},
		{"doctest", "debug_script", SeverityCritical, KindUnsafePickle, false},
		{"osmosis", "run", SeverityHigh, KindSuspiciousPickle, true},
		{"torch._utils", "_rebuild_tensor_v2", "", "", true},
		{"collections", "OrderedDict", "", "", true},
		{"collections", "OrderedDict", "", "", false},
		{"collections", "OrderedDict.__getattribute__", SeverityHigh, KindUnsafePickle, false},
		{"numpy", "dtype", "", "", false},
		{"numpy.dtypes", "Float32DType", "", "", false},
		{"copy_reg", "_reconstructor", "", "", false},
		{"mymodel", "Net.eval", SeverityCritical, KindUnsafePickle, false},
	}
	for _, c := range cases {
		sev, kind := classify(c.module, c.name, c.called)
		if sev != c.severity || kind != c.kind {
			t.Errorf("classify(%q, %q, %v) = %q, %q; want %q, %q", c.module, c.name, c.called, sev, kind, c.severity, c.kind)
		}
	}
}
