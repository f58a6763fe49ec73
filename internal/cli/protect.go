package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/hfwarden/hfwarden/internal/finding"
	"github.com/hfwarden/hfwarden/internal/git"
	"github.com/hfwarden/hfwarden/internal/scan"
)

func newProtectCmd(e *factory) *cobra.Command {
	var f scanFlags
	var prePush bool
	var dir string
	cmd := &cobra.Command{
		Use:   "protect [--pre-push [REMOTE URL]]",
		Short: "Block a commit (or push) that would leak a credential",
		Long: `Scan what is about to be committed — the staged content of every changed file,
read from the index — and exit 1 if it holds a credential, so that a pre-commit
hook stops the commit. With --pre-push, scan every commit and blob a push would
send (the hook's standard input names them).

Install it with 'hfwarden hook install', or with the pre-commit framework
(this repository ships .pre-commit-hooks.yaml).`,
		// git passes the pre-push hook the remote's name and URL.
		Args: cobra.MaximumNArgs(2),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if f.format == "" {
				f.format = "text"
			}
			err := runScan(cmd.Context(), e, f, dir, func(ctx context.Context, s *scan.Scanner) ([]finding.Finding, finding.Stats, error) {
				w := scan.Staged(dir)
				if prePush {
					w = scan.PrePush(dir, e.stdin)
				}
				res, err := s.Scan(ctx, w)
				return res.Findings, res.Stats, err
			})
			var ee *exitError
			if errors.As(err, &ee) && ee.code == f.exitCode && ee.err == nil {
				what := "commit"
				if prePush {
					what = "push"
				}
				fmt.Fprintf(e.stderr, "hfwarden: %s blocked: remove the credentials above (and revoke them: they may be in your shell history or editor backups), or list their fingerprints in .hfwarden-ignore\n", what)
			}
			return err
		},
	}
	addReportFlags(cmd, &f)
	cmd.Flags().BoolVar(&prePush, "pre-push", false, "scan the commits a push would send (reads the pre-push hook's standard input)")
	cmd.Flags().StringVarP(&dir, "repo", "C", ".", "the repository")
	f.quiet = true
	return cmd
}

// hookMarker identifies hooks that hfwarden wrote, so that it never
// overwrites or removes somebody else's.
const hookMarker = "# installed by hfwarden hook install"

func newHookCmd(e *factory) *cobra.Command {
	hook := &cobra.Command{
		Use:   "hook",
		Short: "Install or remove hfwarden as a git hook",
	}
	var prePush, force bool
	var dir string
	install := &cobra.Command{
		Use:   "install",
		Short: "Install 'hfwarden protect' as the repository's pre-commit (or pre-push) hook",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			path, err := hookPath(cmd.Context(), dir, prePush)
			if err != nil {
				return usageErr("%v", err)
			}
			if old, err := os.ReadFile(path); err == nil && !strings.Contains(string(old), hookMarker) && !force {
				return usageErr("%s exists and was not written by hfwarden; use --force to replace it", path)
			}
			bin := "hfwarden"
			if p, err := exec.LookPath("hfwarden"); err == nil {
				bin = p
			} else if p, err := os.Executable(); err == nil && !strings.Contains(p, "go-build") {
				bin = p
			}
			args := "protect"
			if prePush {
				args = "protect --pre-push"
			}
			script := fmt.Sprintf("#!/bin/sh\n%s\nexec %q %s \"$@\"\n", hookMarker, bin, args)
			if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
				return usageErr("installing hook: %v", err)
			}
			if err := os.WriteFile(path, []byte(script), 0o755); err != nil {
				return usageErr("installing hook: %v", err)
			}
			fmt.Fprintf(e.stdout, "installed %s (runs %s %s)\n", path, bin, args)
			return nil
		},
	}
	uninstall := &cobra.Command{
		Use:   "uninstall",
		Short: "Remove a hook that 'hfwarden hook install' wrote",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			path, err := hookPath(cmd.Context(), dir, prePush)
			if err != nil {
				return usageErr("%v", err)
			}
			old, err := os.ReadFile(path)
			if err != nil || !strings.Contains(string(old), hookMarker) {
				return usageErr("%s is not a hook hfwarden installed", path)
			}
			if err := os.Remove(path); err != nil {
				return usageErr("removing hook: %v", err)
			}
			fmt.Fprintf(e.stdout, "removed %s\n", path)
			return nil
		},
	}
	for _, c := range []*cobra.Command{install, uninstall} {
		c.Flags().BoolVar(&prePush, "pre-push", false, "the pre-push hook instead of pre-commit")
		c.Flags().StringVarP(&dir, "repo", "C", ".", "the repository")
	}
	install.Flags().BoolVar(&force, "force", false, "replace an existing hook that hfwarden did not write")
	hook.AddCommand(install, uninstall)
	return hook
}

// hookPath is where git looks for the hook, core.hooksPath included.
func hookPath(ctx context.Context, dir string, prePush bool) (string, error) {
	name := "hooks/pre-commit"
	if prePush {
		name = "hooks/pre-push"
	}
	out, err := git.Run(ctx, dir, "rev-parse", "--git-path", name)
	if err != nil {
		return "", fmt.Errorf("%s is not a git repository: %w", dir, err)
	}
	p := strings.TrimSpace(string(out))
	if !filepath.IsAbs(p) {
		p = filepath.Join(dir, p)
	}
	return p, nil
}
