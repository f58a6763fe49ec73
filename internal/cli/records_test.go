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

// TestFileOccurrencesAbsolute: the store keeps file occurrences by
// absolute path, however the scan named them, while the scan's own
// report keeps the path as given: a later scan of the directory (named
// another way) covers the copy, so the purge step is done once it is
// gone; two directories' config.env are two occurrences; one file
// scanned as "t2", "/abs/t2" and "." from inside is one.
func TestFileOccurrencesAbsolute(t *testing.T) {
	tok := fakeTokens(t, 52, 1)[0]
	root := t.TempDir()
	t.Chdir(root)
	key := filepath.Join(root, "h.key")
	db := func(name string) []string { return []string{"--db", filepath.Join(root, name), "--key-file", key} }
	purge := func(dbArgs []string) (string, string) {
		t.Helper()
		r := runCLI(t, "", append([]string{"report", "1", "-f", "json"}, dbArgs...)...)
		var rep struct {
			Checklist []struct {
				Title  string `json:"title"`
				Status string `json:"status"`
				Detail string `json:"detail"`
			} `json:"checklist"`
		}
		if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
			t.Fatalf("report: %v %d %s", err, r.code, r.stderr)
		}
		for _, it := range rep.Checklist {
			if strings.HasPrefix(it.Title, "Purge") {
				return it.Status, it.Detail
			}
		}
		t.Fatalf("no purge step in %s", r.stdout)
		return "", ""
	}
	occurrences := func(dbArgs []string) string {
		t.Helper()
		return runCLI(t, "", append([]string{"incidents", "show", "1"}, dbArgs...)...).stdout
	}

	t.Run("purge after a rescan of the directory", func(t *testing.T) {
		d := db("purge.db")
		write(t, filepath.Join(root, "pz", "c.env"), "k="+tok+"\n")
		r := runCLI(t, "", append([]string{"scan", "--store", "-f", "json", "pz"}, d...)...)
		if r.code != 1 || !strings.Contains(r.stdout, `"path": "pz/c.env"`) {
			t.Fatalf("scan --store: exit %d, the report should keep the relative path:\n%s\n%s", r.code, r.stdout, r.stderr)
		}
		if got := occurrences(d); !strings.Contains(got, filepath.Join(root, "pz", "c.env")+":1:3") {
			t.Errorf("the store does not hold the absolute path:\n%s", got)
		}
		write(t, filepath.Join(root, "pz", "c.env"), "k=none\n")
		if r := runCLI(t, "", append([]string{"scan", "--store", "-q", "pz"}, d...)...); r.code != 0 {
			t.Fatalf("rescan: exit %d %s", r.code, r.stderr)
		}
		if st, detail := purge(d); st != "done" {
			t.Errorf("purge step after the copy is gone: %s %q", st, detail)
		}
	})

	t.Run("same name in two directories", func(t *testing.T) {
		d := db("two.db")
		for _, srv := range []string{"srvA", "srvB"} {
			write(t, filepath.Join(root, srv, "config.env"), "k="+tok+"\n")
			t.Chdir(filepath.Join(root, srv))
			if r := runCLI(t, "", append([]string{"scan", "--store", "-q", "."}, d...)...); r.code != 1 {
				t.Fatalf("scan of %s: exit %d %s", srv, r.code, r.stderr)
			}
		}
		t.Chdir(root)
		got := occurrences(d)
		for _, srv := range []string{"srvA", "srvB"} {
			if !strings.Contains(got, filepath.Join(root, srv, "config.env")+":1:3") {
				t.Errorf("no occurrence in %s:\n%s", srv, got)
			}
		}
	})

	t.Run("one file named three ways", func(t *testing.T) {
		d := db("three.db")
		write(t, filepath.Join(root, "t2", "a.env"), "k="+tok+"\n")
		var recorded []string
		for _, run := range []struct{ cwd, arg string }{{root, "t2"}, {root, filepath.Join(root, "t2")}, {filepath.Join(root, "t2"), "."}} {
			t.Chdir(run.cwd)
			r := runCLI(t, "", append([]string{"scan", "--store", "-q", run.arg}, d...)...)
			if r.code != 1 {
				t.Fatalf("scan %s in %s: exit %d %s", run.arg, run.cwd, r.code, r.stderr)
			}
			recorded = append(recorded, r.stderr)
		}
		t.Chdir(root)
		if !strings.Contains(recorded[0], "1 new occurrences") || !strings.Contains(recorded[1], "0 new occurrences") || !strings.Contains(recorded[2], "0 new occurrences") {
			t.Errorf("three namings of one file should make one occurrence:\n%s", strings.Join(recorded, ""))
		}
	})
}
