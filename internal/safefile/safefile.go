// Package safefile opens the files hfwarden reads and writes so that a
// path swapped for something else (a FIFO, a device, a symbolic link, a
// directory, a pseudo-file) never blocks the run or gets replaced: it is
// refused, or skipped, with a reason.
package safefile

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
)

// ErrNotRegular is wrapped by the errors for a path that exists and is
// not a regular file.
var ErrNotRegular = errors.New("not a regular file")

// CheckTarget says whether path may be written or renamed over: it may
// not exist yet, or be a regular file. Anything else (a device such as
// /dev/null, a FIFO, a symbolic link, a directory) is refused: writing
// there would block, follow the link somewhere else, or replace what is
// not a file of ours.
func CheckTarget(path string) error {
	fi, err := os.Lstat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	if !fi.Mode().IsRegular() {
		return fmt.Errorf("%s exists and is %s, %w: refusing to replace it", path, Describe(fi.Mode()), ErrNotRegular)
	}
	return nil
}

// Create creates or truncates path for writing, refusing (see
// CheckTarget) a path that exists and is not a regular file. The open
// itself does not follow a symbolic link nor wait on a FIFO, so a swap
// after the check is refused too.
func Create(path string) (*os.File, error) {
	if err := CheckTarget(path); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC|createFlags, 0o666)
	if err != nil {
		return nil, err
	}
	if fi, err := f.Stat(); err != nil || !fi.Mode().IsRegular() {
		_ = f.Close() // nothing written yet: the refusal is what to report
		if err != nil {
			return nil, err
		}
		return nil, fmt.Errorf("%s is %s, %w: refusing to write it", path, Describe(fi.Mode()), ErrNotRegular)
	}
	if err := clearNonblock(f); err != nil {
		_ = f.Close() // nothing written yet: the refusal is what to report
		return nil, err
	}
	return f, nil
}

// Open opens path for reading without blocking on a FIFO or device,
// and refuses (with an error wrapping ErrNotRegular) anything that turns
// out not to be a regular file once opened: what a listing said is no
// guarantee of what is at the path when it is opened. Files of /proc and
// /sys are regular files: see Pseudo.
func Open(path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_RDONLY|openFlags, 0)
	if err != nil {
		return nil, err
	}
	return regular(f)
}

// OpenIn is Open for a name inside root (see os.Root): a member of an
// image layout, which a hostile layout may make a FIFO.
func OpenIn(root *os.Root, name string) (*os.File, error) {
	f, err := root.OpenFile(name, os.O_RDONLY|openFlags, 0)
	if err != nil {
		return nil, err
	}
	return regular(f)
}

// regular returns f made blocking again if it is a regular file, and
// closes it with an error wrapping ErrNotRegular if not.
func regular(f *os.File) (*os.File, error) {
	fi, err := f.Stat()
	if err != nil {
		_ = f.Close() // opened read-only: closing it loses nothing
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		_ = f.Close() // opened read-only: closing it loses nothing
		return nil, fmt.Errorf("%s, %w: skipped", Describe(fi.Mode()), ErrNotRegular)
	}
	if err := clearNonblock(f); err != nil {
		_ = f.Close() // opened read-only: closing it loses nothing
		return nil, err
	}
	return f, nil
}

// ErrPseudo is wrapped by Pseudo's errors.
var ErrPseudo = errors.New("a kernel pseudo-file (/proc, /sys): skipped")

// Pseudo returns an error wrapping ErrPseudo when f is on a kernel
// pseudo-filesystem, whose sizes say nothing of what reading gives and
// whose reads may never end. Walks skip such files; a file named by the
// user (a process's environ) is theirs to ask for.
func Pseudo(f *os.File) error {
	if pseudo(f) {
		return ErrPseudo
	}
	return nil
}

// Describe names the kind of a file that is not a regular one, for
// messages ("a FIFO", "a directory").
func Describe(m fs.FileMode) string {
	switch {
	case m&fs.ModeSymlink != 0:
		return "a symbolic link"
	case m&fs.ModeNamedPipe != 0:
		return "a FIFO"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeDevice != 0:
		return "a device"
	case m.IsDir():
		return "a directory"
	}
	return "an irregular file"
}

// ReadLimit reads the whole of a configuration file of at most max bytes;
// a larger one is an error wrapping ErrTooLarge (a lock file or a
// scenario is never that big: something else is at the path). The file
// is opened as Open does.
func ReadLimit(path string, max int64) ([]byte, error) {
	f, err := Open(path)
	if err != nil {
		return nil, err
	}
	defer func() { _ = f.Close() }() // opened read-only: closing it loses nothing
	if fi, err := f.Stat(); err == nil && fi.Size() > max {
		return nil, fmt.Errorf("%d bytes, more than %d: %w", fi.Size(), max, ErrTooLarge)
	}
	return io.ReadAll(Limit(f, max))
}

// ErrTooLarge is wrapped by the errors of ReadLimit and Limit past their
// bound.
var ErrTooLarge = errors.New("larger than allowed")

// Limit returns r bounded to max bytes: a read past them fails with an
// error wrapping ErrTooLarge, so that a configuration file that is not
// one (a log, a device) is refused rather than read into memory whole.
func Limit(r io.Reader, max int64) io.Reader { return &limited{r: r, left: max, max: max} }

type limited struct {
	r         io.Reader
	left, max int64
}

func (l *limited) Read(p []byte) (int, error) {
	if l.left < 0 {
		return 0, fmt.Errorf("more than %d bytes: %w", l.max, ErrTooLarge)
	}
	if int64(len(p)) > l.left+1 {
		p = p[:l.left+1] // one more than allowed tells an exact fit from more
	}
	n, err := l.r.Read(p)
	l.left -= int64(n)
	if l.left < 0 {
		return n + int(l.left), fmt.Errorf("more than %d bytes: %w", l.max, ErrTooLarge)
	}
	return n, err
}
