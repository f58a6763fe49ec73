//go:build linux

package git

import (
	"io"
	"os"
	"syscall"
)

// growPipe enlarges a pipe's kernel buffer (64 KiB by default) so that git
// writes its object stream in fewer, larger pieces: with the default, the
// two processes spend more time switching than copying.
func growPipe(r io.Reader) {
	f, ok := r.(*os.File)
	if !ok {
		return
	}
	const fSetPipeSz = 1031 // F_SETPIPE_SZ
	for _, size := range []int{4 << 20, 1 << 20} {
		if _, _, errno := syscall.Syscall(syscall.SYS_FCNTL, f.Fd(), fSetPipeSz, uintptr(size)); errno == 0 {
			return
		}
	}
}
