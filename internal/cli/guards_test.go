package cli_test

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestTokenOnlyWhenHuggingFace: every command that reads a token sends it
// to the Hub only when the detector recognises it, whole, as a Hugging
// Face credential; anything else (a secret of an issuer with no rule, too)
// is refused with exit 2, nothing sent and nothing echoed.
func TestTokenOnlyWhenHuggingFace(t *testing.T) {
	w := &wire{}
	srv := httptest.NewServer(w.wrap(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		rw.Header().Set("Content-Type", "application/json")
		rw.Write([]byte(`{"type":"user","name":"alice"}`))
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
	os.Unsetenv("HF_TOKEN")
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
