package cli_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hfwarden/hfwarden/internal/testutil"
)

// gitRepo makes a repository with one commit, isolated from the user's
// git configuration.
func gitRepo(t *testing.T) string {
	t.Helper()
	testutil.IsolateGit(t)
	// These tests install hooks: git's own hooks directory, not none.
	gitIn(t, t.TempDir(), "config", "--global", "--unset", "core.hooksPath")
	t.Setenv("GIT_AUTHOR_NAME", "Ada")
	t.Setenv("GIT_AUTHOR_EMAIL", "ada@example.com")
	t.Setenv("GIT_COMMITTER_NAME", "Ada")
	t.Setenv("GIT_COMMITTER_EMAIL", "ada@example.com")
	dir := t.TempDir()
	gitIn(t, dir, "init", "-q", "-b", "main")
	write(t, filepath.Join(dir, "README"), "hello\n")
	gitIn(t, dir, "add", ".")
	gitIn(t, dir, "commit", "-qm", "init")
	return dir
}

func gitIn(t *testing.T, dir string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("git %v: %v\n%s", args, err, out)
	}
	return string(out)
}

func TestProtect(t *testing.T) {
	tk := fakeTokens(t, 7, 2)
	dir := gitRepo(t)

	// Nothing staged: clean.
	if r := runCLI(t, "", "protect", "-C", dir); r.code != 0 {
		t.Fatalf("clean index: exit %d, stderr %s", r.code, r.stderr)
	}

	// A staged token blocks; the raw token is never printed.
	write(t, filepath.Join(dir, "app.py"), "t = \""+tk[0]+"\"\n")
	gitIn(t, dir, "add", "app.py")
	r := runCLI(t, "", "protect", "-C", dir)
	if r.code != 1 || !strings.Contains(r.stdout, "app.py:1:6") || !strings.Contains(r.stderr, "commit blocked") {
		t.Fatalf("staged token: exit %d\nstdout %s\nstderr %s", r.code, r.stdout, r.stderr)
	}
	if strings.Contains(r.stdout+r.stderr, tk[0]) {
		t.Fatal("raw token printed")
	}

	// What counts is the index, not the work tree: fixing the file without
	// staging it still blocks; staging the fix unblocks.
	write(t, filepath.Join(dir, "app.py"), "t = os.environ['HF_TOKEN']\n")
	if r := runCLI(t, "", "protect", "-C", dir); r.code != 1 {
		t.Fatalf("unstaged fix: exit %d, want 1", r.code)
	}
	gitIn(t, dir, "add", "app.py")
	if r := runCLI(t, "", "protect", "-C", dir); r.code != 0 {
		t.Fatalf("staged fix: exit %d, want 0; %s", r.code, r.stdout)
	}

	// JSON output names the staged path.
	write(t, filepath.Join(dir, "nb", "a.ipynb"), `{"cells":[{"cell_type":"code","source":["x=1\n"],"outputs":[{"output_type":"stream","name":"stdout","text":["`+tk[1]+`\n"]}]}],"nbformat":4,"nbformat_minor":5,"metadata":{}}`)
	gitIn(t, dir, "add", "nb/a.ipynb")
	r = runCLI(t, "", "protect", "-C", dir, "--format", "json")
	if r.code != 1 || !strings.Contains(r.stdout, `"path": "nb/a.ipynb"`) || !strings.Contains(r.stdout, `"cell": 0`) {
		t.Fatalf("staged notebook: exit %d\n%s", r.code, r.stdout)
	}
}

func TestProtectPrePush(t *testing.T) {
	tk := fakeTokens(t, 8, 1)
	dir := gitRepo(t)
	remote := t.TempDir()
	gitIn(t, remote, "init", "-q", "--bare")
	gitIn(t, dir, "remote", "add", "origin", remote)
	gitIn(t, dir, "push", "-q", "origin", "main")
	base := strings.TrimSpace(gitIn(t, dir, "rev-parse", "HEAD"))

	// The token is added and removed again: the push still sends it.
	write(t, filepath.Join(dir, "a.txt"), tk[0]+"\n")
	gitIn(t, dir, "add", ".")
	gitIn(t, dir, "commit", "-qm", "add")
	write(t, filepath.Join(dir, "a.txt"), "gone\n")
	gitIn(t, dir, "commit", "-qam", "remove")
	head := strings.TrimSpace(gitIn(t, dir, "rev-parse", "HEAD"))

	stdin := "refs/heads/main " + head + " refs/heads/main " + base + "\n"
	r := runCLI(t, stdin, "protect", "--pre-push", "-C", dir, "origin", remote)
	if r.code != 1 || !strings.Contains(r.stdout, "a.txt") || !strings.Contains(r.stderr, "push blocked") {
		t.Fatalf("pre-push: exit %d\nstdout %s\nstderr %s", r.code, r.stdout, r.stderr)
	}
	// Nothing new to send: clean.
	stdin = "refs/heads/main " + base + " refs/heads/main " + base + "\n"
	if r := runCLI(t, stdin, "protect", "--pre-push", "-C", dir); r.code != 0 {
		t.Fatalf("empty push: exit %d %s", r.code, r.stdout)
	}
	// A deletion sends nothing.
	stdin = "(delete) 0000000000000000000000000000000000000000 refs/heads/x " + base + "\n"
	if r := runCLI(t, stdin, "protect", "--pre-push", "-C", dir); r.code != 0 {
		t.Fatalf("deletion: exit %d %s", r.code, r.stdout)
	}
}

func TestHookInstall(t *testing.T) {
	dir := gitRepo(t)
	r := runCLI(t, "", "hook", "install", "-C", dir)
	if r.code != 0 {
		t.Fatalf("install: exit %d %s", r.code, r.stderr)
	}
	hook := filepath.Join(dir, ".git", "hooks", "pre-commit")
	b, err := os.ReadFile(hook)
	if err != nil || !strings.Contains(string(b), "protect") {
		t.Fatalf("hook not written: %v %s", err, b)
	}
	if st, _ := os.Stat(hook); st.Mode()&0o111 == 0 {
		t.Fatal("hook not executable")
	}
	// A foreign hook is not overwritten without --force.
	other := filepath.Join(dir, ".git", "hooks", "pre-push")
	write(t, other, "#!/bin/sh\necho mine\n")
	if r := runCLI(t, "", "hook", "install", "--pre-push", "-C", dir); r.code != 2 || !strings.Contains(r.stderr, "--force") {
		t.Fatalf("foreign hook: exit %d %s", r.code, r.stderr)
	}
	if r := runCLI(t, "", "hook", "install", "--pre-push", "--force", "-C", dir); r.code != 0 {
		t.Fatalf("--force: exit %d", r.code)
	}
	// core.hooksPath is respected.
	gitIn(t, dir, "config", "core.hooksPath", "myhooks")
	if r := runCLI(t, "", "hook", "install", "-C", dir); r.code != 0 {
		t.Fatalf("hooksPath install: exit %d %s", r.code, r.stderr)
	}
	if _, err := os.Stat(filepath.Join(dir, "myhooks", "pre-commit")); err != nil {
		t.Fatalf("core.hooksPath ignored: %v", err)
	}
	if r := runCLI(t, "", "hook", "uninstall", "-C", dir); r.code != 0 {
		t.Fatalf("uninstall: exit %d %s", r.code, r.stderr)
	}
	if _, err := os.Stat(filepath.Join(dir, "myhooks", "pre-commit")); !os.IsNotExist(err) {
		t.Fatal("hook not removed")
	}
	// Not a repository: a one-line error and exit 2.
	if r := runCLI(t, "", "hook", "install", "-C", t.TempDir()); r.code != 2 || strings.Count(strings.TrimSpace(r.stderr), "\n") != 0 {
		t.Fatalf("not a repo: exit %d %q", r.code, r.stderr)
	}
}
