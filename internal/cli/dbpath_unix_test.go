//go:build linux || darwin || freebsd

package cli_test

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
)

// TestBadSQLitePathsCreateNothing: a --db that names no SQLite file
// hfwarden can use (a directory, a device, a FIFO, a path with SQLite URI
// parameters or a fragment, "sqlite:" without "//") is refused with one
// line and exit 2 before anything is created: no key beside it, no
// directory, no scan. Before, the key (even /dev/hfwarden.key) or sub/
// appeared first.
func TestBadSQLitePathsCreateNothing(t *testing.T) {
	src := t.TempDir()
	write(t, filepath.Join(src, "app.py"), "x = 1\n")
	for _, tt := range []struct {
		name, db, want string
	}{
		{"device", "/dev/null", "not a regular file"},
		{"current directory", ".", "a directory"},
		{"directory", "d", "a directory"},
		{"fifo", "fifo", "not a regular file"},
		{"URI parameters", "y.db?mode=rwc", "? or #"},
		{"fragment", "y.db#frag", "? or #"},
		{"parameters under a new directory", "sub/z.db?x", "? or #"},
		{"sqlite: without //", "sqlite:x.db", "sqlite://PATH"},
		{"SQLite: upper case", "SQLite:x.db", "sqlite://PATH"},
		{"sqlite3: without //", "sqlite3:x.db", "sqlite://PATH"},
	} {
		for _, cmd := range [][]string{{"scan", "--store", "-q", src}, {"incidents", "list"}} {
			t.Run(tt.name+" "+cmd[0], func(t *testing.T) {
				dir := t.TempDir()
				t.Chdir(dir)
				t.Setenv("XDG_DATA_HOME", filepath.Join(dir, "data"))
				t.Setenv("XDG_CACHE_HOME", filepath.Join(dir, "cache"))
				t.Setenv("HFWARDEN_KEY", "")
				if err := os.Mkdir("d", 0o755); err != nil {
					t.Fatal(err)
				}
				if err := syscall.Mkfifo("fifo", 0o600); err != nil {
					t.Fatal(err)
				}
				before := listing(t, dir)
				_, devKeyErr := os.Stat("/dev/hfwarden.key")
				r := runBounded(t, append(cmd, "--db", tt.db)...)
				if r.code != 2 || !strings.Contains(r.stderr, tt.want) || strings.Count(strings.TrimSpace(r.stderr), "\n") != 0 {
					t.Errorf("exit %d, want 2 and one line with %q:\n%s", r.code, tt.want, r.stderr)
				}
				if after := listing(t, dir); !slices.Equal(before, after) {
					t.Errorf("created files: before %v, after %v", before, after)
				}
				if _, err := os.Stat("/dev/hfwarden.key"); devKeyErr != nil && err == nil {
					t.Errorf("created /dev/hfwarden.key")
				}
			})
		}
	}
	// A plain path and sqlite://PATH still work.
	dir := t.TempDir()
	key := filepath.Join(dir, "h.key")
	for _, db := range []string{filepath.Join(dir, "a.db"), "sqlite://" + filepath.Join(dir, "b.db")} {
		if r := runCLI(t, "", "scan", "--store", "-q", src, "--db", db, "--key-file", key); r.code != 0 {
			t.Errorf("--db %s: exit %d %s", db, r.code, r.stderr)
		}
	}
}

// listing returns every path under dir, relative and sorted.
func listing(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(dir, func(p string, _ os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		out = append(out, rel)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}
