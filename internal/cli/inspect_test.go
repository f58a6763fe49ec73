package cli_test

import (
	"encoding/binary"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Model files built here; none is ever loaded.
var (
	// A protocol 2 pickle of os.system("id").
	evilPickle = "\x80\x02cos\nsystem\nq\x00X\x02\x00\x00\x00idq\x01\x85q\x02Rq\x03."
	// A protocol 2 pickle of an OrderedDict().
	plainPickle = "\x80\x02ccollections\nOrderedDict\nq\x00)Rq\x01."
	// A pickle importing a class outside the allowlist: medium only.
	customPickle = "\x80\x02cmypkg.model\nNet\n."
	// The same class called by NEWOBJ: high.
	calledPickle = "\x80\x02cmypkg.model\nNet\n)\x81."
	// Protocol 1 with no PROTO opcode: a BININT1 then os.system("id").
	legacyPickle = "K\x010cos\nsystem\n(S'id'\ntR."
)

// safetensorsFile builds a safetensors file from a JSON header and data size.
func safetensorsFile(header string, data int) string {
	b := binary.LittleEndian.AppendUint64(nil, uint64(len(header)))
	b = append(b, header...)
	return string(append(b, make([]byte, data)...))
}

type inspectJSON struct {
	Findings []struct {
		Kind, Severity, Path, Detail string
		Offset                       int64
	} `json:"findings"`
}

func TestInspect(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{
		"evil.pkl":          evilPickle,
		"plain.pkl":         plainPickle,
		"custom.pkl":        customPickle,
		"called.pkl":        calledPickle,
		"evil.bin":          legacyPickle,
		"good.safetensors":  safetensorsFile(`{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}`, 8),
		"bad.safetensors":   safetensorsFile(`{"w":{"dtype":"F32","shape":[2],"data_offsets":[0,16]}}`, 8),
		"repo/sub/model.pt": evilPickle,
		"repo/README.md":    evilPickle,       // not a model file: skipped when walking
		"repo/model.h5":     legacyPickle[3:], // a model extension that is a pickle inside
	}
	for name, data := range files {
		write(t, filepath.Join(dir, name), data)
	}
	p := func(name string) string { return filepath.Join(dir, name) }

	cases := []struct {
		name   string
		args   []string
		code   int
		stdout []string // substrings, in order, one per line
		stderr string
	}{
		{"clean pickle", []string{p("plain.pkl")}, 0, nil, ""},
		{"clean safetensors", []string{p("good.safetensors")}, 0, nil, ""},
		{"medium only", []string{p("custom.pkl")}, 0,
			[]string{"medium    suspicious-pickle  " + p("custom.pkl") + ": imports mypkg.model.Net (GLOBAL at offset 2)"}, ""},
		{"unknown class called", []string{p("called.pkl")}, 1,
			[]string{"high      suspicious-pickle  " + p("called.pkl") + ": imports mypkg.model.Net (GLOBAL at offset 2), called by NEWOBJ"}, ""},
		{"legacy .bin without PROTO", []string{p("evil.bin")}, 1,
			[]string{"critical  unsafe-pickle      " + p("evil.bin") + ": imports os.system (GLOBAL at offset 3), called by REDUCE"}, ""},
		{"critical", []string{p("plain.pkl"), p("evil.pkl")}, 1,
			[]string{"critical  unsafe-pickle      " + p("evil.pkl") + ": imports os.system (GLOBAL at offset 2), called by REDUCE at offset 27"}, ""},
		{"bad safetensors", []string{p("bad.safetensors")}, 1,
			[]string{
				"medium    bad-safetensors    " + p("bad.safetensors") + ": tensor w is F32[2]: 64 bits, but data_offsets span 16 bytes",
				"high      bad-safetensors    " + p("bad.safetensors") + ": tensor w data_offsets [0, 16] run past the 8-byte data area",
			}, ""},
		{"directory walk", []string{p("repo")}, 1,
			[]string{p("repo/model.h5") + ": read as a pickle: imports os.system", p("repo/sub/model.pt") + ": imports os.system"}, ""},
		{"missing file still inspects the rest", []string{p("nope.pkl"), p("evil.pkl")}, 2,
			[]string{p("evil.pkl") + ": imports os.system"}, "nope.pkl: no such file or directory"},
		{"subdirectory", []string{p("repo/sub")}, 1, []string{"model.pt"}, ""},
		{"bad format", []string{"-f", "xml", p("evil.pkl")}, 2, nil, "--format must be text or json"},
		{"no file", nil, 2, nil, "requires at least 1 arg"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := runCLI(t, "", append([]string{"inspect"}, c.args...)...)
			if r.code != c.code {
				t.Errorf("exit %d, want %d; stdout %q stderr %q", r.code, c.code, r.stdout, r.stderr)
			}
			lines := strings.Split(strings.TrimSuffix(r.stdout, "\n"), "\n")
			if r.stdout == "" {
				lines = nil
			}
			if len(lines) != len(c.stdout) {
				t.Fatalf("stdout %q, want %d lines", r.stdout, len(c.stdout))
			}
			for i, w := range c.stdout {
				if !strings.Contains(lines[i], w) {
					t.Errorf("line %d = %q, want it to contain %q", i, lines[i], w)
				}
			}
			if !strings.Contains(r.stderr, c.stderr) || (c.stderr == "" && r.stderr != "") {
				t.Errorf("stderr %q, want %q", r.stderr, c.stderr)
			}
		})
	}
}

func TestInspectJSON(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, "evil.pkl"), evilPickle)
	write(t, filepath.Join(dir, "plain.pkl"), plainPickle)

	r := runCLI(t, "", "inspect", "--format", "json", filepath.Join(dir, "evil.pkl"), filepath.Join(dir, "plain.pkl"))
	if r.code != 1 {
		t.Errorf("exit %d, want 1; stderr %q", r.code, r.stderr)
	}
	var got inspectJSON
	if err := json.Unmarshal([]byte(r.stdout), &got); err != nil {
		t.Fatalf("stdout is not JSON: %v\n%s", err, r.stdout)
	}
	if len(got.Findings) != 1 {
		t.Fatalf("findings = %+v", got.Findings)
	}
	f := got.Findings[0]
	if f.Kind != "unsafe-pickle" || f.Severity != "critical" || f.Path != filepath.Join(dir, "evil.pkl") || f.Offset != 2 {
		t.Errorf("finding = %+v", f)
	}

	// A clean run still gives a findings array, not null.
	r = runCLI(t, "", "inspect", "-f", "json", filepath.Join(dir, "plain.pkl"))
	if r.code != 0 || strings.TrimSpace(r.stdout) != "{\n  \"findings\": []\n}" {
		t.Errorf("exit %d, stdout %q", r.code, r.stdout)
	}
}

func TestInspectUnreadable(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("root reads any file")
	}
	dir := t.TempDir()
	p := filepath.Join(dir, "locked.pkl")
	write(t, p, evilPickle)
	if err := os.Chmod(p, 0); err != nil {
		t.Fatal(err)
	}
	r := runCLI(t, "", "inspect", p)
	if r.code != 2 || !strings.Contains(r.stderr, "permission denied") {
		t.Errorf("exit %d, stderr %q", r.code, r.stderr)
	}
}
