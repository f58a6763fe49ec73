package cli_test

import (
	"encoding/json"
	"maps"
	"os"
	"os/user"
	"path/filepath"
	"strings"
	"testing"
)

// TestIncidentWorkflow runs the response end to end through the CLI: scan
// into the store, list, assess, note, assign, revoke (and prove it), report.
func TestIncidentWorkflow(t *testing.T) {
	url, toks := startSim(t)
	tok := toks["sim-alice-write"]
	dir := t.TempDir()
	write(t, filepath.Join(dir, "app", ".env"), "HF_TOKEN="+tok+"\n")
	write(t, filepath.Join(dir, "app", "settings.py"), "TOKEN = \""+tok+"\"\n")
	db := filepath.Join(t.TempDir(), "h.db")
	key := filepath.Join(t.TempDir(), "h.key")
	dbArgs := []string{"--db", db, "--key-file", key}

	r := runCLI(t, "", append([]string{"scan", "--store", "--verify", "--endpoint", url, "--cache-dir", t.TempDir(), "-q", filepath.Join(dir, "app")}, dbArgs...)...)
	if r.code != 1 || !strings.Contains(r.stderr, "1 new incidents, 2 new occurrences") {
		t.Fatalf("scan --store: exit %d\n%s", r.code, r.stderr)
	}
	// Scanning the same places again adds nothing.
	r = runCLI(t, "", append([]string{"scan", "--store", "-q", filepath.Join(dir, "app")}, dbArgs...)...)
	if !strings.Contains(r.stderr, "0 new incidents, 0 new occurrences") {
		t.Fatalf("rescan: %s", r.stderr)
	}
	raw, err := os.ReadFile(db)
	if err != nil || strings.Contains(string(raw), tok) {
		t.Fatalf("the store holds the raw token in clear (or is missing): %v", err)
	}

	r = runCLI(t, "", append([]string{"incidents", "list", "-f", "json"}, dbArgs...)...)
	var list []struct {
		ID           int64
		State        string
		Occurrences  int
		Verification *struct{ Status string }
	}
	if r.code != 0 || json.Unmarshal([]byte(r.stdout), &list) != nil || len(list) != 1 || list[0].Occurrences != 2 || list[0].State != "open" {
		t.Fatalf("list: exit %d %s %s", r.code, r.stdout, r.stderr)
	}
	if list[0].Verification == nil || list[0].Verification.Status != "live" {
		t.Fatalf("verification not recorded: %s", r.stdout)
	}

	if r := runCLI(t, "", append([]string{"assess", "--incident", "1", "--endpoint", url}, dbArgs...)...); r.code != 0 || !strings.Contains(r.stdout, "CRITICAL") {
		t.Fatalf("assess --incident: exit %d %s %s", r.code, r.stdout, r.stderr)
	}
	if r := runCLI(t, "", append([]string{"incidents", "note", "1", "-m", "found in the app repo"}, dbArgs...)...); r.code != 0 {
		t.Fatalf("note: %d %s", r.code, r.stderr)
	}
	if r := runCLI(t, "", append([]string{"incidents", "assign", "1", "sec-oncall"}, dbArgs...)...); r.code != 0 {
		t.Fatalf("assign: %d %s", r.code, r.stderr)
	}
	// Filters: severity and org come from the assessment.
	r = runCLI(t, "", append([]string{"incidents", "list", "--severity", "critical", "--org", "acme"}, dbArgs...)...)
	if r.code != 0 || !strings.Contains(r.stdout, "#1") || !strings.Contains(r.stdout, "alice") {
		t.Fatalf("filtered list: %s %s", r.stdout, r.stderr)
	}
	if r := runCLI(t, "", append([]string{"incidents", "list", "--owner", "bob"}, dbArgs...)...); strings.Contains(r.stdout, "#1") {
		t.Fatalf("owner filter: %s", r.stdout)
	}
	// A bad move is refused with a one-line error.
	if r := runCLI(t, "", append([]string{"incidents", "resolve", "1", "--as", "false-positive"}, dbArgs...)...); r.code != 2 || !strings.Contains(r.stderr, "reason") {
		t.Fatalf("false-positive without reason: %d %s", r.code, r.stderr)
	}

	// Revoke: not without confirmation; dry run revokes nothing; then for real.
	if r := runCLI(t, "n\n", append([]string{"revoke", "1", "--endpoint", url}, dbArgs...)...); r.code != 2 {
		t.Fatalf("unconfirmed revoke: exit %d", r.code)
	}
	if r := runCLI(t, "", append([]string{"revoke", "1", "--dry-run", "--endpoint", url}, dbArgs...)...); r.code != 0 || !strings.Contains(r.stdout, "dry run") {
		t.Fatalf("dry run: %d %s", r.code, r.stdout)
	}
	if r := runCLI(t, tok, "assess", "--endpoint", url); !strings.Contains(r.stdout, "LIVE") {
		t.Fatalf("the dry run revoked the token: %s", r.stdout)
	}
	r = runCLI(t, "y\n", append([]string{"revoke", "1", "--endpoint", url, "--timeout", "10s"}, dbArgs...)...)
	if r.code != 0 || !strings.Contains(r.stdout, "contained at") {
		t.Fatalf("revoke: exit %d %s %s", r.code, r.stdout, r.stderr)
	}
	if r := runCLI(t, tok, "assess", "--endpoint", url); !strings.Contains(r.stdout, "INVALID") {
		t.Fatalf("token still live after revoke: %s", r.stdout)
	}
	// Idempotent.
	if r := runCLI(t, "", append([]string{"revoke", "1", "--yes", "--endpoint", url}, dbArgs...)...); r.code != 0 || !strings.Contains(r.stdout, "nothing to revoke") {
		t.Fatalf("second revoke: %d %s", r.code, r.stdout)
	}

	r = runCLI(t, "", append([]string{"incidents", "show", "1", "-f", "json"}, dbArgs...)...)
	var shown struct {
		Incident struct {
			State, Assignee, Owner string
			ContainedAt            *string `json:"contained_at"`
		}
		Events []struct{ Kind, Message string }
	}
	if json.Unmarshal([]byte(r.stdout), &shown) != nil || shown.Incident.State != "contained" || shown.Incident.ContainedAt == nil ||
		shown.Incident.Assignee != "sec-oncall" || shown.Incident.Owner != "alice" {
		t.Fatalf("show: %s", r.stdout)
	}
	kinds := map[string]bool{}
	for _, ev := range shown.Events {
		kinds[ev.Kind] = true
	}
	for _, k := range []string{"transition", "note", "assign"} {
		if !kinds[k] {
			t.Errorf("event log lacks %s: %+v", k, shown.Events)
		}
	}

	html := filepath.Join(t.TempDir(), "r.html")
	if r := runCLI(t, "", append([]string{"report", "1", "-o", html}, dbArgs...)...); r.code != 0 {
		t.Fatalf("report: %d %s", r.code, r.stderr)
	}
	b, err := os.ReadFile(html)
	if err != nil || !strings.Contains(string(b), "blast-radius") || !strings.Contains(string(b), "checklist") || strings.Contains(string(b), tok) {
		t.Fatalf("report content wrong: %v", err)
	}
	for _, f := range []string{"md", "json"} {
		if r := runCLI(t, "", append([]string{"report", "1", "-f", f}, dbArgs...)...); r.code != 0 || len(r.stdout) < 100 || strings.Contains(r.stdout, tok) {
			t.Fatalf("report -f %s: %d", f, r.code)
		}
	}
}

func TestDemo(t *testing.T) {
	out := t.TempDir()
	t.Setenv("HOME", t.TempDir())
	r := runCLI(t, "", "demo", "--out", out)
	if r.code != 0 || !strings.Contains(r.stdout, "contained") {
		t.Fatalf("demo: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	// A second run in the same directory is a fresh run: it used to fail
	// with "an incident cannot go from contained to revoke-requested".
	// Files that are not the demo's stay.
	write(t, filepath.Join(out, "mine.txt"), "keep me")
	r = runCLI(t, "", "demo", "--out", out)
	if r.code != 0 || !strings.Contains(r.stdout, "incident #1 is contained") || !strings.Contains(r.stdout, "removed the previous demo's files") {
		t.Fatalf("demo, second run: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	if b, err := os.ReadFile(filepath.Join(out, "mine.txt")); err != nil || string(b) != "keep me" {
		t.Errorf("the second run removed a file that is not the demo's: %q %v", b, err)
	}
	// The closing hints run as printed: this test binary lives in a
	// go-build temporary directory, so the hint is "go run" in this module.
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	db := filepath.Join(out, "hfwarden.db")
	if want := "  go -C " + root + " run ./cmd/hfwarden incidents show 1 --db " + db + " --key-file " + filepath.Join(out, "hfwarden.key") + "\n"; !strings.Contains(r.stdout, want) {
		t.Errorf("demo hints: want %q in\n%s", want, r.stdout)
	}
	if strings.Contains(r.stdout, "\n  hfwarden ") {
		t.Errorf("a hint names hfwarden, which is not this program:\n%s", r.stdout)
	}
	if r := runCLI(t, "", "incidents", "show", "1", "--db", db, "--key-file", filepath.Join(out, "hfwarden.key")); r.code != 0 || !strings.Contains(r.stdout, "contained") {
		t.Errorf("the hint's command: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	for _, f := range []string{"report.html", "hfwarden.db", "repo/.git"} {
		if _, err := os.Stat(filepath.Join(out, f)); err != nil {
			t.Errorf("demo left no %s: %v", f, err)
		}
	}
	// The attacker's pickle is caught, and the simulator's own weights pass.
	if !strings.Contains(r.stdout, "critical unsafe-pickle model/acme/sim-gated-model: pytorch_model.bin") || strings.Contains(r.stdout, "bad-safetensors") {
		t.Errorf("demo audit:\n%s", r.stdout)
	}
	html, err := os.ReadFile(filepath.Join(out, "report.html"))
	if err != nil || !strings.Contains(string(html), "unsafe-pickle") {
		t.Errorf("the report has no audit section: %v", err)
	}
	// The audit's findings: the webhook once (it watches acme and alice),
	// the attacker's pickle once (well-formed, and critical with no
	// "unreadable" beside it).
	rj := runCLI(t, "", "report", "1", "-f", "json", "--db", db, "--key-file", filepath.Join(out, "hfwarden.key"))
	var rep struct {
		Audit struct {
			Findings []string `json:"findings"`
		} `json:"audit"`
	}
	if err := json.Unmarshal([]byte(rj.stdout), &rep); err != nil {
		t.Fatalf("report -f json: %v\n%s", err, rj.stderr)
	}
	kinds := map[string]int{}
	for _, f := range rep.Audit.Findings {
		if _, rest, ok := strings.Cut(f, "] "); ok {
			kinds[strings.Fields(rest)[0]]++
		}
	}
	want := map[string]int{"unsafe-pickle": 1, "webhook": 1, "commit-in-window": 1, "space-secret-added": 2, "space-variable-added": 2}
	if !maps.Equal(kinds, want) || len(rep.Audit.Findings) != 7 || !strings.Contains(r.stdout, "audit: 7 finding(s)") || strings.Contains(r.stdout, "malformed") {
		t.Errorf("demo audit findings by kind %v, want %v:\n%s", kinds, want, strings.Join(rep.Audit.Findings, "\n"))
	}
}

// TestDemoRefusesForeignDir: demo --out deletes its previous files only
// where an earlier run left its marker; a directory that is not empty and
// holds no marker — a real store and key, somebody's repo/ — is refused
// with exit 2 and nothing deleted.
func TestDemoRefusesForeignDir(t *testing.T) {
	t.Setenv("HOME", t.TempDir())
	tk := fakeTokens(t, 71, 1)[0]
	store := t.TempDir()
	write(t, filepath.Join(store, "leak.env"), "HF_TOKEN="+tk+"\n")
	dbArgs := []string{"--db", filepath.Join(store, "hfwarden.db"), "--key-file", filepath.Join(store, "hfwarden.key")}
	if r := runCLI(t, "", append([]string{"scan", "--store", "-q", filepath.Join(store, "leak.env")}, dbArgs...)...); r.code != 1 {
		t.Fatalf("scan --store: exit %d %s", r.code, r.stderr)
	}
	userRepo := t.TempDir()
	write(t, filepath.Join(userRepo, "repo", "x"), "mine")
	for name, tc := range map[string]struct {
		dir  string
		keep []string
	}{
		"incident store": {store, []string{"hfwarden.db", "hfwarden.key", "leak.env"}},
		"user repo":      {userRepo, []string{"repo/x"}},
	} {
		t.Run(name, func(t *testing.T) {
			r := runCLI(t, "", "demo", "--out", tc.dir)
			if r.code != 2 || !strings.Contains(r.stderr, "not written by the demo") || !strings.Contains(r.stderr, "empty or new directory") {
				t.Errorf("demo --out: exit %d\n%s%s", r.code, r.stdout, r.stderr)
			}
			for _, f := range tc.keep {
				if _, err := os.Stat(filepath.Join(tc.dir, f)); err != nil {
					t.Errorf("%s deleted: %v", f, err)
				}
			}
			if _, err := os.Stat(filepath.Join(tc.dir, ".hfwarden-demo")); err == nil {
				t.Errorf("the refused run left a marker")
			}
		})
	}
	if r := runCLI(t, "", append([]string{"incidents", "show", "1"}, dbArgs...)...); r.code != 0 || !strings.Contains(r.stdout, "#1") {
		t.Errorf("the store's incident is gone: exit %d %s%s", r.code, r.stdout, r.stderr)
	}
	// A new directory and an empty one are the demo's to use, and are
	// marked for the next run.
	for _, dir := range []string{filepath.Join(t.TempDir(), "new"), t.TempDir()} {
		if r := runCLI(t, "", "demo", "--out", dir); r.code != 0 {
			t.Fatalf("demo --out %s: exit %d\n%s", dir, r.code, r.stderr)
		}
		if _, err := os.Stat(filepath.Join(dir, ".hfwarden-demo")); err != nil {
			t.Errorf("no marker in %s: %v", dir, err)
		}
	}
}

// TestExportsFeedExposure stores what a ticket export and a chat export
// hold: the same token's incident gets its exposure start from the
// earliest message, not from when the scan ran.
func TestExportsFeedExposure(t *testing.T) {
	tok := fakeTokens(t, 515, 1)[0]
	dir := t.TempDir()
	write(t, filepath.Join(dir, "jira.json"), `{"issues":[{"key":"OPS-7","fields":{"summary":"s","description":"token `+tok+`",`+
		`"created":"2024-05-02T10:00:00.000+0000","comment":{"comments":[{"id":"1","author":{"displayName":"Eve"},"body":"again `+tok+`","created":"2024-05-03T11:00:00.000+0000"}]}}}]}`)
	write(t, filepath.Join(dir, "chat.jsonl"), `{"type":"version","version":1}`+"\n"+
		`{"type":"post","post":{"team":"ml","channel":"ops","user":"eve","message":"`+tok+`","create_at":1714000000000}}`+"\n")
	dbArgs := []string{"--db", filepath.Join(t.TempDir(), "h.db"), "--key-file", filepath.Join(t.TempDir(), "h.key")}
	r := runCLI(t, "", append([]string{"scan", "--store", "-q", dir}, dbArgs...)...)
	if r.code != 1 || !strings.Contains(r.stderr, "1 new incidents, 3 new occurrences") {
		t.Fatalf("scan --store: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	r = runCLI(t, "", append([]string{"incidents", "show", "1", "-f", "json"}, dbArgs...)...)
	var show struct {
		Incident struct {
			ExposureStart string `json:"exposure_start"`
		} `json:"incident"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &show); err != nil {
		t.Fatalf("%v\n%s", err, r.stdout)
	}
	// 1714000000000 ms is 2024-04-24T23:06:40Z, before the Jira comment.
	if show.Incident.ExposureStart != "2024-04-24T23:06:40Z" {
		t.Errorf("exposure start = %q, want the chat message's time\n%s", show.Incident.ExposureStart, r.stdout)
	}
}

// TestActorFallback: the event log names who acted from $HFWARDEN_ACTOR,
// else $USER, else the OS account — never a blank or a made-up name when
// the account is known.
func TestActorFallback(t *testing.T) {
	tok := fakeTokens(t, 48, 1)[0]
	dir := t.TempDir()
	write(t, filepath.Join(dir, "src", ".env"), "HF_TOKEN="+tok+"\n")
	dbArgs := []string{"--db", filepath.Join(dir, "h.db"), "--key-file", filepath.Join(dir, "h.key")}
	if r := runCLI(t, "", append([]string{"scan", "--store", "-q", filepath.Join(dir, "src")}, dbArgs...)...); r.code != 1 {
		t.Fatalf("scan --store: %d %s", r.code, r.stderr)
	}
	account := "unknown"
	if u, err := user.Current(); err == nil && u.Username != "" {
		account = u.Username
	}
	cases := []struct {
		name, hfActor, user, want string
	}{
		{"HFWARDEN_ACTOR first", "carol", "dave", "carol"},
		{"then USER", "", "dave", "dave"},
		{"then the OS account", "", "", account},
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Setenv("HFWARDEN_ACTOR", c.hfActor)
			t.Setenv("USER", c.user)
			note := "note " + c.name
			if r := runCLI(t, "", append([]string{"incidents", "note", "1", "-m", note}, dbArgs...)...); r.code != 0 {
				t.Fatalf("note: %d %s", r.code, r.stderr)
			}
			r := runCLI(t, "", append([]string{"incidents", "show", "1"}, dbArgs...)...)
			var line string
			for _, l := range strings.Split(r.stdout, "\n") {
				if strings.Contains(l, note) {
					line = l
				}
			}
			if f := strings.Fields(line); len(f) < 2 || f[1] != c.want {
				t.Errorf("case %d: event line %q, want actor %q", i, line, c.want)
			}
		})
	}
}
