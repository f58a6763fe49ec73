// Package sweep finds the places where tools cache credentials on hosts and
// CI runners — Hugging Face token files, git credential stores and remotes,
// .netrc, shell histories, .env files, Docker configs, Jupyter checkpoints,
// runner work and log directories, Kubernetes Secret manifests and, on
// request, the environments of running processes — and yields them to the
// scanner as items that say which tool put each there and how to purge it.
//
// Plan lists the places; Walk turns them into a source.Walk, which the
// scanner reads (scan.Items). Neither reads the process environment: what
// the environment says is passed in.
package sweep

import (
	"cmp"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/hfwarden/hfwarden/internal/safefile"
)

// Kinds of target.
const (
	KindHFTokenFile    = "hf-token-file"
	KindHFStoredTokens = "hf-stored-tokens"
	KindGitCredentials = "git-credentials"
	KindGitRemote      = "git-remote"
	// KindGitConfig is a setting of a git config other than a remote
	// (http.extraheader): the config is planned as KindGitRemote, and its
	// items say which they are.
	KindGitConfig         = "git-config"
	KindNetrc             = "netrc"
	KindShellHistory      = "shell-history"
	KindShellRC           = "shell-rc"
	KindDotenv            = "dotenv"
	KindDockerConfig      = "docker-config"
	KindJupyterCheckpoint = "jupyter-checkpoint"
	KindActionsRunner     = "actions-runner"
	KindGitLabRunner      = "gitlab-runner"
	KindK8sSecret         = "k8s-secret"
	KindProcessEnv        = "process-env"
)

// DefaultMaxFileSize bounds the size of a file read from a runner
// directory: larger ones (model weights, caches of images) are skipped.
const DefaultMaxFileSize = 256 << 20

// maxManifestSize bounds the YAML files read to see whether they are
// Kubernetes Secrets.
const maxManifestSize = 4 << 20

// Options says where to sweep.
type Options struct {
	// Root is the directory walked for repositories, .env files, notebook
	// checkpoints, Secret manifests and runner directories; "" walks
	// nothing.
	Root string
	// Home is the home directory whose token caches, credential stores and
	// histories are read; "" reads none.
	Home string
	// Getenv looks up HF_HOME, HF_TOKEN_PATH, XDG_CACHE_HOME,
	// XDG_CONFIG_HOME, XDG_DATA_HOME, HISTFILE and DOCKER_CONFIG as the
	// tools that write the caches would; nil means none is set.
	Getenv func(string) string
	// RunnerDirs are further directories where CI runners keep work, logs
	// and caches on this host (see DefaultRunnerDirs); those that exist
	// are read whole.
	RunnerDirs []string
	// Processes adds the environment of every running process that can be
	// read.
	Processes bool
	// ProcRoot is where the process table is mounted; "" means /proc.
	ProcRoot string
	// MaxFileSize bounds files read from runner directories; 0 means
	// DefaultMaxFileSize, negative means no bound.
	MaxFileSize int64
}

// Target is one place that may hold a credential.
type Target struct {
	// Path is the file (or /proc/PID/environ) to read.
	Path string
	// Kind is one of the Kind constants.
	Kind string
	// Tool says which tool put credentials there.
	Tool string
	// Purge says how to remove them.
	Purge string
	// PID is the process, for KindProcessEnv.
	PID int
	// Err is set when the place exists but could not be listed, or was
	// skipped: Walk reports it as an input that could not be read.
	Err error
}

// about says, per kind, which tool puts credentials there and how to
// purge them.
func about(kind string) (tool, purge string) {
	switch kind {
	case KindHFTokenFile:
		return "huggingface_hub login (hf auth login / huggingface-cli login)",
			"hf auth logout (or delete the file); then revoke the token"
	case KindHFStoredTokens:
		return "huggingface_hub login (hf auth login / huggingface-cli login), which keeps every token logged in under a name",
			"hf auth logout --token-name NAME (or remove its section from the file); then revoke the token"
	case KindGitCredentials:
		return "git credential-store (credential.helper=store)",
			"git credential-store erase, or delete the line; then revoke the token"
	case KindGitRemote:
		return "git clone/remote add with the token in the URL",
			"git remote set-url REMOTE URL-without-credentials; then revoke the token"
	case KindGitConfig:
		return "git config (http.extraheader, url.*.insteadOf or another setting holding a credential, as CI checkouts and scripts leave)",
			"git config --file FILE --unset-all SECTION.KEY for the key on the line shown (or edit the file); then revoke the token"
	case KindNetrc:
		return ".netrc (curl, git over HTTP, pip, requests)",
			"delete the machine entry from the file; then revoke the token"
	case KindShellHistory:
		return "the shell history (a token typed or exported on the command line)",
			"history -d N (bash) or edit the history file at the line shown (zsh: then fc -R; fish: history delete); then revoke the token"
	case KindShellRC:
		return "a shell startup file (export HF_TOKEN=… in .bashrc, .profile, .zshrc)",
			"remove the line and start a new shell (hf auth login keeps the token out of every process's environment); then revoke the token"
	case KindDotenv:
		return "a .env file (python-dotenv, docker compose, direnv)",
			"remove the variable from the file and keep .env* out of git; then revoke the token"
	case KindDockerConfig:
		return "docker login (credentials stored without a credential helper)",
			"docker logout REGISTRY, and set credsStore to a credential helper; then revoke the token"
	case KindJupyterCheckpoint:
		return "Jupyter autosave (.ipynb_checkpoints keeps old copies of the notebook)",
			"delete the .ipynb_checkpoints directory (clearing the notebook alone leaves the copy); then revoke the token"
	case KindActionsRunner:
		return "GitHub Actions runner (job workspaces under _work, logs under _diag)",
			"delete the job's files under _work and the logs under _diag, and mask the secret in the workflow; then revoke the token"
	case KindGitLabRunner:
		return "GitLab Runner (job builds and caches)",
			"delete the build and cache directories of the job, and mark the CI variable masked; then revoke the token"
	case KindK8sSecret:
		return "a Kubernetes Secret manifest (kubectl create secret --dry-run -o yaml, Helm, Kustomize)",
			"delete the manifest (use a sealed or external secret instead) and kubectl delete secret; then revoke the token"
	case KindProcessEnv:
		return "the environment the process was started with (export, systemd Environment=, docker run -e)",
			"restart the process without the variable (unset it where it is set); then revoke the token"
	}
	return "", ""
}

func target(path, kind string) Target {
	tool, purge := about(kind)
	return Target{Path: path, Kind: kind, Tool: tool, Purge: purge}
}

// DefaultRunnerDirs are where GitHub Actions and GitLab runners commonly
// keep job workspaces, logs and caches outside any walked root: GitLab's
// Docker executor mounts /builds and /cache, the shell executor runs as
// gitlab-runner, and hosted-style GitHub runners run as runner.
func DefaultRunnerDirs() []string {
	return []string{
		"/builds", "/cache",
		"/home/gitlab-runner/builds", "/home/gitlab-runner/cache",
		"/home/runner/work", "/home/runner/actions-runner/_work", "/home/runner/actions-runner/_diag",
		"/actions-runner/_work", "/actions-runner/_diag",
		"/opt/actions-runner/_work", "/opt/actions-runner/_diag",
	}
}

// Plan lists the places to read. It fails only when Root cannot be
// walked at all; a directory below it that cannot be listed becomes a
// Target with Err set.
func Plan(opt Options) ([]Target, error) {
	p := planner{opt: opt, seen: map[string]bool{}}
	if opt.Getenv == nil {
		p.opt.Getenv = func(string) string { return "" }
	}
	if p.opt.MaxFileSize == 0 {
		p.opt.MaxFileSize = DefaultMaxFileSize
	}
	if opt.Home != "" {
		p.home()
	}
	for _, d := range opt.RunnerDirs {
		if info, err := os.Lstat(d); err == nil && info.IsDir() {
			p.runnerDir(d, runnerKind(d))
		}
	}
	if opt.Root != "" {
		info, err := os.Stat(opt.Root)
		if err != nil {
			return nil, fmt.Errorf("sweeping %s: %w", opt.Root, err)
		}
		if !info.IsDir() {
			return nil, fmt.Errorf("sweeping %s: not a directory", opt.Root)
		}
		p.walk(opt.Root)
	}
	if opt.Processes {
		if err := p.processes(); err != nil {
			return nil, err
		}
	}
	return p.out, nil
}

type planner struct {
	opt  Options
	out  []Target
	seen map[string]bool
}

// add records t once per path; a place reached twice (a home inside the
// root) is read once, with what was first known of it.
func (p *planner) add(t Target) {
	key, err := filepath.Abs(t.Path)
	if err != nil {
		key = filepath.Clean(t.Path)
	}
	if p.seen[key] {
		return
	}
	p.seen[key] = true
	p.out = append(p.out, t)
}

// file adds path when it is a regular file (following a link: the fixed
// places in a home are often links into a dotfiles checkout).
func (p *planner) file(path, kind string) {
	if info, err := os.Stat(path); err == nil && info.Mode().IsRegular() {
		p.add(target(path, kind))
	}
}

// home adds the fixed places in the home directory, where the tools put
// them given the environment.
func (p *planner) home() {
	h, env := p.opt.Home, p.opt.Getenv
	orDefault := func(key, def string) string {
		if v := env(key); v != "" {
			return expandHome(v, h)
		}
		return def
	}

	// huggingface_hub's constants: HF_HOME defaults to
	// $XDG_CACHE_HOME/huggingface, HF_TOKEN_PATH to $HF_HOME/token, and
	// stored_tokens sits beside the token file. Staging mode uses
	// ~/.cache/huggingface_staging; versions before 0.10 used
	// ~/.huggingface/token. The default places are read too, since
	// another shell or service may have run without the variables.
	cache := orDefault("XDG_CACHE_HOME", filepath.Join(h, ".cache"))
	hfHome := orDefault("HF_HOME", filepath.Join(cache, "huggingface"))
	tokenPaths := []string{
		orDefault("HF_TOKEN_PATH", filepath.Join(hfHome, "token")),
		filepath.Join(hfHome, "token"),
		filepath.Join(h, ".cache", "huggingface", "token"),
		filepath.Join(h, ".cache", "huggingface_staging", "token"),
	}
	for _, tp := range tokenPaths {
		p.file(tp, KindHFTokenFile)
		p.file(filepath.Join(filepath.Dir(tp), "stored_tokens"), KindHFStoredTokens)
	}
	p.file(filepath.Join(h, ".huggingface", "token"), KindHFTokenFile)

	config := orDefault("XDG_CONFIG_HOME", filepath.Join(h, ".config"))
	p.file(filepath.Join(h, ".git-credentials"), KindGitCredentials)
	p.file(filepath.Join(config, "git", "credentials"), KindGitCredentials)
	p.file(filepath.Join(h, ".netrc"), KindNetrc)
	p.file(filepath.Join(h, "_netrc"), KindNetrc)

	data := orDefault("XDG_DATA_HOME", filepath.Join(h, ".local", "share"))
	if hf := env("HISTFILE"); hf != "" {
		p.file(expandHome(hf, h), KindShellHistory)
	}
	for _, name := range []string{".bash_history", ".zsh_history", ".zhistory", ".histfile", ".sh_history", ".python_history"} {
		p.file(filepath.Join(h, name), KindShellHistory)
	}
	p.file(filepath.Join(data, "fish", "fish_history"), KindShellHistory)
	for _, name := range shellRCs() {
		p.file(filepath.Join(h, name), KindShellRC)
	}
	p.file(filepath.Join(config, "fish", "config.fish"), KindShellRC)
	p.file(filepath.Join(h, ".env"), KindDotenv)

	p.file(filepath.Join(orDefault("DOCKER_CONFIG", filepath.Join(h, ".docker")), "config.json"), KindDockerConfig)
	p.file(filepath.Join(h, ".docker", "config.json"), KindDockerConfig)

	for _, d := range []string{"actions-runner", "runner"} {
		for _, sub := range []string{"_work", "_diag"} {
			if info, err := os.Lstat(filepath.Join(h, d, sub)); err == nil && info.IsDir() {
				p.runnerDir(filepath.Join(h, d, sub), KindActionsRunner)
			}
		}
	}
}

// shellRCs are the startup files of the usual shells, in a home.
func shellRCs() []string {
	return []string{".bashrc", ".bash_profile", ".bash_login", ".profile", ".zshrc", ".zshenv", ".zprofile"}
}

// expandHome expands a leading ~ as the tools do.
func expandHome(path, home string) string {
	if path == "~" {
		return home
	}
	if rest, ok := strings.CutPrefix(path, "~/"); ok {
		return filepath.Join(home, rest)
	}
	return path
}

// runnerKind guesses which runner a directory from RunnerDirs belongs to.
func runnerKind(dir string) string {
	if strings.Contains(dir, "gitlab") || filepath.Base(dir) == "builds" || filepath.Base(dir) == "cache" {
		return KindGitLabRunner
	}
	return KindActionsRunner
}

// walk adds what the walk of root finds. Links are never followed, and
// inside .git only the configs are read.
func (p *planner) walk(root string) {
	_ = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			if path == root || d == nil || d.IsDir() {
				p.add(Target{Path: path, Kind: "dir", Err: listErr(err)})
			}
			return nil // WalkDir already skips the directory
		}
		name := d.Name()
		if d.IsDir() {
			if path != root && (isPseudoFS(path) || safefile.PseudoDir(path)) {
				return filepath.SkipDir
			}
			if name == ".git" || isBareRepo(path, name) {
				p.gitConfigs(path, KindGitRemote)
				return filepath.SkipDir
			}
			if kind := runnerDirKind(path, name); kind != "" {
				p.runnerDir(path, kind)
				return filepath.SkipDir
			}
			return nil
		}
		if !d.Type().IsRegular() {
			return nil
		}
		if kind := fileKind(path, name); kind != "" {
			p.add(target(path, kind))
		}
		return nil
	})
}

// listErr is the error of a directory that could not be listed.
func listErr(err error) error {
	return fmt.Errorf("listing directory: %w", unwrapPath(err))
}

// gitConfigs adds the config of the git directory dir and those of its
// submodules, which git keeps in dir/modules/NAME/config (nested ones in
// dir/modules/NAME/modules/…): a submodule's remote holds a token as
// often as the superproject's.
func (p *planner) gitConfigs(dir, kind string) {
	p.file(filepath.Join(dir, "config"), kind)
	modules := filepath.Join(dir, "modules")
	if info, err := os.Lstat(modules); err != nil || !info.IsDir() {
		return
	}
	_ = filepath.WalkDir(modules, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			if d == nil || d.IsDir() {
				p.add(Target{Path: path, Kind: kind, Err: listErr(err)})
			}
			return nil
		}
		if d.IsDir() {
			switch d.Name() {
			case "objects", "refs", "logs", "hooks", "info", "lfs":
				return filepath.SkipDir // a module's internals hold no config
			}
			return nil
		}
		if d.Name() == "config" && d.Type().IsRegular() {
			p.add(target(path, kind))
		}
		return nil
	})
}

func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// isBareRepo reports whether dir is a bare git repository (name.git
// holding HEAD and objects): only its config is read.
func isBareRepo(dir, name string) bool {
	if !strings.HasSuffix(name, ".git") {
		return false
	}
	for _, n := range []string{"HEAD", "objects", "config"} {
		if _, err := os.Lstat(filepath.Join(dir, n)); err != nil {
			return false
		}
	}
	return true
}

// isPseudoFS reports the kernel's file systems, which hold no files to
// sweep and whose walk never ends.
func isPseudoFS(path string) bool {
	switch filepath.ToSlash(filepath.Clean(path)) {
	case "/proc", "/sys", "/dev":
		return true
	}
	return false
}

// runnerDirKind says whether dir is a runner's work, log or cache
// directory: _work or _diag beside the runner's scripts or in a directory
// named for the runner, builds or cache of a GitLab runner.
func runnerDirKind(dir, name string) string {
	parent := filepath.Dir(dir)
	pname := filepath.Base(parent)
	exists := func(n string) bool { _, err := os.Lstat(filepath.Join(parent, n)); return err == nil }
	switch name {
	case "_work", "_diag":
		if strings.Contains(pname, "actions-runner") || exists(".runner") || exists("run.sh") || exists("config.sh") {
			return KindActionsRunner
		}
	case "builds", "cache":
		if strings.Contains(pname, "gitlab-runner") || exists(".gitlab-runner") || exists("config.toml") {
			return KindGitLabRunner
		}
	}
	return ""
}

// fileKind says which kind of place a walked file is, if any.
func fileKind(path, name string) string {
	parent := filepath.Base(filepath.Dir(path))
	switch {
	case strings.HasPrefix(name, ".env"):
		return KindDotenv
	case parent == ".ipynb_checkpoints" && strings.HasSuffix(name, ".ipynb"):
		return KindJupyterCheckpoint
	case name == ".git-credentials":
		return KindGitCredentials
	case name == ".netrc" || name == "_netrc":
		return KindNetrc
	case name == ".bash_history" || name == ".zsh_history" || name == ".sh_history" || name == "fish_history":
		return KindShellHistory
	case slices.Contains(shellRCs(), name):
		return KindShellRC
	case name == "config.json" && parent == ".docker":
		return KindDockerConfig
	case name == "token" && (parent == "huggingface" || parent == ".huggingface" || parent == "huggingface_staging"):
		return KindHFTokenFile
	case name == "stored_tokens" && (parent == "huggingface" || parent == "huggingface_staging"):
		return KindHFStoredTokens
	case strings.HasSuffix(name, ".yaml") || strings.HasSuffix(name, ".yml"):
		if isSecretManifest(path) {
			return KindK8sSecret
		}
	}
	return ""
}

// runnerDir adds every regular file under dir (bounded in size).
func (p *planner) runnerDir(dir, kind string) {
	_ = filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			if d == nil || d.IsDir() {
				p.add(Target{Path: path, Kind: kind, Err: listErr(err)})
			}
			return nil
		}
		if d.IsDir() {
			if d.Name() == ".git" {
				// The checkout's configs hold what actions/checkout and
				// clones with credentials leave; objects are compressed.
				p.gitConfigs(path, kind)
				return filepath.SkipDir
			}
			return nil
		}
		if !d.Type().IsRegular() {
			return nil
		}
		if p.opt.MaxFileSize > 0 {
			if info, err := d.Info(); err == nil && info.Size() > p.opt.MaxFileSize {
				// Said, not dropped: a runner's huge log may be the one
				// that holds the token.
				t := target(path, kind)
				t.Err = fmt.Errorf("skipped: %s is over the %s bound on runner files; scan it with `hfwarden scan %s` (or sweep with a larger --max-file-size)",
					sizeString(info.Size()), sizeString(p.opt.MaxFileSize), shellQuote(path))
				p.add(t)
				return nil
			}
		}
		p.add(target(path, kind))
		return nil
	})
}

// processes adds the environment of every process in the process table.
func (p *planner) processes() error {
	root := cmp.Or(p.opt.ProcRoot, "/proc")
	ents, err := os.ReadDir(root)
	if err != nil {
		return fmt.Errorf("listing processes in %s: %w", root, err)
	}
	var ts []Target
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid <= 0 {
			continue
		}
		t := target(filepath.Join(root, e.Name(), "environ"), KindProcessEnv)
		t.PID = pid
		ts = append(ts, t)
	}
	slices.SortFunc(ts, func(a, b Target) int { return a.PID - b.PID })
	for _, t := range ts {
		p.add(t)
	}
	return nil
}

// sizeString says n bytes in MiB when it is at least that, else in bytes.
func sizeString(n int64) string {
	if n >= 1<<20 {
		return strconv.FormatInt(n>>20, 10) + " MiB"
	}
	return strconv.FormatInt(n, 10) + " bytes"
}
