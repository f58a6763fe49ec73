package cli_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// verifiedFindings runs scan --verify -f json and returns each finding's
// verification.
func verifiedFindings(t *testing.T, args ...string) []struct {
	Status, Reason, Owner string
	Cached                bool
} {
	t.Helper()
	r := runCLI(t, "", append([]string{"scan", "-q", "--verify", "-f", "json"}, args...)...)
	if r.code != 1 {
		t.Fatalf("scan --verify: exit %d\n%s", r.code, r.stderr)
	}
	var out struct {
		Findings []struct {
			Verification *struct {
				Status, Reason, Owner string
				Cached                bool
			}
		}
	}
	if err := json.Unmarshal([]byte(r.stdout), &out); err != nil {
		t.Fatalf("%v\n%s", err, r.stdout)
	}
	var vs []struct {
		Status, Reason, Owner string
		Cached                bool
	}
	for _, f := range out.Findings {
		if f.Verification == nil {
			t.Fatalf("finding not verified: %s", r.stdout)
		}
		vs = append(vs, *f.Verification)
	}
	return vs
}

// TestVerifyCacheEndpointAndNoCache: an answer cached from the simulator
// never answers for another endpoint, and --no-cache asks again.
func TestVerifyCacheEndpointAndNoCache(t *testing.T) {
	url, toks := startSim(t)
	dir := t.TempDir()
	write(t, filepath.Join(dir, ".env"), "HF_TOKEN="+toks["sim-bob-read"]+"\n")
	cache := t.TempDir()

	if v := verifiedFindings(t, "--endpoint", url, "--cache-dir", cache, dir); v[0].Status != "live" || v[0].Cached {
		t.Fatalf("first run: %+v", v)
	}
	if v := verifiedFindings(t, "--endpoint", url, "--cache-dir", cache, dir); !v[0].Cached {
		t.Fatalf("second run not from the cache: %+v", v)
	}
	if v := verifiedFindings(t, "--endpoint", url, "--cache-dir", cache, "--no-cache", dir); v[0].Cached || v[0].Status != "live" {
		t.Fatalf("--no-cache answered from the cache: %+v", v)
	}
	// Another Hub, which does not know the token: the simulator's cached
	// "live" must not answer for it.
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusUnauthorized)
		_, _ = io.WriteString(w, `{"error":"Invalid credentials in Authorization header"}`) // a client that hung up fails on its side
	}))
	t.Cleanup(other.Close)
	if v := verifiedFindings(t, "--endpoint", other.URL, "--cache-dir", cache, dir); v[0].Cached || v[0].Status != "invalid" {
		t.Fatalf("another endpoint got the simulator's answer: %+v", v)
	}
}

// TestVerifyTimeout: a Hub that never answers holds scan --verify no longer
// than --verify-timeout; the tokens are unknown, saying why.
func TestVerifyTimeout(t *testing.T) {
	stuck := make(chan struct{})
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-stuck:
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(func() { close(stuck); slow.Close() })
	dir := t.TempDir()
	toks := fakeTokens(t, 77, 3)
	write(t, filepath.Join(dir, ".env"), "A="+toks[0]+"\nB="+toks[1]+"\nC="+toks[2]+"\n")
	start := time.Now()
	vs := verifiedFindings(t, "--endpoint", slow.URL, "--cache-dir", t.TempDir(), "--verify-timeout", "300ms", dir)
	if d := time.Since(start); d > 10*time.Second {
		t.Fatalf("scan took %s with --verify-timeout 300ms", d)
	}
	if len(vs) != 3 {
		t.Fatalf("%d findings", len(vs))
	}
	for _, v := range vs {
		if v.Status != "unknown" || v.Reason != "not checked: --verify-timeout 300ms passed" {
			t.Errorf("verification %+v", v)
		}
	}
	if r := runCLI(t, "", "scan", "--verify", "--verify-timeout", "0s", dir); r.code != 2 || !strings.Contains(r.stderr, "--verify-timeout") {
		t.Errorf("--verify-timeout 0: exit %d %s", r.code, r.stderr)
	}
}
