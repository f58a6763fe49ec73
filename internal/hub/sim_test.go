package hub_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/hfwarden/hfwarden/internal/hub"
	"github.com/hfwarden/hfwarden/internal/hubsim"
	"github.com/hfwarden/hfwarden/internal/testutil"
)

// TestAgainstSimulator runs the Go client through the conformance list of
// the npm client's test (test/conformance) against the same simulator:
// whoami, a listing of several pages, repo info, files, commits, download
// and upload.
func TestAgainstSimulator(t *testing.T) {
	ctx := t.Context()
	sc := hubsim.DemoScenario()
	srv, url := testutil.StartHub(t, sc, hubsim.Options{RateLimit: -1})
	tok := testutil.HubTokens(sc)
	// Pages of one repository force the client through Link pagination.
	c, err := hub.New(hub.Options{Endpoint: url, RatePerSecond: -1, PageSize: 1})
	if err != nil {
		t.Fatal(err)
	}
	alice, bob := tok["sim-alice-write"], tok["sim-bob-read"]

	w, err := c.WhoAmI(ctx, alice)
	if err != nil || w.Name != "alice" || w.Auth.AccessToken.Role != "write" || len(w.Orgs) != 2 {
		t.Fatalf("whoami: %+v %v", w, err)
	}
	if _, err := c.WhoAmI(ctx, "hf_"+"InvalidInvalidInvalidInvalidInvalid"); hub.ClassOf(err) != hub.InvalidCredentials {
		t.Fatalf("invalid token: %v", err)
	}

	repos, err := c.ListRepos(ctx, alice, hub.RepoModel, "acme")
	if err != nil || len(repos) != 2 {
		t.Fatalf("list acme models (1 a page): %d %v", len(repos), err)
	}
	if served := srv.RequestCount(); served < 4 {
		t.Fatalf("listing two repositories one a page took %d requests in all", served)
	}

	const model = "alice/sim-sentiment-model"
	info, err := c.RepoInfo(ctx, alice, hub.RepoModel, model, "")
	if err != nil || info.ID != model || info.Private || len(info.SHA) != 40 || len(info.Siblings) == 0 {
		t.Fatalf("repo info: %+v %v", info, err)
	}
	tree, err := c.Tree(ctx, alice, hub.RepoModel, model, "main", "")
	if err != nil || !slices.ContainsFunc(tree, func(e hub.TreeEntry) bool { return e.Path == "README.md" }) {
		t.Fatalf("tree: %+v %v", tree, err)
	}
	commits, total, err := c.Commits(ctx, alice, hub.RepoModel, model, "main", 0)
	if err != nil || len(commits) == 0 || commits[0].ID != info.SHA || total != len(commits) {
		t.Fatalf("commits: %d (total %d) %v", len(commits), total, err)
	}
	f, err := c.DownloadFile(ctx, alice, hub.RepoModel, model, "main", "README.md", 1<<20)
	if err != nil || len(f.Data) == 0 || f.Commit != info.SHA {
		t.Fatalf("download: %v", err)
	}

	// Upload, then see the file and the commit.
	res, err := c.Commit(ctx, alice, hub.RepoModel, model, "main", "add notes", map[string][]byte{"notes/a.txt": []byte("hello\n")}, nil)
	if err != nil {
		t.Fatal(err)
	}
	got, err := c.DownloadFile(ctx, alice, hub.RepoModel, model, "main", "notes/a.txt", 1<<20)
	if err != nil || string(got.Data) != "hello\n" || got.Commit != res.CommitOID {
		t.Fatalf("uploaded file: %+v %v", got, err)
	}
	after, _, err := c.Commits(ctx, alice, hub.RepoModel, model, "main", 0)
	if err != nil || after[0].ID != res.CommitOID || after[0].Title != "add notes" || len(after) != len(commits)+1 {
		t.Fatalf("commits after upload: %+v %v", after, err)
	}
	// A read token cannot write.
	if _, err := c.Commit(ctx, bob, hub.RepoModel, model, "main", "x", map[string][]byte{"x": []byte("x")}, nil); err == nil {
		t.Fatal("a read token committed")
	}
}

// TestDownloadTo streams a file to a temporary file, bounded, with the
// same metadata DownloadFile reports.
func TestDownloadTo(t *testing.T) {
	ctx := t.Context()
	sc := hubsim.DemoScenario()
	_, url := testutil.StartHub(t, sc, hubsim.Options{RateLimit: -1})
	var alice string
	for _, tk := range sc.Tokens {
		if tk.DisplayName == "sim-alice-write" {
			alice = tk.Token
		}
	}
	c, err := hub.New(hub.Options{Endpoint: url, RatePerSecond: -1})
	if err != nil {
		t.Fatal(err)
	}
	const model = "alice/sim-sentiment-model"
	body := bytes.Repeat([]byte("0123456789"), 10000)
	if _, err := c.Commit(ctx, alice, hub.RepoModel, model, "main", "big", map[string][]byte{"big.bin": body}, nil); err != nil {
		t.Fatal(err)
	}
	mem, err := c.DownloadFile(ctx, alice, hub.RepoModel, model, "main", "big.bin", 1<<20)
	if err != nil {
		t.Fatal(err)
	}
	tmp, err := os.CreateTemp(t.TempDir(), "dl")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := tmp.Close(); err != nil {
			t.Error(err)
		}
	})
	f, n, err := c.DownloadTo(ctx, alice, hub.RepoModel, model, "main", "big.bin", tmp, 1<<20)
	if err != nil || n != int64(len(body)) || f.Data != nil || f.Commit != mem.Commit || f.ETag != mem.ETag {
		t.Fatalf("DownloadTo: %+v %d %v", f, n, err)
	}
	got := make([]byte, n)
	if _, err := tmp.ReadAt(got, 0); err != nil || !bytes.Equal(got, body) {
		t.Fatalf("streamed content differs: %v", err)
	}
	if _, _, err := c.DownloadTo(ctx, alice, hub.RepoModel, model, "main", "big.bin", tmp, 1000); !errors.Is(err, hub.ErrResponseTooLarge) {
		t.Errorf("over the bound: %v", err)
	}
	if _, _, err := c.DownloadTo(ctx, alice, hub.RepoModel, model, "main", "nope.bin", tmp, 1000); hub.ClassOf(err) != hub.NotFound {
		t.Errorf("missing file: %v", err)
	}
}

// TestErrorsFromSimulator: the Hub's answers for missing, private,
// disabled and gated repositories, as the simulator sends them, are
// classified as what they mean, and every listing works for every type
// (Spaces included: they have no "gated" to expand).
func TestErrorsFromSimulator(t *testing.T) {
	ctx := t.Context()
	sc := &hubsim.Scenario{
		Users: []hubsim.User{{Name: "ann", Orgs: []hubsim.Membership{{Name: "org", RoleInOrg: "admin"}}}, {Name: "eve"}},
		Orgs:  []hubsim.Org{{Name: "org"}},
		Tokens: []hubsim.Token{
			{Token: "hf_" + "annAnnAnnAnnAnnAnnAnnAnnAnnAnnAnnA", User: "ann", Kind: hubsim.KindClassic, Role: "write"},
			{Token: "hf_" + "eveEveEveEveEveEveEveEveEveEveEveE", User: "eve", Kind: hubsim.KindClassic, Role: "write"},
		},
		Repos: []hubsim.Repo{
			{ID: "org/private", Private: true},
			{ID: "org/off", Disabled: true},
			{ID: "org/gated", Gated: "auto", Files: map[string]hubsim.File{"a.txt": {Text: "a\n"}}},
			{ID: "org/space", Type: "space"},
			{ID: "org/data", Type: "dataset"},
		},
	}
	_, url := testutil.StartHub(t, sc, hubsim.Options{RateLimit: -1})
	c, err := hub.New(hub.Options{Endpoint: url, RatePerSecond: -1})
	if err != nil {
		t.Fatal(err)
	}
	ann, eve := sc.Tokens[0].Token, sc.Tokens[1].Token
	for _, typ := range []string{hub.RepoModel, hub.RepoDataset, hub.RepoSpace} {
		list, err := c.ListRepos(ctx, ann, typ, "org")
		if err != nil || len(list) == 0 {
			t.Errorf("list %ss: %d, %v", typ, len(list), err)
		}
	}
	tests := []struct {
		name, token, repo string
		class             hub.Class
		status            int
	}{
		{"missing, signed in", eve, "org/none", hub.NotFound, 404},
		{"missing, anonymous", "", "org/none", hub.NotFound, 401},
		{"private of others, signed in", eve, "org/private", hub.NotFound, 404},
		{"private, anonymous", "", "org/private", hub.NotFound, 401},
		{"disabled", ann, "org/off", hub.Disabled, 403},
		{"disabled, others", eve, "org/off", hub.Disabled, 403},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := c.RepoInfo(ctx, tt.token, hub.RepoModel, tt.repo, "")
			var he *hub.Error
			if hub.ClassOf(err) != tt.class || !errors.As(err, &he) || he.StatusCode != tt.status {
				t.Fatalf("repo info: %v, want %v (HTTP %d)", err, tt.class, tt.status)
			}
		})
	}
	// An auto-gated repository refuses a signed-in user who never asked
	// for access; its metadata stays visible.
	if _, err := c.RepoInfo(ctx, eve, hub.RepoModel, "org/gated", ""); err != nil {
		t.Fatalf("gated metadata: %v", err)
	}
	if _, err := c.DownloadFile(ctx, eve, hub.RepoModel, "org/gated", "main", "a.txt", 1<<10); hub.ClassOf(err) != hub.Gated {
		t.Fatalf("gated download: %v", err)
	}
	if ok, err := c.AuthCheck(ctx, eve, hub.RepoModel, "org/gated", false); ok || err != nil {
		t.Fatalf("gated auth-check: %v %v", ok, err)
	}
	if ok, err := c.AuthCheck(ctx, ann, hub.RepoModel, "org/gated", false); !ok || err != nil {
		t.Fatalf("member's auth-check: %v %v", ok, err)
	}
}

// TestCommitLFSAndCDN: a binary goes through preupload ("lfs"), the LFS
// batch API and a credential-less PUT to the simulator's CDN (which
// refuses credentials), then an lfsFile line; its download is a 302 to the
// CDN, and the commit, ETag and size come from the Hub's first hop.
func TestCommitLFSAndCDN(t *testing.T) {
	ctx := t.Context()
	sc := hubsim.DemoScenario()
	_, url := testutil.StartHub(t, sc, hubsim.Options{RateLimit: -1})
	var alice string
	for _, tk := range sc.Tokens {
		if tk.DisplayName == "sim-alice-write" {
			alice = tk.Token
		}
	}
	var hops []string
	hc := &http.Client{CheckRedirect: func(req *http.Request, via []*http.Request) error {
		hops = append(hops, req.URL.Host)
		return nil
	}}
	c, err := hub.New(hub.Options{Endpoint: url, RatePerSecond: -1, HTTPClient: hc})
	if err != nil {
		t.Fatal(err)
	}
	const model = "alice/sim-sentiment-model"
	weights := append([]byte{0x80, 0x02, 0}, bytes.Repeat([]byte{1, 2, 3}, 5000)...)
	res, err := c.Commit(ctx, alice, hub.RepoModel, model, "main", "weights",
		map[string][]byte{"pytorch_model.bin": weights, "notes.txt": []byte("text stays inline\n"), "empty.bin": nil}, nil)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(weights)
	f, err := c.DownloadFile(ctx, alice, hub.RepoModel, model, "main", "pytorch_model.bin", 1<<20)
	if err != nil || !bytes.Equal(f.Data, weights) || f.Commit != res.CommitOID || f.ETag != hex.EncodeToString(sum[:]) || f.Size != int64(len(weights)) {
		t.Fatalf("LFS file: %+v %v", f, err)
	}
	if len(hops) != 1 || strings.Contains(url, hops[0]) {
		t.Errorf("redirect hops %v (the Hub is %s)", hops, url)
	}
	tree, err := c.Tree(ctx, alice, hub.RepoModel, model, res.CommitOID, "")
	if err != nil {
		t.Fatal(err)
	}
	lfs := map[string]bool{}
	for _, e := range tree {
		lfs[e.Path] = e.LFS != nil
	}
	if !lfs["pytorch_model.bin"] || lfs["notes.txt"] || lfs["empty.bin"] {
		t.Errorf("stored as LFS: %v", lfs)
	}
	if n, err := c.DownloadFile(ctx, alice, hub.RepoModel, model, "main", "notes.txt", 1<<20); err != nil || n.Size != -1 || n.Commit != res.CommitOID {
		t.Errorf("inline file: %+v %v", n, err)
	}
}

// TestFirstHopHeaders: the Hub's headers (X-Repo-Commit, X-Linked-Etag,
// X-Linked-Size, X-Xet-Hash) are taken from its answer, not from the
// storage a download is redirected to, which may say otherwise.
func TestFirstHopHeaders(t *testing.T) {
	storage := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "" {
			http.Error(w, "credentials sent to storage", http.StatusBadRequest)
			return
		}
		w.Header().Set("X-Repo-Commit", "storage-says-otherwise")
		w.Header().Set("X-Linked-Size", "1")
		w.Header().Set("ETag", `"storage-etag"`)
		_, _ = io.WriteString(w, "payload") // a client that hung up fails on its side
	}))
	defer storage.Close()
	hubSrv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Repo-Commit", strings.Repeat("a", 40))
		w.Header().Set("X-Linked-Etag", `"`+strings.Repeat("b", 64)+`"`)
		w.Header().Set("X-Linked-Size", "7")
		w.Header().Set("X-Xet-Hash", strings.Repeat("c", 64))
		http.Redirect(w, r, storage.URL+"/xet/object", http.StatusFound)
	}))
	defer hubSrv.Close()
	c, err := hub.New(hub.Options{Endpoint: hubSrv.URL, RatePerSecond: -1})
	if err != nil {
		t.Fatal(err)
	}
	f, err := c.DownloadFile(t.Context(), "hf_"+strings.Repeat("x", 34), hub.RepoModel, "a/b", "main", "w.bin", 1<<20)
	if err != nil || string(f.Data) != "payload" || f.Commit != strings.Repeat("a", 40) || f.ETag != strings.Repeat("b", 64) ||
		f.Size != 7 || f.XetHash != strings.Repeat("c", 64) {
		t.Fatalf("file %+v, %v", f, err)
	}
}
