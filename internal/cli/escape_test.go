package cli_test

import (
	"io"
	"net/http"
	"net/http/httptest"
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

// TestNewlinesInNamesEscaped: a newline in a file name or in the owner
// name the Hub returns reaches incidents list, incidents show and the
// Markdown report escaped: no forged table row, occurrence line or
// Markdown row.
func TestNewlinesInNamesEscaped(t *testing.T) {
	tok := fakeTokens(t, 73, 1)[0]
	// A Hub (or something answering as one) whose account name holds a
	// newline and a Markdown heading.
	hub := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/api/whoami-v2" || r.Header.Get("Authorization") != "Bearer "+tok {
			http.Error(w, `{"error":"Invalid credentials in Authorization header"}`, http.StatusUnauthorized)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"type":"user","name":"alice\n# H","auth":{"type":"access_token","accessToken":{"displayName":"t","role":"read"}}}`) // a client that hung up fails on its side
	}))
	t.Cleanup(hub.Close)
	url := hub.URL
	dir := t.TempDir()
	write(t, filepath.Join(dir, "x\n  file     fake.env:9:9"), "HF_TOKEN="+tok+"\n")
	db := []string{"--db", filepath.Join(t.TempDir(), "h.db"), "--key-file", filepath.Join(t.TempDir(), "h.key")}
	if r := runCLI(t, "", append([]string{"scan", "--store", "--verify", "--endpoint", url, "--cache-dir", t.TempDir(), "-q", dir}, db...)...); r.code != 1 {
		t.Fatalf("scan: exit %d\n%s", r.code, r.stderr)
	}
	r := runCLI(t, "", append([]string{"incidents", "list"}, db...)...)
	if lines := strings.Split(strings.TrimRight(r.stdout, "\n"), "\n"); r.code != 0 || len(lines) != 2 || !strings.Contains(lines[1], `\n# H`) {
		t.Errorf("incidents list: exit %d, want a header and one row naming the owner escaped:\n%s", r.code, r.stdout)
	}
	r = runCLI(t, "", append([]string{"incidents", "show", "1"}, db...)...)
	if r.code != 0 || strings.Contains(r.stdout, "\n  file     fake.env") || strings.Contains(r.stdout, "\n# H") || !strings.Contains(r.stdout, `x\n  file     fake.env:9:9:1:10`) {
		t.Errorf("incidents show: exit %d, a forged line or no escaped name:\n%s", r.code, r.stdout)
	}
	r = runCLI(t, "", append([]string{"report", "1", "--format", "md"}, db...)...)
	for _, l := range strings.Split(r.stdout, "\n") {
		if strings.HasPrefix(l, "  file") || strings.HasPrefix(l, "# H") {
			t.Errorf("the Markdown report has a forged line %q", l)
		}
	}
}
