package hubsim

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// hub is a running simulator and a small client for it.
type hub struct {
	t   *testing.T
	srv *Server
	url string
}

func newHub(t *testing.T, sc *Scenario, opts Options) *hub {
	t.Helper()
	srv := New(sc, opts)
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	return &hub{t: t, srv: srv, url: ts.URL}
}

type reply struct {
	status int
	header http.Header
	body   []byte
}

// do sends a request; path is relative to the hub or absolute; headers
// are name, value pairs.
func (h *hub) do(method, path, token string, body []byte, headers ...string) reply {
	h.t.Helper()
	u := path
	if !strings.HasPrefix(path, "http") {
		u = h.url + path
	}
	req, err := http.NewRequest(method, u, bytes.NewReader(body))
	if err != nil {
		h.t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer func() { _ = resp.Body.Close() }() // a response read: closing it loses nothing
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		h.t.Fatal(err)
	}
	return reply{status: resp.StatusCode, header: resp.Header, body: b}
}

func (h *hub) get(path, token string, headers ...string) reply {
	h.t.Helper()
	return h.do(http.MethodGet, path, token, nil, headers...)
}

func (h *hub) postJSON(path, token string, v any) reply {
	h.t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		h.t.Fatal(err)
	}
	return h.do(http.MethodPost, path, token, b, "Content-Type", "application/json")
}

// decode decodes the body strictly into v.
func (r reply) decode(t *testing.T, v any) {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(r.body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		t.Fatalf("decode %s: %v", r.body, err)
	}
}

func (r reply) want(t *testing.T, status int) reply {
	t.Helper()
	if r.status != status {
		t.Fatalf("status %d, want %d; body %s", r.status, status, r.body)
	}
	return r
}

// demoToken returns a demo token by its display name.
func demoToken(t *testing.T, name string) string {
	t.Helper()
	for _, tk := range DemoScenario().Tokens {
		if tk.DisplayName == name {
			return tk.Token
		}
	}
	t.Fatalf("no demo token %q", name)
	return ""
}

// fakeToken returns a stable hf_ token for a test name.
func fakeToken(name string) string {
	sum := sha256.Sum256([]byte("hubsim test " + name))
	b := make([]byte, 34)
	for i := range b {
		b[i] = tokenLetters[int(sum[i%len(sum)]+byte(i))%len(tokenLetters)]
	}
	return "hf_" + string(b)
}

func testdataScenario(t *testing.T) *Scenario {
	t.Helper()
	s, err := LoadScenario("testdata/scenario.json")
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func testdataToken(t *testing.T, name string) string {
	t.Helper()
	for _, tk := range testdataScenario(t).Tokens {
		if tk.DisplayName == name {
			return tk.Token
		}
	}
	t.Fatalf("no testdata token %q", name)
	return ""
}

// The fixtures of the reference (hf-hub-api.md section 2).
const fixtureWriteToken = `{"type":"user","id":"62f264b9f3c90f4b6514a269","name":"hub.js","fullname":"@huggingface/hub CI bot",
 "email":"ci@example.com","emailVerified":true,"canPay":false,"isPro":false,"periodEnd":null,
 "avatarUrl":"/avatars/934b830e9fdaa879487852f79eef7165.svg","billingMode":"postpaid","orgs":[],
 "auth":{"type":"access_token","accessToken":{"createdAt":"2024-01-01T00:00:00.000Z","displayName":"ci-hub.js","role":"write"}}}`

const fixtureFineGrained = `{"type":"user","id":"<24-hex>","name":"<user>","fullname":"<Full Name>","canPay":false,"billingMode":"prepaid",
 "periodEnd":1785542400,"isPro":false,"avatarUrl":"/avatars/<md5>.svg","orgs":[],
 "auth":{"type":"access_token","accessToken":{"displayName":"<token name>","role":"fineGrained",
   "createdAt":"2026-07-23T10:27:03.276Z",
   "fineGrained":{"canReadGatedRepos":true,"global":["discussion.write","post.write"],
     "scoped":[{"entity":{"_id":"<24-hex>","type":"user","name":"<user>"},
       "permissions":["repo.content.read","repo.access.read","repo.write","inference.serverless.write",
         "inference.endpoints.infer.write","inference.endpoints.write","user.webhooks.read","user.webhooks.write",
         "collection.read","collection.write","discussion.write","user.billing.read","job.write",
         "user.notifications.read","user.notifications.write"]}]}}}}`

// whoami mirrors the reference fixtures, field for field.
type whoami struct {
	Type          string      `json:"type"`
	ID            string      `json:"id"`
	Name          string      `json:"name"`
	Fullname      string      `json:"fullname"`
	Email         *string     `json:"email"`
	EmailVerified *bool       `json:"emailVerified"`
	CanPay        bool        `json:"canPay"`
	IsPro         bool        `json:"isPro"`
	PeriodEnd     *int64      `json:"periodEnd"`
	AvatarURL     string      `json:"avatarUrl"`
	BillingMode   string      `json:"billingMode"`
	Plan          string      `json:"plan"` // org principals only
	Orgs          []whoamiOrg `json:"orgs"`
	Auth          struct {
		Type        string `json:"type"`
		ExpiresAt   string `json:"expiresAt"`
		AccessToken *struct {
			DisplayName string `json:"displayName"`
			Role        string `json:"role"`
			CreatedAt   string `json:"createdAt"`
			FineGrained *struct {
				CanReadGatedRepos bool     `json:"canReadGatedRepos"`
				Global            []string `json:"global"`
				Scoped            []struct {
					Entity struct {
						ID   string `json:"_id"`
						Type string `json:"type"`
						Name string `json:"name"`
					} `json:"entity"`
					Permissions []string `json:"permissions"`
				} `json:"scoped"`
			} `json:"fineGrained"`
		} `json:"accessToken"`
	} `json:"auth"`
}

func topKeys(t *testing.T, body []byte) []string {
	t.Helper()
	var m map[string]json.RawMessage
	if err := json.Unmarshal(body, &m); err != nil {
		t.Fatal(err)
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func TestWhoamiFixturesDecode(t *testing.T) {
	for _, fx := range []string{fixtureWriteToken, fixtureFineGrained} {
		var w whoami
		reply{body: []byte(fx)}.decode(t, &w)
	}
}

func TestWhoamiShapes(t *testing.T) {
	demo := newHub(t, DemoScenario(), Options{})
	td := newHub(t, testdataScenario(t), Options{})
	hex24 := regexp.MustCompile(`^[0-9a-f]{24}$`)
	avatar := regexp.MustCompile(`^/avatars/[0-9a-f]{32}\.svg$`)
	tests := []struct {
		name      string
		h         *hub
		token     string
		check     func(t *testing.T, w whoami, raw []byte)
		sameKeyAs string // a fixture whose top-level keys the answer has exactly
	}{
		{"classic write", demo, demoToken(t, "sim-alice-write"), func(t *testing.T, w whoami, raw []byte) {
			at := w.Auth.AccessToken
			if w.Type != "user" || w.Name != "alice" || w.Fullname != "Alice Simulated" || !w.IsPro ||
				w.Email == nil || *w.Email != "alice@example.com" || w.EmailVerified == nil || !*w.EmailVerified {
				t.Errorf("user fields: %+v", w)
			}
			if w.Auth.Type != "access_token" || at == nil || at.DisplayName != "sim-alice-write" || at.Role != "write" ||
				at.CreatedAt != "2024-03-01T09:00:00.000Z" || at.FineGrained != nil {
				t.Errorf("auth: %s", raw)
			}
			if len(w.Orgs) != 2 || w.Orgs[0].Name != "acme" || w.Orgs[0].RoleInOrg != "admin" || w.Orgs[0].Type != "org" ||
				w.Orgs[0].Plan != "enterprise" || !hex24.MatchString(w.Orgs[0].ID) || w.Orgs[1].Name != "research" ||
				w.Orgs[1].RoleInOrg != "write" || w.Orgs[0].SecurityRestrictions == nil || w.Orgs[0].ResourceGroups == nil {
				t.Errorf("orgs: %+v", w.Orgs)
			}
		}, fixtureWriteToken},
		{"classic read", demo, demoToken(t, "sim-bob-read"), func(t *testing.T, w whoami, raw []byte) {
			if w.Name != "bob" || w.Auth.AccessToken.Role != "read" || len(w.Orgs) != 1 || w.Orgs[0].RoleInOrg != "read" {
				t.Errorf("got %s", raw)
			}
		}, fixtureWriteToken},
		{"fine-grained", demo, demoToken(t, "sim-alice-acme-ci"), func(t *testing.T, w whoami, raw []byte) {
			fg := w.Auth.AccessToken.FineGrained
			if w.Auth.AccessToken.Role != "fineGrained" || fg == nil || !fg.CanReadGatedRepos ||
				!slices.Equal(fg.Global, []string{"discussion.write"}) || len(fg.Scoped) != 1 {
				t.Fatalf("fine-grained: %s", raw)
			}
			sc := fg.Scoped[0]
			if sc.Entity.Type != "org" || sc.Entity.Name != "acme" || sc.Entity.ID != w.Orgs[0].ID ||
				!slices.Equal(sc.Permissions, []string{"repo.content.read", "repo.write"}) {
				t.Errorf("scoped: %+v", sc)
			}
			// Field order of the observed answer.
			if !bytes.Contains(raw, []byte(`"accessToken":{"displayName":"sim-alice-acme-ci","role":"fineGrained","createdAt":`)) ||
				!bytes.Contains(raw, []byte(`"fineGrained":{"canReadGatedRepos":true,"global":`)) ||
				!bytes.Contains(raw, []byte(`"entity":{"_id":"`)) {
				t.Errorf("field order: %s", raw)
			}
		}, fixtureWriteToken},
		{"oauth", demo, DemoScenario().Tokens[3].Token, func(t *testing.T, w whoami, raw []byte) {
			if w.Name != "bob" || w.Auth.Type != "oauth" || w.Auth.AccessToken == nil || w.Auth.AccessToken.Role != "" {
				t.Errorf("oauth: %s", raw)
			}
			if bytes.Contains(raw, []byte("displayName")) {
				t.Errorf("an OAuth answer has no displayName nor role: %s", raw)
			}
		}, fixtureWriteToken},
		{"oauth with expiry", td, testdataToken(t, "sim-dave-oauth"), func(t *testing.T, w whoami, raw []byte) {
			if w.Auth.Type != "oauth" || w.Auth.ExpiresAt != "2099-01-01T00:00:00.000Z" {
				t.Errorf("oauth: %s", raw)
			}
			if w.Email != nil || w.EmailVerified != nil {
				t.Errorf("email should be absent: %s", raw)
			}
		}, ""},
		{"fine-grained scoped to a repo", td, testdataToken(t, "sim-carol-tiny-model-reader"), func(t *testing.T, w whoami, raw []byte) {
			fg := w.Auth.AccessToken.FineGrained
			if fg == nil || fg.CanReadGatedRepos || len(fg.Scoped) != 2 || fg.Scoped[0].Entity.Type != "model" ||
				fg.Scoped[0].Entity.Name != "lab/tiny-model" || !hex24.MatchString(fg.Scoped[0].Entity.ID) {
				t.Errorf("scoped: %s", raw)
			}
		}, ""},
		{"legacy org token", td, testdataToken(t, "sim-lab-legacy"), func(t *testing.T, w whoami, raw []byte) {
			if w.Type != "org" || w.Name != "lab" || w.Plan != "enterprise" || w.Auth.Type != "access_token" ||
				w.Auth.AccessToken == nil || w.Auth.AccessToken.Role != "" || w.Auth.AccessToken.DisplayName != "" {
				t.Errorf("org token: %s", raw)
			}
		}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := tt.h.get("/api/whoami-v2", tt.token).want(t, http.StatusOK)
			if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
				t.Errorf("Content-Type %q", ct)
			}
			var w whoami
			r.decode(t, &w)
			if !hex24.MatchString(w.ID) || !avatar.MatchString(w.AvatarURL) {
				t.Errorf("id %q avatarUrl %q", w.ID, w.AvatarURL)
			}
			if tt.sameKeyAs != "" {
				if got, want := topKeys(t, r.body), topKeys(t, []byte(tt.sameKeyAs)); !slices.Equal(got, want) {
					t.Errorf("keys %v, fixture has %v", got, want)
				}
			}
			tt.check(t, w, r.body)
		})
	}
}

func TestUnauthorized(t *testing.T) {
	now := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	sc := testdataScenario(t)
	sc.Tokens = append(sc.Tokens, Token{Token: fakeToken("expired"), User: "dave", Kind: KindOAuth, ExpiresAt: now.Add(-time.Minute)})
	h := newHub(t, sc, Options{Now: func() time.Time { return now }})
	tests := []struct{ name, header string }{
		{"missing", ""},
		{"unknown token", "Bearer " + fakeToken("nobody")},
		{"not bearer", "Basic " + base64.StdEncoding.EncodeToString([]byte("hf_user:x"))},
		{"revoked in scenario", "Bearer " + testdataToken(t, "sim-carol-old")},
		{"expired", "Bearer " + fakeToken("expired")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var hdr []string
			if tt.header != "" {
				hdr = []string{"Authorization", tt.header}
			}
			r := h.get("/api/whoami-v2", "", hdr...).want(t, http.StatusUnauthorized)
			if string(r.body) != `{"error":"Invalid credentials in Authorization header"}` {
				t.Errorf("body %s", r.body)
			}
			if got := r.header.Get("X-Error-Message"); got != "Invalid credentials in Authorization header" {
				t.Errorf("X-Error-Message %q", got)
			}
			if tt.header != "" {
				// A bad token is refused everywhere, public data included.
				h.get("/api/models/carol/tiny-space", "", hdr...).want(t, http.StatusUnauthorized)
			}
		})
	}
}

// listScenario has 23 models of alice, every third private, and one of bob.
func listScenario() *Scenario {
	sc := &Scenario{
		Users:  []User{{Name: "alice"}, {Name: "bob"}},
		Orgs:   []Org{{Name: "acme"}},
		Tokens: []Token{{Token: fakeToken("alice"), User: "alice", Kind: KindClassic}, {Token: fakeToken("bob"), User: "bob", Kind: KindClassic}},
	}
	for i := range 23 {
		sc.Repos = append(sc.Repos, Repo{ID: fmt.Sprintf("alice/model-%02d", i), Private: i%3 == 0})
	}
	sc.Repos = append(sc.Repos, Repo{ID: "bob/other"}, Repo{ID: "alice/a-dataset", Type: "dataset"})
	return sc
}

// listAll follows Link headers from path and returns the ids and the
// number of pages.
func listAll(t *testing.T, h *hub, path, token string) ([]string, int) {
	t.Helper()
	var ids []string
	pages := 0
	linkRe := regexp.MustCompile(`^<(https?://[^>]+)>; rel="next"$`)
	for next := path; next != ""; pages++ {
		r := h.get(next, token).want(t, http.StatusOK)
		var items []struct {
			MongoID      string `json:"_id"`
			ID           string `json:"id"`
			Private      bool   `json:"private"`
			Gated        any    `json:"gated"`
			LastModified string `json:"lastModified"`
		}
		if err := json.Unmarshal(r.body, &items); err != nil {
			t.Fatal(err)
		}
		for _, it := range items {
			if it.MongoID == "" || it.LastModified == "" || it.Gated != false {
				t.Errorf("item %+v", it)
			}
			ids = append(ids, it.ID)
		}
		next = ""
		if l := r.header.Get("Link"); l != "" {
			m := linkRe.FindStringSubmatch(l)
			if m == nil || !strings.HasPrefix(m[1], h.url+"/") {
				t.Fatalf("Link %q is not an absolute next link to %s", l, h.url)
			}
			next = m[1]
		}
		if pages > 50 {
			t.Fatal("pagination does not end")
		}
	}
	return ids, pages
}

func TestListPagination(t *testing.T) {
	h := newHub(t, listScenario(), Options{})
	tests := []struct {
		name, path, token string
		want, pages       int
	}{
		{"owner sees private, 4 a page", "/api/models?author=alice&limit=4", fakeToken("alice"), 23, 6},
		{"anonymous sees public", "/api/models?author=alice&limit=4", "", 15, 4},
		{"others see public", "/api/models?author=alice&limit=5", fakeToken("bob"), 15, 3},
		{"default page", "/api/models?author=alice", fakeToken("alice"), 23, 1},
		{"search", "/api/models?search=MODEL-1&limit=2", fakeToken("alice"), 10, 5},
		{"all authors", "/api/models?limit=7&expand=private&expand=gated&expand=lastModified", "", 16, 3},
		{"datasets", "/api/datasets?author=alice", "", 1, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ids, pages := listAll(t, h, tt.path, tt.token)
			if len(ids) != tt.want || pages != tt.pages {
				t.Errorf("%d items in %d pages, want %d in %d: %v", len(ids), pages, tt.want, tt.pages, ids)
			}
			if !slices.IsSorted(ids) || len(slices.Compact(slices.Clone(ids))) != len(ids) {
				t.Errorf("pages overlap or are out of order: %v", ids)
			}
		})
	}
	h.get("/api/models?cursor=!!", "").want(t, http.StatusBadRequest)
}

// matrixScenario is an org "corp" with one member per role, an outsider
// and tokens of every kind.
func matrixScenario() *Scenario {
	fg := func(name, user string, gated bool, ent Entity, perms ...string) Token {
		t := Token{Token: fakeToken(name), User: user, Kind: KindFineGrained, DisplayName: name,
			FineGrained: &FineGrained{CanReadGatedRepos: gated}}
		if ent.Type != "" {
			t.FineGrained.Scoped = []Scope{{Entity: ent, Permissions: perms}}
		}
		return t
	}
	classic := func(name, user, role string) Token {
		return Token{Token: fakeToken(name), User: user, Kind: KindClassic, Role: role, DisplayName: name}
	}
	corp := Entity{Type: "org", Name: "corp"}
	return &Scenario{
		Users: []User{
			{Name: "ada", Orgs: []Membership{{Name: "corp", RoleInOrg: "admin"}}},
			{Name: "wes", Orgs: []Membership{{Name: "corp", RoleInOrg: "write"}}},
			{Name: "cai", Orgs: []Membership{{Name: "corp", RoleInOrg: "contributor"}}},
			{Name: "rex", Orgs: []Membership{{Name: "corp", RoleInOrg: "read"}}},
			{Name: "oli"}, {Name: "uma"},
		},
		Orgs: []Org{{Name: "corp", Plan: "enterprise"}},
		Tokens: []Token{
			classic("ada-read", "ada", "read"), classic("ada-write", "ada", "write"),
			classic("wes-write", "wes", "write"), classic("cai-write", "cai", "write"),
			classic("rex-write", "rex", "write"), classic("rex-read", "rex", "read"),
			classic("oli-write", "oli", "write"), classic("uma-read", "uma", "read"),
			{Token: fakeToken("oli-oauth"), User: "oli", Kind: KindOAuth, Role: "read", DisplayName: "oli-oauth"},
			fg("ada-fg-org-read", "ada", false, corp, "repo.content.read"),
			fg("ada-fg-org-write", "ada", false, corp, "repo.write"),
			fg("ada-fg-repo", "ada", false, Entity{Type: "model", Name: "corp/private-model"}, "repo.content.read", "repo.write"),
			fg("ada-fg-none", "ada", true, Entity{}),
			fg("ada-fg-user", "ada", false, Entity{Type: "user", Name: "ada"}, "repo.content.read"),
			fg("oli-fg-gated-no", "oli", false, Entity{Type: "user", Name: "oli"}, "repo.content.read", "repo.write"),
			fg("oli-fg-gated-yes", "oli", true, Entity{Type: "user", Name: "oli"}, "repo.content.read", "repo.write"),
			fg("rex-fg-org-write", "rex", false, corp, "repo.write"),
			{Token: "api_org_" + fakeToken("corp-org-read")[3:], User: "corp", Kind: KindOrg, Role: "read", DisplayName: "corp-org-read"},
			{Token: "api_org_" + fakeToken("corp-org-write")[3:], User: "corp", Kind: KindOrg, Role: "write", DisplayName: "corp-org-write"},
		},
		Repos: []Repo{
			{ID: "corp/private-model", Private: true, Files: map[string]File{"README.md": {Text: "private\n"}}},
			{ID: "corp/public-model", Files: map[string]File{"README.md": {Text: "public\n"}}},
			{ID: "corp/gated-manual", Gated: "manual", ApprovedUsers: []string{"oli"}, Files: map[string]File{"README.md": {Text: "gated\n"}}},
			{ID: "corp/gated-auto", Gated: "auto", Files: map[string]File{"README.md": {Text: "auto\n"}}},
			{ID: "corp/gated-auto-asked", Gated: "auto", ApprovedUsers: []string{"uma"}, Files: map[string]File{"README.md": {Text: "auto\n"}}},
			{ID: "corp/disabled-model", Disabled: true, Files: map[string]File{"README.md": {Text: "off\n"}}},
			{ID: "oli/own", Private: true, Files: map[string]File{"README.md": {Text: "own\n"}}},
		},
	}
}

func matrixToken(t *testing.T, name string) string {
	t.Helper()
	if name == "" {
		return ""
	}
	for _, tk := range matrixScenario().Tokens {
		if tk.DisplayName == name {
			return tk.Token
		}
	}
	t.Fatalf("no token %q", name)
	return ""
}

func TestAuthCheckMatrix(t *testing.T) {
	h := newHub(t, matrixScenario(), Options{})
	const r, w = "read", "write"
	tests := []struct {
		token, repo, check string
		status             int
		code               string
	}{
		{"", "corp/public-model", r, 200, ""},
		{"", "corp/private-model", r, 401, "RepoNotFound"},
		{"", "corp/public-model", w, 401, ""},
		{"", "corp/gated-manual", r, 401, "GatedRepo"},
		{"ada-write", "corp/missing", r, 404, "RepoNotFound"},
		{"", "corp/missing", r, 401, "RepoNotFound"},
		{"", "corp/private-model", r, 401, "RepoNotFound"},
		{"ada-write", "corp/disabled-model", r, 403, ""},
		{"oli-write", "corp/disabled-model", r, 403, ""},
		{"", "corp/disabled-model", r, 403, ""},
		// classic role ∩ org role
		{"ada-read", "corp/private-model", r, 200, ""},
		{"ada-read", "corp/private-model", w, 403, ""},
		{"ada-write", "corp/private-model", w, 200, ""},
		{"wes-write", "corp/private-model", w, 200, ""},
		{"cai-write", "corp/private-model", r, 200, ""},
		{"cai-write", "corp/private-model", w, 403, ""},
		{"rex-write", "corp/private-model", r, 200, ""},
		{"rex-write", "corp/private-model", w, 403, ""},
		{"rex-read", "corp/public-model", w, 403, ""},
		{"rex-read", "corp/gated-manual", r, 200, ""}, // members pass the gate
		{"oli-write", "corp/private-model", r, 404, "RepoNotFound"},
		{"oli-write", "corp/public-model", r, 200, ""},
		{"oli-write", "corp/public-model", w, 403, ""},
		{"oli-write", "corp/gated-manual", r, 200, ""},        // approved
		{"oli-write", "corp/gated-auto", r, 403, "GatedRepo"}, // never asked: refused even though "auto"
		{"oli-write", "oli/own", w, 200, ""},
		{"oli-oauth", "oli/own", r, 200, ""},
		{"oli-oauth", "oli/own", w, 403, ""},
		{"uma-read", "corp/gated-manual", r, 403, "GatedRepo"},
		{"uma-read", "corp/gated-auto", r, 403, "GatedRepo"},
		{"uma-read", "corp/gated-auto-asked", r, 200, ""}, // asked, and "auto" accepted
		// fine-grained scopes
		{"ada-fg-org-read", "corp/private-model", r, 200, ""},
		{"ada-fg-org-read", "corp/private-model", w, 403, ""},
		{"ada-fg-org-write", "corp/private-model", w, 200, ""},
		{"ada-fg-org-write", "corp/private-model", r, 200, ""},
		{"ada-fg-repo", "corp/private-model", w, 200, ""},
		{"ada-fg-repo", "corp/public-model", r, 200, ""},
		{"ada-fg-repo", "corp/public-model", w, 403, ""},
		{"ada-fg-none", "corp/private-model", r, 403, ""},
		{"ada-fg-none", "corp/public-model", r, 200, ""},
		{"ada-fg-none", "corp/public-model", w, 403, ""},
		// a member's fine-grained token without rights on the org reads
		// its gated repositories only with canReadGatedRepos
		{"ada-fg-none", "corp/gated-auto", r, 200, ""},
		{"ada-fg-user", "corp/gated-auto", r, 403, "GatedRepo"},
		{"ada-fg-org-read", "corp/gated-auto", r, 200, ""},
		{"oli-fg-gated-no", "corp/gated-auto", r, 403, "GatedRepo"},
		{"oli-fg-gated-no", "oli/own", w, 200, ""},
		{"oli-fg-gated-no", "corp/private-model", r, 404, "RepoNotFound"},
		{"oli-fg-gated-yes", "corp/gated-auto", r, 403, "GatedRepo"},
		{"oli-fg-gated-yes", "corp/gated-manual", r, 200, ""},
		{"rex-fg-org-write", "corp/private-model", r, 200, ""},
		{"rex-fg-org-write", "corp/private-model", w, 403, ""},
		// legacy org tokens
		{"corp-org-read", "corp/private-model", r, 200, ""},
		{"corp-org-read", "corp/private-model", w, 403, ""},
		{"corp-org-write", "corp/private-model", w, 200, ""},
		{"corp-org-write", "oli/own", r, 404, "RepoNotFound"},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s/%s/%s", cmp(tt.token, "anonymous"), tt.repo, tt.check), func(t *testing.T) {
			path := "/api/models/" + tt.repo + "/auth-check"
			if tt.check == w {
				path += "/write"
			}
			got := h.get(path, matrixToken(t, tt.token))
			if got.status != tt.status || got.header.Get("X-Error-Code") != tt.code {
				t.Errorf("%d %q, want %d %q; body %s", got.status, got.header.Get("X-Error-Code"), tt.status, tt.code, got.body)
			}
			if got.status >= 400 && (got.header.Get("X-Error-Message") == "" || !bytes.Contains(got.body, []byte(`"error"`))) {
				t.Errorf("error without message: %v %s", got.header, got.body)
			}
		})
	}
}

func TestPrivateVisibility(t *testing.T) {
	h := newHub(t, matrixScenario(), Options{})
	tests := []struct {
		token string
		want  []string // private repos listed
	}{
		{"", nil},
		{"ada-read", []string{"corp/private-model"}},
		{"rex-read", []string{"corp/private-model"}},
		{"oli-write", []string{"oli/own"}},
		{"ada-fg-none", nil},
		{"ada-fg-repo", []string{"corp/private-model"}},
		{"oli-fg-gated-no", []string{"oli/own"}},
		{"corp-org-read", []string{"corp/private-model"}},
	}
	for _, tt := range tests {
		t.Run(cmp(tt.token, "anonymous"), func(t *testing.T) {
			r := h.get("/api/models", matrixToken(t, tt.token)).want(t, http.StatusOK)
			var items []struct {
				ID      string `json:"id"`
				Private bool   `json:"private"`
			}
			if err := json.Unmarshal(r.body, &items); err != nil {
				t.Fatal(err)
			}
			var priv []string
			public := 0
			for _, it := range items {
				if it.Private {
					priv = append(priv, it.ID)
				} else {
					public++
				}
			}
			if !slices.Equal(priv, tt.want) || public != 5 {
				t.Errorf("private %v (want %v), %d public (want 5)", priv, tt.want, public)
			}
			for _, id := range []string{"corp/private-model", "oli/own"} {
				info := h.get("/api/models/"+id, matrixToken(t, tt.token))
				if slices.Contains(tt.want, id) != (info.status == http.StatusOK) {
					t.Errorf("info %s: %d", id, info.status)
				}
			}
		})
	}
}

func TestRepoInfo(t *testing.T) {
	h := newHub(t, DemoScenario(), Options{})
	r := h.get("/api/models/alice/sim-sentiment-model/revision/HEAD", "").want(t, http.StatusOK)
	var info struct {
		MongoID      string `json:"_id"`
		ID           string `json:"id"`
		Author       string `json:"author"`
		SHA          string `json:"sha"`
		LastModified string `json:"lastModified"`
		CreatedAt    string `json:"createdAt"`
		Private      bool   `json:"private"`
		Gated        any    `json:"gated"`
		Disabled     *bool  `json:"disabled"`
		Siblings     []struct {
			RFilename string `json:"rfilename"`
			Size      int    `json:"size"`
			BlobID    string `json:"blobId"`
			LFS       *struct {
				Size        int    `json:"size"`
				SHA256      string `json:"sha256"`
				PointerSize int    `json:"pointerSize"`
			} `json:"lfs"`
		} `json:"siblings"`
	}
	if err := json.Unmarshal(r.body, &info); err != nil {
		t.Fatal(err)
	}
	if info.ID != "alice/sim-sentiment-model" || info.Author != "alice" || len(info.SHA) != 40 || info.Private ||
		info.Gated != false || info.Disabled == nil || *info.Disabled || info.LastModified != "2024-02-06T09:00:00.000Z" ||
		info.CreatedAt != "2024-02-01T09:00:00.000Z" || len(info.Siblings) != 3 {
		t.Fatalf("info %s", r.body)
	}
	lfs := info.Siblings[2]
	if lfs.RFilename != "model.safetensors" || lfs.LFS == nil || lfs.LFS.Size != 4200 || len(lfs.LFS.SHA256) != 64 ||
		info.Siblings[0].LFS != nil || len(info.Siblings[0].BlobID) != 40 {
		t.Errorf("siblings %s", r.body)
	}
	// An older revision shows older files; gated repositories show "manual".
	old := h.get("/api/models/alice/sim-sentiment-model/revision/v0.9", "").want(t, http.StatusOK)
	if bytes.Contains(old.body, []byte("model.safetensors")) || !bytes.Contains(old.body, []byte("config.json")) {
		t.Errorf("v0.9: %s", old.body)
	}
	if g := h.get("/api/models/acme/sim-gated-model", ""); !bytes.Contains(g.body, []byte(`"gated":"manual"`)) {
		t.Errorf("gated: %s", g.body)
	}
	bad := h.get("/api/models/alice/sim-sentiment-model/revision/nope", "").want(t, http.StatusNotFound)
	if bad.header.Get("X-Error-Code") != "RevisionNotFound" {
		t.Errorf("headers %v", bad.header)
	}
	sp := h.get("/api/spaces/alice/sim-chat-demo", "").want(t, http.StatusOK)
	if !bytes.Contains(sp.body, []byte(`"sdk":"gradio"`)) || bytes.Contains(sp.body, []byte("downloads")) {
		t.Errorf("space %s", sp.body)
	}
}

func TestResolve(t *testing.T) {
	h := newHub(t, DemoScenario(), Options{})
	head := demoHead(t, h, "models", "alice/sim-sentiment-model", "")
	readme := "---\nlicense: apache-2.0\ntags:\n- hubsim\n---\n# sim-sentiment-model\n\nA simulated model for hfwarden demos and tests. Nothing here is real.\n"
	tests := []struct {
		name, path, token string
		headers           []string
		status            int
		body              string
		check             func(t *testing.T, r reply)
	}{
		{"probe byte", "/alice/sim-sentiment-model/resolve/main/README.md", "", []string{"Range", "bytes=0-0"}, 206, "-", func(t *testing.T, r reply) {
			if r.header.Get("Content-Range") != fmt.Sprintf("bytes 0-0/%d", len(readme)) || r.header.Get("Content-Length") != "1" {
				t.Errorf("headers %v", r.header)
			}
		}},
		{"middle range", "/alice/sim-sentiment-model/resolve/main/README.md", "", []string{"Range", "bytes=4-10"}, 206, readme[4:11], nil},
		{"open range", "/alice/sim-sentiment-model/resolve/main/README.md", "", []string{"Range", "bytes=100-"}, 206, readme[100:], nil},
		{"suffix range", "/alice/sim-sentiment-model/resolve/main/README.md", "", []string{"Range", "bytes=-5"}, 206, readme[len(readme)-5:], nil},
		{"whole file", "/alice/sim-sentiment-model/resolve/main/README.md", "", nil, 200, readme, func(t *testing.T, r reply) {
			if r.header.Get("X-Repo-Commit") != head || r.header.Get("Accept-Ranges") != "bytes" ||
				r.header.Get("Content-Length") != strconv.Itoa(len(readme)) || r.header.Get("ETag") != `"`+gitBlobID([]byte(readme))+`"` {
				t.Errorf("headers %v", r.header)
			}
			if r.header.Get("X-Linked-Etag") != "" {
				t.Errorf("a regular file has no X-Linked-Etag")
			}
		}},
		{"by commit id", "/alice/sim-sentiment-model/resolve/" + head + "/README.md", "", nil, 200, readme, nil},
		{"lfs file", "/alice/sim-sentiment-model/resolve/main/model.safetensors", "", nil, 200, "", func(t *testing.T, r reply) {
			sum := sha256.Sum256(r.body)
			etag := fmt.Sprintf(`"%x"`, sum)
			if len(r.body) != 4200 || r.header.Get("X-Linked-Etag") != etag || r.header.Get("ETag") != etag ||
				r.header.Get("X-Linked-Size") != "4200" {
				t.Errorf("headers %v", r.header)
			}
		}},
		{"lfs pointer via raw", "/alice/sim-sentiment-model/raw/main/model.safetensors", "", nil, 200, "", func(t *testing.T, r reply) {
			if !strings.HasPrefix(string(r.body), "version https://git-lfs.github.com/spec/v1\noid sha256:") {
				t.Errorf("raw %q", r.body)
			}
		}},
		{"dataset prefix", "/datasets/research/sim-benchmark/resolve/main/config.json", demoToken(t, "sim-bob-read"), nil, 200, "", nil},
		{"space prefix", "/spaces/alice/sim-chat-demo/resolve/v1.0/README.md", "", nil, 200, "", nil},
		{"missing file", "/alice/sim-sentiment-model/resolve/main/nope.txt", "", nil, 404, "", wantCode("EntryNotFound")},
		{"bad revision", "/alice/sim-sentiment-model/resolve/nope/README.md", "", nil, 404, "", wantCode("RevisionNotFound")},
		{"private anonymous", "/datasets/alice/sim-private-notes/resolve/main/README.md", "", nil, 401, "", wantCode("RepoNotFound")},
		{"private other user", "/datasets/alice/sim-private-notes/resolve/main/README.md", demoToken(t, "sim-bob-read"), nil, 404, "", wantCode("RepoNotFound")},
		{"gated anonymous", "/datasets/research/sim-benchmark/resolve/main/config.json", "", nil, 401, "", wantCode("GatedRepo")},
		{"unsatisfiable", "/alice/sim-sentiment-model/resolve/main/README.md", "", []string{"Range", "bytes=9999-"}, 416, "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := h.get(tt.path, tt.token, tt.headers...).want(t, tt.status)
			if r.header.Get("X-Xet-Hash") != "" {
				t.Error("X-Xet-Hash must never be sent")
			}
			if tt.body != "" && tt.body != "-" && string(r.body) != tt.body {
				t.Errorf("body %q, want %q", r.body, tt.body)
			}
			if tt.check != nil {
				tt.check(t, r)
			}
		})
	}
	t.Run("HEAD", func(t *testing.T) {
		r := h.do(http.MethodHead, "/alice/sim-sentiment-model/resolve/main/README.md", "", nil).want(t, http.StatusOK)
		if len(r.body) != 0 || r.header.Get("Content-Length") != strconv.Itoa(len(readme)) || r.header.Get("X-Repo-Commit") != head {
			t.Errorf("HEAD: %v %q", r.header, r.body)
		}
	})
	t.Run("gated forbidden", func(t *testing.T) {
		hm := newHub(t, matrixScenario(), Options{})
		r := hm.get("/corp/gated-manual/resolve/main/README.md", matrixToken(t, "uma-read")).want(t, http.StatusForbidden)
		if r.header.Get("X-Error-Code") != "GatedRepo" {
			t.Errorf("headers %v", r.header)
		}
		hm.get("/corp/gated-manual/resolve/main/README.md", matrixToken(t, "oli-write")).want(t, http.StatusOK)
		// Metadata of gated repositories stays visible.
		hm.get("/api/models/corp/gated-manual/tree/main", matrixToken(t, "uma-read")).want(t, http.StatusOK)
	})
}

func wantCode(code string) func(t *testing.T, r reply) {
	return func(t *testing.T, r reply) {
		t.Helper()
		if got := r.header.Get("X-Error-Code"); got != code {
			t.Errorf("X-Error-Code %q, want %q (body %s)", got, code, r.body)
		}
		if r.header.Get("X-Error-Message") == "" {
			t.Error("no X-Error-Message")
		}
	}
}

// demoHead returns the commit a branch (default main) points to.
func demoHead(t *testing.T, h *hub, typ, repo, branch string) string {
	t.Helper()
	var refs struct {
		Branches []struct {
			Name, Ref, TargetCommit string
		} `json:"branches"`
	}
	r := h.get("/api/"+typ+"/"+repo+"/refs", "").want(t, http.StatusOK)
	if err := json.Unmarshal(r.body, &refs); err != nil {
		t.Fatal(err)
	}
	for _, b := range refs.Branches {
		if b.Name == cmp(branch, "main") {
			return b.TargetCommit
		}
	}
	t.Fatalf("no branch %q in %s", branch, r.body)
	return ""
}

type commitItem struct {
	ID      string `json:"id"`
	Title   string `json:"title"`
	Message string `json:"message"`
	Authors []struct {
		User   string `json:"user"`
		Avatar string `json:"avatar"`
	} `json:"authors"`
	Date string `json:"date"`
}

type treeItem struct {
	Type string `json:"type"`
	OID  string `json:"oid"`
	Size int    `json:"size"`
	Path string `json:"path"`
	LFS  *struct {
		OID         string `json:"oid"`
		Size        int    `json:"size"`
		PointerSize int    `json:"pointerSize"`
	} `json:"lfs"`
	LastCommit *struct {
		ID    string `json:"id"`
		Title string `json:"title"`
		Date  string `json:"date"`
	} `json:"lastCommit"`
}

func ndjson(t *testing.T, lines ...any) []byte {
	t.Helper()
	var b bytes.Buffer
	for _, l := range lines {
		j, err := json.Marshal(l)
		if err != nil {
			t.Fatal(err)
		}
		b.Write(j)
		b.WriteByte('\n')
	}
	return b.Bytes()
}

func kv(key string, value any) map[string]any { return map[string]any{"key": key, "value": value} }

func TestUploadCommit(t *testing.T) {
	now := time.Date(2025, 5, 6, 7, 8, 9, 0, time.UTC)
	h := newHub(t, DemoScenario(), Options{Now: func() time.Time { return now }})
	tok := demoToken(t, "sim-alice-write")
	repo := "alice/sim-sentiment-model"
	before := demoHead(t, h, "models", repo, "")

	pre := h.postJSON("/api/models/"+repo+"/preupload/main", tok, map[string]any{
		"files": []map[string]any{{"path": "notes/new.txt", "size": 5, "sample": "aGVsbG8="}, {"path": "README.md", "size": 3, "sample": "eHl6"}},
	}).want(t, http.StatusOK)
	var preOut struct {
		Files []struct {
			Path         string `json:"path"`
			UploadMode   string `json:"uploadMode"`
			ShouldIgnore bool   `json:"shouldIgnore"`
			OID          string `json:"oid"`
		} `json:"files"`
	}
	pre.decode(t, &preOut)
	if len(preOut.Files) != 2 || preOut.Files[0].UploadMode != "regular" || preOut.Files[0].ShouldIgnore ||
		preOut.Files[0].OID != "" || preOut.Files[1].OID == "" {
		t.Fatalf("preupload %s", pre.body)
	}

	body := ndjson(t,
		kv("header", map[string]any{"summary": "Add notes", "description": "Details here.", "parentCommit": before}),
		kv("file", map[string]any{"content": base64.StdEncoding.EncodeToString([]byte("hello")), "path": "notes/new.txt", "encoding": "base64"}),
		kv("file", map[string]any{"content": base64.StdEncoding.EncodeToString([]byte("xyz")), "path": "README.md", "encoding": "base64"}),
		kv("deletedFile", map[string]any{"path": "config.json"}),
	)
	r := h.do(http.MethodPost, "/api/models/"+repo+"/commit/main", tok, body, "Content-Type", "application/x-ndjson").want(t, http.StatusOK)
	var out struct {
		Success    bool   `json:"success"`
		CommitOid  string `json:"commitOid"`
		CommitURL  string `json:"commitUrl"`
		HookOutput string `json:"hookOutput"`
	}
	r.decode(t, &out)
	if !out.Success || len(out.CommitOid) != 40 || out.CommitURL != h.url+"/"+repo+"/commit/"+out.CommitOid {
		t.Fatalf("commit %s", r.body)
	}
	if got := demoHead(t, h, "models", repo, ""); got != out.CommitOid {
		t.Fatalf("main is at %s, want %s", got, out.CommitOid)
	}

	cr := h.get("/api/models/"+repo+"/commits/main", "").want(t, http.StatusOK)
	var commits []commitItem
	cr.decode(t, &commits)
	if cr.header.Get("X-Total-Count") != "4" || len(commits) != 4 || commits[0].ID != out.CommitOid ||
		commits[0].Title != "Add notes" || commits[0].Message != "Details here." || commits[0].Authors[0].User != "alice" ||
		commits[0].Date != "2025-05-06T07:08:09.000Z" || commits[1].ID != before {
		t.Errorf("commits %s", cr.body)
	}

	tr := h.get("/api/models/"+repo+"/tree/main?recursive=true&expand=false", "").want(t, http.StatusOK)
	var tree []treeItem
	tr.decode(t, &tree)
	var paths []string
	for _, e := range tree {
		paths = append(paths, e.Type+":"+e.Path)
	}
	if want := []string{"file:README.md", "file:model.safetensors", "directory:notes", "file:notes/new.txt"}; !slices.Equal(paths, want) {
		t.Errorf("tree %v, want %v", paths, want)
	}
	if tree[3].OID != gitBlobID([]byte("hello")) || tree[3].Size != 5 || tree[1].LFS == nil || tree[1].LFS.Size != 4200 {
		t.Errorf("tree entries %s", tr.body)
	}

	f := h.get("/"+repo+"/resolve/main/notes/new.txt", "").want(t, http.StatusOK)
	if string(f.body) != "hello" || f.header.Get("X-Repo-Commit") != out.CommitOid {
		t.Errorf("resolve %q %v", f.body, f.header)
	}
	h.get("/"+repo+"/resolve/main/config.json", "").want(t, http.StatusNotFound)
	// Old revisions keep their files.
	if old := h.get("/"+repo+"/resolve/v1.0/config.json", "").want(t, http.StatusOK); old.header.Get("X-Repo-Commit") != before {
		t.Errorf("v1.0 at %s", old.header.Get("X-Repo-Commit"))
	}

	commitBody := ndjson(t, kv("header", map[string]any{"summary": "x"}), kv("file", map[string]any{"content": "eA==", "path": "x", "encoding": "base64"}))
	denied := []struct {
		name, path, token string
		status            int
	}{
		{"read token", "/api/models/" + repo + "/commit/main", demoToken(t, "sim-bob-read"), 403},
		{"anonymous", "/api/models/" + repo + "/commit/main", "", 401},
		{"fine-grained out of scope", "/api/models/" + repo + "/commit/main", demoToken(t, "sim-alice-acme-ci"), 403},
		{"read member of org", "/api/models/acme/sim-internal-llm/commit/main", demoToken(t, "sim-bob-read"), 403},
		{"private of others", "/api/datasets/alice/sim-private-notes/commit/main", demoToken(t, "sim-bob-read"), 404},
		{"unknown branch", "/api/models/" + repo + "/commit/nope", tok, 404},
		{"tag is no branch", "/api/models/" + repo + "/commit/v1.0", tok, 400},
		{"pull requests", "/api/models/" + repo + "/commit/main?create_pr=1", tok, 400},
	}
	for _, d := range denied {
		t.Run(d.name, func(t *testing.T) {
			h.do(http.MethodPost, d.path, d.token, commitBody, "Content-Type", "application/x-ndjson").want(t, d.status)
			h.postJSON(strings.Replace(d.path, "/commit/", "/preupload/", 1), d.token, map[string]any{"files": []any{}}).want(t, d.status)
		})
	}
	if got := demoHead(t, h, "models", repo, ""); got != out.CommitOid {
		t.Fatal("a refused commit moved main")
	}

	t.Run("fine-grained in scope", func(t *testing.T) {
		h.do(http.MethodPost, "/api/models/acme/sim-internal-llm/commit/main", demoToken(t, "sim-alice-acme-ci"), commitBody,
			"Content-Type", "application/x-ndjson").want(t, http.StatusOK)
	})
	t.Run("stale parent", func(t *testing.T) {
		b := ndjson(t, kv("header", map[string]any{"summary": "late", "parentCommit": before}))
		h.do(http.MethodPost, "/api/models/"+repo+"/commit/main", tok, b).want(t, http.StatusPreconditionFailed)
	})
	t.Run("bad bodies", func(t *testing.T) {
		for _, b := range [][]byte{
			[]byte("not json\n"),
			ndjson(t, kv("file", map[string]any{"content": "eA==", "path": "x", "encoding": "base64"})),
			ndjson(t, kv("header", map[string]any{"summary": "x"}), kv("file", map[string]any{"content": "eA==", "path": "../x", "encoding": "base64"})),
			ndjson(t, kv("header", map[string]any{"summary": "x"}), kv("lfsFile", map[string]any{"path": "x", "oid": "ab", "size": 1})),
			ndjson(t, kv("header", map[string]any{"summary": "x"}), kv("file", map[string]any{"content": "!!", "path": "x", "encoding": "base64"})),
		} {
			h.do(http.MethodPost, "/api/models/"+repo+"/commit/main", tok, b).want(t, http.StatusBadRequest)
		}
		b := ndjson(t, kv("header", map[string]any{"summary": "x"}), kv("deletedFile", map[string]any{"path": "nope"}))
		h.do(http.MethodPost, "/api/models/"+repo+"/commit/main", tok, b).want(t, http.StatusNotFound)
	})
	t.Run("deleted folder on a branch", func(t *testing.T) {
		h.postJSON("/api/models/"+repo+"/branch/feature", tok, map[string]any{}).want(t, http.StatusOK)
		b := ndjson(t, kv("header", map[string]any{"summary": "rm notes"}), kv("deletedFolder", map[string]any{"path": "notes"}))
		h.do(http.MethodPost, "/api/models/"+repo+"/commit/feature", tok, b).want(t, http.StatusOK)
		h.get("/"+repo+"/resolve/feature/notes/new.txt", "").want(t, http.StatusNotFound)
		h.get("/"+repo+"/resolve/main/notes/new.txt", "").want(t, http.StatusOK)
	})
}

func TestRefsBranchesTagsSquash(t *testing.T) {
	h := newHub(t, DemoScenario(), Options{})
	tok := demoToken(t, "sim-alice-write")
	base := "/api/models/alice/sim-sentiment-model"
	r := h.get(base+"/refs", "").want(t, http.StatusOK)
	var refs struct {
		Branches     []apiRef `json:"branches"`
		Tags         []apiRef `json:"tags"`
		Converts     []apiRef `json:"converts"`
		PullRequests []apiRef `json:"pullRequests"`
	}
	r.decode(t, &refs)
	main := demoHead(t, h, "models", "alice/sim-sentiment-model", "")
	if len(refs.Branches) != 2 || refs.Branches[1] != (apiRef{"main", "refs/heads/main", main}) || refs.Branches[0].Name != "dev" ||
		len(refs.Tags) != 2 || refs.Tags[1] != (apiRef{"v1.0", "refs/tags/v1.0", main}) || refs.Converts == nil {
		t.Fatalf("refs %s", r.body)
	}
	// Pull-request refs only with include_prs (huggingface_hub
	// list_repo_refs), each refs/pr/{num} at main until pushed to.
	if refs.PullRequests != nil {
		t.Errorf("pullRequests without include_prs: %s", r.body)
	}
	withPRs := refs
	withPRs.PullRequests = nil
	h.get(base+"/refs?include_prs=1", "").want(t, http.StatusOK).decode(t, &withPRs)
	if len(withPRs.PullRequests) != 1 || withPRs.PullRequests[0] != (apiRef{"2", "refs/pr/2", main}) {
		t.Errorf("pullRequests with include_prs: %+v", withPRs.PullRequests)
	}

	h.postJSON(base+"/branch/release", tok, map[string]any{"startingPoint": "v0.9"}).want(t, http.StatusOK)
	h.postJSON(base+"/branch/release", tok, map[string]any{}).want(t, http.StatusConflict)
	h.postJSON(base+"/branch/release", tok, map[string]any{"overwrite": true}).want(t, http.StatusOK)
	h.postJSON(base+"/branch/release", demoToken(t, "sim-bob-read"), map[string]any{"overwrite": true}).want(t, http.StatusForbidden)
	if demoHead(t, h, "models", "alice/sim-sentiment-model", "release") != main {
		t.Error("overwrite did not move the branch")
	}
	h.postJSON(base+"/tag/dev", tok, map[string]any{"tag": "v2.0", "message": "two"}).want(t, http.StatusOK)
	h.postJSON(base+"/tag/main", tok, map[string]any{"tag": "v2.0"}).want(t, http.StatusConflict)
	h.get("/alice/sim-sentiment-model/resolve/v2.0/config.json", "").want(t, http.StatusOK)
	h.do(http.MethodDelete, base+"/tag/v2.0", tok, nil).want(t, http.StatusOK)
	h.get("/alice/sim-sentiment-model/resolve/v2.0/config.json", "").want(t, http.StatusNotFound)
	h.do(http.MethodDelete, base+"/branch/release", tok, nil).want(t, http.StatusOK)
	h.do(http.MethodDelete, base+"/branch/release", tok, nil).want(t, http.StatusNotFound)
	h.do(http.MethodDelete, base+"/branch/main", tok, nil).want(t, http.StatusForbidden)

	sq := h.postJSON(base+"/super-squash/main", tok, map[string]any{"message": "Squash history"}).want(t, http.StatusOK)
	var sqOut struct {
		CommitOid string `json:"commitOid"`
	}
	if err := json.Unmarshal(sq.body, &sqOut); err != nil {
		t.Fatal(err)
	}
	cr := h.get(base+"/commits/main", "").want(t, http.StatusOK)
	var commits []commitItem
	cr.decode(t, &commits)
	if len(commits) != 1 || commits[0].ID != sqOut.CommitOid || commits[0].Title != "Squash history" || cr.header.Get("X-Total-Count") != "1" {
		t.Errorf("after squash %s", cr.body)
	}
	// Files stay; the old commit stays reachable by id and tag.
	h.get("/alice/sim-sentiment-model/resolve/main/model.safetensors", "").want(t, http.StatusOK)
	h.get("/alice/sim-sentiment-model/resolve/"+main+"/README.md", "").want(t, http.StatusOK)
	h.get(base+"/commits/v1.0", "").want(t, http.StatusOK)
}

func TestCommitsAndTreePagination(t *testing.T) {
	h := newHub(t, testdataScenario(t), Options{})
	tok := testdataToken(t, "sim-carol-write")
	var ids []string
	next := "/api/models/lab/tiny-model/commits/main?limit=1"
	for pages := 0; next != ""; pages++ {
		r := h.get(next, tok).want(t, http.StatusOK)
		if r.header.Get("X-Total-Count") != "3" {
			t.Errorf("X-Total-Count %q", r.header.Get("X-Total-Count"))
		}
		var cs []commitItem
		r.decode(t, &cs)
		for _, c := range cs {
			ids = append(ids, c.Title)
		}
		next = ""
		if l := r.header.Get("Link"); l != "" {
			next = strings.TrimSuffix(strings.TrimPrefix(l, "<"), `>; rel="next"`)
			if !strings.HasPrefix(next, h.url) || !strings.Contains(next, "p=") {
				t.Fatalf("Link %q", l)
			}
		}
		if pages > 5 {
			t.Fatal("no end")
		}
	}
	if want := []string{"Remove notebook", "Add notebook", "Initial commit"}; !slices.Equal(ids, want) {
		t.Errorf("commits %v, want %v", ids, want)
	}

	// A non-recursive tree lists the directory; expand adds last commits.
	r := h.get("/api/models/lab/tiny-model/tree/main?expand=true", tok).want(t, http.StatusOK)
	var tree []treeItem
	r.decode(t, &tree)
	var got []string
	for _, e := range tree {
		got = append(got, e.Type+":"+e.Path+":"+e.LastCommit.Title)
	}
	want := []string{"file:README.md:Initial commit", "file:config.json:Remove notebook", "file:tokenizer.bin:Initial commit", "directory:weights:Initial commit"}
	if !slices.Equal(got, want) {
		t.Errorf("tree %v, want %v", got, want)
	}
	sub := h.get("/api/models/lab/tiny-model/tree/main/weights", tok).want(t, http.StatusOK)
	if !bytes.Contains(sub.body, []byte(`"path":"weights/model.bin"`)) || !bytes.Contains(sub.body, []byte(`"lfs":{"oid":"`)) {
		t.Errorf("subtree %s", sub.body)
	}
	h.get("/api/models/lab/tiny-model/tree/main/nope", tok).want(t, http.StatusNotFound)
	old := h.get("/api/models/lab/tiny-model/tree/dev/notebooks", tok).want(t, http.StatusOK)
	if !bytes.Contains(old.body, []byte("notebooks/train.ipynb")) {
		t.Errorf("dev tree %s", old.body)
	}
	// Tree pages.
	var all []string
	for next := "/api/models/lab/tiny-model/tree/main?recursive=true&limit=2"; next != ""; {
		r := h.get(next, tok).want(t, http.StatusOK)
		var page []treeItem
		r.decode(t, &page)
		for _, e := range page {
			all = append(all, e.Path)
		}
		next = strings.TrimSuffix(strings.TrimPrefix(r.header.Get("Link"), "<"), `>; rel="next"`)
	}
	if want := []string{"README.md", "config.json", "tokenizer.bin", "weights", "weights/model.bin"}; !slices.Equal(all, want) {
		t.Errorf("paged tree %v", all)
	}
	// paths-info, JSON and form.
	pi := h.postJSON("/api/models/lab/tiny-model/paths-info/main", tok, map[string]any{"paths": []string{"config.json", "weights", "nope"}}).want(t, http.StatusOK)
	var infos []treeItem
	pi.decode(t, &infos)
	if len(infos) != 2 || infos[0].Path != "config.json" || infos[1].Type != "directory" {
		t.Errorf("paths-info %s", pi.body)
	}
	form := h.do(http.MethodPost, "/api/models/lab/tiny-model/paths-info/main", tok, []byte("paths=README.md&paths=x&expand=True"),
		"Content-Type", "application/x-www-form-urlencoded").want(t, http.StatusOK)
	if !bytes.Contains(form.body, []byte(`"lastCommit"`)) || bytes.Count(form.body, []byte(`"path"`)) != 1 {
		t.Errorf("paths-info form %s", form.body)
	}
}

func TestDiscussions(t *testing.T) {
	h := newHub(t, DemoScenario(), Options{})
	r := h.get("/api/models/alice/sim-sentiment-model/discussions?p=0", "").want(t, http.StatusOK)
	var list struct {
		Discussions []struct {
			Num           int    `json:"num"`
			Title         string `json:"title"`
			Status        string `json:"status"`
			CreatedAt     string `json:"createdAt"`
			IsPullRequest bool   `json:"isPullRequest"`
			Author        struct {
				Name string `json:"name"`
			} `json:"author"`
			Repo struct {
				Name string `json:"name"`
				Type string `json:"type"`
			} `json:"repo"`
		} `json:"discussions"`
		Count int `json:"count"`
		Start int `json:"start"`
	}
	if err := json.Unmarshal(r.body, &list); err != nil {
		t.Fatal(err)
	}
	if list.Count != 2 || list.Start != 0 || len(list.Discussions) != 2 || list.Discussions[0].Num != 2 ||
		!list.Discussions[0].IsPullRequest || list.Discussions[1].Status != "closed" || list.Discussions[1].Author.Name != "bob" ||
		list.Discussions[1].CreatedAt != "2024-02-10T09:00:00.000Z" || list.Discussions[1].Repo.Name != "alice/sim-sentiment-model" {
		t.Fatalf("list %s", r.body)
	}
	if f := h.get("/api/models/alice/sim-sentiment-model/discussions?status=open&type=pull_request", ""); !bytes.Contains(f.body, []byte(`"count":1`)) {
		t.Errorf("filter %s", f.body)
	}
	d := h.get("/api/models/alice/sim-sentiment-model/discussions/1", "").want(t, http.StatusOK)
	var det struct {
		Num    int `json:"num"`
		Events []struct {
			ID        string `json:"id"`
			Type      string `json:"type"`
			CreatedAt string `json:"createdAt"`
			Author    struct {
				Name string `json:"name"`
			} `json:"author"`
			Data struct {
				Latest *struct {
					Raw string `json:"raw"`
				} `json:"latest"`
				Status string `json:"status"`
			} `json:"data"`
		} `json:"events"`
	}
	if err := json.Unmarshal(d.body, &det); err != nil {
		t.Fatal(err)
	}
	if len(det.Events) != 3 || det.Events[0].Type != "comment" || det.Events[0].Data.Latest == nil ||
		det.Events[0].Data.Latest.Raw != "Hi! Does this model handle French reviews?" || det.Events[1].Author.Name != "alice" ||
		det.Events[2].Type != "status-change" || det.Events[2].Data.Status != "closed" || len(det.Events[0].ID) != 24 {
		t.Errorf("details %s", d.body)
	}
	pr := h.get("/api/models/alice/sim-sentiment-model/discussions/2", "").want(t, http.StatusOK)
	if !bytes.Contains(pr.body, []byte(`"changes":{"base":"refs/heads/main"}`)) {
		t.Errorf("pull request %s", pr.body)
	}
	h.get("/api/models/alice/sim-sentiment-model/discussions/9", "").want(t, http.StatusNotFound)
	h.get("/api/models/acme/sim-internal-llm/discussions", "").want(t, http.StatusUnauthorized)
	h.get("/api/models/acme/sim-internal-llm/discussions/1", demoToken(t, "sim-bob-read")).want(t, http.StatusOK)
}

func TestOrgMembers(t *testing.T) {
	sc := matrixScenario()
	h := newHub(t, sc, Options{})
	var users []string
	pages := 0
	for next := "/api/organizations/corp/members?limit=3"; next != ""; pages++ {
		r := h.get(next, matrixToken(t, "oli-write")).want(t, http.StatusOK)
		var ms []struct {
			User     string `json:"user"`
			Fullname string `json:"fullname"`
			Type     string `json:"type"`
			Role     string `json:"role"`
		}
		if err := json.Unmarshal(r.body, &ms); err != nil {
			t.Fatal(err)
		}
		for _, m := range ms {
			if m.Type != "user" || m.Fullname == "" || m.Role != "" {
				t.Errorf("member %+v", m)
			}
			users = append(users, m.User)
		}
		next = strings.TrimSuffix(strings.TrimPrefix(r.header.Get("Link"), "<"), `>; rel="next"`)
	}
	if !slices.Equal(users, []string{"ada", "wes", "cai", "rex"}) || pages != 2 {
		t.Errorf("members %v in %d pages", users, pages)
	}
	if r := h.get("/api/organizations/corp/members", matrixToken(t, "rex-read")); !bytes.Contains(r.body, []byte(`"role":"contributor"`)) {
		t.Errorf("members see roles: %s", r.body)
	}
	h.get("/api/organizations/nope/members", "").want(t, http.StatusNotFound)
}

func TestRevocation(t *testing.T) {
	now := time.Date(2025, 2, 3, 4, 5, 6, 0, time.UTC)
	h := newHub(t, DemoScenario(), Options{Now: func() time.Time { return now }})
	alice, bob := demoToken(t, "sim-alice-write"), demoToken(t, "sim-bob-read")
	h.get("/api/whoami-v2", alice).want(t, http.StatusOK)
	unknown := fakeToken("never-issued")
	tests := []struct {
		name   string
		body   []byte
		header []string
	}{
		{"known and unknown", mustJSON(t, map[string]any{"credentials": []string{alice, unknown}}), nil},
		{"repeat", mustJSON(t, map[string]any{"credentials": []string{alice}}), nil},
		{"unknown only", mustJSON(t, map[string]any{"credentials": []string{unknown}}), nil},
		{"empty", nil, nil},
		{"garbage", []byte("{not json"), nil},
		{"with a bad Authorization", mustJSON(t, map[string]any{"credentials": []string{}}), []string{"Authorization", "Bearer hf_bad"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h.do(http.MethodPost, "/api/credentials/revoke", "", tt.body, append([]string{"Content-Type", "application/json"}, tt.header...)...).
				want(t, http.StatusAccepted)
		})
	}
	h.get("/api/whoami-v2", alice).want(t, http.StatusUnauthorized)
	h.get("/api/models/alice/sim-sentiment-model", alice).want(t, http.StatusUnauthorized)
	h.get("/api/whoami-v2", bob).want(t, http.StatusOK)
	if !h.srv.Revoked(alice) || h.srv.Revoked(bob) || h.srv.Revoked(unknown) {
		t.Error("Revoked")
	}
	if at, ok := h.srv.RevokedAt(alice); !ok || !at.Equal(now) {
		t.Errorf("RevokedAt %v %v", at, ok)
	}
	revs := h.srv.Revocations()
	if len(revs) != 4 || revs[0].Token != alice || !revs[0].Known || revs[1].Known || revs[1].Token != unknown || !revs[3].At.Equal(now) {
		t.Errorf("Revocations %+v", revs)
	}
}

func TestOrgAdminRevocation(t *testing.T) {
	h := newHub(t, matrixScenario(), Options{})
	rex := matrixToken(t, "rex-read")
	h.postJSON("/api/organizations/corp/settings/tokens/revoke", matrixToken(t, "wes-write"), map[string]string{"token": rex}).want(t, http.StatusForbidden)
	h.postJSON("/api/organizations/corp/settings/tokens/revoke", matrixToken(t, "ada-write"), map[string]string{"token": rex}).want(t, http.StatusOK)
	r := h.get("/api/models/corp/private-model", rex).want(t, http.StatusForbidden)
	if !strings.Contains(r.header.Get("X-Error-Message"), "revoked by the organization administrator") {
		t.Errorf("message %q", r.header.Get("X-Error-Message"))
	}
	h.get("/api/whoami-v2", rex).want(t, http.StatusOK) // only the org's access is cut
	h.get("/api/models/oli/own", matrixToken(t, "oli-write")).want(t, http.StatusOK)
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestRateLimitTiers: without RateLimit every account gets the quotas of
// its plan (hub-docs rate-limits.md), anonymous callers and invalid tokens
// those of an IP address, and all tokens of one account share its
// windows.
func TestRateLimitTiers(t *testing.T) {
	sc := &Scenario{
		Users: []User{
			{Name: "free"}, {Name: "pro", IsPro: true},
			{Name: "member", Orgs: []Membership{{Name: "ent", RoleInOrg: "read"}}},
		},
		Orgs: []Org{{Name: "ent", Plan: "enterprise"}, {Name: "team", Plan: "team"}},
		Tokens: []Token{
			{Token: "hf_freeAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", User: "free", Kind: KindClassic, Role: "read"},
			{Token: "hf_freeBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB", User: "free", Kind: KindClassic, Role: "write"},
			{Token: "hf_proAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", User: "pro", Kind: KindClassic, Role: "read"},
			{Token: "hf_memberAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", User: "member", Kind: KindClassic, Role: "read"},
			{Token: "api_org_teamAAAAAAAAAAAAAAAAAAAAAAAAAAA", User: "team", Kind: KindOrg, Role: "read"},
		},
		Repos: []Repo{{ID: "free/m", Type: "model", Files: map[string]File{"README.md": {Text: "x"}}}},
	}
	h := newHub(t, sc, Options{})
	policy := func(path, tok string) string {
		t.Helper()
		return h.get(path, tok).header.Get("RateLimit-Policy")
	}
	for _, tc := range []struct {
		name, path, token, want string
	}{
		{"anonymous api", "/api/models", "", `"fixed window";"api";q=500;w=300`},
		{"anonymous resolvers", "/free/m/resolve/main/README.md", "", `"fixed window";"resolvers";q=3000;w=300`},
		{"anonymous pages", "/free/m/raw/main/README.md", "", `"fixed window";"pages";q=100;w=300`},
		{"invalid token counts as its IP", "/api/models", "hf_unknownAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", `"fixed window";"api";q=500;w=300`},
		{"free user", "/api/models", "hf_freeAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", `"fixed window";"api";q=1000;w=300`},
		{"free resolvers", "/free/m/resolve/main/README.md", "hf_freeAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", `"fixed window";"resolvers";q=5000;w=300`},
		{"pro user", "/api/models", "hf_proAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", `"fixed window";"api";q=2500;w=300`},
		{"enterprise member", "/api/models", "hf_memberAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", `"fixed window";"api";q=6000;w=300`},
		{"team org token", "/api/models", "api_org_teamAAAAAAAAAAAAAAAAAAAAAAAAAAA", `"fixed window";"api";q=3000;w=300`},
	} {
		if got := policy(tc.path, tc.token); got != tc.want {
			t.Errorf("%s: RateLimit-Policy %q, want %q", tc.name, got, tc.want)
		}
	}
	// Both tokens of "free" count against one api window: the first
	// token's listing, then this one.
	if got := h.get("/api/models", "hf_freeBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB").header.Get("RateLimit"); !strings.HasPrefix(got, `"api";r=998;`) {
		t.Errorf("second token of the account: RateLimit %q", got)
	}
}

// TestWhoamiQuota: whoami-v2 has its own quota, far below the api bucket;
// past it the answer is 429 with Retry-After while other api requests go
// on, and a shrunk window brings it back.
func TestWhoamiQuota(t *testing.T) {
	now := time.Date(2025, 1, 1, 0, 0, 0, 400_000_000, time.UTC)
	clock := func() time.Time { return now }
	h := newHub(t, DemoScenario(), Options{WhoamiLimit: 2, RateWindow: time.Second, Now: clock})
	alice := demoToken(t, "sim-alice-write")
	h.get("/api/whoami-v2", alice).want(t, http.StatusOK)
	h.get("/api/whoami-v2", demoToken(t, "sim-alice-acme-ci")).want(t, http.StatusOK) // same account
	r := h.get("/api/whoami-v2", alice).want(t, http.StatusTooManyRequests)
	if r.header.Get("Retry-After") != "1" || !strings.HasPrefix(r.header.Get("RateLimit"), `"api";r=5997;t=1`) ||
		r.header.Get("RateLimit-Policy") != `"fixed window";"api";q=6000;w=1` || !bytes.Contains(r.body, []byte("whoami-v2")) {
		t.Errorf("whoami 429: %v %s", r.header, r.body)
	}
	h.get("/api/models", alice).want(t, http.StatusOK)
	h.get("/api/whoami-v2", demoToken(t, "sim-bob-read")).want(t, http.StatusOK)
	now = now.Add(600 * time.Millisecond)
	h.get("/api/whoami-v2", alice).want(t, http.StatusOK)

	none := newHub(t, DemoScenario(), Options{WhoamiLimit: -1, RateWindow: time.Second, Now: clock})
	for range 5 {
		none.get("/api/whoami-v2", alice).want(t, http.StatusOK)
	}
}

func TestRateLimit(t *testing.T) {
	now := time.Date(2025, 1, 1, 0, 0, 10, 0, time.UTC) // 290 s before the window ends
	clock := func() time.Time { return now }
	h := newHub(t, DemoScenario(), Options{RateLimit: 3, Now: clock})
	alice := demoToken(t, "sim-alice-write")
	for i := 1; i <= 3; i++ {
		r := h.get("/api/whoami-v2", alice).want(t, http.StatusOK)
		if got, want := r.header.Get("RateLimit"), fmt.Sprintf(`"api";r=%d;t=290`, 3-i); got != want {
			t.Errorf("RateLimit %q, want %q", got, want)
		}
		if got := r.header.Get("RateLimit-Policy"); got != `"fixed window";"api";q=3;w=300` {
			t.Errorf("RateLimit-Policy %q", got)
		}
	}
	r := h.get("/api/whoami-v2", alice).want(t, http.StatusTooManyRequests)
	if r.header.Get("Retry-After") != "290" || r.header.Get("RateLimit") != `"api";r=0;t=290` ||
		r.header.Get("RateLimit-Policy") != `"fixed window";"api";q=3;w=300` || !bytes.Contains(r.body, []byte(`"error"`)) {
		t.Errorf("429: %v %s", r.header, r.body)
	}
	// Other callers, other buckets and revocation are not affected.
	h.get("/api/whoami-v2", demoToken(t, "sim-bob-read")).want(t, http.StatusOK)
	h.get("/api/models", "").want(t, http.StatusOK)
	if d := h.get("/alice/sim-sentiment-model/resolve/main/README.md", alice).want(t, http.StatusOK); !strings.HasPrefix(d.header.Get("RateLimit"), `"resolvers";r=2;`) {
		t.Errorf("resolvers bucket: %q", d.header.Get("RateLimit"))
	}
	h.postJSON("/api/credentials/revoke", alice, map[string]any{"credentials": []string{}}).want(t, http.StatusAccepted)
	// A new window resets the count.
	now = now.Add(290 * time.Second)
	if r := h.get("/api/whoami-v2", alice).want(t, http.StatusOK); r.header.Get("RateLimit") != `"api";r=2;t=300` {
		t.Errorf("new window: %q", r.header.Get("RateLimit"))
	}

	unlimited := newHub(t, DemoScenario(), Options{RateLimit: -1})
	for range 5 {
		if r := unlimited.get("/api/whoami-v2", alice).want(t, http.StatusOK); r.header.Get("RateLimit") != "" {
			t.Error("no rate-limit headers without a limit")
		}
	}
	def := newHub(t, DemoScenario(), Options{})
	if got := def.get("/api/whoami-v2", alice).header.Get("RateLimit-Policy"); got != `"fixed window";"api";q=6000;w=300` {
		t.Errorf("default policy %q", got)
	}
}

func TestSpaceSecretsAndVariables(t *testing.T) {
	now := time.Date(2025, 3, 3, 0, 0, 0, 0, time.UTC)
	h := newHub(t, DemoScenario(), Options{Now: func() time.Time { return now }})
	alice := demoToken(t, "sim-alice-write")
	base := "/api/spaces/alice/sim-chat-demo"
	r := h.get(base+"/secrets", alice).want(t, http.StatusOK)
	if bytes.Contains(r.body, []byte("sim-space-secret-value")) || bytes.Contains(r.body, []byte(`"value"`)) ||
		!bytes.Contains(r.body, []byte(`"OPENAI_API_KEY":{"description":"simulated secret"`)) {
		t.Errorf("secrets %s", r.body)
	}
	h.postJSON(base+"/secrets", alice, map[string]string{"key": "PLANTED", "value": "s3cr3t-value", "description": "new"}).want(t, http.StatusOK)
	r = h.get(base+"/secrets", alice).want(t, http.StatusOK)
	var secrets map[string]map[string]string
	r.decode(t, &secrets)
	if len(secrets) != 2 || secrets["PLANTED"]["updatedAt"] != "2025-03-03T00:00:00.000Z" || bytes.Contains(r.body, []byte("s3cr3t")) {
		t.Errorf("secrets %s", r.body)
	}
	h.do(http.MethodDelete, base+"/secrets", alice, mustJSON(t, map[string]string{"key": "PLANTED"})).want(t, http.StatusOK)
	h.do(http.MethodDelete, base+"/secrets", alice, mustJSON(t, map[string]string{"key": "PLANTED"})).want(t, http.StatusNotFound)

	v := h.get(base+"/variables", alice).want(t, http.StatusOK)
	if !bytes.Contains(v.body, []byte(`"MODEL_ID":{"value":"alice/sim-sentiment-model"`)) {
		t.Errorf("variables %s", v.body)
	}
	h.postJSON(base+"/variables", alice, map[string]string{"key": "bad key"}).want(t, http.StatusBadRequest)

	for _, tt := range []struct {
		name, path, token string
		status            int
	}{
		{"read token", base + "/secrets", demoToken(t, "sim-bob-read"), 403},
		{"anonymous", base + "/secrets", "", 401},
		{"private space of others", "/api/spaces/research/sim-eval-space/secrets", demoToken(t, "sim-bob-read"), 404},
		{"fine-grained out of scope", "/api/spaces/research/sim-eval-space/variables", demoToken(t, "sim-alice-acme-ci"), 403},
		{"org writer", "/api/spaces/research/sim-eval-space/secrets", alice, 200},
		{"models have none", "/api/models/alice/sim-sentiment-model/secrets", alice, 404},
	} {
		t.Run(tt.name, func(t *testing.T) { h.get(tt.path, tt.token).want(t, tt.status) })
	}
}

func TestWebhooks(t *testing.T) {
	h := newHub(t, DemoScenario(), Options{})
	alice := demoToken(t, "sim-alice-write")
	type hook struct {
		ID      string        `json:"id"`
		URL     string        `json:"url"`
		Watched []WatchedItem `json:"watched"`
		Domains []string      `json:"domains"`
		Secret  *string       `json:"secret"`
		// Disabled is a pointer to check that it is always present.
		Disabled *bool `json:"disabled"`
	}
	list := func(token string, status int) []hook {
		t.Helper()
		r := h.get("/api/settings/webhooks", token).want(t, status)
		var hooks []hook
		if status == http.StatusOK {
			r.decode(t, &hooks)
		}
		return hooks
	}
	hooks := list(alice, http.StatusOK)
	if len(hooks) != 1 || hooks[0].URL != "https://hooks.example.com/hubsim/alice" || len(hooks[0].Watched) != 2 ||
		hooks[0].Disabled == nil || *hooks[0].Disabled || len(hooks[0].ID) != 24 {
		t.Fatalf("hooks %+v", hooks)
	}
	cr := h.postJSON("/api/settings/webhooks", alice, map[string]any{
		"watched": []WatchedItem{{Type: "model", Name: "alice/sim-sentiment-model"}}, "url": "https://attacker.example/x", "domains": []string{"repo"},
	}).want(t, http.StatusOK)
	var created struct {
		Webhook hook `json:"webhook"`
	}
	cr.decode(t, &created)
	if created.Webhook.ID == "" || created.Webhook.URL != "https://attacker.example/x" {
		t.Fatalf("created %s", cr.body)
	}
	if len(list(alice, http.StatusOK)) != 2 {
		t.Error("created webhook not listed")
	}
	id := created.Webhook.ID
	h.get("/api/settings/webhooks/"+id, alice).want(t, http.StatusOK)
	dis := h.do(http.MethodPost, "/api/settings/webhooks/"+id+"/disable", alice, nil).want(t, http.StatusOK)
	if !bytes.Contains(dis.body, []byte(`"disabled":true`)) {
		t.Errorf("disable %s", dis.body)
	}
	h.postJSON("/api/settings/webhooks", alice, map[string]any{"url": "https://x.example"}).want(t, http.StatusBadRequest)

	bob := demoToken(t, "sim-bob-read")
	if len(list(bob, http.StatusOK)) != 0 {
		t.Error("bob sees alice's webhooks")
	}
	h.get("/api/settings/webhooks/"+id, bob).want(t, http.StatusNotFound)
	h.postJSON("/api/settings/webhooks", bob, map[string]any{"watched": []WatchedItem{{Type: "user", Name: "bob"}}, "url": "https://x.example"}).
		want(t, http.StatusForbidden)
	list(demoToken(t, "sim-alice-acme-ci"), http.StatusForbidden) // no user.webhooks permission
	list("", http.StatusUnauthorized)
	h.do(http.MethodDelete, "/api/settings/webhooks/"+id, bob, nil).want(t, http.StatusForbidden)
	h.do(http.MethodDelete, "/api/settings/webhooks/"+id, alice, nil).want(t, http.StatusOK)
	if len(list(alice, http.StatusOK)) != 1 {
		t.Error("deleted webhook still listed")
	}

	td := newHub(t, testdataScenario(t), Options{})
	fg := testdataToken(t, "sim-carol-tiny-model-reader")
	if r := td.get("/api/settings/webhooks", fg).want(t, http.StatusOK); !bytes.Contains(r.body, []byte(`"domains":["repo"]`)) {
		t.Errorf("fine-grained with user.webhooks.read: %s", r.body)
	}
	td.postJSON("/api/settings/webhooks", fg, map[string]any{"watched": []WatchedItem{{Type: "user", Name: "carol"}}, "url": "https://x.example"}).
		want(t, http.StatusForbidden)
}

func TestRoutes(t *testing.T) {
	h := newHub(t, DemoScenario(), Options{})
	for _, tt := range []struct {
		method, path string
		status       int
	}{
		{"GET", "/", 404},
		{"GET", "/api/nothing", 404},
		{"GET", "/api/models/alice/sim-sentiment-model/unknown", 404},
		{"GET", "/alice/sim-sentiment-model/blob/main/README.md", 404},
		{"POST", "/api/whoami-v2", 405},
		{"GET", "/api/credentials/revoke", 405},
		{"DELETE", "/api/models", 405},
	} {
		r := h.do(tt.method, tt.path, "", nil).want(t, tt.status)
		var e struct {
			Error string `json:"error"`
		}
		if err := json.Unmarshal(r.body, &e); err != nil || e.Error == "" {
			t.Errorf("%s %s: body %s", tt.method, tt.path, r.body)
		}
	}
	// An escaped slash stays inside its segment.
	h.get("/api/models/alice/sim-sentiment-model/commits/refs%2Fheads%2Fdev", "").want(t, http.StatusOK)
}

func TestScenarioFormat(t *testing.T) {
	a, b := DemoScenario(), DemoScenario()
	classic := regexp.MustCompile(`^hf_[A-Za-z]{34}$`)
	for i, tk := range a.Tokens {
		if tk.Token != b.Tokens[i].Token {
			t.Errorf("demo token %d is not deterministic", i)
		}
		if !strings.HasPrefix(tk.DisplayName, "sim-") {
			t.Errorf("demo token %d name %q", i, tk.DisplayName)
		}
		switch tk.Kind {
		case KindClassic, KindFineGrained:
			if !classic.MatchString(tk.Token) {
				t.Errorf("token %q has not the hf_ shape", tk.Token)
			}
		case KindOAuth:
			parts := strings.Split(strings.TrimPrefix(tk.Token, "hf_oauth_"), ".")
			if !strings.HasPrefix(tk.Token, "hf_oauth_") || len(parts) != 3 {
				t.Fatalf("oauth token %q", tk.Token)
			}
			payload, err := base64.RawURLEncoding.DecodeString(parts[1])
			var claims map[string]any
			if err != nil || json.Unmarshal(payload, &claims) != nil || claims["scope"] == nil {
				t.Errorf("JWT payload %s", payload)
			}
		}
	}
	srv := New(a, Options{})
	infos := srv.Tokens()
	if len(infos) != 4 || infos[0].Token != a.Tokens[0].Token || infos[0].User != "alice" || infos[3].Kind != KindOAuth {
		t.Errorf("Tokens %+v", infos)
	}
	if j := string(mustJSON(t, infos[:1])); j != `[{"token":"`+a.Tokens[0].Token+`","user":"alice","kind":"classic"}]` {
		t.Errorf("TokenInfo JSON %s", j)
	}
	// The demo round-trips through JSON.
	again, err := ParseScenario(mustJSON(t, a))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(mustJSON(t, again), mustJSON(t, a)) {
		t.Error("demo does not round-trip")
	}

	valid := `{"users":[{"name":"u","orgs":[{"name":"o","roleInOrg":"read"}]}],"orgs":[{"name":"o"}],
	"tokens":[{"token":"hf_x","user":"u","kind":"classic"}],"repos":[{"id":"u/r"}]}`
	if _, err := ParseScenario([]byte(valid)); err != nil {
		t.Fatalf("valid scenario: %v", err)
	}
	for _, tt := range []struct{ name, from, to string }{
		{"unknown field", `"name":"u",`, `"name":"u","nick":"x",`},
		{"unknown org", `{"name":"o","roleInOrg"`, `{"name":"p","roleInOrg"`},
		{"bad role", `"roleInOrg":"read"`, `"roleInOrg":"owner"`},
		{"unknown token user", `"user":"u","kind"`, `"user":"v","kind"`},
		{"bad kind", `"kind":"classic"`, `"kind":"magic"`},
		{"bad token role", `"kind":"classic"`, `"kind":"classic","role":"admin"`},
		{"duplicate token", `"kind":"classic"}]`, `"kind":"classic"},{"token":"hf_x","user":"u","kind":"classic"}]`},
		{"bad repo id", `"id":"u/r"`, `"id":"r"`},
		{"unknown namespace", `"id":"u/r"`, `"id":"x/r"`},
		{"bad gated", `"id":"u/r"`, `"id":"u/r","gated":"sometimes"`},
		{"bad branch", `"id":"u/r"`, `"id":"u/r","branches":{"dev":"main~5"}`},
		{"bad path", `"id":"u/r"`, `"id":"u/r","files":{"../x":"y"}`},
		{"bad base64", `"id":"u/r"`, `"id":"u/r","files":{"x":{"base64":"!"}}`},
		{"file and dir", `"id":"u/r"`, `"id":"u/r","files":{"a":"1","a/b":"2"}`},
		{"secrets on a model", `"id":"u/r"`, `"id":"u/r","secrets":[{"key":"K","value":"v"}]`},
		{"unknown scope entity", `"kind":"classic"`, `"kind":"fineGrained","fineGrained":{"scoped":[{"entity":{"type":"org","name":"zz"},"permissions":[]}]}`},
		{"trailing data", `"id":"u/r"}]}`, `"id":"u/r"}]} {}`},
		{"webhook owner", `"repos"`, `"webhooks":[{"owner":"zz","url":"https://x","watched":[{"type":"user","name":"u"}]}],"repos"`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			bad := strings.Replace(valid, tt.from, tt.to, 1)
			if bad == valid {
				t.Fatal("replacement did not apply")
			}
			if _, err := ParseScenario([]byte(bad)); err == nil {
				t.Errorf("accepted %s", bad)
			}
		})
	}
	if _, err := LoadScenario("testdata/missing.json"); err == nil {
		t.Error("LoadScenario of a missing file")
	}
	defer func() {
		if recover() == nil {
			t.Error("New accepted an invalid scenario")
		}
	}()
	New(&Scenario{Tokens: []Token{{Token: "x", User: "nobody", Kind: KindClassic}}}, Options{})
}

func TestFileContents(t *testing.T) {
	h := newHub(t, testdataScenario(t), Options{})
	tok := testdataToken(t, "sim-carol-write")
	r := h.get("/lab/tiny-model/resolve/main/tokenizer.bin", tok).want(t, http.StatusOK)
	if want, _ := base64.StdEncoding.DecodeString("AAECA//+AIlQTkc="); !bytes.Equal(r.body, want) || r.header.Get("X-Linked-Size") != "11" {
		t.Errorf("base64 file %x %v", r.body, r.header)
	}
	w := h.get("/lab/tiny-model/resolve/main/weights/model.bin", tok).want(t, http.StatusOK)
	w2 := newHub(t, testdataScenario(t), Options{}).get("/lab/tiny-model/resolve/main/weights/model.bin", tok)
	if len(w.body) != 65536 || !bytes.Equal(w.body, w2.body) {
		t.Error("generated content is not deterministic")
	}
	if c := h.get("/lab/tiny-model/resolve/v0.1/config.json", tok).want(t, http.StatusOK); string(c.body) != "{\"hidden_size\": 8}\n" {
		t.Errorf("v0.1 config %q", c.body)
	}
	// File round-trips through JSON in its short and long forms.
	for _, f := range []File{{Text: "hi"}, {Base64: "AA=="}, {Size: 3, LFS: new(bool)}} {
		var back File
		if err := json.Unmarshal(mustJSON(t, f), &back); err != nil || !fileEqual(back, f) {
			t.Errorf("round trip %+v → %+v (%v)", f, back, err)
		}
	}
}

func fileEqual(a, b File) bool {
	return a.Text == b.Text && a.Base64 == b.Base64 && a.Size == b.Size && (a.LFS == nil) == (b.LFS == nil)
}

func TestStartAndConcurrency(t *testing.T) {
	srv := New(DemoScenario(), Options{Latency: 5 * time.Millisecond})
	base, stop, err := srv.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	if !strings.HasPrefix(base, "http://127.0.0.1:") {
		t.Fatalf("base URL %q", base)
	}
	h := &hub{t: t, srv: srv, url: base}
	alice := demoToken(t, "sim-alice-write")
	start := time.Now()
	h.get("/api/whoami-v2", alice).want(t, http.StatusOK)
	if time.Since(start) < 5*time.Millisecond {
		t.Error("latency not applied")
	}
	var wg sync.WaitGroup
	errs := make(chan string, 40)
	for i := range 20 {
		wg.Add(2)
		go func() {
			defer wg.Done()
			body := ndjson(t, kv("header", map[string]any{"summary": fmt.Sprint("c", i)}),
				kv("file", map[string]any{"content": base64.StdEncoding.EncodeToString([]byte(fmt.Sprint("content ", i))), "path": fmt.Sprint("f", i), "encoding": "base64"}))
			req, _ := http.NewRequest(http.MethodPost, base+"/api/models/alice/sim-sentiment-model/commit/main", bytes.NewReader(body))
			req.Header.Set("Authorization", "Bearer "+alice)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				errs <- err.Error()
				return
			}
			_ = resp.Body.Close() // only the status is wanted: closing loses nothing
			if resp.StatusCode != http.StatusOK {
				errs <- resp.Status
			}
		}()
		go func() {
			defer wg.Done()
			resp, err := http.Get(base + "/api/models?author=alice")
			if err != nil {
				errs <- err.Error()
				return
			}
			_ = resp.Body.Close() // only the status is wanted: closing loses nothing
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
	r := h.get("/api/models/alice/sim-sentiment-model/commits/main?limit=1", "").want(t, http.StatusOK)
	if r.header.Get("X-Total-Count") != "23" {
		t.Errorf("%s commits after 20 concurrent ones on 3", r.header.Get("X-Total-Count"))
	}
	if n := srv.RequestCount(); n != 42 {
		t.Errorf("RequestCount %d, want 42", n)
	}
	stop()
	if _, err := http.Get(base + "/api/whoami-v2"); err == nil {
		t.Error("server still answers after stop")
	}
}

func BenchmarkWhoami(b *testing.B) {
	srv := New(DemoScenario(), Options{RateLimit: -1})
	req := httptest.NewRequest(http.MethodGet, "/api/whoami-v2", nil)
	req.Header.Set("Authorization", "Bearer "+DemoScenario().Tokens[0].Token)
	for b.Loop() {
		w := httptest.NewRecorder()
		srv.ServeHTTP(w, req)
		if w.Code != http.StatusOK {
			b.Fatal(w.Code)
		}
	}
}

func BenchmarkResolveRange(b *testing.B) {
	srv := New(DemoScenario(), Options{RateLimit: -1})
	req := httptest.NewRequest(http.MethodGet, "/alice/sim-sentiment-model/resolve/main/model.safetensors", nil)
	req.Header.Set("Range", "bytes=0-1023")
	for b.Loop() {
		w := httptest.NewRecorder()
		srv.ServeHTTP(w, req)
		if w.Code != http.StatusPartialContent {
			b.Fatal(w.Code)
		}
	}
}

// TestLoadScenarioBounded: a scenario file past MaxScenarioSize, or a
// path that is not a regular file, is a clear error, never read whole.
func TestLoadScenarioBounded(t *testing.T) {
	big := t.TempDir() + "/big.json"
	if err := os.WriteFile(big, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(big, MaxScenarioSize+1); err != nil { // sparse
		t.Fatal(err)
	}
	for _, path := range []string{big, os.DevNull} {
		if _, err := LoadScenario(path); err == nil || strings.Contains(err.Error(), "\n") {
			t.Errorf("LoadScenario(%s): %v, want a one-line error", path, err)
		}
	}
}

// TestExpand: each repository type accepts only its own expand values
// (spaces have no "gated"), an unknown one is 400 with the Hub's message,
// and with expand only "_id", "id" and the requested fields come back.
func TestExpand(t *testing.T) {
	h := newHub(t, DemoScenario(), Options{})
	tests := []struct {
		name, path string
		status     int
		keys       []string // of every item, sorted
	}{
		{"models gated", "/api/models?author=alice&expand=private&expand=gated&expand=lastModified", 200,
			[]string{"_id", "gated", "id", "lastModified", "private"}},
		{"datasets gated", "/api/datasets?author=alice&expand[]=gated", 200, []string{"_id", "gated", "id"}},
		{"spaces without gated", "/api/spaces?author=alice&expand=private&expand=lastModified&expand=sdk", 200,
			[]string{"_id", "id", "lastModified", "private", "sdk"}},
		{"spaces refuse gated", "/api/spaces?author=alice&expand=private&expand=gated", 400, nil},
		{"spaces refuse downloads", "/api/spaces?expand=downloads", 400, nil},
		{"models refuse runtime", "/api/models?expand=runtime", 400, nil},
		{"unknown value", "/api/datasets?expand=foo", 400, nil},
		{"info with expand", "/api/spaces/alice/sim-chat-demo?expand=sdk&expand=private", 200, []string{"_id", "id", "private", "sdk"}},
		{"info refuses gated for a space", "/api/spaces/alice/sim-chat-demo?expand=gated", 400, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := h.get(tt.path, demoToken(t, "sim-alice-write")).want(t, tt.status)
			if tt.status == 400 {
				msg := r.header.Get("X-Error-Message")
				if !strings.HasPrefix(msg, `"expand" must be one of [`) || !strings.Contains(string(r.body), `"error"`) {
					t.Errorf("message %q, body %s", msg, r.body)
				}
				if strings.Contains(tt.path, "spaces") && strings.Contains(msg, "gated") {
					t.Errorf("spaces offer gated: %q", msg)
				}
				return
			}
			var items []map[string]json.RawMessage
			if strings.Contains(tt.path, "?author=") {
				if err := json.Unmarshal(r.body, &items); err != nil {
					t.Fatal(err)
				}
			} else {
				var one map[string]json.RawMessage
				if err := json.Unmarshal(r.body, &one); err != nil {
					t.Fatal(err)
				}
				items = append(items, one)
			}
			if len(items) == 0 {
				t.Fatalf("no items: %s", r.body)
			}
			for _, it := range items {
				keys := slices.Sorted(maps.Keys(it))
				if !slices.Equal(keys, tt.keys) {
					t.Errorf("keys %v, want %v", keys, tt.keys)
				}
			}
		})
	}
}

// TestJobWebhookCreate: a webhook triggers a Job (jobSourceId) or posts
// to a url, never both; an unknown Job is 404, and the answer has a job
// and no url.
func TestJobWebhookCreate(t *testing.T) {
	sc := DemoScenario()
	sc.Jobs = []Job{{ID: "job1", Owner: "alice", JobSpec: JobSpec{DockerImage: "ubuntu", Command: []string{"true"}}}}
	h := newHub(t, sc, Options{RateLimit: -1})
	alice := demoToken(t, "sim-alice-write")
	watched := []map[string]string{{"type": "user", "name": "alice"}}
	for _, tc := range []struct {
		name   string
		body   map[string]any
		status int
	}{
		{"job", map[string]any{"jobSourceId": "job1", "watched": watched}, http.StatusOK},
		{"unknown job", map[string]any{"jobSourceId": "nope", "watched": watched}, http.StatusNotFound},
		{"url and job", map[string]any{"jobSourceId": "job1", "url": "https://x.example/", "watched": watched}, http.StatusBadRequest},
		{"neither", map[string]any{"watched": watched}, http.StatusBadRequest},
	} {
		r := h.postJSON("/api/settings/webhooks", alice, tc.body)
		if r.status != tc.status {
			t.Errorf("%s: status %d %s", tc.name, r.status, r.body)
			continue
		}
		if tc.status != http.StatusOK {
			continue
		}
		var out struct {
			Webhook map[string]json.RawMessage `json:"webhook"`
		}
		if err := json.Unmarshal(r.body, &out); err != nil {
			t.Fatal(err)
		}
		if _, hasURL := out.Webhook["url"]; hasURL || !bytes.Contains(out.Webhook["job"], []byte(`"dockerImage":"ubuntu"`)) {
			t.Errorf("%s: webhook %s", tc.name, r.body)
		}
	}
}
