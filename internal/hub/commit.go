package hub

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"sort"
)

// CommitResult is the Hub's answer to a commit.
type CommitResult struct {
	Success   bool   `json:"success"`
	CommitOID string `json:"commitOid"`
	CommitURL string `json:"commitUrl"`
}

// Commit writes files (path → content) and deletes paths on branch rev of
// a repository in one commit, the way the Hub clients do: a preupload call
// (which must answer "regular" for every file: hfwarden does not upload to
// LFS or Xet storage), then an ndjson commit. Hfwarden uses it in tests and
// audits, to play a write token's part.
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
		sample := d
		if len(sample) > 512 {
			sample = sample[:512]
		}
		pre.Files = append(pre.Files, preFile{Path: p, Size: len(d), Sample: base64.StdEncoding.EncodeToString(sample)})
	}
	if len(pre.Files) > 0 {
		body, _ := json.Marshal(pre)
		u, err := c.repoURL(repoType, repoID, "/preupload/"+r, nil)
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
			if f.UploadMode != "regular" {
				return nil, fmt.Errorf("hub: preupload: %s must go to LFS storage, which hfwarden does not write", f.Path)
			}
		}
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
