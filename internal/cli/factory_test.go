package cli

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hfwarden/hfwarden/internal/seal"
)

// TestDefaultDirs: the store's and the caches' default directories come
// from the environment the factory is given, and from the home directory
// when it says nothing.
func TestDefaultDirs(t *testing.T) {
	home := func() (string, error) { return "/home/u", nil }
	for _, tc := range []struct {
		name          string
		env           map[string]string
		home          func() (string, error)
		wantDB, cache string
	}{
		{"xdg", map[string]string{"XDG_DATA_HOME": "/xdg/data", "XDG_CACHE_HOME": "/xdg/cache"}, home,
			"/xdg/data/hfwarden/hfwarden.db", "/xdg/cache/hfwarden"},
		{"home", nil, home, "/home/u/.local/share/hfwarden/hfwarden.db", "/home/u/.cache/hfwarden"},
		{"relative XDG_DATA_HOME is ignored", map[string]string{"XDG_DATA_HOME": "rel"}, home,
			"/home/u/.local/share/hfwarden/hfwarden.db", "/home/u/.cache/hfwarden"},
		{"no home", nil, noHomeDir, "hfwarden.db", filepath.Join(os.TempDir(), "hfwarden-cache")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFactory(nil, nil, nil, func(k string) string { return tc.env[k] }, tc.home)
			if got := f.defaultDB(); got != tc.wantDB {
				t.Errorf("defaultDB = %q, want %q", got, tc.wantDB)
			}
			if f.cacheDir != tc.cache {
				t.Errorf("cacheDir = %q, want %q", f.cacheDir, tc.cache)
			}
			loc, key, err := dbFlags{}.locate(f.defaultDB())
			if err != nil || loc.Path != tc.wantDB {
				t.Errorf("locate() = %+v, %v; want the default path %q", loc, err, tc.wantDB)
			}
			if want := f.dataDir + "/hfwarden.key"; tc.name != "no home" && key != want {
				t.Errorf("key = %q, want %q", key, want)
			}
		})
	}
}

// TestFactoryStoreKey: the factory's store takes its sealing key from the
// environment it was given ($HFWARDEN_KEY), else from the key file beside
// the store, which it creates only when it may create the store.
func TestFactoryStoreKey(t *testing.T) {
	envKey := strings.Repeat("ab", 32) // 32 bytes, hex
	for _, tc := range []struct {
		name    string
		key     string // $HFWARDEN_KEY
		mode    storeMode
		create  bool // a store exists before
		wantKey bool // a key file exists after
		wantErr string
	}{
		{"create, key file", "", storeCreate, false, true, ""},
		{"create, key from the environment", envKey, storeCreate, false, false, ""},
		{"existing, none there", "", storeExisting, false, false, "no store at"},
		{"read-only, none there", envKey, storeReadOnly, false, false, "no store at"},
		{"read-only, no key needed", "", storeReadOnly, true, false, ""},
		{"existing, key from the environment", envKey, storeExisting, true, false, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			db := dbFlags{dsn: filepath.Join(dir, "s.db")}
			if tc.create {
				f := newFactory(nil, nil, nil, func(k string) string { return map[string]string{seal.EnvKey: envKey}[k] }, noHomeDir)
				st, err := f.Store(t.Context(), db, storeCreate)
				if err != nil {
					t.Fatal(err)
				}
				if err := st.Close(); err != nil {
					t.Fatal(err)
				}
			}
			f := newFactory(nil, nil, nil, func(k string) string { return map[string]string{seal.EnvKey: tc.key}[k] }, noHomeDir)
			st, err := f.Store(t.Context(), db, tc.mode)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error %v, want %q", err, tc.wantErr)
				}
			} else if err != nil {
				t.Fatal(err)
			} else if err := st.Close(); err != nil {
				t.Fatal(err)
			}
			_, statErr := os.Stat(filepath.Join(dir, "hfwarden.key"))
			if got := statErr == nil; got != tc.wantKey {
				t.Errorf("key file exists: %v, want %v", got, tc.wantKey)
			}
		})
	}
}

func noHomeDir() (string, error) { return "", errors.New("no home") }
