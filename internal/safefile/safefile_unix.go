//go:build linux || darwin || freebsd

package safefile

import (
	"os"

	"golang.org/x/sys/unix"
)

// O_NONBLOCK: opening a FIFO must not wait for a writer (or a reader);
// O_NOFOLLOW: a symbolic link swapped in is refused, not followed.
const (
	openFlags   = unix.O_NONBLOCK | unix.O_NOCTTY
	createFlags = unix.O_NONBLOCK | unix.O_NOFOLLOW | unix.O_NOCTTY
)

// clearNonblock makes reads and writes of an opened regular file block
// as usual again (O_NONBLOCK was for the open only).
func clearNonblock(f *os.File) error {
	rc, err := f.SyscallConn()
	if err != nil {
		return err
	}
	var serr error
	if err := rc.Control(func(fd uintptr) { serr = unix.SetNonblock(int(fd), false) }); err != nil {
		return err
	}
	return serr
}
