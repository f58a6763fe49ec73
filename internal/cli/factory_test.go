package cli

import (
	"errors"
	"testing"
)

// TestDefaultDirs: the store's and the caches' default directories come
// from the environment the factory is given, and from the home directory
// when it says nothing.
func TestDefaultDirs(t *testing.T) {
	home := func() (string, error) { return "/home/u", nil }
	noHome := func() (string, error) { return "", errors.New("no home") }
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
		{"no home", nil, noHome, "hfwarden.db", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFactory(nil, nil, nil, func(k string) string { return tc.env[k] }, tc.home)
			if got := f.defaultDB(); got != tc.wantDB {
				t.Errorf("defaultDB = %q, want %q", got, tc.wantDB)
			}
			if tc.cache != "" && f.cacheDir != tc.cache {
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
