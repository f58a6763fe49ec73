package hubsim

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"net/http"
	"strconv"
	"strings"
	"testing"
)

// TestPreuploadModes: preupload answers "lfs" for binaries, for files of
// 10 MiB or more and for what .gitattributes (the request's, else the
// branch's) tracks, "regular" otherwise and for empty files.
func TestPreuploadModes(t *testing.T) {
	sc := DemoScenario()
	sc.Repos = append(sc.Repos, Repo{ID: "alice/attrs", Type: "model", Files: map[string]File{
		".gitattributes": {Text: "*.safetensors filter=lfs diff=lfs merge=lfs -text\nweights/** filter=lfs\n*.txt -filter\n"},
		"README.md":      {Text: "# attrs\n"},
	}})
	h := newHub(t, sc, Options{RateLimit: -1})
	alice := demoToken(t, "sim-alice-write")
	b64 := func(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }
	for _, tc := range []struct {
		name, path, sample string
		size               int64
		attrs              *string
		want               string
	}{
		{"text", "notes.md", "hello", 5, nil, "regular"},
		{"NUL byte", "data.dat", "ab\x00cd", 5, nil, "lfs"},
		{"invalid UTF-8", "blob.dat", "\xff\xfe", 2, nil, "lfs"},
		{"UTF-8 cut by the sample", "long.md", "caf\xc3", 600, nil, "regular"},
		{"10 MiB text", "big.csv", "a,b\n", 10 << 20, nil, "lfs"},
		{"empty binary name", "empty.bin", "", 0, nil, "regular"},
		{"branch .gitattributes", "model.safetensors", "{}", 2, nil, "lfs"},
		{"branch .gitattributes dir/**", "weights/deep/x.json", "{}", 2, nil, "lfs"},
		{"branch .gitattributes -filter", "weights/a.txt", "x", 1, nil, "regular"},
		{"request gitAttributes wins", "model.safetensors", "{}", 2, new("*.json filter=lfs\n"), "regular"},
		{"request gitAttributes rule", "conf/x.json", "{}", 2, new("*.json filter=lfs\n"), "lfs"},
	} {
		body := map[string]any{"files": []map[string]any{{"path": tc.path, "size": tc.size, "sample": b64(tc.sample)}}}
		if tc.attrs != nil {
			body["gitAttributes"] = *tc.attrs
		}
		var out struct {
			Files []struct {
				Path         string `json:"path"`
				UploadMode   string `json:"uploadMode"`
				ShouldIgnore bool   `json:"shouldIgnore"`
				OID          string `json:"oid"`
			} `json:"files"`
		}
		h.postJSON("/api/models/alice/attrs/preupload/main", alice, body).want(t, http.StatusOK).decode(t, &out)
		if len(out.Files) != 1 || out.Files[0].UploadMode != tc.want {
			t.Errorf("%s: %+v, want %s", tc.name, out.Files, tc.want)
		}
	}
	h.postJSON("/api/models/alice/sim-sentiment-model/preupload/main", alice, map[string]any{"files": []map[string]any{{"path": "x"}}}).
		want(t, http.StatusBadRequest)
}

// TestLFSUploadProtocol: the batch API hands out a presigned PUT (on the
// CDN when one runs) and a verify action; storage refuses credentials and
// wrong content; the commit takes the stored object as an lfsFile line and
// refuses binaries inline and pointers to nothing; /resolve/ then answers
// 302 to the CDN with the Hub's headers on that first hop.
func TestLFSUploadProtocol(t *testing.T) {
	srv := New(DemoScenario(), Options{RateLimit: -1})
	base, stop, err := srv.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(stop)
	h := &hub{t: t, srv: srv, url: base}
	alice := demoToken(t, "sim-alice-write")
	repo := "/alice/sim-sentiment-model"
	data := append([]byte("\x80\x02weights\x00"), bytes.Repeat([]byte{7}, 1000)...)
	sum := sha256.Sum256(data)
	oid := hex.EncodeToString(sum[:])
	commitLine := func(key string, v map[string]any) []byte {
		return ndjson(t, kv("header", map[string]any{"summary": "Add weights"}), kv(key, v))
	}

	// Inline binary, and a pointer to an object never uploaded: refused.
	h.do(http.MethodPost, "/api/models"+repo+"/commit/main", alice,
		commitLine("file", map[string]any{"path": "w.bin", "content": base64.StdEncoding.EncodeToString(data), "encoding": "base64"})).
		want(t, http.StatusBadRequest)
	h.do(http.MethodPost, "/api/models"+repo+"/commit/main", alice,
		commitLine("lfsFile", map[string]any{"path": "w.bin", "algo": "sha256", "oid": oid, "size": len(data)})).
		want(t, http.StatusBadRequest)

	batch := func(tok string) reply {
		b := []byte(`{"operation":"upload","transfers":["basic","multipart"],"hash_algo":"sha256","ref":{"name":"main"},"objects":[{"oid":"` + oid + `","size":` + strconv.Itoa(len(data)) + `}]}`)
		return h.do(http.MethodPost, repo+".git/info/lfs/objects/batch", tok, b, "Accept", lfsMediaType, "Content-Type", lfsMediaType)
	}
	batch(demoToken(t, "sim-bob-read")).want(t, http.StatusForbidden)
	h.do(http.MethodPost, repo+".git/info/lfs/objects/batch", alice, []byte(`{"operation":"upload","objects":[]}`)).want(t, http.StatusNotAcceptable)
	var ans struct {
		Transfer string `json:"transfer"`
		Objects  []struct {
			OID     string `json:"oid"`
			Size    int    `json:"size"`
			Actions map[string]struct {
				Href string `json:"href"`
			} `json:"actions"`
		} `json:"objects"`
	}
	r := batch(alice).want(t, http.StatusOK)
	r.decode(t, &ans)
	if r.header.Get("Content-Type") != lfsMediaType || ans.Transfer != "basic" || len(ans.Objects) != 1 || ans.Objects[0].OID != oid {
		t.Fatalf("batch answer %s", r.body)
	}
	upload, verify := ans.Objects[0].Actions["upload"].Href, ans.Objects[0].Actions["verify"].Href
	if upload == "" || strings.HasPrefix(upload, base) || !strings.HasPrefix(verify, base+repo+".git/") {
		t.Fatalf("upload %q (want the CDN, not %s), verify %q", upload, base, verify)
	}
	h.do(http.MethodPut, upload, alice, data).want(t, http.StatusBadRequest)   // credentials to storage
	h.do(http.MethodPut, upload, "", data[:10]).want(t, http.StatusBadRequest) // not the announced object
	h.postJSON(verify, alice, map[string]any{"oid": oid, "size": len(data)}).want(t, http.StatusNotFound)
	h.do(http.MethodPut, upload, "", data).want(t, http.StatusOK)
	h.postJSON(verify, alice, map[string]any{"oid": oid, "size": len(data)}).want(t, http.StatusOK)
	// Stored now: a second batch asks for nothing.
	if r := batch(alice).want(t, http.StatusOK); bytes.Contains(r.body, []byte(`"actions"`)) {
		t.Errorf("second batch %s", r.body)
	}
	res := h.do(http.MethodPost, "/api/models"+repo+"/commit/main", alice,
		commitLine("lfsFile", map[string]any{"path": "w.bin", "algo": "sha256", "oid": oid, "size": len(data)})).want(t, http.StatusOK)
	var commit struct {
		Success    bool   `json:"success"`
		CommitOID  string `json:"commitOid"`
		CommitURL  string `json:"commitUrl"`
		HookOutput string `json:"hookOutput"`
	}
	res.decode(t, &commit)

	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	req, _ := http.NewRequest(http.MethodGet, base+repo+"/resolve/main/w.bin", nil)
	req.Header.Set("Authorization", "Bearer "+alice)
	first, err := noFollow.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_ = first.Body.Close() // only the redirect's headers are wanted
	loc := first.Header.Get("Location")
	if first.StatusCode != http.StatusFound || strings.HasPrefix(loc, base) || first.Header.Get("X-Repo-Commit") != commit.CommitOID ||
		first.Header.Get("X-Linked-Etag") != `"`+oid+`"` || first.Header.Get("X-Linked-Size") != strconv.Itoa(len(data)) {
		t.Fatalf("first hop %d %v", first.StatusCode, first.Header)
	}
	// The CDN serves the bytes, ranges included, without credentials.
	got := h.get(loc, "").want(t, http.StatusOK)
	if !bytes.Equal(got.body, data) || got.header.Get("X-Repo-Commit") != "" {
		t.Errorf("CDN answer %d bytes, headers %v", len(got.body), got.header)
	}
	if part := h.get(loc, "", "Range", "bytes=2-8").want(t, http.StatusPartialContent); !bytes.Equal(part.body, data[2:9]) {
		t.Errorf("CDN range %q", part.body)
	}
	// Text files and raw pointers stay on the Hub.
	h.get(repo+"/resolve/main/README.md", alice).want(t, http.StatusOK)
	if p := h.get(repo+"/raw/main/w.bin", alice).want(t, http.StatusOK); !bytes.Contains(p.body, []byte("oid sha256:"+oid)) {
		t.Errorf("raw pointer %s", p.body)
	}
}

// TestCommitToPullRequestRef: a commit pushed to an open pull request's
// ref moves refs/pr/{num} (listed with include_prs), not main, and shows
// as a commit event of the pull request; other writes refuse the ref, and
// a closed discussion or an unknown number has none.
func TestCommitToPullRequestRef(t *testing.T) {
	h := newHub(t, DemoScenario(), Options{RateLimit: -1})
	alice := demoToken(t, "sim-alice-write")
	base := "/api/models/alice/sim-sentiment-model"
	main := demoHead(t, h, "models", "alice/sim-sentiment-model", "")
	body := ndjson(t, kv("header", map[string]any{"summary": "Push to the PR"}),
		kv("file", map[string]any{"path": "eval.md", "content": "results\n"}))
	var res struct {
		Success    bool   `json:"success"`
		CommitOID  string `json:"commitOid"`
		CommitURL  string `json:"commitUrl"`
		HookOutput string `json:"hookOutput"`
	}
	h.do(http.MethodPost, base+"/commit/refs%2Fpr%2F2", alice, body).want(t, http.StatusOK).decode(t, &res)
	if demoHead(t, h, "models", "alice/sim-sentiment-model", "") != main {
		t.Error("the push to refs/pr/2 moved main")
	}
	r := h.get(base+"/refs?include_prs=1", "").want(t, http.StatusOK)
	if !bytes.Contains(r.body, []byte(`{"name":"2","ref":"refs/pr/2","targetCommit":"`+res.CommitOID+`"}`)) {
		t.Errorf("refs %s", r.body)
	}
	if c := h.get(base+"/commits/refs%2Fpr%2F2?limit=1", "").want(t, http.StatusOK); !bytes.Contains(c.body, []byte(res.CommitOID)) {
		t.Errorf("commits of refs/pr/2: %s", c.body)
	}
	if d := h.get(base+"/discussions/2", "").want(t, http.StatusOK); !bytes.Contains(d.body, []byte(res.CommitOID)) {
		t.Errorf("no commit event in the pull request: %s", d.body)
	}
	h.postJSON(base+"/super-squash/refs%2Fpr%2F2", alice, map[string]any{}).want(t, http.StatusBadRequest)
	h.do(http.MethodPost, base+"/commit/refs%2Fpr%2F1", alice, body).want(t, http.StatusNotFound) // a discussion, closed
	h.do(http.MethodPost, base+"/commit/refs%2Fpr%2F9", alice, body).want(t, http.StatusNotFound)
	h.do(http.MethodPost, base+"/commit/refs%2Fpr%2F2", demoToken(t, "sim-bob-read"), body).want(t, http.StatusForbidden)
}
