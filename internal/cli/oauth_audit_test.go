package cli_test

import (
	"encoding/base64"
	"encoding/json"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hfwarden/hfwarden/internal/hub"
	"github.com/hfwarden/hfwarden/internal/hubsim"
	"github.com/hfwarden/hfwarden/internal/testutil"
)

// An OAuth token with write-repos reaches what its scopes and the orgs
// consented to allow: audit checks those repositories, not none.
func TestAuditOAuthWriteToken(t *testing.T) {
	t.Setenv("XDG_DATA_HOME", t.TempDir())
	enc := base64.RawURLEncoding
	tok := "hf_oauth_" + enc.EncodeToString([]byte(`{"alg":"EdDSA","typ":"JWT"}`)) + "." +
		enc.EncodeToString([]byte(`{"sub":"wil","scope":"openid profile read-repos write-repos webhooks","exp":4070941200}`)) + "." +
		enc.EncodeToString([]byte("simulated-signature"))
	old := time.Date(2026, 1, 10, 9, 0, 0, 0, time.UTC)
	initial := []hubsim.Commit{{Title: "Initial commit", Date: old, Files: map[string]*hubsim.File{"README.md": {Text: "# m\n"}}}}
	sc := &hubsim.Scenario{
		Users:  []hubsim.User{{Name: "wil", Orgs: []hubsim.Membership{{Name: "lab", RoleInOrg: "write"}}}},
		Orgs:   []hubsim.Org{{Name: "lab"}},
		Tokens: []hubsim.Token{{Token: tok, User: "wil", Kind: hubsim.KindOAuth, Orgs: []string{"lab"}}},
		Repos: []hubsim.Repo{
			{ID: "wil/model", Private: true, CreatedAt: old, Commits: initial},
			{ID: "lab/model", Private: true, CreatedAt: old, Commits: initial},
		},
	}
	_, url := testutil.StartHub(t, sc, hubsim.Options{RateLimit: -1})
	dir := t.TempDir()
	tokFile := filepath.Join(dir, "token")
	write(t, tokFile, tok+"\n")

	// The attacker pushes to the org's repository with the OAuth token.
	since := time.Now().UTC().Add(-time.Second).Format(time.RFC3339)
	c, err := hub.New(hub.Options{Endpoint: url, RatePerSecond: -1})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Commit(t.Context(), tok, hub.RepoModel, "lab/model", "main", "tweak", map[string][]byte{"README.md": []byte("# changed\n")}, nil); err != nil {
		t.Fatal(err)
	}

	r := runCLI(t, "", "audit", "--endpoint", url, "--token-file", tokFile, "--since", since, "-f", "json")
	if r.code == 2 {
		t.Fatalf("audit: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	var out auditOut
	if err := json.Unmarshal([]byte(r.stdout), &out); err != nil {
		t.Fatalf("audit -f json: %v\n%s", err, r.stdout)
	}
	slices.Sort(out.Checked)
	if !slices.Equal(out.Checked, []string{"model/lab/model", "model/wil/model"}) {
		t.Errorf("checked %v, want both writable repositories", out.Checked)
	}
	if !out.has("model/lab/model", "commit-in-window") {
		t.Errorf("no commit-in-window finding for lab/model: %s", r.stdout)
	}
}

// An OAuth token without the webhooks scope audits what it can, and the
// audit's closing error names the missing scope, not a revocation.
func TestAuditNamesMissingScope(t *testing.T) {
	t.Setenv("XDG_DATA_HOME", t.TempDir())
	enc := base64.RawURLEncoding
	tok := "hf_oauth_" + enc.EncodeToString([]byte(`{"alg":"EdDSA","typ":"JWT"}`)) + "." +
		enc.EncodeToString([]byte(`{"sub":"wil","scope":"openid profile read-repos","exp":4070941200}`)) + "." +
		enc.EncodeToString([]byte("simulated-signature"))
	old := time.Date(2026, 1, 10, 9, 0, 0, 0, time.UTC)
	sc := &hubsim.Scenario{
		Users:  []hubsim.User{{Name: "wil"}},
		Tokens: []hubsim.Token{{Token: tok, User: "wil", Kind: hubsim.KindOAuth}},
		Repos: []hubsim.Repo{{ID: "wil/model", CreatedAt: old, Commits: []hubsim.Commit{
			{Title: "Initial commit", Date: old, Files: map[string]*hubsim.File{"README.md": {Text: "# m\n"}}}}}},
	}
	_, url := testutil.StartHub(t, sc, hubsim.Options{RateLimit: -1})
	tokFile := filepath.Join(t.TempDir(), "token")
	write(t, tokFile, tok+"\n")
	r := runCLI(t, "", "audit", "--endpoint", url, "--token-file", tokFile, "--since", old.Format(time.RFC3339))
	if r.code != 2 {
		t.Fatalf("audit: exit %d, want 2 (webhooks not listed)\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	if !strings.Contains(r.stderr, "oauth:webhooks") || strings.Contains(r.stderr, "revoked") {
		t.Errorf("the error does not name the missing scope (or blames a revocation):\n%s", r.stderr)
	}
	if !strings.Contains(r.stdout, "the OAuth scope `webhooks`") {
		t.Errorf("the warning does not name the OAuth scope:\n%s", r.stdout)
	}
}
