package cli

import (
	"context"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/hfwarden/hfwarden/internal/artifact"
	"github.com/hfwarden/hfwarden/internal/termsafe"
)

func newInspectCmd(e *factory) *cobra.Command {
	var format string
	cmd := &cobra.Command{
		Use:   "inspect FILE...",
		Short: "Find code that would run when a model file is loaded",
		Long: `Inspect model files without loading them: pickles (.pkl .pickle .joblib,
protocols 0-5), PyTorch checkpoints (zip with */data.pkl, or the legacy
sequence of pickles), NumPy .npy object arrays and safetensors headers.

A pickle that imports os, subprocess, builtins.eval, socket and the like is
"unsafe-pickle"; an import outside the allowlist of torch, numpy and
collections rebuilders is "suspicious-pickle" (high when the pickle calls
it); a malformed safetensors file is "bad-safetensors". A .bin .pt .pth
.ckpt file that is not a zip or safetensors is read as a pickle, and any
other file is too, for dangerous imports only. A directory is walked for
files with model extensions.

Exit status: 1 when anything high or critical was found, 0 when not, 2 when
a file could not be read (the others are still inspected).`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if format != "text" && format != "json" {
				return usageErr("--format must be text or json")
			}
			ctx := cmd.Context()
			findings := []artifact.Finding{}
			failed := 0
			for _, p := range inspectTargets(e, args, &failed) {
				fs, err := inspectPath(ctx, p)
				if err != nil {
					if ctx.Err() != nil {
						return &exitError{code: ExitError, err: ctx.Err()}
					}
					fmt.Fprintln(e.stderr, "hfwarden: inspect:", oneLine(err.Error()))
					failed++
					continue
				}
				findings = append(findings, fs...)
			}
			if format == "json" {
				if err := writeJSON(e.stdout, struct {
					Findings []artifact.Finding `json:"findings"`
				}{findings}); err != nil {
					return &exitError{code: ExitError, err: fmt.Errorf("writing findings: %w", err)}
				}
			} else {
				for _, f := range findings {
					termsafe.Fprintf(termText(e.stdout), "%-8s  %-17s  %s: %s\n", f.Severity, f.Kind, f.Path, f.Detail)
				}
			}
			switch {
			case failed > 0:
				return &exitError{code: ExitError, err: fmt.Errorf("%d file(s) could not be read", failed)}
			case severe(findings):
				return &exitError{code: ExitFindings}
			}
			return nil
		},
	}
	cmd.Flags().StringVarP(&format, "format", "f", "text", "output format: text or json")
	return cmd
}

// inspectTargets expands directories into the model files under them; a
// path that cannot be walked is reported and counted in failed.
func inspectTargets(e *factory, args []string, failed *int) []string {
	var out []string
	for _, a := range args {
		st, err := os.Stat(a)
		if err != nil || !st.IsDir() {
			out = append(out, a) // inspectPath reports the error
			continue
		}
		err = filepath.WalkDir(a, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				fmt.Fprintln(e.stderr, "hfwarden: inspect:", oneLine(err.Error()))
				*failed++
				return nil
			}
			if d.Type().IsRegular() && artifact.IsModelFile(p) {
				out = append(out, p)
			}
			return nil
		})
		if err != nil {
			fmt.Fprintln(e.stderr, "hfwarden: inspect:", oneLine(err.Error()))
			*failed++
		}
	}
	return out
}

func inspectPath(ctx context.Context, p string) ([]artifact.Finding, error) {
	// Stat first: opening a FIFO would block.
	if st, err := os.Stat(p); err != nil {
		return nil, err
	} else if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("%s: not a regular file", p)
	}
	f, err := os.Open(p)
	if err != nil {
		return nil, err
	}
	defer func() { _ = f.Close() }() // opened read-only: closing it loses nothing
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	return artifact.Inspect(ctx, p, f, st.Size())
}

// severe reports whether any finding is high or critical.
func severe(fs []artifact.Finding) bool {
	for _, f := range fs {
		if f.Severity == artifact.SeverityCritical || f.Severity == artifact.SeverityHigh {
			return true
		}
	}
	return false
}
