package scan

import (
	"context"
	"sync"
	"time"

	"github.com/hfwarden/hfwarden/internal/finding"
)

// A Walk is one kind of input for Scan: the files and directories named on
// the command line (Files), the history of git repositories (Git), images
// in a registry (Images), the items a source.Walk yields (Items), what the
// next commit stages (Staged) or what a push sends (PrePush). Each says in
// its constructor's comment what error it returns, and when.
//
// A Walk is built by those constructors only: reading an input needs the
// engine's own readers. A new kind of input that yields items (members,
// messages, variables) needs no new Walk: it is a source.Walk, handed to
// Items.
type Walk interface {
	// run reads the input with s, a Scanner holding the state of this
	// run only, and returns what Scan returns.
	run(ctx context.Context, s *Scanner) (Result, error)
}

// Result is what one Scan found.
type Result struct {
	// Findings are sorted by path and position, with secrets in names
	// replaced by their labels.
	Findings []finding.Finding
	// Stats count what was read, skipped and suppressed, and list the
	// errors and warnings met on the way.
	Stats finding.Stats
}

// runState is what one run accumulates. A Scanner made by New holds
// none: Scan gives each run its own, so that nothing is kept between
// calls and concurrent Scans on one Scanner do not meet.
type runState struct {
	mu       sync.Mutex
	findings []finding.Finding
	stats    finding.Stats
}

// Scan reads the input w names and returns what it found. The Scanner
// keeps nothing of the run: calls one after another, or at once, are
// independent. The error is w's (see its constructor); with one, the
// Result may be partial or empty as the constructor says.
func (s *Scanner) Scan(ctx context.Context, w Walk) (Result, error) {
	return w.run(ctx, s.forRun())
}

// forRun returns a copy of s, sharing its options and detectors (which
// are safe for concurrent use), with a fresh run state.
func (s *Scanner) forRun() *Scanner {
	r := *s
	r.runState = &runState{}
	return &r
}

// result completes the run (see finish) and returns its findings and
// stats.
func (s *Scanner) result(start time.Time) Result {
	findings := s.finish(start)
	s.mu.Lock()
	defer s.mu.Unlock()
	return Result{Findings: findings, Stats: s.stats}
}
