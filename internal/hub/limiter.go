package hub

import (
	"context"
	"sync"
	"time"
)

// limiter is a token bucket shared by every goroutine using a Client. A
// caller that finds the bucket empty reserves the next token (the balance
// goes negative) and sleeps until it is due, so waiters are served in
// order and the long-run rate never exceeds rate, with at most burst
// requests at once.
type limiter struct {
	rate  float64 // tokens per second
	burst float64
	now   func() time.Time
	sleep func(context.Context, time.Duration) error

	mu     sync.Mutex
	tokens float64
	last   time.Time
}

// pacingMargin slows the pace a little below the configured rate: requests
// reach the server with network jitter, and evenly paced requests at exactly
// the rate would then show rate+1 in some one-second window as the server
// counts them.
const pacingMargin = 0.98

// newLimiter returns nil (no limit) when rate <= 0.
func newLimiter(rate float64, burst int, now func() time.Time, sleep func(context.Context, time.Duration) error) *limiter {
	if rate <= 0 {
		return nil
	}
	b := float64(max(burst, 1))
	return &limiter{rate: rate * pacingMargin, burst: b, tokens: b, now: now, sleep: sleep}
}

// wait blocks until the caller may send one request, or ctx ends.
func (l *limiter) wait(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if l == nil {
		return nil
	}
	l.mu.Lock()
	now := l.now()
	if l.last.IsZero() {
		l.last = now
	} else if now.After(l.last) {
		l.tokens = min(l.burst, l.tokens+now.Sub(l.last).Seconds()*l.rate)
		l.last = now
	}
	l.tokens--
	deficit := -l.tokens
	l.mu.Unlock()
	if deficit <= 0 {
		return nil
	}
	d := time.Duration(deficit / l.rate * float64(time.Second))
	if err := l.sleep(ctx, d); err != nil {
		// Give the reservation back; later waiters may go earlier.
		l.mu.Lock()
		l.tokens = min(l.burst, l.tokens+1)
		l.mu.Unlock()
		return err
	}
	return nil
}

// sleepCtx sleeps for d or until ctx ends.
func sleepCtx(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
