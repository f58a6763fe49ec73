//go:build linux

package scan

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestRootLinkAndPseudoDir: a link to a directory named on the command
// line is walked (before, it was skipped with no note), and a kernel
// pseudo-filesystem named so (/proc/self) is skipped with a warning that
// says what and why.
func TestRootLinkAndPseudoDir(t *testing.T) {
	tok := newTokenGen(4501).Tokens(t, 1)[0]
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "real", "a.env"), []byte("HF_TOKEN="+tok+"\n"))
	link := filepath.Join(dir, "link")
	if err := os.Symlink(filepath.Join(dir, "real"), link); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		path     string
		findings int
		warning  string
	}{
		{"link to a directory", link, 1, ""},
		{"/proc/self", "/proc/self", 0, "/proc/self: a kernel pseudo-filesystem"},
		{"/proc", "/proc", 0, "/proc: a kernel pseudo-filesystem"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fs, st := run(t, Options{ShowSecrets: true}, tt.path)
			if len(fs) != tt.findings {
				t.Errorf("%d findings, want %d: %s", len(fs), tt.findings, describe(fs))
			}
			if tt.findings > 0 && fs[0].Location.Path != filepath.Join(link, "a.env") {
				t.Errorf("path %q, want it under the link", fs[0].Location.Path)
			}
			w := strings.Join(st.Warnings, "\n")
			if (tt.warning == "") != (w == "") || !strings.Contains(w, tt.warning) {
				t.Errorf("warnings %q, want %q", st.Warnings, tt.warning)
			}
		})
	}
}
