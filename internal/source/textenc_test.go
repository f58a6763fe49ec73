package source

import (
	"bytes"
	"context"
	"encoding/binary"
	"io"
	"math/rand/v2"
	"strings"
	"testing"
	"testing/iotest"
	"unicode/utf16"
	"unicode/utf8"
)

// encodeWide encodes s in enc, with its byte order mark when bom is set.
func encodeWide(s string, enc textEncoding, bom bool) []byte {
	var out []byte
	put := func(u uint32) {
		switch enc {
		case encUTF16LE:
			out = binary.LittleEndian.AppendUint16(out, uint16(u))
		case encUTF16BE:
			out = binary.BigEndian.AppendUint16(out, uint16(u))
		case encUTF32LE:
			out = binary.LittleEndian.AppendUint32(out, u)
		case encUTF32BE:
			out = binary.BigEndian.AppendUint32(out, u)
		}
	}
	if bom {
		put(0xfeff)
	}
	for _, r := range s {
		if enc.unit() == 2 {
			for _, u := range utf16.Encode([]rune{r}) {
				put(uint32(u))
			}
		} else {
			put(uint32(r))
		}
	}
	return out
}

const sampleText = "Windows PowerShell transcript start\r\nStart time: 20240102030405\r\nPS C:\\> echo ok\r\n"

func TestSniffTextEncoding(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	random := make([]byte, 4096)
	for i := range random {
		random[i] = byte(rng.UintN(256))
		if i%3 == 0 {
			random[i] = 0
		}
	}
	// Random bytes in every even place, NUL in every odd one: the NUL
	// pattern of UTF-16LE, but no text (a table of small numbers).
	table := make([]byte, 4096)
	for i := 0; i < len(table); i += 2 {
		table[i] = byte(1 + rng.UintN(255))
	}
	elf := append([]byte("\x7fELF\x02\x01\x01\x00"), make([]byte, 64)...)
	cjk := "日本語のテキストです。トークンはありません。"
	for _, tc := range []struct {
		name string
		head []byte
		enc  textEncoding
		bom  int
	}{
		{"utf-16le bom", encodeWide(sampleText, encUTF16LE, true), encUTF16LE, 2},
		{"utf-16be bom", encodeWide(sampleText, encUTF16BE, true), encUTF16BE, 2},
		{"utf-32le bom", encodeWide(sampleText, encUTF32LE, true), encUTF32LE, 4},
		{"utf-32be bom", encodeWide(sampleText, encUTF32BE, true), encUTF32BE, 4},
		{"utf-16le", encodeWide(sampleText, encUTF16LE, false), encUTF16LE, 0},
		{"utf-16be", encodeWide(sampleText, encUTF16BE, false), encUTF16BE, 0},
		{"utf-32le", encodeWide(sampleText, encUTF32LE, false), encUTF32LE, 0},
		{"utf-32be", encodeWide(sampleText, encUTF32BE, false), encUTF32BE, 0},
		{"utf-16le bom, not ascii", encodeWide(cjk, encUTF16LE, true), encUTF16LE, 2},
		{"utf-16le bom, emoji", encodeWide("token 🤗 here\n", encUTF16LE, true), encUTF16LE, 2},
		{"utf-16le bom only", []byte("\xff\xfe"), encUTF16LE, 2},
		{"utf-16le cut in a unit", encodeWide(sampleText, encUTF16LE, false)[:81], encUTF16LE, 0},
		{"utf-16le cut in a pair", encodeWide(sampleText+"🤗", encUTF16LE, true)[:2+2*len(sampleText)+2], encUTF16LE, 2},
		{"utf-16le ending in NULs", append(encodeWide(sampleText, encUTF16LE, false), 0, 0, 0, 0), encUTF16LE, 0},
		{"utf-16le, not ascii, no bom", encodeWide(cjk, encUTF16LE, false), noTextEncoding, 0},
		{"utf-16le, too short", encodeWide("short", encUTF16LE, false), noTextEncoding, 0},
		{"utf-16le with a NUL inside", encodeWide("abcdefghijklmnop\x00qrstuvwxyz", encUTF16LE, false), noTextEncoding, 0},
		{"utf-16le with a control character", encodeWide("abcdefghijklmnop\x01qrstuvwxyz", encUTF16LE, false), noTextEncoding, 0},
		{"utf-16le bom, then binary", append([]byte("\xff\xfe"), random...), noTextEncoding, 0},
		{"utf-16be bom, then binary", append([]byte("\xfe\xff"), random...), noTextEncoding, 0},
		{"utf-32le bom, then binary", append([]byte("\xff\xfe\x00\x00"), random...), noTextEncoding, 0},
		{"plain text", []byte(sampleText), noTextEncoding, 0},
		{"utf-8 text", []byte(cjk), noTextEncoding, 0},
		{"utf-8 bom", []byte("\xef\xbb\xbf" + sampleText), noTextEncoding, 0},
		{"random with NULs", random, noTextEncoding, 0},
		{"table of 16-bit numbers", table, noTextEncoding, 0},
		{"elf", elf, noTextEncoding, 0},
		{"NULs", make([]byte, 100), noTextEncoding, 0},
		{"empty", nil, noTextEncoding, 0},
		{"one byte", []byte{0xff}, noTextEncoding, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			enc, bom := sniffTextEncoding(tc.head)
			if enc != tc.enc || bom != tc.bom {
				t.Errorf("sniffTextEncoding = %v, %d; want %v, %d", enc, bom, tc.enc, tc.bom)
			}
		})
	}
}

// decodeAll decodes data through r's reads.
func decodeAll(t testing.TB, r io.Reader, enc textEncoding) (string, wideStats) {
	t.Helper()
	d := newWideDecoder(r, enc)
	out, err := io.ReadAll(d)
	if err != nil {
		t.Fatal(err)
	}
	return string(out), d.st
}

func TestWideDecoder(t *testing.T) {
	text := "ascii, Привет, 日本語, 🤗 and more\r\nline two\n"
	for _, enc := range []textEncoding{encUTF16LE, encUTF16BE, encUTF32LE, encUTF32BE} {
		data := encodeWide(text, enc, false)
		for name, r := range map[string]func() io.Reader{
			"whole":    func() io.Reader { return bytes.NewReader(data) },
			"one byte": func() io.Reader { return iotest.OneByteReader(bytes.NewReader(data)) },
			"half":     func() io.Reader { return iotest.HalfReader(bytes.NewReader(data)) },
		} {
			t.Run(enc.String()+" "+name, func(t *testing.T) {
				got, st := decodeAll(t, r(), enc)
				if got != text {
					t.Errorf("decoded %q, want %q", got, text)
				}
				if st.bad != 0 || st.units != utf8.RuneCountInString(text) {
					t.Errorf("stats %+v", st)
				}
			})
		}
	}
	for _, tc := range []struct {
		name string
		data []byte
		enc  textEncoding
		want string
		bad  int
	}{
		{"odd byte at the end", append(encodeWide("abc", encUTF16LE, false), 'd'), encUTF16LE, "abc\ufffd", 1},
		{"three bytes at the end", append(encodeWide("abc", encUTF32BE, false), 0, 0, 0), encUTF32BE, "abc\ufffd", 1},
		{"high surrogate at the end", append(encodeWide("ab", encUTF16LE, false), 0x3d, 0xd8), encUTF16LE, "ab\ufffd", 1},
		{"high surrogate then a letter", []byte{0x3d, 0xd8, 'x', 0}, encUTF16LE, "\ufffdx", 1},
		{"lone low surrogate", []byte{0xdc, 0x00, 0, 'y'}, encUTF16BE, "\ufffdy", 1},
		{"NUL", encodeWide("a\x00b", encUTF16LE, false), encUTF16LE, "a\ufffdb", 1},
		{"past unicode", []byte{0, 0, 0x11, 0, 'z', 0, 0, 0}, encUTF32LE, "\ufffdz", 1},
		{"negative", []byte{0xff, 0xff, 0xff, 0xff}, encUTF32BE, "\ufffd", 1},
		{"empty", nil, encUTF16LE, "", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, st := decodeAll(t, iotest.OneByteReader(bytes.NewReader(tc.data)), tc.enc)
			if got != tc.want || st.bad != tc.bad {
				t.Errorf("decoded %q (bad %d), want %q (bad %d)", got, st.bad, tc.want, tc.bad)
			}
		})
	}
}

// errReader fails after its bytes.
type errReader struct{ r io.Reader }

func (e errReader) Read(p []byte) (int, error) {
	n, err := e.r.Read(p)
	if err == io.EOF {
		err = io.ErrClosedPipe
	}
	return n, err
}

func TestWideDecoderError(t *testing.T) {
	d := newWideDecoder(errReader{bytes.NewReader(encodeWide("abc", encUTF16LE, false))}, encUTF16LE)
	got, err := io.ReadAll(d)
	if string(got) != "abc" || err != io.ErrClosedPipe {
		t.Errorf("got %q, %v", got, err)
	}
}

// TestReadChunksLineChars: in decoded text, a line longer than a chunk
// still gives columns in characters: LineChars counts what went before.
func TestReadChunksLineChars(t *testing.T) {
	long := strings.Repeat("é日", ChunkSize/2) // 5 bytes, 2 characters each
	text := "first\n" + long + "MARK rest\nnext\n"
	prov := FileProvenance("file", "t.txt")
	prov.Encoding = "utf-16le"
	want := 2*(ChunkSize/2) + 1
	found := false
	err := ReadChunks(context.Background(), strings.NewReader(text), nil, prov, false, true, NewBuffer(), func(c Chunk) error {
		i := bytes.Index(c.Data, []byte("MARK"))
		if i < c.Skip || (c.Limit > 0 && i >= c.Limit) {
			return nil
		}
		found = true
		if c.LineStart >= 0 {
			t.Fatalf("the line starts in the chunk (%d): make it longer", c.LineStart)
		}
		if got := c.LineChars + CountChars(c.Data[:i]) + 1; got != want || c.Line != 2 {
			t.Errorf("line %d column %d, want 2, %d", c.Line, got, want)
		}
		return nil
	})
	if err != nil || !found {
		t.Fatalf("err %v, found %v", err, found)
	}
}

// FuzzSniffTextEncoding: any head is sniffed without a panic, and what is
// taken for text decodes with the bound its kind allows.
func FuzzSniffTextEncoding(f *testing.F) {
	for _, enc := range []textEncoding{encUTF16LE, encUTF16BE, encUTF32LE, encUTF32BE} {
		f.Add(encodeWide(sampleText, enc, true))
		f.Add(encodeWide(sampleText, enc, false))
	}
	f.Add([]byte("\x7fELF\x02\x01\x01\x00\x00\x00"))
	f.Add([]byte("plain text\n"))
	f.Fuzz(func(t *testing.T, head []byte) {
		enc, bom := sniffTextEncoding(head)
		if enc == noTextEncoding {
			return
		}
		var st wideStats
		decodeWide(nil, head[bom:], enc, false, &st, -1)
		if bom == 0 && (st.bad != st.trailingNUL || st.units < minUnmarked) {
			t.Errorf("%v without a mark, stats %+v", enc, st)
		}
		if bom > 0 && st.bad*100 > st.units {
			t.Errorf("%v with a mark, stats %+v", enc, st)
		}
	})
}

// FuzzWideDecoder: any bytes decode, read in any pieces, to the same
// valid UTF-8 without NUL bytes, no longer than UTF-8 of the units can be.
func FuzzWideDecoder(f *testing.F) {
	for _, enc := range []textEncoding{encUTF16LE, encUTF16BE, encUTF32LE, encUTF32BE} {
		f.Add(encodeWide("a 🤗 Привет\n", enc, false), uint8(enc), uint8(3))
	}
	f.Add([]byte{0x3d, 0xd8, 'x'}, uint8(encUTF16LE), uint8(1))
	f.Fuzz(func(t *testing.T, data []byte, e, step uint8) {
		enc := textEncoding(1 + e%4)
		whole, _ := decodeAll(t, bytes.NewReader(data), enc)
		pieces, _ := decodeAll(t, &stepReader{data: data, step: 1 + int(step%17)}, enc)
		if whole != pieces {
			t.Fatalf("whole %q, in pieces %q", whole, pieces)
		}
		if !utf8.ValidString(whole) || strings.IndexByte(whole, 0) >= 0 {
			t.Fatalf("decoded %q", whole)
		}
		// Two bytes give at most three; an odd byte at the end, three.
		if len(whole) > len(data)*3/2+3 {
			t.Fatalf("%d bytes decoded from %d", len(whole), len(data))
		}
	})
}

// stepReader reads data step bytes at a time.
type stepReader struct {
	data []byte
	step int
}

func (s *stepReader) Read(p []byte) (int, error) {
	if len(s.data) == 0 {
		return 0, io.EOF
	}
	n := copy(p[:min(len(p), s.step)], s.data)
	s.data = s.data[n:]
	return n, nil
}
