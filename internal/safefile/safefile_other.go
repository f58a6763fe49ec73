//go:build !(linux || darwin || freebsd)

package safefile

import "os"

// Without O_NONBLOCK and O_NOFOLLOW here, the checks before and after
// the open are what refuse a path that is not a regular file.
const (
	openFlags   = 0
	createFlags = 0
)

func clearNonblock(*os.File) error { return nil }
