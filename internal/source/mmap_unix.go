//go:build linux || darwin || freebsd

package source

import (
	"io"
	"os"

	"golang.org/x/sys/unix"
)

// mapWindow maps bytes [start, end) of ra read-only when ra is a file, so
// that large files are searched in the page cache without being copied.
// ok is false when ra cannot be mapped: the caller reads instead.
func mapWindow(ra io.ReaderAt, start, end int64) (data []byte, release func(), ok bool) {
	f, isFile := ra.(*os.File)
	if !isFile || end <= start {
		return nil, nil, false
	}
	page := int64(os.Getpagesize())
	at := start / page * page
	m, err := unix.Mmap(int(f.Fd()), at, int(end-at), unix.PROT_READ, unix.MAP_SHARED)
	if err != nil {
		return nil, nil, false
	}
	// A read-only mapping: unmapping it loses nothing, and fails only
	// for a range that is not mapped.
	return m[start-at:], func() { _ = unix.Munmap(m) }, true
}
