package cli_test

import (
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hfwarden/hfwarden/internal/hubsim"
)

// contender stands in front of the simulator as another client of the same
// account (or, for a revoked token, the same address) would: just before
// whoami-v2 requests reach the simulator it spends their whoami-v2 quota
// with a request of its own, so the simulator's own limiter answers 429
// with its Retry-After. It does so for the first storm requests, or for
// all of them when storm is negative.
type contender struct {
	sim *hubsim.Server

	mu      sync.Mutex
	storm   int
	refused int // whoami-v2 answers 429 the client got
	passed  int // whoami-v2 answers the client got that were not 429
}

func (c *contender) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/api/whoami-v2" {
		c.sim.ServeHTTP(w, r)
		return
	}
	c.mu.Lock()
	spend := c.storm != 0
	if c.storm > 0 {
		c.storm--
	}
	c.mu.Unlock()
	var rec *httptest.ResponseRecorder
	for {
		if spend {
			c.sim.ServeHTTP(httptest.NewRecorder(), r.Clone(r.Context()))
		}
		rec = httptest.NewRecorder()
		c.sim.ServeHTTP(rec, r)
		// A window that ended between the two requests gave the quota
		// back: spend it again, or the storm would have a gap.
		if !spend || rec.Code == http.StatusTooManyRequests {
			break
		}
	}
	c.mu.Lock()
	if rec.Code == http.StatusTooManyRequests {
		c.refused++
	} else {
		c.passed++
	}
	c.mu.Unlock()
	for k, v := range rec.Header() {
		w.Header()[k] = v
	}
	w.WriteHeader(rec.Code)
	_, _ = w.Write(rec.Body.Bytes())
}

func (c *contender) counts() (refused, passed int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.refused, c.passed
}

// stormSim serves the demo scenario with whoami-v2's quota at one request
// per one-second window, behind a contender.
func stormSim(t *testing.T, storm int) (string, *contender, map[string]string) {
	t.Helper()
	sc := hubsim.DemoScenario()
	c := &contender{sim: hubsim.New(sc, hubsim.Options{WhoamiLimit: 1, RateWindow: time.Second}), storm: storm}
	srv := httptest.NewServer(c)
	t.Cleanup(srv.Close)
	toks := map[string]string{}
	for _, tk := range sc.Tokens {
		toks[tk.DisplayName] = tk.Token
	}
	return srv.URL, c, toks
}

// TestRevokeConfirmedThroughRateLimits: whoami-v2 answering 429 (its own
// strict quota spent) does not stop revoke from proving containment: the
// client waits within Retry-After and the polling goes on until the 401.
// A storm that outlasts --timeout leaves the incident revoke-requested,
// its verification unknown, and the exit non-zero.
func TestRevokeConfirmedThroughRateLimits(t *testing.T) {
	for _, tc := range []struct {
		name      string
		storm     int
		timeout   string
		contained bool
	}{
		{"storm then 401", 6, "30s", true},
		{"storm longer than the timeout", -1, "2s", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			url, c, toks := stormSim(t, tc.storm)
			dir := t.TempDir()
			write(t, filepath.Join(dir, ".env"), "HF_TOKEN="+toks["sim-bob-read"]+"\n")
			dbArgs, ids := storedIncidents(t, dir)
			id := ids["hf-user-token"]
			r := runCLI(t, "", append([]string{"revoke", id, "--yes", "--skip-assess", "--endpoint", url, "--cache-dir", t.TempDir(), "--timeout", tc.timeout}, dbArgs...)...)
			refused, passed := c.counts()
			if refused < 2 {
				t.Fatalf("only %d whoami-v2 answers were 429: the storm did not happen", refused)
			}
			l := listIncidents(t, dbArgs)
			if len(l) != 1 || l[0].Verification == nil {
				t.Fatalf("incidents: %+v", l)
			}
			if tc.contained {
				if r.code != 0 || !strings.Contains(r.stdout, "contained at") || l[0].State != "contained" || l[0].Verification.Status != "invalid" {
					t.Fatalf("revoke through %d 429s: exit %d state %s\n%s\n%s", refused, r.code, l[0].State, r.stdout, r.stderr)
				}
				return
			}
			if passed != 0 {
				t.Fatalf("%d whoami-v2 answers got through the storm", passed)
			}
			// What the Hub last said is on record: rate-limited, not a
			// network failure of our own.
			if r.code != 2 || strings.Contains(r.stdout, "contained at") || !strings.Contains(r.stdout, "not confirmed") ||
				l[0].State != "revoke-requested" || l[0].Verification.Status != "unknown" || !strings.Contains(l[0].Verification.Reason, "rate-limited") {
				t.Fatalf("revoke in an endless storm: exit %d state %s verification %+v\n%s\n%s", r.code, l[0].State, l[0].Verification, r.stdout, r.stderr)
			}
		})
	}
}

// TestVerifyThroughRateLimits: scan --verify reaches "live" through 429s
// from whoami-v2's quota, and says "unknown", rate-limited, when the 429s
// do not stop.
func TestVerifyThroughRateLimits(t *testing.T) {
	for _, tc := range []struct {
		name, status, reason string
		storm                int
	}{
		{"two 429s then an answer", "live", "", 2},
		{"endless 429s", "unknown", "rate-limited", -1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			url, c, toks := stormSim(t, tc.storm)
			dir := t.TempDir()
			write(t, filepath.Join(dir, ".env"), "HF_TOKEN="+toks["sim-bob-read"]+"\n")
			vs := verifiedFindings(t, "--endpoint", url, "--cache-dir", t.TempDir(), dir)
			if refused, _ := c.counts(); refused < 2 {
				t.Fatalf("only %d whoami-v2 answers were 429", refused)
			}
			if len(vs) != 1 || vs[0].Status != tc.status || !strings.Contains(vs[0].Reason, tc.reason) {
				t.Fatalf("verification %+v, want %s (%q)", vs, tc.status, tc.reason)
			}
			if tc.status == "live" && vs[0].Owner != "bob" {
				t.Errorf("owner %q", vs[0].Owner)
			}
		})
	}
}

// setStorm changes how many whoami-v2 requests the contender starves from
// now on (negative: all).
func (c *contender) setStorm(n int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.storm = n
}

// TestRevokeKnownLiveThroughWhoamiStorm: when whoami-v2 answers only 429
// (the revoke endpoint is not limited), a token already verified live is
// revoked without its blast-radius snapshot, loudly and with a note on
// its record; a token nothing shows live is not, and the refusal names
// the rate limit.
func TestRevokeKnownLiveThroughWhoamiStorm(t *testing.T) {
	for _, tc := range []struct {
		name    string
		verify  bool // verified live by the scan, before the storm
		revoked bool
	}{
		{"verified live", true, true},
		{"never verified", false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			url, c, toks := stormSim(t, 0)
			dir := t.TempDir()
			write(t, filepath.Join(dir, ".env"), "HF_TOKEN="+toks["sim-bob-read"]+"\n")
			var extra []string
			if tc.verify {
				extra = []string{"--verify", "--endpoint", url, "--cache-dir", t.TempDir()}
			}
			dbArgs, ids := storedIncidents(t, dir, extra...)
			id := ids["hf-user-token"]
			if l := listIncidents(t, dbArgs); len(l) != 1 || (l[0].Verification != nil && l[0].Verification.Status == "live") != tc.verify {
				t.Fatalf("before the storm: %+v", l)
			}
			c.setStorm(-1)
			r := runCLI(t, "", append([]string{"revoke", id, "--yes", "--endpoint", url, "--cache-dir", t.TempDir(), "--timeout", "8s"}, dbArgs...)...)
			if refused, passed := c.counts(); refused < 2 || passed > 1 {
				t.Fatalf("whoami-v2: %d answers 429, %d others: the storm did not happen", refused, passed)
			}
			l := listIncidents(t, dbArgs)
			if r.code != 2 || len(l) != 1 {
				t.Fatalf("exit %d, incidents %+v\n%s\n%s", r.code, l, r.stdout, r.stderr)
			}
			if !tc.revoked {
				if l[0].State == "revoke-requested" || !strings.Contains(r.stderr, "nothing revoked: the blast-radius snapshot failed") ||
					!strings.Contains(r.stderr, "rate-limited") || !strings.Contains(r.stderr, "--skip-assess") {
					t.Fatalf("state %s\n%s\n%s", l[0].State, r.stdout, r.stderr)
				}
				return
			}
			if l[0].State != "revoke-requested" || !strings.Contains(r.stderr, "WARNING: #"+id+": revoked without a blast-radius snapshot") ||
				!strings.Contains(r.stderr, "rate-limited") || strings.Contains(r.stderr, "nothing revoked") {
				t.Fatalf("state %s\n%s\n%s", l[0].State, r.stdout, r.stderr)
			}
			noted := false
			for _, ev := range showIncident(t, dbArgs, id).Events {
				noted = noted || strings.Contains(ev.Message, "revoked without a blast-radius snapshot")
			}
			if !noted {
				t.Errorf("no note on the incident's record that it was revoked without a snapshot")
			}
			// The revocation reached the Hub: once the storm is over,
			// whoami-v2 answers 401.
			c.setStorm(0)
			time.Sleep(time.Second) // the quota window the storm spent
			if vs := verifiedFindings(t, "--endpoint", url, "--cache-dir", t.TempDir(), dir); len(vs) != 1 || vs[0].Status != "invalid" {
				t.Errorf("after the storm: %+v", vs)
			}
		})
	}
}
