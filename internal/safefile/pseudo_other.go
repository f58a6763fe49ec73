//go:build !linux

package safefile

import (
	"os"
	"path/filepath"
	"strings"
)

// pseudo tells a file of /proc or /sys by its name where the system does
// not say what filesystem holds it.
func pseudo(f *os.File) bool { return PseudoDir(filepath.Dir(f.Name())) }

// PseudoDir tells whether path is under /proc or /sys.
func PseudoDir(path string) bool {
	abs, err := filepath.Abs(path)
	if err != nil {
		return false
	}
	for _, root := range []string{"/proc", "/sys"} {
		if abs == root || strings.HasPrefix(abs, root+"/") {
			return true
		}
	}
	return false
}
