// Package cli holds hfwarden's commands. cmd/hfwarden only calls Main.
package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"
)

// Version is set at build time with -ldflags "-X ...cli.Version=…".
var Version = "dev"

// Exit codes.
const (
	ExitClean    = 0 // nothing found
	ExitFindings = 1 // findings (see --exit-code)
	ExitError    = 2 // usage or fatal error, or input that could not be read
)

// Main runs hfwarden with args and returns the process exit code.
func Main(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	red := newRedactor(args)
	stderr = &redactWriter{w: stderr, r: red}
	if len(red.literals) > 0 {
		stdout = &literalWriter{w: stdout, r: red}
	}
	root := newRoot(newFactory(stdin, stdout, stderr, os.Getenv, os.UserHomeDir))
	root.SetArgs(args)
	root.SetIn(stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return ExitClean
	}
	var ee *exitError
	if errors.As(err, &ee) {
		if ee.err != nil {
			fmt.Fprintln(stderr, "hfwarden:", red.message(ee.err.Error()))
		}
		return ee.code
	}
	fmt.Fprintln(stderr, "hfwarden:", red.message(err.Error()))
	return ExitError
}

func newRoot(e *factory) *cobra.Command {
	root := &cobra.Command{
		Use:           "hfwarden",
		Short:         "Find leaked Hugging Face tokens and run the incident that follows",
		Version:       Version,
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	// Before any command runs: a file-naming flag whose value holds a
	// token would put the token in a file name, where every listing,
	// error and backup shows it.
	root.PersistentPreRunE = func(c *cobra.Command, _ []string) error { return checkPathFlags(c) }
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error {
		return &exitError{code: ExitError, err: fmt.Errorf("%w (see '%s --help')", err, c.CommandPath())}
	})
	root.AddCommand(newCmdScan(e, nil), newProtectCmd(e), newHookCmd(e), newAssessCmd(e), newHubsimCmd(e),
		newCmdIncidents(e), newRevokeCmd(e), newReportCmd(e), newCmdDemo(e, nil))
	root.AddCommand(newPinCmd(e), newVerifyPinCmd(e))
	root.AddCommand(newSweepCmd(e))
	root.AddCommand(newInspectCmd(e))
	root.AddCommand(newCmdAudit(e, nil))
	return root
}
