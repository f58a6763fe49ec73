package hubsim

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"path"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"
)

// lfsMediaType is the Git LFS API's media type (Accept and Content-Type of
// the batch endpoint).
const lfsMediaType = "application/vnd.git-lfs+json"

// maxPendingUploads bounds the uploads announced and not yet received, so
// that batch calls never PUT to cannot grow the simulator's memory.
const maxPendingUploads = 10000

var sha256Re = regexp.MustCompile(`^[0-9a-f]{64}$`)

// pendingUpload is an LFS object the batch endpoint announced an upload
// URL for.
type pendingUpload struct {
	repoKey string
	oid     string
	size    int64
}

// sampleBinary reports whether a file's first bytes look binary: a NUL
// byte, or invalid UTF-8 (a multi-byte character cut at the end of the
// sample does not count).
func sampleBinary(sample []byte) bool {
	if bytes.IndexByte(sample, 0) >= 0 {
		return true
	}
	// Drop a last character the sample cut short: a lead byte and fewer
	// continuation bytes than it announces.
	for i := len(sample) - 1; i >= 0 && i >= len(sample)-3; i-- {
		if b := sample[i]; b&0xC0 != 0x80 {
			if b >= 0xC2 && b <= 0xF4 && !utf8.FullRune(sample[i:]) {
				sample = sample[:i]
			}
			break
		}
	}
	return !utf8.Valid(sample)
}

// lfsTracked reports whether .gitattributes content puts p under the LFS
// filter: the last line whose pattern matches p decides ("filter=lfs" yes,
// "-filter" or another filter no). A pattern without a slash matches the
// file name at any depth, one with a slash the path from the root; "**"
// matches any number of directories.
func lfsTracked(attrs, p string) bool {
	tracked := false
	for line := range strings.SplitSeq(attrs, "\n") {
		f := strings.Fields(line)
		if len(f) < 2 || strings.HasPrefix(f[0], "#") || !attrMatch(f[0], p) {
			continue
		}
		for _, a := range f[1:] {
			switch {
			case a == "filter=lfs":
				tracked = true
			case a == "-filter" || a == "!filter" || strings.HasPrefix(a, "filter="):
				tracked = false
			}
		}
	}
	return tracked
}

// attrMatch matches a .gitattributes pattern against a path.
func attrMatch(pattern, p string) bool {
	pattern = strings.TrimPrefix(pattern, "/")
	if !strings.Contains(pattern, "/") {
		ok, _ := path.Match(pattern, path.Base(p))
		return ok
	}
	if dir, ok := strings.CutSuffix(pattern, "/**"); ok {
		return strings.HasPrefix(p, dir+"/")
	}
	if rest, ok := strings.CutPrefix(pattern, "**/"); ok {
		for i := 0; ; {
			if m, _ := path.Match(rest, p[i:]); m {
				return true
			}
			j := strings.IndexByte(p[i:], '/')
			if j < 0 {
				return false
			}
			i += j + 1
		}
	}
	ok, _ := path.Match(pattern, p)
	return ok
}

// uploadMode is what preupload answers for a file: "lfs" when
// .gitattributes tracks it, when it is 10 MiB or larger, or when its
// sample looks binary; "regular" otherwise, and always for an empty file
// (huggingface_hub _commit_api.py uploads empty files as regular).
func uploadMode(p string, size int64, sample []byte, attrs string) string {
	switch {
	case size == 0:
		return "regular"
	case lfsTracked(attrs, p), size >= lfsThreshold, sampleBinary(sample):
		return "lfs"
	}
	return "regular"
}

// lfsObject is an LFS object the repository holds: uploaded to it, or the
// content of an LFS file of one of its commits.
func (rp *repo) lfsObject(oid string) ([]byte, bool) {
	if d, ok := rp.lfsObjects[oid]; ok {
		return d, true
	}
	for _, c := range rp.commits {
		for _, b := range c.files {
			if b.lfs && b.sha256 == oid {
				return b.data, true
			}
		}
	}
	return nil, false
}

type lfsAction struct {
	Href   string            `json:"href"`
	Header map[string]string `json:"header,omitempty"`
}

type lfsObjectAnswer struct {
	OID     string                `json:"oid"`
	Size    int64                 `json:"size"`
	Actions map[string]*lfsAction `json:"actions,omitempty"`
	Error   *lfsError             `json:"error,omitempty"`
}

type lfsError struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
}

// hLFSBatch answers POST /{prefix}{repo}.git/info/lfs/objects/batch, the
// Git LFS batch API as the Hub serves it (huggingface_hub lfs.py
// post_lfs_batch_info, huggingface.js commit.ts): for an upload, each
// object the repository lacks gets an upload action (a PUT to the CDN, no
// credentials) and a verify action; objects it has get none.
func hLFSBatch(r *request) *response {
	if !strings.Contains(r.Header.Get("Accept"), lfsMediaType) {
		return errResp(http.StatusNotAcceptable, "", "Accept must be "+lfsMediaType)
	}
	rp, _, bad := r.repoFor(opWrite)
	if bad != nil {
		return bad
	}
	var in struct {
		Operation string   `json:"operation"`
		Transfers []string `json:"transfers"`
		HashAlgo  string   `json:"hash_algo"`
		Ref       *struct {
			Name string `json:"name"`
		} `json:"ref"`
		Objects []struct {
			OID  string `json:"oid"`
			Size int64  `json:"size"`
		} `json:"objects"`
	}
	if bad := r.decodeJSON(&in); bad != nil {
		return bad
	}
	switch {
	case in.Operation != "upload":
		return errResp(http.StatusUnprocessableEntity, "", "hubsim serves LFS downloads through /resolve/ only: operation must be upload")
	case in.HashAlgo != "" && in.HashAlgo != "sha256" && in.HashAlgo != "sha_256":
		return errResp(http.StatusUnprocessableEntity, "", "unsupported hash_algo "+in.HashAlgo)
	case len(in.Transfers) > 0 && !slices.Contains(in.Transfers, "basic"):
		return errResp(http.StatusUnprocessableEntity, "", "no supported transfer adapter: hubsim offers basic")
	case in.Ref != nil && in.Ref.Name != "" && rp.branchName(in.Ref.Name) == "":
		return errResp(http.StatusNotFound, "RevisionNotFound", "Invalid rev id: "+in.Ref.Name)
	}
	base := r.srv.cdnURL
	if base == "" {
		base = r.baseURL()
	}
	out := struct {
		Transfer string            `json:"transfer"`
		Objects  []lfsObjectAnswer `json:"objects"`
	}{Transfer: "basic", Objects: []lfsObjectAnswer{}}
	for _, o := range in.Objects {
		a := lfsObjectAnswer{OID: o.OID, Size: o.Size}
		switch data, ok := rp.lfsObject(o.OID); {
		case !sha256Re.MatchString(o.OID) || o.Size < 0:
			a.Error = &lfsError{Code: http.StatusUnprocessableEntity, Message: "invalid object"}
		case ok && int64(len(data)) == o.Size:
			// Already stored: nothing to upload.
		case len(r.srv.uploads) >= maxPendingUploads:
			a.Error = &lfsError{Code: http.StatusServiceUnavailable, Message: "too many uploads pending: send the announced ones first"}
		default:
			r.srv.uploadSeq++
			sum := sha256.Sum256(fmt.Appendf(nil, "%s/%s/%d", repoKey(rp.typ, rp.id), o.OID, r.srv.uploadSeq))
			id := hex.EncodeToString(sum[:16])
			r.srv.uploads[id] = pendingUpload{repoKey: repoKey(rp.typ, rp.id), oid: o.OID, size: o.Size}
			a.Actions = map[string]*lfsAction{
				"upload": {Href: base + "/_hubsim/lfs-upload/" + id},
				"verify": {Href: r.baseURL() + "/" + rp.urlPrefix() + rp.id + ".git/info/lfs/objects/verify"},
			}
		}
		out.Objects = append(out.Objects, a)
	}
	resp := jsonResp(http.StatusOK, out)
	resp.header.Set("Content-Type", lfsMediaType)
	return resp
}

// hLFSVerify answers POST {repo}.git/info/lfs/objects/verify {oid, size}:
// 200 when the object was stored with that size.
func hLFSVerify(r *request) *response {
	rp, _, bad := r.repoFor(opWrite)
	if bad != nil {
		return bad
	}
	var in struct {
		OID  string `json:"oid"`
		Size int64  `json:"size"`
	}
	if bad := r.decodeJSON(&in); bad != nil {
		return bad
	}
	if data, ok := rp.lfsObject(in.OID); !ok || int64(len(data)) != in.Size {
		return errResp(http.StatusNotFound, "", "Object not found")
	}
	return jsonResp(http.StatusOK, map[string]any{})
}

// hLFSUpload answers PUT /_hubsim/lfs-upload/{id}, the presigned storage
// URL of an upload action: it takes no credentials (storage refuses a
// second authentication), and the body must be the announced object.
func hLFSUpload(r *request) *response {
	up, ok := r.srv.uploads[r.vars.name]
	switch {
	case !ok:
		return errResp(http.StatusNotFound, "", "No such upload")
	case r.Header.Get("Authorization") != "":
		return errResp(http.StatusBadRequest, "", "Only one auth mechanism allowed: the URL is presigned, send no Authorization header")
	case int64(len(r.body)) != up.size:
		return errResp(http.StatusBadRequest, "", fmt.Sprintf("size %d, announced %d", len(r.body), up.size))
	}
	sum := sha256.Sum256(r.body)
	if hex.EncodeToString(sum[:]) != up.oid {
		return errResp(http.StatusBadRequest, "", "content does not match the announced sha256")
	}
	rp := r.srv.st.repos[up.repoKey]
	if rp == nil {
		return errResp(http.StatusNotFound, "", "No such upload")
	}
	rp.lfsObjects[up.oid] = r.body
	delete(r.srv.uploads, r.vars.name)
	resp := newResp(http.StatusOK)
	resp.header.Set("ETag", `"`+up.oid[:32]+`"`)
	resp.body = []byte{}
	return resp
}

// handleCDN routes a request to the simulator's CDN: LFS uploads, and the
// LFS files /resolve/ redirects to (/_hubsim/cdn/{type}/{ns}/{name}/{oid}).
// The CDN counts against no Hub quota. Called with s.mu.
func (s *Server) handleCDN(r *http.Request, body []byte) *response {
	segs, err := splitPath(r.URL)
	if err != nil {
		return errResp(http.StatusBadRequest, "", "bad path: "+err.Error())
	}
	req := &request{Request: r, body: body, srv: s}
	switch {
	case len(segs) == 3 && segs[0] == "_hubsim" && segs[1] == "lfs-upload":
		if r.Method != http.MethodPut {
			return errResp(http.StatusMethodNotAllowed, "", "Method "+r.Method+" not allowed on this route")
		}
		req.vars.name = segs[2]
		return hLFSUpload(req)
	case len(segs) == 6 && segs[0] == "_hubsim" && segs[1] == "cdn":
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			return errResp(http.StatusMethodNotAllowed, "", "Method "+r.Method+" not allowed on this route")
		}
		rp := s.st.repos[repoKey(segs[2], segs[3]+"/"+segs[4])]
		if rp == nil {
			return errResp(http.StatusNotFound, "", "No such object")
		}
		data, ok := rp.lfsObject(segs[5])
		if !ok {
			return errResp(http.StatusNotFound, "", "No such object")
		}
		resp := newResp(http.StatusOK)
		resp.header.Set("Content-Type", "application/octet-stream")
		return req.serveBytes(resp, data, `"`+segs[5]+`"`)
	}
	return errResp(http.StatusNotFound, "", "No such object")
}

// cdnLocation is where /resolve/ sends an LFS file when a CDN runs, or "".
func (r *request) cdnLocation(rp *repo, b *blob) string {
	if r.srv.cdnURL == "" || !b.lfs {
		return ""
	}
	return r.srv.cdnURL + "/_hubsim/cdn/" + rp.typ + "/" + rp.id + "/" + b.sha256
}
