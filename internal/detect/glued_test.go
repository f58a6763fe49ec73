package detect

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

// record packs a token the way a binary record layout does: a magic, a
// type code that is a letter, the token, and a little-endian length whose
// low byte is a letter too, with the next field after it.
func record(tok string) []byte {
	var b bytes.Buffer
	b.Write([]byte{0xCA, 0xFE, 0x00, 0x01})
	b.WriteByte('T') // type code: text
	b.WriteString(tok)
	_ = binary.Write(&b, binary.LittleEndian, uint16(0x4171)) // "qA"
	b.WriteString("next\x00\x00")
	return b.Bytes()
}

// sqlitePage is a table leaf page as SQLite lays it out: a page header, a
// cell pointer, then a cell whose record header is followed by its column
// values back to back, with nothing between them.
func sqlitePage(cols ...string) []byte {
	var rec bytes.Buffer
	hdr := []byte{byte(1 + len(cols))}
	for _, c := range cols {
		hdr = append(hdr, byte(13+2*len(c))) // serial type of a text of that length
	}
	rec.Write(hdr)
	for _, c := range cols {
		rec.WriteString(c)
	}
	page := make([]byte, 4096)
	page[0] = 0x0D // table leaf
	binary.BigEndian.PutUint16(page[3:], 1)
	cell := append([]byte{byte(rec.Len()), 0x07}, rec.Bytes()...) // payload size, rowid 7
	off := len(page) - len(cell)
	binary.BigEndian.PutUint16(page[5:], uint16(off))
	binary.BigEndian.PutUint16(page[8:], uint16(off))
	copy(page[off:], cell)
	return page
}

// elfStrings is the head of an ELF file followed by a read-only data
// section the way Go lays out string constants: back to back, with no
// terminator.
func elfStrings(parts ...string) []byte {
	head := []byte("\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x02\x00\x3e\x00")
	return append(append(head, make([]byte, 44)...), strings.Join(parts, "")...)
}

func TestGlued(t *testing.T) {
	d := New(Options{})
	tests := []struct {
		name   string
		data   []byte
		binary bool
		want   []want // secret and confidence
	}{
		{"binary record: type code before, length letter after", record(tok1), true, []want{{"hf-user-token", tok1, "low", nil, 0}}},
		{"sqlite page: columns back to back", sqlitePage("alice", tok1, "2026-01-01"), true, []want{{"hf-user-token", tok1, "low", nil, 0}}},
		{"elf string table", elfStrings("https://huggingface.co/api/whoami-v2", "Bearer", tok1, "application/json", "Authorization"), true,
			[]want{{"hf-user-token", tok1, "low", nil, 0}}},
		{"two tokens glued to each other", append([]byte("\x00\x00"), tok1+tok2+"\x00"...), true,
			[]want{{"hf-user-token", tok1, "low", nil, 0}, {"hf-user-token", tok2, "low", nil, 0}}},
		{"org token in a record", record(orgTok), true, []want{{"hf-org-token", orgTok, "low", nil, 0}}},
		{"not glued in binary keeps its confidence", append([]byte("\x00\x01"), tok1+"\x00"...), true, []want{{"hf-user-token", tok1, "high", nil, 0}}},
		{"binary record inside a text file", []byte("log line\n\x01\x02T" + tok1 + "qA\x00next\n"), false, []want{{"hf-user-token", tok1, "low", nil, 0}}},
		{"ansi-coloured ci log line", []byte("2026-11-01T12:00:00.1234567Z \x1b[36;1mHF_TOKEN:\x1b[0m \x1b[32m" + tok1 + "\x1b[0m\n"), false,
			[]want{{"hf-user-token", tok1, "high", nil, 0}}},
		{"ansi reset then charset", []byte("\x1b(B\x1b[m" + tok1 + "\n"), false, []want{{"hf-user-token", tok1, "high", nil, 0}}},
		{"ansi escape in notebook json", []byte(`"text": ["\u001b[0;32m` + tok1 + `\u001b[0m\n"]`), false, []want{{"hf-user-token", tok1, "high", nil, 0}}},
		{"ansi escape in a shell printf", []byte(`printf '\033[1m` + tok1 + `\033[0m\n'`), false, []want{{"hf-user-token", tok1, "high", nil, 0}}},

		// Negatives: look-alikes stay rejected in text.
		{"identifier longer than a token", []byte("const " + tok1 + "Abcdef = 1\n"), false, nil},
		{"hf_ and 40 letters in code", []byte("x = " + tok1 + "QwErTy\n"), false, nil},
		{"glued on the left in code", []byte("var Z" + tok1 + " = 1\n"), false, nil},
		{"identifier continued by an underscore", []byte("\x00" + tok1 + "_suffix\x00"), true, nil},
		{"underscore before, binary", []byte("\x00HF_TOKEN_" + tok1 + "\x00"), true, nil},
		{"glued body with digits", record(tokAlnum), true, nil},
		{"glued camelCase identifier", record("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"), true, nil},
		{"glued placeholder", record("hf_XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX"), true, nil},
		{"text glue too long before the control byte", []byte("\x01abcdefghij" + tok1 + "\n"), false, nil},
		{"letter before, not an escape", []byte("[32m" + tok1 + "\n"), false, nil},
		{"inside a base64url blob", []byte("\x00" + strings.Repeat("Zm9vYmFy", 4) + tok1 + strings.Repeat("cXV4YmF6", 4) + "\x00"), true, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var got []Match
			if tc.binary {
				got = d.DetectBinary(tc.data)
			} else {
				got = d.Detect(tc.data)
			}
			if len(got) != len(tc.want) {
				t.Fatalf("got %+v, want %d matches", got, len(tc.want))
			}
			for i, w := range tc.want {
				m := got[i]
				if m.Rule != w.rule || m.Secret != w.secret || string(m.Confidence) != w.conf || string(tc.data[m.Start:m.End]) != w.secret {
					t.Errorf("match %d: got %+v (%q), want %s %s at %s", i, m, tc.data[m.Start:m.End], w.rule, w.secret, w.conf)
				}
			}
		})
	}
}

// TestGluedNegativesAtScale: random bytes, random base64url and text that
// is all identifiers report nothing through the binary reading.
func TestGluedNegativesAtScale(t *testing.T) {
	d := New(Options{})
	r := rand.New(rand.NewPCG(13, 5))
	random := make([]byte, 4<<20)
	for i := range random {
		random[i] = byte(r.Uint32())
	}
	// Random bytes with "hf_" planted every 97 bytes: what follows is noise.
	planted := bytes.Clone(random)
	for i := 0; i+3 < len(planted); i += 97 {
		copy(planted[i:], "hf_")
	}
	b64 := []byte(base64.RawURLEncoding.EncodeToString(random))
	for i := 5; i+40 < len(b64); i += 4099 {
		copy(b64[i:], "hf_") // base64url holds "_": the prefix can occur
	}
	var ids strings.Builder
	for i := 0; ids.Len() < 1<<20; i++ {
		ids.WriteString("\x00hf_hub_download\x00Xhf_servingcellpriorityparametersabcdZ\x00my_hf_token_is_here\x00")
	}
	for name, data := range map[string][]byte{"random": random, "planted": planted, "base64url": b64, "identifiers": []byte(ids.String())} {
		if ms := d.DetectBinary(data); len(ms) != 0 {
			t.Errorf("%s: %d matches, first %q", name, len(ms), ms[0].Secret[:6])
		}
	}
}

// TestBinarySupersetOfText: the binary reading finds everything the text
// reading finds, the same way.
func TestBinarySupersetOfText(t *testing.T) {
	d := New(Options{})
	data := benchData(1 << 20)
	text, bin := d.Detect(data), d.DetectBinary(data)
	if len(text) != 1 || len(bin) != 1 || !sameMatch(text[0], bin[0]) {
		t.Fatalf("text %+v, binary %+v", text, bin)
	}
}

// checkBinaryAddsLow fails unless the binary reading of some bytes found
// every secret their text reading found, and only glued tokens, of low
// confidence, besides.
func checkBinaryAddsLow(t *testing.T, text, bin []Match) {
	t.Helper()
	inText, inBin := map[string]bool{}, map[string]bool{}
	for _, m := range text {
		inText[m.Secret] = true
	}
	for _, m := range bin {
		inBin[m.Secret] = true
		if !inText[m.Secret] && m.Confidence != Low {
			t.Fatalf("%s found in binary bytes at %s confidence, not in text", m.Rule, m.Confidence)
		}
	}
	for _, m := range text {
		if !inBin[m.Secret] {
			t.Fatalf("%s found in text, not in binary bytes", m.Rule)
		}
	}
}

// FuzzGlued checks the binary reading: no panic, spans in range, nothing
// lost that the text reading finds, and a canonical token between any two
// neighbouring bytes of a binary record is found (glued, at low
// confidence, when a neighbour is a letter or digit), whatever surrounds
// the record; an underscore beside it continues an identifier.
func FuzzGlued(f *testing.F) {
	d := New(Options{})
	f.Add(record(tok1), sqlitePage("alice", tok2, "2026"), byte('K'), byte('Z'), uint8(0))
	f.Add(elfStrings("Bearer", tok1, "application/json"), []byte("\x1b[32m"+tok2+"\x1b[0m"), byte('m'), byte('\x1b'), uint8(1))
	f.Add([]byte("\x00"+strings.Repeat("Zm9vYmFy", 4)+tok1), []byte("cXV4"+orgTok+"Q\x00"), byte('7'), byte('_'), uint8(2))
	f.Add([]byte("rec\x01"), []byte("hf_\\"), byte(0), byte('A'), uint8(0))
	toks := []string{tok1, tok2, orgTok}
	f.Fuzz(func(t *testing.T, prefix, suffix []byte, left, right byte, tokIdx uint8) {
		raw := append(append([]byte{}, prefix...), suffix...)
		bin := d.DetectBinary(raw)
		for _, m := range bin {
			if m.Start < 0 || m.End > len(raw) || m.Start >= m.End {
				t.Fatalf("span out of range: %+v", m)
			}
		}
		checkBinaryAddsLow(t, d.Detect(raw), bin)
		if left == '_' || right == '_' {
			return
		}
		tok := toks[int(tokIdx)%len(toks)]
		input := string(prefix) + "\x00" + string([]byte{left}) + tok + string([]byte{right}) + "\x00" + string(suffix)
		glued := isAlnum(left) || isAlnum(right)
		for _, m := range d.DetectBinary([]byte(input)) {
			if m.Secret == tok && (m.Confidence == Low) == glued {
				return
			}
		}
		t.Fatalf("%s between %q and %q not found (glued %v) in %q", tok, left, right, glued, input)
	})
}

// tool returns the path of a program a test builds its file with, or
// skips the test naming it.
func tool(t *testing.T, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		t.Skipf("%s not installed", name)
	}
	return p
}

// runTool runs a program in dir and fails the test with its output.
func runTool(t *testing.T, dir, name string, args ...string) {
	t.Helper()
	cmd := exec.CommandContext(t.Context(), tool(t, name), args...)
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s %v: %v\n%s", name, args, err, out)
	}
}

// TestGluedRealFiles reads files that real tools lay out with the token
// glued to its neighbours: a SQLite database (columns back to back), a C
// object file of a packed struct (a type code before, a length letter
// after, no terminator), a record Python's struct module packs.
func TestGluedRealFiles(t *testing.T) {
	d := New(Options{})
	dir := t.TempDir()
	tests := []struct {
		name, file string
		build      func(t *testing.T)
	}{
		{"sqlite3", "creds.db", func(t *testing.T) {
			runTool(t, dir, "sqlite3", "creds.db",
				"create table creds(name text, token text, note text); insert into creds values('alice', '"+tok1+"', 'prod');")
		}},
		{"gcc packed struct", "rec.o", func(t *testing.T) {
			src := "struct __attribute__((packed)) rec { char type; char token[37]; unsigned short len; };\n" +
				"struct rec r = { 'T', \"" + tok1 + "\", 0x4171 };\n"
			if err := os.WriteFile(filepath.Join(dir, "rec.c"), []byte(src), 0o644); err != nil {
				t.Fatal(err)
			}
			runTool(t, dir, "cc", "-c", "-o", "rec.o", "rec.c")
		}},
		{"python struct", "rec.bin", func(t *testing.T) {
			runTool(t, dir, "python3", "-c", "import struct,sys; open('rec.bin','wb').write(struct.pack('<4sB37sH4s', b'REC1', ord('T'), b'"+tok1+"', 0x4171, b'next'))")
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.build(t)
			data, err := os.ReadFile(filepath.Join(dir, tc.file))
			if err != nil {
				t.Fatal(err)
			}
			at := bytes.Index(data, []byte(tok1))
			if at < 1 || at+len(tok1) >= len(data) || !isAlnum(data[at-1]) && !isAlnum(data[at+len(tok1)]) {
				t.Fatalf("fixture bug: the token is not glued in %s", tc.file)
			}
			ms := d.DetectBinary(data)
			if len(ms) != 1 || ms[0].Secret != tok1 || ms[0].Confidence != Low || ms[0].Start != at {
				t.Fatalf("got %+v, want %s at %d, low confidence", ms, tok1, at)
			}
		})
	}
}
