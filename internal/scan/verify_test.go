package scan

import (
	"context"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"
)

// countingVerifier answers from a table and counts calls.
type countingVerifier struct {
	answers map[string]string // secret -> status
	calls   atomic.Int64
}

func (v *countingVerifier) Verify(_ context.Context, _, secret string) Verification {
	v.calls.Add(1)
	return Verification{Status: v.answers[secret], CheckedAt: time.Now()}
}

func TestVerifyOncePerSecretAndCache(t *testing.T) {
	mk := func(rule, secret, fp string) Finding { return Finding{Rule: rule, Fingerprint: fp, raw: secret} }
	findings := []Finding{
		mk("hf-user-token", "A", "fa"), mk("hf-user-token", "A", "fa"), mk("hf-user-token", "A", "fa"),
		mk("hf-user-token", "B", "fb"),
		mk("hf-user-token", "C", "fc"),
		mk("openai-api-key", "D", "fd"), // not a Hub credential: not checked
	}
	v := &countingVerifier{answers: map[string]string{"A": "live", "B": "invalid", "C": "unknown"}}
	path := filepath.Join(t.TempDir(), "verify.json")
	cache := OpenVerifyCache(path, time.Hour)
	Verify(context.Background(), findings, v, cache, 2)
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
	again := []Finding{mk("hf-user-token", "A", "fa"), mk("hf-user-token", "B", "fb"), mk("hf-user-token", "C", "fc")}
	Verify(context.Background(), again, v2, OpenVerifyCache(path, time.Hour), 2)
	if got := v2.calls.Load(); got != 1 {
		t.Fatalf("second run: %d calls, want 1", got)
	}
	if !again[0].Verification.Cached || again[0].Verification.Status != "live" || again[2].Verification.Cached {
		t.Fatalf("cache use wrong: %+v %+v", again[0].Verification, again[2].Verification)
	}

	// Expired entries are checked again.
	v3 := &countingVerifier{answers: map[string]string{"A": "invalid"}}
	old := []Finding{mk("hf-user-token", "A", "fa")}
	Verify(context.Background(), old, v3, OpenVerifyCache(path, -time.Second), 1)
	if v3.calls.Load() != 1 || old[0].Verification.Status != "invalid" {
		t.Fatalf("expired cache entry not rechecked")
	}
}
