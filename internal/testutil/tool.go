package testutil

import (
	"bytes"
	"os/exec"
	"testing"
)

// Tool runs a real command-line tool (zstd, xz, sqlite3, …) with stdin as
// its standard input and returns its standard output. The test is skipped,
// naming the tool, where it is not installed, and fails with the tool's
// standard error when it fails.
func Tool(t testing.TB, tool string, stdin []byte, args ...string) []byte {
	t.Helper()
	if _, err := exec.LookPath(tool); err != nil {
		t.Skipf("%s not installed", tool)
	}
	cmd := exec.Command(tool, args...)
	cmd.Stdin = bytes.NewReader(stdin)
	var out, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s %q: %v: %s", tool, args, err, stderr.String())
	}
	return out.Bytes()
}
