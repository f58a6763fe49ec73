package source

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
)

// ZipReader reads zip archives: in place when the item can be read at
// random, else spooled. A zip that holds a format made of files (a Slack
// export) is read by that format's FSReader.
func ZipReader() Reader { return zipReader{} }

// TarReader reads tar streams member by member.
func TarReader() Reader { return tarReader{} }

// GzipReader reads gzip streams: what they hold is read in turn, in the
// gzip's place ("app.log.gz" reports lines of the log).
func GzipReader() Reader { return gzipReader{} }

type zipReader struct{}

func (zipReader) Name() string                     { return "zip" }
func (zipReader) Container()                       {}
func (zipReader) Sniff(_ string, head []byte) bool { return isZip(head) }

func (zipReader) Open(ctx context.Context, in *Input, h Host) error {
	path := in.Item.Prov.Path
	ra, size, done, err := Spool(in)
	if err != nil {
		h.Fail("%s: %v", path, err)
		return nil
	}
	defer done()
	zr, err := zip.NewReader(ra, size)
	if err != nil {
		// A zip cut short or damaged (or not one): its bytes still
		// hold what its stored members held.
		h.Fail("%s: %v; scanned as it is", path, err)
		h.Scan(ctx, Bytes{Prov: in.Item.Prov, R: io.NewSectionReader(ra, 0, size), Binary: true})
		return nil
	}
	before := h.Mark()
	if fr := h.SniffFS(zr); fr != nil {
		// A Slack export or an Actions log archive: members read with
		// their channel, user and time, or job and step.
		err = fr.OpenFS(ctx, zr, in, h)
		RescanFS(ctx, zr, in.Item.Prov, h.FoundSince(before, path), in.Budget, h)
		return err
	}
	damaged, err := ReadZip(ctx, zr, in.Item.Prov, in.Budget, h.Visit(in.Budget, in.Depth+1))
	if damaged && ctx.Err() == nil {
		// A member not where the directory says, or holding more than
		// its header declares: those bytes belong to no member read, so
		// the whole archive is scanned as it is, as an unparsable one
		// would be, without the secrets its members gave already.
		h.Warn("%s: members do not match the zip's headers: the archive's bytes were also scanned as they are", path)
		h.Scan(ctx, Bytes{Prov: in.Item.Prov, R: io.NewSectionReader(ra, 0, size), Except: h.FoundSince(before, path), Rescan: true})
	}
	return err
}

type tarReader struct{}

func (tarReader) Name() string                        { return "tar" }
func (tarReader) Container()                          {}
func (tarReader) Sniff(name string, head []byte) bool { return isTar(name, head) }

func (tarReader) Open(ctx context.Context, in *Input, h Host) error {
	return ReadTar(ctx, in.Whole(), in.Item.Prov, in.Budget, h.Visit(in.Budget, in.Depth+1))
}

type gzipReader struct{}

func (gzipReader) Name() string                     { return "gzip" }
func (gzipReader) Container()                       {}
func (gzipReader) Sniff(_ string, head []byte) bool { return isGzip(head) }

func (gzipReader) Open(ctx context.Context, in *Input, h Host) error {
	zr, err := OpenGzip(in.Whole(), in.Budget)
	if err != nil {
		// Not a gzip after all (the magic was chance): its bytes. The
		// gzip header was read from Head alone: R is untouched.
		h.Fail("%s: %v; scanned as it is", in.Item.Prov.Path, err)
		h.Scan(ctx, Bytes{Prov: in.Item.Prov, Head: in.Head, R: in.R, Binary: IsBinary(in.Head)})
		return nil
	}
	// The decompressed stream keeps the gzip's place: "app.log.gz"
	// reports lines of the log, "x.tar.gz!dir/file" members of the tar.
	inner := in.Item
	inner.Name = GunzipName(in.Item.Name)
	inner.Size = -1
	return h.Visit(in.Budget, in.Depth+1)(ctx, inner, zr)
}

// spoolInMemory bounds the members held in memory to be opened at random
// (a zip inside a tar); larger ones go to an unlinked temporary file.
const spoolInMemory = 64 << 20

// Spool gives random access to an item: in place when in.RA is set, in
// memory for a small member, else through an unlinked temporary file.
// done releases what it holds.
func Spool(in *Input) (ra io.ReaderAt, size int64, done func(), err error) {
	if in.RA != nil {
		return in.RA, in.Item.Size, func() {}, nil
	}
	r := in.Whole()
	if in.Item.Size >= 0 && in.Item.Size <= spoolInMemory {
		data, err := io.ReadAll(r)
		if err != nil {
			return nil, 0, nil, err
		}
		return bytes.NewReader(data), int64(len(data)), func() {}, nil
	}
	f, err := unlinkedTemp()
	if err != nil {
		return nil, 0, nil, fmt.Errorf("spooling: %w", err)
	}
	n, err := io.Copy(f, r)
	if err != nil {
		_ = f.Close() // the copy's error is the one that matters
		return nil, 0, nil, err
	}
	// Only read, and already unlinked: closing cannot lose anything.
	return f, n, func() { _ = f.Close() }, nil
}

// unlinkedTemp creates a temporary file for spooled bytes and unlinks it
// at once: it is gone when closed, whatever happens. Where unlinking fails
// the file stays behind in the temporary directory, which is no reason not
// to scan.
func unlinkedTemp() (*os.File, error) {
	f, err := os.CreateTemp("", "hfwarden-spool-*")
	if err != nil {
		return nil, err
	}
	_ = os.Remove(f.Name())
	return f, nil
}

// RescanFS scans every member of a format read from fsys as raw bytes,
// leaving out the secrets in found (what its reader found already):
// whatever the reader does not know (a field it does not read, a day
// file cut short) is still found.
func RescanFS(ctx context.Context, fsys fs.FS, prov Provenance, found map[string]bool, b *Budget, h Host) {
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
		defer func() { _ = f.Close() }() // only read
		h.Scan(ctx, Bytes{Prov: prov.With("archive", name), R: b.Guard(f, nil), Except: found, Rescan: true})
		return nil
	})
	if err != nil && !errors.Is(err, context.Canceled) {
		h.Fail("%s: %v", prov.Path, err)
	}
}
