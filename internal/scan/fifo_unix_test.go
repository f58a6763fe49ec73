//go:build linux || darwin || freebsd

package scan

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/hfwarden/hfwarden/internal/source"
)

// TestNonRegularNeverBlocks: a FIFO in a scanned directory, one named on
// the command line, and one swapped in for a file between the listing and
// the open (the job names it as a regular file) never block the scan;
// the files beside them are scanned, the swapped one is skipped with a
// note.
func TestNonRegularNeverBlocks(t *testing.T) {
	tok := newTokenGen(3301).Tokens(t, 1)
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "a.env"), []byte("HF_TOKEN="+tok[0]+"\n"))
	for _, name := range []string{"pipe", "named"} {
		if err := syscall.Mkfifo(filepath.Join(dir, name), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()

	s := New(Options{ShowSecrets: true})
	res, err := s.Scan(ctx, Files([]string{dir, filepath.Join(dir, "named")}))
	fs, st := res.Findings, res.Stats
	if err != nil || ctx.Err() != nil {
		t.Fatalf("Run: %v (context: %v)", err, ctx.Err())
	}
	if len(bySecret(fs, tok[0])) != 1 {
		t.Errorf("the file beside the FIFOs: %s", describe(fs))
	}
	if st.Errors != 1 || !strings.Contains(strings.Join(st.ErrorList, "\n"), "named: not a regular file") {
		t.Errorf("errors %q, want the FIFO named on the command line", st.ErrorList)
	}

	// The swap: the walk saw a regular file, the open finds a FIFO.
	s = New(Options{}).forRun()
	done := make(chan struct{})
	go func() {
		defer close(done)
		s.runJob(ctx, job{path: filepath.Join(dir, "pipe"), root: dir, size: 10}, source.NewBuffer())
	}()
	select {
	case <-done:
	case <-ctx.Done():
		t.Fatal("opening a FIFO listed as a file blocked")
	}
	if s.stats.Errors != 0 || s.stats.Skipped != 1 || len(s.stats.Warnings) != 1 || !strings.Contains(s.stats.Warnings[0], "a FIFO") {
		t.Errorf("swapped FIFO: errors %q, skipped %d, warnings %q; want skipped with a note", s.stats.ErrorList, s.stats.Skipped, s.stats.Warnings)
	}
}

// TestPseudoFilesSkipped: a directory of /proc (a kernel pseudo-filesystem)
// is skipped with a note, not walked; a file of it named on the command
// line is read (TestUnreadableInputs reads /proc/self/mem).
func TestPseudoFilesSkipped(t *testing.T) {
	if _, err := os.Stat("/proc/self/status"); err != nil {
		t.Skip("no /proc here")
	}
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	res, err := New(Options{}).Scan(ctx, Files([]string{"/proc/sys"}))
	st := res.Stats
	if err != nil || ctx.Err() != nil {
		t.Fatalf("Run: %v (context: %v)", err, ctx.Err())
	}
	if st.Files != 0 || st.Errors != 0 || len(st.Warnings) != 1 {
		t.Errorf("files %d, errors %q, warnings %q: want it skipped with a note", st.Files, st.ErrorList, st.Warnings)
	}
}
