package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/hfwarden/hfwarden/internal/detect"
	"github.com/hfwarden/hfwarden/internal/hub"
	"github.com/hfwarden/hfwarden/internal/pin"
	"github.com/hfwarden/hfwarden/internal/safefile"
	"github.com/hfwarden/hfwarden/internal/store"
	"github.com/hfwarden/hfwarden/internal/termsafe"
)

// defaultLock is the lock file's name, in the current directory.
const defaultLock = "hfwarden.lock"

func newPinCmd(e *factory) *cobra.Command {
	var (
		hf       hubFlags
		ts       tokenSource
		db       dbFlags
		typ, rev string
		lockPath string
		toStore  bool
	)
	cmd := &cobra.Command{
		Use:   "pin REPO...",
		Short: "Record the exact files of Hub repositories in hfwarden.lock",
		Long: `Pin repositories: record the commit a revision points to and every file's
path, git blob id, LFS sha256 and size, in a reviewable lock file (sorted,
indented JSON; commit it) and, with --store, in the incident store. Pinning a
repository again replaces its pin. 'hfwarden verify-pin' compares pins with
the Hub.

A token is only needed for private or gated repositories: it is read from
--token-file, --token-env or $HF_TOKEN, never from the command line.`,
		Args: repoArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			switch typ {
			case hub.RepoModel, hub.RepoDataset, hub.RepoSpace:
			default:
				return usageErr("--type must be model, dataset or space")
			}
			if rev == "" {
				return usageErr("--revision must not be empty")
			}
			c, err := e.HubClient(hf)
			if err != nil {
				return usageErr("%v", err)
			}
			token, err := optionalToken(ts, e)
			if err != nil {
				return usageErr("%v", err)
			}
			// The lock is replaced by a rename: refuse a link, a device or
			// a FIFO at its path now, before any repository is read.
			if err := safefile.CheckTarget(lockPath); err != nil {
				return usageErr("--lock: %v", err)
			}
			lock, err := pin.ReadLock(lockPath)
			if err != nil {
				return usageErr("%v", err)
			}
			var st store.Store
			if toStore {
				if st, err = e.Store(ctx, db, storeCreate); err != nil {
					return usageErr("%v", err)
				}
				defer func() { _ = st.Close() }() // each write is committed as it is made: closing loses nothing
			}
			failed := 0
			for _, repo := range args {
				m, err := pin.Snapshot(ctx, c, token, typ, repo, rev)
				if err == nil && st != nil {
					err = st.SavePin(ctx, *m)
				}
				if err != nil {
					failed++
					fmt.Fprintln(e.stderr, "hfwarden:", oneLine(err.Error())+tokenHint(err, token))
					continue
				}
				lock.Put(*m)
				termsafe.Fprintf(termText(e.stdout), "pinned %s %s at %s (%s, %d files)\n", m.Type, m.Repo, m.Commit, m.Revision, len(m.Files))
			}
			// Keep what was pinned even when some repositories failed.
			if failed < len(args) {
				if err := lock.Write(lockPath); err != nil {
					return &exitError{code: ExitError, err: err}
				}
			}
			if failed > 0 {
				return &exitError{code: ExitError, err: fmt.Errorf("%d of %d repositories could not be pinned", failed, len(args))}
			}
			return nil
		},
	}
	addHubFlags(cmd, &hf)
	addTokenFlags(cmd, &ts)
	fl := cmd.Flags()
	fl.StringVar(&typ, "type", hub.RepoModel, "repository type: model, dataset or space")
	fl.StringVar(&rev, "revision", "main", "branch, tag or commit to pin")
	fl.StringVar(&lockPath, "lock", defaultLock, "lock file to update")
	fl.BoolVar(&toStore, "store", false, "also record the pins in the incident store (see --db)")
	addDBFlags(fl, &db)
	return cmd
}

func newVerifyPinCmd(e *factory) *cobra.Command {
	var (
		hf        hubFlags
		ts        tokenSource
		db        dbFlags
		lockPath  string
		fromStore bool
		format    string
	)
	cmd := &cobra.Command{
		Use:   "verify-pin [REPO...]",
		Short: "Compare pinned repositories with the Hub",
		Long: `Compare each pin of hfwarden.lock (or, with --store, of the incident store),
or only those of the repositories named, with what the Hub serves now at the
pinned revision: a moved commit, and files added, removed or modified (the
git blob id, LFS sha256 or size changed).

Exit status: 0 when everything matches, 1 on any difference, 2 when a pin
could not be checked or the lock is unreadable.`,
		Args: repoArgs(0),
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			if format != "text" && format != "json" {
				return usageErr("--format must be text or json")
			}
			c, err := e.HubClient(hf)
			if err != nil {
				return usageErr("%v", err)
			}
			token, err := optionalToken(ts, e)
			if err != nil {
				return usageErr("%v", err)
			}
			pins, from, err := loadPins(ctx, e, fromStore, db, lockPath)
			if err != nil {
				return usageErr("%v", err)
			}
			if pins, err = selectPins(pins, args, from); err != nil {
				return usageErr("%v", err)
			}
			results := make([]pin.Result, 0, len(pins))
			failed, differ := 0, 0
			for _, p := range pins {
				r := pin.Result{Repo: p.Repo, Type: p.Type, Revision: p.Revision, PinnedCommit: p.Commit, Diffs: []pin.Diff{}}
				now, err := pin.Snapshot(ctx, c, token, p.Type, p.Repo, p.Revision)
				if err != nil {
					failed++
					r.Error = oneLine(err.Error()) + tokenHint(err, token)
					fmt.Fprintln(e.stderr, "hfwarden:", r.Error)
				} else {
					r.Commit = now.Commit
					if d := pin.Compare(&p, now); len(d) > 0 {
						r.Diffs = d
						differ++
					}
				}
				results = append(results, r)
			}
			if format == "json" {
				if err := writeJSON(e.stdout, struct {
					Results []pin.Result `json:"results"`
				}{results}); err != nil {
					return err
				}
			} else {
				pin.WriteResults(termText(e.stdout), results)
			}
			switch {
			case failed > 0:
				return &exitError{code: ExitError, err: fmt.Errorf("%d of %d pins could not be verified", failed, len(pins))}
			case differ > 0:
				return &exitError{code: ExitFindings}
			}
			return nil
		},
	}
	addHubFlags(cmd, &hf)
	addTokenFlags(cmd, &ts)
	fl := cmd.Flags()
	fl.StringVar(&lockPath, "lock", defaultLock, "lock file to verify")
	fl.BoolVar(&fromStore, "store", false, "verify the pins of the incident store instead of the lock file (see --db)")
	fl.StringVarP(&format, "format", "f", "text", "output format: text or json")
	addDBFlags(fl, &db)
	return cmd
}

// loadPins reads the pins of the store or of the lock file and says where
// they came from.
func loadPins(ctx context.Context, e *factory, fromStore bool, db dbFlags, lockPath string) ([]pin.Manifest, string, error) {
	if fromStore {
		st, err := e.Store(ctx, db, storeExisting)
		if err != nil {
			return nil, "", err
		}
		defer func() { _ = st.Close() }() // only read here, and opening it commits what it writes: closing loses nothing
		pins, err := st.Pins(ctx)
		if len(pins) == 0 && err == nil {
			err = errors.New("the incident store holds no pins: run 'hfwarden pin --store REPO...' first")
		}
		return pins, "the incident store", err
	}
	if _, err := os.Stat(lockPath); errors.Is(err, os.ErrNotExist) {
		return nil, "", fmt.Errorf("no lock file %s: run 'hfwarden pin REPO...' first", lockPath)
	}
	lock, err := pin.ReadLock(lockPath)
	if err != nil {
		return nil, "", err
	}
	if len(lock.Pins) == 0 {
		return nil, "", fmt.Errorf("%s holds no pins", lockPath)
	}
	return lock.Pins, lockPath, nil
}

// selectPins keeps the pins of the repositories named (every pin when
// none is); naming a repository that is not pinned is an error.
func selectPins(pins []pin.Manifest, repos []string, from string) ([]pin.Manifest, error) {
	if len(repos) == 0 {
		return pins, nil
	}
	var out []pin.Manifest
	for _, r := range repos {
		n := len(out)
		for _, p := range pins {
			if p.Repo == r {
				out = append(out, p)
			}
		}
		if len(out) == n {
			return nil, fmt.Errorf("%s is not pinned in %s", r, from)
		}
	}
	return out, nil
}

// optionalToken reads a token from --token-file or --token-env when given,
// else $HF_TOKEN; no token at all is fine (public repositories). Unlike
// assess it never waits on standard input.
func optionalToken(ts tokenSource, e *factory) (string, error) {
	if ts.file != "" || ts.env != "" {
		return ts.read(e)
	}
	tok := strings.TrimSpace(e.Getenv("HF_TOKEN"))
	if tok == "" {
		return "", nil
	}
	if err := hfToken(tok); err != nil {
		return "", fmt.Errorf("$HF_TOKEN: %w", err)
	}
	return tok, nil
}

// tokenHint says why a repository may be invisible when no token was given:
// the Hub answers "not found" for private repositories.
func tokenHint(err error, token string) string {
	if token == "" && hub.ClassOf(err) == hub.NotFound {
		return " (without a token: if the repository is private, give one with --token-file, --token-env or $HF_TOKEN)"
	}
	return ""
}

// repoArgs wants at least n "namespace/name" arguments and refuses,
// without echoing it, an argument that holds a token.
func repoArgs(n int) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		d := detect.New(detect.Options{})
		for _, a := range args {
			if len(d.Detect([]byte(a))) > 0 {
				return usageErr("an argument looks like a token: give tokens with --token-file, --token-env or $HF_TOKEN, never on the command line (it would stay in shell history and ps); if you just did, revoke it")
			}
			if strings.Count(a, "/") != 1 || strings.HasPrefix(a, "/") || strings.HasSuffix(a, "/") {
				return usageErr("%q is not a repository id (want namespace/name)", a)
			}
		}
		if len(args) < n {
			return usageErr("%s needs at least one repository (namespace/name)", cmd.Name())
		}
		return nil
	}
}
