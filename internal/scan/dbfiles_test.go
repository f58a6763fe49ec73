package scan

import (
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// sqliteFile builds a database with the sqlite3 tool (Debian: sqlite3).
func sqliteFile(t *testing.T, script string) []byte {
	t.Helper()
	bin, err := exec.LookPath("sqlite3")
	if err != nil {
		t.Skip("sqlite3 not installed (Debian: sqlite3)")
	}
	p := filepath.Join(t.TempDir(), "build.db")
	cmd := exec.Command(bin, p)
	cmd.Stdin = strings.NewReader(script)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("sqlite3: %v: %s", err, out)
	}
	data, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// TestSQLite scans databases the way a user points scan at a home
// directory: a browser-like cookie store on disk, the same inside a
// tar.gz, a zip in a blob. Each token is found once, at its table,
// column and row, or in the raw bytes for a deleted row.
func TestSQLite(t *testing.T) {
	g := newTokenGen(0x5d3)
	tok := g.Tokens(t, 4)
	zipBlob := zipOf(t, entry{"config/token", []byte("HF_TOKEN=" + tok[2] + "\n")})
	db := sqliteFile(t, `PRAGMA secure_delete=OFF;
CREATE TABLE cookies(host_key TEXT, name TEXT, value TEXT, expires_utc INTEGER);
INSERT INTO cookies VALUES('.huggingface.co', 'token', 'x `+tok[0]+`', 0);
CREATE VIEW v AS SELECT * FROM cookies;
CREATE TABLE files(name TEXT, data BLOB);
INSERT INTO files VALUES('cfg.zip', X'`+hex.EncodeToString(zipBlob)+`');
CREATE TABLE history(cmd TEXT);
INSERT INTO history VALUES('export HF_TOKEN=`+tok[1]+` ');
INSERT INTO history VALUES('hfwarden scan ~ `+tok[3]+` ');
DELETE FROM history WHERE rowid = 2;
`)
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "Cookies"), db)
	writeFile(t, filepath.Join(dir, "home.tar.gz"), gzipOf(t, tarOf(t, entry{".cache/app/state.db", db})))
	fs, st := run(t, Options{ShowSecrets: true}, dir)
	if st.Errors != 0 {
		t.Fatalf("errors: %q", st.ErrorList)
	}
	for i, want := range []string{
		"Cookies!cookies/value/1:1:3",
		"Cookies!history/cmd/1:1:17",
		"Cookies!files/data/1!config/token:1:10",
		"Cookies @offset ", // deleted: the raw bytes alone hold it
	} {
		for _, prefix := range []string{"", "home.tar.gz!.cache/app/state.db"} {
			w := want
			if prefix != "" {
				w = prefix + strings.TrimPrefix(want, "Cookies")
			}
			var locs []string
			for _, f := range bySecret(fs, tok[i]) {
				rel, _ := filepath.Rel(dir, f.Location.Path)
				if !strings.HasPrefix(rel, strings.TrimSuffix(strings.SplitN(w, "!", 2)[0], " @offset ")) {
					continue
				}
				if f.Location.Line == 0 {
					locs = append(locs, fmt.Sprintf("%s @offset %d", rel, f.Location.Offset))
				} else {
					locs = append(locs, fmt.Sprintf("%s:%d:%d", rel, f.Location.Line, f.Location.Column))
				}
			}
			if len(locs) != 1 || !strings.HasPrefix(locs[0], w) {
				t.Errorf("token %d at %q, want one at %s", i, locs, w)
			}
		}
	}
	if len(fs) != 8 {
		t.Errorf("want 8 findings, got %d:%s", len(fs), describe(fs))
	}
}

// TestSQLiteNoTokens: random bytes behind the magic and a database of
// random blobs report nothing; the broken one is one error.
func TestSQLiteNoTokens(t *testing.T) {
	db := sqliteFile(t, `CREATE TABLE t(a TEXT, b BLOB);
INSERT INTO t VALUES('hf_', randomblob(20000));
INSERT INTO t VALUES(hex(randomblob(3000)), randomblob(300));`)
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "ok.db"), db)
	broken := append([]byte("SQLite format 3\x00"), db[100:]...)
	writeFile(t, filepath.Join(dir, "broken.db"), broken)
	fs, st := run(t, Options{ShowSecrets: true}, dir)
	if len(fs) != 0 {
		t.Errorf("findings:%s", describe(fs))
	}
	if st.Errors != 1 || !strings.Contains(st.ErrorList[0], "broken.db: ") {
		t.Errorf("errors: %q", st.ErrorList)
	}
}

// TestPyc scans a __pycache__ as written by python3 -m py_compile (Debian:
// python3), on disk and inside a zip: each token once, at the code object
// that holds it, its line the constant's among the code object's strings;
// one joined from a list's parts is found in them.
func TestPyc(t *testing.T) {
	python, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("python3 not installed (Debian: python3)")
	}
	g := newTokenGen(0x9c4)
	tok := g.Tokens(t, 3)
	dir := t.TempDir()
	src := filepath.Join(dir, "src")
	writeFile(t, filepath.Join(src, "settings.py"), []byte(`"""Settings."""
def client():
    return "`+tok[0]+`"

class Hub:
    def login(self):
        return ("user", b"`+tok[1]+`")

PARTS = ["`+tok[2][:11]+`", "`+tok[2][11:]+`"]
`))
	if out, err := exec.Command(python, "-m", "py_compile", filepath.Join(src, "settings.py")).CombinedOutput(); err != nil {
		t.Fatalf("py_compile: %v: %s", err, out)
	}
	pycs, err := filepath.Glob(filepath.Join(src, "__pycache__", "settings.*.pyc"))
	if err != nil || len(pycs) != 1 {
		t.Fatalf("compiled: %v %v", pycs, err)
	}
	data, err := os.ReadFile(pycs[0])
	if err != nil {
		t.Fatal(err)
	}
	if err := os.RemoveAll(src); err != nil {
		t.Fatal(err)
	}
	name := filepath.Base(pycs[0])
	writeFile(t, filepath.Join(dir, name), data)
	writeFile(t, filepath.Join(dir, "cache.zip"), zipOf(t, entry{"__pycache__/" + name, data}))
	fs, st := run(t, Options{ShowSecrets: true}, dir)
	if st.Errors != 0 {
		t.Fatalf("errors: %q", st.ErrorList)
	}
	for i, want := range []string{"!client:1:2", "!Hub.login:2:3", "!<module>:"} {
		for _, at := range []string{name, "cache.zip!__pycache__/" + name} {
			var locs []string
			for _, f := range bySecret(fs, tok[i]) {
				if rel, _ := filepath.Rel(dir, f.Location.Path); strings.HasPrefix(rel, at+"!") {
					locs = append(locs, fmt.Sprintf("%s:%d:%d", rel, f.Location.Line, f.Location.Column))
				}
			}
			if len(locs) != 1 || !strings.HasPrefix(locs[0], at+want) {
				t.Errorf("token %d at %q, want one at %s%s", i, locs, at, want)
			}
		}
	}
	if len(fs) != 6 {
		t.Errorf("want 6 findings, got %d:%s", len(fs), describe(fs))
	}
	if split := bySecret(fs, tok[2]); len(split) == 0 || !split[0].Split {
		t.Errorf("joined token not split: %+v", split)
	}
}
