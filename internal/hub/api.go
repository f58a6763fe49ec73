package hub

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// commitsPageSize is the page size asked for when listing commits.
const commitsPageSize = 100

// WhoAmI asks who owns token (GET /api/whoami-v2). A token that does not
// exist gives an [*Error] of class InvalidCredentials; any 401 with another
// text is UnexpectedContent (unknown), as is an HTML page even with a 200,
// a 200 naming no account, and any redirect (same origin or not).
func (c *Client) WhoAmI(ctx context.Context, token string) (*WhoAmI, error) {
	if token == "" {
		return nil, errors.New("hub: whoami: empty token")
	}
	// Only the endpoint's own answer is about the token: after a redirect
	// to another origin (a CDN, http→https, a captive portal) the
	// Authorization header is gone and a 401 there would prove nothing.
	// The Hub never redirects whoami-v2, so a redirect even to another
	// path of the same origin is not the Hub answering: unknown.
	cl := call{op: "whoami", method: http.MethodGet, url: c.endpointURL("/api/whoami-v2", nil),
		token: token, kind: kindWhoAmI, expect: expectJSON, noRedirect: true}
	res, err := c.do(ctx, &cl)
	if err != nil {
		return nil, err
	}
	var w WhoAmI
	if err := decode(&cl, res, &w); err != nil {
		return nil, err
	}
	// A 200 that names no account ({}, an error object) is not the Hub
	// vouching for the token.
	if w.Name == "" {
		msg := "answer names no account"
		if m := jsonErrorMessage(res.body); m != "" {
			msg += ": " + m
		}
		return nil, &Error{Class: UnexpectedContent, StatusCode: res.status, Op: cl.op, Method: cl.method,
			Endpoint: cl.url.EscapedPath(), Message: sanitize(msg, c.secretsOf(&cl))}
	}
	return &w, nil
}

// ListRepos lists the repositories of repoType ("model", "dataset" or
// "space") whose namespace is author ("" for all, which is a lot),
// following Link pagination with [Options.PageSize] entries per page. With
// a token the owner's private repositories are included. token may be "".
func (c *Client) ListRepos(ctx context.Context, token, repoType, author string) ([]RepoSummary, error) {
	p, err := apiPrefix(repoType)
	if err != nil {
		return nil, err
	}
	q := url.Values{}
	if author != "" {
		q.Set("author", author)
	}
	q.Set("limit", strconv.Itoa(c.pageSize))
	q["expand"] = listExpand(repoType)
	cl := call{op: "list " + p, method: http.MethodGet, url: c.endpointURL("/api/"+p, q),
		token: token, kind: kindOther, expect: expectJSON}
	list, _, err := paginate[RepoSummary](ctx, c, cl, 0)
	return list, err
}

// listExpand is what ListRepos asks of each repository type: the fields of
// [RepoSummary] that type has. The Hub refuses the whole listing (400) for
// a value the type does not accept, and Spaces have no "gated"
// (huggingface_hub hf_api.py ExpandSpaceProperty_T).
func listExpand(repoType string) []string {
	if repoType == RepoSpace {
		return []string{"private", "disabled", "lastModified"}
	}
	return []string{"private", "gated", "disabled", "lastModified"}
}

// RepoInfo describes a repository at rev ("" for the default branch).
func (c *Client) RepoInfo(ctx context.Context, token, repoType, repoID, rev string) (*RepoInfo, error) {
	suffix := ""
	if rev != "" {
		r, err := escapeName("revision", rev)
		if err != nil {
			return nil, err
		}
		suffix = "/revision/" + r
	}
	u, err := c.repoURL(repoType, repoID, suffix, nil)
	if err != nil {
		return nil, err
	}
	return getJSON[RepoInfo](ctx, c, "repo info", u, token)
}

// AuthCheck asks whether token can read (or, with write, write) a
// repository. It returns true on 2xx, false when the Hub says no
// (InvalidCredentials, Forbidden, NotFound, Gated), and an error only for
// the unknown classes.
func (c *Client) AuthCheck(ctx context.Context, token, repoType, repoID string, write bool) (bool, error) {
	suffix := "/auth-check"
	if write {
		suffix += "/write"
	}
	u, err := c.repoURL(repoType, repoID, suffix, nil)
	if err != nil {
		return false, err
	}
	cl := call{op: "auth check", method: http.MethodGet, url: u, token: token, kind: kindRepo, expect: expectJSONOrEmpty}
	if _, err := c.do(ctx, &cl); err != nil {
		if IsUnknown(err) {
			return false, err
		}
		return false, nil
	}
	return true, nil
}

// Refs lists a repository's branches, tags and converts, and with
// includePRs its pull-request refs.
func (c *Client) Refs(ctx context.Context, token, repoType, repoID string, includePRs bool) (*Refs, error) {
	var q url.Values
	if includePRs {
		q = url.Values{"include_prs": {"1"}}
	}
	u, err := c.repoURL(repoType, repoID, "/refs", q)
	if err != nil {
		return nil, err
	}
	return getJSON[Refs](ctx, c, "refs", u, token)
}

// Commits lists the commits reachable from rev ("" for main), newest
// first, following pagination, at most limit of them (0 for all). It also
// returns the X-Total-Count header of the first page, or -1 without one.
func (c *Client) Commits(ctx context.Context, token, repoType, repoID, rev string, limit int) ([]Commit, int, error) {
	if rev == "" {
		rev = "main"
	}
	r, err := escapeName("revision", rev)
	if err != nil {
		return nil, 0, err
	}
	size := commitsPageSize
	if limit > 0 {
		size = min(size, limit)
	}
	u, err := c.repoURL(repoType, repoID, "/commits/"+r, url.Values{"limit": {strconv.Itoa(size)}})
	if err != nil {
		return nil, 0, err
	}
	cl := call{op: "commits", method: http.MethodGet, url: u, token: token, kind: kindRepo, expect: expectJSON}
	list, h, err := paginate[Commit](ctx, c, cl, max(limit, 0))
	if err != nil {
		return nil, 0, err
	}
	total := -1
	if n, err := strconv.Atoi(strings.TrimSpace(h.Get("X-Total-Count"))); err == nil && n >= 0 {
		total = n
	}
	return list, total, nil
}

// Tree lists every file and directory under path ("" for the root) at rev
// ("" for main), recursively, following pagination.
func (c *Client) Tree(ctx context.Context, token, repoType, repoID, rev, path string) ([]TreeEntry, error) {
	if rev == "" {
		rev = "main"
	}
	r, err := escapeName("revision", rev)
	if err != nil {
		return nil, err
	}
	p, err := escapePath(path)
	if err != nil {
		return nil, err
	}
	suffix := "/tree/" + r
	if p != "" {
		suffix += "/" + p
	}
	u, err := c.repoURL(repoType, repoID, suffix, url.Values{"recursive": {"true"}})
	if err != nil {
		return nil, err
	}
	cl := call{op: "tree", method: http.MethodGet, url: u, token: token, kind: kindRepo, expect: expectJSON}
	list, _, err := paginate[TreeEntry](ctx, c, cl, 0)
	return list, err
}

// Discussions lists all of a repository's discussions and pull requests
// (every ?p=N page).
func (c *Client) Discussions(ctx context.Context, token, repoType, repoID string) ([]DiscussionSummary, error) {
	var all []DiscussionSummary
	for page := 0; page < maxPages; page++ {
		u, err := c.repoURL(repoType, repoID, "/discussions", url.Values{"p": {strconv.Itoa(page)}})
		if err != nil {
			return nil, err
		}
		cl := call{op: "discussions", method: http.MethodGet, url: u, token: token, kind: kindRepo, expect: expectJSON}
		res, err := c.do(ctx, &cl)
		if err != nil {
			return nil, err
		}
		var body struct {
			Discussions []DiscussionSummary `json:"discussions"`
			Count       int                 `json:"count"`
			Start       int                 `json:"start"`
		}
		if err := decode(&cl, res, &body); err != nil {
			return nil, err
		}
		all = append(all, body.Discussions...)
		if len(body.Discussions) == 0 || len(all) >= body.Count || body.Start+len(body.Discussions) >= body.Count {
			return all, nil
		}
	}
	return all, nil
}

// Discussion fetches discussion num with its events.
func (c *Client) Discussion(ctx context.Context, token, repoType, repoID string, num int) (*Discussion, error) {
	if num < 0 {
		return nil, fmt.Errorf("hub: discussion: invalid number %d", num)
	}
	u, err := c.repoURL(repoType, repoID, "/discussions/"+strconv.Itoa(num), nil)
	if err != nil {
		return nil, err
	}
	return getJSON[Discussion](ctx, c, "discussion", u, token)
}

// OrgMembers lists an organization's members, following pagination.
func (c *Client) OrgMembers(ctx context.Context, token, org string) ([]OrgMember, error) {
	o, err := escapeName("organization", org)
	if err != nil {
		return nil, err
	}
	cl := call{op: "org members", method: http.MethodGet, url: c.endpointURL("/api/organizations/"+o+"/members", nil),
		token: token, kind: kindOther, expect: expectJSON}
	list, _, err := paginate[OrgMember](ctx, c, cl, 0)
	return list, err
}

// SpaceSecrets lists a Space's secrets (names and descriptions; the Hub
// never returns secret values).
func (c *Client) SpaceSecrets(ctx context.Context, token, spaceID string) ([]SpaceSetting, error) {
	return c.spaceSettings(ctx, token, spaceID, "secrets")
}

// SpaceVariables lists a Space's variables with their values.
func (c *Client) SpaceVariables(ctx context.Context, token, spaceID string) ([]SpaceSetting, error) {
	return c.spaceSettings(ctx, token, spaceID, "variables")
}

func (c *Client) spaceSettings(ctx context.Context, token, spaceID, which string) ([]SpaceSetting, error) {
	u, err := c.repoURL(RepoSpace, spaceID, "/"+which, nil)
	if err != nil {
		return nil, err
	}
	cl := call{op: "space " + which, method: http.MethodGet, url: u, token: token, kind: kindRepo, expect: expectJSON}
	res, err := c.do(ctx, &cl)
	if err != nil {
		return nil, err
	}
	list, err := decodeSpaceSettings(res.body)
	if err != nil {
		return nil, decodeError(&cl, res, err)
	}
	return list, nil
}

// Webhooks lists the token owner's webhooks (GET /api/settings/webhooks).
func (c *Client) Webhooks(ctx context.Context, token string) ([]Webhook, error) {
	cl := call{op: "webhooks", method: http.MethodGet, url: c.endpointURL("/api/settings/webhooks", nil),
		token: token, kind: kindOther, expect: expectJSON}
	res, err := c.do(ctx, &cl)
	if err != nil {
		return nil, err
	}
	list, err := decodeWebhooks(res.body)
	if err != nil {
		return nil, decodeError(&cl, res, err)
	}
	return list, nil
}

// Revoke asks the Hub to invalidate tokens everywhere (POST
// /api/credentials/revoke, unauthenticated, in batches). The Hub answers
// 202 whether or not a token existed: success means the request was
// accepted, not that a token was live; confirm with WhoAmI answering
// InvalidCredentials. Repeating is harmless. Tokens are never put in
// errors, and the request is never redirected to another host.
func (c *Client) Revoke(ctx context.Context, tokens []string) error {
	var uniq []string
	seen := map[string]bool{}
	for _, t := range tokens {
		if t != "" && !seen[t] {
			seen[t] = true
			uniq = append(uniq, t)
		}
	}
	if len(uniq) == 0 {
		return nil
	}
	for i, t := range uniq {
		if err := checkToken(t); err != nil {
			return fmt.Errorf("hub: revoke: token %d of %d: %w", i+1, len(uniq), err)
		}
	}
	for start := 0; start < len(uniq); start += maxRevokeBatch {
		batch := uniq[start:min(start+maxRevokeBatch, len(uniq))]
		body, err := json.Marshal(struct {
			Credentials []string `json:"credentials"`
		}{batch})
		if err != nil {
			return fmt.Errorf("hub: revoke: encoding request: %w", err)
		}
		op := "revoke"
		if len(uniq) > maxRevokeBatch {
			op = fmt.Sprintf("revoke batch %d-%d of %d", start+1, start+len(batch), len(uniq))
		}
		cl := call{op: op, method: http.MethodPost, url: c.endpointURL("/api/credentials/revoke", nil),
			secrets: batch, body: body, kind: kindOther, expect: expectJSONOrEmpty}
		if _, err := c.do(ctx, &cl); err != nil {
			return err
		}
	}
	return nil
}

// DownloadFile fetches path at rev ("" for main) from a repository,
// reading at most maxBytes (0 or less: [Options.MaxResponseBytes]); a
// larger file is an error wrapping [ErrResponseTooLarge]. Redirects to a
// CDN are followed without the token.
func (c *Client) DownloadFile(ctx context.Context, token, repoType, repoID, rev, path string, maxBytes int64) (*File, error) {
	f, res, err := c.download(ctx, token, repoType, repoID, rev, path, nil, maxBytes)
	if err != nil {
		return nil, err
	}
	f.Data = res.body
	return f, nil
}

// DownloadTo is DownloadFile streaming the content to w from offset 0
// rather than into memory, for files too large to hold: a retried attempt
// writes over the previous one, so only the first n bytes of w are the
// file. It returns the file's metadata (Data nil) and n.
func (c *Client) DownloadTo(ctx context.Context, token, repoType, repoID, rev, path string, w io.WriterAt, maxBytes int64) (*File, int64, error) {
	if w == nil {
		return nil, 0, errors.New("hub: download: nil writer")
	}
	f, res, err := c.download(ctx, token, repoType, repoID, rev, path, w, maxBytes)
	if err != nil {
		return nil, 0, err
	}
	return f, res.size, nil
}

func (c *Client) download(ctx context.Context, token, repoType, repoID, rev, path string, sink io.WriterAt, maxBytes int64) (*File, *result, error) {
	if rev == "" {
		rev = "main"
	}
	prefix, err := filePrefix(repoType)
	if err != nil {
		return nil, nil, err
	}
	id, err := escapeRepoID(repoID)
	if err != nil {
		return nil, nil, err
	}
	r, err := escapeName("revision", rev)
	if err != nil {
		return nil, nil, err
	}
	p, err := escapePath(path)
	if err != nil {
		return nil, nil, err
	}
	if p == "" {
		return nil, nil, errors.New("hub: download: empty file path")
	}
	cl := call{op: "download", method: http.MethodGet, url: c.endpointURL("/"+prefix+id+"/resolve/"+r+"/"+p, nil),
		token: token, kind: kindRepo, expect: expectAny, maxBytes: maxBytes, sink: sink}
	res, err := c.do(ctx, &cl)
	if err != nil {
		return nil, nil, err
	}
	// The Hub's own headers are on its answer, the first hop when it
	// redirects to storage; the storage's answer may carry others
	// (huggingface_hub file_download.py get_hf_file_metadata and
	// utils/_xet.py read them from the Hub's answer).
	f := &File{ContentType: res.header.Get("Content-Type"), Size: -1}
	for _, h := range []http.Header{res.first, res.header} {
		if h == nil {
			continue
		}
		if f.Commit == "" {
			f.Commit = h.Get("X-Repo-Commit")
		}
		if f.ETag == "" {
			f.ETag = unquoteETag(h.Get("X-Linked-Etag"))
		}
		if n, err := strconv.ParseInt(h.Get("X-Linked-Size"), 10, 64); err == nil && n >= 0 && f.Size < 0 {
			f.Size = n
		}
		if f.XetHash == "" {
			f.XetHash = h.Get("X-Xet-Hash")
		}
	}
	if f.ETag == "" {
		f.ETag = unquoteETag(res.header.Get("ETag"))
	}
	return f, res, nil
}

// unquoteETag strips W/ and quotes.
func unquoteETag(s string) string {
	s = strings.TrimPrefix(strings.TrimSpace(s), "W/")
	return strings.Trim(s, `"`)
}

// decodeError classifies an undecodable OK answer as UnexpectedContent.
// getJSON runs a GET on a repository endpoint and decodes its answer.
func getJSON[T any](ctx context.Context, c *Client, op string, u *url.URL, token string) (*T, error) {
	cl := call{op: op, method: http.MethodGet, url: u, token: token, kind: kindRepo, expect: expectJSON}
	res, err := c.do(ctx, &cl)
	if err != nil {
		return nil, err
	}
	var v T
	if err := decode(&cl, res, &v); err != nil {
		return nil, err
	}
	return &v, nil
}

func decodeError(cl *call, res *result, err error) error {
	return &Error{Class: UnexpectedContent, StatusCode: res.status, Op: cl.op, Method: cl.method,
		Endpoint: cl.url.EscapedPath(), Message: "decoding JSON: " + sanitize(err.Error(), nil), Err: err}
}
