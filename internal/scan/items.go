package scan

import (
	"context"
	"io"
	"time"

	"github.com/hfwarden/hfwarden/internal/finding"
	"github.com/hfwarden/hfwarden/internal/source"
)

// Walk yields items to visit: the members of something that is not a
// directory of files (a host's token caches, a process table, a registry
// image).
type Walk func(ctx context.Context, visit source.Visit) error

// RunItems scans every item walk yields, as Run scans files: members that
// are containers (archives, images, exports) are opened in turn, text
// items are scanned as they are. An error that walk returns is recorded
// and ends the walk; a *source.MemberError returned for one item is
// recorded and the walk goes on.
func (s *Scanner) RunItems(ctx context.Context, walk Walk) ([]finding.Finding, finding.Stats, error) {
	start := time.Now()
	buf := source.NewBuffer()
	err := walk(ctx, func(ctx context.Context, it source.Item, r io.Reader) error {
		s.scanItem(ctx, it, r, 0, buf)
		return nil
	})
	if err != nil && ctx.Err() == nil {
		s.fail("%v", err)
		err = nil
	}
	if err == nil {
		err = ctx.Err()
	}
	findings := s.finish(start)
	s.mu.Lock()
	defer s.mu.Unlock()
	return findings, s.stats, err
}

// scanItem scans one member of a container.
func (s *Scanner) scanItem(ctx context.Context, it source.Item, r io.Reader, depth int, buf *source.Buffer) {
	defer s.recoverItem(it.Prov.Path)
	s.countFile()
	_ = s.visitor(source.NewBudget(s.opt.Limits), depth, buf)(ctx, it, r)
}
