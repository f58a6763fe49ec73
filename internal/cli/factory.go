package cli

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/hfwarden/hfwarden/internal/hub"
	"github.com/hfwarden/hfwarden/internal/store"
)

// factory is what every command gets from outside itself: the standard
// streams, the environment, the clock, and the store and Hub client its
// flags name. Main builds one from the real process; tests build their
// own (or swap a field), so that a command never reaches for os or
// time.Now itself.
type factory struct {
	stdin          io.Reader
	stdout, stderr io.Writer

	// Getenv reads the environment: every variable hfwarden honours is
	// read through it, here in cli only.
	Getenv func(string) string
	// Now is the clock for what a command records (notes, audits).
	Now func() time.Time
	// Store opens the incident store db names, in mode.
	Store func(ctx context.Context, db dbFlags, mode storeMode) (store.Store, error)
	// HubClient returns a client for the Hub hf names.
	HubClient func(hf hubFlags) (*hub.Client, error)
	// HomeDir is the user's home directory (sweep looks in it).
	HomeDir func() (string, error)

	// dataDir holds the default store and key; cacheDir the git mirrors,
	// scan state and verification cache. Both come from the environment.
	dataDir, cacheDir string
}

// newFactory builds the factory of a run: the streams given, the
// process's environment and home directory, and the wall clock.
func newFactory(stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string, home func() (string, error)) *factory {
	f := &factory{
		stdin: stdin, stdout: stdout, stderr: stderr,
		Getenv:   getenv,
		Now:      time.Now,
		HomeDir:  home,
		dataDir:  dataDir(getenv, home),
		cacheDir: cacheDir(getenv, home),
	}
	f.Store = f.openStore
	f.HubClient = f.hubClient
	return f
}

// dataDir is where the store and its key live by default:
// $XDG_DATA_HOME/hfwarden (an absolute one), else
// ~/.local/share/hfwarden, else the working directory.
func dataDir(getenv func(string) string, home func() (string, error)) string {
	if d := getenv("XDG_DATA_HOME"); d != "" && filepath.IsAbs(d) {
		return filepath.Join(d, "hfwarden")
	}
	h, err := home()
	if err != nil {
		return "."
	}
	return filepath.Join(h, ".local", "share", "hfwarden")
}

// cacheDir is where git mirrors, scan state and verification results
// live by default: $XDG_CACHE_HOME/hfwarden, else ~/.cache/hfwarden, else
// a directory in the system's temporary one.
func cacheDir(getenv func(string) string, home func() (string, error)) string {
	if d := getenv("XDG_CACHE_HOME"); d != "" {
		return filepath.Join(d, "hfwarden")
	}
	if h, err := home(); err == nil {
		return filepath.Join(h, ".cache", "hfwarden")
	}
	return filepath.Join(os.TempDir(), "hfwarden-cache")
}

// defaultDB is the SQLite file used when --db is not given.
func (f *factory) defaultDB() string { return store.DefaultPath(f.dataDir) }
