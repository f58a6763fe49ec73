package cli_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hfwarden/hfwarden/internal/hubsim"
	"github.com/hfwarden/hfwarden/internal/secret"
)

// Linked secrets of the shapes the detector knows (not real keys).
const (
	testGitHubPAT = "ghp_VdD53X83RZJzzzzgEOzdmenCkhvMdgaKjIg8"
	testOpenAIKey = "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"
)

// wire records everything sent to a server: headers and bodies.
type wire struct {
	mu   sync.Mutex
	seen []string
}

func (w *wire) wrap(h http.Handler) http.Handler {
	return http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(b))
		w.mu.Lock()
		w.seen = append(w.seen, r.Method+" "+r.URL.Path+"\n"+r.Header.Get("Authorization")+"\n"+string(b))
		w.mu.Unlock()
		h.ServeHTTP(rw, r)
	})
}

// holds reports whether any request carried s.
func (w *wire) holds(s string) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, x := range w.seen {
		if strings.Contains(x, s) {
			return true
		}
	}
	return false
}

func (w *wire) count() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return len(w.seen)
}

// recordedSim serves the demo scenario behind a wire.
func recordedSim(t *testing.T) (string, *hubsim.Server, *wire, map[string]string) {
	t.Helper()
	sc := hubsim.DemoScenario()
	sim := hubsim.New(sc, hubsim.Options{RateLimit: -1})
	w := &wire{}
	srv := httptest.NewServer(w.wrap(sim))
	t.Cleanup(srv.Close)
	toks := map[string]string{}
	for _, tk := range sc.Tokens {
		toks[tk.DisplayName] = tk.Token
	}
	return srv.URL, sim, w, toks
}

// storedIncidents scans dir into a fresh store and returns the store
// flags and the incident ids by rule.
func storedIncidents(t *testing.T, dir string, extra ...string) ([]string, map[string]string) {
	t.Helper()
	dbArgs := []string{"--db", filepath.Join(t.TempDir(), "h.db"), "--key-file", filepath.Join(t.TempDir(), "h.key")}
	r := runCLI(t, "", append(append([]string{"scan", "--store", "-q"}, extra...), append(dbArgs, dir)...)...)
	if r.code != 1 {
		t.Fatalf("scan --store: exit %d %s", r.code, r.stderr)
	}
	ids := map[string]string{}
	for _, in := range listIncidents(t, dbArgs) {
		ids[in.Rule] = strconv.FormatInt(in.ID, 10)
	}
	return dbArgs, ids
}

type listed struct {
	ID           int64
	Rule, State  string
	Owner        string
	Verification *struct{ Status, Reason string }
}

func listIncidents(t *testing.T, dbArgs []string, filter ...string) []listed {
	t.Helper()
	r := runCLI(t, "", append(append([]string{"incidents", "list", "-f", "json"}, filter...), dbArgs...)...)
	var out []listed
	if r.code != 0 || json.Unmarshal([]byte(r.stdout), &out) != nil {
		t.Fatalf("incidents list: exit %d %s %s", r.code, r.stdout, r.stderr)
	}
	return out
}

type shownIncident struct {
	Incident struct {
		State       string
		Owner       string
		Severity    string
		ContainedAt *string `json:"contained_at"`
		Assessment  *struct {
			Status string
			Repos  []json.RawMessage
		}
	}
	Events []struct{ Kind, Message string }
}

func showIncident(t *testing.T, dbArgs []string, id string) shownIncident {
	t.Helper()
	r := runCLI(t, "", append([]string{"incidents", "show", id, "-f", "json"}, dbArgs...)...)
	var s shownIncident
	if r.code != 0 || json.Unmarshal([]byte(r.stdout), &s) != nil {
		t.Fatalf("show %s: exit %d %s", id, r.code, r.stderr)
	}
	return s
}

// TestSecretsOnlyToTheirIssuer: revoke and assess --incident never send a
// GitHub or OpenAI secret to the Hub, nor call them contained; revoke says
// where to rotate them, and --github sends GitHub tokens to GitHub only
// after its own question, leaving them revoke-requested.
func TestSecretsOnlyToTheirIssuer(t *testing.T) {
	url, _, hubWire, toks := recordedSim(t)
	dir := t.TempDir()
	write(t, filepath.Join(dir, ".env"), "HF_TOKEN="+toks["sim-bob-read"]+"\nGITHUB_TOKEN="+testGitHubPAT+"\nOPENAI_API_KEY="+testOpenAIKey+"\n")
	dbArgs, ids := storedIncidents(t, dir)
	gh, oa := ids["github-token"], ids["openai-api-key"]
	if gh == "" || oa == "" || ids["hf-user-token"] == "" {
		t.Fatalf("incidents %v", ids)
	}
	ghWire := &wire{}
	ghAPI := httptest.NewServer(ghWire.wrap(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusAccepted)
	})))
	t.Cleanup(ghAPI.Close)
	hubArgs := append([]string{"--endpoint", url, "--cache-dir", t.TempDir(), "--timeout", "2s"}, dbArgs...)

	// assess --incident refuses, sending nothing.
	for _, id := range []string{gh, oa} {
		r := runCLI(t, "", append([]string{"assess", "--incident", id, "--endpoint", url}, dbArgs...)...)
		if r.code != 2 || !strings.Contains(r.stderr, "not sent to the Hub") || strings.Count(strings.TrimSpace(r.stderr), "\n") != 0 {
			t.Errorf("assess --incident %s: exit %d\n%s", id, r.code, r.stderr)
		}
	}
	if r := runCLI(t, "", append([]string{"assess", "--incident", oa, "--endpoint", url}, dbArgs...)...); !strings.Contains(r.stderr, "platform.openai.com/api-keys") {
		t.Errorf("no rotation hint for OpenAI: %s", r.stderr)
	}
	// Nor is a linked secret given on standard input sent.
	for _, sec := range []string{testGitHubPAT, testOpenAIKey} {
		if r := runCLI(t, sec+"\n", "assess", "--endpoint", url); r.code != 2 || !strings.Contains(r.stderr, "not a Hugging Face token") || strings.Contains(r.stderr, sec) {
			t.Errorf("assess of a %.6s… secret: exit %d %s", sec, r.code, r.stderr)
		}
	}

	// revoke refuses, saying where to rotate each.
	r := runCLI(t, "", append([]string{"revoke", gh, oa, "--yes"}, hubArgs...)...)
	if r.code != 2 || !strings.Contains(r.stdout, "not revoked (2)") || !strings.Contains(r.stdout, "github.com/settings/tokens") ||
		!strings.Contains(r.stdout, "platform.openai.com/api-keys") || !strings.Contains(r.stderr, "rotate them at their issuer") {
		t.Fatalf("revoke of linked secrets: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	// --yes does not answer GitHub's question.
	r = runCLI(t, "n\n", append([]string{"revoke", gh, "--yes", "--github", "--github-api", ghAPI.URL}, hubArgs...)...)
	if r.code != 2 || !strings.Contains(r.stderr, "send these 1 GitHub tokens to "+ghAPI.URL+"/credentials/revoke?") || ghWire.count() != 0 {
		t.Fatalf("unconfirmed GitHub revoke: exit %d (%d requests to GitHub)\n%s\n%s", r.code, ghWire.count(), r.stdout, r.stderr)
	}
	if r := runCLI(t, "", append([]string{"revoke", gh, "--yes-github"}, hubArgs...)...); r.code != 2 || !strings.Contains(r.stderr, "--yes-github needs --github") {
		t.Errorf("--yes-github alone: exit %d %s", r.code, r.stderr)
	}
	for _, in := range listIncidents(t, dbArgs) {
		if in.State != "open" {
			t.Errorf("#%d (%s) moved to %s without being revoked", in.ID, in.Rule, in.State)
		}
	}

	r = runCLI(t, "", append([]string{"revoke", gh, "--github", "--yes-github", "--github-api", ghAPI.URL}, hubArgs...)...)
	if r.code != 2 || !strings.Contains(r.stdout, "revoke-requested at GitHub, not contained") || !strings.Contains(r.stderr, "gives no proof") {
		t.Fatalf("GitHub revoke: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	if ghWire.count() != 1 || !ghWire.holds(`{"credentials":["`+testGitHubPAT+`"]}`) || ghWire.holds("Bearer") || !ghWire.holds("POST /credentials/revoke") {
		t.Fatalf("GitHub got %v", ghWire.seen)
	}
	s := showIncident(t, dbArgs, gh)
	if s.Incident.State != "revoke-requested" || s.Incident.ContainedAt != nil {
		t.Fatalf("GitHub incident: %+v", s.Incident)
	}
	if last := s.Events[len(s.Events)-1]; !strings.Contains(last.Message, "no proof") {
		t.Errorf("the event log does not say GitHub gives no proof: %+v", last)
	}
	// hfwarden cannot prove a GitHub revocation: the person closing it
	// states GitHub's confirmation, which is recorded as such.
	if r := runCLI(t, "", append([]string{"incidents", "resolve", gh, "--as", "resolved"}, dbArgs...)...); r.code != 2 || !strings.Contains(r.stderr, "the issuer's confirmation") {
		t.Errorf("resolve of a GitHub incident without a reason: exit %d %s", r.code, r.stderr)
	}
	if r := runCLI(t, "", append([]string{"incidents", "resolve", gh, "--as", "resolved", "--reason", "confirmed at github"}, dbArgs...)...); r.code != 0 {
		t.Fatalf("resolve of a revoke-requested GitHub incident: exit %d %s", r.code, r.stderr)
	}
	s = showIncident(t, dbArgs, gh)
	if last := s.Events[len(s.Events)-1]; s.Incident.State != "resolved" || !strings.Contains(last.Message, "confirmed at the issuer (GitHub): confirmed at github") {
		t.Errorf("resolved GitHub incident: %s, last event %+v", s.Incident.State, last)
	}
	if ghWire.holds(testOpenAIKey) || ghWire.holds(toks["sim-bob-read"]) {
		t.Error("GitHub got a secret it did not issue")
	}
	for _, sec := range []string{testGitHubPAT, testOpenAIKey} {
		if hubWire.holds(sec) {
			t.Errorf("the Hub got a %.6s… secret", sec)
		}
	}
	if strings.Contains(r.stdout+r.stderr, testGitHubPAT) {
		t.Error("the GitHub token was printed")
	}
}

// TestRevokeSnapshotsFirst: a token never assessed gets its blast-radius
// snapshot before revocation, the verification cache forgets it, and
// assess --incident afterwards says it is dead, points to the snapshot and
// keeps it.
func TestRevokeSnapshotsFirst(t *testing.T) {
	url, _, _, toks := recordedSim(t)
	tok := toks["sim-alice-write"]
	dir := t.TempDir()
	write(t, filepath.Join(dir, ".env"), "HF_TOKEN="+tok+"\n")
	cache := t.TempDir()
	dbArgs, ids := storedIncidents(t, dir, "--verify", "--endpoint", url, "--cache-dir", cache)
	id := ids["hf-user-token"]
	fp := secret.Fingerprint(tok)
	if b, _ := os.ReadFile(filepath.Join(cache, "verify.json")); !strings.Contains(string(b), fp) {
		t.Fatalf("the scan cached nothing for the token: %s", b)
	}
	// The owner --verify found is the incident's owner.
	if l := listIncidents(t, dbArgs, "--owner", "alice"); len(l) != 1 || l[0].Owner != "alice" {
		t.Fatalf("--owner alice after scan --verify: %+v", l)
	}
	if s := showIncident(t, dbArgs, id); s.Incident.Assessment != nil {
		t.Fatal("assessed before revoke")
	}

	r := runCLI(t, "", append([]string{"revoke", id, "--yes", "--endpoint", url, "--cache-dir", cache, "--timeout", "10s"}, dbArgs...)...)
	if r.code != 0 || !strings.Contains(r.stdout, "snapshot before revocation") || !strings.Contains(r.stdout, "contained at") {
		t.Fatalf("revoke: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	s := showIncident(t, dbArgs, id)
	if a := s.Incident.Assessment; a == nil || a.Status != "live" || len(a.Repos) == 0 || s.Incident.Severity != "critical" || s.Incident.State != "contained" {
		t.Fatalf("after revoke: %+v", s.Incident)
	}
	if b, _ := os.ReadFile(filepath.Join(cache, "verify.json")); strings.Contains(string(b), fp) {
		t.Fatalf("the verification cache still answers for the revoked token: %s", b)
	}
	repos := len(s.Incident.Assessment.Repos)

	for _, format := range []string{"text", "json"} {
		r = runCLI(t, "", append([]string{"assess", "--incident", id, "--endpoint", url, "-f", format}, dbArgs...)...)
		if r.code != 1 || !strings.Contains(r.stderr, "the token is dead (contained at") {
			t.Fatalf("assess --incident on a dead token (%s): exit %d\n%s\n%s", format, r.code, r.stdout, r.stderr)
		}
	}
	r = runCLI(t, "", append([]string{"assess", "--incident", id, "--endpoint", url}, dbArgs...)...)
	if !strings.Contains(r.stdout, "is dead") || !strings.Contains(r.stdout, "severity CRITICAL") || !strings.Contains(r.stdout, "hfwarden incidents show "+id) ||
		strings.Contains(r.stdout, "severity: NONE") {
		t.Fatalf("dead token text:\n%s", r.stdout)
	}
	if s := showIncident(t, dbArgs, id); s.Incident.Assessment == nil || len(s.Incident.Assessment.Repos) != repos || s.Incident.Severity != "critical" {
		t.Fatalf("the stored snapshot was overwritten: %+v", s.Incident)
	}
}

// TestRevokeSkipAssess: --skip-assess revokes without a snapshot, warning
// on stderr.
func TestRevokeSkipAssess(t *testing.T) {
	url, _, _, toks := recordedSim(t)
	dir := t.TempDir()
	write(t, filepath.Join(dir, ".env"), "HF_TOKEN="+toks["sim-bob-read"]+"\n")
	dbArgs, ids := storedIncidents(t, dir)
	id := ids["hf-user-token"]
	r := runCLI(t, "", append([]string{"revoke", id, "--yes", "--skip-assess", "--endpoint", url, "--cache-dir", t.TempDir(), "--timeout", "10s"}, dbArgs...)...)
	if r.code != 0 || !strings.Contains(r.stderr, "warning: --skip-assess: no blast-radius snapshot of #"+id) || strings.Contains(r.stdout, "snapshot before") {
		t.Fatalf("revoke --skip-assess: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	if s := showIncident(t, dbArgs, id); s.Incident.Assessment != nil || s.Incident.State != "contained" {
		t.Fatalf("after revoke --skip-assess: %+v", s.Incident)
	}
	r = runCLI(t, "", append([]string{"assess", "--incident", id, "--endpoint", url}, dbArgs...)...)
	if r.code != 1 || !strings.Contains(r.stdout, "no blast-radius snapshot was taken") {
		t.Fatalf("assess of a dead token without a snapshot: exit %d\n%s", r.code, r.stdout)
	}
}

// TestRevokeProofOnlyFromTheEndpoint: when whoami-v2 is redirected to
// another origin (which rejects every token), the revocation is not
// confirmed and the incident is not contained.
func TestRevokeProofOnlyFromTheEndpoint(t *testing.T) {
	sc := hubsim.DemoScenario()
	sim := hubsim.New(sc, hubsim.Options{RateLimit: -1})
	elsewhere := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusUnauthorized)
		_, _ = io.WriteString(w, `{"error":"Invalid credentials in Authorization header"}`) // a client that hung up fails on its side
	}))
	t.Cleanup(elsewhere.Close)
	redirectWhoami := false
	var mu sync.Mutex
	hub := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		redirect := redirectWhoami
		mu.Unlock()
		if redirect && r.URL.Path == "/api/whoami-v2" {
			http.Redirect(w, r, elsewhere.URL+r.URL.Path, http.StatusFound)
			return
		}
		sim.ServeHTTP(w, r)
	}))
	t.Cleanup(hub.Close)
	var tok string
	for _, tk := range sc.Tokens {
		if tk.DisplayName == "sim-bob-read" {
			tok = tk.Token
		}
	}
	dir := t.TempDir()
	write(t, filepath.Join(dir, ".env"), "HF_TOKEN="+tok+"\n")
	dbArgs, ids := storedIncidents(t, dir)
	id := ids["hf-user-token"]
	mu.Lock()
	redirectWhoami = true
	mu.Unlock()
	r := runCLI(t, "", append([]string{"revoke", id, "--yes", "--skip-assess", "--endpoint", hub.URL, "--cache-dir", t.TempDir(), "--timeout", "1s"}, dbArgs...)...)
	if r.code != 2 || strings.Contains(r.stdout, "contained at") || !strings.Contains(r.stdout, "not confirmed") {
		t.Fatalf("revoke with a redirected whoami: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	if s := showIncident(t, dbArgs, id); s.Incident.State != "revoke-requested" || s.Incident.ContainedAt != nil {
		t.Fatalf("incident moved on an answer from elsewhere: %+v", s.Incident)
	}
}

// TestResolveGuards: a live, uncontained token's incident is not closed
// without --force --reason; --as audited needs a stored audit.
func TestResolveGuards(t *testing.T) {
	url, toks := startSim(t)
	dir := t.TempDir()
	write(t, filepath.Join(dir, ".env"), "HF_TOKEN="+toks["sim-bob-read"]+"\n")
	dbArgs, ids := storedIncidents(t, dir, "--verify", "--endpoint", url, "--cache-dir", t.TempDir())
	id := ids["hf-user-token"]
	for _, tc := range []struct {
		name   string
		args   []string
		code   int
		stderr string
		state  string
	}{
		{"resolve live", []string{"--as", "resolved"}, 2, "last verified live", "open"},
		{"false-positive live", []string{"--as", "false-positive", "--reason", "test key"}, 2, "last verified live", "open"},
		{"force without reason", []string{"--force"}, 2, "--force needs --reason", "open"},
		{"accepted risk", []string{"--as", "accepted-risk", "--reason", "kept on purpose"}, 0, "", "accepted-risk"},
		{"reopen", []string{"--as", "open"}, 0, "", "open"},
		{"forced", []string{"--force", "--reason", "owner rotated it by hand"}, 0, "", "resolved"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := runCLI(t, "", append(append([]string{"incidents", "resolve", id}, tc.args...), dbArgs...)...)
			if r.code != tc.code || !strings.Contains(r.stderr, tc.stderr) {
				t.Fatalf("exit %d, want %d\n%s", r.code, tc.code, r.stderr)
			}
			if s := showIncident(t, dbArgs, id); s.Incident.State != tc.state {
				t.Fatalf("state %s, want %s", s.Incident.State, tc.state)
			}
		})
	}
	if s := showIncident(t, dbArgs, id); !strings.Contains(s.Events[len(s.Events)-1].Message, "forced while the token was last verified live: owner rotated it by hand") {
		t.Errorf("the forced close does not say so: %+v", s.Events[len(s.Events)-1])
	}

	// Contained, the incident may close; audited only once audited.
	if r := runCLI(t, "", append([]string{"incidents", "resolve", id, "--as", "open"}, dbArgs...)...); r.code != 0 {
		t.Fatalf("reopen: %s", r.stderr)
	}
	if r := runCLI(t, "", append([]string{"revoke", id, "--yes", "--endpoint", url, "--cache-dir", t.TempDir(), "--timeout", "10s"}, dbArgs...)...); r.code != 0 {
		t.Fatalf("revoke: exit %d %s %s", r.code, r.stdout, r.stderr)
	}
	if r := runCLI(t, "", append([]string{"incidents", "resolve", id, "--as", "audited"}, dbArgs...)...); r.code != 2 || !strings.Contains(r.stderr, "no audit stored: run hfwarden audit "+id) {
		t.Fatalf("audited without an audit: exit %d %s", r.code, r.stderr)
	}
	// The token is dead: the audit cannot check everything (exit 2), yet
	// it is stored.
	if r := runCLI(t, "", append([]string{"audit", id, "--endpoint", url, "--since", time.Now().UTC().Add(-time.Hour).Format(time.RFC3339)}, dbArgs...)...); !strings.Contains(r.stdout, "audit of") {
		t.Fatalf("audit: exit %d %s %s", r.code, r.stdout, r.stderr)
	}
	// An audit that checked no repository does not make it audited.
	if r := runCLI(t, "", append([]string{"incidents", "resolve", id, "--as", "audited"}, dbArgs...)...); r.code != 2 || !strings.Contains(r.stderr, "checked no repository") {
		t.Fatalf("audited after an audit of nothing: exit %d %s", r.code, r.stderr)
	}
}

// fake401 answers every GET with 401 and every POST with 202: a Hub that
// never saw the token, or that rejects every token.
func fake401(t *testing.T) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPost {
			w.WriteHeader(http.StatusAccepted)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusUnauthorized)
		_, _ = io.WriteString(w, `{"error":"Invalid credentials in Authorization header"}`) // a client that hung up fails on its side
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

// TestRevokeContainsOnlyWhereLive: a 401 of an endpoint at which the token
// was never live (or that rejected it before the request) does not contain
// the incident; a live answer after containment re-opens it, so that
// revoke and --all-live act on it again.
func TestRevokeContainsOnlyWhereLive(t *testing.T) {
	for _, tc := range []struct {
		name  string
		extra []string
		why   string
	}{
		// The snapshot asks the fake Hub first, which answers 401.
		{"snapshot", nil, "rejected the token before the revocation"},
		{"skip-assess", []string{"--skip-assess"}, "rejected the token before the revocation"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			url, sim, _, toks := recordedSim(t)
			fake := fake401(t)
			tok := toks["sim-alice-write"]
			dir := t.TempDir()
			write(t, filepath.Join(dir, ".env"), "HF_TOKEN="+tok+"\n")
			dbArgs, ids := storedIncidents(t, dir, "--verify", "--endpoint", url, "--cache-dir", t.TempDir())
			id := ids["hf-user-token"]

			r := runCLI(t, "", append(append([]string{"revoke", id, "--yes", "--endpoint", fake, "--timeout", "3s"}, tc.extra...), dbArgs...)...)
			if r.code != 2 || !strings.Contains(r.stdout, "#"+id+" not contained: the Hub at "+fake+" "+tc.why) ||
				!strings.Contains(r.stdout, "verified live at "+url) || strings.Contains(r.stdout, "contained at") {
				t.Fatalf("revoke at a Hub that never saw it live: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
			}
			if s := showIncident(t, dbArgs, id); s.Incident.State != "revoke-requested" || s.Incident.ContainedAt != nil {
				t.Fatalf("after a 401 that proves nothing: %+v", s.Incident)
			}
			if sim.Revoked(tok) {
				t.Fatal("the simulator revoked the token")
			}
			// A Hugging Face incident is not closed without proof.
			if r := runCLI(t, "", append([]string{"incidents", "resolve", id, "--as", "resolved"}, dbArgs...)...); r.code != 2 || !strings.Contains(r.stderr, "hfwarden revoke "+id) {
				t.Fatalf("resolve without proof: exit %d %s", r.code, r.stderr)
			}
			// --all-live still finds it; revoking where it was live contains it.
			r = runCLI(t, "", append([]string{"revoke", "--all-live", "--yes", "--endpoint", url, "--timeout", "5s"}, dbArgs...)...)
			if r.code != 0 || !strings.Contains(r.stdout, "#"+id+" contained at") {
				t.Fatalf("revoke where it was live: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
			}

			// Live again after containment (another Hub where the token
			// still works): the incident re-opens.
			other, _, _, _ := recordedSim(t)
			if r := runCLI(t, "", append([]string{"scan", "--store", "-q", "--verify", "--endpoint", other, "--cache-dir", t.TempDir()}, append(dbArgs, dir)...)...); r.code != 1 {
				t.Fatalf("scan --verify at another Hub: exit %d %s", r.code, r.stderr)
			}
			s := showIncident(t, dbArgs, id)
			if s.Incident.State != "open" || s.Incident.ContainedAt != nil ||
				!strings.Contains(s.Events[len(s.Events)-1].Message, "verified live again at "+other+" after containment") {
				t.Fatalf("live after containment: %+v, last event %+v", s.Incident, s.Events[len(s.Events)-1])
			}
			if r := runCLI(t, "", append([]string{"report", id, "--format", "md"}, dbArgs...)...); r.code != 0 || strings.Contains(r.stdout, "revoked and confirmed") {
				t.Fatalf("report of a re-opened incident: exit %d\n%s", r.code, r.stdout)
			}
			r = runCLI(t, "", append([]string{"revoke", "--all-live", "--yes", "--endpoint", other, "--timeout", "5s"}, dbArgs...)...)
			if r.code != 0 || !strings.Contains(r.stdout, "#"+id+" contained at") {
				t.Fatalf("revoke after re-opening: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
			}
		})
	}
}
