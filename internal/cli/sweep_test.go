package cli_test

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
)

// sweepHome writes a fake home and a runner directory holding tokens.
func sweepHome(t *testing.T, toks []string) (home, root string) {
	t.Helper()
	base := t.TempDir()
	home, root = filepath.Join(base, "home"), filepath.Join(base, "root")
	write(t, filepath.Join(home, ".cache", "huggingface", "token"), toks[0]+"\n")
	write(t, filepath.Join(home, ".cache", "huggingface", "stored_tokens"), "[ci]\nhf_token = "+toks[1]+"\n")
	write(t, filepath.Join(home, ".bash_history"), "ls\nexport HF_TOKEN="+toks[2]+"\n")
	write(t, filepath.Join(root, "actions-runner", ".runner"), "{}\n")
	write(t, filepath.Join(root, "actions-runner", "_diag", "Worker_1.log"), "token "+toks[0]+"\n")
	return home, root
}

func TestSweepCommand(t *testing.T) {
	toks := fakeTokens(t, 41, 3)
	home, root := sweepHome(t, toks)
	r := runCLI(t, "", "sweep", "--home", home, "--root", root, "--system=false", "-q", "-f", "json")
	if r.code != 1 {
		t.Fatalf("exit %d, want 1\n%s", r.code, r.stderr)
	}
	for _, tok := range toks {
		if strings.Contains(r.stdout+r.stderr, tok) {
			t.Fatal("raw token in the output")
		}
	}
	var rep struct {
		Findings []struct {
			Source   string
			Location struct {
				Path  string
				Field string
				Attrs map[string]string
			}
		}
	}
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
		t.Fatalf("report is not JSON: %v\n%s", err, r.stdout)
	}
	kinds := map[string]int{}
	for _, f := range rep.Findings {
		a := f.Location.Attrs
		if f.Source != "sweep" || a["tool"] == "" || a["purge"] == "" {
			t.Errorf("finding at %s: source %q attrs %v", f.Location.Path, f.Source, a)
		}
		kinds[a["kind"]]++
		if a["kind"] == "hf-stored-tokens" && (a["section"] != "ci" || f.Location.Field != "section ci") {
			t.Errorf("stored token: section %q field %q", a["section"], f.Location.Field)
		}
	}
	want := map[string]int{"hf-token-file": 1, "hf-stored-tokens": 1, "shell-history": 1, "actions-runner": 1}
	if len(kinds) != len(want) {
		t.Errorf("kinds %v, want %v", kinds, want)
	}
	for k, n := range want {
		if kinds[k] != n {
			t.Errorf("%s: %d findings, want %d", k, kinds[k], n)
		}
	}

	// The text report says who put each token there and how to purge it.
	r = runCLI(t, "", "sweep", "--home", home, "--root", root, "--system=false", "-q", "--no-color")
	if r.code != 1 || !strings.Contains(r.stdout, "put there by huggingface_hub login") || !strings.Contains(r.stdout, "purge: hf auth logout") {
		t.Errorf("text report: exit %d\n%s", r.code, r.stdout)
	}
}

func TestSweepCommandClean(t *testing.T) {
	home, root := t.TempDir(), t.TempDir()
	write(t, filepath.Join(home, ".bash_history"), "ls\n")
	if r := runCLI(t, "", "sweep", "--home", home, "--root", root, "--system=false", "-q"); r.code != 0 {
		t.Errorf("clean sweep: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	missing := filepath.Join(root, "missing")
	if r := runCLI(t, "", "sweep", "--home", home, "--root", missing, "--system=false", "-q"); r.code != 2 || !strings.Contains(r.stderr, missing) || strings.Count(strings.TrimSpace(r.stderr), "\n") != 0 {
		t.Errorf("missing root: exit %d, stderr %q", r.code, r.stderr)
	}
	// A missing or non-directory --home is an error as a missing --root
	// is, not a clean sweep of nothing.
	notDir := filepath.Join(home, ".bash_history")
	for _, h := range []string{filepath.Join(home, "missing"), notDir} {
		if r := runCLI(t, "", "sweep", "--home", h, "--root", root, "--system=false", "-q"); r.code != 2 || !strings.Contains(r.stderr, h) || strings.Count(strings.TrimSpace(r.stderr), "\n") != 0 {
			t.Errorf("--home %s: exit %d, stderr %q", h, r.code, r.stderr)
		}
	}
	if r := runCLI(t, "", "sweep", "extra-arg"); r.code != 2 {
		t.Errorf("sweep with an argument: exit %d", r.code)
	}
}

// --verify and --store work as they do for scan.
func TestSweepVerifyStore(t *testing.T) {
	url, toks := startSim(t)
	tok := toks["sim-alice-write"]
	home := t.TempDir()
	write(t, filepath.Join(home, ".cache", "huggingface", "token"), tok+"\n")
	write(t, filepath.Join(home, ".git-credentials"), "https://alice:"+tok+"@huggingface.co\n")
	db := filepath.Join(t.TempDir(), "h.db")
	r := runCLI(t, "", "sweep", "--home", home, "--root", "", "--system=false", "-q", "-f", "json",
		"--verify", "--endpoint", url, "--cache-dir", t.TempDir(), "--store", "--db", db, "--key-file", filepath.Join(t.TempDir(), "k"))
	if r.code != 1 || !strings.Contains(r.stderr, "1 new incidents, 2 new occurrences") {
		t.Fatalf("sweep --verify --store: exit %d\n%s", r.code, r.stderr)
	}
	var rep struct {
		Findings []struct {
			Verification *struct{ Status string }
		}
	}
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil || len(rep.Findings) != 2 {
		t.Fatalf("report: %v\n%s", err, r.stdout)
	}
	for _, f := range rep.Findings {
		if f.Verification == nil || f.Verification.Status != "live" {
			t.Errorf("verification %+v, want live", f.Verification)
		}
	}
}
