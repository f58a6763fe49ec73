package source

import (
	"bytes"
	"context"
	"encoding/binary"
	"io"
	"os"
	"unicode/utf16"
	"unicode/utf8"
)

// Windows writes text in UTF-16 (PowerShell's Start-Transcript and
// Out-File, reg export, many tools' logs), some tools in UTF-32: every
// ASCII letter of a token then sits beside NUL bytes, and the detector,
// which reads bytes, sees none. The text reader decodes such items to
// UTF-8 and hands the text on in the item's place ("transcript.txt:12:5",
// as "app.log.gz" reports lines of the log), located by line and column in
// characters of the decoded text.
//
// It is picked by a byte order mark, or without one by the pattern of NUL
// bytes that ASCII text takes in the encoding ("h\x00f\x00_\x00" is
// UTF-16LE). Both need the whole head to decode as text, strictly so
// without a mark: a binary file (a table of 16-bit numbers, an ELF) is not
// taken, and is scanned as before. Plain text costs two byte compares.
// What is taken is also scanned as it is, after its text: a binary format
// whose head looks like text keeps every finding it gave before.

// textEncoding is an encoding of text in units of two or four bytes.
type textEncoding int

// The encodings the text reader decodes.
const (
	noTextEncoding textEncoding = iota
	encUTF16LE
	encUTF16BE
	encUTF32LE
	encUTF32BE
)

// String names the encoding as findings' encodings do: "utf-16le".
func (e textEncoding) String() string {
	switch e {
	case encUTF16LE:
		return "utf-16le"
	case encUTF16BE:
		return "utf-16be"
	case encUTF32LE:
		return "utf-32le"
	case encUTF32BE:
		return "utf-32be"
	}
	return ""
}

// unit is the size of a code unit, in bytes.
func (e textEncoding) unit() int {
	if e == encUTF32LE || e == encUTF32BE {
		return 4
	}
	return 2
}

// minUnmarked is the fewest code units a head without a byte order mark
// must hold to be taken for text: the NUL pattern of a few bytes is
// chance, and an item shorter than a token holds none.
const minUnmarked = 16

// sniffTextEncoding tells whether head, an item's first bytes, is text in
// one of the encodings, and how long its byte order mark is (0 for none).
func sniffTextEncoding(head []byte) (textEncoding, int) {
	if len(head) < 2 {
		return noTextEncoding, 0
	}
	// Byte order marks: UTF-32LE's starts with UTF-16LE's.
	for _, m := range [...]struct {
		enc  textEncoding
		mark string
	}{
		{encUTF32LE, "\xff\xfe\x00\x00"}, {encUTF32BE, "\x00\x00\xfe\xff"},
		{encUTF16LE, "\xff\xfe"}, {encUTF16BE, "\xfe\xff"},
	} {
		if bytes.HasPrefix(head, []byte(m.mark)) && looksLikeText(head[len(m.mark):], m.enc, true) {
			return m.enc, len(m.mark)
		}
	}
	// No mark: the first character must be ASCII, which puts NUL bytes
	// in the first unit; plain text has none there, and is let go after
	// two compares.
	if len(head) < 4 {
		return noTextEncoding, 0
	}
	var enc textEncoding
	switch {
	case head[0] != 0 && head[1] == 0 && head[2] == 0 && head[3] == 0:
		enc = encUTF32LE
	case head[0] == 0 && head[1] == 0 && head[2] == 0 && head[3] != 0:
		enc = encUTF32BE
	case head[0] != 0 && head[1] == 0:
		enc = encUTF16LE
	case head[0] == 0 && head[1] != 0:
		enc = encUTF16BE
	default:
		return noTextEncoding, 0
	}
	if looksLikeText(head, enc, false) {
		return enc, 0
	}
	return noTextEncoding, 0
}

// looksLikeText tells whether b (a head after any byte order mark)
// decodes as text in enc. After a mark, one unit in a hundred may be
// amiss (a control character, a broken surrogate); without one, none may
// but a run of NULs at the end (a C string's terminator), and nineteen
// characters in twenty must be ASCII: that is what the NUL pattern is.
func looksLikeText(b []byte, enc textEncoding, marked bool) bool {
	var st wideStats
	// The head ends where SniffLen cut it: a unit or a pair cut short
	// there is no fault (atEOF false leaves it undecoded). Decoding stops
	// as soon as too much is amiss: binary heads are let go early.
	limit := 0
	if marked {
		limit = len(b) / enc.unit() / 100
	}
	decodeWide(nil, b, enc, false, &st, limit)
	if marked {
		return st.bad*100 <= st.units
	}
	return st.units >= minUnmarked && st.bad == st.trailingNUL && st.ascii*20 >= st.units*19
}

// wideStats counts what decoding met.
type wideStats struct {
	// units counts characters decoded (a surrogate pair is one), ascii
	// those that are printable ASCII or whitespace, bad those that are
	// no text: NUL, control characters other than whitespace, escape
	// and backspace, broken surrogates, values past Unicode, U+FFFE and
	// U+FFFF. trailingNUL counts the NULs that end what was decoded.
	units, ascii, bad, trailingNUL int
}

// decodeWide appends the UTF-8 of the code units in src to dst, and
// returns it with how many bytes of src it decoded. A unit or surrogate
// pair cut short at the end of src is left for the next call, unless
// atEOF: it is then one U+FFFD. NUL becomes U+FFFD too, so that decoded
// text never looks binary; so do broken surrogates and values past
// Unicode. A limit of 0 or more makes it a sniff: dst is left alone, and
// decoding stops once more than limit units that are no text (trailing
// NULs aside) were met.
func decodeWide(dst, src []byte, enc textEncoding, atEOF bool, st *wideStats, limit int) ([]byte, int) {
	u := enc.unit()
	countOnly := limit >= 0
	i := 0
	for ; i+u <= len(src); i += u {
		r := wideUnit(src[i:], enc)
		if utf16.IsSurrogate(r) && u == 2 {
			if r < 0xdc00 && i+2*u <= len(src) {
				if lo := wideUnit(src[i+u:], enc); lo >= 0xdc00 && lo <= 0xdfff {
					r = utf16.DecodeRune(r, lo)
					i += u
				}
			} else if r < 0xdc00 && !atEOF {
				break // the low half may follow
			}
		}
		st.units++
		switch {
		case r == 0:
			st.bad++
			st.trailingNUL++
			r = utf8.RuneError
		case r >= 0x20 && r < 0x7f || r == '\t' || r == '\n' || r == '\r':
			st.ascii++
			st.trailingNUL = 0
		case r == 0x1b || r == '\b' || r == '\f' || r == '\v' || r > 0x9f && utf8.ValidRune(r) && r != 0xfffe && r != 0xffff:
			st.trailingNUL = 0
		default:
			st.bad++
			st.trailingNUL = 0
			if !utf8.ValidRune(r) {
				r = utf8.RuneError
			}
		}
		if !countOnly {
			dst = utf8.AppendRune(dst, r)
		} else if st.bad-st.trailingNUL > limit {
			return dst, i + u
		}
	}
	if atEOF && i < len(src) {
		// An odd byte (or three) at the end: no character.
		st.units++
		st.bad++
		st.trailingNUL = 0
		if !countOnly {
			dst = utf8.AppendRune(dst, utf8.RuneError)
		}
		i = len(src)
	}
	return dst, i
}

// wideUnit reads the code unit at the start of b.
func wideUnit(b []byte, enc textEncoding) rune {
	switch enc {
	case encUTF16LE:
		return rune(b[0]) | rune(b[1])<<8
	case encUTF16BE:
		return rune(b[0])<<8 | rune(b[1])
	case encUTF32LE:
		return rune(binary.LittleEndian.Uint32(b)) // past 1<<31: negative, no rune
	default:
		return rune(binary.BigEndian.Uint32(b))
	}
}

// wideDecoder reads the UTF-8 of a stream of code units.
type wideDecoder struct {
	r   io.Reader
	enc textEncoding
	st  wideStats
	in  []byte // raw bytes read, not yet decoded: in[:n]
	n   int
	out []byte // decoded bytes not yet returned: out[off:]
	off int
	err error
}

// newWideDecoder returns a reader of r's text as UTF-8.
func newWideDecoder(r io.Reader, enc textEncoding) *wideDecoder {
	return &wideDecoder{r: r, enc: enc, in: make([]byte, 32<<10)}
}

func (d *wideDecoder) Read(p []byte) (int, error) {
	for d.off == len(d.out) {
		if d.err != nil {
			return 0, d.err
		}
		m, err := d.r.Read(d.in[d.n:])
		d.n += m
		eof := err != nil
		used := 0
		d.out, used = decodeWide(d.out[:0], d.in[:d.n], d.enc, eof, &d.st, -1)
		d.off = 0
		d.n = copy(d.in, d.in[used:d.n])
		if err != nil {
			d.err = err
		}
	}
	k := copy(p, d.out[d.off:])
	d.off += k
	return k, nil
}

// TextReader reads text in UTF-16 or UTF-32 (see sniffTextEncoding),
// decoded to UTF-8 and handed on in the item's place.
func TextReader() Reader { return textReader{} }

type textReader struct{}

func (textReader) Name() string { return "utf-16/utf-32" }

func (textReader) Sniff(_ string, head []byte) bool {
	enc, _ := sniffTextEncoding(head)
	return enc != noTextEncoding
}

func (textReader) Open(ctx context.Context, in *Input, h Host) error {
	if in.Item.Prov.Encoding != "" {
		return ErrSkip // decoded already: what it holds is no wider text
	}
	enc, bom := sniffTextEncoding(in.Head)
	if enc == noTextEncoding {
		return ErrSkip
	}
	path := in.Item.Prov.Path
	before := h.Mark()
	// The bytes are scanned as they are too, after the text: a binary
	// format that starts like text (resources, a table of strings) keeps
	// the findings it gave before, and text gives none there. A stream
	// is kept as it is read, to be read again.
	rest := in.R
	var kept *rawCopy
	if in.RA == nil || in.Item.Size < 0 {
		kept = &rawCopy{}
		defer kept.close()
		rest = io.TeeReader(in.R, kept)
	}
	d := newWideDecoder(io.MultiReader(bytes.NewReader(in.Head[bom:]), rest), enc)
	inner := in.Item
	inner.Prov.Encoding = enc.String()
	inner.Size = -1
	// Not a container: the text is the item itself, at its own depth.
	// A read error reaches the engine through d, which records it.
	err := h.Visit(in.Budget, in.Depth)(ctx, inner, d)
	if ctx.Err() != nil {
		return err
	}
	if bad := d.st.bad - d.st.trailingNUL; bad*100 > d.st.units {
		// A NUL-padded end (a C string, a sparse file's hole) is no
		// sign of binary.
		h.Warn("%s: read as %s text, but %d of its %d characters are not text", path, enc, bad, d.st.units)
	}
	var raw io.Reader
	if kept != nil {
		_, _ = io.Copy(io.Discard, rest) // what the text's readers left; an error was the text's
		raw = io.MultiReader(bytes.NewReader(in.Head), kept.reader())
	} else {
		raw = io.NewSectionReader(in.RA, 0, in.Item.Size)
	}
	h.Scan(ctx, Bytes{Prov: in.Item.Prov, R: raw, Binary: IsBinary(in.Head), Except: h.FoundSince(before, path), Rescan: true})
	return err
}

// ReadBytes reads a git blob that is text in UTF-16 or UTF-32: decoded,
// then as it is (see Open).
func (textReader) ReadBytes(ctx context.Context, data []byte, prov Provenance, h Host) {
	head := data[:min(len(data), SniffLen)]
	enc, bom := sniffTextEncoding(head)
	if enc != noTextEncoding && prov.Encoding == "" {
		before := h.Mark()
		text := prov
		text.Encoding = enc.String()
		h.Scan(ctx, Bytes{Prov: text, R: newWideDecoder(bytes.NewReader(data[bom:]), enc), Rescan: true})
		if ctx.Err() != nil {
			return
		}
		h.Scan(ctx, Bytes{Prov: prov, R: bytes.NewReader(data), Binary: IsBinary(head), Except: h.FoundSince(before, prov.Path), Rescan: true})
		return
	}
	h.Scan(ctx, Bytes{Prov: prov, R: bytes.NewReader(data), Binary: IsBinary(head), Rescan: true})
}

// rawCopy keeps the bytes of a stream as they are read, in memory up to
// spoolInMemory, past it in an unlinked temporary file. Writing never
// fails: a copy that cannot be kept is cut short, and the stream is read
// on.
type rawCopy struct {
	mem []byte
	f   *os.File
	n   int64
	bad bool
}

func (c *rawCopy) Write(p []byte) (int, error) {
	if c.bad {
		return len(p), nil
	}
	if c.f == nil && len(c.mem)+len(p) > spoolInMemory {
		f, err := unlinkedTemp()
		if err != nil {
			c.bad = true
			return len(p), nil
		}
		c.f = f
		if _, err := f.Write(c.mem); err != nil {
			c.bad = true
			return len(p), nil
		}
		c.mem = nil
	}
	if c.f == nil {
		c.mem = append(c.mem, p...)
	} else if _, err := c.f.Write(p); err != nil {
		c.bad = true
		return len(p), nil
	}
	c.n += int64(len(p))
	return len(p), nil
}

// reader reads what was kept.
func (c *rawCopy) reader() io.Reader {
	if c.f != nil {
		return io.NewSectionReader(c.f, 0, c.n)
	}
	return bytes.NewReader(c.mem)
}

func (c *rawCopy) close() {
	if c.f != nil {
		_ = c.f.Close() // only read back, and unlinked
	}
}

// CountChars counts the characters of UTF-8 text: the bytes that start
// one. Text cut anywhere counts right in parts: a character cut in two
// is counted in the part that holds its first byte.
func CountChars(b []byte) int {
	n := 0
	for _, c := range b {
		if c&0xc0 != 0x80 {
			n++
		}
	}
	return n
}
