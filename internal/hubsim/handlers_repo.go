package hubsim

import (
	"crypto/sha1"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// Shapes of the Hub's repository answers.

type apiRepo struct {
	MongoID      string        `json:"_id"`
	ID           string        `json:"id"`
	Author       string        `json:"author"`
	SHA          string        `json:"sha"`
	LastModified string        `json:"lastModified"`
	CreatedAt    string        `json:"createdAt"`
	Private      bool          `json:"private"`
	Gated        Gated         `json:"gated"`
	Disabled     bool          `json:"disabled"`
	Likes        int           `json:"likes"`
	Downloads    *int          `json:"downloads,omitempty"`
	Tags         []string      `json:"tags"`
	PipelineTag  string        `json:"pipeline_tag,omitempty"`
	SDK          string        `json:"sdk,omitempty"`
	Runtime      *spaceRuntime `json:"runtime,omitempty"`
	Siblings     []apiSibling  `json:"siblings,omitempty"`
}

type spaceRuntime struct {
	Stage    string        `json:"stage"`
	Hardware spaceHardware `json:"hardware"`
}

type spaceHardware struct {
	Current   string `json:"current"`
	Requested string `json:"requested"`
}

type apiSibling struct {
	RFilename string      `json:"rfilename"`
	Size      int         `json:"size"`
	BlobID    string      `json:"blobId"`
	LFS       *siblingLFS `json:"lfs,omitempty"`
}

type siblingLFS struct {
	Size        int    `json:"size"`
	SHA256      string `json:"sha256"`
	PointerSize int    `json:"pointerSize"`
}

type apiTreeEntry struct {
	Type       string         `json:"type"`
	OID        string         `json:"oid"`
	Size       int            `json:"size"`
	Path       string         `json:"path"`
	LFS        *treeLFS       `json:"lfs,omitempty"`
	LastCommit *apiLastCommit `json:"lastCommit,omitempty"`
}

type treeLFS struct {
	OID         string `json:"oid"`
	Size        int    `json:"size"`
	PointerSize int    `json:"pointerSize"`
}

type apiLastCommit struct {
	ID    string `json:"id"`
	Title string `json:"title"`
	Date  string `json:"date"`
}

type apiCommit struct {
	ID      string          `json:"id"`
	Title   string          `json:"title"`
	Message string          `json:"message"`
	Authors []apiCommitUser `json:"authors"`
	Date    string          `json:"date"`
}

type apiCommitUser struct {
	User   string `json:"user"`
	Avatar string `json:"avatar"`
}

type apiRef struct {
	Name         string `json:"name"`
	Ref          string `json:"ref"`
	TargetCommit string `json:"targetCommit"`
}

type apiRefs struct {
	Branches     []apiRef `json:"branches"`
	Tags         []apiRef `json:"tags"`
	Converts     []apiRef `json:"converts"`
	PullRequests []apiRef `json:"pullRequests,omitzero"` // only with include_prs
}

// repoFor authenticates the request and finds its repository, checking
// that the principal may do o with it.
func (r *request) repoFor(o op) (*repo, principal, *response) {
	p, bad := r.srv.authenticate(r.Request)
	if bad != nil {
		return nil, p, bad
	}
	rp := r.srv.st.repos[repoKey(r.vars.typ, r.vars.repoID)]
	if rp == nil {
		return nil, p, repoNotFound(p)
	}
	if bad := r.srv.authorize(p, rp, o); bad != nil {
		return nil, p, bad
	}
	return rp, p, nil
}

// commitFor resolves the request's revision.
func (r *request) commitFor(rp *repo) (*commit, *response) {
	c := rp.resolveRev(r.vars.rev)
	if c == nil {
		return nil, errResp(http.StatusNotFound, "RevisionNotFound", "Invalid rev id: "+r.vars.rev)
	}
	return c, nil
}

func (st *state) apiRepo(rp *repo, c *commit, siblings bool) apiRepo {
	out := apiRepo{
		MongoID: rp.mongoID, ID: rp.id, Author: rp.ns, SHA: c.id,
		LastModified: fmtTime(c.date), CreatedAt: fmtTime(rp.createdAt),
		Private: rp.private, Gated: rp.gated, Disabled: rp.disabled, Likes: rp.likes, Tags: rp.tags,
		PipelineTag: rp.pipelineTag, SDK: rp.sdk,
	}
	if rp.typ == "space" {
		out.Runtime = &spaceRuntime{Stage: "RUNNING", Hardware: spaceHardware{Current: "cpu-basic", Requested: "cpu-basic"}}
	} else {
		d := rp.dls
		out.Downloads = &d
	}
	if siblings {
		out.Siblings = []apiSibling{}
		for _, p := range sortedKeys(c.files) {
			b := c.files[p]
			sib := apiSibling{RFilename: p, Size: len(b.data), BlobID: b.oid}
			if b.lfs {
				sib.LFS = &siblingLFS{Size: len(b.data), SHA256: b.sha256, PointerSize: len(b.pointer)}
			}
			out.Siblings = append(out.Siblings, sib)
		}
	}
	return out
}

// expandProperties are the values each repository type accepts in
// ?expand= (huggingface_hub src/huggingface_hub/hf_api.py
// ExpandModelProperty_T, ExpandDatasetProperty_T, ExpandSpaceProperty_T).
// Spaces have no "gated" and no "downloads".
var expandProperties = map[string][]string{
	"model": {"author", "baseModels", "cardData", "childrenModelCount", "config", "createdAt", "disabled",
		"downloads", "downloadsAllTime", "evalResults", "gated", "gguf", "inference", "inferenceProviderMapping",
		"lastModified", "library_name", "likes", "mask_token", "model-index", "pipeline_tag", "private",
		"resourceGroup", "safetensors", "sha", "siblings", "spaces", "tags", "transformersInfo", "trendingScore",
		"usedStorage", "widgetData"},
	"dataset": {"author", "cardData", "citation", "createdAt", "description", "disabled", "downloads",
		"downloadsAllTime", "gated", "lastModified", "likes", "mainSize", "paperswithcode_id", "private",
		"resourceGroup", "sha", "siblings", "tags", "trendingScore", "usedStorage"},
	"space": {"author", "cardData", "createdAt", "datasets", "disabled", "lastModified", "likes", "models",
		"private", "region", "resourceGroup", "runtime", "sdk", "sha", "siblings", "subdomain", "tags",
		"trendingScore", "usedStorage"},
}

// expandOf reads the request's expand values (expand= or expand[]=) and
// refuses, as the Hub does, any the repository type does not have.
func (r *request) expandOf() ([]string, *response) {
	q := r.URL.Query()
	expand := append(q["expand"], q["expand[]"]...)
	allowed := expandProperties[r.vars.typ]
	for _, e := range expand {
		if !slices.Contains(allowed, e) {
			return nil, errResp(http.StatusBadRequest, "", `"expand" must be one of [`+strings.Join(allowed, ", ")+`]`)
		}
	}
	return expand, nil
}

// shape is the JSON of one repository answer: everything by default; with
// expand, only "_id", "id" and the requested properties, as the Hub does
// (huggingface_hub tests/test_hf_api.py test_list_models_expand_author).
// Properties the simulator does not model are left out.
func shape(full apiRepo, expand []string) any {
	if len(expand) == 0 {
		return full
	}
	data, err := json.Marshal(full)
	if err != nil {
		panic(fmt.Errorf("hubsim: marshal repository: %w", err)) // only our own type
	}
	var all map[string]json.RawMessage
	if err := json.Unmarshal(data, &all); err != nil {
		panic(fmt.Errorf("hubsim: unmarshal repository: %w", err))
	}
	out := map[string]json.RawMessage{"_id": all["_id"], "id": all["id"]}
	for _, e := range expand {
		if v, ok := all[e]; ok {
			out[e] = v
		}
	}
	return out
}

// hList answers GET /api/{models,datasets,spaces}.
func hList(r *request) *response {
	p, bad := r.srv.authenticate(r.Request)
	if bad != nil {
		return bad
	}
	expand, bad := r.expandOf()
	if bad != nil {
		return bad
	}
	q := r.URL.Query()
	author, search := q.Get("author"), strings.ToLower(q.Get("search"))
	full := q.Get("full") == "true" || q.Get("full") == "1"
	siblings := full || slices.Contains(expand, "siblings")
	st := r.srv.st
	var hits []*repo
	for _, rp := range st.repos {
		if rp.typ != r.vars.typ || (author != "" && rp.ns != author) ||
			(search != "" && !strings.Contains(strings.ToLower(rp.id), search)) || !st.visible(p, rp) {
			continue
		}
		hits = append(hits, rp)
	}
	slices.SortFunc(hits, func(a, b *repo) int { return strings.Compare(a.id, b.id) })
	lo, hi, link, bad := r.paginate(len(hits), 1000, 1000)
	if bad != nil {
		return bad
	}
	items := make([]any, 0, hi-lo)
	for _, rp := range hits[lo:hi] {
		items = append(items, shape(st.apiRepo(rp, rp.head(), siblings), expand))
	}
	return pageResp(items, link)
}

// hRepoInfo answers GET /api/{type}s/{repo}[/revision/{rev}][?expand=].
func hRepoInfo(r *request) *response {
	rp, _, bad := r.repoFor(opRead)
	if bad != nil {
		return bad
	}
	expand, bad := r.expandOf()
	if bad != nil {
		return bad
	}
	c, bad := r.commitFor(rp)
	if bad != nil {
		return bad
	}
	siblings := len(expand) == 0 || slices.Contains(expand, "siblings")
	return jsonResp(http.StatusOK, shape(r.srv.st.apiRepo(rp, c, siblings), expand))
}

// hAuthCheck answers GET /api/{type}s/{repo}/auth-check[/write]: 200 when
// the caller may read the files (or write), the Hub's error otherwise.
func hAuthCheck(r *request) *response {
	o := opContent
	if r.vars.action == "write" {
		o = opWrite
	}
	if _, _, bad := r.repoFor(o); bad != nil {
		return bad
	}
	return jsonResp(http.StatusOK, map[string]any{})
}

// hRefs answers GET /api/{type}s/{repo}/refs.
func hRefs(r *request) *response {
	rp, _, bad := r.repoFor(opRead)
	if bad != nil {
		return bad
	}
	// Pull-request refs are listed only when asked for (huggingface_hub
	// hf_api.py list_repo_refs: include_prs=1 for pullRequests).
	out := apiRefs{Branches: []apiRef{}, Tags: []apiRef{}, Converts: []apiRef{}}
	if q := r.URL.Query().Get("include_prs"); q == "1" || q == "true" {
		out.PullRequests = []apiRef{}
		for _, n := range slices.Sorted(maps.Keys(rp.prRefs)) {
			s := strconv.Itoa(n)
			out.PullRequests = append(out.PullRequests, apiRef{Name: s, Ref: "refs/pr/" + s, TargetCommit: rp.prRefs[n]})
		}
	}
	for _, b := range sortedKeys(rp.branches) {
		out.Branches = append(out.Branches, apiRef{Name: b, Ref: "refs/heads/" + b, TargetCommit: rp.branches[b]})
	}
	for _, t := range sortedKeys(rp.gitTags) {
		out.Tags = append(out.Tags, apiRef{Name: t, Ref: "refs/tags/" + t, TargetCommit: rp.gitTags[t]})
	}
	return jsonResp(http.StatusOK, out)
}

// hCommits answers GET /api/{type}s/{repo}/commits/{rev}?limit=N&p=P.
func hCommits(r *request) *response {
	rp, _, bad := r.repoFor(opRead)
	if bad != nil {
		return bad
	}
	c, bad := r.commitFor(rp)
	if bad != nil {
		return bad
	}
	hist := rp.history(c)
	limit, bad := r.intParam("limit", 50)
	if bad != nil {
		return bad
	}
	if limit == 0 {
		limit = 50
	}
	limit = min(limit, 1000)
	page, bad := r.intParam("p", 0)
	if bad != nil {
		return bad
	}
	lo := min(page*limit, len(hist))
	hi := min(lo+limit, len(hist))
	items := make([]apiCommit, 0, hi-lo)
	for _, c := range hist[lo:hi] {
		items = append(items, apiCommit{
			ID: c.id, Title: c.title, Message: c.message, Date: fmtTime(c.date),
			Authors: []apiCommitUser{{User: c.author, Avatar: avatarURL(c.author)}},
		})
	}
	resp := jsonResp(http.StatusOK, items)
	resp.header.Set("X-Total-Count", strconv.Itoa(len(hist)))
	if hi < len(hist) {
		resp.header.Set("Link", r.nextLink("p", strconv.Itoa(page+1)))
	}
	return resp
}

// dirs returns every directory of a file set ("" excluded).
func dirs(files map[string]*blob) map[string]bool {
	out := map[string]bool{}
	for p := range files {
		for i := 0; i < len(p); i++ {
			if p[i] == '/' {
				out[p[:i]] = true
			}
		}
	}
	return out
}

// dirID returns a deterministic id for the directory dir of files.
func dirID(files map[string]*blob, dir string) string {
	h := sha1.New()
	for _, p := range sortedKeys(files) {
		if strings.HasPrefix(p, dir+"/") {
			fmt.Fprintf(h, "%s\x00%s\n", p, files[p].oid)
		}
	}
	return hex.EncodeToString(h.Sum(nil))
}

// lastCommitOf returns the newest commit in hist (newest first) that
// changed path (a file, or every file under a directory).
func lastCommitOf(rp *repo, hist []*commit, path string, isDir bool) *commit {
	sig := func(c *commit) string {
		if !isDir {
			if b := c.files[path]; b != nil {
				return b.oid
			}
			return ""
		}
		return dirID(c.files, path)
	}
	for i, c := range hist {
		var parentSig string
		if c.parent != "" {
			if pc := rp.commits[c.parent]; pc != nil {
				parentSig = sig(pc)
			}
		}
		if sig(c) != parentSig || i == len(hist)-1 {
			return c
		}
	}
	return nil
}

func (r *request) treeEntry(rp *repo, c *commit, path string, isDir, expand bool, hist []*commit) apiTreeEntry {
	var e apiTreeEntry
	if isDir {
		e = apiTreeEntry{Type: "directory", OID: dirID(c.files, path), Path: path}
	} else {
		b := c.files[path]
		e = apiTreeEntry{Type: "file", OID: b.oid, Size: len(b.data), Path: path}
		if b.lfs {
			e.LFS = &treeLFS{OID: b.sha256, Size: len(b.data), PointerSize: len(b.pointer)}
		}
	}
	if expand {
		if lc := lastCommitOf(rp, hist, path, isDir); lc != nil {
			e.LastCommit = &apiLastCommit{ID: lc.id, Title: lc.title, Date: fmtTime(lc.date)}
		}
	}
	return e
}

// hTree answers GET /api/{type}s/{repo}/tree/{rev}[/{path}]?recursive=&expand=.
func hTree(r *request) *response {
	rp, _, bad := r.repoFor(opRead)
	if bad != nil {
		return bad
	}
	c, bad := r.commitFor(rp)
	if bad != nil {
		return bad
	}
	q := r.URL.Query()
	recursive := q.Get("recursive") == "true" || q.Get("recursive") == "1"
	expand := q.Get("expand") == "true" || q.Get("expand") == "1"
	base := strings.Trim(r.vars.path, "/")
	all := dirs(c.files)
	if base != "" && !all[base] {
		if c.files[base] != nil {
			return errResp(http.StatusNotFound, "EntryNotFound", base+" is a file, not a directory")
		}
		return errResp(http.StatusNotFound, "EntryNotFound", "Entry not found: "+base)
	}
	prefix := ""
	if base != "" {
		prefix = base + "/"
	}
	type item struct {
		path  string
		isDir bool
	}
	var items []item
	keep := func(p string) bool {
		if !strings.HasPrefix(p, prefix) {
			return false
		}
		return recursive || !strings.Contains(p[len(prefix):], "/")
	}
	for p := range all {
		if keep(p) {
			items = append(items, item{p, true})
		}
	}
	for p := range c.files {
		if keep(p) {
			items = append(items, item{p, false})
		}
	}
	slices.SortFunc(items, func(a, b item) int { return strings.Compare(a.path, b.path) })
	lo, hi, link, bad := r.paginate(len(items), 1000, 1000)
	if bad != nil {
		return bad
	}
	var hist []*commit
	if expand {
		hist = rp.history(c)
	}
	out := make([]apiTreeEntry, 0, hi-lo)
	for _, it := range items[lo:hi] {
		out = append(out, r.treeEntry(rp, c, it.path, it.isDir, expand, hist))
	}
	return pageResp(out, link)
}

// hPathsInfo answers POST /api/{type}s/{repo}/paths-info/{rev} with a JSON
// or form body {paths, expand}.
func hPathsInfo(r *request) *response {
	rp, _, bad := r.repoFor(opRead)
	if bad != nil {
		return bad
	}
	c, bad := r.commitFor(rp)
	if bad != nil {
		return bad
	}
	var in struct {
		Paths  []string `json:"paths"`
		Expand bool     `json:"expand"`
	}
	if strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded") {
		form, err := url.ParseQuery(string(r.body))
		if err != nil {
			return errResp(http.StatusBadRequest, "", "invalid form body")
		}
		in.Paths = form["paths"]
		in.Expand = form.Get("expand") == "true" || form.Get("expand") == "True" || form.Get("expand") == "1"
	} else if bad := r.decodeJSON(&in); bad != nil {
		return bad
	}
	all := dirs(c.files)
	var hist []*commit
	if in.Expand {
		hist = rp.history(c)
	}
	out := []apiTreeEntry{}
	for _, p := range in.Paths {
		p = strings.Trim(p, "/")
		switch {
		case c.files[p] != nil:
			out = append(out, r.treeEntry(rp, c, p, false, in.Expand, hist))
		case all[p]:
			out = append(out, r.treeEntry(rp, c, p, true, in.Expand, hist))
		}
	}
	return jsonResp(http.StatusOK, out)
}

// hResolve answers GET and HEAD /{prefix}{repo}/{resolve,raw}/{rev}/{path}
// with the file's bytes, honouring a single "Range: bytes=…".
func hResolve(r *request) *response {
	rp, _, bad := r.repoFor(opContent)
	if bad != nil {
		return bad
	}
	c, bad := r.commitFor(rp)
	if bad != nil {
		return bad
	}
	b := c.files[r.vars.path]
	if b == nil {
		return errResp(http.StatusNotFound, "EntryNotFound", "Entry not found: "+r.vars.path)
	}
	data, etag := b.data, `"`+b.oid+`"`
	raw := r.vars.action == "raw" && b.lfs
	switch {
	case raw:
		data = b.pointer
	case b.lfs:
		etag = `"` + b.sha256 + `"`
	}
	resp := newResp(http.StatusOK)
	h := resp.header
	h.Set("X-Repo-Commit", c.id)
	h.Set("ETag", etag)
	h.Set("Accept-Ranges", "bytes")
	h.Set("Content-Type", contentType(r.vars.path, data))
	if b.lfs && !raw {
		h.Set("X-Linked-Etag", etag)
		h.Set("X-Linked-Size", strconv.Itoa(len(data)))
		h.Set("Content-Disposition", fmt.Sprintf(`inline; filename*=UTF-8''%s; filename="%s"`,
			url.PathEscape(lastSegment(r.vars.path)), lastSegment(r.vars.path)))
	}
	if inm := r.Header.Get("If-None-Match"); inm != "" && (inm == etag || inm == "*") {
		resp.status = http.StatusNotModified
		return resp
	}
	if loc := r.cdnLocation(rp, b); loc != "" && !raw {
		// LFS files come from storage on another origin; the Hub's
		// headers are on this first hop (huggingface_hub file_download.py
		// reads X-Repo-Commit, X-Linked-Etag and X-Linked-Size there).
		resp.status = http.StatusFound
		h.Set("Location", loc)
		h.Del("Accept-Ranges")
		h.Del("Content-Type")
		h.Set("Content-Length", "0")
		return resp
	}
	return r.serveBytes(resp, data, etag)
}

// serveBytes answers with data, or the single byte range the request
// asks for (206 with Content-Range; 416 when it cannot be satisfied).
func (r *request) serveBytes(resp *response, data []byte, etag string) *response {
	h := resp.header
	h.Set("Accept-Ranges", "bytes")
	if h.Get("ETag") == "" {
		h.Set("ETag", etag)
	}
	size := len(data)
	rng := r.Header.Get("Range")
	if rng == "" || (r.Header.Get("If-Range") != "" && r.Header.Get("If-Range") != etag) {
		resp.body = data
		return resp
	}
	if size == 0 {
		// No byte range of an empty file exists; answer the whole (empty)
		// file but still tell its size the way a 206 would.
		h.Set("Content-Range", "bytes */0")
		resp.body = data
		return resp
	}
	start, end, ok := parseRange(rng, size)
	if !ok {
		if strings.HasPrefix(rng, "bytes=") && !strings.Contains(rng, ",") {
			bad := errResp(http.StatusRequestedRangeNotSatisfiable, "", "Requested range not satisfiable")
			bad.header.Set("Content-Range", fmt.Sprintf("bytes */%d", size))
			return bad
		}
		resp.body = data // several or malformed ranges: the whole file
		return resp
	}
	resp.status = http.StatusPartialContent
	h.Set("Content-Range", fmt.Sprintf("bytes %d-%d/%d", start, end, size))
	resp.body = data[start : end+1]
	return resp
}

// parseRange parses a single "bytes=a-b", "bytes=a-" or "bytes=-n" range
// of a file of size bytes, returning inclusive bounds.
func parseRange(h string, size int) (start, end int, ok bool) {
	spec, found := strings.CutPrefix(h, "bytes=")
	if !found || strings.Contains(spec, ",") {
		return 0, 0, false
	}
	a, b, found := strings.Cut(strings.TrimSpace(spec), "-")
	if !found {
		return 0, 0, false
	}
	if a == "" {
		n, err := strconv.Atoi(b)
		if err != nil || n <= 0 {
			return 0, 0, false
		}
		return max(size-n, 0), size - 1, true
	}
	start, err := strconv.Atoi(a)
	if err != nil || start < 0 || start >= size {
		return 0, 0, false
	}
	end = size - 1
	if b != "" {
		e, err := strconv.Atoi(b)
		if err != nil || e < start {
			return 0, 0, false
		}
		end = min(e, size-1)
	}
	return start, end, true
}

func lastSegment(p string) string {
	if i := strings.LastIndexByte(p, '/'); i >= 0 {
		return p[i+1:]
	}
	return p
}

func contentType(path string, data []byte) string {
	switch {
	case strings.HasSuffix(path, ".json"):
		return "application/json; charset=utf-8"
	case strings.HasSuffix(path, ".md"):
		return "text/markdown; charset=utf-8"
	case looksBinary(data):
		return "application/octet-stream"
	}
	return "text/plain; charset=utf-8"
}
