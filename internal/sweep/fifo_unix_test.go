//go:build linux || darwin || freebsd

package sweep

import (
	"context"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/hfwarden/hfwarden/internal/scan"
)

// TestWalkFIFONeverBlocks: a planned file that is a FIFO (or a device) by
// the time it is read is skipped with a note, at once; the sweep goes on.
func TestWalkFIFONeverBlocks(t *testing.T) {
	tok := fakeTokens(t, 1)[0]
	dir := t.TempDir()
	good := filepath.Join(dir, ".env")
	write(t, good, "HF_TOKEN="+tok+"\n")
	fifo := filepath.Join(dir, ".env.local")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	targets := []Target{target(fifo, KindDotenv), target("/dev/zero", KindDotenv), target(good, KindDotenv)}
	res, err := scan.New(scan.Options{}).Scan(ctx, scan.Items(Walk(targets)))
	fs, st := res.Findings, res.Stats
	if err != nil || ctx.Err() != nil {
		t.Fatalf("sweep: %v (context: %v)", err, ctx.Err())
	}
	if len(fs) != 1 || st.Errors != 0 || len(st.Warnings) != 2 || !strings.Contains(st.Warnings[0], "FIFO") {
		t.Errorf("%d findings, errors %q, warnings %q: want 1 finding and the FIFO and device skipped with a note", len(fs), st.ErrorList, st.Warnings)
	}
}
