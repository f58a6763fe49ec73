package hubsim

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
)

// grantsScenario is an org "lab" using resource groups, with OAuth, app
// and resource-group-scoped fine-grained tokens.
func grantsScenario() *Scenario {
	tok := func(name string, t Token) Token {
		t.Token, t.DisplayName = fakeToken(name), name
		return t
	}
	return &Scenario{
		Users: []User{
			{Name: "ria", Orgs: []Membership{{Name: "lab", RoleInOrg: "read",
				ResourceGroups: []GroupRole{{Name: "vision", Role: "write"}}}}},
			{Name: "nox", Orgs: []Membership{{Name: "lab", RoleInOrg: "no_access",
				ResourceGroups: []GroupRole{{Name: "vision", Role: "read"}}}}},
			{Name: "wil", Orgs: []Membership{{Name: "lab", RoleInOrg: "write"}}},
			{Name: "amy", Orgs: []Membership{{Name: "lab", RoleInOrg: "admin"}}},
		},
		Orgs: []Org{{Name: "lab", Plan: "enterprise", ResourceGroups: []string{"vision", "audio"}}},
		Tokens: []Token{
			tok("ria-write", Token{User: "ria", Kind: KindClassic, Role: "write"}),
			tok("ria-read", Token{User: "ria", Kind: KindClassic, Role: "read"}),
			tok("nox-write", Token{User: "nox", Kind: KindClassic, Role: "write"}),
			tok("wil-write", Token{User: "wil", Kind: KindClassic, Role: "write"}),
			tok("amy-write", Token{User: "amy", Kind: KindClassic, Role: "write"}),
			tok("ria-fg-group", Token{User: "ria", Kind: KindFineGrained, FineGrained: &FineGrained{
				Scoped: []Scope{{Entity: Entity{Type: "resource-group", Name: "lab/vision"}, Permissions: []string{"repo.content.read", "repo.write"}}}}}),
			tok("wil-oauth-write", Token{User: "wil", Kind: KindOAuth, Scopes: []string{"openid", "read-repos", "write-repos"}, Orgs: []string{"lab"}}),
			tok("wil-oauth-noconsent", Token{User: "wil", Kind: KindOAuth, Scopes: []string{"openid", "read-repos", "write-repos"}}),
			tok("wil-oauth-profile", Token{User: "wil", Kind: KindOAuth, Scopes: []string{"openid", "profile"}, Orgs: []string{"lab"}}),
			tok("wil-oauth-gated", Token{User: "wil", Kind: KindOAuth, Scopes: []string{"gated-repos"}}),
			tok("app-write", Token{User: "ci-app", Kind: KindApp, Role: "write", Entities: []string{"lab"}}),
			tok("app-read", Token{User: "ci-app", Kind: KindApp, Role: "read", Entities: []string{"lab"}}),
			tok("wil-oauth-hooks", Token{User: "wil", Kind: KindOAuth, Scopes: []string{"openid", "webhooks"}}),
		},
		Repos: []Repo{
			{ID: "lab/plain", Private: true},
			{ID: "lab/vision-private", Private: true, ResourceGroup: "vision"},
			{ID: "lab/vision-public", ResourceGroup: "vision"},
			{ID: "lab/audio-private", Private: true, ResourceGroup: "audio"},
			{ID: "wil/own", Private: true},
			{ID: "nox/gated", Gated: "auto", ApprovedUsers: []string{"wil"}}, // wil asked and was let in
		},
	}
}

func grantsToken(t *testing.T, name string) string {
	t.Helper()
	for _, tk := range grantsScenario().Tokens {
		if tk.DisplayName == name {
			return tk.Token
		}
	}
	t.Fatalf("no token %q", name)
	return ""
}

func TestGrantsAuthCheck(t *testing.T) {
	h := newHub(t, grantsScenario(), Options{})
	const r, w = "read", "write"
	const hidden = -1 // RepoNotFound, whatever the status
	tests := []struct {
		token, repo, check string
		status             int
	}{
		// resource groups: the group role, whatever the org role
		{"ria-write", "lab/vision-private", w, 200},
		{"ria-write", "lab/vision-public", w, 200},
		{"ria-read", "lab/vision-private", w, 403},
		{"ria-write", "lab/plain", r, 200},
		{"ria-write", "lab/plain", w, 403},
		{"ria-write", "lab/audio-private", r, hidden},
		{"wil-write", "lab/plain", w, 200},
		{"wil-write", "lab/vision-private", r, hidden}, // not in the group
		{"wil-write", "lab/vision-public", w, 403},
		{"amy-write", "lab/audio-private", w, 200}, // org admins manage every group
		// no_access: only the groups
		{"nox-write", "lab/plain", r, hidden},
		{"nox-write", "lab/vision-private", r, 200},
		{"nox-write", "lab/vision-private", w, 403},
		// fine-grained scoped to a resource group
		{"ria-fg-group", "lab/vision-private", w, 200},
		{"ria-fg-group", "lab/plain", r, 403},
		// OAuth: scopes and per-org consent
		{"wil-oauth-write", "lab/plain", w, 200},
		{"wil-oauth-write", "wil/own", w, 200},
		{"wil-oauth-noconsent", "wil/own", w, 200},
		{"wil-oauth-noconsent", "lab/plain", r, 403},
		{"wil-oauth-profile", "wil/own", r, 403},
		{"wil-oauth-profile", "nox/gated", r, 403},
		{"wil-oauth-gated", "nox/gated", r, 200},
		// app tokens: the scope's role on its entities
		{"app-write", "lab/vision-private", w, 200},
		{"app-read", "lab/plain", r, 200},
		{"app-read", "lab/plain", w, 403},
		{"app-write", "wil/own", r, hidden},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%s/%s/%s", tt.token, tt.repo, tt.check), func(t *testing.T) {
			path := "/api/models/" + tt.repo + "/auth-check"
			if tt.check == w {
				path += "/write"
			}
			got := h.get(path, grantsToken(t, tt.token))
			code := got.header.Get("X-Error-Code")
			switch {
			case tt.status == hidden:
				if code != "RepoNotFound" {
					t.Errorf("%d %q, want RepoNotFound; body %s", got.status, code, got.body)
				}
			case got.status != tt.status:
				t.Errorf("%d %q, want %d; body %s", got.status, code, tt.status, got.body)
			}
		})
	}
}

func TestGrantsListing(t *testing.T) {
	h := newHub(t, grantsScenario(), Options{})
	tests := []struct {
		token string
		want  []string // private lab repos listed
	}{
		{"ria-write", []string{"lab/plain", "lab/vision-private"}},
		{"wil-write", []string{"lab/plain"}},
		{"nox-write", []string{"lab/vision-private"}},
		{"amy-write", []string{"lab/audio-private", "lab/plain", "lab/vision-private"}},
		{"ria-fg-group", []string{"lab/vision-private"}},
		{"wil-oauth-write", []string{"lab/plain"}},
		{"wil-oauth-noconsent", nil},
		{"app-read", []string{"lab/audio-private", "lab/plain", "lab/vision-private"}},
	}
	for _, tt := range tests {
		t.Run(tt.token, func(t *testing.T) {
			r := h.get("/api/models?author=lab", grantsToken(t, tt.token)).want(t, http.StatusOK)
			var items []struct {
				ID      string `json:"id"`
				Private bool   `json:"private"`
			}
			if err := json.Unmarshal(r.body, &items); err != nil {
				t.Fatal(err)
			}
			var priv []string
			for _, it := range items {
				if it.Private {
					priv = append(priv, it.ID)
				}
			}
			slices.Sort(priv)
			if !slices.Equal(priv, tt.want) {
				t.Errorf("private %v, want %v", priv, tt.want)
			}
		})
	}
}

func TestGrantsWhoami(t *testing.T) {
	h := newHub(t, grantsScenario(), Options{})
	t.Run("resource groups", func(t *testing.T) {
		raw := h.get("/api/whoami-v2", grantsToken(t, "ria-fg-group")).want(t, http.StatusOK).body
		var w struct {
			Orgs []struct {
				RoleInOrg      string `json:"roleInOrg"`
				ResourceGroups []struct{ ID, Name, Role string }
			} `json:"orgs"`
			Auth struct {
				AccessToken struct {
					FineGrained struct {
						Scoped []struct {
							Entity struct {
								ID   string `json:"_id"`
								Type string `json:"type"`
								Name string `json:"name"`
							} `json:"entity"`
						} `json:"scoped"`
					} `json:"fineGrained"`
				} `json:"accessToken"`
			} `json:"auth"`
		}
		if err := json.Unmarshal(raw, &w); err != nil {
			t.Fatal(err)
		}
		if len(w.Orgs) != 1 || len(w.Orgs[0].ResourceGroups) != 1 {
			t.Fatalf("orgs: %s", raw)
		}
		g, e := w.Orgs[0].ResourceGroups[0], w.Auth.AccessToken.FineGrained.Scoped[0].Entity
		if g.Name != "vision" || g.Role != "write" || len(g.ID) != 24 || e.Type != "resource-group" || e.Name != "vision" || e.ID != g.ID {
			t.Errorf("group %+v, entity %+v: %s", g, e, raw)
		}
	})
	t.Run("oauth", func(t *testing.T) {
		raw := string(h.get("/api/whoami-v2", grantsToken(t, "wil-oauth-write")).want(t, http.StatusOK).body)
		if !strings.Contains(raw, `"auth":{"type":"oauth","accessToken":{"createdAt":`) || strings.Contains(raw, `"role":"`) || strings.Contains(raw, "displayName") {
			t.Errorf("an OAuth answer has no role nor displayName: %s", raw)
		}
	})
	t.Run("app", func(t *testing.T) {
		raw := string(h.get("/api/whoami-v2", grantsToken(t, "app-write")).want(t, http.StatusOK).body)
		if !strings.Contains(raw, `"type":"app"`) || !strings.Contains(raw, `"name":"ci-app","scope":{"entities":["lab"],"role":"write"},"auth":{"type":"app_token"}`) {
			t.Errorf("app: %s", raw)
		}
	})
}

func TestGrantsOAuthWebhooks(t *testing.T) {
	h := newHub(t, grantsScenario(), Options{})
	for name, want := range map[string]int{"wil-oauth-hooks": http.StatusOK, "wil-oauth-write": http.StatusForbidden} {
		if got := h.get("/api/settings/webhooks", grantsToken(t, name)); got.status != want {
			t.Errorf("%s: %d, want %d: %s", name, got.status, want, got.body)
		}
	}
}

func TestGrantsScenarioErrors(t *testing.T) {
	tests := []struct {
		name   string
		change func(*Scenario)
	}{
		{"unknown group of a repo", func(s *Scenario) { s.Repos[0].ResourceGroup = "nope" }},
		{"unknown group of a member", func(s *Scenario) { s.Users[0].Orgs[0].ResourceGroups[0].Name = "nope" }},
		{"bad group role", func(s *Scenario) { s.Users[0].Orgs[0].ResourceGroups[0].Role = "no_access" }},
		{"scopes on a classic token", func(s *Scenario) { s.Tokens[0].Scopes = []string{"read-repos"} }},
		{"unknown consented org", func(s *Scenario) { s.Tokens[6].Orgs = []string{"nope"} }},
		{"unknown app entity", func(s *Scenario) { s.Tokens[10].Entities = []string{"nope"} }},
		{"bad app role", func(s *Scenario) { s.Tokens[10].Role = "fineGrained" }},
		{"unknown resource-group scope", func(s *Scenario) {
			s.Tokens[5].FineGrained.Scoped[0].Entity.Name = "lab/nope"
		}},
	}
	if err := grantsScenario().Validate(); err != nil {
		t.Fatalf("the scenario itself: %v", err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := grantsScenario()
			tt.change(s)
			if err := s.Validate(); err == nil {
				t.Error("accepted")
			}
		})
	}
}

func TestOAuthScopesFromJWT(t *testing.T) {
	tok := newDemoTokens().oauth("sub", "openid write-repos", epoch, epoch.AddDate(80, 0, 0))
	sc := &Scenario{Users: []User{{Name: "zed"}}, Tokens: []Token{{Token: tok, User: "zed", Kind: KindOAuth}},
		Repos: []Repo{{ID: "zed/own", Private: true}}}
	h := newHub(t, sc, Options{})
	if got := h.get("/api/models/zed/own/auth-check/write", tok); got.status != http.StatusOK {
		t.Errorf("write-repos from the JWT scope claim: %d %s", got.status, got.body)
	}
}
