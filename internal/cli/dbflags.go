package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/pflag"

	"github.com/hfwarden/hfwarden/internal/seal"
	"github.com/hfwarden/hfwarden/internal/store"
)

// dbFlags choose the incident store.
type dbFlags struct {
	dsn     string
	keyFile string
}

func addDBFlags(fs *pflag.FlagSet, f *dbFlags) {
	fs.StringVar(&f.dsn, "db", "", "incident store: a SQLite file, or postgres://… (default $XDG_DATA_HOME/hfwarden/hfwarden.db)")
	fs.StringVar(&f.keyFile, "key-file", "", "key that seals secrets at rest, created on first use (default: hfwarden.key beside a SQLite store, else $XDG_DATA_HOME/hfwarden/hfwarden.key; $HFWARDEN_KEY overrides)")
}

// checkDB refuses a --db value that names no SQLite file hfwarden could
// create or open, before anything (the key, a directory) is created for
// it: "sqlite:PATH" without "//" (like any other scheme-looking value
// that is neither a path, sqlite://… nor postgres://…), a path holding
// "?" or "#" (SQLite URI parameters are not supported, and the driver
// would not open the file named), and a directory, device or FIFO.
func checkDB(dsn string) error {
	if dsn == "" {
		return nil
	}
	lower := strings.ToLower(dsn)
	for _, scheme := range []string{"sqlite:", "sqlite3:"} {
		if strings.HasPrefix(lower, scheme) && !strings.HasPrefix(dsn[len(scheme):], "//") {
			return usageErr("--db %q: write sqlite://PATH or the path itself", dsn)
		}
	}
	loc, err := store.ParseDSN(dsn)
	if err != nil {
		return usageErr("--db: %v", err)
	}
	if loc.Postgres {
		return nil
	}
	if strings.ContainsAny(loc.Path, "?#") {
		return usageErr("--db %q: a SQLite path holding ? or # is refused (SQLite URI parameters are not supported); name a plain file", loc.Path)
	}
	if fi, err := os.Stat(loc.Path); err == nil && !fi.Mode().IsRegular() {
		what := "not a regular file"
		if fi.IsDir() {
			what = "a directory"
		}
		return usageErr("--db %q is %s; name a SQLite database file", loc.Path, what)
	}
	return nil
}

// locate parses --db (defaultDB when not given) and names the key file
// that goes with it.
func (f dbFlags) locate(defaultDB string) (store.DSN, string, error) {
	if err := checkDB(f.dsn); err != nil {
		return store.DSN{}, "", err
	}
	loc := store.DSN{Path: defaultDB}
	if f.dsn != "" {
		var err error
		if loc, err = store.ParseDSN(f.dsn); err != nil {
			return store.DSN{}, "", err
		}
	}
	key := f.keyFile
	if key == "" {
		if loc.Postgres {
			key = filepath.Join(filepath.Dir(defaultDB), "hfwarden.key")
		} else {
			key = filepath.Join(filepath.Dir(loc.Path), "hfwarden.key")
		}
	}
	return loc, key, nil
}

// storeMode says how a command opens the incident store.
type storeMode int

const (
	// storeCreate opens the store and the key that seals its secrets,
	// creating either when missing. A key created here that turns out not
	// to open the store's secrets is removed again, so that the next run
	// does not trip over it.
	storeCreate storeMode = iota
	// storeExisting opens the store for a command that works on incidents
	// already recorded (revoke, audit, assess --incident, incidents note,
	// assign, resolve): with no store there it creates nothing, neither
	// the store nor a key, and says how to make one.
	storeExisting
	// storeReadOnly opens an existing store for a command that only reads
	// (incidents list and show, report): nothing is created, neither the
	// store nor a key, and a database the user cannot write still opens.
	// The key is loaded only when there is one; reading needs no secret.
	storeReadOnly
)

// openStore is the factory's Store: the store db names, opened in mode,
// with the key from $HFWARDEN_KEY or the key file.
func (f *factory) openStore(ctx context.Context, db dbFlags, mode storeMode) (store.Store, error) {
	if mode == storeReadOnly {
		return f.openReadOnly(ctx, db)
	}
	loc, key, err := db.locate(f.defaultDB())
	if err != nil {
		return nil, err
	}
	if mode == storeExisting {
		// Before the key is loaded: loading creates a missing one.
		if err := store.Exists(ctx, dsnOf(loc)); err != nil {
			return nil, noStoreErr(loc, err)
		}
	}
	envKey := f.Getenv(seal.EnvKey)
	_, statErr := os.Stat(key)
	created := errors.Is(statErr, os.ErrNotExist) && envKey == ""
	s, err := seal.LoadKey(envKey, key)
	if err != nil {
		return nil, fmt.Errorf("loading the sealing key: %w", err)
	}
	st, err := store.Open(ctx, dsnOf(loc), s)
	if err != nil {
		if created && errors.Is(err, store.ErrWrongKey) {
			_ = os.Remove(key)
		}
		return nil, fmt.Errorf("opening the incident store: %w", err)
	}
	return st, nil
}

// openReadOnly opens the store in storeReadOnly mode.
func (f *factory) openReadOnly(ctx context.Context, db dbFlags) (store.Store, error) {
	loc, key, err := db.locate(f.defaultDB())
	if err != nil {
		return nil, err
	}
	envKey := f.Getenv(seal.EnvKey)
	var s *seal.Sealer
	if _, err := os.Stat(key); err == nil || envKey != "" {
		if s, err = seal.LoadKey(envKey, key); err != nil {
			return nil, fmt.Errorf("loading the sealing key: %w", err)
		}
	}
	st, err := store.OpenReadOnly(ctx, dsnOf(loc), s)
	if err != nil {
		return nil, noStoreErr(loc, err)
	}
	return st, nil
}

// noStoreErr words a failure to open an existing store: where there is
// none, how to make one.
func noStoreErr(loc store.DSN, err error) error {
	if errors.Is(err, store.ErrNoStore) {
		where := loc.Path
		if loc.Postgres {
			where = "that PostgreSQL database"
		}
		return fmt.Errorf("no store at %s; run `hfwarden scan --store` first", where)
	}
	return fmt.Errorf("opening the incident store: %w", err)
}

// dsnOf turns a parsed location back into what store.Open takes.
func dsnOf(loc store.DSN) string {
	if loc.Postgres {
		return loc.URL
	}
	if _, _, isURL := strings.Cut(loc.Path, ":"); isURL {
		// A path that itself looks like a scheme ("C:/…" aside) must
		// not be parsed again as one.
		return "sqlite:" + loc.Path
	}
	return loc.Path
}
