package cli

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/hfwarden/hfwarden/internal/assess"
	"github.com/hfwarden/hfwarden/internal/detect"
	"github.com/hfwarden/hfwarden/internal/finding"
	"github.com/hfwarden/hfwarden/internal/git"
	"github.com/hfwarden/hfwarden/internal/ignore"
	"github.com/hfwarden/hfwarden/internal/incident"
	"github.com/hfwarden/hfwarden/internal/report"
	"github.com/hfwarden/hfwarden/internal/safefile"
	"github.com/hfwarden/hfwarden/internal/scan"
	"github.com/hfwarden/hfwarden/internal/source"
)

// scanFlags is what a scanning command (scan, protect, sweep) was asked:
// its flags and, for scan, its paths.
type scanFlags struct {
	paths       []string // scan's arguments: paths, "-" or repositories
	format      string
	output      string
	showSecrets bool
	exclude     []string
	maxFileSize string
	baseline    string
	ignoreFile  string
	exitCode    int
	quiet       bool
	noColor     bool
	noDecode    bool
	noLinked    bool
	workers     int
	git         bool
	full        bool
	cacheDir    string
	verify      bool
	noCache     bool
	verifyLimit time.Duration
	hub         hubFlags
	store       bool
	db          dbFlags
	maxDepth    int
	maxRatio    int64
	images      []string
}

// newCmdScan is "scan". runF, when not nil, is called with the parsed
// flags instead of scanning. The scan itself stays in RunE's closure, the
// one place that picks the walk, so that runScan serves protect and sweep
// too.
func newCmdScan(e *factory, runF func(*scanFlags) error) *cobra.Command {
	var f scanFlags
	cmd := &cobra.Command{
		Use:   "scan [PATH... | - | --git REPO...]",
		Short: "Scan files, directories, notebooks or standard input for credentials",
		Long: `Scan files, directories, notebooks or standard input ("-") for Hugging Face
credentials (hf_, api_org_, hf_oauth_, hf_oauth__refresh_, hf_jwt_) and the
secrets often leaked beside them (OpenAI, Anthropic, Replicate, GitHub, W&B,
AWS), in plain text and inside JSON escapes, base64, percent, hex and \u
encodings, and split across string literals.

Exit status: 0 nothing found, 1 findings (see --exit-code), 2 usage or fatal
error or some input could not be read.`,
		Args: func(cmd *cobra.Command, args []string) error {
			switch {
			case len(f.images) > 0 && len(args) > 0:
				return fmt.Errorf("--image scans registry images only: scan paths in a separate run")
			case len(f.images) > 0 && f.git:
				return fmt.Errorf("--image and --git cannot be combined")
			case len(f.images) == 0 && len(args) == 0:
				return fmt.Errorf("requires at least 1 path (or --image REF)")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			f.paths = args
			if runF != nil {
				return runF(&f)
			}
			start, verifier, err := prepareScan(e, &f)
			if err != nil {
				return err
			}
			return runScan(cmd.Context(), e, f, start, func(ctx context.Context, s *scan.Scanner) ([]finding.Finding, finding.Stats, error) {
				var w scan.Walk
				switch {
				case len(f.images) > 0:
					w = scan.Images(f.images)
				case f.git:
					w = scan.Git(args, scan.GitOptions{CacheDir: f.cacheDir, Full: f.full})
				default:
					w = scan.Files(args)
				}
				res, err := s.Scan(ctx, w)
				if err == nil {
					err = verifyAndStore(ctx, e, f, verifier, scanRunOf(f, args, res.Stats), res.Findings)
				}
				return res.Findings, res.Stats, err
			})
		},
	}
	addReportFlags(cmd, &f)
	fl := cmd.Flags()
	fl.IntVar(&f.workers, "workers", 0, fmt.Sprintf("files scanned at once, at most %d (default: one per CPU)", maxWorkers))
	fl.BoolVar(&f.git, "git", false, "scan the whole history of git repositories (local paths, bare or not, or URLs to mirror)")
	fl.BoolVar(&f.full, "full", false, "with --git: read every object again, ignoring what earlier scans remember")
	fl.StringVar(&f.cacheDir, "cache-dir", "", "where git mirrors, scan state and verification results live (default $XDG_CACHE_HOME/hfwarden)")
	fl.BoolVar(&f.verify, "verify", false, "check each distinct Hugging Face credential against the Hub once (live, invalid or unknown); results are cached for an hour by endpoint and fingerprint")
	addVerifyTuning(fl, &f)
	addHubFlags(cmd, &f.hub)
	fl.BoolVar(&f.store, "store", false, "record the findings in the incident store (see --db)")
	addDBFlags(fl, &f.db)
	fl.StringArrayVar(&f.exclude, "exclude", nil, "skip paths matching this glob (relative path or base name; repeatable; ** allowed)")
	fl.StringVar(&f.maxFileSize, "max-file-size", "0", "skip files larger than this (e.g. 50MB, 1GiB; 0 = no limit)")
	fl.StringArrayVar(&f.images, "image", nil, "scan a container image from a registry (every layer, deleted files included, and its config); repeatable")
	fl.IntVar(&f.maxDepth, "max-depth", source.DefaultLimits().MaxDepth, "how many archives deep to open members (zip, tar, gzip: a zip in a tar.gz is 3)")
	fl.Int64Var(&f.maxRatio, "max-ratio", source.DefaultLimits().MaxRatio, "stop reading an archive member that expands more than this many times its compressed size (a decompression bomb)")
	return cmd
}

// prepareScan checks what scan was asked before scanning and returns
// where the search for .hfwarden-ignore begins (the first path) and the
// verifier --verify asks for. A history scan without --cache-dir caches
// in the factory's cache directory.
func prepareScan(e *factory, f *scanFlags) (start string, verifier *assess.Verifier, err error) {
	start = "."
	if args := f.paths; len(args) > 0 && args[0] != "-" && !(f.git && git.IsURL(args[0])) {
		start = args[0]
	}
	if f.cacheDir == "" {
		f.cacheDir = e.cacheDir
	}
	if f.store {
		// A bad --db is a usage error before the scan, not a
		// failure after it.
		if _, _, err := f.db.locate(e.defaultDB()); err != nil {
			return "", nil, usageErr("--db: %v", err)
		}
	}
	if verifier, err = f.verifier(e); err != nil {
		return "", nil, err
	}
	return start, verifier, nil
}

// scanRun runs one kind of scan with a configured Scanner.
type scanRun func(context.Context, *scan.Scanner) ([]finding.Finding, finding.Stats, error)

// runScan builds the scan options from the flags, runs the scan, writes the
// report and turns the outcome into an exit status. ignoreStart is where
// the search for .hfwarden-ignore begins.
func runScan(ctx context.Context, e *factory, f scanFlags, ignoreStart string, run scanRun) error {
	format, err := report.ParseFormat(f.format)
	if err != nil {
		return usageErr("%v", err)
	}
	maxSize, err := parseSize(f.maxFileSize)
	if err != nil {
		return usageErr("--max-file-size: %v", err)
	}
	if f.exitCode < 0 || f.exitCode > 125 {
		return usageErr("--exit-code must be between 0 and 125")
	}
	// Each worker holds its own read buffers: a million of them is
	// gigabytes for nothing, as the scan is bound by reading long before.
	if f.workers < 0 || f.workers > maxWorkers {
		return usageErr("--workers must be between 1 and %d (0: one per CPU)", maxWorkers)
	}
	opt := scan.Options{
		Workers:     f.workers,
		Exclude:     f.exclude,
		MaxFileSize: maxSize,
		ShowSecrets: f.showSecrets,
		Detect:      detect.Options{NoDecode: f.noDecode, NoLinked: f.noLinked},
		Stdin:       e.stdin,
		Limits:      source.Limits{MaxDepth: f.maxDepth, MaxRatio: f.maxRatio},
	}
	if f.maxDepth == 0 {
		opt.Limits.MaxDepth = -1 // no archive is opened
	}
	if f.maxDepth < 0 || f.maxRatio < 0 {
		return usageErr("--max-depth and --max-ratio must not be negative")
	}
	ignorePath := f.ignoreFile
	if ignorePath == "" {
		ignorePath = ignore.Find(ignoreStart)
	}
	if ignorePath != "" {
		l, err := ignore.Load(ignorePath)
		if err != nil {
			return usageErr("%v", err)
		}
		opt.Ignore = l
		for _, x := range l.Expired() {
			fmt.Fprintf(e.stderr, "hfwarden: warning: %s:%d: ignore entry for %.12s… expired on %s\n", ignorePath, x.Line, x.Fingerprint, x.Expires.Format("2006-01-02"))
		}
	}
	if f.baseline != "" {
		b, err := ignore.LoadBaseline(f.baseline)
		if err != nil {
			return usageErr("%v", err)
		}
		opt.Baseline = b
	}
	out := e.stdout
	var outFile *os.File
	if f.output != "" {
		// Never through a link, into a FIFO or onto a device: the
		// report goes to a regular file or nowhere.
		outFile, err = safefile.Create(f.output)
		if err != nil {
			return usageErr("cannot write report: %v", err)
		}
		// Closed, and its error reported, once the report is written
		// (below); this is for the returns before that, whose own error
		// is the one to report.
		defer func() { _ = outFile.Close() }()
		out = outFile
	}
	stderrTTY := isTTY(e.stderr)
	showProgress := stderrTTY && !f.quiet
	if showProgress {
		opt.Progress = &scan.Progress{}
	}
	stop := startProgress(underlying(e.stderr), opt.Progress)
	findings, stats, err := run(ctx, scan.New(opt))
	stop()
	if err != nil {
		return &exitError{code: ExitError, err: fmt.Errorf("scan stopped: %w", err)}
	}
	for _, msg := range stats.ErrorList {
		fmt.Fprintln(e.stderr, "hfwarden: error:", oneLine(msg))
	}
	if !f.quiet {
		for _, msg := range stats.Warnings {
			fmt.Fprintln(e.stderr, "hfwarden: warning:", oneLine(msg))
		}
	}
	bw := bufio.NewWriterSize(out, 64<<10)
	ropt := report.Options{
		Color:       format == report.Text && f.output == "" && isTTY(e.stdout) && !f.noColor && e.Getenv("NO_COLOR") == "",
		ShowSecrets: f.showSecrets,
		ToolVersion: Version,
	}
	if err := report.Write(bw, format, findings, stats, ropt); err != nil {
		return &exitError{code: ExitError, err: fmt.Errorf("writing report: %w", err)}
	}
	if err := bw.Flush(); err != nil {
		return &exitError{code: ExitError, err: fmt.Errorf("writing report: %w", err)}
	}
	if outFile != nil {
		if err := outFile.Close(); err != nil {
			return &exitError{code: ExitError, err: fmt.Errorf("writing report: %w", err)}
		}
		if !f.quiet {
			fmt.Fprintf(e.stderr, "hfwarden: %d findings of %d secrets; report written to %s\n", stats.Findings, stats.Secrets, f.output)
		}
	}
	// An input that could not be read makes the scan incomplete: that is
	// exit status 2 even when something was found (the report still lists
	// it), and --exit-code must not turn it into success.
	switch {
	case stats.Errors > 0:
		return &exitError{code: ExitError, err: fmt.Errorf("%d inputs could not be read", stats.Errors)}
	case len(findings) > 0:
		if f.exitCode == 0 {
			return nil
		}
		return &exitError{code: f.exitCode}
	}
	return nil
}

// verifier returns the Verifier that --verify asks for, or nil.
func (f *scanFlags) verifier(e *factory) (*assess.Verifier, error) {
	if !f.verify {
		return nil, nil
	}
	if f.verifyLimit <= 0 {
		return nil, usageErr("--verify-timeout must be positive")
	}
	c, err := e.HubClient(f.hub)
	if err != nil {
		return nil, usageErr("%v", err)
	}
	return &assess.Verifier{Client: c}, nil
}

// scanRunOf says what a scan command walked, for the store's record of
// scan runs: git history (repositories named as findings name them),
// images, or files; complete when every input could be read.
func scanRunOf(f scanFlags, args []string, stats finding.Stats) incident.ScanRun {
	r := incident.ScanRun{Complete: stats.Errors == 0}
	switch {
	case len(f.images) > 0:
		r.Kinds, r.Targets = []string{"image"}, append([]string(nil), f.images...)
	case f.git:
		r.Kinds = []string{"git"}
		for _, a := range args {
			r.Targets = append(r.Targets, scan.RepoName(a))
		}
	default:
		r.Kinds = []string{"file"}
		for _, a := range args {
			if abs, err := filepath.Abs(a); err == nil && a != "-" {
				a = abs
			}
			r.Targets = append(r.Targets, a)
		}
	}
	return r
}

// verifyAndStore is what every scanning command does after the scan:
// check the findings against the Hub (with a verifier, from --verify) and
// record them in the incident store (--store), with what the scan walked
// (run), so that a scan that found nothing is on record too.
func verifyAndStore(ctx context.Context, e *factory, f scanFlags, verifier *assess.Verifier, run incident.ScanRun, findings []finding.Finding) error {
	if verifier != nil {
		dir := f.cacheDir
		if dir == "" {
			dir = e.cacheDir
		}
		var cache *scan.VerifyCache // nil: --no-cache
		if !f.noCache {
			cache = scan.OpenVerifyCache(filepath.Join(dir, "verify.json"), verifier.Client.Endpoint(), time.Hour)
		}
		// One overall deadline: a dead endpoint must not hold the scan
		// for minutes per token. The results still go to the store.
		vctx, cancel := context.WithTimeoutCause(ctx, f.verifyLimit, fmt.Errorf("--verify-timeout %s passed", f.verifyLimit))
		scan.Verify(vctx, findings, verifier, cache, 4)
		cancel()
		if err := cache.Save(); err != nil {
			fmt.Fprintf(e.stderr, "hfwarden: warning: could not save the verification cache: %v\n", err)
		}
	}
	if f.store {
		return recordFindings(ctx, e, f.db, run, findings)
	}
	return nil
}

// recordFindings records a scan's findings, and the scan run itself, in
// the incident store.
func recordFindings(ctx context.Context, e *factory, db dbFlags, run incident.ScanRun, findings []finding.Finding) error {
	st, err := e.Store(ctx, db, storeCreate)
	if err != nil {
		return err
	}
	defer func() { _ = st.Close() }() // each write is committed as it is made: closing loses nothing
	now := time.Now().UTC()
	scanID := now.Format("20060102T150405.000000000Z")
	res, err := st.RecordScan(ctx, scanID, absolutePaths(run, findings), now)
	if err != nil {
		return fmt.Errorf("recording the scan: %w", err)
	}
	run.ID, run.At = scanID, now
	if err := st.RecordScanRun(ctx, run); err != nil {
		return fmt.Errorf("recording the scan: %w", err)
	}
	fmt.Fprintf(e.stderr, "hfwarden: recorded scan %s: %d new incidents, %d new occurrences (%d incidents touched)\n",
		scanID, res.NewIncidents, res.NewOccurrences, len(res.Incidents))
	return nil
}

// absolutePaths returns, for the store, the findings of a file scan or
// sweep with their file paths made absolute against the working
// directory (for a member of an archive, the archive's path), as the
// scan run's targets are: a place is then one occurrence however the
// scan named it ("t2", "/abs/t2", "." from inside), two directories'
// "config.env" are two, and a later scan of the directory is seen to
// cover it. Standard input ("-") stays as it is; the scan's own output
// keeps the paths as given, so findings is not changed.
func absolutePaths(run incident.ScanRun, findings []finding.Finding) []finding.Finding {
	if !slices.Contains(run.Kinds, "file") && !slices.Contains(run.Kinds, "sweep") {
		return findings
	}
	out := make([]finding.Finding, len(findings))
	for i, f := range findings {
		f.Location = absoluteLocation(f.Location)
		if f.Parts != nil {
			parts := make([]finding.Location, len(f.Parts))
			for j, p := range f.Parts {
				parts[j] = absoluteLocation(p)
			}
			f.Parts = parts
		}
		out[i] = f
	}
	return out
}

// absoluteLocation makes l's outermost path absolute: the file, or the
// archive that holds the member ("a.zip!x/y" names the member by the
// archive's path, Chain's first element, then "!").
func absoluteLocation(l finding.Location) finding.Location {
	outer := l.Path
	if len(l.Chain) > 0 && strings.HasPrefix(l.Path, l.Chain[0]) {
		outer = l.Chain[0]
	}
	if outer == "" || outer == "-" || filepath.IsAbs(outer) {
		return l
	}
	abs, err := filepath.Abs(outer)
	if err != nil {
		return l
	}
	l.Path = abs + l.Path[len(outer):]
	if len(l.Chain) > 0 && l.Chain[0] == outer {
		l.Chain = append([]string{abs}, l.Chain[1:]...)
	}
	return l
}
