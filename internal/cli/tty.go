package cli

import (
	"fmt"
	"io"
	"os"
	"time"

	"github.com/mattn/go-isatty"

	"github.com/hfwarden/hfwarden/internal/scan"
)

// isTTY reports whether w is (or wraps) a terminal.
func isTTY(w io.Writer) bool {
	f, ok := underlying(w).(*os.File)
	return ok && (isatty.IsTerminal(f.Fd()) || isatty.IsCygwinTerminal(f.Fd()))
}

// startProgress draws a one-line progress bar on w until stop is called.
func startProgress(w io.Writer, p *scan.Progress) (stop func()) {
	if p == nil {
		return func() {}
	}
	done := make(chan struct{})
	finished := make(chan struct{})
	start := time.Now()
	go func() {
		defer close(finished)
		t := time.NewTicker(200 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-done:
				fmt.Fprint(w, "\r\033[K")
				return
			case <-t.C:
				b := p.Bytes.Load()
				rate := float64(b) / time.Since(start).Seconds()
				fmt.Fprintf(w, "\r\033[Kscanning: %d files, %s, %s/s, %d findings", p.Files.Load(), humanBytes(float64(b)), humanBytes(rate), p.Findings.Load())
			}
		}
	}()
	return func() { close(done); <-finished }
}
