package cli_test

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/hfwarden/hfwarden/internal/hubsim"
	"github.com/hfwarden/hfwarden/internal/testutil"
)

// hostile holds an OSC title sequence, a CSI clear-screen, a C1 CSI and a
// bidi override: each must reach the terminal escaped.
const hostile = "x\x1b]0;owned\x07\x1b[2J\u009b1m\u202eexe.txt"

func assertEscaped(t *testing.T, what, s string) {
	t.Helper()
	for _, raw := range []string{"\x1b", "\x07", "\u009b", "\u202e"} {
		if strings.Contains(s, raw) {
			t.Errorf("%s holds a raw %q:\n%q", what, raw, s)
		}
	}
}

// TestFileNamesEscaped scans files whose names hold escape sequences: the
// text report, the warnings on stderr and the Markdown report show them
// escaped.
func TestFileNamesEscaped(t *testing.T) {
	tk := fakeTokens(t, 71, 2)
	dir := t.TempDir()
	write(t, filepath.Join(dir, hostile+".py"), "TOKEN = \""+tk[0]+"\"\n")
	// A truncated notebook makes a warning that names the file.
	write(t, filepath.Join(dir, hostile+".ipynb"), `{"cells": [{"cell_type": "code", "source": ["login(token=\"`+tk[1]+`\")\n"`)
	db := []string{"--db", filepath.Join(t.TempDir(), "h.db"), "--key-file", filepath.Join(t.TempDir(), "h.key")}
	r := runCLI(t, "", append([]string{"scan", "--store", dir}, db...)...)
	if r.code != 1 {
		t.Fatalf("scan: exit %d\n%s", r.code, r.stderr)
	}
	assertEscaped(t, "scan stdout", r.stdout)
	assertEscaped(t, "scan stderr", r.stderr)
	if !strings.Contains(r.stdout, `x\x1b]0;owned\a\x1b[2J\u009b1m\u202eexe.txt.py`) {
		t.Errorf("the text report does not show the name escaped:\n%s", r.stdout)
	}
	if !strings.Contains(r.stderr, `\x1b]0;owned`) {
		t.Errorf("the warning does not name the file, escaped:\n%s", r.stderr)
	}
	for _, args := range [][]string{
		{"incidents", "show", "1"},
		{"incidents", "list"},
		{"report", "1", "--format", "md"},
	} {
		r := runCLI(t, "", append(args, db...)...)
		if r.code != 0 {
			t.Fatalf("%v: exit %d\n%s", args, r.code, r.stderr)
		}
		assertEscaped(t, strings.Join(args, " "), r.stdout)
	}
	r = runCLI(t, "", append([]string{"report", "1", "--format", "md"}, db...)...)
	if !strings.Contains(r.stdout, `x\\x1b\]0;owned`) {
		t.Errorf("the Markdown report does not show the name escaped:\n%s", r.stdout)
	}
}

// TestHubStringsEscaped: names the Hub returns (here a user's full name
// and e-mail and a token's name) are escaped in text output.
func TestHubStringsEscaped(t *testing.T) {
	sc := hubsim.DemoScenario()
	for i := range sc.Users {
		sc.Users[i].Fullname += hostile
		sc.Users[i].Email = "a" + hostile + "@example.com"
	}
	tok := sc.Tokens[0].Token
	for i := range sc.Tokens {
		sc.Tokens[i].DisplayName += hostile
	}
	_, url := testutil.StartHub(t, sc, hubsim.Options{RateLimit: -1})
	r := runCLI(t, tok+"\n", "assess", "--endpoint", url)
	if r.code != 0 {
		t.Fatalf("assess: exit %d\n%s", r.code, r.stderr)
	}
	assertEscaped(t, "assess stdout", r.stdout)
	assertEscaped(t, "assess stderr", r.stderr)
	if !strings.Contains(r.stdout, `\x1b]0;owned`) {
		t.Errorf("assess does not show the full name escaped:\n%s", r.stdout)
	}
}
