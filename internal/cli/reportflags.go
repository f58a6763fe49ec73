package cli

import (
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// addReportFlags adds the flags shared by every command that scans and
// reports: output, ignores, exit status, detector switches.
func addReportFlags(cmd *cobra.Command, f *scanFlags) {
	fl := cmd.Flags()
	fl.StringVarP(&f.format, "format", "f", "text", "output format: text, json, jsonl, sarif or csv")
	fl.StringVarP(&f.output, "output", "o", "", "write the report to this file instead of standard output")
	fl.BoolVar(&f.showSecrets, "show-secrets", false, "print raw secrets (default: redacted preview and fingerprint only)")
	fl.StringVar(&f.baseline, "baseline", "", "report only secrets not in this earlier JSON, JSONL or SARIF report")
	fl.StringVar(&f.ignoreFile, "ignore-file", "", "fingerprints to ignore (default: the nearest .hfwarden-ignore)")
	fl.IntVar(&f.exitCode, "exit-code", ExitFindings, "exit status when something is found")
	fl.BoolVarP(&f.quiet, "quiet", "q", false, "no progress bar or summary on standard error")
	fl.BoolVar(&f.noColor, "no-color", false, "no colour in text output (also NO_COLOR)")
	fl.BoolVar(&f.noDecode, "no-decode", false, "do not look inside encoded data")
	fl.BoolVar(&f.noLinked, "no-linked", false, "only Hugging Face credentials, not the secrets beside them")
}

// maxWorkers bounds --workers.
const maxWorkers = 256

// defaultVerifyTimeout bounds all the checks of one --verify run.
const defaultVerifyTimeout = time.Minute

// addVerifyTuning adds the flags that bound and bypass --verify's checks.
func addVerifyTuning(fl *pflag.FlagSet, f *scanFlags) {
	fl.BoolVar(&f.noCache, "no-cache", false, "with --verify: ask the Hub again, ignoring (and not updating) cached answers")
	fl.DurationVar(&f.verifyLimit, "verify-timeout", defaultVerifyTimeout, "with --verify: check for at most this long in all; what is not checked by then is unknown")
}
