package cli_test

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
)

// TestGitRecords: two repositories holding the token at the same path and
// line are two occurrences, in the JSON report (location.repo), the text
// report and the store; a git history scan that finds nothing is on record
// all the same, and the incident report says the history was searched.
func TestGitRecords(t *testing.T) {
	tok := fakeTokens(t, 49, 1)[0]
	var repos []string
	for range 2 {
		dir := gitRepo(t)
		write(t, filepath.Join(dir, "train.py"), "import os\nTOKEN = \""+tok+"\"\n")
		gitIn(t, dir, "add", ".")
		gitIn(t, dir, "commit", "-qm", "train")
		repos = append(repos, dir)
	}
	clean := gitRepo(t)
	dir := t.TempDir()
	dbArgs := []string{"--db", filepath.Join(dir, "h.db"), "--key-file", filepath.Join(dir, "h.key")}
	cache := t.TempDir()

	r := runCLI(t, "", "scan", "--git", "--cache-dir", cache, "-q", "-f", "json", repos[0], repos[1])
	var out struct {
		Findings []struct {
			Location struct {
				Path string `json:"path"`
				Line int    `json:"line"`
				Repo string `json:"repo"`
			} `json:"location"`
		} `json:"findings"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &out); err != nil || r.code != 1 || len(out.Findings) != 2 {
		t.Fatalf("scan --git: exit %d, %v\n%s\n%s", r.code, err, r.stdout, r.stderr)
	}
	got := map[string]bool{}
	for _, f := range out.Findings {
		if f.Location.Path != "train.py" || f.Location.Line != 2 {
			t.Errorf("finding at %s:%d", f.Location.Path, f.Location.Line)
		}
		got[f.Location.Repo] = true
	}
	if !got[repos[0]] || !got[repos[1]] {
		t.Errorf("location.repo %v, want %v", got, repos)
	}
	r = runCLI(t, "", "scan", "--git", "--cache-dir", cache, "-q", "--full", repos[0], repos[1])
	for _, repo := range repos {
		if !strings.Contains(r.stdout, "repository "+repo) {
			t.Errorf("the text report does not name %s:\n%s", repo, r.stdout)
		}
	}

	r = runCLI(t, "", append([]string{"scan", "--git", "--full", "--store", "--cache-dir", cache, "-q", repos[0], repos[1]}, dbArgs...)...)
	if r.code != 1 || !strings.Contains(r.stderr, "1 new incidents, 2 new occurrences") {
		t.Fatalf("scan --git --store: exit %d %s", r.code, r.stderr)
	}
	r = runCLI(t, "", append([]string{"incidents", "show", "1"}, dbArgs...)...)
	for _, repo := range repos {
		if !strings.Contains(r.stdout, "train.py:2:10 in "+repo) {
			t.Errorf("incidents show does not place an occurrence in %s:\n%s", repo, r.stdout)
		}
	}

	// Step 3 before and after a git history scan of a clean repository:
	// the two repositories above held the token, so start from a file.
	fileDB := []string{"--db", filepath.Join(dir, "f.db"), "--key-file", filepath.Join(dir, "h.key")}
	write(t, filepath.Join(dir, "src", ".env"), "HF_TOKEN="+tok+"\n")
	if r := runCLI(t, "", append([]string{"scan", "--store", "-q", filepath.Join(dir, "src")}, fileDB...)...); r.code != 1 {
		t.Fatalf("scan --store: %d %s", r.code, r.stderr)
	}
	step3 := func() (string, string) {
		t.Helper()
		r := runCLI(t, "", append([]string{"report", "1", "-f", "json"}, fileDB...)...)
		var rep struct {
			Checklist []struct {
				Status string `json:"status"`
				Detail string `json:"detail"`
			} `json:"checklist"`
		}
		if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil || len(rep.Checklist) < 3 {
			t.Fatalf("report: %v %d %s", err, r.code, r.stderr)
		}
		return rep.Checklist[2].Status, rep.Checklist[2].Detail
	}
	if st, d := step3(); st != "pending" || !strings.Contains(d, "git history not scanned") {
		t.Errorf("before the git scan, step 3 is %s: %s", st, d)
	}
	if r := runCLI(t, "", append([]string{"scan", "--git", "--store", "--cache-dir", cache, "-q", clean}, fileDB...)...); r.code != 0 {
		t.Fatalf("scan --git --store of a clean repository: %d %s", r.code, r.stderr)
	}
	if st, d := step3(); st != "done" || !strings.Contains(d, "git history of "+clean+" scanned") || !strings.Contains(d, "token absent") {
		t.Errorf("after the git scan, step 3 is %s: %s", st, d)
	}
}

// TestAuditNeedsExposureStart: an incident whose exposure start is not
// known is not audited over the minutes since its first sighting: the
// audit says what is missing and exits 2; --since is the way out.
func TestAuditNeedsExposureStart(t *testing.T) {
	tok := fakeTokens(t, 50, 1)[0]
	dir := t.TempDir()
	write(t, filepath.Join(dir, "src", ".env"), "HF_TOKEN="+tok+"\n")
	dbArgs := []string{"--db", filepath.Join(dir, "h.db"), "--key-file", filepath.Join(dir, "h.key")}
	if r := runCLI(t, "", append([]string{"scan", "--store", "-q", filepath.Join(dir, "src")}, dbArgs...)...); r.code != 1 {
		t.Fatalf("scan --store: %d %s", r.code, r.stderr)
	}
	r := runCLI(t, "", append([]string{"audit", "1", "--endpoint", "http://127.0.0.1:9"}, dbArgs...)...)
	if r.code != 2 || !strings.Contains(r.stderr, "no known exposure start") || !strings.Contains(r.stderr, "--since") {
		t.Errorf("audit without an exposure start: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	if strings.Contains(r.stdout, "audit of") || strings.Contains(r.stderr, tok) {
		t.Errorf("an audit ran (or the token was printed):\n%s\n%s", r.stdout, r.stderr)
	}
	if r := runCLI(t, "", append([]string{"incidents", "show", "1"}, dbArgs...)...); strings.Contains(r.stdout, "audited") {
		t.Errorf("an audit was saved:\n%s", r.stdout)
	}
}

// TestLogLineExposure: the time that opens a log line holding the token
// becomes the incident's exposure start, and a later scan finding an
// earlier line moves it, with an event saying so.
func TestLogLineExposure(t *testing.T) {
	tok := fakeTokens(t, 52, 1)[0]
	dir := t.TempDir()
	dbArgs := []string{"--db", filepath.Join(dir, "h.db"), "--key-file", filepath.Join(dir, "h.key")}
	write(t, filepath.Join(dir, "a", "train.log"), "2026-03-04T10:11:12Z INFO using token "+tok+"\n")
	write(t, filepath.Join(dir, "b", "job.log"), "[2026-03-01 08:00:00] login with "+tok+"\n")
	exposure := func() string {
		t.Helper()
		r := runCLI(t, "", append([]string{"incidents", "list", "-f", "json"}, dbArgs...)...)
		var list []struct {
			ExposureStart string `json:"exposure_start"`
		}
		if err := json.Unmarshal([]byte(r.stdout), &list); err != nil || len(list) != 1 {
			t.Fatalf("list: %v %s %s", err, r.stdout, r.stderr)
		}
		return list[0].ExposureStart
	}
	for _, step := range []struct{ dir, want string }{
		{"a", "2026-03-04T10:11:12Z"},
		{"b", "2026-03-01T08:00:00Z"},
	} {
		if r := runCLI(t, "", append([]string{"scan", "--store", "-q", filepath.Join(dir, step.dir)}, dbArgs...)...); r.code != 1 {
			t.Fatalf("scan --store %s: %d %s", step.dir, r.code, r.stderr)
		}
		if got := exposure(); got != step.want {
			t.Errorf("after scanning %s: exposure start %s, want %s", step.dir, got, step.want)
		}
	}
	r := runCLI(t, "", append([]string{"incidents", "show", "1"}, dbArgs...)...)
	if !strings.Contains(r.stdout, "1 new occurrence; exposure start moved to 2026-03-01T08:00:00Z (was 2026-03-04T10:11:12Z)") {
		t.Errorf("no event for the moved exposure start:\n%s", r.stdout)
	}
}
