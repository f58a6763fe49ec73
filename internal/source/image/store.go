package image

import (
	"archive/tar"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"strings"

	"github.com/hfwarden/hfwarden/internal/safefile"
)

// maxJSONBytes bounds the JSON documents (manifest.json, index.json, image
// manifests and configs) read whole into memory.
const maxJSONBytes = 64 << 20

// maxLinkHops bounds how many links are followed to reach a member.
const maxLinkHops = 8

// A store opens the files of an image directory or image tarball by their
// slash-separated path relative to its root.
type store interface {
	open(name string) (io.ReadCloser, error)
}

// dirStore reads an image laid out in a directory. Every open goes through
// os.Root, so names taken from manifests cannot reach outside the directory,
// even through symbolic links.
type dirStore struct{ dir string }

func (s dirStore) open(name string) (io.ReadCloser, error) {
	name = cleanMember(name)
	if !fs.ValidPath(name) {
		return nil, fmt.Errorf("invalid member name %q", name)
	}
	root, err := os.OpenRoot(s.dir)
	if err != nil {
		return nil, err
	}
	// Only opened through: the file opened in it stays open after.
	defer func() { _ = root.Close() }()
	// A FIFO or device where a blob should be must not block the scan.
	f, err := safefile.OpenIn(root, name)
	if err != nil {
		return nil, err
	}
	return f, nil
}

// tarStore reads an image held in a tar file without extracting it: the
// member offsets are indexed once from the tar headers (the tar reader skips
// member bodies by seeking), and each open reopens the file and reads one
// section of it, so no file handle outlives a read.
type tarStore struct {
	path    string
	members map[string]tarMember
}

type tarMember struct {
	offset, size int64
	// link is the target of a hard or symbolic link, already resolved to a
	// path from the root; empty for regular files.
	link string
}

// indexTar reads the headers of the tar file at p.
func indexTar(ctx context.Context, p string) (*tarStore, error) {
	f, err := os.Open(p)
	if err != nil {
		return nil, err
	}
	defer func() { _ = f.Close() }() // opened read-only: closing it loses nothing
	s := &tarStore{path: p, members: make(map[string]tarMember)}
	tr := tar.NewReader(f)
	for n := 0; ; n++ {
		if n%1024 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return s, nil
		}
		if err != nil {
			return nil, fmt.Errorf("reading tar headers of %s: %w", p, err)
		}
		name := cleanMember(hdr.Name)
		switch hdr.Typeflag {
		case tar.TypeReg:
			// The tar reader has consumed exactly the header blocks, so the
			// file position is where the member's data starts.
			off, err := f.Seek(0, io.SeekCurrent)
			if err != nil {
				return nil, fmt.Errorf("indexing %s: %w", p, err)
			}
			s.members[name] = tarMember{offset: off, size: hdr.Size}
		case tar.TypeSymlink:
			// docker save links identical layers to one copy.
			target := hdr.Linkname
			if !path.IsAbs(target) {
				target = path.Join(path.Dir(name), target)
			}
			s.members[name] = tarMember{link: cleanMember(target)}
		case tar.TypeLink:
			s.members[name] = tarMember{link: cleanMember(hdr.Linkname)}
		}
	}
}

func (s *tarStore) open(name string) (io.ReadCloser, error) {
	name = cleanMember(name)
	m, ok := s.members[name]
	for hops := 0; ok && m.link != ""; hops++ {
		if hops == maxLinkHops {
			return nil, errors.New("too many links")
		}
		m, ok = s.members[m.link]
	}
	if !ok {
		return nil, fmt.Errorf("%w in %s", fs.ErrNotExist, s.path)
	}
	f, err := os.Open(s.path)
	if err != nil {
		return nil, err
	}
	fi, err := f.Stat()
	if err != nil {
		_ = f.Close() // opened read-only: closing it loses nothing
		return nil, err
	}
	if m.offset+m.size > fi.Size() {
		_ = f.Close() // opened read-only: closing it loses nothing
		return nil, fmt.Errorf("member runs past the end of %s (truncated tar)", s.path)
	}
	return sectionReadCloser{io.NewSectionReader(f, m.offset, m.size), f}, nil
}

type sectionReadCloser struct {
	*io.SectionReader
	f *os.File
}

func (s sectionReadCloser) Close() error { return s.f.Close() }

// cleanMember normalises a member name to a slash path from the root
// without a leading "./" or "/".
func cleanMember(name string) string {
	name = path.Clean("/" + name)
	return strings.TrimPrefix(name, "/")
}

// readJSON reads a whole member of at most maxJSONBytes.
func readJSON(s store, name string) ([]byte, error) {
	rc, err := s.open(name)
	if err != nil {
		return nil, err
	}
	defer func() { _ = rc.Close() }() // only read: closing it loses nothing
	b, err := io.ReadAll(io.LimitReader(rc, maxJSONBytes+1))
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", name, err)
	}
	if len(b) > maxJSONBytes {
		return nil, fmt.Errorf("%s is larger than %d bytes", name, maxJSONBytes)
	}
	return b, nil
}
