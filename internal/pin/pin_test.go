package pin

import (
	"crypto/sha1"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/hfwarden/hfwarden/internal/hub"
	"github.com/hfwarden/hfwarden/internal/hubsim"
	"github.com/hfwarden/hfwarden/internal/testutil"
)

func TestLockRoundTrip(t *testing.T) {
	path := filepath.Join(t.TempDir(), "hfwarden.lock")
	l, err := ReadLock(path)
	if err != nil || len(l.Pins) != 0 {
		t.Fatalf("missing lock: %+v %v", l, err)
	}
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	l.Put(Manifest{Repo: "b/x", Type: "model", Revision: "main", Commit: "c1", PinnedAt: at,
		Files: []File{{Path: "z.txt", BlobID: "o2", Size: 2}, {Path: "a.bin", BlobID: "o1", LFSSHA256: "s1", Size: 9}}})
	l.Put(Manifest{Repo: "a/y", Type: "model", Revision: "main", Commit: "c2", PinnedAt: at, Files: []File{}})
	l.Put(Manifest{Repo: "a/d", Type: "dataset", Revision: "main", Commit: "c3", PinnedAt: at, Files: []File{}})
	// Replacing keeps one pin per type+repo.
	l.Put(Manifest{Repo: "a/y", Type: "model", Revision: "main", Commit: "c4", PinnedAt: at, Files: []File{}})
	if err := l.Write(path); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	if !strings.HasSuffix(s, "}\n") || !strings.Contains(s, "\n  \"pins\": [\n") {
		t.Fatalf("not indented JSON with a trailing newline:\n%s", s)
	}
	if i, j, k := strings.Index(s, `"a/d"`), strings.Index(s, `"a/y"`), strings.Index(s, `"b/x"`); !(i < j && j < k) {
		t.Fatalf("pins not sorted by type then repo:\n%s", s)
	}
	if strings.Index(s, `"a.bin"`) > strings.Index(s, `"z.txt"`) {
		t.Fatalf("files not sorted by path:\n%s", s)
	}
	if strings.Contains(s, `"c2"`) {
		t.Fatal("replaced pin still in the lock")
	}
	entries, _ := os.ReadDir(filepath.Dir(path))
	if len(entries) != 1 {
		t.Fatalf("temporary files left behind: %v", entries)
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o644 {
		t.Fatalf("lock mode: %v %v", fi.Mode(), err)
	}
	back, err := ReadLock(path)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back, l) {
		t.Fatalf("round trip:\n%+v\n%+v", back, l)
	}
	m, ok := back.Get("model", "a/y")
	if !ok || m.Commit != "c4" {
		t.Fatalf("Get: %+v %v", m, ok)
	}
	if _, ok := back.Get("dataset", "a/y"); ok {
		t.Fatal("Get matched another type")
	}
	// Writing again gives the same bytes: the file diffs cleanly.
	if err := back.Write(path); err != nil {
		t.Fatal(err)
	}
	if again, _ := os.ReadFile(path); string(again) != s {
		t.Fatal("rewriting changed the lock")
	}
}

func TestReadLockErrors(t *testing.T) {
	for _, tc := range []struct{ name, text, want string }{
		{"not json", "pins: []", "malformed JSON"},
		{"truncated", `{"version":1,"pins":[`, "malformed JSON"},
		{"unknown field", `{"version":1,"pins":[],"extra":1}`, "malformed JSON"},
		{"trailing", `{"version":1,"pins":[]} {}`, "trailing data"},
		{"version", `{"version":7,"pins":[]}`, "unsupported version 7"},
		{"type", `{"version":1,"pins":[{"repo":"a/b","type":"modle","commit":"c"}]}`, `bad type "modle"`},
		{"commit", `{"version":1,"pins":[{"repo":"a/b","type":"model"}]}`, "no commit"},
		{"file", `{"version":1,"pins":[{"repo":"a/b","type":"model","commit":"c","files":[{"path":"x"}]}]}`, "without path or oid"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "hfwarden.lock")
			if err := os.WriteFile(path, []byte(tc.text), 0o644); err != nil {
				t.Fatal(err)
			}
			_, err := ReadLock(path)
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), path) || strings.Contains(err.Error(), "\n") {
				t.Fatalf("got %v, want one line naming the file and %q", err, tc.want)
			}
		})
	}
}

func TestCompare(t *testing.T) {
	base := Manifest{Commit: "c1", Files: []File{
		{Path: "a.txt", BlobID: "b1", Size: 1},
		{Path: "m.bin", BlobID: "p1", LFSSHA256: "s1", Size: 10},
		{Path: "z.txt", BlobID: "b3", Size: 3},
	}}
	with := func(commit string, files ...File) *Manifest { return &Manifest{Commit: commit, Files: files} }
	for _, tc := range []struct {
		name string
		now  *Manifest
		want []Diff
	}{
		{"identical", with("c1", base.Files...), nil},
		{"commit only", with("c2", base.Files...), []Diff{{Kind: CommitChanged, Want: "c1", Got: "c2"}}},
		{"modified plain", with("c2", File{Path: "a.txt", BlobID: "b9", Size: 1}, base.Files[1], base.Files[2]),
			[]Diff{{Kind: CommitChanged, Want: "c1", Got: "c2"}, {Kind: Modified, Path: "a.txt", Want: "b1", Got: "b9"}}},
		{"modified lfs", with("c1", base.Files[0], File{Path: "m.bin", BlobID: "p2", LFSSHA256: "s2", Size: 10}, base.Files[2]),
			[]Diff{{Kind: Modified, Path: "m.bin", Want: "s1", Got: "s2"}}},
		{"lfs to plain", with("c1", base.Files[0], File{Path: "m.bin", BlobID: "b7", Size: 10}, base.Files[2]),
			[]Diff{{Kind: Modified, Path: "m.bin", Want: "s1", Got: "b7"}}},
		{"size only", with("c1", base.Files[0], base.Files[1], File{Path: "z.txt", BlobID: "b3", Size: 4}),
			[]Diff{{Kind: Modified, Path: "z.txt", Want: "b3", Got: "b3"}}},
		{"added and removed", with("c1", File{Path: "0.txt", BlobID: "n", Size: 1}, base.Files[1], base.Files[2]),
			[]Diff{{Kind: Added, Path: "0.txt", Got: "n"}, {Kind: Removed, Path: "a.txt", Want: "b1"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := Compare(&base, tc.now)
			if !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("got %+v\nwant %+v", got, tc.want)
			}
		})
	}
}

// gitBlobID is git's object id of a blob.
func gitBlobID(b []byte) string {
	h := sha1.New()
	fmt.Fprintf(h, "blob %d\x00", len(b))
	h.Write(b)
	return hex.EncodeToString(h.Sum(nil))
}

func TestSnapshotAgainstSimulator(t *testing.T) {
	ctx := t.Context()
	sc := hubsim.DemoScenario()
	_, url := testutil.StartHub(t, sc, hubsim.Options{RateLimit: -1})
	var alice string
	for _, tk := range sc.Tokens {
		if tk.DisplayName == "sim-alice-write" {
			alice = tk.Token
		}
	}
	// One entry a page forces Snapshot through the tree's pagination.
	c, err := hub.New(hub.Options{Endpoint: url, RatePerSecond: -1, PageSize: 1})
	if err != nil {
		t.Fatal(err)
	}
	const repo = "alice/sim-private-notes" // README.md, config.json, data/train.bin (LFS)
	pinned, err := Snapshot(ctx, c, alice, hub.RepoDataset, repo, "")
	if err != nil {
		t.Fatal(err)
	}
	if pinned.Repo != repo || pinned.Type != hub.RepoDataset || pinned.Revision != "main" || len(pinned.Commit) != 40 {
		t.Fatalf("manifest header: %+v", pinned)
	}
	var paths []string
	for _, f := range pinned.Files {
		paths = append(paths, f.Path)
		d, err := c.DownloadFile(ctx, alice, hub.RepoDataset, repo, pinned.Commit, f.Path, 1<<20)
		if err != nil {
			t.Fatal(err)
		}
		if f.Size != int64(len(d.Data)) {
			t.Errorf("%s: size %d, content %d bytes", f.Path, f.Size, len(d.Data))
		}
		if f.Path == "data/train.bin" {
			sum := sha256.Sum256(d.Data)
			// The blob git stores for an LFS file is its pointer.
			pointer := fmt.Sprintf("version https://git-lfs.github.com/spec/v1\noid sha256:%x\nsize %d\n", sum, len(d.Data))
			if f.LFSSHA256 != hex.EncodeToString(sum[:]) || f.BlobID != gitBlobID([]byte(pointer)) {
				t.Errorf("LFS file: %+v, content sha256 %x", f, sum)
			}
		} else if f.LFSSHA256 != "" || f.BlobID != gitBlobID(d.Data) {
			t.Errorf("%s: %+v, git blob id of content %s", f.Path, f, gitBlobID(d.Data))
		}
	}
	if want := []string{"README.md", "config.json", "data/train.bin"}; !reflect.DeepEqual(paths, want) {
		t.Fatalf("files %v, want %v", paths, want)
	}

	same, err := Snapshot(ctx, c, alice, hub.RepoDataset, repo, "main")
	if err != nil {
		t.Fatal(err)
	}
	if d := Compare(pinned, same); len(d) != 0 {
		t.Fatalf("untouched repository differs: %+v", d)
	}

	content := []byte("new training data\n")
	res, err := c.Commit(ctx, alice, hub.RepoDataset, repo, "main", "replace data", map[string][]byte{"data/train.bin": content}, nil)
	if err != nil {
		t.Fatal(err)
	}
	now, err := Snapshot(ctx, c, alice, hub.RepoDataset, repo, "main")
	if err != nil {
		t.Fatal(err)
	}
	old, _ := pinned.file("data/train.bin")
	want := []Diff{
		{Kind: CommitChanged, Want: pinned.Commit, Got: res.CommitOID},
		{Kind: Modified, Path: "data/train.bin", Want: old.LFSSHA256, Got: gitBlobID(content)},
	}
	if d := Compare(pinned, now); !reflect.DeepEqual(d, want) {
		t.Fatalf("after the commit: %+v\nwant %+v", d, want)
	}

	if _, err := Snapshot(ctx, c, alice, hub.RepoDataset, "alice/no-such-repo", ""); err == nil || !strings.Contains(err.Error(), "alice/no-such-repo") {
		t.Fatalf("missing repository: %v", err)
	}
}

// file finds a file of a manifest by path (test helper).
func (m *Manifest) file(path string) (File, bool) {
	for _, f := range m.Files {
		if f.Path == path {
			return f, true
		}
	}
	return File{}, false
}

// TestLockFileBounds: a lock past MaxLockSize is an error, not read into
// memory; Write never renames over a link or a device.
func TestLockFileBounds(t *testing.T) {
	dir := t.TempDir()
	big := filepath.Join(dir, "big.lock")
	f, err := os.Create(big)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(MaxLockSize + 1); err != nil { // sparse: no disk used
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadLock(big); err == nil || !strings.Contains(err.Error(), "more than") {
		t.Errorf("oversized lock: %v", err)
	}

	real := filepath.Join(dir, "real.lock")
	if err := (&Lock{}).Write(real); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "link.lock")
	if err := os.Symlink(real, link); err != nil {
		t.Fatal(err)
	}
	if err := (&Lock{}).Write(link); err == nil {
		t.Error("Write replaced a symbolic link")
	}
	if fi, err := os.Lstat(link); err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Errorf("the link is gone: %v", err)
	}
	if matches, _ := filepath.Glob(filepath.Join(dir, ".*")); len(matches) != 0 {
		t.Errorf("temporary files left: %v", matches)
	}
}
