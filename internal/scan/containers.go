package scan

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"

	"github.com/hfwarden/hfwarden/internal/safefile"
	"github.com/hfwarden/hfwarden/internal/secret"
	"github.com/hfwarden/hfwarden/internal/source"
	"github.com/hfwarden/hfwarden/internal/source/export"
)

// member is one item on its way to a reader: its first bytes already read
// (head) and the rest still in r.
type member struct {
	it   source.Item
	head []byte
	r    io.Reader
	// ra, when set, reads the whole item at random (a top-level file):
	// a zip is then opened in place instead of spooled.
	ra   io.ReaderAt
	size int64
}

// spoolInMemory bounds the members held in memory to be opened at random
// (a zip inside a tar); larger ones go to an unlinked temporary file.
const spoolInMemory = 64 << 20

// readHead reads up to sniffLen bytes of r: what picks the reader.
func readHead(r io.Reader) ([]byte, error) {
	head := make([]byte, sniffLen)
	n, err := io.ReadFull(r, head)
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		err = nil
	}
	return head[:n], err
}

// visitor returns the Visit that scans a container's members at depth.
func (s *Scanner) visitor(b *source.Budget, depth int, buf *source.Buffer) source.Visit {
	return func(ctx context.Context, it source.Item, r io.Reader) error {
		if it.Text {
			s.scanText(ctx, it, r, buf)
			return nil
		}
		head, err := readHead(r)
		if err != nil {
			s.headOnly(ctx, it.Prov, head, err, buf)
			return nil
		}
		s.dispatch(ctx, member{it: it, head: head, r: r, size: it.Size}, depth, b, buf)
		return nil
	}
}

// scanText scans a text item (a message, a field, a variable) whole.
func (s *Scanner) scanText(ctx context.Context, it source.Item, r io.Reader, buf *source.Buffer) {
	s.scanReader(ctx, r, it.Prov, nil, false, buf, s.det)
}

// dispatch picks the reader for a member by its name and first bytes and
// scans it: archives are opened (up to the depth limit) and their members
// dispatched in turn; everything else is scanned as bytes.
func (s *Scanner) dispatch(ctx context.Context, m member, depth int, b *source.Budget, buf *source.Buffer) {
	kind := source.SniffContainer(m.it.Name, m.head)
	if kind != source.NotContainer && depth >= b.Limits.MaxDepth {
		s.warn("%s: %s nested deeper than %d: scanned as raw bytes", m.it.Prov.Path, kind, b.Limits.MaxDepth)
		kind = source.NotContainer
	}
	switch kind {
	case source.Gzip:
		zr, err := source.OpenGzip(io.MultiReader(bytes.NewReader(m.head), m.r), b)
		if err != nil {
			// Not a gzip after all (the magic was chance): its bytes.
			s.fail("%s: %v; scanned as it is", m.it.Prov.Path, err)
			s.scanReader(ctx, m.r, m.it.Prov, m.head, isBinary(m.head), buf, s.det)
			return
		}
		// The decompressed stream keeps the gzip's place: "app.log.gz"
		// reports lines of the log, "x.tar.gz!dir/file" members of the tar.
		inner := m.it
		inner.Name = source.GunzipName(m.it.Name)
		inner.Size = -1
		head, err := readHead(zr)
		if err != nil {
			s.headOnly(ctx, m.it.Prov, head, err, buf)
			return
		}
		s.dispatch(ctx, member{it: inner, head: head, r: zr, size: -1}, depth+1, b, buf)
	case source.Tar:
		err := source.ReadTar(ctx, io.MultiReader(bytes.NewReader(m.head), m.r), m.it.Prov, b, s.visitor(b, depth+1, buf))
		s.containerErrors(m.it.Prov.Path, err)
	case source.Zip:
		ra, size, done, err := spool(m)
		if err != nil {
			s.fail("%s: %v", m.it.Prov.Path, err)
			return
		}
		defer done()
		zr, err := zip.NewReader(ra, size)
		if err != nil {
			// A zip cut short or damaged (or not one): its bytes still
			// hold what its stored members held.
			s.fail("%s: %v; scanned as it is", m.it.Prov.Path, err)
			s.scanReader(ctx, io.NewSectionReader(ra, 0, size), m.it.Prov, nil, true, buf, s.det)
			return
		}
		if f := export.SniffFS(zr); f != export.FormatNone {
			// A Slack export or an Actions log archive: members read with
			// their channel, user and time, or job and step.
			before := s.mark()
			err = export.ReadFS(ctx, f, zr, m.it.Prov, s.guardedVisitor(b, depth+1, buf))
			s.rescanMembers(ctx, zr, m.it.Prov, before, b, buf)
		} else {
			before := s.mark()
			var damaged bool
			damaged, err = source.ReadZip(ctx, zr, m.it.Prov, b, s.visitor(b, depth+1, buf))
			if damaged && ctx.Err() == nil {
				// A member not where the directory says, or holding more
				// than its header declares: those bytes belong to no
				// member read, so the whole archive is scanned as it is,
				// as an unparsable one would be, without the secrets its
				// members gave already.
				s.warn("%s: members do not match the zip's headers: the archive's bytes were also scanned as they are", m.it.Prov.Path)
				s.scanRawExcept(ctx, io.NewSectionReader(ra, 0, size), m.it.Prov, s.foundSince(before, m.it.Prov.Path), buf)
			}
		}
		s.containerErrors(m.it.Prov.Path, err)
	default:
		s.scanLeaf(ctx, m, depth, b, buf)
	}
}

// guardedVisitor is visitor for members read through fs.FS, where the
// container's reader cannot apply the budget itself.
func (s *Scanner) guardedVisitor(b *source.Budget, depth int, buf *source.Buffer) source.Visit {
	visit := s.visitor(b, depth, buf)
	return func(ctx context.Context, it source.Item, r io.Reader) error {
		return visit(ctx, it, b.Guard(r, nil))
	}
}

// scanLeaf scans a member that is not a container: a chat or ticket
// export is read message by message, a notebook cell by cell, anything
// else as bytes.
func (s *Scanner) scanLeaf(ctx context.Context, m member, depth int, b *source.Budget, buf *source.Buffer) {
	switch f := export.Sniff(m.it.Name, m.head); f {
	case export.FormatNone:
	case export.FormatJSONLines:
		m.it.Prov.JSONLines = true
	default:
		s.scanExport(ctx, f, m, depth, b, buf)
		return
	}
	if source.LooksLikeNotebook(m.it.Name, m.head) && (m.size < 0 || m.size <= maxNotebook) {
		size := m.size
		if size < 0 {
			size = 1 << 20 // a guess: grown as needed
		}
		r := io.MultiReader(bytes.NewReader(m.head), m.r)
		data, err := readSized(io.LimitReader(r, maxNotebook+1), size)
		if err != nil {
			s.fail("%s: %v", m.it.Prov.Path, err)
		}
		if int64(len(data)) > maxNotebook {
			// Larger than it said (or it said nothing): past the budget,
			// the whole member as raw bytes, what was read first included.
			s.scanReader(ctx, io.MultiReader(bytes.NewReader(data), m.r), m.it.Prov, nil, false, buf, s.nbDet)
			return
		}
		s.addBytes(int64(len(data)))
		s.scanNotebookBytes(data, m.it.Prov)
		return
	}
	s.scanReader(ctx, m.r, m.it.Prov, m.head, isBinary(m.head), buf, s.det)
}

// containerErrors records what went wrong inside a container, member by
// member.
func (s *Scanner) containerErrors(path string, err error) {
	if err == nil || errors.Is(err, context.Canceled) {
		return
	}
	forEachError(err, func(e error) {
		var me *source.MemberError
		if errors.As(e, &me) {
			s.fail("%s", me.Error())
			return
		}
		s.fail("%s: %v", path, e)
	})
}

// spool gives random access to a member: in place for a file, in memory
// for a small member, else through an unlinked temporary file.
func spool(m member) (io.ReaderAt, int64, func(), error) {
	if m.ra != nil {
		return m.ra, m.size, func() {}, nil
	}
	r := io.MultiReader(bytes.NewReader(m.head), m.r)
	if m.size >= 0 && m.size <= spoolInMemory {
		data, err := io.ReadAll(r)
		if err != nil {
			return nil, 0, nil, err
		}
		return bytes.NewReader(data), int64(len(data)), func() {}, nil
	}
	f, err := os.CreateTemp("", "hfwarden-spool-*")
	if err != nil {
		return nil, 0, nil, fmt.Errorf("spooling: %w", err)
	}
	os.Remove(f.Name()) // gone when closed, whatever happens
	n, err := io.Copy(f, r)
	if err != nil {
		f.Close()
		return nil, 0, nil, err
	}
	return f, n, func() { f.Close() }, nil
}

// scanExport reads a single-file chat or ticket export message by
// message, each finding with its place in the export; then the file's
// bytes are scanned as they are for anything the reader did not reach (a
// field it does not read, a malformed line, the rest after a break), so
// that no token is lost. Secrets found the first way are not reported
// twice.
func (s *Scanner) scanExport(ctx context.Context, f export.Format, m member, depth int, b *source.Budget, buf *source.Buffer) {
	ra, size, done, err := spool(m)
	if err != nil {
		s.fail("%s: %v", m.it.Prov.Path, err)
		return
	}
	defer done()
	before := s.mark()
	err = export.Read(ctx, f, io.NewSectionReader(ra, 0, size), m.it.Prov, s.visitor(b, depth+1, buf))
	s.containerErrors(m.it.Prov.Path, err)
	if stopped(err) {
		s.warn("%s: not a well-formed %s export: its bytes were scanned as they are", m.it.Prov.Path, f)
	}
	// Then the bytes, for what the reader does not read (a field it does
	// not know, a line it could not parse, the rest after a break).
	s.scanRawExcept(ctx, io.NewSectionReader(ra, 0, size), m.it.Prov, s.foundSince(before, m.it.Prov.Path), buf)
}

// rescanMembers scans every member of an export read from fsys as raw
// bytes, leaving out the secrets its reader found already: whatever the
// reader does not know (a field it does not read, a day file cut short)
// is still found.
func (s *Scanner) rescanMembers(ctx context.Context, fsys fs.FS, prov source.Provenance, before mark, b *source.Budget, buf *source.Buffer) {
	found := s.foundSince(before, prov.Path)
	err := fs.WalkDir(fsys, ".", func(name string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return nil // the reader reported what it could not read
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		f, err := fsys.Open(name)
		if err != nil {
			return nil
		}
		defer f.Close()
		s.scanRawExcept(ctx, b.Guard(f, nil), prov.With("archive", name), found, buf)
		return nil
	})
	if err != nil && !errors.Is(err, context.Canceled) {
		s.fail("%s: %v", prov.Path, err)
	}
}

// headOnly scans the first bytes of a member whose reading failed, and
// records why.
func (s *Scanner) headOnly(ctx context.Context, prov source.Provenance, head []byte, err error, buf *source.Buffer) {
	if errors.Is(err, safefile.ErrNotRegular) {
		// A FIFO, a device or a pseudo-file where a file was listed:
		// nothing was read, nothing is lost; a note, not a failure.
		s.warn("%s: %v", prov.Path, err)
		s.skip()
		return
	}
	s.fail("%s: %v", prov.Path, err)
	if len(head) > 0 {
		s.scanReader(ctx, bytes.NewReader(nil), prov, head, isBinary(head), buf, s.det)
	}
}

// stopped tells whether a reader's error ended it early, rather than
// listing members it skipped and going on.
func stopped(err error) bool {
	fatal := false
	forEachError(err, func(e error) {
		var me *source.MemberError
		if !errors.As(e, &me) && !errors.Is(e, context.Canceled) {
			fatal = true
		}
	})
	return fatal
}

// forEachError calls fn for each error joined in err.
func forEachError(err error, fn func(error)) {
	if err == nil {
		return
	}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		for _, e := range j.Unwrap() {
			forEachError(e, fn)
		}
		return
	}
	fn(err)
}

// foundSince returns the fingerprints of the findings made since before
// at path or inside it.
func (s *Scanner) foundSince(before mark, path string) map[string]bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	found := map[string]bool{}
	for _, f := range s.findings[before.findings:] {
		if p := f.Location.Path; p == path || strings.HasPrefix(p, path+"!") {
			found[f.Fingerprint] = true
		}
	}
	return found
}

// scanRawExcept scans r as bytes, leaving out the secrets in except.
func (s *Scanner) scanRawExcept(ctx context.Context, r io.Reader, prov source.Provenance, except map[string]bool, buf *source.Buffer) {
	err := source.ReadChunks(ctx, r, nil, prov, false, true, buf, func(c source.Chunk) error {
		ms := s.det.Detect(c.Data)
		kept := ms[:0]
		for _, m := range ms {
			if !except[secret.Fingerprint(m.Secret)] {
				kept = append(kept, m)
			}
		}
		s.scanChunk(c, kept)
		return nil
	})
	if err != nil && !errors.Is(err, context.Canceled) {
		s.fail("%s: %v", prov.Path, err)
	}
}
