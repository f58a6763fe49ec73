package sqlitedb

import (
	"bytes"
	"encoding/hex"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hfwarden/hfwarden/internal/source"
	"github.com/hfwarden/hfwarden/internal/source/sourcetest"
	"github.com/hfwarden/hfwarden/internal/testutil"
)

// sqliteDB builds a database with the sqlite3 tool (Debian: sqlite3)
// running script, and returns its path.
func sqliteDB(t testing.TB, script string) string {
	t.Helper()
	bin, err := exec.LookPath("sqlite3")
	if err != nil {
		t.Skip("sqlite3 not installed (Debian: sqlite3)")
	}
	p := filepath.Join(t.TempDir(), "app.db")
	cmd := exec.Command(bin, p)
	cmd.Stdin = strings.NewReader(script)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("sqlite3: %v: %s", err, out)
	}
	return p
}

// input is the Input the engine makes: a file in place, or a member.
func input(t testing.TB, p string, data []byte, onDisk bool) *source.Input {
	t.Helper()
	head := data[:min(len(data), source.SniffLen)]
	in := &source.Input{
		Item:   source.Item{Prov: source.FileProvenance("file", "app.db"), Name: "app.db", Size: int64(len(data))},
		Head:   head,
		R:      bytes.NewReader(data[len(head):]),
		Budget: source.NewBudget(source.Limits{}),
	}
	if onDisk {
		in.Path, in.RA = p, bytes.NewReader(data)
	}
	return in
}

// found maps each secret reported to the paths it was reported at.
func found(h *sourcetest.Host) map[string][]string {
	out := map[string][]string{}
	for _, r := range h.Reports {
		for _, s := range r.Secrets {
			out[s] = append(out[s], r.Chunk.Prov.Path)
		}
	}
	return out
}

// TestReader: text values are found by table, column and rowid; a blob
// is handed on as a member; a deleted row is found in the raw bytes; a
// WITHOUT ROWID table's rows are numbered; a view is not read again;
// nothing is found twice.
func TestReader(t *testing.T) {
	tok := testutil.FakeTokens(t, 0x5d1, 5)
	p := sqliteDB(t, `PRAGMA secure_delete=OFF;
CREATE TABLE cookies(host_key TEXT, name TEXT, value TEXT, encrypted_value BLOB, expires_utc INTEGER);
INSERT INTO cookies VALUES('huggingface.co', 'token', '`+tok[0]+`', X'00', 13300000000000000);
INSERT INTO cookies VALUES('example.com', 'sid', 'abc', X'`+hex.EncodeToString([]byte("\x00\x01"+tok[1]+"\x00"))+`', 0);
CREATE VIEW hf_cookies AS SELECT * FROM cookies WHERE host_key LIKE '%huggingface%';
CREATE TABLE kv(k TEXT PRIMARY KEY, v TEXT) WITHOUT ROWID;
INSERT INTO kv VALUES('a', 'nothing'), ('b', 'HF_TOKEN=`+tok[2]+`');
CREATE TABLE history(id INTEGER PRIMARY KEY, cmd TEXT);
INSERT INTO history VALUES(7, 'echo hi');
INSERT INTO history VALUES(9, 'huggingface-cli login --token `+tok[3]+`');
DELETE FROM history WHERE id = 9;
CREATE TABLE stamps(at DATETIME);
INSERT INTO stamps VALUES('`+tok[4]+`');
`)
	data, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	for _, onDisk := range []bool{true, false} {
		t.Run(map[bool]string{true: "on disk", false: "member"}[onDisk], func(t *testing.T) {
			h := sourcetest.New()
			if err := Reader().Open(t.Context(), input(t, p, data, onDisk), h); err != nil {
				t.Fatal(err)
			}
			if len(h.Failures) != 0 {
				t.Errorf("failures: %q", h.Failures)
			}
			got := found(h)
			for s, want := range map[string]string{
				tok[0]: "app.db!cookies/value/1",
				tok[2]: "app.db!kv/v/#2",
				tok[3]: "app.db", // deleted: only the raw bytes hold it
				tok[4]: "app.db!stamps/at/1",
			} {
				if !slices.Equal(got[s], []string{want}) {
					t.Errorf("token at %q, want [%s]", got[s], want)
				}
			}
			var blob *sourcetest.Member
			for i, m := range h.Members {
				if m.Item.Prov.Path == "app.db!cookies/encrypted_value/2" {
					blob = &h.Members[i]
				}
			}
			if blob == nil || blob.Item.Text || blob.Data != "\x00\x01"+tok[1]+"\x00" || blob.Depth != 1 {
				t.Errorf("blob member: %+v", blob)
			}
			// The blob's token is the registry's to find (in the engine);
			// the raw pass has it too, at the file.
			if !slices.Equal(got[tok[1]], []string{"app.db"}) {
				t.Errorf("blob token at %q", got[tok[1]])
			}
			if len(h.Scanned) != 1 || !h.Scanned[0].Bytes.Binary || !h.Scanned[0].Bytes.Rescan || h.Scanned[0].Data != string(data) {
				t.Errorf("raw pass: %d scans", len(h.Scanned))
			}
		})
	}
}

// TestReaderCorrupt: bytes that only start like a database give one
// error line and are scanned as they are.
func TestReaderCorrupt(t *testing.T) {
	tok := testutil.FakeTokens(t, 0x5d2, 1)[0]
	r := rand.New(rand.NewPCG(1, 2))
	random := make([]byte, 8192)
	for i := range random {
		random[i] = byte(r.UintN(256))
	}
	for _, tc := range []struct {
		name string
		data []byte
		want []string
	}{
		{"random", append([]byte(Magic), random...), nil},
		{"header only", []byte(Magic), nil},
		{"token after the header", append(append([]byte(Magic), random[:200]...), " "+tok+" "...), []string{tok}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := filepath.Join(t.TempDir(), "app.db")
			if err := os.WriteFile(p, tc.data, 0o600); err != nil {
				t.Fatal(err)
			}
			for _, onDisk := range []bool{true, false} {
				h := sourcetest.New()
				if err := Reader().Open(t.Context(), input(t, p, tc.data, onDisk), h); err != nil {
					t.Fatal(err)
				}
				if len(h.Failures) != 1 || strings.Contains(h.Failures[0], "\n") || !strings.HasSuffix(h.Failures[0], "its bytes were scanned as they are") {
					t.Errorf("failures: %q", h.Failures)
				}
				if len(h.Scanned) != 1 || h.Scanned[0].Bytes.Rescan || h.Scanned[0].Data != string(tc.data) {
					t.Errorf("raw pass: %+v", h.Scanned)
				}
				if got := h.Secrets(); !slices.Equal(got, tc.want) {
					t.Errorf("secrets %q, want %q", got, tc.want)
				}
			}
		})
	}
}

// TestReaderNoTokens: a database without tokens reports nothing.
func TestReaderNoTokens(t *testing.T) {
	p := sqliteDB(t, `CREATE TABLE t(a TEXT, b BLOB, c REAL);
INSERT INTO t VALUES('hf_short', randomblob(4096), 1.5);
INSERT INTO t VALUES('`+strings.Repeat("x", 5000)+`', X'1f8b0800', 2);`)
	data, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	h := sourcetest.New()
	if err := Reader().Open(t.Context(), input(t, p, data, true), h); err != nil {
		t.Fatal(err)
	}
	if len(h.Reports) != 0 || len(h.Failures) != 0 {
		t.Errorf("reports %+v, failures %q", h.Reports, h.Failures)
	}
	if len(h.Members) != 4 {
		t.Errorf("want 4 values, got %d", len(h.Members))
	}
}

// TestFileURI: a path with the characters a URI gives meaning to still
// names the file.
func TestFileURI(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"a?b.db", "c#d.db", "e%20f.db", "g h.db"} {
		p := sqliteDB(t, "CREATE TABLE t(x TEXT); INSERT INTO t VALUES('v');")
		q := filepath.Join(dir, name)
		if err := os.Rename(p, q); err != nil {
			t.Fatal(err)
		}
		data, err := os.ReadFile(q)
		if err != nil {
			t.Fatal(err)
		}
		h := sourcetest.New()
		if err := Reader().Open(t.Context(), input(t, q, data, true), h); err != nil {
			t.Fatal(err)
		}
		if len(h.Failures) != 0 || len(h.Members) != 1 || h.Members[0].Data != "v" {
			t.Errorf("%s: failures %q, members %+v", name, h.Failures, h.Members)
		}
	}
}

// FuzzReader: any bytes after the magic give no panic, and the raw pass
// always runs.
func FuzzReader(f *testing.F) {
	f.Add([]byte(Magic))
	f.Add(append([]byte(Magic), make([]byte, 100)...))
	if bin, err := exec.LookPath("sqlite3"); err == nil {
		p := filepath.Join(f.TempDir(), "seed.db")
		cmd := exec.Command(bin, p)
		cmd.Stdin = strings.NewReader("CREATE TABLE t(a TEXT, b BLOB); INSERT INTO t VALUES('x', X'00'); CREATE TABLE w(k TEXT PRIMARY KEY) WITHOUT ROWID; INSERT INTO w VALUES('y');")
		if err := cmd.Run(); err == nil {
			if data, err := os.ReadFile(p); err == nil {
				f.Add(data)
			}
		}
	}
	h := sourcetest.New() // its detectors take long to build: one for all
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 1<<20 {
			return
		}
		data = append([]byte(Magic), data[min(len(data), len(Magic)):]...)
		h.Members, h.Scanned, h.Reports, h.Warnings, h.Failures = nil, nil, nil, nil, nil
		testutil.CheckCost(t, "a database", 2*time.Second, 256<<20, func() {
			if err := Reader().Open(t.Context(), input(t, "", data, false), h); err != nil {
				t.Fatal(err)
			}
		})
		if len(h.Scanned) != 1 {
			t.Fatalf("raw pass: %d", len(h.Scanned))
		}
	})
}
