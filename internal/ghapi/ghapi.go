// Package ghapi asks GitHub's public credential revocation API
// (POST /credentials/revoke, "REST API endpoints for revocation") to revoke
// leaked GitHub tokens. It is the only code that sends a GitHub token
// anywhere, and it sends it only to GitHub's API.
//
// GitHub answers 202 whether or not a token existed and offers no way to
// confirm the revocation without the token's owner: a revocation through
// this API is requested, never proven.
package ghapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// DefaultEndpoint is GitHub.com's REST API; GitHub Enterprise Server's is
// https://HOST/api/v3.
const DefaultEndpoint = "https://api.github.com"

// maxBatch is how many credentials GitHub takes in one request.
const maxBatch = 1000

// revocablePrefixes are the token kinds the API accepts.
var revocablePrefixes = []string{"ghp_", "github_pat_", "gho_", "ghu_", "ghr_"}

// Revocable reports whether GitHub's revocation API accepts token's kind:
// classic and fine-grained personal access tokens, OAuth app tokens, and
// GitHub App user-to-server and refresh tokens (not ghs_ installation
// tokens, which expire within an hour).
func Revocable(token string) bool {
	for _, p := range revocablePrefixes {
		if strings.HasPrefix(token, p) {
			return true
		}
	}
	return false
}

// Client talks to one GitHub REST API endpoint.
type Client struct {
	base *url.URL
	http *http.Client
}

// New returns a client for endpoint ("" for [DefaultEndpoint]). hc may be
// nil; its redirect policy is replaced (a body of secrets never follows a
// redirect).
func New(endpoint string, hc *http.Client) (*Client, error) {
	if endpoint == "" {
		endpoint = DefaultEndpoint
	}
	u, err := url.Parse(endpoint)
	switch {
	case err != nil:
		return nil, fmt.Errorf("github api: parsing endpoint: %w", err)
	case u.Scheme != "http" && u.Scheme != "https", u.Host == "":
		return nil, fmt.Errorf("github api: endpoint %q must be an http or https URL with a host", endpoint)
	case u.User != nil || u.RawQuery != "" || u.Fragment != "":
		return nil, fmt.Errorf("github api: endpoint %q must not hold credentials, a query or a fragment", endpoint)
	}
	u.Path = strings.TrimRight(u.Path, "/")
	u.RawPath = ""
	c := &http.Client{Timeout: 30 * time.Second}
	if hc != nil {
		cp := *hc
		c = &cp
	}
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &Client{base: u, http: c}, nil
}

// Endpoint returns the API's base URL.
func (c *Client) Endpoint() string { return c.base.String() }

// RevokeURL is where the tokens are sent.
func (c *Client) RevokeURL() string { return c.base.String() + "/credentials/revoke" }

// Revoke submits tokens for revocation, at most 1000 a request, without
// authentication (GitHub refuses authenticated calls). nil means GitHub
// answered 202 Accepted to every request: the revocation is requested, not
// proven. Errors never hold a token.
func (c *Client) Revoke(ctx context.Context, tokens []string) error {
	var uniq []string
	seen := map[string]bool{}
	for _, t := range tokens {
		if t != "" && !seen[t] {
			seen[t] = true
			uniq = append(uniq, t)
		}
	}
	for start := 0; start < len(uniq); start += maxBatch {
		batch := uniq[start:min(start+maxBatch, len(uniq))]
		if err := c.revokeBatch(ctx, batch); err != nil {
			if len(uniq) > maxBatch {
				return fmt.Errorf("github api: revoking tokens %d-%d of %d: %w", start+1, start+len(batch), len(uniq), err)
			}
			return fmt.Errorf("github api: revoking: %w", err)
		}
	}
	return nil
}

func (c *Client) revokeBatch(ctx context.Context, batch []string) error {
	body, err := json.Marshal(struct {
		Credentials []string `json:"credentials"`
	}{batch})
	if err != nil {
		return fmt.Errorf("encoding the request: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.RevokeURL(), bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("building the request: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/vnd.github+json")
	req.Header.Set("X-GitHub-Api-Version", "2022-11-28")
	req.Header.Set("User-Agent", "hfwarden")
	resp, err := c.http.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // the URL is known; the error must not grow
		}
		return redact(err.Error(), batch)
	}
	defer func() { _ = resp.Body.Close() }() // a response read: closing it loses nothing
	data, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode == http.StatusAccepted {
		return nil
	}
	msg := fmt.Sprintf("HTTP %d", resp.StatusCode)
	if resp.StatusCode >= 300 && resp.StatusCode < 400 {
		msg += " (a redirect, not followed: the body holds secrets)"
	}
	var e struct {
		Message string `json:"message"`
	}
	if json.Unmarshal(data, &e) == nil && e.Message != "" {
		msg += ": " + e.Message
	}
	return redact(msg, batch)
}

// redact turns msg into an error holding none of secrets, on one short
// line.
func redact(msg string, secrets []string) error {
	for _, s := range secrets {
		msg = strings.ReplaceAll(msg, s, "[REDACTED]")
	}
	msg = strings.Join(strings.Fields(msg), " ")
	if len(msg) > 300 {
		msg = msg[:300] + "…"
	}
	return errors.New(msg)
}
