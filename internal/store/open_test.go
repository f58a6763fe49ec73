package store

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/hfwarden/hfwarden/internal/finding"
	"github.com/hfwarden/hfwarden/internal/incident"
	"github.com/hfwarden/hfwarden/internal/seal"
)

func TestParseDSN(t *testing.T) {
	tests := []struct {
		in      string
		want    DSN
		wantErr bool
	}{
		{in: "hfwarden.db", want: DSN{Path: "hfwarden.db"}},
		{in: "/var/lib/hfwarden/x.db", want: DSN{Path: "/var/lib/hfwarden/x.db"}},
		{in: "./a:b.db", want: DSN{Path: "./a:b.db"}},
		{in: "dir/a:b.db", want: DSN{Path: "dir/a:b.db"}},
		{in: `C:\hfwarden\x.db`, want: DSN{Path: `C:\hfwarden\x.db`}},
		{in: "C:/hfwarden/x.db", want: DSN{Path: "C:/hfwarden/x.db"}},
		{in: "sqlite:///tmp/x.db", want: DSN{Path: "/tmp/x.db"}},
		{in: "sqlite://x.db", want: DSN{Path: "x.db"}},
		{in: "SQLite:x.db", want: DSN{Path: "x.db"}},
		{in: "postgres://u@h/db", want: DSN{Postgres: true, URL: "postgres://u@h/db"}},
		{in: "PostgreSQL://u@h/db?sslmode=disable", want: DSN{Postgres: true, URL: "postgresql://u@h/db?sslmode=disable"}},
		{in: "POSTGRES://u@h/db", want: DSN{Postgres: true, URL: "postgres://u@h/db"}},
		{in: "mysql://u:pw@h/db", wantErr: true},
		{in: "http://example.com/x.db", wantErr: true},
		{in: "foo:bar", wantErr: true},
		{in: "sqlite://", wantErr: true},
		{in: " postgres://127.0.0.1:1/d", wantErr: true},
		{in: "postgres://h/d\t", want: DSN{Postgres: true, URL: "postgres://h/d\t"}},
		{in: "\tsqlite:x.db", wantErr: true},
		{in: " hfwarden.db", want: DSN{Path: " hfwarden.db"}},
		// The password ends at the authority's last '@'.
		{in: "postgres://u:hunter2@secret@h:1/db", want: DSN{Postgres: true, URL: "postgres://u:hunter2%40secret@h:1/db"}},
		{in: "postgres://u:p%40w@h/db", want: DSN{Postgres: true, URL: "postgres://u:p%40w@h/db"}},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseDSN(tt.in)
			if tt.wantErr {
				if err == nil {
					t.Fatalf("ParseDSN(%q) = %+v, want an error", tt.in, got)
				}
				if strings.Contains(err.Error(), "pw") {
					t.Errorf("error shows the password: %v", err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Errorf("ParseDSN(%q) = %+v, %v; want %+v", tt.in, got, err, tt.want)
			}
		})
	}
	if d, err := ParseDSN(""); err == nil {
		t.Errorf("ParseDSN(\"\") = %+v; want an error (the caller names the default path)", d)
	}
}

// TestPostgresErrorsHidePassword: a password holding a raw '@' is not
// taken apart by the driver (which showed its tail as the host name in
// "lookup secret@127.0.0.1"), and no error shows any of it.
func TestPostgresErrorsHidePassword(t *testing.T) {
	ctx, cancel := context.WithTimeout(t.Context(), 20*time.Second)
	defer cancel()
	for _, dsn := range []string{
		"postgres://u:hunter2@secret@127.0.0.1:1/db?connect_timeout=5",
		"postgres://u:hunter2%40secret@127.0.0.1:1/db?connect_timeout=5",
	} {
		for name, open := range map[string]func(context.Context, string, *seal.Sealer) (Store, error){"Open": Open, "OpenReadOnly": OpenReadOnly} {
			st, err := open(ctx, dsn, nil)
			if err == nil {
				closeStore(t, st)
				t.Fatalf("%s(%q) succeeded on a closed port", name, dsn)
			}
			msg := err.Error()
			if strings.Contains(msg, "hunter2") || strings.Contains(msg, "secret") || !strings.Contains(msg, "127.0.0.1") {
				t.Errorf("%s: %s; want the host and no piece of the password", name, msg)
			}
		}
	}
}

// TestOpenRefusesOtherSchemes: an unsupported URL is an error and creates
// nothing (before, "mysql://x" became a SQLite file under ./mysql:).
func TestOpenRefusesOtherSchemes(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	for _, dsn := range []string{"mysql://x/y", "http://h/x.db", "foo:bar"} {
		if st, err := Open(t.Context(), dsn, nil); err == nil {
			closeStore(t, st)
			t.Errorf("Open(%q) succeeded", dsn)
		}
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 0 {
		t.Errorf("Open created %v", ents)
	}
}

func TestOpenReadOnlyMissing(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "sub", "hfwarden.db")
	if st, err := OpenReadOnly(t.Context(), path, nil); !errors.Is(err, ErrNoStore) {
		if err == nil {
			closeStore(t, st)
		}
		t.Fatalf("OpenReadOnly of a missing store: %v, want ErrNoStore", err)
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 0 {
		t.Errorf("OpenReadOnly created %v", ents)
	}
	// A file that is no hfwarden store is no store either, and stays empty.
	empty := filepath.Join(dir, "empty.db")
	if err := os.WriteFile(empty, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if st, err := OpenReadOnly(t.Context(), empty, nil); !errors.Is(err, ErrNoStore) {
		if err == nil {
			closeStore(t, st)
		}
		t.Errorf("OpenReadOnly of an empty file: %v, want ErrNoStore", err)
	}
	if fi, _ := os.Stat(empty); fi.Size() != 0 {
		t.Errorf("the empty file was written (%d bytes)", fi.Size())
	}
	if url := os.Getenv("HFWARDEN_TEST_POSTGRES"); url != "" {
		if st, err := OpenReadOnly(t.Context(), pgSchema(t, url), nil); !errors.Is(err, ErrNoStore) {
			if err == nil {
				closeStore(t, st)
			}
			t.Errorf("OpenReadOnly of an empty PostgreSQL schema: %v, want ErrNoStore", err)
		}
	}
}

// TestOpenExisting: OpenExisting creates nothing where there is no store
// (SQLite file or PostgreSQL schema), and opens one that exists.
func TestOpenExisting(t *testing.T) {
	ctx := t.Context()
	dir := t.TempDir()
	path := filepath.Join(dir, "sub", "hfwarden.db")
	if st, err := OpenExisting(ctx, path, nil); !errors.Is(err, ErrNoStore) {
		if err == nil {
			closeStore(t, st)
		}
		t.Fatalf("OpenExisting of a missing store: %v, want ErrNoStore", err)
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 0 {
		t.Errorf("OpenExisting created %v", ents)
	}
	dsns := []string{filepath.Join(dir, "made.db")}
	if url := os.Getenv("HFWARDEN_TEST_POSTGRES"); url != "" {
		empty := pgSchema(t, url)
		if st, err := OpenExisting(ctx, empty, nil); !errors.Is(err, ErrNoStore) {
			if err == nil {
				closeStore(t, st)
			}
			t.Errorf("OpenExisting of an empty PostgreSQL schema: %v, want ErrNoStore", err)
		}
		dsns = append(dsns, pgSchema(t, url))
	}
	for _, dsn := range dsns {
		st, err := Open(ctx, dsn, nil)
		if err != nil {
			t.Fatal(err)
		}
		closeStore(t, st)
		st, err = OpenExisting(ctx, dsn, nil)
		if err != nil {
			t.Fatalf("OpenExisting of a store: %v", err)
		}
		closeStore(t, st)
	}
}

// TestOpenReadOnlyUnwritable lists a store whose file and directory cannot
// be written, and checks that reading changed neither.
func TestOpenReadOnlyUnwritable(t *testing.T) {
	ctx := t.Context()
	dir := filepath.Join(t.TempDir(), "ro")
	path := filepath.Join(dir, "hfwarden.db")
	st := openTest(t, path)
	tok := fakeToken(newRand())
	if _, err := st.RecordScan(ctx, "s", []finding.Finding{tokenFinding(tok, "a.py", 1)}, t0); err != nil {
		t.Fatal(err)
	}
	closeStore(t, st)
	if err := os.Chmod(path, 0o444); err != nil {
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
	before, _ := os.ReadFile(path)
	ents0, _ := os.ReadDir(dir)

	ro, err := OpenReadOnly(ctx, path, nil)
	if err != nil {
		t.Fatalf("OpenReadOnly: %v", err)
	}
	incs, err := ro.Incidents(ctx, incident.Filter{})
	if err != nil || len(incs) != 1 {
		t.Fatalf("Incidents = %d, %v; want 1", len(incs), err)
	}
	if _, err := ro.RecordScan(ctx, "s2", []finding.Finding{tokenFinding(fakeToken(newRand()), "b.py", 1)}, t0); err == nil {
		t.Error("a read-only store recorded a scan")
	}
	closeStore(t, ro)

	fi, err := os.Stat(path)
	if err != nil || fi.Mode().Perm() != 0o444 {
		t.Errorf("database mode changed to %v (%v)", fi.Mode().Perm(), err)
	}
	after, _ := os.ReadFile(path)
	if sha256.Sum256(before) != sha256.Sum256(after) {
		t.Error("reading changed the database file")
	}
	// Root may write anywhere, so SQLite can leave its WAL files; anyone
	// else cannot, and the read falls back to the database file alone.
	if ents1, _ := os.ReadDir(dir); len(ents1) != len(ents0) && os.Geteuid() != 0 {
		t.Errorf("reading left files behind: %d entries, had %d", len(ents1), len(ents0))
	}
}

// TestOpenWrongKey: a key that cannot open the stored secrets is refused
// before it seals anything; a store with nothing sealed takes any key.
func TestOpenWrongKey(t *testing.T) {
	each(t, func(t *testing.T, st Store, dsn string) {
		ctx := t.Context()
		other, _ := seal.New(bytes.Repeat([]byte{7}, seal.KeySize))
		// Nothing sealed yet: any key opens it.
		st2, err := Open(ctx, dsn, other)
		if err != nil {
			t.Fatalf("Open of a store with no secret: %v", err)
		}
		closeStore(t, st2)
		if _, err := st.RecordScan(ctx, "s", []finding.Finding{tokenFinding(fakeToken(newRand()), "a.py", 1)}, t0); err != nil {
			t.Fatal(err)
		}
		if st3, err := Open(ctx, dsn, other); !errors.Is(err, ErrWrongKey) {
			if err == nil {
				closeStore(t, st3)
			}
			t.Fatalf("Open with the wrong key: %v, want ErrWrongKey", err)
		}
		// The right key and no key still open it.
		for _, s := range []*seal.Sealer{testSealer(t), nil} {
			st4, err := Open(ctx, dsn, s)
			if err != nil {
				t.Fatalf("Open: %v", err)
			}
			closeStore(t, st4)
		}
	})
}

// TestOpenReadOnlyNotOwner is TestOpenReadOnlyUnwritable for real: root
// may write anywhere, so the read runs again in this test binary as
// nobody, for whom the file and its directory are read-only.
func TestOpenReadOnlyNotOwner(t *testing.T) {
	if path := os.Getenv("HFWARDEN_TEST_RO_STORE"); path != "" {
		ro, err := OpenReadOnly(t.Context(), path, nil)
		if err != nil {
			t.Fatalf("OpenReadOnly as uid %d: %v", os.Geteuid(), err)
		}
		defer closeStore(t, ro)
		incs, err := ro.Incidents(t.Context(), incident.Filter{})
		if err != nil || len(incs) != 1 {
			t.Fatalf("Incidents = %d, %v; want 1", len(incs), err)
		}
		return
	}
	if os.Geteuid() != 0 || runtime.GOOS != "linux" {
		t.Skip("needs root to run the read as another user")
	}
	top, err := os.MkdirTemp("", "hfw-ro-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := os.Chmod(filepath.Join(top, "store"), 0o755); err != nil && !errors.Is(err, os.ErrNotExist) {
			t.Error(err)
		}
		if err := os.RemoveAll(top); err != nil {
			t.Error(err)
		}
	})
	if err := os.Chmod(top, 0o755); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(top, "store")
	path := filepath.Join(dir, "hfwarden.db")
	st, err := Open(t.Context(), path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.RecordScan(t.Context(), "s", []finding.Finding{tokenFinding(fakeToken(newRand()), "a.py", 1)}, t0); err != nil {
		t.Fatal(err)
	}
	closeStore(t, st)
	if err := os.Chmod(path, 0o444); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o555); err != nil {
		t.Fatal(err)
	}
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(top, "store.test")
	data, err := os.ReadFile(self)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bin, data, 0o755); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "-test.run=^TestOpenReadOnlyNotOwner$", "-test.v")
	cmd.Env = []string{"HFWARDEN_TEST_RO_STORE=" + path, "HOME=" + top, "PATH=" + os.Getenv("PATH")}
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "--- PASS") {
		t.Fatalf("reading as nobody: %v\n%s", err, out)
	}
	ents, _ := os.ReadDir(dir)
	if len(ents) != 1 {
		t.Errorf("the store's directory now holds %d entries", len(ents))
	}
}

// TestOpenReadOnlyPostgres: a read-only session lists and refuses writes.
func TestOpenReadOnlyPostgres(t *testing.T) {
	url := os.Getenv("HFWARDEN_TEST_POSTGRES")
	if url == "" {
		t.Skip(pgSkip)
	}
	ctx := t.Context()
	dsn := pgSchema(t, url)
	st := openTest(t, dsn)
	if _, err := st.RecordScan(ctx, "s", []finding.Finding{tokenFinding(fakeToken(newRand()), "a.py", 1)}, t0); err != nil {
		t.Fatal(err)
	}
	ro, err := OpenReadOnly(ctx, dsn, nil)
	if err != nil {
		t.Fatalf("OpenReadOnly: %v", err)
	}
	defer closeStore(t, ro)
	if incs, err := ro.Incidents(ctx, incident.Filter{}); err != nil || len(incs) != 1 {
		t.Fatalf("Incidents = %d, %v; want 1", len(incs), err)
	}
	if _, err := ro.RecordScan(ctx, "s2", []finding.Finding{tokenFinding(fakeToken(newRand()), "b.py", 1)}, t0); err == nil {
		t.Error("a read-only session recorded a scan")
	}
}
