package cli_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hfwarden/hfwarden/internal/hub"
	"github.com/hfwarden/hfwarden/internal/hubsim"
	"github.com/hfwarden/hfwarden/internal/testutil"
)

// auditFinding is the JSON shape the issue asks for.
type auditFinding struct {
	Kind     string `json:"kind"`
	Repo     string `json:"repo"`
	Severity string `json:"severity"`
	Evidence string `json:"evidence"`
	Path     string `json:"path"`
}

type auditOut struct {
	Findings []auditFinding `json:"findings"`
	Unpinned []string       `json:"unpinned"`
	Checked  []string       `json:"checked"`
}

func (o auditOut) has(repo, kind string) bool {
	for _, f := range o.Findings {
		if f.Repo == repo && f.Kind == kind {
			return true
		}
	}
	return false
}

func TestAuditCommand(t *testing.T) {
	tok := fakeTokens(t, 42, 1)[0]
	t.Setenv("XDG_DATA_HOME", t.TempDir()) // no default store unless made here
	old := time.Date(2026, 1, 10, 9, 0, 0, 0, time.UTC)
	sc := &hubsim.Scenario{
		Users:  []hubsim.User{{Name: "bob"}},
		Tokens: []hubsim.Token{{Token: tok, User: "bob", Kind: hubsim.KindClassic, Role: "write", DisplayName: "laptop"}},
		Repos: []hubsim.Repo{
			{ID: "bob/model", CreatedAt: old, Commits: []hubsim.Commit{{Title: "Initial commit", Date: old,
				Files: map[string]*hubsim.File{"README.md": {Text: "# m\n"}, "model.pkl": {Base64: "gAJ9cQAu"}}}}},
			{ID: "bob/app", Type: "space", CreatedAt: old, Commits: []hubsim.Commit{{Title: "Initial commit", Date: old,
				Files: map[string]*hubsim.File{"app.py": {Text: "print(1)\n"}}}}},
			{ID: "bob/quiet", CreatedAt: old, Commits: []hubsim.Commit{{Title: "Initial commit", Date: old,
				Files: map[string]*hubsim.File{"README.md": {Text: "# q\n"}}}}},
		},
	}
	_, url := testutil.StartHub(t, sc, hubsim.Options{RateLimit: -1})
	dir := t.TempDir()
	write(t, filepath.Join(dir, "src", ".env"), "HF_TOKEN="+tok+"\n")
	tokFile := filepath.Join(dir, "token")
	write(t, tokFile, tok+"\n")
	lock := filepath.Join(dir, "hfwarden.lock")
	dbArgs := []string{"--db", filepath.Join(dir, "h.db"), "--key-file", filepath.Join(dir, "h.key")}

	// Before the exposure: an incident with its assessment, and a pin.
	if r := runCLI(t, "", append([]string{"scan", "--store", "--verify", "--endpoint", url, "--cache-dir", t.TempDir(), "-q", filepath.Join(dir, "src")}, dbArgs...)...); r.code != 1 {
		t.Fatalf("scan --store: %d %s", r.code, r.stderr)
	}
	if r := runCLI(t, "", append([]string{"assess", "--incident", "1", "--endpoint", url}, dbArgs...)...); r.code != 0 {
		t.Fatalf("assess --incident: %d %s", r.code, r.stderr)
	}
	if r := runCLI(t, "", "pin", "--endpoint", url, "--token-file", tokFile, "--lock", lock, "bob/model", "bob/quiet"); r.code != 0 {
		t.Fatalf("pin: %d %s %s", r.code, r.stdout, r.stderr)
	}

	// The attacker, with the leaked token.
	since := time.Now().UTC().Add(-time.Second).Format(time.RFC3339)
	c, err := hub.New(hub.Options{Endpoint: url, RatePerSecond: -1})
	if err != nil {
		t.Fatal(err)
	}
	payload := []byte("\x80\x02cposix\nsystem\nq\x00X\x02\x00\x00\x00idq\x01\x85q\x02Rq\x03.")
	if _, err := c.Commit(t.Context(), tok, hub.RepoModel, "bob/model", "main", "fix", map[string][]byte{"model.pkl": payload}, nil); err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest(http.MethodPost, url+"/api/spaces/bob/app/secrets", bytes.NewReader([]byte(`{"key":"STOLEN","value":"x"}`)))
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("adding a secret: %v %v", res, err)
	}
	_ = res.Body.Close() // only the status is wanted: closing loses nothing
	logFile := filepath.Join(dir, "export.json")
	write(t, logFile, `[{"type":"repo.download","createdAt":"`+time.Now().UTC().Format(time.RFC3339)+`","actor":"bob","repo":"bob/model"}]`)

	// Audit the incident: exit 1, JSON findings, saved to the store.
	r := runCLI(t, "", append([]string{"audit", "1", "--endpoint", url, "--since", since, "--lock", lock, "--audit-log", logFile, "-f", "json"}, dbArgs...)...)
	if r.code != 1 {
		t.Fatalf("audit: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	var out auditOut
	if err := json.Unmarshal([]byte(r.stdout), &out); err != nil {
		t.Fatalf("audit -f json: %v\n%s", err, r.stdout)
	}
	for _, want := range [][2]string{
		{"model/bob/model", "commit-in-window"}, {"model/bob/model", "integrity-mismatch"}, {"model/bob/model", "unsafe-pickle"},
		{"space/bob/app", "space-secret-added"}, {"bob/model", "audit-log-event"},
	} {
		if !out.has(want[0], want[1]) {
			t.Errorf("no %s finding for %s in %s", want[1], want[0], r.stdout)
		}
	}
	for _, f := range out.Findings {
		if f.Repo == "model/bob/quiet" {
			t.Errorf("untouched repository flagged: %+v", f)
		}
		if f.Severity == "" || f.Evidence == "" {
			t.Errorf("finding without severity or evidence: %+v", f)
		}
	}
	if len(out.Checked) != 3 || strings.Join(out.Unpinned, ",") != "space/bob/app" {
		t.Errorf("checked %v, unpinned %v", out.Checked, out.Unpinned)
	}
	if strings.Contains(r.stdout+r.stderr, tok) {
		t.Fatal("the raw token was printed")
	}

	// The report shows the audit, and step 5 needs attention.
	r = runCLI(t, "", append([]string{"report", "1", "-f", "json"}, dbArgs...)...)
	if r.code != 0 {
		t.Fatalf("report: %d %s", r.code, r.stderr)
	}
	var rep struct {
		Checklist []struct {
			Step   int
			Status string
		} `json:"checklist"`
		Audit *struct {
			Done     bool     `json:"done"`
			Findings []string `json:"findings"`
		} `json:"audit"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
		t.Fatal(err)
	}
	if rep.Audit == nil || !rep.Audit.Done || len(rep.Audit.Findings) == 0 || rep.Checklist[4].Status != "attention" {
		t.Errorf("report audit %+v, checklist %+v", rep.Audit, rep.Checklist)
	}
	if r := runCLI(t, "", append([]string{"incidents", "show", "1"}, dbArgs...)...); !strings.Contains(r.stdout, "audited 3 repositories") {
		t.Errorf("incident log lacks the audit event:\n%s", r.stdout)
	}

	// A second audit of the incident compares the window's start with now,
	// not with the first audit's snapshot (taken after the leak): the
	// pickle is still critical and the exit status still 1.
	r = runCLI(t, "", append([]string{"audit", "1", "--endpoint", url, "--since", since, "-f", "json"}, dbArgs...)...)
	if r.code != 1 {
		t.Fatalf("second audit: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	out = auditOut{}
	if err := json.Unmarshal([]byte(r.stdout), &out); err != nil {
		t.Fatal(err)
	}
	for _, want := range [][2]string{{"model/bob/model", "unsafe-pickle"}, {"space/bob/app", "space-secret-added"}, {"bob/model", "audit-log-event"}} {
		if !out.has(want[0], want[1]) {
			t.Errorf("second audit lost %s of %s:\n%s", want[1], want[0], r.stdout)
		}
	}
	if st := reportStep5(t, dbArgs); st != "attention" {
		t.Errorf("after the second audit step 5 is %s", st)
	}

	// Without an incident: the token on stdin, --since required.
	if r := runCLI(t, tok+"\n", "audit", "--endpoint", url); r.code != 2 || !strings.Contains(r.stderr, "--since is required") {
		t.Errorf("no --since: exit %d %s", r.code, r.stderr)
	}
	r = runCLI(t, tok+"\n", "audit", "--endpoint", url, "--since", since, "--lock", filepath.Join(dir, "none.lock"))
	if r.code != 2 || !strings.Contains(r.stderr, "no lock file") {
		t.Errorf("missing named lock: exit %d %s", r.code, r.stderr)
	}
	r = runCLI(t, tok+"\n", "audit", "--endpoint", url, "--since", since, "--lock", lock)
	if r.code != 1 || !strings.Contains(r.stdout, "space-secret-added") {
		t.Errorf("stdin audit: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	// A window before the attack, without pins, finds nothing high: exit 0.
	r = runCLI(t, tok+"\n", "audit", "--endpoint", url, "--since", "2026-01-01", "--until", "2026-01-02")
	if r.code != 0 {
		t.Errorf("quiet window: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	// A token on the command line is refused without being echoed.
	if r := runCLI(t, "", "audit", tok); r.code != 2 || strings.Contains(r.stderr, tok) {
		t.Errorf("token as argument: exit %d %s", r.code, r.stderr)
	}
	if r := runCLI(t, tok+"\n", "audit", "--endpoint", url, "--since", "yesterday"); r.code != 2 || !strings.Contains(r.stderr, "--since") {
		t.Errorf("bad --since: exit %d %s", r.code, r.stderr)
	}
	bad := filepath.Join(dir, "bad.json")
	write(t, bad, "not json")
	if r := runCLI(t, tok+"\n", "audit", "--endpoint", url, "--since", since, "--audit-log", bad); r.code != 2 || !strings.Contains(r.stderr, "not JSON") {
		t.Errorf("bad audit log: exit %d %s", r.code, r.stderr)
	}
	_ = os.Remove(bad)

	// Without an incident, the store's pins count when a store is given.
	if r := runCLI(t, "", append([]string{"pin", "--endpoint", url, "--token-file", tokFile, "--lock", filepath.Join(dir, "space.lock"), "--store", "--type", "space", "bob/app"}, dbArgs...)...); r.code != 0 {
		t.Fatalf("pin --store: %d %s", r.code, r.stderr)
	}
	r = runCLI(t, tok+"\n", append([]string{"audit", "--endpoint", url, "--since", since, "--lock", lock, "-f", "json"}, dbArgs...)...)
	out = auditOut{}
	if err := json.Unmarshal([]byte(r.stdout), &out); err != nil || r.code != 1 || len(out.Unpinned) != 0 {
		t.Errorf("audit with the store's pins: exit %d, unpinned %v %v\n%s", r.code, out.Unpinned, err, r.stderr)
	}

	// The leaked token is revoked: an audit with it checks nothing, says
	// so (exit 2, naming the owner's token as the way out), keeps the
	// earlier findings and leaves step 5 open.
	if err := c.Revoke(t.Context(), []string{tok}); err != nil {
		t.Fatal(err)
	}
	r = runCLI(t, "", append([]string{"audit", "1", "--endpoint", url, "--since", since, "-f", "json"}, dbArgs...)...)
	if r.code != 2 || !strings.Contains(r.stderr, "3 of 3 repositories could not be checked") || !strings.Contains(r.stderr, "--token-file") ||
		!strings.Contains(r.stderr, "rejects the token (401), it has been revoked") {
		t.Errorf("audit with a revoked token: exit %d\n%s", r.code, r.stderr)
	}
	out = auditOut{}
	if err := json.Unmarshal([]byte(r.stdout), &out); err != nil || !out.has("model/bob/model", "unsafe-pickle") || len(out.Checked) != 0 {
		t.Errorf("revoked audit: checked %v, findings kept? %v\n%s", out.Checked, err, r.stdout)
	}
	if st := reportStep5(t, dbArgs); st == "done" {
		t.Error("an audit that checked nothing closed step 5")
	}
}

// reportStep5 is the status of the incident report's audit step.
func reportStep5(t *testing.T, dbArgs []string) string {
	t.Helper()
	r := runCLI(t, "", append([]string{"report", "1", "-f", "json"}, dbArgs...)...)
	var rep struct {
		Checklist []struct {
			Step   int
			Status string
		} `json:"checklist"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil || len(rep.Checklist) < 5 {
		t.Fatalf("report: %v %d %s", err, r.code, r.stderr)
	}
	return rep.Checklist[4].Status
}

// A repository created after the incident's assessment is audited too
// (the token still lists it), and flagged as created in the window.
func TestAuditRelistsRepositories(t *testing.T) {
	tok := fakeTokens(t, 43, 1)[0]
	t.Setenv("XDG_DATA_HOME", t.TempDir())
	old := time.Date(2026, 1, 10, 9, 0, 0, 0, time.UTC)
	repo := func(id string, created time.Time) hubsim.Repo {
		return hubsim.Repo{ID: id, CreatedAt: created, Commits: []hubsim.Commit{{Title: "Initial commit", Date: created,
			Files: map[string]*hubsim.File{"README.md": {Text: "# m\n"}}}}}
	}
	hubAt := func(repos ...hubsim.Repo) string {
		_, url := testutil.StartHub(t, &hubsim.Scenario{
			Users:  []hubsim.User{{Name: "bob"}},
			Tokens: []hubsim.Token{{Token: tok, User: "bob", Kind: hubsim.KindClassic, Role: "write"}},
			Repos:  repos,
		}, hubsim.Options{RateLimit: -1})
		return url
	}
	since := time.Now().UTC().Add(-time.Minute)
	// The Hub when the incident was assessed, and after the attacker
	// created bob/late.
	before := hubAt(repo("bob/model", old))
	after := hubAt(repo("bob/model", old), repo("bob/late", time.Now().UTC()))
	dir := t.TempDir()
	write(t, filepath.Join(dir, "src", ".env"), "HF_TOKEN="+tok+"\n")
	dbArgs := []string{"--db", filepath.Join(dir, "h.db"), "--key-file", filepath.Join(dir, "h.key")}
	if r := runCLI(t, "", append([]string{"scan", "--store", "--verify", "--endpoint", before, "--cache-dir", t.TempDir(), "-q", filepath.Join(dir, "src")}, dbArgs...)...); r.code != 1 {
		t.Fatalf("scan --store: %d %s", r.code, r.stderr)
	}
	if r := runCLI(t, "", append([]string{"assess", "--incident", "1", "--endpoint", before}, dbArgs...)...); r.code != 0 {
		t.Fatalf("assess --incident: %d %s", r.code, r.stderr)
	}
	r := runCLI(t, "", append([]string{"audit", "1", "--endpoint", after, "--since", since.Format(time.RFC3339), "-f", "json"}, dbArgs...)...)
	var out auditOut
	if err := json.Unmarshal([]byte(r.stdout), &out); err != nil {
		t.Fatalf("audit: exit %d %v\n%s\n%s", r.code, err, r.stdout, r.stderr)
	}
	if r.code != 1 || !out.has("model/bob/late", "repo-created") || !slices.Contains(out.Checked, "model/bob/late") || !slices.Contains(out.Checked, "model/bob/model") {
		t.Errorf("audit: exit %d, checked %v\n%s\n%s", r.code, out.Checked, r.stdout, r.stderr)
	}
	if out.has("model/bob/model", "repo-created") {
		t.Error("an old repository flagged as created")
	}
}
