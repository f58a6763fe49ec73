package testutil

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// gitConfig is the whole configuration a test's git sees: "main" as the
// first branch, no automatic gc (unreachable objects must survive), no
// signing, no hooks, no line-ending conversion, no detached-head advice,
// and file:// remotes allowed.
const gitConfig = `[init]
	defaultBranch = main
[gc]
	auto = 0
[receive]
	autogc = false
[commit]
	gpgsign = false
[tag]
	gpgsign = false
[core]
	autocrlf = false
	hooksPath = /dev/null
[advice]
	detachedHead = false
[protocol "file"]
	allow = always
`

// IsolateGit makes git in this test independent of the machine: no system
// or user settings (HOME is a new directory, the global configuration is
// gitConfig), no prompts, and none of the environment that points git at
// another repository or sets an identity or date; the test sets those it
// needs after this call. It skips the test when git is not installed.
func IsolateGit(t testing.TB) {
	t.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git not installed")
	}
	home := t.TempDir()
	cfg := filepath.Join(home, "gitconfig")
	if err := os.WriteFile(cfg, []byte(gitConfig), 0o644); err != nil {
		t.Fatalf("writing the test's git configuration: %v", err)
	}
	t.Setenv("HOME", home)
	t.Setenv("XDG_CONFIG_HOME", home)
	t.Setenv("GIT_CONFIG_NOSYSTEM", "1")
	t.Setenv("GIT_CONFIG_GLOBAL", cfg)
	t.Setenv("GIT_TERMINAL_PROMPT", "0")
	for _, k := range []string{"GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_OBJECT_DIRECTORY",
		"GIT_ALTERNATE_OBJECT_DIRECTORIES", "GIT_NAMESPACE", "GIT_CEILING_DIRECTORIES", "GIT_CONFIG",
		"GIT_CONFIG_COUNT", "GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL", "GIT_AUTHOR_DATE",
		"GIT_COMMITTER_NAME", "GIT_COMMITTER_EMAIL", "GIT_COMMITTER_DATE", "XDG_CACHE_HOME"} {
		t.Setenv(k, "") // restored after the test
		// Unset, not empty: git reads some of these when merely set. The
		// names are valid, so unsetting cannot fail.
		_ = os.Unsetenv(k)
	}
}
