package assess

import (
	"encoding/base64"
	"strings"
	"testing"

	"github.com/hfwarden/hfwarden/internal/hub"
	"github.com/hfwarden/hfwarden/internal/hubsim"
	"github.com/hfwarden/hfwarden/internal/testutil"
)

// oauthJWT is an "hf_oauth_" token whose JWT carries the scope claim, the
// shape the Hub issues (unsigned: the simulator does not check).
func oauthJWT(sub, scope string) string {
	enc := base64.RawURLEncoding
	return "hf_oauth_" + enc.EncodeToString([]byte(`{"alg":"EdDSA","typ":"JWT"}`)) + "." +
		enc.EncodeToString([]byte(`{"sub":"`+sub+`","scope":"`+scope+`","exp":4070941200}`)) + "." +
		enc.EncodeToString([]byte("signature-of-sixty-four-bytes-or-so"))
}

// grantsSim serves an org "lab" using resource groups, with OAuth, app and
// resource-group-scoped tokens; it returns a client and the tokens by name.
func grantsSim(t *testing.T) (*hub.Client, map[string]string) {
	t.Helper()
	toks := map[string]string{
		"oauth-write":     oauthJWT("wil", "openid profile read-repos write-repos inference-api"),
		"oauth-noconsent": oauthJWT("wil", "openid profile read-repos write-repos") + "x",
		"oauth-read":      oauthJWT("wil", "openid profile read-repos") + "y",
		"app-write":       "hf_" + strings.Repeat("a", 34),
		"ria-write":       "hf_" + strings.Repeat("b", 34),
		"nox-write":       "hf_" + strings.Repeat("c", 34),
		"ria-fg-group":    "hf_" + strings.Repeat("d", 34),
	}
	sc := &hubsim.Scenario{
		Users: []hubsim.User{
			{Name: "wil", Orgs: []hubsim.Membership{{Name: "lab", RoleInOrg: "write"}}},
			{Name: "ria", Orgs: []hubsim.Membership{{Name: "lab", RoleInOrg: "read",
				ResourceGroups: []hubsim.GroupRole{{Name: "vision", Role: "write"}}}}},
			{Name: "nox", Orgs: []hubsim.Membership{{Name: "lab", RoleInOrg: "no_access",
				ResourceGroups: []hubsim.GroupRole{{Name: "vision", Role: "read"}}}}},
		},
		Orgs: []hubsim.Org{{Name: "lab", Plan: "enterprise", ResourceGroups: []string{"vision", "audio"}}},
		Tokens: []hubsim.Token{
			{Token: toks["oauth-write"], User: "wil", Kind: hubsim.KindOAuth, Orgs: []string{"lab"}},
			{Token: toks["oauth-noconsent"], User: "wil", Kind: hubsim.KindOAuth, Scopes: []string{"openid", "profile", "read-repos", "write-repos"}},
			{Token: toks["oauth-read"], User: "wil", Kind: hubsim.KindOAuth, Scopes: []string{"openid", "profile", "read-repos"}, Orgs: []string{"lab"}},
			{Token: toks["app-write"], User: "ci-app", Kind: hubsim.KindApp, Role: "write", Entities: []string{"lab"}},
			{Token: toks["ria-write"], User: "ria", Kind: hubsim.KindClassic, Role: "write"},
			{Token: toks["nox-write"], User: "nox", Kind: hubsim.KindClassic, Role: "write"},
			{Token: toks["ria-fg-group"], User: "ria", Kind: hubsim.KindFineGrained, FineGrained: &hubsim.FineGrained{
				Scoped: []hubsim.Scope{{Entity: hubsim.Entity{Type: "resource-group", Name: "lab/vision"}, Permissions: []string{"repo.content.read", "repo.write"}}}}},
		},
		Repos: []hubsim.Repo{
			{ID: "lab/plain", Private: true},
			{ID: "lab/plain-space", Type: "space", Private: true},
			{ID: "lab/vision-private", Private: true, ResourceGroup: "vision"},
			{ID: "lab/vision-public", ResourceGroup: "vision"},
			{ID: "lab/audio-private", Private: true, ResourceGroup: "audio"},
			{ID: "wil/own", Private: true},
			{ID: "wil/public"},
		},
	}
	_, url := testutil.StartHub(t, sc, hubsim.Options{RateLimit: -1})
	c, err := hub.New(hub.Options{Endpoint: url, RatePerSecond: -1})
	if err != nil {
		t.Fatal(err)
	}
	return c, toks
}

func TestAssessGrants(t *testing.T) {
	c, toks := grantsSim(t)
	tests := []struct {
		token    string
		severity string
		owner    string
		access   map[string]Access // every repository the token reaches
		basis    map[string]string // a part of the basis of some
	}{
		{"oauth-write", "critical", "wil", map[string]Access{
			// vision's private repository is hidden from wil (no member
			// of the group), its public one only readable.
			"wil/own": Write, "wil/public": Write, "lab/plain": Write, "lab/plain-space": Write, "lab/vision-public": Read,
		}, map[string]string{"wil/own": "oauth scope write-repos; write confirmed by auth-check", "lab/plain": "oauth scope write-repos ∩ org role write",
			"lab/vision-public": "auth-check: no write"}},
		{"oauth-noconsent", "high", "wil", map[string]Access{
			// No consent for lab: its private repositories are not
			// listed, its public ones only readable.
			"wil/own": Write, "wil/public": Write, "lab/vision-public": Read,
		}, map[string]string{"lab/vision-public": "auth-check: no write"}},
		{"oauth-read", "medium", "wil", map[string]Access{
			"wil/own": Read, "wil/public": Read, "lab/plain": Read, "lab/plain-space": Read, "lab/vision-public": Read,
		}, map[string]string{"wil/own": "oauth scope read-repos"}},
		{"app-write", "critical", "ci-app", map[string]Access{
			"lab/plain": Write, "lab/plain-space": Write, "lab/vision-private": Write, "lab/vision-public": Write, "lab/audio-private": Write,
		}, map[string]string{"lab/plain": "app token with role write on lab"}},
		{"ria-write", "critical", "ria", map[string]Access{
			// A read member with group write writes the group's
			// repositories, and only reads the others.
			"lab/vision-private": Write, "lab/vision-public": Write, "lab/plain": Read, "lab/plain-space": Read,
		}, map[string]string{"lab/vision-private": "write confirmed by auth-check (the owner is in resource group vision write)", "lab/plain": "auth-check: no write"}},
		{"nox-write", "medium", "nox", map[string]Access{
			// no_access: only the group's repositories, read.
			"lab/vision-private": Read, "lab/vision-public": Read,
		}, map[string]string{"lab/vision-private": "org role no_access; resource group vision read"}},
		{"ria-fg-group", "critical", "ria", map[string]Access{
			"lab/vision-private": Write, "lab/vision-public": Write,
		}, map[string]string{"lab/vision-private": "fine-grained repo.write on a resource group"}},
	}
	for _, tt := range tests {
		t.Run(tt.token, func(t *testing.T) {
			r, err := Assess(t.Context(), c, toks[tt.token], Options{})
			if err != nil {
				t.Fatal(err)
			}
			if r.Status != "live" || r.Severity != tt.severity || r.Owner != tt.owner {
				t.Fatalf("status %s severity %s owner %s reasons %v warnings %v", r.Status, r.Severity, r.Owner, r.Reasons, r.Warnings)
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
			for _, rp := range r.Repos {
				if part, ok := tt.basis[rp.ID]; ok && !strings.Contains(rp.Basis, part) {
					t.Errorf("%s: basis %q, want it to name %q", rp.ID, rp.Basis, part)
				}
				// The listing does not say which repositories a group
				// holds: only those auth-check confirmed may name it.
				if !strings.HasPrefix(rp.ID, "lab/vision-") && strings.Contains(rp.Basis, "resource group vision") {
					t.Errorf("%s: basis %q names resource group vision, which does not hold it", rp.ID, rp.Basis)
				}
				if !strings.HasPrefix(tt.token, "ria-w") && !strings.HasPrefix(tt.token, "nox") && strings.Contains(rp.Basis, "classic") {
					t.Errorf("%s: basis %q names a classic token", rp.ID, rp.Basis)
				}
			}
			if len(r.Warnings) > 0 {
				t.Errorf("warnings: %v", r.Warnings)
			}
		})
	}
}

func TestAssessOAuthIdentity(t *testing.T) {
	c, toks := grantsSim(t)
	r, err := Assess(t.Context(), c, toks["oauth-write"], Options{})
	if err != nil {
		t.Fatal(err)
	}
	if r.Token.Type != "oauth" || r.Token.Role != "" || !strings.Contains(strings.Join(r.Token.Scopes, " "), "oauth:write-repos") {
		t.Errorf("token %+v", r.Token)
	}
	caps := strings.Join(r.Capabilities, "\n")
	if !strings.Contains(caps, "write-repos") || !strings.Contains(caps, "Inference Providers") || strings.Contains(caps, "webhooks") {
		t.Errorf("capabilities %v", r.Capabilities)
	}
	a, err := Assess(t.Context(), c, toks["app-write"], Options{})
	if err != nil {
		t.Fatal(err)
	}
	if a.OwnerType != "app" || a.Token.Role != "write" || a.Token.Type != "app_token" || len(a.Capabilities) != 1 {
		t.Errorf("app: owner type %s token %+v capabilities %v", a.OwnerType, a.Token, a.Capabilities)
	}
}

func TestOAuthScopesDecoding(t *testing.T) {
	tests := []struct {
		token string
		want  string // joined; "-" for nil
	}{
		{oauthJWT("u", "openid write-repos"), "openid write-repos"},
		{oauthJWT("u", ""), ""},
		{"hf_oauth_notajwt", "-"},
		{"hf_oauth_a.!!!.c", "-"},
		{"hf_oauth_" + base64.RawURLEncoding.EncodeToString([]byte("{}")) + "." + base64.RawURLEncoding.EncodeToString([]byte("[1]")) + ".s", "-"},
	}
	for _, tt := range tests {
		got := oauthScopes(tt.token)
		s := strings.Join(got, " ")
		if got == nil {
			s = "-"
		}
		if s != tt.want && !(tt.want == "" && s == "-") {
			t.Errorf("%q: %q, want %q", tt.token, s, tt.want)
		}
	}
}
