package scan

import (
	"context"
	"io"
	"time"

	"github.com/hfwarden/hfwarden/internal/source"
)

// Items is the walk of every item w yields, read as Files reads files:
// members that are containers (archives, images, exports) are opened in
// turn, text items are scanned as they are. An error that w returns
// while the context is live is recorded in the stats and ends the walk,
// and Scan returns no error. Once the context has ended, Scan returns w's
// error (or, if w returned none, the context's) with what was found
// before.
func Items(w source.Walk) Walk { return itemWalk{w} }

// itemWalk is the walk Items returns.
type itemWalk struct{ walk source.Walk }

func (w itemWalk) run(ctx context.Context, s *Scanner) (Result, error) {
	start := time.Now()
	buf := source.NewBuffer()
	err := w.walk(ctx, func(ctx context.Context, it source.Item, r io.Reader) error {
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
	return s.result(start), err
}

// scanItem scans one member of a container.
func (s *Scanner) scanItem(ctx context.Context, it source.Item, r io.Reader, depth int, buf *source.Buffer) {
	defer s.recoverItem(it.Prov.Path)
	s.countFile()
	_ = s.visitor(source.NewBudget(s.opt.Limits), depth, buf)(ctx, it, r)
}
