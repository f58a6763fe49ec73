package cli_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestTokenOnlyWhenHuggingFace: every command that reads a token sends it
// to the Hub only when the detector recognises it, whole, as a Hugging
// Face credential; anything else (a secret of an issuer with no rule, too)
// is refused with exit 2, nothing sent and nothing echoed.
func TestTokenOnlyWhenHuggingFace(t *testing.T) {
	w := &wire{}
	srv := httptest.NewServer(w.wrap(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		rw.Header().Set("Content-Type", "application/json")
		_, _ = rw.Write([]byte(`{"type":"user","name":"alice"}`)) // a client that hung up fails on its side
	})))
	t.Cleanup(srv.Close)
	// Shapes of Slack, Stripe, Google and GitLab keys (not real ones),
	// a GitHub token (a rule of another issuer) and a word.
	foreign := []string{
		"xoxb-" + "2048" + "1234567890-0987654321098-AbCdEfGhIjKlMnOpQrStUvWx",
		"sk_live_" + "4eC39HqLyjWDarjtT1zdp7dcAbCdEf",
		"AIza" + "SyD-9tSrke72PouQMnMX-a7eZSW0jkFMBWY",
		"glpat-" + "xYz12AbCdEfGhIjKlMnO",
		testGitHubPAT,
		"password123",
	}
	dir := t.TempDir()
	tokFile := filepath.Join(dir, "tok")
	for _, sec := range foreign {
		write(t, tokFile, sec+"\n")
		for _, args := range [][]string{
			{"assess", "--endpoint", srv.URL},
			{"assess", "--endpoint", srv.URL, "--token-file", tokFile},
			{"audit", "--since", "2026-01-01T00:00:00Z", "--endpoint", srv.URL, "--db", filepath.Join(dir, "none.db")},
			{"pin", "acme/model", "--endpoint", srv.URL, "--token-file", tokFile, "--db", filepath.Join(dir, "none.db")},
			{"verify-pin", "acme/model", "--endpoint", srv.URL, "--token-file", tokFile, "--db", filepath.Join(dir, "none.db")},
		} {
			r := runCLI(t, sec+"\n", args...)
			if r.code != 2 || strings.Contains(r.stdout+r.stderr, sec) || !strings.Contains(r.stderr, "not sent to the Hub") {
				t.Errorf("%s with a %.5s… secret: exit %d\n%s%s", args[0], sec, r.code, r.stdout, r.stderr)
			}
		}
	}
	if n := w.count(); n != 0 {
		t.Fatalf("%d requests reached the endpoint: %v", n, w.seen)
	}
	// $HF_TOKEN, which pin falls back to, is checked the same way.
	t.Setenv("HF_TOKEN", foreign[0])
	if r := runCLI(t, "", "pin", "acme/model", "--endpoint", srv.URL, "--db", filepath.Join(dir, "none.db")); r.code != 2 || strings.Contains(r.stderr, foreign[0]) {
		t.Errorf("pin with a foreign $HF_TOKEN: exit %d %s", r.code, r.stderr)
	}
	if err := os.Unsetenv("HF_TOKEN"); err != nil {
		t.Fatal(err)
	}
	if n := w.count(); n != 0 {
		t.Fatalf("%d requests reached the endpoint: %v", n, w.seen)
	}
	// A Hugging Face token does go.
	tok := fakeTokens(t, 41, 1)[0]
	if r := runCLI(t, tok+"\n", "assess", "--endpoint", srv.URL, "--rate", "100"); w.count() == 0 {
		t.Errorf("a Hugging Face token was not sent: exit %d %s", r.code, r.stderr)
	}
}

// TestNoStoreCreatedByIncidentCommands: the commands that work on
// recorded incidents, given a store that does not exist, say so (exit 2)
// and create nothing: neither the database nor a key.
func TestNoStoreCreatedByIncidentCommands(t *testing.T) {
	for _, args := range [][]string{
		{"revoke", "--all-live", "--dry-run"},
		{"revoke", "1", "--yes"},
		{"audit", "1", "--since", "2026-01-01T00:00:00Z"},
		{"assess", "--incident", "1"},
		{"incidents", "note", "1", "-m", "x"},
		{"incidents", "assign", "1", "bob"},
		{"incidents", "resolve", "1"},
		{"incidents", "show", "1"},
		{"verify-pin", "--store"},
	} {
		t.Run(strings.Join(args[:2], " "), func(t *testing.T) {
			dir := t.TempDir()
			db := filepath.Join(dir, "sub", "rN.db")
			args = append(args, "--db", db)
			if args[0] != "incidents" {
				args = append(args, "--endpoint", "http://127.0.0.1:1")
			}
			r := runCLI(t, "", args...)
			if r.code != 2 || !strings.Contains(r.stderr, "no store at "+db+"; run `hfwarden scan --store` first") {
				t.Errorf("exit %d\n%s", r.code, r.stderr)
			}
			ents, _ := os.ReadDir(dir)
			if len(ents) != 0 {
				t.Errorf("created %v", ents)
			}
		})
	}
}

// TestContainedOnlyByRevoke: incidents resolve never states contained or
// revoke-requested (only revoke does, on the Hub's answers), so a live
// token's incident cannot be walked past the live guard.
func TestContainedOnlyByRevoke(t *testing.T) {
	url, toks := startSim(t)
	dir := t.TempDir()
	write(t, filepath.Join(dir, "a.py"), "HF_TOKEN = \""+toks["sim-alice-write"]+"\"\n")
	dbArgs, ids := storedIncidents(t, dir, "--verify", "--endpoint", url, "--cache-dir", t.TempDir())
	id := ids["hf-user-token"]
	for _, tc := range []struct {
		args   []string
		stderr string
	}{
		{[]string{"--as", "contained"}, "only hfwarden revoke moves an incident to contained"},
		{[]string{"--as", "contained", "--force", "--reason", "x"}, "only hfwarden revoke"},
		{[]string{"--as", "revoke-requested"}, "only hfwarden revoke moves an incident to revoke-requested"},
		{[]string{"--as", "false-positive", "--reason", "x"}, "last verified live (at " + url},
		{[]string{}, "last verified live"},
	} {
		r := runCLI(t, "", append(append([]string{"incidents", "resolve", id}, tc.args...), dbArgs...)...)
		if r.code != 2 || !strings.Contains(r.stderr, tc.stderr) {
			t.Errorf("resolve %v: exit %d\n%s", tc.args, r.code, r.stderr)
		}
		if s := showIncident(t, dbArgs, id); s.Incident.State != "open" || s.Incident.ContainedAt != nil {
			t.Fatalf("resolve %v moved the incident: %+v", tc.args, s.Incident)
		}
	}
	r := runCLI(t, "", append([]string{"report", id, "-f", "md"}, dbArgs...)...)
	if strings.Contains(r.stdout, ": the token no longer works\n") || !strings.Contains(r.stdout, "**Containment confirmed** — —: not confirmed") {
		t.Errorf("the report says contained:\n%s", r.stdout)
	}
}

// TestLiveGuardPerEndpoint: a live answer of one endpoint is not erased by
// a later unknown answer, nor by another endpoint's answers (even 401s):
// resolve still refuses, revoke --all-live still picks the incident, and
// incidents show names the endpoints.
func TestLiveGuardPerEndpoint(t *testing.T) {
	url, toks := startSim(t)
	empty := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{}`)) // a client that hung up fails on its side
	}))
	t.Cleanup(empty.Close)
	rejects := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusUnauthorized)
		_, _ = w.Write([]byte(`{"error":"Invalid credentials in Authorization header"}`)) // a client that hung up fails on its side
	}))
	t.Cleanup(rejects.Close)
	dir := t.TempDir()
	write(t, filepath.Join(dir, "a.py"), "HF_TOKEN = \""+toks["sim-alice-write"]+"\"\n")
	dbArgs, ids := storedIncidents(t, dir, "--verify", "--endpoint", url, "--cache-dir", t.TempDir())
	id := ids["hf-user-token"]
	for _, other := range []struct{ url, status string }{{empty.URL, "unknown"}, {rejects.URL, "invalid"}} {
		r := runCLI(t, "", append([]string{"scan", "--store", "-q", "--verify", "--no-cache", "--endpoint", other.url, dir}, dbArgs...)...)
		if r.code != 1 {
			t.Fatalf("rescan at %s: exit %d %s", other.url, r.code, r.stderr)
		}
		r = runCLI(t, "", append([]string{"incidents", "resolve", id}, dbArgs...)...)
		if r.code != 2 || !strings.Contains(r.stderr, "last verified live (at "+url) {
			t.Fatalf("resolve after an %s answer of %s: exit %d %s", other.status, other.url, r.code, r.stderr)
		}
		r = runCLI(t, "", append([]string{"revoke", "--all-live", "--dry-run"}, dbArgs...)...)
		if r.code != 0 || !strings.Contains(r.stdout, "#"+id+" ") {
			t.Fatalf("revoke --all-live after an %s answer: exit %d %s %s", other.status, r.code, r.stdout, r.stderr)
		}
		r = runCLI(t, "", append([]string{"incidents", "show", id, "-f", "json"}, dbArgs...)...)
		var s struct {
			Incident struct {
				Verification struct{ Status, Endpoint string }
			}
			LiveAt []struct{ Status, Endpoint string } `json:"live_at"`
		}
		if err := json.Unmarshal([]byte(r.stdout), &s); err != nil {
			t.Fatal(err)
		}
		if v := s.Incident.Verification; v.Status != other.status || v.Endpoint != other.url {
			t.Errorf("latest verification %+v, want %s at %s", v, other.status, other.url)
		}
		if len(s.LiveAt) != 1 || s.LiveAt[0].Endpoint != url {
			t.Errorf("live_at %+v, want %s", s.LiveAt, url)
		}
		r = runCLI(t, "", append([]string{"incidents", "show", id}, dbArgs...)...)
		if !strings.Contains(r.stdout, "by "+other.url) || !strings.Contains(r.stdout, "last verified live by "+url) {
			t.Errorf("show does not name the endpoints:\n%s", r.stdout)
		}
	}
	// A 401 of the simulator itself (after revocation) does erase it.
	r := runCLI(t, "", append([]string{"revoke", id, "--yes", "--skip-assess", "--endpoint", url, "--cache-dir", t.TempDir(), "--timeout", "5s"}, dbArgs...)...)
	if r.code != 0 {
		t.Fatalf("revoke: exit %d %s %s", r.code, r.stdout, r.stderr)
	}
	if r := runCLI(t, "", append([]string{"incidents", "resolve", id}, dbArgs...)...); r.code != 0 {
		t.Fatalf("resolve after containment: exit %d %s", r.code, r.stderr)
	}
}

// TestRevokeSaysWhereItProves: revoking at one endpoint a token verified
// live at another says the proof holds at the first only.
func TestRevokeSaysWhereItProves(t *testing.T) {
	urlA, toks := startSim(t)
	tok := toks["sim-alice-write"]
	// B is a second simulator of the same scenario: the token is live
	// there too, and stays so.
	urlB, _ := startSim(t)
	dir := t.TempDir()
	write(t, filepath.Join(dir, "a.py"), "HF_TOKEN = \""+tok+"\"\n")
	dbArgs, ids := storedIncidents(t, dir, "--verify", "--endpoint", urlB, "--cache-dir", t.TempDir())
	id := ids["hf-user-token"]
	r := runCLI(t, "", append([]string{"revoke", id, "--yes", "--skip-assess", "--endpoint", urlA, "--cache-dir", t.TempDir(), "--timeout", "5s"}, dbArgs...)...)
	if r.code != 0 || !strings.Contains(r.stdout, "proven at "+urlA+" only; it was verified live at "+urlB) {
		t.Fatalf("revoke at A of a token live at B: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
}

// TestRevokeAndAssessBoundedByTimeout: against an endpoint that never
// answers, revoke and assess end within --timeout, saying nothing is
// proven; a revoke whose snapshot fails revokes nothing.
func TestRevokeAndAssessBoundedByTimeout(t *testing.T) {
	toks := fakeTokens(t, 11, 1)
	dir := t.TempDir()
	write(t, filepath.Join(dir, "a.py"), "HF_TOKEN = \""+toks[0]+"\"\n")
	dbArgs, ids := storedIncidents(t, dir)
	id := ids["hf-user-token"]

	hang := func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(30 * time.Second):
		}
	}
	slow := &wire{}
	dead := httptest.NewServer(slow.wrap(http.HandlerFunc(hang)))
	t.Cleanup(dead.Close)
	// revokeOnly takes the revocation request, then never answers whoami-v2.
	revokeOnly := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/api/credentials/revoke" {
			w.WriteHeader(http.StatusAccepted)
			return
		}
		hang(w, r)
	}))
	t.Cleanup(revokeOnly.Close)
	// noAccount answers whoami-v2 with a 200 naming nobody: unknown.
	noAccount := &wire{}
	empty := httptest.NewServer(noAccount.wrap(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{}`)) // a client that hung up fails on its side
	})))
	t.Cleanup(empty.Close)

	for _, tc := range []struct {
		name  string
		stdin string
		args  []string
		out   string // in stdout+stderr
		state string
	}{
		{"revoke, snapshot never answered", "", []string{"revoke", id, "--yes", "--endpoint", dead.URL}, "the blast-radius snapshot failed: #" + id + ": no conclusive answer within --timeout", "open"},
		{"revoke, snapshot unknown", "", []string{"revoke", id, "--yes", "--endpoint", empty.URL}, "the blast-radius snapshot failed: #" + id + ": hub: whoami: unexpected-content (HTTP 200): answer names no account", "open"},
		{"revoke, request never answered", "", []string{"revoke", id, "--yes", "--skip-assess", "--endpoint", dead.URL}, "revocation unknown: the revocation request got no answer within --timeout 1s", "open"},
		{"revoke, confirmation never answered", "", []string{"revoke", id, "--yes", "--skip-assess", "--endpoint", revokeOnly.URL}, "revocation requested, not confirmed: whoami-v2 gave no 401 within --timeout 1s", "revoke-requested"},
		{"assess --incident", "", []string{"assess", "--incident", id, "--endpoint", dead.URL}, "no conclusive answer within --timeout 1s", "revoke-requested"},
		{"assess", toks[0] + "\n", []string{"assess", "--endpoint", dead.URL}, "no conclusive answer within --timeout 1s", "revoke-requested"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			start := time.Now()
			args := append(append(tc.args, "--timeout", "1s"), dbArgs...)
			if tc.args[0] == "revoke" {
				args = append(args, "--cache-dir", t.TempDir())
			}
			r := runCLI(t, tc.stdin, args...)
			if took := time.Since(start); took > 5*time.Second {
				t.Errorf("took %s with --timeout 1s", took)
			}
			if r.code != 2 || !strings.Contains(r.stdout+r.stderr, tc.out) || strings.Contains(r.stdout+r.stderr, toks[0]) {
				t.Errorf("exit %d, want 2 and %q\n%s\n%s", r.code, tc.out, r.stdout, r.stderr)
			}
			if s := showIncident(t, dbArgs, id); s.Incident.State != tc.state || s.Incident.ContainedAt != nil {
				t.Errorf("state %s, want %s", s.Incident.State, tc.state)
			}
		})
	}
	if noAccount.holds("/api/credentials/revoke") {
		t.Error("the revocation was sent although the snapshot failed")
	}
}

// TestRevokeRedirectedWhoamiSameOrigin: a whoami-v2 redirected to another
// path of the same server, which answers 401, neither contains an incident
// nor makes a token invalid for scan --verify.
func TestRevokeRedirectedWhoamiSameOrigin(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/api/credentials/revoke":
			w.WriteHeader(http.StatusAccepted)
		case "/api/whoami-v2":
			http.Redirect(w, r, "/elsewhere", http.StatusFound)
		default:
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusUnauthorized)
			_, _ = w.Write([]byte(`{"error":"Invalid credentials in Authorization header"}`)) // a client that hung up fails on its side
		}
	}))
	t.Cleanup(srv.Close)
	tok := fakeTokens(t, 23, 1)[0]
	dir := t.TempDir()
	write(t, filepath.Join(dir, "a.py"), "HF_TOKEN = \""+tok+"\"\n")
	dbArgs, ids := storedIncidents(t, dir, "--verify", "--endpoint", srv.URL, "--cache-dir", t.TempDir())
	id := ids["hf-user-token"]
	if l := listIncidents(t, dbArgs); len(l) != 1 || l[0].Verification == nil || l[0].Verification.Status != "unknown" {
		t.Fatalf("scan --verify of a redirected whoami-v2: %+v", l)
	}
	r := runCLI(t, "", append([]string{"revoke", id, "--yes", "--skip-assess", "--endpoint", srv.URL, "--cache-dir", t.TempDir(), "--timeout", "1s"}, dbArgs...)...)
	if r.code != 2 || strings.Contains(r.stdout, "contained at") || !strings.Contains(r.stdout, "not confirmed") {
		t.Fatalf("revoke: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	if s := showIncident(t, dbArgs, id); s.Incident.State != "revoke-requested" || s.Incident.ContainedAt != nil {
		t.Fatalf("incident %+v", s.Incident)
	}
}

// TestGitHubRevokeNamesTheTokenPage: after revoke --github, the owner is
// pointed to the settings page that lists that kind of token.
func TestGitHubRevokeNamesTheTokenPage(t *testing.T) {
	const fineGrained = "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"
	gh := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusAccepted)
	}))
	t.Cleanup(gh.Close)
	for _, tc := range []struct{ token, rule, page string }{
		{fineGrained, "github-fine-grained-pat", "https://github.com/settings/personal-access-tokens"},
		{testGitHubPAT, "github-token", "https://github.com/settings/tokens\n"},
	} {
		dir := t.TempDir()
		write(t, filepath.Join(dir, ".env"), "HF_TOKEN="+fakeTokens(t, 5, 1)[0]+"\nGITHUB_TOKEN="+tc.token+"\n")
		dbArgs, ids := storedIncidents(t, dir)
		if ids[tc.rule] == "" {
			t.Fatalf("no %s incident: %v", tc.rule, ids)
		}
		r := runCLI(t, "", append([]string{"revoke", ids[tc.rule], "--github", "--yes-github", "--github-api", gh.URL, "--cache-dir", t.TempDir()}, dbArgs...)...)
		if !strings.Contains(r.stdout, "revoke-requested at GitHub") || !strings.Contains(r.stdout, "confirms at "+tc.page) {
			t.Errorf("%s: exit %d\n%s%s", tc.rule, r.code, r.stdout, r.stderr)
		}
	}
}

// TestClosedWithoutProofStillRevoked: an incident closed by hand was never
// proven contained: closing it needs a reason, and revoke (named, or
// --all-live once the token answers live) re-opens and revokes it instead
// of saying "nothing to revoke" about a live token.
func TestClosedWithoutProofStillRevoked(t *testing.T) {
	url, toks := startSim(t)
	dir := t.TempDir()
	write(t, filepath.Join(dir, "c.env"), "HF_TOKEN="+toks["sim-alice-write"]+"\n")
	dbArgs, ids := storedIncidents(t, dir) // not verified: no liveness known
	id := ids["hf-user-token"]
	if r := runCLI(t, "", append([]string{"incidents", "resolve", id}, dbArgs...)...); r.code != 2 || !strings.Contains(r.stderr, "never proven contained") {
		t.Fatalf("resolve without a reason: exit %d %s", r.code, r.stderr)
	}
	if r := runCLI(t, "", append([]string{"incidents", "resolve", id, "--reason", "rotated, I think"}, dbArgs...)...); r.code != 0 {
		t.Fatalf("resolve with a reason: exit %d %s", r.code, r.stderr)
	}
	// Now it answers live: --all-live must pick it and contain it.
	cache := t.TempDir()
	if r := runCLI(t, "", append([]string{"scan", "--store", "--verify", "--endpoint", url, "--cache-dir", cache, dir}, dbArgs...)...); r.code != 1 {
		t.Fatalf("rescan: exit %d %s", r.code, r.stderr)
	}
	r := runCLI(t, "", append([]string{"revoke", "--all-live", "--yes", "--skip-assess", "--endpoint", url, "--cache-dir", cache, "--timeout", "20s"}, dbArgs...)...)
	if r.code != 0 || !strings.Contains(r.stdout, "#"+id+" contained at") {
		t.Fatalf("revoke --all-live of a resolved but live token: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	s := showIncident(t, dbArgs, id)
	if s.Incident.State != "contained" || s.Incident.ContainedAt == nil {
		t.Fatalf("after revoke: %+v", s.Incident)
	}
	reopened := false
	for _, e := range s.Events {
		reopened = reopened || strings.Contains(e.Message, "re-opened to revoke")
	}
	if !reopened {
		t.Errorf("no re-open event: %+v", s.Events)
	}
}

// TestWorkersBounded: a --workers in the millions would allocate gigabytes
// of buffers for one small file; it is a usage error, as is a negative one.
func TestWorkersBounded(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, "a.py"), "x = 1\n")
	for _, w := range []string{"1000000", "257", "-1"} {
		if r := runCLI(t, "", "scan", "--workers", w, dir); r.code != 2 || !strings.Contains(r.stderr, "--workers must be between 1 and 256") {
			t.Errorf("--workers %s: exit %d %s", w, r.code, r.stderr)
		}
	}
	if r := runCLI(t, "", "scan", "--workers", "256", dir); r.code != 0 {
		t.Errorf("--workers 256: exit %d %s", r.code, r.stderr)
	}
}
