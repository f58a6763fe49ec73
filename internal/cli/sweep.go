package cli

import (
	"cmp"
	"context"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/hfwarden/hfwarden/internal/finding"
	"github.com/hfwarden/hfwarden/internal/incident"
	"github.com/hfwarden/hfwarden/internal/scan"
	"github.com/hfwarden/hfwarden/internal/sweep"
)

type sweepFlags struct {
	root, home string
	processes  bool
	system     bool
	runnerDirs []string
}

func newSweepCmd(e *factory) *cobra.Command {
	var f scanFlags
	var sf sweepFlags
	cmd := &cobra.Command{
		Use:   "sweep [--root DIR] [--home DIR] [--processes]",
		Short: "Find the tokens cached on this host or CI runner, and how to purge them",
		Long: `Sweep the places where tools cache credentials on hosts and CI runners:
Hugging Face token files ($HF_HOME/token, $HF_TOKEN_PATH, stored_tokens,
~/.huggingface/token, the staging cache), ~/.git-credentials, git remotes
with credentials in every repository under --root, .netrc, bash, zsh and fish
histories, .env files, ~/.docker/config.json, Jupyter checkpoints, GitHub
Actions and GitLab runner work, log and cache directories, Kubernetes Secret
manifests and, with --processes, the environments of running processes.

Each finding says which tool put the token there and how to purge it. The
environment (HF_HOME, HF_TOKEN_PATH, XDG_*, HISTFILE, DOCKER_CONFIG) is used
to find the caches only when --home is not given.

Exit status: 0 nothing found, 1 findings (see --exit-code), 2 usage or fatal
error or some place could not be read.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			opt := sweep.Options{Root: sf.root, Home: sf.home, Processes: sf.processes, RunnerDirs: sf.runnerDirs}
			if cmd.Flags().Changed("home") && sf.home != "" {
				// Like a missing --root: a home named and not there is a
				// mistake, not a clean sweep of nothing.
				info, err := os.Stat(sf.home)
				if err != nil {
					return usageErr("sweeping --home %s: %v", sf.home, err)
				}
				if !info.IsDir() {
					return usageErr("sweeping --home %s: not a directory", sf.home)
				}
			}
			if !cmd.Flags().Changed("home") {
				// The caches are where this user's tools put them.
				opt.Getenv = e.Getenv
				if opt.Home == "" {
					home, err := e.HomeDir()
					if err != nil {
						return usageErr("finding the home directory: %v (use --home)", err)
					}
					opt.Home = home
				}
			}
			if sf.system {
				opt.RunnerDirs = append(sweep.DefaultRunnerDirs(), opt.RunnerDirs...)
			}
			maxSize, err := parseSize(f.maxFileSize)
			if err != nil {
				return usageErr("--max-file-size: %v", err)
			}
			opt.MaxFileSize = maxSize
			if maxSize == 0 {
				opt.MaxFileSize = -1
			}
			verifier, err := f.verifier(e)
			if err != nil {
				return err
			}
			targets, err := sweep.Plan(opt)
			if err != nil {
				return usageErr("%v", err)
			}
			return runScan(cmd.Context(), e, f, cmp.Or(sf.root, "."), func(ctx context.Context, s *scan.Scanner) ([]finding.Finding, finding.Stats, error) {
				res, err := s.Scan(ctx, scan.Items(sweep.Walk(targets)))
				findings, stats := res.Findings, res.Stats
				if err == nil {
					run := incident.ScanRun{Kinds: []string{"sweep"}, Complete: stats.Errors == 0}
					if sf.root != "" {
						root := sf.root
						if abs, err := filepath.Abs(root); err == nil {
							root = abs
						}
						run.Targets = []string{root}
					}
					err = verifyAndStore(ctx, e, f, verifier, run, findings)
				}
				return findings, stats, err
			})
		},
	}
	addReportFlags(cmd, &f)
	fl := cmd.Flags()
	fl.StringVar(&sf.root, "root", ".", "walk this directory for repositories, .env files, notebook checkpoints, Secret manifests and runner directories (\"\" for none)")
	fl.StringVar(&sf.home, "home", "", "read the token caches, credential stores and histories of this home directory (default $HOME)")
	fl.BoolVar(&sf.processes, "processes", false, "also read the environment of every running process that can be read")
	fl.BoolVar(&sf.system, "system", true, "also read the usual CI runner directories outside root and home (/builds, /cache, /home/gitlab-runner/…, /opt/actions-runner/…)")
	fl.StringArrayVar(&sf.runnerDirs, "runner-dir", nil, "also read this CI runner work, log or cache directory whole (repeatable)")
	fl.StringVar(&f.maxFileSize, "max-file-size", "256MiB", "skip runner files larger than this (0 = no limit)")
	fl.StringVar(&f.cacheDir, "cache-dir", "", "where verification results live (default $XDG_CACHE_HOME/hfwarden)")
	fl.BoolVar(&f.verify, "verify", false, "check each distinct Hugging Face credential against the Hub once (live, invalid or unknown); results are cached for an hour by endpoint and fingerprint")
	addVerifyTuning(fl, &f)
	addHubFlags(cmd, &f.hub)
	fl.BoolVar(&f.store, "store", false, "record the findings in the incident store (see --db)")
	addDBFlags(fl, &f.db)
	return cmd
}
