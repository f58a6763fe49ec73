package cli

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/hfwarden/hfwarden/internal/detect"
	"github.com/hfwarden/hfwarden/internal/safefile"
)

// tokenSource says where a command reads a token from. Tokens are never
// taken from the command line: argv leaks into shell history and ps.
type tokenSource struct {
	file string
	env  string
}

// addTokenFlags adds --token-file and --token-env to cmd.
func addTokenFlags(cmd *cobra.Command, t *tokenSource) {
	cmd.Flags().StringVar(&t.file, "token-file", "", "read the token from this file (default: standard input)")
	cmd.Flags().StringVar(&t.env, "token-env", "", "read the token from this environment variable")
}

// read returns the token: the first non-empty line of the file, the
// variable (read through f.Getenv) or f's standard input, once hfToken
// has accepted it.
func (t tokenSource) read(f *factory) (string, error) {
	tok, err := t.readLine(f)
	if err != nil {
		return "", err
	}
	if err := hfToken(tok); err != nil {
		return "", err
	}
	return tok, nil
}

// hfToken accepts a token only when the detector recognises it, as a
// whole, as a Hugging Face credential that the Hub can check: every
// command that reads a token sends it to the Hub, and a secret goes only
// to its own issuer. A Slack, Stripe or GitLab key the detector has no
// rule for is refused as surely as one it knows. The error never holds
// the token.
func hfToken(token string) error {
	for _, m := range detect.New(detect.Options{NoDecode: true}).Detect([]byte(token)) {
		if m.Start != 0 || m.End != len(token) {
			continue
		}
		if detect.Verifiable(m.Rule) {
			return nil
		}
		if !detect.IssuedByHuggingFace(m.Rule) {
			return fmt.Errorf("that is a %s (%s), not a Hugging Face token: not sent to the Hub, which did not issue it; rotate it at its issuer — %s", ruleDescription(m.Rule), m.Rule, detect.RotationHint(m.Rule))
		}
		return fmt.Errorf("that is a %s (%s): the Hub cannot check it, so nothing was sent", ruleDescription(m.Rule), m.Rule)
	}
	return errors.New("that is not recognised as a Hugging Face token (hf_…, api_org_…, hf_oauth_…, or a Hub repository JWT): not sent to the Hub, which would get a secret it may not have issued")
}

// readLine returns the first non-empty line of the file, the variable or
// standard input, unchecked.
func (t tokenSource) readLine(e *factory) (string, error) {
	var r io.Reader
	switch {
	case t.file != "" && t.env != "":
		return "", errors.New("give --token-file or --token-env, not both")
	case t.env != "":
		// Unset and empty are alike here: either is no token.
		v := e.Getenv(t.env)
		if strings.TrimSpace(v) == "" {
			return "", fmt.Errorf("environment variable %s is not set", t.env)
		}
		r = strings.NewReader(v)
	case t.file != "":
		f, err := safefile.Open(t.file) // a FIFO is refused, not waited on
		if err != nil {
			return "", fmt.Errorf("reading token: %w", err)
		}
		defer func() { _ = f.Close() }() // opened read-only: closing it loses nothing
		r = f
	default:
		r = e.stdin
	}
	sc := bufio.NewScanner(io.LimitReader(r, 64<<10))
	for sc.Scan() {
		if line := strings.TrimSpace(sc.Text()); line != "" {
			return line, nil
		}
	}
	if err := sc.Err(); err != nil {
		return "", fmt.Errorf("reading token: %w", err)
	}
	return "", errors.New("no token given: pipe it on standard input, or use --token-file or --token-env")
}
