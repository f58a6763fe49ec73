package assess

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	neturl "net/url"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/hfwarden/hfwarden/internal/hub"
	"github.com/hfwarden/hfwarden/internal/hubsim"
	"github.com/hfwarden/hfwarden/internal/testutil"
)

// simClient starts the Hub simulator on the demo scenario and returns a
// client for it and the scenario's tokens by display name.
func simClient(t *testing.T) (*hub.Client, *hubsim.Server, map[string]string) {
	t.Helper()
	sc := hubsim.DemoScenario()
	srv, url := testutil.StartHub(t, sc, hubsim.Options{RateLimit: -1})
	c, err := hub.New(hub.Options{Endpoint: url, RatePerSecond: -1})
	if err != nil {
		t.Fatal(err)
	}
	toks := testutil.HubTokens(sc)
	return c, srv, toks
}

func accessOf(r *Report) map[string]Access {
	m := map[string]Access{}
	for _, rp := range r.Repos {
		m[rp.ID] = rp.Access
	}
	return m
}

func TestAssess(t *testing.T) {
	c, _, toks := simClient(t)
	tests := []struct {
		token    string
		severity string
		role     string
		access   map[string]Access // every repository the token reaches
	}{
		{"sim-alice-write", "critical", "write", map[string]Access{
			"alice/sim-sentiment-model": Admin, "alice/sim-private-notes": Admin, "alice/sim-chat-demo": Admin,
			"acme/sim-internal-llm": Admin, "acme/sim-gated-model": Admin, "acme/sim-customer-data": Admin,
			"research/sim-benchmark": Write, "research/sim-eval-space": Write,
		}},
		{"sim-bob-read", "medium", "read", map[string]Access{
			// The blast radius covers the owner's and the owner's orgs'
			// repositories: bob has none of his own and reads acme's
			// private ones through his org role.
			"acme/sim-internal-llm": Read, "acme/sim-gated-model": Read, "acme/sim-customer-data": Read,
		}},
		{"sim-alice-acme-ci", "critical", "fineGrained", map[string]Access{
			// Scoped to acme with repo.write: write there (∩ admin role),
			// public elsewhere only.
			"acme/sim-internal-llm": Write, "acme/sim-gated-model": Write, "acme/sim-customer-data": Write,
			"alice/sim-sentiment-model": Read, "alice/sim-chat-demo": Read, "research/sim-benchmark": Read,
		}},
	}
	for _, tt := range tests {
		t.Run(tt.token, func(t *testing.T) {
			r, err := Assess(t.Context(), c, toks[tt.token], Options{})
			if err != nil {
				t.Fatal(err)
			}
			if r.Status != "live" || r.Severity != tt.severity || r.Token.Role != tt.role || len(r.Reasons) == 0 {
				t.Fatalf("status %s severity %s role %s reasons %v", r.Status, r.Severity, r.Token.Role, r.Reasons)
			}
			got := accessOf(r)
			for id, want := range tt.access {
				if got[id] != want {
					t.Errorf("%s: access %q, want %q", id, got[id], want)
				}
			}
			for id, a := range got {
				if _, ok := tt.access[id]; !ok {
					t.Errorf("%s: unexpected access %q", id, a)
				}
			}
			if len(r.Warnings) > 0 {
				t.Errorf("warnings: %v", r.Warnings)
			}
		})
	}
}

func TestAssessFineGrainedScopesAndOrgs(t *testing.T) {
	c, _, toks := simClient(t)
	r, err := Assess(t.Context(), c, toks["sim-alice-acme-ci"], Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{"global:discussion.write": true, "org:acme:repo.content.read": true, "org:acme:repo.write": true}
	if len(r.Token.Scopes) != len(want) {
		t.Fatalf("scopes %v", r.Token.Scopes)
	}
	for _, s := range r.Token.Scopes {
		if !want[s] {
			t.Errorf("unexpected scope %s", s)
		}
	}
	if !r.CanReadGated || r.Owner != "alice" || len(r.Orgs) != 2 {
		t.Fatalf("gated %v owner %s orgs %v", r.CanReadGated, r.Owner, r.Orgs)
	}
}

func TestAssessRevokedAndVerifier(t *testing.T) {
	c, srv, toks := simClient(t)
	tok := toks["sim-bob-read"]
	v := &Verifier{Client: c}
	if got := v.Verify(t.Context(), "hf-user-token", tok); got.Status != "live" || got.Owner != "bob" {
		t.Fatalf("before revocation: %+v", got)
	}
	if err := c.Revoke(t.Context(), []string{tok}); err != nil {
		t.Fatal(err)
	}
	if !srv.Revoked(tok) {
		t.Fatal("simulator did not record the revocation")
	}
	r, err := Assess(t.Context(), c, tok, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if r.Status != "invalid" || r.Severity != "none" || len(r.Repos) != 0 {
		t.Fatalf("revoked: %+v", r)
	}
	if got := v.Verify(t.Context(), "hf-user-token", tok); got.Status != "invalid" {
		t.Fatalf("after revocation: %+v", got)
	}
}

func TestAssessUnknownOnRateLimit(t *testing.T) {
	sc := hubsim.DemoScenario()
	_, url := testutil.StartHub(t, sc, hubsim.Options{RateLimit: 1})
	c, err := hub.New(hub.Options{Endpoint: url, RatePerSecond: -1, MaxRetries: -1})
	if err != nil {
		t.Fatal(err)
	}
	tok := sc.Tokens[0].Token
	v := &Verifier{Client: c}
	v.Verify(t.Context(), "hf-user-token", tok) // uses the one allowed request
	if got := v.Verify(t.Context(), "hf-user-token", tok); got.Status != "unknown" {
		t.Fatalf("rate-limited answer must be unknown, got %+v", got)
	}
	r, err := Assess(t.Context(), c, tok, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if r.Status != "unknown" || r.Severity != "unknown" {
		t.Fatalf("rate-limited assess: %s %s", r.Status, r.Severity)
	}
}

// TestAssessContributorAskedByAuthCheck: an org contributor may write only
// to what they created, which no listing says: assess asks auth-check/write
// and reports its answer.
func TestAssessContributorAskedByAuthCheck(t *testing.T) {
	tok := "hf_" + "QwErTyUiOpAsDfGhJkLzXcVbNmQwErTyUi"
	sc, err := hubsim.ParseScenario([]byte(`{
	  "users": [{"name": "cai", "orgs": [{"name": "corp", "roleInOrg": "contributor"}]}],
	  "orgs": [{"name": "corp"}],
	  "tokens": [{"token": "` + tok + `", "user": "cai", "kind": "classic", "role": "write", "displayName": "sim-cai"}],
	  "repos": [{"id": "corp/private-model", "type": "model", "private": true, "files": {"README.md": "x"}}]
	}`))
	if err != nil {
		t.Fatal(err)
	}
	_, url := testutil.StartHub(t, sc, hubsim.Options{RateLimit: -1})
	c, err := hub.New(hub.Options{Endpoint: url, RatePerSecond: -1})
	if err != nil {
		t.Fatal(err)
	}
	r, err := Assess(t.Context(), c, tok, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Repos) != 1 || r.Repos[0].Access != Read || !strings.Contains(r.Repos[0].Basis, "auth-check") {
		t.Fatalf("repos %+v warnings %v", r.Repos, r.Warnings)
	}
	if r.Severity != "medium" {
		t.Fatalf("severity %s %v", r.Severity, r.Reasons)
	}
}

// TestVerdictOnlyFromTheEndpoint: neither Verify nor Assess calls a token
// live or invalid unless the endpoint asked answered, naming an account;
// and a secret of another issuer is never sent.
func TestVerdictOnlyFromTheEndpoint(t *testing.T) {
	const tok = "hf_" + "QwErTyUiOpAsDfGhJkLzXcVbNmQwErTyUi"
	// elsewhere rejects every token, as a Hub that does not know it would.
	elsewhere := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusUnauthorized)
		_, _ = io.WriteString(w, `{"error":"Invalid credentials in Authorization header"}`) // a client that hung up fails on its side
	}))
	t.Cleanup(elsewhere.Close)
	json200 := func(body string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			_, _ = io.WriteString(w, body) // a client that hung up fails on its side
		}
	}
	var hits atomic.Int32
	for _, tc := range []struct {
		name    string
		rule    string
		handler http.HandlerFunc
		want    string
	}{
		{"redirect to another origin", "hf-user-token", func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, elsewhere.URL+r.URL.Path, http.StatusFound)
		}, "unknown"},
		{"http to https", "hf-user-token", func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, "https://"+r.Host+r.URL.Path, http.StatusMovedPermanently)
		}, "unknown"},
		{"empty JSON", "hf-user-token", json200(`{}`), "unknown"},
		{"error object", "hf-user-token", json200(`{"error":"maintenance"}`), "unknown"},
		{"names an account", "hf-user-token", json200(`{"type":"user","name":"alice","orgs":[]}`), "live"},
		{"own 401", "hf-user-token", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusUnauthorized)
			_, _ = io.WriteString(w, `{"error":"Invalid credentials in Authorization header"}`) // a client that hung up fails on its side
		}, "invalid"},
		{"foreign secret", "github-token", func(w http.ResponseWriter, r *http.Request) {
			hits.Add(1)
			w.WriteHeader(http.StatusUnauthorized)
		}, "unknown"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(tc.handler)
			t.Cleanup(srv.Close)
			c, err := hub.New(hub.Options{Endpoint: srv.URL, RatePerSecond: -1, MaxRetries: -1})
			if err != nil {
				t.Fatal(err)
			}
			got := (&Verifier{Client: c}).Verify(t.Context(), tc.rule, tok)
			if got.Status != tc.want {
				t.Errorf("Verify: %s (%s), want %s", got.Status, got.Reason, tc.want)
			}
			if tc.rule != "hf-user-token" {
				return
			}
			r, err := Assess(t.Context(), c, tok, Options{})
			if err != nil {
				t.Fatal(err)
			}
			want := tc.want
			if want == "live" {
				// The handler answers every listing with the whoami
				// object: live, but nothing could be listed.
				want = "incomplete"
			}
			if r.Status != want {
				t.Errorf("Assess: %s (%s), want %s", r.Status, r.Reason, want)
			}
		})
	}
	if hits.Load() != 0 {
		t.Error("a GitHub token was sent to the Hub")
	}
}

// spacesScenario: the owner and each of two organizations have a Space
// next to a model and a dataset.
func spacesScenario(t *testing.T) (*hubsim.Scenario, string) {
	t.Helper()
	tok := "hf_" + "SpAcEsSpAcEsSpAcEsSpAcEsSpAcEsSpAc"
	sc, err := hubsim.ParseScenario([]byte(`{
	  "users": [{"name": "sam", "orgs": [{"name": "one", "roleInOrg": "write"}, {"name": "two", "roleInOrg": "read"}]}],
	  "orgs": [{"name": "one"}, {"name": "two"}],
	  "tokens": [{"token": "` + tok + `", "user": "sam", "kind": "classic", "role": "write", "displayName": "sim-sam"}],
	  "repos": [
	    {"id": "sam/model"}, {"id": "sam/space", "type": "space", "private": true},
	    {"id": "one/model", "gated": "auto"}, {"id": "one/data", "type": "dataset"}, {"id": "one/space", "type": "space"},
	    {"id": "two/space", "type": "space", "private": true}, {"id": "two/data", "type": "dataset", "gated": "manual"}
	  ]
	}`))
	if err != nil {
		t.Fatal(err)
	}
	return sc, tok
}

// TestAssessSpacesOfOwnerAndEveryOrg: against the simulator, which refuses
// expand=gated for Spaces as the Hub does, every Space of the owner and of
// each organization is in the blast radius.
func TestAssessSpacesOfOwnerAndEveryOrg(t *testing.T) {
	sc, tok := spacesScenario(t)
	_, url := testutil.StartHub(t, sc, hubsim.Options{RateLimit: -1})
	c, err := hub.New(hub.Options{Endpoint: url, RatePerSecond: -1, MaxRetries: -1})
	if err != nil {
		t.Fatal(err)
	}
	r, err := Assess(t.Context(), c, tok, Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]Access{
		"sam/model": Admin, "sam/space": Admin,
		"one/model": Write, "one/data": Write, "one/space": Write,
		"two/space": Read, "two/data": Read,
	}
	got := accessOf(r)
	if r.Status != "live" || len(r.Warnings) > 0 || len(got) != len(want) {
		t.Fatalf("status %s (%s), warnings %v, repos %v", r.Status, r.Reason, r.Warnings, got)
	}
	for id, a := range want {
		if got[id] != a {
			t.Errorf("%s: %q, want %q", id, got[id], a)
		}
	}
	for _, rp := range r.Repos {
		if rp.Type == hub.RepoSpace && rp.Gated != "" {
			t.Errorf("space %s gated %q", rp.ID, rp.Gated)
		}
	}
}

// TestAssessIncompleteListing: a listing that fails (here the Spaces of
// one organization, answered 500 by a proxy in front of the simulator)
// makes the assessment incomplete, with the listing named, instead of a
// smaller blast radius that looks whole.
func TestAssessIncompleteListing(t *testing.T) {
	sc, tok := spacesScenario(t)
	_, url := testutil.StartHub(t, sc, hubsim.Options{RateLimit: -1})
	target, err := neturl.Parse(url)
	if err != nil {
		t.Fatal(err)
	}
	proxy := httputil.NewSingleHostReverseProxy(target)
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/api/spaces" && r.URL.Query().Get("author") == "two" {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusInternalServerError)
			_, _ = io.WriteString(w, `{"error":"Internal Error"}`) // a client that hung up fails on its side
			return
		}
		proxy.ServeHTTP(w, r)
	}))
	defer front.Close()
	c, err := hub.New(hub.Options{Endpoint: front.URL, RatePerSecond: -1, MaxRetries: -1})
	if err != nil {
		t.Fatal(err)
	}
	r, err := Assess(t.Context(), c, tok, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if r.Status != "incomplete" || !strings.Contains(r.Reason, "spaces of two") || r.Owner != "sam" {
		t.Fatalf("status %s reason %q", r.Status, r.Reason)
	}
	got := accessOf(r)
	if _, ok := got["two/space"]; ok || got["two/data"] != Read || got["one/space"] != Write || len(got) != 6 {
		t.Fatalf("repos %v", got)
	}
	if !slices.ContainsFunc(r.Reasons, func(s string) bool { return strings.Contains(s, "lower bound") }) {
		t.Errorf("reasons %v", r.Reasons)
	}
}

// TestAssessGatedNeedsAccess: a gated repository counts as readable only
// when the Hub lets the token read its files. A member's fine-grained
// token scoped to the user alone reads the org's gated model only with
// canReadGatedRepos; without, auth-check answers GatedRepo and the model
// is reported with access none, not counted as a gated repository read.
func TestAssessGatedNeedsAccess(t *testing.T) {
	const yes, no = "hf_" + "GaTeDyEsGaTeDyEsGaTeDyEsGaTeDyEsGa", "hf_" + "GaTeDnOoGaTeDnOoGaTeDnOoGaTeDnOoGa"
	sc, err := hubsim.ParseScenario([]byte(`{
	  "users": [{"name": "ada", "orgs": [{"name": "corp", "roleInOrg": "write"}]}],
	  "orgs": [{"name": "corp"}],
	  "tokens": [
	    {"token": "` + yes + `", "user": "ada", "kind": "fineGrained", "displayName": "yes",
	     "fineGrained": {"canReadGatedRepos": true, "scoped": [{"entity": {"type": "user", "name": "ada"}, "permissions": ["repo.content.read"]}]}},
	    {"token": "` + no + `", "user": "ada", "kind": "fineGrained", "displayName": "no",
	     "fineGrained": {"canReadGatedRepos": false, "scoped": [{"entity": {"type": "user", "name": "ada"}, "permissions": ["repo.content.read"]}]}}
	  ],
	  "repos": [{"id": "corp/gated", "gated": "auto", "files": {"README.md": "x"}}, {"id": "corp/open", "files": {"README.md": "x"}}]
	}`))
	if err != nil {
		t.Fatal(err)
	}
	_, url := testutil.StartHub(t, sc, hubsim.Options{RateLimit: -1})
	c, err := hub.New(hub.Options{Endpoint: url, RatePerSecond: -1})
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		token     string
		gated     Access
		gatedRead bool
	}{{yes, Read, true}, {no, None, false}} {
		r, err := Assess(t.Context(), c, tt.token, Options{})
		if err != nil {
			t.Fatal(err)
		}
		got := accessOf(r)
		if r.Status != "live" || got["corp/gated"] != tt.gated || got["corp/open"] != Read || len(r.Warnings) > 0 {
			t.Fatalf("canReadGatedRepos %v: status %s, access %v, warnings %v", tt.gatedRead, r.Status, got, r.Warnings)
		}
		counted := slices.ContainsFunc(r.Reasons, func(s string) bool {
			return strings.Contains(s, "gated repositories") && strings.HasPrefix(s, "can read")
		})
		if counted != tt.gatedRead {
			t.Errorf("canReadGatedRepos %v: reasons %v", tt.gatedRead, r.Reasons)
		}
	}
}

// TestAssessDisabledRepo: a repository the Hub disabled answers 403 to
// every request, auth-check included; it is listed with access none and
// counted as neither writable nor readable, whatever the token's role.
func TestAssessDisabledRepo(t *testing.T) {
	const app, classic = "hf_" + "DiSaBlEdApPtOkEnDiSaBlEdApPtOkEnDi", "hf_" + "DiSaBlEdClAsSiCdIsAbLeDcLaSsIcDiSa"
	sc, err := hubsim.ParseScenario([]byte(`{
	  "users": [{"name": "ada", "orgs": [{"name": "corp", "roleInOrg": "read"}]}],
	  "orgs": [{"name": "corp"}],
	  "tokens": [
	    {"token": "` + app + `", "user": "ci-app", "kind": "app", "role": "write", "entities": ["corp"]},
	    {"token": "` + classic + `", "user": "ada", "kind": "classic", "role": "write"}
	  ],
	  "repos": [{"id": "corp/off", "disabled": true, "files": {"README.md": "x"}},
	            {"id": "corp/off-private", "private": true, "disabled": true, "files": {"README.md": "x"}},
	            {"id": "corp/on", "files": {"README.md": "x"}}]
	}`))
	if err != nil {
		t.Fatal(err)
	}
	url, stop, err := hubsim.New(sc, hubsim.Options{RateLimit: -1}).Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	c, err := hub.New(hub.Options{Endpoint: url, RatePerSecond: -1})
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name, token string
		on          Access
		write       string // the "can write" reason, "" for none
	}{
		{"app write", app, Write, "can write to 1 repositories of organization(s) corp"},
		{"classic write, org read", classic, Read, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r, err := Assess(t.Context(), c, tt.token, Options{})
			if err != nil {
				t.Fatal(err)
			}
			got := accessOf(r)
			if r.Status != "live" || got["corp/off"] != None || got["corp/off-private"] != None || got["corp/on"] != tt.on {
				t.Fatalf("status %s, access %v, warnings %v", r.Status, got, r.Warnings)
			}
			for _, rp := range r.Repos {
				if strings.HasPrefix(rp.ID, "corp/off") && rp.Basis != "disabled by the Hub" {
					t.Errorf("%s: basis %q", rp.ID, rp.Basis)
				}
			}
			var write string
			for _, s := range r.Reasons {
				if strings.HasPrefix(s, "can write") {
					write = s
				}
				if strings.Contains(s, "private") {
					t.Errorf("reason %q counts a disabled private repository", s)
				}
			}
			if (tt.write == "") != (write == "") || !strings.HasPrefix(write, tt.write) {
				t.Errorf("reasons %q, want the write one to be %q", r.Reasons, tt.write)
			}
		})
	}
}

// TestTokenKind: the kind is read from what the Hub answered, never from
// the token's text, and is unknown through another credential's view.
func TestTokenKind(t *testing.T) {
	for _, tt := range []struct {
		name string
		r    Report
		want string
	}{
		{"classic", Report{Status: "live", OwnerType: "user", Token: Token{Role: "write", Type: "access_token"}}, KindClassic},
		{"fine-grained", Report{Status: "live", OwnerType: "user", Token: Token{Role: "fineGrained", Type: "access_token"}}, KindFineGrained},
		{"oauth", Report{Status: "incomplete", OwnerType: "user", Token: Token{Type: "oauth"}}, KindOAuth},
		{"app", Report{Status: "live", OwnerType: "app", Token: Token{Role: "write", Type: "app_token"}}, KindApp},
		{"org", Report{Status: "live", OwnerType: "org", Token: Token{Role: "write", Type: "access_token"}}, KindOrg},
		{"no role", Report{Status: "live", OwnerType: "user", Token: Token{Type: "access_token"}}, ""},
		{"invalid", Report{Status: "invalid"}, ""},
		{"viewed", Report{Status: "live", OwnerType: "user", Token: Token{Role: "write"}, ViewedBy: &Credential{}}, ""},
	} {
		if got := tt.r.TokenKind(); got != tt.want {
			t.Errorf("%s: kind %q, want %q", tt.name, got, tt.want)
		}
	}
}
