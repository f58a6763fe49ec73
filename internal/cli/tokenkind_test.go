package cli_test

import (
	"encoding/base64"
	"strings"
	"testing"

	"github.com/hfwarden/hfwarden/internal/hubsim"
)

// kindSim serves an org "corp" with a disabled repository, and a classic,
// an OAuth and an app token; it returns the URL and the tokens by kind.
func kindSim(t *testing.T) (string, map[string]string) {
	t.Helper()
	enc := base64.RawURLEncoding
	toks := map[string]string{
		"classic": "hf_" + "KiNdClAsSiCqWeRtYzXcVbNmAsDfGhJkLp",
		"oauth": "hf_oauth_" + enc.EncodeToString([]byte(`{"alg":"EdDSA","typ":"JWT"}`)) + "." +
			enc.EncodeToString([]byte(`{"sub":"uma","scope":"openid profile write-repos","exp":4070941200}`)) + "." + enc.EncodeToString([]byte("sig")),
		"app": "hf_" + "ujzPdeIgxLdGncfBAepfJBdKhoOOLdKLzd",
	}
	sc, err := hubsim.ParseScenario([]byte(`{
	  "users": [{"name": "uma", "fullname": "Uma", "orgs": [{"name": "corp", "roleInOrg": "write"}]}],
	  "orgs": [{"name": "corp"}],
	  "tokens": [
	    {"token": "` + toks["classic"] + `", "user": "uma", "kind": "classic", "role": "write", "displayName": "uma-write"},
	    {"token": "` + toks["oauth"] + `", "user": "uma", "kind": "oauth", "orgs": ["corp"]},
	    {"token": "` + toks["app"] + `", "user": "ci-app", "kind": "app", "role": "write", "entities": ["corp"]}
	  ],
	  "repos": [{"id": "corp/live", "files": {"README.md": "x"}}, {"id": "corp/off", "disabled": true, "files": {"README.md": "x"}}]
	}`))
	if err != nil {
		t.Fatal(err)
	}
	url, stop, err := hubsim.New(sc, hubsim.Options{RateLimit: -1}).Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(stop)
	return url, toks
}

// TestAssessTextPerTokenKind: the text output says only what the Hub
// answered for each kind of token (no empty name, role or full name), and
// a disabled repository shows access none without being counted.
func TestAssessTextPerTokenKind(t *testing.T) {
	url, toks := kindSim(t)
	for _, tt := range []struct {
		kind, owner, token string
	}{
		{"classic", "owner: uma (Uma)\n", `token: "uma-write", classic write token, created `},
		{"oauth", "owner: uma (Uma)\n", "token: OAuth access token, created "},
		{"app", "owner: ci-app (app)\n", "token: app token, role write\n"},
	} {
		t.Run(tt.kind, func(t *testing.T) {
			r := runCLI(t, toks[tt.kind], "assess", "--endpoint", url)
			if r.code != 0 {
				t.Fatalf("exit %d: %s", r.code, r.stderr)
			}
			for _, want := range []string{tt.owner, tt.token, "can write to 1 repositories of organization(s) corp"} {
				if !strings.Contains(r.stdout, want) {
					t.Errorf("output lacks %q:\n%s", want, r.stdout)
				}
			}
			for _, bad := range []string{`""`, "()", "role ,", "role \n"} {
				if strings.Contains(r.stdout, bad) {
					t.Errorf("output has the blank field %q:\n%s", bad, r.stdout)
				}
			}
			if !strings.Contains(r.stdout, "  none   model    corp/off") || !strings.Contains(r.stdout, "disabled by the Hub") {
				t.Errorf("the disabled repository is not shown with access none:\n%s", r.stdout)
			}
		})
	}
}

// TestAuditAppTokenWebhooks: an app token's audit says that app tokens
// cannot manage webhooks, not that a fine-grained permission is missing.
func TestAuditAppTokenWebhooks(t *testing.T) {
	url, toks := kindSim(t)
	r := runCLI(t, toks["app"], "audit", "--endpoint", url, "--since", "2020-01-01")
	out := r.stdout + r.stderr
	if !strings.Contains(out, "app tokens cannot manage webhooks at all") || strings.Contains(out, "user.webhooks.read") {
		t.Errorf("exit %d, output:\n%s", r.code, out)
	}
}
