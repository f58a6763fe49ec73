package cli_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestDBRejectsOtherSchemes: --db takes a path, sqlite:// or postgres://;
// anything else that looks like a URL is a usage error that creates
// nothing (before, it became a SQLite file named after the URL).
func TestDBRejectsOtherSchemes(t *testing.T) {
	tk := fakeTokens(t, 61, 1)[0]
	src := t.TempDir()
	write(t, filepath.Join(src, "app.py"), "TOKEN = \""+tk+"\"\n")
	for _, dsn := range []string{"mysql://u:pw@h/db", "http://example.com/x.db", "foo:bar", "MySQL://x"} {
		for _, args := range [][]string{
			{"incidents", "list", "--db", dsn},
			{"incidents", "note", "1", "--message", "m", "--db", dsn},
			{"scan", "--store", "-q", src, "--db", dsn},
			{"report", "1", "--db", dsn},
		} {
			t.Run(dsn+" "+args[0], func(t *testing.T) {
				dir := t.TempDir()
				t.Chdir(dir)
				t.Setenv("XDG_DATA_HOME", filepath.Join(dir, "data"))
				r := runCLI(t, "", args...)
				if r.code != 2 || !strings.Contains(r.stderr, "unsupported database") {
					t.Errorf("exit %d, want 2 and a clear error\n%s", r.code, r.stderr)
				}
				if strings.Contains(r.stderr, "pw") {
					t.Errorf("the error shows the password: %s", r.stderr)
				}
				if ents, _ := os.ReadDir(dir); len(ents) != 0 {
					t.Errorf("created %v", ents)
				}
			})
		}
	}
}

// TestDBSchemes: sqlite:// names a file; the scheme's case does not matter.
func TestDBSchemes(t *testing.T) {
	tk := fakeTokens(t, 62, 1)[0]
	src := t.TempDir()
	write(t, filepath.Join(src, "app.py"), "TOKEN = \""+tk+"\"\n")
	dir := t.TempDir()
	db := filepath.Join(dir, "x.db")
	r := runCLI(t, "", "scan", "--store", "-q", src, "--db", "SQLITE://"+db)
	if r.code != 1 {
		t.Fatalf("scan --store: exit %d\n%s", r.code, r.stderr)
	}
	if _, err := os.Stat(db); err != nil {
		t.Fatalf("sqlite:// did not name the file: %v", err)
	}
	r = runCLI(t, "", "incidents", "list", "--db", db)
	if r.code != 0 || !strings.Contains(r.stdout, "#1") {
		t.Errorf("incidents list: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	t.Run("postgres", func(t *testing.T) {
		pg := os.Getenv("HFWARDEN_TEST_POSTGRES")
		if !strings.HasPrefix(pg, "postgres://") {
			t.Skip("SKIP PostgreSQL scheme test: HFWARDEN_TEST_POSTGRES is unset; run it with HFWARDEN_TEST_POSTGRES=postgres://postgres@127.0.0.1:5432/test?sslmode=disable go test ./internal/cli -run TestDBSchemes")
		}
		// Upper-case scheme reaches PostgreSQL, not a file.
		t.Chdir(t.TempDir())
		r := runCLI(t, "", "incidents", "list", "--db", "POSTGRES://"+strings.TrimPrefix(pg, "postgres://"), "--key-file", filepath.Join(dir, "pg.key"))
		if r.code == 2 && strings.Contains(r.stderr, "unsupported") {
			t.Errorf("POSTGRES:// refused: %s", r.stderr)
		}
		if ents, _ := os.ReadDir("."); len(ents) != 0 {
			t.Errorf("POSTGRES:// created %v", ents)
		}
	})
}

// TestReadOnlyCommandsCreateNothing: incidents list/show and report on a
// store that does not exist say so and create neither store nor key.
func TestReadOnlyCommandsCreateNothing(t *testing.T) {
	for _, args := range [][]string{
		{"incidents", "list"},
		{"incidents", "show", "1"},
		{"report", "1"},
		{"report", "1", "--format", "md"},
	} {
		t.Run(strings.Join(args, " "), func(t *testing.T) {
			dir := t.TempDir()
			t.Setenv("XDG_DATA_HOME", filepath.Join(dir, "data"))
			t.Setenv("HFWARDEN_KEY", "")
			for _, extra := range [][]string{nil, {"--db", filepath.Join(dir, "s", "h.db")}, {"--db", filepath.Join(dir, "h.db"), "--key-file", filepath.Join(dir, "k", "h.key")}} {
				r := runCLI(t, "", append(args, extra...)...)
				if r.code != 2 || !strings.Contains(r.stderr, "no store at ") || !strings.Contains(r.stderr, "hfwarden scan --store") {
					t.Errorf("%v: exit %d, want 2 and \"no store at …\"\n%s", extra, r.code, r.stderr)
				}
				if ents, _ := os.ReadDir(dir); len(ents) != 0 {
					t.Fatalf("%v: created %v", extra, ents)
				}
			}
		})
	}
}

// TestWrongKeyRefused: a second key is refused before it seals anything,
// and a key file made for the attempt is not left behind.
func TestWrongKeyRefused(t *testing.T) {
	tk := fakeTokens(t, 63, 2)
	src := t.TempDir()
	write(t, filepath.Join(src, "app.py"), "TOKEN = \""+tk[0]+"\"\n")
	dir := t.TempDir()
	t.Setenv("HFWARDEN_KEY", "")
	db := filepath.Join(dir, "h.db")
	k1, k2 := filepath.Join(dir, "k1"), filepath.Join(dir, "k2")
	if r := runCLI(t, "", "scan", "--store", "-q", src, "--db", db, "--key-file", k1); r.code != 1 {
		t.Fatalf("scan --store: exit %d\n%s", r.code, r.stderr)
	}
	write(t, filepath.Join(src, "b.py"), "TOKEN = \""+tk[1]+"\"\n")
	r := runCLI(t, "", "scan", "--store", "-q", src, "--db", db, "--key-file", k2)
	if r.code != 2 || !strings.Contains(r.stderr, "sealing key does not open") {
		t.Errorf("scan --store with another key: exit %d\n%s", r.code, r.stderr)
	}
	if _, err := os.Stat(k2); !os.IsNotExist(err) {
		t.Errorf("the refused key file was left behind (%v)", err)
	}
	r = runCLI(t, "", "incidents", "note", "1", "--message", "m", "--db", db, "--key-file", k2)
	if r.code != 2 || !strings.Contains(r.stderr, "sealing key does not open") {
		t.Errorf("incidents note with another key: exit %d\n%s", r.code, r.stderr)
	}
	// Nothing was recorded with the wrong key; the right one still works.
	r = runCLI(t, "", "incidents", "list", "-f", "json", "--db", db, "--key-file", k1)
	if r.code != 0 || strings.Count(r.stdout, `"fingerprint"`) != 1 {
		t.Errorf("incidents list: exit %d, want 1 incident\n%s%s", r.code, r.stdout, r.stderr)
	}
}

// TestReadOnlyStoreListed: a store the user cannot write is still listed,
// shown and reported on, and reading changes neither file nor mode.
func TestReadOnlyStoreListed(t *testing.T) {
	tk := fakeTokens(t, 64, 1)[0]
	src := t.TempDir()
	write(t, filepath.Join(src, "app.py"), "TOKEN = \""+tk+"\"\n")
	dir := filepath.Join(t.TempDir(), "store")
	db := filepath.Join(dir, "h.db")
	key := filepath.Join(t.TempDir(), "h.key")
	if r := runCLI(t, "", "scan", "--store", "-q", src, "--db", db, "--key-file", key); r.code != 1 {
		t.Fatalf("scan --store: exit %d\n%s", r.code, r.stderr)
	}
	if err := os.Chmod(db, 0o444); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o555); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := os.Chmod(dir, 0o755); err != nil {
			t.Error(err) // TempDir cannot remove it: say why
		}
	})
	for _, args := range [][]string{{"incidents", "list"}, {"incidents", "show", "1"}, {"report", "1", "--format", "md"}} {
		r := runCLI(t, "", append(args, "--db", db, "--key-file", key)...)
		if r.code != 0 || !strings.Contains(strings.ReplaceAll(r.stdout, `\_`, "_"), "hf_") {
			t.Errorf("%v: exit %d\n%s%s", args, r.code, r.stdout, r.stderr)
		}
		if fi, err := os.Stat(db); err != nil || fi.Mode().Perm() != 0o444 {
			t.Errorf("%v: database mode is now %v (%v)", args, fi.Mode().Perm(), err)
		}
	}
}

// TestPathFlagsRefuseTokens: a token given where a file name is expected
// (--db, -o, --lock, --key-file, --cache-dir), or a URL with a space
// before it, is a usage error that creates nothing and does not echo the
// token; before, files named with the token (or " postgres:") appeared.
func TestPathFlagsRefuseTokens(t *testing.T) {
	tk := fakeTokens(t, 63, 1)[0]
	src := t.TempDir()
	write(t, filepath.Join(src, "app.py"), "x = 1\n")
	tests := []struct {
		name, want string
		args       []string
	}{
		{"--db token", "looks like a token", []string{"incidents", "list", "--db", tk}},
		{"--db token in a path", "looks like a token", []string{"scan", "--store", "-q", src, "--db", "d/backup_" + tk + ".db"}},
		{"-o", "looks like a token", []string{"scan", "-q", src, "-o", tk}},
		{"--lock", "looks like a token", []string{"pin", "a/b", "--lock", tk + ".lock"}},
		{"--key-file", "looks like a token", []string{"incidents", "note", "1", "-m", "x", "--db", "x.db", "--key-file", tk}},
		{"--cache-dir", "looks like a token", []string{"scan", "-q", src, "--cache-dir", tk}},
		{"demo --out", "looks like a token", []string{"demo", "--out", tk}},
		{"--db with a space before a URL", "spaces around it", []string{"incidents", "list", "--db", " postgres://127.0.0.1:1/d"}},
		{"--db with a space before a URL, writing", "spaces around it", []string{"scan", "--store", "-q", src, "--db", " postgres://127.0.0.1:1/d"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			t.Chdir(dir)
			t.Setenv("XDG_DATA_HOME", filepath.Join(dir, "data"))
			t.Setenv("XDG_CACHE_HOME", filepath.Join(dir, "cache"))
			r := runCLI(t, "", tt.args...)
			if r.code != 2 || !strings.Contains(r.stderr, tt.want) {
				t.Errorf("exit %d, want 2 and %q\n%s", r.code, tt.want, r.stderr)
			}
			if strings.Contains(r.stderr+r.stdout, tk) {
				t.Errorf("the token is echoed: %s", r.stderr)
			}
			if ents, _ := os.ReadDir(dir); len(ents) != 0 {
				t.Errorf("created %v", ents)
			}
		})
	}
}

// TestReportUsedOpenFails: report --used writes, so it opens the store
// for writing after checking that it exists; when that open fails (here:
// the key cannot be loaded, while a read-only open needs none), the report
// says so and exits 2 instead of going on without a store.
func TestReportUsedOpenFails(t *testing.T) {
	tk := fakeTokens(t, 64, 1)
	src := t.TempDir()
	write(t, filepath.Join(src, "app.py"), "TOKEN = \""+tk[0]+"\"\n")
	dir := t.TempDir()
	t.Setenv("HFWARDEN_KEY", "")
	db := filepath.Join(dir, "h.db")
	if r := runCLI(t, "", "scan", "--store", "-q", src, "--db", db, "--key-file", filepath.Join(dir, "h.key")); r.code != 1 {
		t.Fatalf("scan --store: exit %d\n%s", r.code, r.stderr)
	}
	notDir := filepath.Join(dir, "file")
	write(t, notDir, "a file, not a directory\n")
	r := runCLI(t, "", "report", "1", "--used", "alice/sim-chat-demo", "--db", db, "--key-file", filepath.Join(notDir, "h.key"))
	if r.code != 2 || !strings.Contains(r.stderr, "key") || r.stdout != "" {
		t.Fatalf("report --used with a key that cannot load: exit %d, stdout %q\n%s", r.code, r.stdout, r.stderr)
	}
}
