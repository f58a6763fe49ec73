package cli_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hfwarden/hfwarden/internal/hub"
	"github.com/hfwarden/hfwarden/internal/pin"
)

func TestPinAndVerify(t *testing.T) {
	url, toks := startSim(t)
	alice := toks["sim-alice-write"]
	t.Setenv("HF_TOKEN", "") // no token unless a test gives one
	t.Setenv("PIN_TEST_TOKEN", alice)
	dir := t.TempDir()
	lock := filepath.Join(dir, "hfwarden.lock")
	db := filepath.Join(dir, "store", "hfwarden.db")
	const model, data = "alice/sim-sentiment-model", "alice/sim-private-notes"

	// A public model needs no token.
	r := runCLI(t, "", "pin", "--endpoint", url, "--lock", lock, "--store", "--db", db, model)
	if r.code != 0 || !strings.Contains(r.stdout, "pinned model "+model+" at ") {
		t.Fatalf("pin model: %+v", r)
	}
	// A private dataset does: without one it fails, and the lock keeps the model.
	if r := runCLI(t, "", "pin", "--endpoint", url, "--lock", lock, "--type", "dataset", data); r.code != 2 || strings.Count(r.stderr, "\n") != 2 || !strings.Contains(r.stderr, "without a token") {
		t.Fatalf("private dataset without a token: %+v", r)
	}
	r = runCLI(t, "", "pin", "--endpoint", url, "--lock", lock, "--store", "--db", db, "--type", "dataset", "--token-env", "PIN_TEST_TOKEN", data)
	if r.code != 0 {
		t.Fatalf("pin dataset: %+v", r)
	}
	l, err := pin.ReadLock(lock)
	if err != nil || len(l.Pins) != 2 {
		t.Fatalf("lock: %+v %v", l, err)
	}
	m, ok := l.Get("model", model)
	if !ok || len(m.Commit) != 40 || len(m.Files) != 3 {
		t.Fatalf("model pin: %+v", m)
	}
	var weights pin.File
	for _, f := range m.Files {
		if f.Path == "model.safetensors" {
			weights = f
		}
	}
	if len(weights.LFSSHA256) != 64 || weights.Size != 4200 { // the demo's 4,200-byte safetensors
		t.Fatalf("LFS file pinned as %+v", weights)
	}
	raw, _ := os.ReadFile(lock)
	if strings.Contains(string(raw), alice) {
		t.Fatal("the token is in the lock")
	}

	verify := func(args ...string) result {
		return runCLI(t, "", append([]string{"verify-pin", "--endpoint", url, "--lock", lock, "--token-env", "PIN_TEST_TOKEN"}, args...)...)
	}
	if r := verify(); r.code != 0 || strings.Count(r.stdout, ": OK at ") != 2 {
		t.Fatalf("untouched: %+v", r)
	}

	// Replace the LFS weights through the upload API.
	c, err := hub.New(hub.Options{Endpoint: url, RatePerSecond: -1})
	if err != nil {
		t.Fatal(err)
	}
	res, err := c.Commit(t.Context(), alice, hub.RepoModel, model, "main", "swap weights", map[string][]byte{"model.safetensors": []byte("not the weights you pinned\n")}, nil)
	if err != nil {
		t.Fatal(err)
	}
	now, err := pin.Snapshot(t.Context(), c, "", hub.RepoModel, model, "main")
	if err != nil {
		t.Fatal(err)
	}
	var newID string
	for _, f := range now.Files {
		if f.Path == "model.safetensors" {
			newID = f.BlobID
		}
	}

	r = verify("-f", "json")
	if r.code != 1 {
		t.Fatalf("after the commit: %+v", r)
	}
	var out struct {
		Results []struct {
			Repo, Type   string
			PinnedCommit string `json:"pinned_commit"`
			Commit       string
			Diffs        []pin.Diff
		}
	}
	if err := json.Unmarshal([]byte(r.stdout), &out); err != nil || len(out.Results) != 2 {
		t.Fatalf("json: %v\n%s", err, r.stdout)
	}
	byRepo := map[string]int{}
	for i, res := range out.Results {
		byRepo[res.Repo] = i
	}
	got := out.Results[byRepo[model]]
	want := []pin.Diff{
		{Kind: pin.CommitChanged, Want: m.Commit, Got: res.CommitOID},
		{Kind: pin.Modified, Path: "model.safetensors", Want: weights.LFSSHA256, Got: newID},
	}
	if got.PinnedCommit != m.Commit || got.Commit != res.CommitOID || len(got.Diffs) != 2 || got.Diffs[0] != want[0] || got.Diffs[1] != want[1] {
		t.Fatalf("model result: %+v\nwant diffs %+v", got, want)
	}
	if d := out.Results[byRepo[data]]; d.Diffs == nil || len(d.Diffs) != 0 {
		t.Fatalf("the dataset should match: %+v", d)
	}

	r = verify()
	if r.code != 1 || !strings.Contains(r.stdout, "modified") || !strings.Contains(r.stdout, weights.LFSSHA256+" -> "+newID) {
		t.Fatalf("text: %+v", r)
	}
	// Only the dataset: it matches.
	if r := verify(data); r.code != 0 || strings.Contains(r.stdout, model) {
		t.Fatalf("only the dataset: %+v", r)
	}
	// The store holds the same pins.
	if r := verify("--store", "--db", db); r.code != 1 || !strings.Contains(r.stdout, "modified") {
		t.Fatalf("from the store: %+v", r)
	}
	if r := verify("acme/not-pinned"); r.code != 2 || !strings.Contains(r.stderr, "not pinned") {
		t.Fatalf("a repository not pinned: %+v", r)
	}

	// Pinning again moves the pin to the new commit.
	if r := runCLI(t, "", "pin", "--endpoint", url, "--lock", lock, model); r.code != 0 {
		t.Fatalf("re-pin: %+v", r)
	}
	if r := verify(); r.code != 0 {
		t.Fatalf("after re-pinning: %+v", r)
	}
}

func TestPinErrors(t *testing.T) {
	url, _ := startSim(t)
	t.Setenv("HF_TOKEN", "")
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.lock")
	write(t, bad, `{"version": 1, "pins": [`)
	tok := fakeTokens(t, 1, 1)[0]
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"malformed lock", []string{"verify-pin", "--endpoint", url, "--lock", bad}, bad + ": malformed JSON"},
		{"malformed lock on pin", []string{"pin", "--endpoint", url, "--lock", bad, "alice/sim-sentiment-model"}, bad + ": malformed JSON"},
		{"no lock", []string{"verify-pin", "--endpoint", url, "--lock", filepath.Join(dir, "none.lock")}, "no lock file"},
		{"token as argument", []string{"pin", "--endpoint", url, tok}, "looks like a token"},
		{"not a repo id", []string{"pin", "--endpoint", url, "just-a-name"}, "not a repository id"},
		{"no repo", []string{"pin", "--endpoint", url}, "at least one repository"},
		{"bad type", []string{"pin", "--endpoint", url, "--type", "modle", "a/b"}, "--type must be"},
		{"missing repo", []string{"pin", "--endpoint", url, "--lock", filepath.Join(dir, "x.lock"), "alice/no-such-model"}, "alice/no-such-model"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := runCLI(t, "", tc.args...)
			if r.code != 2 || !strings.Contains(r.stderr, tc.want) || strings.Contains(r.stderr, tok) || r.stdout != "" {
				t.Fatalf("got %+v, want exit 2 and %q", r, tc.want)
			}
			if tc.name == "malformed lock" && strings.Count(r.stderr, "\n") != 1 {
				t.Fatalf("want one line: %q", r.stderr)
			}
		})
	}
	if _, err := os.Stat(filepath.Join(dir, "x.lock")); !os.IsNotExist(err) {
		t.Fatalf("a lock was written though nothing was pinned: %v", err)
	}
}

// TestPinLockNotAFile: a --lock path that is a symbolic link, a device or
// a FIFO is refused (exit 2) before anything is pinned, and what it
// points at is left as it was.
func TestPinLockNotAFile(t *testing.T) {
	url, _ := startSim(t)
	t.Setenv("HF_TOKEN", "")
	dir := t.TempDir()
	real := filepath.Join(dir, "real.lock")
	r := runCLI(t, "", "pin", "--endpoint", url, "--lock", real, "alice/sim-sentiment-model")
	if r.code != 0 {
		t.Fatalf("pin: %+v", r)
	}
	before, _ := os.ReadFile(real)
	link := filepath.Join(dir, "link.lock")
	if err := os.Symlink(real, link); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{link, os.DevNull} {
		r := runCLI(t, "", "pin", "--endpoint", url, "--lock", path, "alice/sim-sentiment-model")
		if r.code != 2 || !strings.Contains(r.stderr, "not a regular file") || strings.Count(r.stderr, "\n") != 1 || r.stdout != "" {
			t.Errorf("--lock %s: %+v, want exit 2 with one line and nothing pinned", path, r)
		}
	}
	if fi, err := os.Lstat(link); err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Errorf("the link was replaced: %v %v", fi, err)
	}
	if after, _ := os.ReadFile(real); string(after) != string(before) {
		t.Error("the link's target changed")
	}
}
