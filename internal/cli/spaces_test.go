package cli_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hfwarden/hfwarden/internal/hubsim"
	"github.com/hfwarden/hfwarden/internal/testutil"
)

// spacesHub serves a user with a write token who, like each of their two
// organizations, owns a model and a Space; it returns the simulator's URL,
// a front that answers 500 to the listing of org "two"'s Spaces (and
// passes everything else on), and a file holding the token.
func spacesHub(t *testing.T) (sim, broken, tokFile, tok string) {
	t.Helper()
	tok = fakeTokens(t, 77, 1)[0]
	old := time.Date(2026, 1, 10, 9, 0, 0, 0, time.UTC)
	repo := func(id, typ string) hubsim.Repo {
		return hubsim.Repo{ID: id, Type: typ, CreatedAt: old, Commits: []hubsim.Commit{{Title: "Initial commit", Date: old,
			Files: map[string]*hubsim.File{"README.md": {Text: "# " + id + "\n"}}}}}
	}
	sc := &hubsim.Scenario{
		Users:  []hubsim.User{{Name: "sam", Orgs: []hubsim.Membership{{Name: "one", RoleInOrg: "write"}, {Name: "two", RoleInOrg: "admin"}}}},
		Orgs:   []hubsim.Org{{Name: "one"}, {Name: "two"}},
		Tokens: []hubsim.Token{{Token: tok, User: "sam", Kind: hubsim.KindClassic, Role: "write", DisplayName: "laptop"}},
		Repos: []hubsim.Repo{
			repo("sam/model", "model"), repo("sam/app", "space"),
			repo("one/model", "model"), repo("one/app", "space"),
			repo("two/model", "model"), repo("two/app", "space"),
		},
	}
	sc.Repos[5].Private = true
	_, sim = testutil.StartHub(t, sc, hubsim.Options{RateLimit: -1})
	target, err := url.Parse(sim)
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
	t.Cleanup(front.Close)
	tokFile = filepath.Join(t.TempDir(), "token")
	write(t, tokFile, tok+"\n")
	return sim, front.URL, tokFile, tok
}

// TestSpacesInAssessAndAudit: the Spaces of the owner and of each
// organization are in the blast radius and audited; when a listing fails,
// assess and audit say they are incomplete (exit 2) instead of reporting
// fewer repositories.
func TestSpacesInAssessAndAudit(t *testing.T) {
	t.Setenv("XDG_DATA_HOME", t.TempDir()) // no default store
	sim, broken, tokFile, _ := spacesHub(t)
	since := time.Now().UTC().Add(-time.Minute).Format(time.RFC3339)
	spaces := []string{"space/sam/app", "space/one/app", "space/two/app"}

	type assessOut struct {
		Status string `json:"status"`
		Reason string `json:"reason"`
		Repos  []struct {
			ID     string `json:"id"`
			Type   string `json:"type"`
			Access string `json:"access"`
		} `json:"repos"`
	}
	assess := func(endpoint string) (assessOut, int, string) {
		r := runCLI(t, "", "assess", "--endpoint", endpoint, "--token-file", tokFile, "-f", "json")
		var out assessOut
		if err := json.Unmarshal([]byte(r.stdout), &out); err != nil {
			t.Fatalf("assess: exit %d %v\n%s\n%s", r.code, err, r.stdout, r.stderr)
		}
		return out, r.code, r.stderr
	}
	type auditJSON struct {
		Checked  []string `json:"checked"`
		Warnings []string `json:"warnings"`
	}
	audit := func(endpoint string) (auditJSON, int, string) {
		r := runCLI(t, "", "audit", "--endpoint", endpoint, "--token-file", tokFile, "--since", since, "-f", "json")
		var out auditJSON
		if err := json.Unmarshal([]byte(r.stdout), &out); err != nil {
			t.Fatalf("audit: exit %d %v\n%s\n%s", r.code, err, r.stdout, r.stderr)
		}
		return out, r.code, r.stderr
	}
	reached := func(out assessOut) []string {
		var ids []string
		for _, rp := range out.Repos {
			if rp.Access == "write" || rp.Access == "admin" {
				ids = append(ids, rp.Type+"/"+rp.ID)
			}
		}
		return ids
	}

	out, code, stderr := assess(sim)
	if code != 0 || out.Status != "live" || len(out.Repos) != 6 {
		t.Fatalf("assess: exit %d, %+v\n%s", code, out, stderr)
	}
	for _, s := range spaces {
		if !slices.Contains(reached(out), s) {
			t.Errorf("assess: %s missing from %v", s, reached(out))
		}
	}
	au, code, stderr := audit(sim)
	if code != 0 || len(au.Checked) != 6 || len(au.Warnings) != 0 {
		t.Fatalf("audit: exit %d, %+v\n%s", code, au, stderr)
	}
	for _, s := range spaces {
		if !slices.Contains(au.Checked, s) {
			t.Errorf("audit: %s not checked: %v", s, au.Checked)
		}
	}

	// The listing of two's Spaces fails.
	out, code, stderr = assess(broken)
	if code != 2 || out.Status != "incomplete" || !strings.Contains(out.Reason, "spaces of two") ||
		!strings.Contains(stderr, "incomplete") || len(out.Repos) != 5 {
		t.Fatalf("assess with a failed listing: exit %d, %+v\n%s", code, out, stderr)
	}
	if r := runCLI(t, "", "assess", "--endpoint", broken, "--token-file", tokFile); r.code != 2 ||
		!strings.Contains(r.stdout, "status: INCOMPLETE") || !strings.Contains(r.stdout, "one/app") ||
		!strings.Contains(r.stdout, "at least 5") {
		t.Fatalf("assess text with a failed listing: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	au, code, stderr = audit(broken)
	if code != 2 || len(au.Checked) != 5 || slices.Contains(au.Checked, "space/two/app") ||
		!slices.ContainsFunc(au.Warnings, func(w string) bool { return strings.Contains(w, "spaces of two") }) {
		t.Fatalf("audit with a failed listing: exit %d, %+v\n%s", code, au, stderr)
	}
	// The closing line names the failed listing, not a revocation: the
	// token still works.
	if !strings.Contains(stderr, "spaces of two") || !strings.Contains(stderr, "500") || strings.Contains(stderr, "revoked") {
		t.Errorf("audit with a failed listing blames the wrong cause:\n%s", stderr)
	}
}

// TestIncompleteAssessmentKeepsSnapshot: an incident's complete snapshot is
// not replaced by an incomplete one; the verification still says live.
func TestIncompleteAssessmentKeepsSnapshot(t *testing.T) {
	t.Setenv("XDG_DATA_HOME", t.TempDir())
	sim, broken, _, tok := spacesHub(t)
	dir := t.TempDir()
	write(t, filepath.Join(dir, "src", ".env"), "HF_TOKEN="+tok+"\n")
	dbArgs := []string{"--db", filepath.Join(dir, "h.db"), "--key-file", filepath.Join(dir, "h.key")}
	if r := runCLI(t, "", append([]string{"scan", "--store", "-q", filepath.Join(dir, "src")}, dbArgs...)...); r.code != 1 {
		t.Fatalf("scan --store: %d %s", r.code, r.stderr)
	}
	show := func() (status string, repos int, verification string) {
		r := runCLI(t, "", append([]string{"incidents", "show", "1", "-f", "json"}, dbArgs...)...)
		var out struct {
			Incident struct {
				Assessment *struct {
					Status string            `json:"status"`
					Repos  []json.RawMessage `json:"repos"`
				} `json:"assessment"`
				Verification *struct {
					Status string `json:"status"`
				} `json:"verification"`
			} `json:"incident"`
		}
		if err := json.Unmarshal([]byte(r.stdout), &out); err != nil {
			t.Fatalf("incidents show: exit %d %v\n%s", r.code, err, r.stdout)
		}
		in := out.Incident
		if in.Assessment == nil || in.Verification == nil {
			t.Fatalf("no assessment or verification: %s", r.stdout)
		}
		return in.Assessment.Status, len(in.Assessment.Repos), in.Verification.Status
	}

	// Incomplete first: stored, being better than nothing.
	if r := runCLI(t, "", append([]string{"assess", "--incident", "1", "--endpoint", broken}, dbArgs...)...); r.code != 2 {
		t.Fatalf("assess --incident (broken): %d %s", r.code, r.stderr)
	}
	if s, n, v := show(); s != "incomplete" || n != 5 || v != "live" {
		t.Fatalf("after an incomplete assessment: %s, %d repos, verification %s", s, n, v)
	}
	// Complete: replaces it.
	if r := runCLI(t, "", append([]string{"assess", "--incident", "1", "--endpoint", sim}, dbArgs...)...); r.code != 0 {
		t.Fatalf("assess --incident: %d %s", r.code, r.stderr)
	}
	if s, n, _ := show(); s != "live" || n != 6 {
		t.Fatalf("after a complete assessment: %s, %d repos", s, n)
	}
	// Incomplete again: the complete snapshot stays.
	if r := runCLI(t, "", append([]string{"assess", "--incident", "1", "--endpoint", broken}, dbArgs...)...); r.code != 2 {
		t.Fatalf("assess --incident (broken again): %d %s", r.code, r.stderr)
	}
	if s, n, v := show(); s != "live" || n != 6 || v != "live" {
		t.Fatalf("an incomplete assessment replaced the complete one: %s, %d repos, verification %s", s, n, v)
	}
}
