package sweep

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/hfwarden/hfwarden/internal/finding"
	"github.com/hfwarden/hfwarden/internal/scan"
	"github.com/hfwarden/hfwarden/internal/secret"
	"github.com/hfwarden/hfwarden/internal/testutil"
)

// fakeTokens returns n distinct fake tokens (see testutil).
func fakeTokens(t testing.TB, n int) []string { return testutil.FakeTokens(t, 7, n) }

func write(t testing.TB, path, data string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
}

func run(t testing.TB, dir string, args ...string) {
	t.Helper()
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s: %v\n%s", strings.Join(args, " "), err, out)
	}
}

// want is what one planted token must be found as.
type want struct {
	kind, path string
	attrs      map[string]string // further attributes the finding must carry
	field      string
}

// Fixture builds a fake home and a root holding a repository, an app, a
// notebook checkpoint, a GitHub Actions runner, a GitLab runner and
// Kubernetes manifests, with a distinct fake token in each place. It
// returns the options to sweep them and, per token, what must be found.
func fixture(t *testing.T) (Options, map[string]want) {
	t.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git not installed")
	}
	base := t.TempDir()
	home, root := filepath.Join(base, "home"), filepath.Join(base, "root")
	tok := fakeTokens(t, 24)
	w := map[string]want{}
	plant := func(i int, kind, path string, attrs map[string]string, field string) string {
		w[tok[i]] = want{kind: kind, path: path, attrs: attrs, field: field}
		return tok[i]
	}

	p := filepath.Join(home, ".cache/huggingface/token")
	write(t, p, plant(0, KindHFTokenFile, p, nil, "")+"\n")
	p = filepath.Join(home, ".cache/huggingface/stored_tokens")
	write(t, p, fmt.Sprintf("[work]\nhf_token = %s\n\n[personal laptop]\nhf_token = %s\n",
		plant(1, KindHFStoredTokens, p, map[string]string{"section": "work"}, "section work"),
		plant(2, KindHFStoredTokens, p, map[string]string{"section": "personal laptop"}, "section personal laptop")))
	p = filepath.Join(home, ".huggingface/token")
	write(t, p, plant(3, KindHFTokenFile, p, nil, ""))
	p = filepath.Join(home, ".git-credentials")
	write(t, p, "https://user:"+plant(4, KindGitCredentials, p, nil, "")+"@huggingface.co\n")
	p = filepath.Join(home, ".netrc")
	write(t, p, "machine huggingface.co login user password "+plant(5, KindNetrc, p, nil, "")+"\n")
	p = filepath.Join(home, ".bash_history")
	write(t, p, "ls -la\nexport HF_TOKEN="+plant(6, KindShellHistory, p, nil, "")+"\npython train.py\n")
	p = filepath.Join(home, ".zsh_history")
	write(t, p, ": 1700000000:0;cd src\n: 1700000001:0;export HF_TOKEN="+plant(7, KindShellHistory, p, nil, "")+"\n")
	p = filepath.Join(home, ".local/share/fish/fish_history")
	write(t, p, "- cmd: hf auth login --token "+plant(8, KindShellHistory, p, nil, "")+"\n  when: 1700000000\n")
	p = filepath.Join(home, ".docker/config.json")
	auth := base64.StdEncoding.EncodeToString([]byte("user:" + plant(9, KindDockerConfig, p, nil, "")))
	write(t, p, `{"auths":{"registry.hf.space":{"auth":"`+auth+`"}}}`+"\n")

	p = filepath.Join(home, ".bashrc")
	write(t, p, "alias ll='ls -l'\nexport HF_TOKEN="+plant(18, KindShellRC, p, nil, "")+"\n")

	bare := filepath.Join(root, "srv", "demo.git")
	run(t, base, "git", "init", "-q", "--bare", bare)
	p = filepath.Join(bare, "config")
	run(t, bare, "git", "remote", "add", "mirror", "https://x:"+plant(19, KindGitRemote, p, map[string]string{"remote": "mirror"}, "remote mirror")+"@huggingface.co/acme/demo")

	repo := filepath.Join(root, "proj")
	if err := os.MkdirAll(repo, 0o755); err != nil {
		t.Fatal(err)
	}
	run(t, repo, "git", "init", "-q")
	cfg := filepath.Join(repo, ".git", "config")
	run(t, repo, "git", "remote", "add", "origin", "https://user:"+plant(10, KindGitRemote, cfg, map[string]string{"remote": "origin"}, "remote origin")+"@huggingface.co/spaces/acme/demo")
	run(t, repo, "git", "remote", "add", "upstream", "https://github.com/acme/demo")
	// A token outside any remote: a header for every request.
	run(t, repo, "git", "config", "http.extraheader", "Authorization: Bearer "+plant(21, KindGitConfig, cfg, map[string]string{"section": "http"}, "http"))
	write(t, filepath.Join(repo, "README.md"), "nothing here\n")
	// A submodule whose remote holds a token: git keeps its config in
	// the superproject's .git/modules.
	lib := filepath.Join(base, "lib")
	run(t, base, "git", "init", "-q", lib)
	write(t, filepath.Join(lib, "lib.txt"), "lib\n")
	run(t, lib, "git", "add", ".")
	run(t, lib, "git", "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-qm", "lib")
	run(t, repo, "git", "-c", "protocol.file.allow=always", "submodule", "add", "-q", lib, "vendor/lib")
	p = filepath.Join(repo, ".git", "modules", "vendor", "lib", "config")
	run(t, filepath.Join(repo, "vendor", "lib"), "git", "remote", "set-url", "origin",
		"https://x:"+plant(22, KindGitRemote, p, map[string]string{"remote": "origin"}, "remote origin")+"@huggingface.co/acme/lib")

	p = filepath.Join(root, "app/.envrc")
	write(t, p, "export HF_TOKEN="+plant(20, KindDotenv, p, nil, "")+"\n")
	p = filepath.Join(root, "app/.env.local")
	write(t, p, "DEBUG=1\nHF_TOKEN="+plant(11, KindDotenv, p, nil, "")+"\n")
	p = filepath.Join(root, "nb/.ipynb_checkpoints/train-checkpoint.ipynb")
	write(t, p, `{"cells":[{"cell_type":"code","source":["login(\"`+plant(12, KindJupyterCheckpoint, p, nil, "source")+`\")"]}],"metadata":{},"nbformat":4,"nbformat_minor":5}`)
	write(t, filepath.Join(root, "nb/train.ipynb"), `{"cells":[],"metadata":{},"nbformat":4,"nbformat_minor":5}`)

	runner := filepath.Join(root, "actions-runner")
	write(t, filepath.Join(runner, "run.sh"), "#!/bin/sh\n")
	p = filepath.Join(runner, "_diag/Worker_20240101-000000-utc.log")
	write(t, p, "[2024-01-01 00:00:00Z INFO] env HF_TOKEN="+plant(13, KindActionsRunner, p, nil, "")+"\n")
	// A checkout in the runner's workspace, with a submodule's config
	// made by hand.
	write(t, filepath.Join(runner, "_work/model/model/.git/config"), "[core]\n\tbare = false\n")
	p = filepath.Join(runner, "_work/model/model/.git/modules/x/config")
	write(t, p, "[remote \"origin\"]\n\turl = https://x:"+plant(23, KindActionsRunner, p, nil, "")+"@huggingface.co/acme/x\n")
	p = filepath.Join(runner, "_work/_temp/0b1c2d.sh")
	write(t, p, "huggingface-cli upload --token "+plant(14, KindActionsRunner, p, nil, "")+" acme/model .\n")

	gl := filepath.Join(root, "gitlab-runner")
	write(t, filepath.Join(gl, "config.toml"), "concurrent = 1\n")
	p = filepath.Join(gl, "builds/t0k/0/acme/model/job.log")
	write(t, p, "HF_TOKEN="+plant(15, KindGitLabRunner, p, nil, "")+"\n")
	p = filepath.Join(gl, "cache/acme/model/default/notes.txt")
	write(t, p, "token "+plant(16, KindGitLabRunner, p, nil, "")+"\n")

	p = filepath.Join(root, "deploy/secret.yaml")
	enc := base64.StdEncoding.EncodeToString([]byte(plant(17, KindK8sSecret, p, map[string]string{"key": "HF_TOKEN"}, "data HF_TOKEN")))
	write(t, p, "apiVersion: v1\nkind: Secret\nmetadata:\n  name: hf\ntype: Opaque\ndata:\n  HF_TOKEN: "+enc+"\n  USER: YWNtZQ==\n")
	write(t, filepath.Join(root, "deploy/deploy.yaml"), "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: hf\n")

	return Options{Root: root, Home: home}, w
}

func sweep(t *testing.T, opt Options) ([]Target, []finding.Finding, finding.Stats) {
	t.Helper()
	targets, err := Plan(opt)
	if err != nil {
		t.Fatal(err)
	}
	res, err := scan.New(scan.Options{}).Scan(t.Context(), scan.Items(Walk(targets)))
	fs, st := res.Findings, res.Stats
	if err != nil {
		t.Fatal(err)
	}
	return targets, fs, st
}

func TestSweepFindsEachPlaceOnce(t *testing.T) {
	opt, wants := fixture(t)
	targets, findings, st := sweep(t, opt)
	if st.Errors != 0 {
		t.Errorf("errors: %v", st.ErrorList)
	}
	byFP := map[string]string{}
	for tok := range wants {
		byFP[secret.Fingerprint(tok)] = tok
	}
	count := map[string]int{}
	for _, f := range findings {
		tok, ok := byFP[f.Fingerprint]
		if !ok {
			t.Errorf("unexpected finding %s at %s", f.Redacted, f.Location.Path)
			continue
		}
		count[tok]++
		w := wants[tok]
		a := f.Location.Attrs
		if f.Location.Path != w.path {
			t.Errorf("%s: path %q, want %q", w.kind, f.Location.Path, w.path)
		}
		tool, purge := about(w.kind)
		purge = strings.ReplaceAll(purge, "NAME", shellQuote(w.attrs["section"]))
		purge = strings.ReplaceAll(purge, "REMOTE", shellQuote(w.attrs["remote"]))
		purge = strings.ReplaceAll(purge, "FILE", shellQuote(w.path))
		purge = strings.ReplaceAll(purge, "SECTION", shellQuote(w.attrs["section"]))
		if a["kind"] != w.kind || a["tool"] != tool || a["purge"] != purge {
			t.Errorf("%s: attrs %v", w.kind, a)
		}
		if a["tool"] == "" || a["purge"] == "" {
			t.Errorf("%s: no tool or purge", w.kind)
		}
		for k, v := range w.attrs {
			if a[k] != v {
				t.Errorf("%s: attr %s = %q, want %q", w.kind, k, a[k], v)
			}
		}
		if f.Location.Field != w.field {
			t.Errorf("%s: field %q, want %q", w.kind, f.Location.Field, w.field)
		}
		if f.Source != "sweep" {
			t.Errorf("%s: source %q", w.kind, f.Source)
		}
		if strings.Contains(f.Redacted, tok) || f.Secret != "" {
			t.Errorf("%s: raw token in finding", w.kind)
		}
	}
	for tok, w := range wants {
		if count[tok] != 1 {
			t.Errorf("%s at %s: found %d times, want once", w.kind, w.path, count[tok])
		}
	}
	for _, tg := range targets {
		if strings.HasSuffix(tg.Path, "deploy.yaml") || strings.HasSuffix(tg.Path, filepath.Join("nb", "train.ipynb")) {
			t.Errorf("planned %s, which is neither a Secret nor a checkpoint", tg.Path)
		}
		if strings.Contains(tg.Path, string(filepath.Separator)+".git"+string(filepath.Separator)) && filepath.Base(tg.Path) != "config" {
			t.Errorf("planned git internals %s", tg.Path)
		}
	}
}

func TestSweepCleanHome(t *testing.T) {
	home, root := t.TempDir(), t.TempDir()
	write(t, filepath.Join(home, ".bash_history"), "ls\ncd /tmp\n")
	write(t, filepath.Join(home, ".cache/huggingface/token"), "\n")
	write(t, filepath.Join(home, ".git-credentials"), "https://user:ghost@example.com\n")
	write(t, filepath.Join(root, ".env"), "DEBUG=1\n")
	_, findings, st := sweep(t, Options{Root: root, Home: home})
	if len(findings) != 0 || st.Errors != 0 {
		t.Errorf("clean home: %d findings, errors %v", len(findings), st.ErrorList)
	}
	if st.Files != 4 {
		t.Errorf("read %d items, want 4", st.Files)
	}
}

// The environment decides where huggingface_hub keeps its token.
func TestPlanHonoursEnvironment(t *testing.T) {
	home, elsewhere := t.TempDir(), t.TempDir()
	tests := []struct {
		name string
		env  map[string]string
		want []string // relative to elsewhere
	}{
		{"HF_HOME", map[string]string{"HF_HOME": elsewhere}, []string{"token", "stored_tokens"}},
		{"XDG_CACHE_HOME", map[string]string{"XDG_CACHE_HOME": elsewhere}, []string{"huggingface/token"}},
		{"HF_TOKEN_PATH", map[string]string{"HF_TOKEN_PATH": filepath.Join(elsewhere, "tok", "my-token")}, []string{"tok/my-token", "tok/stored_tokens"}},
		{"DOCKER_CONFIG", map[string]string{"DOCKER_CONFIG": filepath.Join(elsewhere, "dc")}, []string{"dc/config.json"}},
		{"HISTFILE", map[string]string{"HISTFILE": filepath.Join(elsewhere, "hist")}, []string{"hist"}},
	}
	for _, f := range []string{"token", "stored_tokens", "huggingface/token", "tok/my-token", "tok/stored_tokens", "dc/config.json", "hist"} {
		write(t, filepath.Join(elsewhere, f), "x\n")
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			targets, err := Plan(Options{Home: home, Getenv: func(k string) string { return tt.env[k] }})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, tg := range targets {
				rel, _ := filepath.Rel(elsewhere, tg.Path)
				got = append(got, filepath.ToSlash(rel))
			}
			for _, w := range tt.want {
				if !slices.Contains(got, w) {
					t.Errorf("planned %v, want %s among them", got, w)
				}
			}
			if len(got) != len(tt.want) {
				t.Errorf("planned %v, want only %v", got, tt.want)
			}
		})
	}
	// Without the environment, none of them is read.
	if targets, _ := Plan(Options{Home: home}); len(targets) != 0 {
		t.Errorf("empty home planned %v", targets)
	}
}

func TestPlanBadRoot(t *testing.T) {
	f := filepath.Join(t.TempDir(), "file")
	write(t, f, "x")
	for _, root := range []string{filepath.Join(t.TempDir(), "missing"), f} {
		if _, err := Plan(Options{Root: root}); err == nil || !strings.Contains(err.Error(), root) {
			t.Errorf("Plan(%s): error %v, want one naming the root", root, err)
		}
	}
}

// Places that cannot be read are recorded as errors and the sweep goes on.
func TestWalkUnreadable(t *testing.T) {
	tok := fakeTokens(t, 1)[0]
	dir := t.TempDir()
	good := filepath.Join(dir, ".env")
	write(t, good, "HF_TOKEN="+tok+"\n")
	targets := []Target{
		{Path: filepath.Join(dir, "gone"), Kind: "dir", Err: os.ErrPermission},
		target(filepath.Join(dir, "missing"), KindNetrc),
		target(good, KindDotenv),
	}
	res, err := scan.New(scan.Options{}).Scan(t.Context(), scan.Items(Walk(targets)))
	fs, st := res.Findings, res.Stats
	if err != nil {
		t.Fatal(err)
	}
	if st.Errors != 2 || len(fs) != 1 {
		t.Fatalf("errors %v, %d findings; want 2 errors and 1 finding", st.ErrorList, len(fs))
	}
	for _, msg := range st.ErrorList {
		if strings.Contains(msg, "\n") || !strings.Contains(msg, dir) {
			t.Errorf("error %q: want one line naming the place", msg)
		}
	}
}

func TestWalkStopsOnCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	err := Walk([]Target{target(os.DevNull, KindDotenv)})(ctx, nil)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
}

func TestSweepProcesses(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("process environments are read from /proc")
	}
	tok := fakeTokens(t, 1)[0]
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	cmd := exec.CommandContext(ctx, "sleep", "30")
	cmd.Env = append(os.Environ(), "HF_TOKEN="+tok)
	if err := cmd.Start(); err != nil {
		t.Skipf("cannot start sleep: %v", err)
	}
	defer func() { _ = cmd.Wait() }() // it is killed: its error says only that
	defer cancel()
	_, findings, _ := sweep(t, Options{Processes: true})
	pid := strconv.Itoa(cmd.Process.Pid)
	n := 0
	for _, f := range findings {
		if f.Fingerprint != secret.Fingerprint(tok) {
			continue
		}
		n++
		a := f.Location.Attrs
		if a["pid"] != pid || a["variable"] != "HF_TOKEN" || a["command"] != "sleep" || a["kind"] != KindProcessEnv || a["purge"] == "" {
			t.Errorf("attrs %v, want pid %s, HF_TOKEN, sleep", a, pid)
		}
		if want := "process " + pid + " (sleep)"; f.Location.Path != want {
			t.Errorf("path %q, want %q", f.Location.Path, want)
		}
	}
	if n != 1 {
		t.Errorf("token in the child's environment found %d times, want once", n)
	}
}

func TestStoredTokens(t *testing.T) {
	tests := []struct {
		in     string
		fields []string
	}{
		{"", nil},
		{"[a]\nhf_token = x\n", []string{"section a"}},
		{"; comment\n[a]\nhf_token = x\n[b c]\nhf_token = y\n", []string{"stored_tokens", "section a", "section b c"}},
		{"[a]\n[b]\nhf_token = y", []string{"section a", "section b"}},
	}
	for _, tt := range tests {
		var got []string
		joined := ""
		for _, it := range storedTokens([]byte(tt.in)) {
			got = append(got, it.field)
			joined += string(it.data)
		}
		if !slices.Equal(got, tt.fields) {
			t.Errorf("storedTokens(%q) = %q, want %q", tt.in, got, tt.fields)
		}
		if strings.TrimSpace(joined) != strings.TrimSpace(tt.in) && tt.in != "[a]\n[b]\nhf_token = y" {
			t.Errorf("storedTokens(%q) lost bytes: %q", tt.in, joined)
		}
	}
}

func TestShellQuote(t *testing.T) {
	tests := map[string]string{
		"work":            "work",
		"personal laptop": "'personal laptop'",
		"it's":            `'it'\''s'`,
		"$(rm -rf ~)":     "'$(rm -rf ~)'",
	}
	for in, want := range tests {
		if got := shellQuote(in); got != want {
			t.Errorf("shellQuote(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestGitConfig(t *testing.T) {
	in := `# top
[core]
	bare = false
[remote "origin"]
	url = https://u:p@host/x
	fetch = +refs/heads/*:refs/remotes/origin/*
	pushurl=https://push@host/x
[http "https://huggingface.co/"]
	extraheader = Authorization: Bearer x
[branch "main"]
	remote = origin
[remote "up stream"]
	url = git@github.com:a/b
`
	var got []string
	joined := ""
	for _, it := range gitConfig([]byte(in)) {
		got = append(got, it.field+"|"+it.kind+"|"+it.attrs["remote"]+"|"+it.attrs["section"])
		if in[it.start:it.start+len(it.data)] != string(it.data) {
			t.Errorf("%s: start %d does not hold %q", it.field, it.start, it.data)
		}
		joined += string(it.data)
	}
	want := []string{
		"config|git-config||",
		"core|git-config||core",
		"remote origin||origin|",
		"http.https://huggingface.co/|git-config||http.https://huggingface.co/",
		`branch.main|git-config||branch.main`,
		"remote up stream||up stream|",
	}
	if !slices.Equal(got, want) {
		t.Errorf("gitConfig = %q, want %q", got, want)
	}
	if joined != in {
		t.Errorf("gitConfig lost bytes: %q", joined)
	}
}

func TestSecretData(t *testing.T) {
	v := base64.StdEncoding.EncodeToString([]byte("value-1"))
	in := "kind: Secret\ndata:\n  A: " + v + "\n  \"B\": 'bm90IGI2NA'\n  C: !!!\nstringData:\n  D: " + v + "\n"
	items := secretData([]byte(in))
	if len(items) != 2 {
		t.Fatalf("got %d items, want the manifest and one value", len(items))
	}
	if strings.Contains(string(items[0].data), v+"\n  \"B\"") || !strings.Contains(string(items[0].data), "  A: \n") {
		t.Errorf("data value not blanked:\n%s", items[0].data)
	}
	if !strings.Contains(string(items[0].data), "D: "+v) {
		t.Errorf("stringData value changed:\n%s", items[0].data)
	}
	if it := items[1]; it.field != "data A" || string(it.data) != "value-1" || it.attrs["line"] != "3" {
		t.Errorf("decoded item = %q %q %v", it.field, it.data, it.attrs)
	}
}

// A home inside the walked root is read once, with the kind its fixed
// place gives it, however the root is spelled.
func TestPlanReadsEachPlaceOnce(t *testing.T) {
	home := t.TempDir()
	write(t, filepath.Join(home, ".bash_history"), "ls\n")
	write(t, filepath.Join(home, ".git-credentials"), "x\n")
	t.Chdir(home)
	targets, err := Plan(Options{Root: ".", Home: home})
	if err != nil {
		t.Fatal(err)
	}
	if len(targets) != 2 {
		t.Fatalf("planned %v, want the two files once each", targets)
	}
	for _, tg := range targets {
		if !filepath.IsAbs(tg.Path) || tg.Kind == "" || tg.Tool == "" || tg.Purge == "" {
			t.Errorf("target %+v", tg)
		}
	}
}

func TestEveryKindSaysToolAndPurge(t *testing.T) {
	kinds := []string{KindHFTokenFile, KindHFStoredTokens, KindGitCredentials, KindGitRemote, KindGitConfig, KindNetrc,
		KindShellHistory, KindShellRC, KindDotenv, KindDockerConfig, KindJupyterCheckpoint,
		KindActionsRunner, KindGitLabRunner, KindK8sSecret, KindProcessEnv}
	seen := map[string]bool{}
	for _, k := range kinds {
		tool, purge := about(k)
		if tool == "" || purge == "" || seen[tool+purge] {
			t.Errorf("%s: tool %q purge %q", k, tool, purge)
		}
		seen[tool+purge] = true
	}
	if tool, purge := about("no-such-kind"); tool != "" || purge != "" {
		t.Errorf("unknown kind described")
	}
}

// where returns the line, column and offset of needle in data, as the
// scanner counts them.
func where(t *testing.T, data, needle string) (line, col int, off int64) {
	t.Helper()
	i := strings.Index(data, needle)
	if i < 0 {
		t.Fatalf("%q not in the file", needle)
	}
	start := strings.LastIndexByte(data[:i], '\n') + 1
	return 1 + strings.Count(data[:i], "\n"), i - start + 1, int64(i)
}

// Findings in the parts of a parsed file are placed by the file's line,
// column and offset, not the part's.
func TestSweepFileLineNumbers(t *testing.T) {
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git not installed")
	}
	tok := fakeTokens(t, 5)
	home, root := t.TempDir(), t.TempDir()
	stored := filepath.Join(home, ".cache/huggingface/stored_tokens")
	write(t, stored, "[work]\nhf_token = "+tok[0]+"\n\n[personal laptop]\nhf_token = "+tok[1]+"\n")
	repo := filepath.Join(root, "proj")
	run(t, root, "git", "init", "-q", repo)
	run(t, repo, "git", "remote", "add", "origin", "https://u:"+tok[2]+"@huggingface.co/acme/x")
	run(t, repo, "git", "config", "http.extraheader", "Authorization: Bearer "+tok[3])
	manifest := filepath.Join(root, "deploy/secret.yaml")
	enc := base64.StdEncoding.EncodeToString([]byte(tok[4]))
	write(t, manifest, "apiVersion: v1\nkind: Secret\nmetadata:\n  name: hf\ndata:\n  USER: YWNtZQ==\n  HF_TOKEN:   "+enc+"\n")

	_, findings, st := sweep(t, Options{Root: root, Home: home})
	if st.Errors != 0 {
		t.Errorf("errors: %v", st.ErrorList)
	}
	for i, tc := range []struct {
		path, needle string // needle is where the token sits in the file
	}{
		{stored, tok[0]},
		{stored, tok[1]},
		{filepath.Join(repo, ".git", "config"), tok[2]},
		{filepath.Join(repo, ".git", "config"), tok[3]},
		{manifest, enc},
	} {
		data, err := os.ReadFile(tc.path)
		if err != nil {
			t.Fatal(err)
		}
		line, col, off := where(t, string(data), tc.needle)
		n := 0
		for _, f := range findings {
			if f.Fingerprint != secret.Fingerprint(tok[i]) {
				continue
			}
			n++
			l := f.Location
			if l.Path != tc.path || l.Line != line || l.Column != col || l.Offset != off {
				t.Errorf("token %d (%s): at %s:%d:%d offset %d, want %s:%d:%d offset %d",
					i, l.Field, l.Path, l.Line, l.Column, l.Offset, tc.path, line, col, off)
			}
		}
		if n != 1 {
			t.Errorf("token %d found %d times, want once", i, n)
		}
	}
}

// A runner file over the size bound is reported, with how to scan it,
// rather than skipped in silence.
func TestSweepReportsOversizedRunnerFiles(t *testing.T) {
	tok := fakeTokens(t, 2)
	root := t.TempDir()
	runner := filepath.Join(root, "actions-runner")
	write(t, filepath.Join(runner, "run.sh"), "#!/bin/sh\n")
	big := filepath.Join(runner, "_diag", "Worker big.log")
	write(t, big, strings.Repeat("x", 200)+"\nHF_TOKEN="+tok[0]+"\n")
	small := filepath.Join(runner, "_diag", "small.log")
	write(t, small, "HF_TOKEN="+tok[1]+"\n")
	_, findings, st := sweep(t, Options{Root: root, MaxFileSize: 100})
	if len(findings) != 1 || findings[0].Fingerprint != secret.Fingerprint(tok[1]) {
		t.Errorf("%d findings, want the small file's token only", len(findings))
	}
	if st.Errors != 1 {
		t.Fatalf("errors %q, want one for the big file", st.ErrorList)
	}
	msg := st.ErrorList[0]
	if !strings.HasPrefix(msg, big+": ") || !strings.Contains(msg, "skipped") || !strings.Contains(msg, "100 bytes") ||
		!strings.Contains(msg, "hfwarden scan "+shellQuote(big)) || strings.Contains(msg, "\n") || strings.Contains(msg, tok[0]) {
		t.Errorf("error %q: want one line saying the file was skipped for its size and how to scan it", msg)
	}
}

func TestBlanks(t *testing.T) {
	b := []byte("[a]\r\nx = hf_y\n\nz")
	got, err := io.ReadAll(io.MultiReader(&blanks{b: b[:7]}, &blanks{b: b[7:]}))
	if want := "    \n" + "        \n\n "; err != nil || string(got) != want {
		t.Errorf("blanks = %q, %v; want %q", got, err, want)
	}
	if string(b) != "[a]\r\nx = hf_y\n\nz" {
		t.Errorf("blanks changed its input: %q", b)
	}
}

// Past maxPadding, parts are yielded without the blanks and say the file
// line they start at: the cost stays bounded whatever the file.
func TestSweepPaddingBound(t *testing.T) {
	tok := fakeTokens(t, 1)[0]
	home := t.TempDir()
	var b strings.Builder
	filler := "# " + strings.Repeat("-", 3000) + "\n"
	for i := range 1000 {
		fmt.Fprintf(&b, "[s%d]\n%s", i, filler)
	}
	b.WriteString("[last]\nhf_token = " + tok + "\n")
	if b.Len() > maxManifestSize || b.Len()*500 < maxPadding {
		t.Fatalf("fixture of %d bytes does not exercise the bound", b.Len())
	}
	write(t, filepath.Join(home, ".cache/huggingface/stored_tokens"), b.String())
	_, findings, st := sweep(t, Options{Home: home})
	if len(findings) != 1 || st.Errors != 0 {
		t.Fatalf("%d findings, errors %v; want 1", len(findings), st.ErrorList)
	}
	l := findings[0].Location
	if l.Attrs["section"] != "last" || l.Attrs["line"] != "2001" || l.Line != 2 {
		t.Errorf("finding at line %d, attrs %v; want line 2 of the part, which starts at file line 2001", l.Line, l.Attrs)
	}
	if st.Bytes > 2*maxPadding {
		t.Errorf("read %d bytes for a file of %d", st.Bytes, b.Len())
	}
}
