package scan

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// gluedRecord packs a token as a binary record layout does: a magic, a
// type code that is a letter, the token, a little-endian length whose low
// byte is a letter, and the next field.
func gluedRecord(tok string) []byte {
	var b bytes.Buffer
	b.Write([]byte{0xCA, 0xFE, 0x00, 0x01})
	b.WriteByte('T')
	b.WriteString(tok)
	_ = binary.Write(&b, binary.LittleEndian, uint16(0x4171)) // "qA"
	b.WriteString("next\x00\x00")
	return b.Bytes()
}

// leafPage is a table leaf page laid out as SQLite does, without the
// database header: a cell whose column values stand back to back.
func leafPage(cols ...string) []byte {
	rec := []byte{byte(1 + len(cols))}
	for _, c := range cols {
		rec = append(rec, byte(13+2*len(c)))
	}
	for _, c := range cols {
		rec = append(rec, c...)
	}
	page := make([]byte, 4096)
	page[0] = 0x0D
	cell := append([]byte{byte(len(rec)), 0x07}, rec...)
	off := len(page) - len(cell)
	binary.BigEndian.PutUint16(page[5:], uint16(off))
	binary.BigEndian.PutUint16(page[8:], uint16(off))
	copy(page[off:], cell)
	return page
}

// TestGluedTokens: tokens glued to the bytes beside them in binary items
// are found at their byte offset with low confidence, alone and inside
// archives; terminal colours are no glue; look-alikes in text stay
// rejected.
func TestGluedTokens(t *testing.T) {
	g := newTokenGen(1313)
	tok := g.Tokens(t, 6)
	elf := append([]byte("\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x02\x00\x3e\x00"), make([]byte, 44)...)
	elf = append(elf, "https://huggingface.co/api/whoami-v2Bearer "+tok[2]+"reflect: funcLayout with interface receiver"...)
	log := "2026-11-01T12:00:00.0000000Z ##[group]Run train\n2026-11-01T12:00:01.0000000Z \x1b[36;1mHF_TOKEN:\x1b[0m \x1b[32m" + tok[3] + "\x1b[0m\n"
	r := rand.New(rand.NewPCG(13, 13))
	noise := make([]byte, 1<<20)
	for i := range noise {
		noise[i] = byte(r.Uint32())
	}
	blob := []byte(base64.RawURLEncoding.EncodeToString(noise))
	copy(blob[1000:], tok[5]) // inside a base64url run: chance, not a token
	files := map[string][]byte{
		"rec.bin":      gluedRecord(tok[0]),
		"cache.page":   leafPage("alice", tok[1], "2026-01-01"),
		"app":          elf,
		"ci.log":       []byte(log),
		"layer.tar.gz": gzipOf(t, tarOf(t, entry{"etc/app/state.bin", gluedRecord(tok[4])})),
		// Negatives.
		"train.py": []byte("Z" + tok[5] + " = 1\nx = " + tok[5] + "QwErTy\ndef " + tok[5][:20] + "_helper(): pass\n"),
		"blob.bin": append([]byte{0}, blob...),
		"rand.bin": noise,
	}
	dir := t.TempDir()
	for name, data := range files {
		writeFile(t, filepath.Join(dir, name), data)
	}
	fs, st := run(t, Options{ShowSecrets: true}, dir)
	if st.Errors != 0 {
		t.Errorf("errors %q", st.ErrorList)
	}
	type want struct {
		secret, path string
		offset       int
		line, col    int
		conf         string
	}
	line, col := pos(t, log, tok[3])
	wants := []want{
		{tok[0], "rec.bin", 5, 0, 0, "low"},
		{tok[1], "cache.page", bytes.Index(files["cache.page"], []byte(tok[1])), 0, 0, "low"},
		{tok[2], "app", bytes.Index(elf, []byte(tok[2])), 0, 0, "low"},
		{tok[3], "ci.log", strings.Index(log, tok[3]), line, col, "high"},
		{tok[4], "layer.tar.gz!etc/app/state.bin", 5, 0, 0, "low"},
	}
	if len(fs) != len(wants) {
		t.Fatalf("got %d findings, want %d:%s", len(fs), len(wants), describe(fs))
	}
	for _, w := range wants {
		got := bySecret(fs, w.secret)
		if len(got) != 1 {
			t.Fatalf("%s: %d findings:%s", w.path, len(got), describe(fs))
		}
		f := got[0]
		l := f.Location
		if rel, _ := filepath.Rel(dir, l.Path); rel != w.path || l.Offset != int64(w.offset) || l.Line != w.line || l.Column != w.col ||
			f.Confidence != w.conf || f.Rule != "hf-user-token" || len(f.Encodings) != 0 {
			t.Errorf("%s: got %s %s@%d %d:%d conf %s enc %v, want offset %d %d:%d conf %s", w.path, f.Rule, rel, l.Offset, l.Line, l.Column,
				f.Confidence, f.Encodings, w.offset, w.line, w.col, w.conf)
		}
	}

	// --verify settles a low-confidence candidate: it is checked like any
	// other Hub credential.
	v := &countingVerifier{answers: map[string]string{tok[0]: "live"}}
	Verify(t.Context(), fs, v, nil, 2)
	for _, f := range bySecret(fs, tok[0]) {
		if f.Verification == nil || f.Verification.Status != "live" {
			t.Errorf("low-confidence finding not verified: %+v", f.Verification)
		}
	}
	if n := v.calls.Load(); n != int64(len(wants)) {
		t.Errorf("verifier called %d times, want %d", n, len(wants))
	}
}

// TestGluedGoBinary: a Go program's string constants are laid out back to
// back in its read-only data, so a token compiled in is glued to the next
// string. It is found in the executable the real toolchain builds.
func TestGluedGoBinary(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a Go program")
	}
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("go not installed")
	}
	tok := newTokenGen(1314).Next(t)
	src := t.TempDir()
	writeFile(t, filepath.Join(src, "go.mod"), []byte("module leak\n\ngo 1.22\n"))
	writeFile(t, filepath.Join(src, "main.go"), []byte(`package main

import "os"

const token = "`+tok+`"

func main() {
	os.Setenv("HF_TOKEN", token)
	os.Stdout.WriteString(os.Getenv("HF_TOKEN"))
}
`))
	bin := filepath.Join(t.TempDir(), "leak")
	cmd := exec.CommandContext(t.Context(), goTool, "build", "-o", bin, ".")
	cmd.Dir = src
	cmd.Env = append(os.Environ(), "GOTOOLCHAIN=local")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	data, err := os.ReadFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	at := bytes.Index(data, []byte(tok))
	if at < 0 {
		t.Fatal("fixture bug: the token is not in the executable")
	}
	fs, _ := run(t, Options{ShowSecrets: true}, bin)
	got := bySecret(fs, tok)
	// Where the linker puts the string decides whether it is glued (low
	// confidence) or not (high): either way it is found, where it is.
	if len(got) != 1 || got[0].Location.Offset != int64(at) || got[0].Location.Line != 0 {
		t.Fatalf("got %s, want the token at offset %d", describe(fs), at)
	}
	glued := at+len(tok) < len(data) && isAlnumByte(data[at+len(tok)]) || isAlnumByte(data[at-1])
	t.Logf("glued %v: confidence %s", glued, got[0].Confidence)
	if want := map[bool]string{true: "low", false: "high"}[glued]; got[0].Confidence != want {
		t.Errorf("confidence %s, want %s (glued %v)", got[0].Confidence, want, glued)
	}
}

func isAlnumByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}
