package source

import (
	"bytes"
	"context"
	"errors"
	"io"
	"io/fs"

	"github.com/hfwarden/hfwarden/internal/detect"
)

// Readers own their formats: each one says from an item's name and first
// bytes whether the item is its format (Sniff), and reads it (Open),
// handing what it finds to the Host, the scan engine. The engine knows no
// format: it reads an item's first bytes and asks a Registry. Adding a
// format is adding a reader and a line in the registry's list.

// Input is one item on its way to a reader: its first bytes already read
// (Head) and the rest still in R.
type Input struct {
	// Item says what the bytes are and where they came from.
	Item Item
	// Head holds the item's first bytes (up to SniffLen): what picked the
	// reader. R holds the rest.
	Head []byte
	R    io.Reader
	// RA, when set, reads the whole item at random, Item.Size bytes (a
	// top-level file, a git blob held in memory): a zip is then opened in
	// place instead of spooled, a large file searched on every core.
	RA io.ReaderAt
	// Path is set for a file on disk read in place (a file named or met
	// in a walk): readers that open by path (an image) or read the file
	// again (a notebook) use it. Empty for a member of a container.
	Path string
	// Depth is how many containers deep the item is: 0 for a file.
	Depth int
	// Budget bounds what opening the item's top-level container may
	// cost. It must be set.
	Budget *Budget
}

// Whole returns a reader of the whole item: Head, then R.
func (in *Input) Whole() io.Reader {
	return io.MultiReader(bytes.NewReader(in.Head), in.R)
}

// SniffLen is how much of an item is read first, to pick its reader.
const SniffLen = 8 << 10

// Reader reads one format of item.
type Reader interface {
	// Name is the format's short name, as shown in messages ("zip").
	Name() string
	// Sniff tells from an item's name and first bytes (up to SniffLen)
	// whether it is of this format. It is called for every item, so it
	// must be cheap; it may be unsure (Open may decline).
	Sniff(name string, head []byte) bool
	// Open reads the item. It records what it can through h and returns
	// the rest: the engine records a returned error as the item's, member
	// by member (*MemberError). Returning ErrSkip before reading from
	// in.R hands the item to the next reader that sniffs it; a reader
	// may annotate in.Item for those first (a JSON-lines log's
	// provenance says so).
	Open(ctx context.Context, in *Input, h Host) error
}

// Container is implemented by readers whose items hold members read in
// turn (zip, tar, gzip). The registry opens one only while the item is
// less than Limits.MaxDepth deep; deeper, it is read by the first reader
// after it that is not a container, as raw bytes.
type Container interface {
	Reader
	// Container marks the reader; it does nothing.
	Container()
}

// BytesReader is implemented by readers that can also read an item held
// whole in memory, without a stream (a git blob): a notebook.
type BytesReader interface {
	Reader
	// ReadBytes reads data, the whole item, whose bytes the engine has
	// counted already.
	ReadBytes(ctx context.Context, data []byte, prov Provenance, h Host)
}

// FSReader reads a format made of files (a Slack export, an Actions log
// archive) from an fs.FS: a zip's members, an unpacked directory. The
// zip reader tries them before reading its members one by one, and then
// scans every member's raw bytes too, leaving out what the reader found.
type FSReader interface {
	// Name is the format's short name.
	Name() string
	// SniffFS tells whether fsys holds this format; it may read a few
	// small files.
	SniffFS(fsys fs.FS) bool
	// OpenFS reads fsys, whose container is in. Members go to
	// h.Visit(in.Budget, in.Depth+1) through in.Budget's guard.
	OpenFS(ctx context.Context, fsys fs.FS, in *Input, h Host) error
}

// DirReader reads a directory that is one item (an OCI image layout, an
// unpacked Slack export) rather than files to walk.
type DirReader interface {
	// Name is the format's short name.
	Name() string
	// SniffDir tells whether the directory holds this format; it is
	// called for every directory walked, so it must be cheap (a stat or
	// two).
	SniffDir(dir string) bool
	// OpenDir reads the directory in.Path. ErrSkip, having recorded
	// why, has the directory walked file by file instead.
	OpenDir(ctx context.Context, in *Input, h Host) error
}

// ErrSkip is returned by a reader's Open or OpenDir to decline an item it
// sniffed: the next reader gets it.
var ErrSkip = errors.New("not this reader's format")

// Detector picks which of the engine's detectors searches bytes.
type Detector int

const (
	// DetectPlain searches bytes as they are.
	DetectPlain Detector = iota
	// DetectNotebook also joins a token split across the strings of a
	// JSON array (a notebook's source lines): see
	// detect.Options.JoinJSONArrays.
	DetectNotebook
)

// Bytes is what a reader asks the engine to scan as bytes.
type Bytes struct {
	// Prov says where the bytes are.
	Prov Provenance
	// Head, if not empty, holds bytes already read from R.
	Head []byte
	// R reads the rest. Without R, RA and Size give all the bytes, or,
	// without RA either, Head is all there is.
	R io.Reader
	// RA and Size, when RA is set, read the same bytes at random: a large
	// item is then searched on every core.
	RA   io.ReaderAt
	Size int64
	// Binary locates findings by byte offset instead of line.
	Binary bool
	// Detector picks the detector.
	Detector Detector
	// Except holds fingerprints of secrets not to report (found already
	// by a reader of the same bytes).
	Except map[string]bool
	// Rescan marks a second pass over bytes already counted (a raw pass
	// after a reader's): they are not counted again.
	Rescan bool
}

// Mark is a point in a scan's findings, for FoundSince.
type Mark int

// Host is what a reader may ask of the scan engine.
type Host interface {
	// Visit returns the Visit that hands each member to the reader that
	// sniffs it, depth containers deep, under b: text items are scanned
	// as they are.
	Visit(b *Budget, depth int) Visit
	// Scan scans bytes as bytes.
	Scan(ctx context.Context, b Bytes)
	// Detect searches data with the detector d. hint tells of a token
	// start cut short by a quote, which a structured reading of the same
	// bytes (a notebook's cells) may find whole.
	Detect(data []byte, d Detector) (ms []detect.Match, hint bool)
	// Report turns matches found in c into findings.
	Report(c Chunk, ms []detect.Match)
	// CountBytes adds n bytes read to the scan's count (for bytes that
	// are read without Scan).
	CountBytes(n int64)
	// Mark and FoundSince tell the secrets found since a mark at path or
	// inside it: a raw pass after a reader leaves them out.
	Mark() Mark
	FoundSince(m Mark, path string) map[string]bool
	// Warn records a note, Fail an error of the item; Errors records
	// what went wrong inside a container at path, member by member.
	Warn(format string, args ...any)
	Fail(format string, args ...any)
	Errors(path string, err error)
	// Limits are the scan's limits, zero fields not yet defaulted.
	Limits() Limits
	// Buffer is the worker's read buffer, for a reader that reads chunks
	// itself (ReadChunks).
	Buffer() *Buffer
	// SniffFS returns the FSReader for fsys, nil if none.
	SniffFS(fsys fs.FS) FSReader
}

// Registry lists the readers, in the order they are tried: the first
// whose sniff matches (and that does not decline) reads an item.
type Registry struct {
	// Readers read items: files, members, streams. Bytes that none of
	// them takes are read by Plain.
	Readers []Reader
	// FS read formats made of files inside a zip.
	FS []FSReader
	// Dirs read directories that are one item.
	Dirs []DirReader
}

// Open reads in with the first reader that takes it, Plain if none does.
// A container past the depth limit is noted and its bytes read by the
// next reader that is not a container, as a member's would be (in.RA and
// in.Path cleared).
func (r *Registry) Open(ctx context.Context, in *Input, h Host) error {
	deep := false
	for _, rd := range r.Readers {
		_, container := rd.(Container)
		if container && deep || !rd.Sniff(in.Item.Name, in.Head) {
			continue
		}
		if container && in.Depth >= in.Budget.Limits.MaxDepth {
			h.Warn("%s: %s nested deeper than %d: scanned as raw bytes", in.Item.Prov.Path, rd.Name(), in.Budget.Limits.MaxDepth)
			// Read as a member's bytes would be: no longer in place.
			deep, in.RA, in.Path = true, nil, ""
			continue
		}
		if err := rd.Open(ctx, in, h); !errors.Is(err, ErrSkip) {
			return err
		}
	}
	return Plain().Open(ctx, in, h)
}

// SniffBlob returns the reader for an item held whole in memory: the
// first that sniffs it among the containers (when containers is set) and
// the BytesReaders; nil when none does (its bytes are scanned as they
// are).
func (r *Registry) SniffBlob(name string, head []byte, containers bool) Reader {
	for _, rd := range r.Readers {
		_, c := rd.(Container)
		_, b := rd.(BytesReader)
		if (c && containers || b) && rd.Sniff(name, head) {
			return rd
		}
	}
	return nil
}

// SniffFS returns the first FSReader that takes fsys, nil if none does.
func (r *Registry) SniffFS(fsys fs.FS) FSReader {
	for _, fr := range r.FS {
		if fr.SniffFS(fsys) {
			return fr
		}
	}
	return nil
}

// SniffDir returns the first DirReader that takes dir, nil if none does.
func (r *Registry) SniffDir(dir string) DirReader {
	for _, d := range r.Dirs {
		if d.SniffDir(dir) {
			return d
		}
	}
	return nil
}

// GuardVisit returns visit with each member's bytes read through b's
// guard: for members read through an fs.FS, whose container's reader
// cannot apply the budget itself.
func GuardVisit(b *Budget, visit Visit) Visit {
	return func(ctx context.Context, it Item, r io.Reader) error {
		return visit(ctx, it, b.Guard(r, nil))
	}
}

// ForEachError calls fn for each error joined in err.
func ForEachError(err error, fn func(error)) {
	if err == nil {
		return
	}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		for _, e := range j.Unwrap() {
			ForEachError(e, fn)
		}
		return
	}
	fn(err)
}

// Stopped tells whether a reader's error ended it early, rather than
// listing members it skipped and going on.
func Stopped(err error) bool {
	fatal := false
	ForEachError(err, func(e error) {
		var me *MemberError
		if !errors.As(e, &me) && !errors.Is(e, context.Canceled) {
			fatal = true
		}
	})
	return fatal
}

// IsBinary tells binary content (a NUL byte in its first bytes) from text.
func IsBinary(head []byte) bool { return bytes.IndexByte(head, 0) >= 0 }
