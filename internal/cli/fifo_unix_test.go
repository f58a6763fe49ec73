//go:build linux || darwin || freebsd

package cli_test

import (
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// runBounded is runCLI that fails the test instead of hanging when the
// command blocks (opening a FIFO waits for a writer that never comes).
func runBounded(t *testing.T, args ...string) result {
	t.Helper()
	done := make(chan result, 1)
	go func() { done <- runCLI(t, "", args...) }()
	select {
	case r := <-done:
		return r
	case <-time.After(10 * time.Second):
		t.Fatalf("hfwarden %s blocked", strings.Join(args, " "))
		return result{}
	}
}

// TestUserNamedFIFOsRefused: a FIFO wherever the user (or a scanned
// repository) names a file hfwarden reads is refused with a one-line
// error and exit 2; nothing waits on it.
func TestUserNamedFIFOsRefused(t *testing.T) {
	tk := fakeTokens(t, 71, 1)[0]
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	src := filepath.Join(dir, "src")
	write(t, filepath.Join(src, "a.env"), "HF_TOKEN="+tk+"\n")
	// A repository whose .hfwarden-ignore is a FIFO.
	repo := filepath.Join(dir, "repo")
	write(t, filepath.Join(repo, "a.env"), "HF_TOKEN="+tk+"\n")
	if out, err := exec.Command("git", "init", "-q", repo).CombinedOutput(); err != nil {
		t.Fatalf("git init: %v\n%s", err, out)
	}
	if err := syscall.Mkfifo(filepath.Join(repo, ".hfwarden-ignore"), 0o600); err != nil {
		t.Fatal(err)
	}
	db := filepath.Join(dir, "data", "x.db")
	tests := []struct {
		name string
		args []string
	}{
		{"ignore file in a scanned repository", []string{"scan", repo}},
		{"--ignore-file", []string{"scan", "--ignore-file", fifo, src}},
		{"--baseline", []string{"scan", "--baseline", fifo, src}},
		{"--db for reading", []string{"incidents", "list", "--db", fifo}},
		{"--db for writing", []string{"scan", "--store", "--db", fifo, src}},
		{"--key-file", []string{"incidents", "note", "1", "-m", "x", "--db", db, "--key-file", fifo}},
		{"--token-file", []string{"assess", "--token-file", fifo}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := runBounded(t, tt.args...)
			if r.code != 2 || !strings.Contains(r.stderr, "FIFO") || strings.Count(strings.TrimSpace(r.stderr), "\n") != 0 {
				t.Errorf("exit %d, want 2 and one line naming the FIFO\n%s", r.code, r.stderr)
			}
		})
	}
}
