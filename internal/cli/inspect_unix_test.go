//go:build unix

package cli_test

import (
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

func TestInspectNotRegular(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "pipe.pkl")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	write(t, filepath.Join(dir, "evil.pkl"), evilPickle)
	r := runCLI(t, "", "inspect", fifo, filepath.Join(dir, "evil.pkl"))
	if r.code != 2 || !strings.Contains(r.stderr, "pipe.pkl: not a regular file") || !strings.Contains(r.stdout, "os.system") {
		t.Errorf("exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
}
