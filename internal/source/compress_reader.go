package source

import (
	"bytes"
	"compress/bzip2"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/klauspost/compress/zstd"
	"github.com/pierrec/lz4/v4"
	"github.com/ulikunitz/xz"
)

// The compressed streams other than gzip share one reader: they differ
// only in their magic, their decoder and their file names, and each is
// read as gzip is (the stream inside keeps the file's place, under the
// budget's guard). Gzip keeps its own reader, whose header check needs no
// trial decode.

// ZstdReader reads zstd streams (several frames, skippable ones too).
func ZstdReader() Reader { return streamReader{zstdCodec} }

// Bzip2Reader reads bzip2 streams.
func Bzip2Reader() Reader { return streamReader{bzip2Codec} }

// XzReader reads xz streams.
func XzReader() Reader { return streamReader{xzCodec} }

// Lz4Reader reads lz4 frames (the lz4 tool's default) and legacy frames
// (lz4 -l).
func Lz4Reader() Reader { return streamReader{lz4Codec} }

// codec is one compression format.
type codec struct {
	name string
	// magic tells the format from an item's first bytes.
	magic func(head []byte) bool
	// open returns the decompressed stream of r and what releases it.
	open func(r io.Reader) (io.Reader, func(), error)
	// suffixes are the file name endings the format strips; tar, those
	// that stand for a compressed tar (".tzst").
	suffixes, tar []string
}

// skipFrame is the magic of an lz4 or zstd skippable frame, low nibble
// cleared: 0x184D2A5?, little-endian.
const skipFrame = 0x184D2A50

// afterSkippable returns head past the skippable frames it holds whole
// (lz4 and zstd share them); nil when they run past head.
func afterSkippable(head []byte) []byte {
	for len(head) >= 8 && binary.LittleEndian.Uint32(head)&^0xf == skipFrame {
		n := uint64(binary.LittleEndian.Uint32(head[4:]))
		if n > uint64(len(head)-8) {
			return nil
		}
		head = head[8+n:]
	}
	return head
}

// zstdMaxWindow bounds the history a zstd frame may ask for: 128 MiB is
// what zstd --ultra -22 and --long use; a frame asking more is refused
// rather than given the memory.
const zstdMaxWindow = 128 << 20

var zstdCodec = codec{
	name: "zstd",
	magic: func(head []byte) bool {
		return bytes.HasPrefix(afterSkippable(head), []byte{0x28, 0xb5, 0x2f, 0xfd})
	},
	open: func(r io.Reader) (io.Reader, func(), error) {
		// One goroutine, decoding as it is read: the counting reader
		// under it is not shared, and memory grows with the window used.
		d, err := zstd.NewReader(r, zstd.WithDecoderConcurrency(1), zstd.WithDecoderLowmem(true),
			zstd.WithDecoderMaxWindow(zstdMaxWindow), zstd.WithDecoderMaxMemory(zstdMaxWindow))
		if err != nil {
			return nil, nil, err
		}
		return d, d.Close, nil
	},
	suffixes: []string{".zst", ".zstd", ".tzst"},
	tar:      []string{".tzst"},
}

var bzip2Codec = codec{
	name: "bzip2",
	magic: func(head []byte) bool {
		// "BZh" and a block size could start a line of text: the first
		// block's magic (or the empty stream's end) must follow.
		if len(head) < 10 || !bytes.HasPrefix(head, []byte("BZh")) || head[3] < '1' || head[3] > '9' {
			return false
		}
		return bytes.Equal(head[4:10], []byte{0x31, 0x41, 0x59, 0x26, 0x53, 0x59}) ||
			bytes.Equal(head[4:10], []byte{0x17, 0x72, 0x45, 0x38, 0x50, 0x90})
	},
	open: func(r io.Reader) (io.Reader, func(), error) {
		return bzip2.NewReader(r), func() {}, nil
	},
	suffixes: []string{".bz2", ".bz", ".tbz2", ".tbz"},
	tar:      []string{".tbz2", ".tbz"},
}

// xzMaxDict bounds the dictionary an xz stream may ask for: the library
// allocates it whole. 128 MiB is twice xz -9's.
const xzMaxDict = 128 << 20

var xzCodec = codec{
	name:  "xz",
	magic: func(head []byte) bool { return bytes.HasPrefix(head, []byte{0xfd, '7', 'z', 'X', 'Z', 0}) },
	open: func(r io.Reader) (io.Reader, func(), error) {
		br := &peekReader{r: r}
		if err := checkXzDict(br); err != nil {
			return nil, nil, err
		}
		zr, err := xz.NewReader(br)
		if err != nil {
			return nil, nil, err
		}
		return zr, func() {}, nil
	},
	suffixes: []string{".xz", ".txz"},
	tar:      []string{".txz"},
}

var lz4Codec = codec{
	name: "lz4",
	magic: func(head []byte) bool {
		h := afterSkippable(head)
		return bytes.HasPrefix(h, []byte{0x04, 0x22, 0x4d, 0x18}) || bytes.HasPrefix(h, []byte{0x02, 0x21, 0x4c, 0x18})
	},
	open: func(r io.Reader) (io.Reader, func(), error) {
		return lz4.NewReader(r), func() {}, nil
	},
	suffixes: []string{".lz4", ".tlz4"},
	tar:      []string{".tlz4"},
}

// peekReader lets the first bytes of a stream be looked at before its
// decoder reads them.
type peekReader struct {
	r    io.Reader
	head []byte
}

func (p *peekReader) peek(n int) ([]byte, error) {
	if len(p.head) < n {
		buf := make([]byte, n-len(p.head))
		k, err := io.ReadFull(p.r, buf)
		p.head = append(p.head, buf[:k]...)
		if err != nil {
			return p.head, err
		}
	}
	return p.head[:n], nil
}

func (p *peekReader) Read(b []byte) (int, error) {
	if len(p.head) > 0 {
		n := copy(b, p.head)
		p.head = p.head[n:]
		return n, nil
	}
	return p.r.Read(b)
}

// checkXzDict refuses an xz stream whose first block asks for a
// dictionary past xzMaxDict. The block header follows the 12-byte stream
// header: its size byte, flags, optional sizes, then the filters, the
// LZMA2 one last with its dictionary byte. Only the first block is
// checked (later ones of real files ask the same).
func checkXzDict(p *peekReader) error {
	h, err := p.peek(12 + 1)
	if err != nil || h[12] == 0 {
		return nil // cut short, or no block: the decoder says so
	}
	size := (int(h[12]) + 1) * 4
	b, err := p.peek(12 + size)
	if err != nil {
		return nil
	}
	b = b[12:]
	flags := b[1]
	i := 2
	varint := func() uint64 {
		v, n := binary.Uvarint(b[min(i, len(b)):])
		if n <= 0 {
			i = len(b)
			return 0
		}
		i += n
		return v
	}
	if flags&0x40 != 0 {
		varint()
	}
	if flags&0x80 != 0 {
		varint()
	}
	for f := 0; f <= int(flags&3) && i < len(b); f++ {
		id, props := varint(), varint()
		if id == 0x21 && props == 1 && i < len(b) {
			if d := b[i]; d > 40 || lzma2Dict(d) > xzMaxDict {
				return fmt.Errorf("xz: dictionary larger than %d MiB", xzMaxDict>>20)
			}
		}
		i += int(min(props, uint64(len(b))))
	}
	return nil
}

// lzma2Dict decodes an LZMA2 dictionary-size byte (at most 40).
func lzma2Dict(d byte) int64 {
	return int64(2|d&1) << (d/2 + 11)
}

type streamReader struct{ c codec }

func (s streamReader) Name() string                     { return s.c.name }
func (streamReader) Container()                         {}
func (s streamReader) Sniff(_ string, head []byte) bool { return s.c.magic(head) }

func (s streamReader) Open(ctx context.Context, in *Input, h Host) error {
	if err := s.probe(in.Head, len(in.Head) < SniffLen); err != nil {
		// Not this format after all (the magic was chance): its bytes.
		// The trial read only Head: R is untouched.
		h.Fail("%s: %v; scanned as it is", in.Item.Prov.Path, err)
		h.Scan(ctx, Bytes{Prov: in.Item.Prov, Head: in.Head, R: in.R, Binary: IsBinary(in.Head)})
		return nil
	}
	cr := &sourceReader{r: in.Whole()}
	zr, done, err := s.c.open(cr)
	if err != nil {
		// The trial passed, so this is a stream its decoder declines at
		// the start (an xz dictionary too large): reported, not read.
		h.Fail("%s: %v", in.Item.Prov.Path, s.named(err))
		return nil
	}
	defer done()
	inner := in.Item
	inner.Name = s.c.stripName(in.Item.Name)
	inner.Size = -1
	before := h.Mark()
	var broken bool
	err = h.Visit(in.Budget, in.Depth+1)(ctx, inner, in.Budget.Guard(namedErrors{s, zr, cr, &broken}, func() int64 { return cr.n }))
	if broken && in.RA != nil && in.Item.Size > 0 && ctx.Err() == nil {
		// A stream cut short or damaged inside a block loses that whole
		// block (lz4 writes 4 MiB ones), yet its bytes may hold the
		// token as it is (a literal the compressor did not match): the
		// file's bytes too, without what the stream gave.
		h.Warn("%s: the %s stream is damaged: its bytes were also scanned as they are", in.Item.Prov.Path, s.c.name)
		h.Scan(ctx, Bytes{Prov: in.Item.Prov, RA: in.RA, Size: in.Item.Size, Binary: true,
			Except: h.FoundSince(before, in.Item.Prov.Path), Rescan: true})
	}
	return err
}

// probe decodes the start of a stream from head alone: an error that is
// not the end of head (whole tells head is the whole item) means the
// magic was chance. A trial bounded to head costs little, and only items
// that have the magic pay it.
func (s streamReader) probe(head []byte, whole bool) error {
	zr, done, err := s.c.open(bytes.NewReader(head))
	if err == nil {
		defer done()
		var buf [512]byte
		var n int
		n, err = io.ReadFull(zr, buf[:])
		if n > 0 || err == nil || err == io.EOF {
			return nil
		}
	}
	if !whole && isTruncated(err) {
		return nil // the first block is longer than head
	}
	return s.named(err)
}

// isTruncated tells the errors of a stream cut short.
func isTruncated(err error) bool {
	return errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) ||
		strings.Contains(err.Error(), "unexpected EOF")
}

// named prefixes an error with the format's name, once.
func (s streamReader) named(err error) error {
	if strings.HasPrefix(err.Error(), s.c.name) {
		return err
	}
	return fmt.Errorf("%s: %w", s.c.name, err)
}

// stripName is the name of what a compressed file named name holds:
// "app.log.zst" holds "app.log", "x.tzst" "x.tar".
func (c codec) stripName(name string) string {
	lower := strings.ToLower(name)
	for _, s := range c.tar {
		if strings.HasSuffix(lower, s) {
			return name[:len(name)-len(s)] + ".tar"
		}
	}
	for _, s := range c.suffixes {
		if strings.HasSuffix(lower, s) {
			return name[:len(name)-len(s)]
		}
	}
	return name
}

// sourceReader counts the compressed bytes read, for the ratio check,
// and tells whether they ran out.
type sourceReader struct {
	r   io.Reader
	n   int64
	eof bool
}

func (c *sourceReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	c.eof = c.eof || err == io.EOF
	return n, err
}

// namedErrors names the errors of a stream, so that a truncated one
// reads as "zstd: unexpected EOF", not as the stream's end, whatever its
// decoder calls it (bzip2 finds a checksum wrong, lz4 adds its state).
type namedErrors struct {
	s   streamReader
	r   io.Reader
	src *sourceReader
	// broken is set once the stream fails.
	broken *bool
}

func (e namedErrors) Read(p []byte) (int, error) {
	n, err := e.r.Read(p)
	if err != nil && err != io.EOF {
		*e.broken = true
	}
	switch {
	case err == nil || err == io.EOF:
	case strings.Contains(err.Error(), "unexpected EOF"):
		err = fmt.Errorf("%s: %w", e.s.c.name, io.ErrUnexpectedEOF)
	case e.src.eof:
		err = fmt.Errorf("%s: %w (%v)", e.s.c.name, io.ErrUnexpectedEOF, err)
	default:
		err = e.s.named(err)
	}
	return n, err
}
