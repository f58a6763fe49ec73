package scan

import (
	"bytes"
	"context"
	"errors"
	"io"
	"io/fs"
	"strings"

	"github.com/hfwarden/hfwarden/internal/detect"
	"github.com/hfwarden/hfwarden/internal/safefile"
	"github.com/hfwarden/hfwarden/internal/secret"
	"github.com/hfwarden/hfwarden/internal/source"
)

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
		s.dispatch(ctx, &source.Input{Item: it, Head: head, R: r, Depth: depth, Budget: b}, buf)
		return nil
	}
}

// scanText scans a text item (a message, a field, a variable) whole.
func (s *Scanner) scanText(ctx context.Context, it source.Item, r io.Reader, buf *source.Buffer) {
	s.scanReader(ctx, r, it.Prov, nil, false, buf, s.det)
}

// dispatch hands an item to the reader the registry picks for it by its
// name and first bytes, and records what went wrong inside it.
func (s *Scanner) dispatch(ctx context.Context, in *source.Input, buf *source.Buffer) {
	err := s.formats.Open(ctx, in, host{s, buf})
	s.containerErrors(in.Item.Prov.Path, err)
}

// containerErrors records what went wrong inside a container, member by
// member.
func (s *Scanner) containerErrors(path string, err error) {
	if err == nil || errors.Is(err, context.Canceled) {
		return
	}
	source.ForEachError(err, func(e error) {
		var me *source.MemberError
		if errors.As(e, &me) {
			s.fail("%s", me.Error())
			return
		}
		s.fail("%s: %v", path, e)
	})
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
		s.scanReader(ctx, bytes.NewReader(nil), prov, head, source.IsBinary(head), buf, s.det)
	}
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

// scanBytes scans what a reader hands on as bytes with det.
func (s *Scanner) scanBytes(ctx context.Context, b source.Bytes, det *detect.Detector, buf *source.Buffer) {
	if b.RA != nil && b.Size >= s.parallelMin {
		s.scanParallel(ctx, b.RA, b.Size, b.Prov, b.Binary, det)
		return
	}
	r, head := b.R, b.Head
	switch {
	case r != nil:
	case b.RA != nil: // a small item read at random: all its bytes, in order
		r, head = io.NewSectionReader(b.RA, 0, b.Size), nil
	default: // Head holds all there is
		r = bytes.NewReader(nil)
	}
	var total int64
	err := source.ReadChunks(ctx, r, head, b.Prov, b.Binary, true, buf, func(c source.Chunk) error {
		total = max(total, c.Offset+int64(len(c.Data)))
		ms := detectIn(det, c.Data, c.Binary)
		if len(b.Except) > 0 {
			kept := ms[:0]
			for _, m := range ms {
				if !b.Except[secret.Fingerprint(m.Secret)] {
					kept = append(kept, m)
				}
			}
			ms = kept
		}
		s.scanChunk(c, ms)
		return nil
	})
	if !b.Rescan {
		s.addBytes(total)
	}
	if err != nil && !errors.Is(err, context.Canceled) {
		s.fail("%s: %v", b.Prov.Path, err)
	}
}

// detectIn runs det over the bytes of an item, binary or text: in binary
// bytes a token glued to its neighbours is found too (see
// detect.Detector.DetectBinary).
func detectIn(det *detect.Detector, data []byte, binary bool) []detect.Match {
	if binary {
		return det.DetectBinary(data)
	}
	return det.Detect(data)
}

// detector returns the detector d names.
func (s *Scanner) detector(d source.Detector) *detect.Detector {
	if d == source.DetectNotebook {
		return s.nbDet
	}
	return s.det
}

// limits are the scan's limits, with the notebook text budget (which
// tests lower).
func (s *Scanner) limits() source.Limits {
	l := s.opt.Limits
	l.NotebookText = s.notebookText
	return l
}

// host is what readers ask of the scanner, on one worker (its buffer).
type host struct {
	s   *Scanner
	buf *source.Buffer
}

func (h host) Visit(b *source.Budget, depth int) source.Visit { return h.s.visitor(b, depth, h.buf) }

func (h host) Scan(ctx context.Context, b source.Bytes) {
	h.s.scanBytes(ctx, b, h.s.detector(b.Detector), h.buf)
}

func (h host) Detect(data []byte, d source.Detector) ([]detect.Match, bool) {
	return h.s.detector(d).DetectHint(data)
}

func (h host) Report(c source.Chunk, ms []detect.Match) { h.s.scanChunk(c, ms) }
func (h host) CountBytes(n int64)                       { h.s.addBytes(n) }
func (h host) Mark() source.Mark                        { return source.Mark(h.s.mark().findings) }

func (h host) FoundSince(m source.Mark, path string) map[string]bool {
	return h.s.foundSince(mark{findings: int(m)}, path)
}

func (h host) Warn(format string, args ...any)    { h.s.warn(format, args...) }
func (h host) Fail(format string, args ...any)    { h.s.fail(format, args...) }
func (h host) Errors(path string, err error)      { h.s.containerErrors(path, err) }
func (h host) Limits() source.Limits              { return h.s.limits() }
func (h host) Buffer() *source.Buffer             { return h.buf }
func (h host) SniffFS(fsys fs.FS) source.FSReader { return h.s.formats.SniffFS(fsys) }
