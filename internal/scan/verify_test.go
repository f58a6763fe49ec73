package scan

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hfwarden/hfwarden/internal/finding"
)

// countingVerifier answers from a table and counts calls.
type countingVerifier struct {
	answers map[string]string // secret -> status
	calls   atomic.Int64
}

func (v *countingVerifier) Verify(_ context.Context, _, secret string) finding.Verification {
	v.calls.Add(1)
	return finding.Verification{Status: v.answers[secret], CheckedAt: time.Now()}
}

func TestVerifyOncePerSecretAndCache(t *testing.T) {
	mk := func(rule, secret, fp string) finding.Finding {
		f := finding.Finding{Rule: rule, Fingerprint: fp}
		f.SetRawSecret(secret)
		return f
	}
	findings := []finding.Finding{
		mk("hf-user-token", "A", "fa"), mk("hf-user-token", "A", "fa"), mk("hf-user-token", "A", "fa"),
		mk("hf-user-token", "B", "fb"),
		mk("hf-user-token", "C", "fc"),
		mk("openai-api-key", "D", "fd"), // not a Hub credential: not checked
	}
	v := &countingVerifier{answers: map[string]string{"A": "live", "B": "invalid", "C": "unknown"}}
	path := filepath.Join(t.TempDir(), "verify.json")
	cache := OpenVerifyCache(path, "https://huggingface.co", time.Hour)
	Verify(t.Context(), findings, v, cache, 2)
	if got := v.calls.Load(); got != 3 {
		t.Fatalf("verifier called %d times, want 3 (once per distinct Hub secret)", got)
	}
	want := []string{"live", "live", "live", "invalid", "unknown", ""}
	for i, f := range findings {
		got := ""
		if f.Verification != nil {
			got = f.Verification.Status
		}
		if got != want[i] {
			t.Errorf("finding %d: status %q, want %q", i, got, want[i])
		}
	}
	if err := cache.Save(); err != nil {
		t.Fatal(err)
	}

	// A second run answers live and invalid from the cache; unknown is
	// asked again.
	v2 := &countingVerifier{answers: map[string]string{"C": "live"}}
	again := []finding.Finding{mk("hf-user-token", "A", "fa"), mk("hf-user-token", "B", "fb"), mk("hf-user-token", "C", "fc")}
	Verify(t.Context(), again, v2, OpenVerifyCache(path, "https://huggingface.co", time.Hour), 2)
	if got := v2.calls.Load(); got != 1 {
		t.Fatalf("second run: %d calls, want 1", got)
	}
	if !again[0].Verification.Cached || again[0].Verification.Status != "live" || again[2].Verification.Cached {
		t.Fatalf("cache use wrong: %+v %+v", again[0].Verification, again[2].Verification)
	}

	// Expired entries are checked again.
	v3 := &countingVerifier{answers: map[string]string{"A": "invalid"}}
	old := []finding.Finding{mk("hf-user-token", "A", "fa")}
	Verify(t.Context(), old, v3, OpenVerifyCache(path, "https://huggingface.co", -time.Second), 1)
	if v3.calls.Load() != 1 || old[0].Verification.Status != "invalid" {
		t.Fatalf("expired cache entry not rechecked")
	}
}

// TestVerifyCacheKeyedByEndpoint: an answer of one endpoint (the simulator,
// a staging Hub) never answers for another; a revoked token's answers are
// forgotten for every endpoint.
func TestVerifyCacheKeyedByEndpoint(t *testing.T) {
	path := filepath.Join(t.TempDir(), "verify.json")
	mk := func() []finding.Finding {
		f := finding.Finding{Rule: "hf-user-token", Fingerprint: "fa"}
		f.SetRawSecret("A")
		return []finding.Finding{f}
	}
	sim := OpenVerifyCache(path, "http://127.0.0.1:8080", time.Hour)
	Verify(t.Context(), mk(), &countingVerifier{answers: map[string]string{"A": "live"}}, sim, 1)
	if err := sim.Save(); err != nil {
		t.Fatal(err)
	}

	real := &countingVerifier{answers: map[string]string{"A": "invalid"}}
	f := mk()
	hubCache := OpenVerifyCache(path, "https://huggingface.co", time.Hour)
	Verify(t.Context(), f, real, hubCache, 1)
	if real.calls.Load() != 1 || f[0].Verification.Cached || f[0].Verification.Status != "invalid" {
		t.Fatalf("the simulator's answer stood for the real Hub: %+v", f[0].Verification)
	}
	if err := hubCache.Save(); err != nil {
		t.Fatal(err)
	}
	// The simulator's own entry is still there for the simulator.
	if v, ok := OpenVerifyCache(path, "http://127.0.0.1:8080", time.Hour).Get("fa"); !ok || v.Status != "live" {
		t.Fatalf("simulator entry lost: %+v %v", v, ok)
	}

	c := OpenVerifyCache(path, "https://huggingface.co", time.Hour)
	if !c.Invalidate("fa") || c.Invalidate("fa") {
		t.Fatal("Invalidate did not report the entry once")
	}
	if err := c.Save(); err != nil {
		t.Fatal(err)
	}
	for _, ep := range []string{"http://127.0.0.1:8080", "https://huggingface.co"} {
		if _, ok := OpenVerifyCache(path, ep, time.Hour).Get("fa"); ok {
			t.Errorf("%s still answers for a revoked token", ep)
		}
	}

	// A cache written before entries were keyed by endpoint says nothing.
	if err := os.WriteFile(path, []byte(`{"fa":{"status":"live","checked_at":"`+time.Now().UTC().Format(time.RFC3339)+`"}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, ok := OpenVerifyCache(path, "https://huggingface.co", time.Hour).Get("fa"); ok {
		t.Error("an entry of unknown endpoint answered")
	}
}

// slowVerifier answers only when ctx ends or after delay.
type slowVerifier struct{ delay time.Duration }

func (v slowVerifier) Verify(ctx context.Context, _, _ string) finding.Verification {
	select {
	case <-ctx.Done():
		return finding.Verification{Status: "unknown", Reason: ctx.Err().Error(), CheckedAt: time.Now()}
	case <-time.After(v.delay):
		return finding.Verification{Status: "live", CheckedAt: time.Now()}
	}
}

// TestVerifyDeadline: a dead endpoint cannot hold the scan past the overall
// deadline; what was not checked says so.
func TestVerifyDeadline(t *testing.T) {
	var findings []finding.Finding
	for i := range 20 {
		s := string(rune('a' + i))
		f := finding.Finding{Rule: "hf-user-token", Fingerprint: "f" + s}
		f.SetRawSecret(s)
		findings = append(findings, f)
	}
	cause := errors.New("--verify-timeout 100ms passed")
	ctx, cancel := context.WithTimeoutCause(t.Context(), 100*time.Millisecond, cause)
	defer cancel()
	start := time.Now()
	Verify(ctx, findings, slowVerifier{delay: time.Minute}, nil, 2)
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("Verify took %s past a 100ms deadline", d)
	}
	for i, f := range findings {
		if f.Verification == nil || f.Verification.Status != "unknown" || f.Verification.Reason != "not checked: --verify-timeout 100ms passed" {
			t.Fatalf("finding %d: %+v", i, f.Verification)
		}
	}
}
