package source

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/flate"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"hash"
	"hash/crc32"
	"io"
	"path"
	"strings"
)

// isZip tells a zip from its first bytes (a local file header, or the
// end of an empty archive).
func isZip(head []byte) bool {
	return bytes.HasPrefix(head, []byte("PK\x03\x04")) || bytes.HasPrefix(head, []byte("PK\x05\x06"))
}

// isGzip tells a gzip stream from its magic.
func isGzip(head []byte) bool { return bytes.HasPrefix(head, []byte{0x1f, 0x8b}) }

// isTar tells a tar from its first bytes and, for old archives that
// have no magic before byte 257, its name. A zip or a gzip is not a tar,
// whatever byte 257 holds.
func isTar(name string, head []byte) bool {
	switch {
	case isZip(head), isGzip(head):
		return false
	case len(head) >= 262 && bytes.Equal(head[257:262], []byte("ustar")):
		return true
	}
	// Old V7 archives have no magic: a name ending ".tar" (any case) and a
	// header whose checksum holds.
	return len(head) >= 512 && len(name) >= 4 && strings.EqualFold(name[len(name)-4:], ".tar") && validTarChecksum(head[:512])
}

// validTarChecksum checks a V7 tar header's checksum field.
func validTarChecksum(h []byte) bool {
	var sum int64
	for i, b := range h {
		if i >= 148 && i < 156 {
			b = ' '
		}
		sum += int64(b)
	}
	field := strings.TrimRight(strings.TrimSpace(string(h[148:156])), "\x00")
	var want int64
	if _, err := fmt.Sscanf(field, "%o", &want); err != nil {
		return false
	}
	return want == sum && sum > 256*' '
}

// GunzipName is the name of what a gzip file named name holds.
func GunzipName(name string) string {
	lower := strings.ToLower(name)
	switch {
	case strings.HasSuffix(lower, ".tgz"):
		return name[:len(name)-4] + ".tar"
	case strings.HasSuffix(lower, ".gz"):
		return name[:len(name)-3]
	}
	return name
}

// wholeFloor times RatioFloor is what a whole archive may expand to
// whatever its ratio: a few members that are each stopped as bombs leave
// room for the honest members beside them, while bombs nested in bombs (a
// zip of zips of bombs) stop there.
const wholeFloor = 16

// Once a whole archive has passed its ratio, small members (a note after
// the bombs) are still read, up to graceTotal bytes more in all, so that
// bombs cannot hide what follows them.
const (
	graceMember = 1 << 20
	graceTotal  = 64 << 20
)

// ErrBomb is returned when a member decompresses past Limits.MaxRatio.
var ErrBomb = errors.New("decompression bomb: expands more than the ratio limit allows; reading stopped")

// Budget tracks the bytes one top-level container has expanded to, across
// all members and depths. It is not safe for concurrent use: one
// top-level item is read by one goroutine.
type Budget struct {
	Limits Limits
	// Input is the size of the top-level container as stored (0 if not
	// known): everything read from it together may not expand more than
	// Limits.MaxRatio times that, so that nesting bombs inside bombs does
	// not get past the per-member ratio.
	Input int64
	used  int64
}

// NewBudget returns a budget for one top-level container; zero fields of
// lim take DefaultLimits.
func NewBudget(lim Limits) *Budget {
	d := DefaultLimits()
	switch {
	case lim.MaxDepth == 0:
		lim.MaxDepth = d.MaxDepth
	case lim.MaxDepth < 0:
		lim.MaxDepth = 0 // open nothing
	}
	if lim.MaxMemberBytes <= 0 {
		lim.MaxMemberBytes = d.MaxMemberBytes
	}
	if lim.MaxTotalBytes <= 0 {
		lim.MaxTotalBytes = d.MaxTotalBytes
	}
	if lim.MaxRatio <= 0 {
		lim.MaxRatio = d.MaxRatio
	}
	if lim.RatioFloor <= 0 {
		lim.RatioFloor = d.RatioFloor
	}
	if lim.MaxMembers <= 0 {
		lim.MaxMembers = d.MaxMembers
	}
	return &Budget{Limits: lim}
}

// Used is how many decompressed bytes the budget has paid for.
func (b *Budget) Used() int64 { return b.used }

// Guard wraps a decompressing reader: it stops with an error when the
// member passes MaxMemberBytes, the container passes MaxTotalBytes, or the
// output outgrows compressed() by more than MaxRatio. compressed may be
// nil when the compressed size is unknown.
func (b *Budget) Guard(r io.Reader, compressed func() int64) io.Reader {
	return &guard{r: r, b: b, compressed: compressed}
}

type guard struct {
	r          io.Reader
	b          *Budget
	compressed func() int64
	n          int64
}

func (g *guard) Read(p []byte) (int, error) {
	n, err := g.r.Read(p)
	g.n += int64(n)
	g.b.used += int64(n)
	lim := g.b.Limits
	switch {
	case g.n > lim.MaxMemberBytes:
		return n, fmt.Errorf("member larger than %d bytes: the rest is not read", lim.MaxMemberBytes)
	case g.b.used > lim.MaxTotalBytes:
		return n, fmt.Errorf("archive expands past %d bytes: the rest is not read", lim.MaxTotalBytes)
	case g.compressed != nil && g.n > lim.RatioFloor && g.n > lim.MaxRatio*max(g.compressed(), 1):
		return n, ErrBomb
	case g.b.Input > 0 && g.b.used > wholeFloor*lim.RatioFloor && g.b.used > lim.MaxRatio*g.b.Input &&
		(g.n > graceMember || g.b.used > lim.MaxRatio*g.b.Input+graceTotal):
		return n, fmt.Errorf("%w (the whole archive expands past %d times its size)", ErrBomb, lim.MaxRatio)
	}
	return n, err
}

// countingReader counts the bytes read through it: the compressed side of
// a gzip stream, for the ratio check.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// OpenGzip returns the decompressed stream of r under the budget's guard.
func OpenGzip(r io.Reader, b *Budget) (io.Reader, error) {
	cr := &countingReader{r: r}
	zr, err := gzip.NewReader(cr)
	if err != nil {
		return nil, fmt.Errorf("gzip: %w", err)
	}
	return b.Guard(gzipErrors{zr}, func() int64 { return cr.n }), nil
}

// gzipErrors names the errors of a gzip stream, so that a truncated one
// reads as "gzip: unexpected EOF", not as the stream's end.
type gzipErrors struct{ r io.Reader }

func (g gzipErrors) Read(p []byte) (int, error) {
	n, err := g.r.Read(p)
	if err != nil && err != io.EOF {
		err = fmt.Errorf("gzip: %w", err)
	}
	return n, err
}

// MemberName cleans an archive entry's name for display and says whether
// it tried to leave the archive (absolute, or with ".." above the root).
// Nothing is ever extracted; the flag is reported, the bytes still scanned.
func MemberName(name string) (clean string, escapes bool) {
	name = strings.ReplaceAll(name, "\\", "/")
	escapes = strings.HasPrefix(name, "/") || (len(name) > 1 && name[1] == ':')
	c := path.Clean("/" + name)[1:]
	for _, seg := range strings.Split(name, "/") {
		if seg == ".." {
			escapes = true
		}
	}
	if c == "" {
		c = "."
	}
	return c, escapes
}

// ErrEscapes marks a member whose name leaves the archive.
var ErrEscapes = errors.New("entry path leaves the archive (scanned, never extracted)")

// ReadTar yields every regular file of a tar stream. A member whose name
// leaves the archive is yielded, then reported as a *MemberError wrapping
// ErrEscapes. A broken stream stops the walk with an error: what came
// before it has been yielded.
func ReadTar(ctx context.Context, r io.Reader, prov Provenance, b *Budget, visit Visit) error {
	tr := tar.NewReader(r)
	var errs []error
	for members := 0; ; members++ {
		if err := ctx.Err(); err != nil {
			return err
		}
		h, err := tr.Next()
		if err == io.EOF {
			return errors.Join(errs...)
		}
		if err != nil {
			return errors.Join(append(errs, fmt.Errorf("reading tar: %w", err))...)
		}
		if members >= b.Limits.MaxMembers {
			return errors.Join(append(errs, fmt.Errorf("more than %d members: the rest is not read", b.Limits.MaxMembers))...)
		}
		if h.Typeflag != tar.TypeReg && h.Typeflag != tar.TypeGNUSparse && h.Typeflag != '\x00' {
			continue
		}
		name, escapes := MemberName(h.Name)
		it := Item{Prov: prov.With("archive", name), Name: path.Base(name), Size: h.Size}
		if err := visitMember(ctx, visit, it, b.Guard(tr, nil), &errs); err != nil {
			return errors.Join(append(errs, err)...)
		}
		if escapes {
			errs = append(errs, &MemberError{Path: it.Prov.Path, Err: fmt.Errorf("%q: %w", h.Name, ErrEscapes)})
		}
	}
}

// visitMember calls visit. A *MemberError it returns is appended to
// errs, to be reported with the container's others; any other error is
// returned and stops the container.
func visitMember(ctx context.Context, visit Visit, it Item, r io.Reader, errs *[]error) error {
	err := visit(ctx, it, r)
	var me *MemberError
	if errors.As(err, &me) {
		*errs = append(*errs, err)
		return nil
	}
	return err
}

// ReadZip yields every file of a zip archive. Members are read one at a
// time through the budget's guard, the ratio checked against each
// member's compressed size; a member that fails (bad data, a bomb) is
// reported as a *MemberError in the joined result and the others are read.
//
// damaged tells that a member could not be located or that its data did
// not match its header (size, CRC-32, a broken stream): the header lied,
// so bytes of the archive may belong to no member read, and the caller
// should scan the archive's raw bytes too. A bomb or a limit is no damage.
func ReadZip(ctx context.Context, zr *zip.Reader, prov Provenance, b *Budget, visit Visit) (damaged bool, err error) {
	var errs []error
	for i, f := range zr.File {
		if err := ctx.Err(); err != nil {
			return damaged, err
		}
		if i >= b.Limits.MaxMembers {
			errs = append(errs, fmt.Errorf("more than %d members: the rest is not read", b.Limits.MaxMembers))
			break
		}
		if f.FileInfo().IsDir() || !f.Mode().IsRegular() && f.Mode().Type() != 0 {
			continue
		}
		name, escapes := MemberName(f.Name)
		it := Item{Prov: prov.With("archive", name), Name: path.Base(name), Size: int64(f.UncompressedSize64)}
		if escapes {
			errs = append(errs, &MemberError{Path: it.Prov.Path, Err: fmt.Errorf("%q: %w", f.Name, ErrEscapes)})
		}
		zm, err := openZipMember(f)
		if err != nil {
			// Not where the central directory says (a bad offset, a
			// broken local header): its bytes are only in the raw file.
			damaged = true
			errs = append(errs, &MemberError{Path: it.Prov.Path, Err: err})
			continue
		}
		comp := int64(f.CompressedSize64)
		err = visitMember(ctx, visit, it, b.Guard(zm, func() int64 { return comp }), &errs)
		_ = zm.Close() // only read: closing it loses nothing
		// The visitor reported the member's read error itself; what
		// matters here is whether its header can be trusted.
		damaged = damaged || zm.damaged
		if err != nil {
			return damaged, errors.Join(append(errs, err)...)
		}
	}
	return damaged, errors.Join(errs...)
}

// openZipMember opens a member's data. archive/zip drops the bytes of a
// read that goes past the declared size, and takes data that ends short
// of it for a plain end: stored and deflated members (nearly all) are
// decompressed here instead, every byte handed on, and checked against
// the header (size, CRC-32) at their end, where a mismatch is an error.
func openZipMember(f *zip.File) (*zipMember, error) {
	switch f.Method {
	case zip.Store, zip.Deflate:
		raw, err := f.OpenRaw()
		if err != nil {
			return nil, err
		}
		rc := io.NopCloser(raw)
		if f.Method == zip.Deflate {
			rc = flate.NewReader(raw)
		}
		return &zipMember{rc: rc, f: f, crc: crc32.NewIEEE(), check: true}, nil
	default:
		// archive/zip checks these itself; an error is still damage.
		rc, err := f.Open()
		if err != nil {
			return nil, err
		}
		return &zipMember{rc: rc, f: f}, nil
	}
}

// zipMember checks a member's data against its header as it is read. Its
// error is sticky: a reader that swallows one (a sniff of the first
// bytes) meets it again on the next read.
type zipMember struct {
	rc io.ReadCloser
	f  *zip.File
	// check is set when the data is checked here (stored and deflated
	// members); archive/zip checks the others.
	check bool
	crc   hash.Hash32
	n     uint64
	err   error
	// damaged is set when the data did not match the header.
	damaged bool
}

func (z *zipMember) Read(p []byte) (int, error) {
	if z.err != nil {
		return 0, z.err
	}
	n, err := z.rc.Read(p)
	if !z.check {
		if err != nil && err != io.EOF {
			z.damaged = true
		}
		z.err = err
		return n, err
	}
	z.crc.Write(p[:n])
	z.n += uint64(n)
	switch {
	case err == io.EOF && z.n != z.f.UncompressedSize64:
		err = fmt.Errorf("zip: the member holds %d bytes, its header says %d (all of them were scanned)", z.n, z.f.UncompressedSize64)
	case err == io.EOF && z.f.CRC32 != 0 && z.crc.Sum32() != z.f.CRC32:
		err = errors.New("zip: checksum error: the member's data is damaged (what could be read was scanned)")
	case err != nil && err != io.EOF:
		// flate reports a cut stream as a bare io.ErrUnexpectedEOF, which
		// readers take for a plain end: name it.
		err = fmt.Errorf("zip: member data after %d bytes: %v", z.n, err)
	}
	z.damaged = err != nil && err != io.EOF
	z.err = err
	return n, err
}

func (z *zipMember) Close() error { return z.rc.Close() }
