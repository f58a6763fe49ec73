package hub

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"sort"
)

// CommitResult is the Hub's answer to a commit.
type CommitResult struct {
	Success   bool   `json:"success"`
	CommitOID string `json:"commitOid"`
	CommitURL string `json:"commitUrl"`
}

// lfsMediaType is the Git LFS API's media type.
const lfsMediaType = "application/vnd.git-lfs+json"

// lfsObject is a file preupload sent to LFS storage.
type lfsObject struct {
	path string
	oid  string // hex SHA-256
	data []byte
}

// Commit writes files (path → content) and deletes paths on branch rev of
// a repository (or an open pull request's refs/pr/{num}) in one commit,
// the way the Hub clients do (huggingface_hub _commit_api.py, lfs.py;
// huggingface.js commit.ts): a preupload call says which files go to LFS
// storage (binaries, large files, .gitattributes rules); those are
// announced to the LFS batch API and PUT to the storage URLs it returns,
// without credentials, then verified; the ndjson commit carries the others
// inline and an lfsFile line for each stored one. Hfwarden uses it in tests
// and demos, to play a write token's part.
func (c *Client) Commit(ctx context.Context, token, repoType, repoID, rev, summary string, files map[string][]byte, deletes []string) (*CommitResult, error) {
	if rev == "" {
		rev = "main"
	}
	r, err := escapeName("revision", rev)
	if err != nil {
		return nil, err
	}
	paths := make([]string, 0, len(files))
	for p := range files {
		paths = append(paths, p)
	}
	sort.Strings(paths)

	lfs, err := c.preupload(ctx, token, repoType, repoID, r, paths, files)
	if err != nil {
		return nil, err
	}
	if err := c.uploadLFS(ctx, token, repoType, repoID, rev, lfs); err != nil {
		return nil, err
	}

	var nd bytes.Buffer
	enc := json.NewEncoder(&nd)
	type kv struct {
		Key   string `json:"key"`
		Value any    `json:"value"`
	}
	if err := enc.Encode(kv{"header", map[string]string{"summary": summary, "description": ""}}); err != nil {
		return nil, err
	}
	for _, p := range paths {
		if o, ok := lfs[p]; ok {
			v := map[string]any{"path": p, "algo": "sha256", "oid": o.oid, "size": len(o.data)}
			if err := enc.Encode(kv{"lfsFile", v}); err != nil {
				return nil, err
			}
			continue
		}
		v := map[string]string{"content": base64.StdEncoding.EncodeToString(files[p]), "path": p, "encoding": "base64"}
		if err := enc.Encode(kv{"file", v}); err != nil {
			return nil, err
		}
	}
	for _, p := range deletes {
		if err := enc.Encode(kv{"deletedFile", map[string]string{"path": p}}); err != nil {
			return nil, err
		}
	}
	if len(paths) == 0 && len(deletes) == 0 {
		return nil, errors.New("hub: commit: nothing to commit")
	}
	u, err := c.repoURL(repoType, repoID, "/commit/"+r, nil)
	if err != nil {
		return nil, err
	}
	cl := call{op: "commit", method: http.MethodPost, url: u, token: token, body: nd.Bytes(), ctype: "application/x-ndjson", kind: kindRepo, expect: expectJSON}
	res, err := c.do(ctx, &cl)
	if err != nil {
		return nil, err
	}
	var out CommitResult
	if err := json.Unmarshal(res.body, &out); err != nil {
		return nil, fmt.Errorf("hub: commit: %w", err)
	}
	if !out.Success || out.CommitOID == "" {
		return nil, errors.New("hub: commit: the Hub did not report success")
	}
	return &out, nil
}

// preupload asks which files go to LFS storage and returns them by path.
func (c *Client) preupload(ctx context.Context, token, repoType, repoID, escRev string, paths []string, files map[string][]byte) (map[string]lfsObject, error) {
	out := map[string]lfsObject{}
	if len(paths) == 0 {
		return out, nil
	}
	type preFile struct {
		Path   string `json:"path"`
		Size   int    `json:"size"`
		Sample string `json:"sample"`
	}
	pre := struct {
		Files []preFile `json:"files"`
	}{}
	for _, p := range paths {
		d := files[p]
		sample := d[:min(len(d), 512)]
		pre.Files = append(pre.Files, preFile{Path: p, Size: len(d), Sample: base64.StdEncoding.EncodeToString(sample)})
	}
	body, _ := json.Marshal(pre)
	u, err := c.repoURL(repoType, repoID, "/preupload/"+escRev, nil)
	if err != nil {
		return nil, err
	}
	cl := call{op: "preupload", method: http.MethodPost, url: u, token: token, body: body, kind: kindRepo, expect: expectJSON}
	res, err := c.do(ctx, &cl)
	if err != nil {
		return nil, err
	}
	var ans struct {
		Files []struct {
			Path       string `json:"path"`
			UploadMode string `json:"uploadMode"`
		} `json:"files"`
	}
	if err := json.Unmarshal(res.body, &ans); err != nil {
		return nil, fmt.Errorf("hub: preupload: %w", err)
	}
	for _, f := range ans.Files {
		d, asked := files[f.Path]
		switch {
		case !asked:
			return nil, fmt.Errorf("hub: preupload: answered for %q, which was not asked", f.Path)
		case f.UploadMode == "lfs" && len(d) > 0:
			// Empty files go inline whatever the answer, as the Hub
			// clients send them (S3 refuses empty uploads).
			sum := sha256.Sum256(d)
			out[f.Path] = lfsObject{path: f.Path, oid: hex.EncodeToString(sum[:]), data: d}
		case f.UploadMode != "lfs" && f.UploadMode != "regular":
			return nil, fmt.Errorf("hub: preupload: %s: upload mode %q, which hfwarden does not write", f.Path, f.UploadMode)
		}
	}
	return out, nil
}

// uploadLFS announces the objects to the LFS batch API, PUTs each one the
// repository lacks to the storage URL it returns and verifies it.
func (c *Client) uploadLFS(ctx context.Context, token, repoType, repoID, rev string, objs map[string]lfsObject) error {
	if len(objs) == 0 {
		return nil
	}
	prefix, err := filePrefix(repoType)
	if err != nil {
		return err
	}
	id, err := escapeRepoID(repoID)
	if err != nil {
		return err
	}
	type object struct {
		OID  string `json:"oid"`
		Size int    `json:"size"`
	}
	byOID := map[string]lfsObject{}
	req := struct {
		Operation string            `json:"operation"`
		Transfers []string          `json:"transfers"`
		HashAlgo  string            `json:"hash_algo"`
		Ref       map[string]string `json:"ref"`
		Objects   []object          `json:"objects"`
	}{Operation: "upload", Transfers: []string{"basic"}, HashAlgo: "sha256", Ref: map[string]string{"name": rev}}
	for _, p := range slices.Sorted(maps.Keys(objs)) {
		o := objs[p]
		if _, dup := byOID[o.oid]; !dup {
			req.Objects = append(req.Objects, object{o.oid, len(o.data)})
		}
		byOID[o.oid] = o
	}
	body, _ := json.Marshal(req)
	cl := call{op: "lfs batch", method: http.MethodPost, url: c.endpointURL("/"+prefix+id+".git/info/lfs/objects/batch", nil),
		token: token, body: body, ctype: lfsMediaType, accept: lfsMediaType, kind: kindRepo, expect: expectJSON}
	res, err := c.do(ctx, &cl)
	if err != nil {
		return err
	}
	type action struct {
		Href   string            `json:"href"`
		Header map[string]string `json:"header"`
	}
	var ans struct {
		Transfer string `json:"transfer"`
		Objects  []struct {
			OID     string             `json:"oid"`
			Size    int                `json:"size"`
			Actions map[string]*action `json:"actions"`
			Error   *struct {
				Code    int    `json:"code"`
				Message string `json:"message"`
			} `json:"error"`
		} `json:"objects"`
	}
	if err := json.Unmarshal(res.body, &ans); err != nil {
		return decodeError(&cl, res, err)
	}
	if ans.Transfer != "" && ans.Transfer != "basic" {
		return fmt.Errorf("hub: lfs batch: transfer %q, which hfwarden does not speak", ans.Transfer)
	}
	done := map[string]bool{}
	for _, a := range ans.Objects {
		o, ok := byOID[a.OID]
		switch {
		case !ok:
			return fmt.Errorf("hub: lfs batch: answered for an object not asked (%.12s)", a.OID)
		case a.Error != nil:
			return fmt.Errorf("hub: lfs batch: %s: %d %s", o.path, a.Error.Code, sanitize(a.Error.Message, nil))
		}
		done[a.OID] = true
		up := a.Actions["upload"]
		if up == nil {
			continue // the Hub has it already
		}
		if _, multipart := up.Header["chunk_size"]; multipart {
			return fmt.Errorf("hub: lfs batch: %s: a multipart upload, which hfwarden does not speak", o.path)
		}
		href, err := url.Parse(up.Href)
		if err != nil || (href.Scheme != "https" && href.Scheme != "http") {
			return fmt.Errorf("hub: lfs batch: %s: bad upload URL", o.path)
		}
		// Storage URLs are presigned: no token goes there.
		put := call{op: "lfs upload", method: http.MethodPut, url: href, body: o.data, ctype: "application/octet-stream", kind: kindOther, expect: expectAny}
		if _, err := c.do(ctx, &put); err != nil {
			return err
		}
		if v := a.Actions["verify"]; v != nil {
			vu, err := url.Parse(v.Href)
			if err != nil || !c.sameOrigin(vu) {
				// The verify step carries the token: only to the Hub.
				return fmt.Errorf("hub: lfs batch: %s: verify URL is not on the Hub's origin", o.path)
			}
			vb, _ := json.Marshal(object{o.oid, len(o.data)})
			ver := call{op: "lfs verify", method: http.MethodPost, url: vu, token: token, body: vb, ctype: lfsMediaType, accept: lfsMediaType,
				kind: kindRepo, expect: expectAny, noRedirect: true}
			if _, err := c.do(ctx, &ver); err != nil {
				return err
			}
		}
	}
	for oid, o := range byOID {
		if !done[oid] {
			return fmt.Errorf("hub: lfs batch: no answer for %s", o.path)
		}
	}
	return nil
}
