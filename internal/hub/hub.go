// Package hub is hfwarden's client for the Hugging Face Hub API (or anything
// that speaks it: the hubsim simulator, a broker). It is the only code that
// talks to the Hub.
//
// Every answer is classified (see [Class]); callers never look at raw status
// codes. Failures are returned as [*Error]. Rate limits, server errors,
// non-Hub content (WAF pages) and network failures are "unknown" answers
// ([IsUnknown]): never evidence that a token is live or invalid.
//
// Tokens are sent only as an Authorization header, only to the endpoint's
// own scheme and host (the header is dropped on redirects elsewhere, e.g. to
// a CDN), never in URLs, and never appear in errors.
//
// All requests from one [Client] share a rate limiter, are retried with
// exponential backoff and jitter on 429, 5xx and network errors, and read at
// most a bounded number of bytes.
package hub

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// DefaultEndpoint is the public Hugging Face Hub.
const DefaultEndpoint = "https://huggingface.co"

// Defaults applied by [New] to zero-valued [Options] fields.
const (
	DefaultTimeout          = 30 * time.Second
	DefaultMaxRetries       = 3
	DefaultRatePerSecond    = 20.0
	DefaultBurst            = 1
	DefaultMaxResponseBytes = 32 << 20
	DefaultMaxRetryWait     = 60 * time.Second
	DefaultBackoff          = 500 * time.Millisecond
	DefaultPageSize         = 1000
	DefaultUserAgent        = "hfwarden"
)

// maxRevokeBatch is how many tokens one revoke request carries.
const maxRevokeBatch = 100

// maxPages bounds any pagination loop.
const maxPages = 100000

// maxRedirects is how many redirects one request follows.
const maxRedirects = 5

// Options configure a [Client]. The zero value is usable.
type Options struct {
	// Endpoint is the Hub's base URL, http or https, optionally with a
	// path prefix. Default [DefaultEndpoint]; the CLI passes --endpoint or
	// HF_ENDPOINT.
	Endpoint string
	// HTTPClient sends the requests. Default: a client with a clone of
	// http.DefaultTransport. Its CheckRedirect is wrapped (called after
	// the client's own redirect policy), never replaced.
	HTTPClient *http.Client
	// Timeout bounds each attempt, body included. Default 30s.
	Timeout time.Duration
	// MaxRetries is how many times a request is retried after a 429, 5xx
	// or network error. Default 3; negative means no retries.
	MaxRetries int
	// RatePerSecond is the request rate shared by all goroutines using the
	// client; every attempt waits on it. Default 10; negative means no
	// limit.
	RatePerSecond float64
	// Burst is how many requests may go at once when the limiter is full.
	// Default 1.
	Burst int
	// MaxResponseBytes bounds every response body read (DownloadFile has
	// its own bound). Default 32 MiB.
	MaxResponseBytes int64
	// MaxRetryWait caps the wait before one retry: a 429 whose reset is
	// further away is returned as RateLimited at once. Default 60s.
	MaxRetryWait time.Duration
	// Backoff is the first retry's base delay, doubled on each retry and
	// jittered between half and all of it. Default 500ms.
	Backoff time.Duration
	// PageSize is the limit= sent when listing repositories. Default 1000.
	PageSize int
	// UserAgent is sent with every request, e.g. "hfwarden/1.2.3".
	// Default "hfwarden".
	UserAgent string
	// Sleep waits for d or until ctx ends (tests pass a fake). Default: a
	// timer.
	Sleep func(ctx context.Context, d time.Duration) error
	// Now is the clock (tests pass a fake). Default time.Now.
	Now func() time.Time
}

// Client talks to one Hub endpoint. It is safe for concurrent use.
type Client struct {
	base              *url.URL // endpoint, no trailing slash in Path
	http              *http.Client
	timeout           time.Duration
	maxRetries        int
	maxBytes          int64
	maxWait           time.Duration
	backoff           time.Duration
	pageSize          int
	userAgent         string
	sleep             func(context.Context, time.Duration) error
	now               func() time.Time
	limiter           *limiter
	userCheckRedirect func(*http.Request, []*http.Request) error
}

// New validates opts, applies defaults and returns a client.
func New(opts Options) (*Client, error) {
	ep := opts.Endpoint
	if ep == "" {
		ep = DefaultEndpoint
	}
	base, err := url.Parse(ep)
	if err != nil {
		return nil, fmt.Errorf("hub: parsing endpoint: %w", err)
	}
	switch {
	case base.Scheme != "http" && base.Scheme != "https":
		return nil, fmt.Errorf("hub: endpoint %q: scheme must be http or https", ep)
	case base.Host == "":
		return nil, fmt.Errorf("hub: endpoint %q has no host", ep)
	case base.User != nil:
		return nil, errors.New("hub: endpoint must not contain credentials")
	case base.RawQuery != "" || base.Fragment != "":
		return nil, fmt.Errorf("hub: endpoint %q must not have a query or fragment", ep)
	}
	base.Path = strings.TrimRight(base.Path, "/")
	base.RawPath = ""

	c := &Client{
		base:       base,
		timeout:    opts.Timeout,
		maxRetries: opts.MaxRetries,
		maxBytes:   opts.MaxResponseBytes,
		maxWait:    opts.MaxRetryWait,
		backoff:    opts.Backoff,
		pageSize:   opts.PageSize,
		userAgent:  opts.UserAgent,
		sleep:      opts.Sleep,
		now:        opts.Now,
	}
	if c.timeout <= 0 {
		c.timeout = DefaultTimeout
	}
	switch {
	case c.maxRetries == 0:
		c.maxRetries = DefaultMaxRetries
	case c.maxRetries < 0:
		c.maxRetries = 0
	}
	if c.maxBytes <= 0 {
		c.maxBytes = DefaultMaxResponseBytes
	}
	if c.maxWait <= 0 {
		c.maxWait = DefaultMaxRetryWait
	}
	if c.backoff <= 0 {
		c.backoff = DefaultBackoff
	}
	if c.pageSize <= 0 {
		c.pageSize = DefaultPageSize
	}
	if c.userAgent == "" {
		c.userAgent = DefaultUserAgent
	}
	if c.sleep == nil {
		c.sleep = sleepCtx
	}
	if c.now == nil {
		c.now = time.Now
	}
	rate := opts.RatePerSecond
	if rate == 0 {
		rate = DefaultRatePerSecond
	}
	burst := opts.Burst
	if burst <= 0 {
		burst = DefaultBurst
	}
	c.limiter = newLimiter(rate, burst, c.now, c.sleep)

	var hc http.Client
	if opts.HTTPClient != nil {
		hc = *opts.HTTPClient
	} else {
		hc.Transport = http.DefaultTransport.(*http.Transport).Clone()
	}
	c.userCheckRedirect = hc.CheckRedirect
	hc.CheckRedirect = c.checkRedirect
	c.http = &hc
	return c, nil
}

// Endpoint returns the endpoint the client talks to.
func (c *Client) Endpoint() string { return c.base.String() }

// hopsKey is the context key of a request's *hops.
type hopsKey struct{}

// hops carries per-request redirect policy and what the first redirect
// said (X-Repo-Commit and friends are on the Hub's answer, not the CDN's).
type hops struct {
	// noCrossOrigin refuses redirects to other origins, saying why: the
	// body carries secrets, or only the endpoint's own answer means
	// anything (whoami-v2).
	noCrossOrigin string
	// noRedirect refuses every redirect, same origin or not, saying why.
	noRedirect string
	first      http.Header
}

// errRedirect marks a redirect the client refused.
var errRedirect = errors.New("redirect refused")

// checkRedirect follows at most maxRedirects redirects, drops the
// Authorization header on any hop that leaves the endpoint's scheme and
// host, and refuses to carry a secret body elsewhere.
func (c *Client) checkRedirect(req *http.Request, via []*http.Request) error {
	if len(via) >= maxRedirects {
		return fmt.Errorf("%w: more than %d redirects", errRedirect, maxRedirects)
	}
	if req.URL.Scheme != "http" && req.URL.Scheme != "https" {
		return fmt.Errorf("%w: to a %q URL", errRedirect, req.URL.Scheme)
	}
	h, _ := req.Context().Value(hopsKey{}).(*hops)
	if h != nil && h.first == nil && req.Response != nil {
		h.first = req.Response.Header.Clone()
	}
	if h != nil && h.noRedirect != "" {
		return fmt.Errorf("%w: to %s %s", errRedirect, req.URL.Redacted(), h.noRedirect)
	}
	if !c.sameOrigin(req.URL) {
		if h != nil && h.noCrossOrigin != "" {
			return fmt.Errorf("%w: to another origin (%s://%s) %s", errRedirect, req.URL.Scheme, req.URL.Host, h.noCrossOrigin)
		}
		req.Header.Del("Authorization")
		req.Header.Del("Cookie")
	}
	if c.userCheckRedirect != nil {
		return c.userCheckRedirect(req, via)
	}
	return nil
}

// sameOrigin reports whether u has the endpoint's scheme and host:port.
func (c *Client) sameOrigin(u *url.URL) bool {
	return strings.EqualFold(u.Scheme, c.base.Scheme) && strings.EqualFold(u.Host, c.base.Host)
}

// call describes one logical request (retried as a whole).
type call struct {
	op      string
	method  string
	url     *url.URL
	token   string   // sent as Bearer when non-empty
	secrets []string // redacted from messages; the body carries them
	body    []byte   // nil: no body
	ctype   string   // the body's Content-Type; default application/json
	accept  string   // the Accept header; default application/json unless expectAny
	kind    endpointKind
	expect  expectBody
	// noRedirect refuses every redirect, even without a secret body:
	// the answer must be the one of the URL asked.
	noRedirect bool
	maxBytes   int64 // 0: the client's bound
	// sink, when set, receives a 2xx body from offset 0 instead of
	// memory: each attempt writes it afresh, so a retry overwrites.
	sink io.WriterAt
}

// result is a classified OK answer.
type result struct {
	status int
	header http.Header // of the final answer
	first  http.Header // of the first redirect, if any
	body   []byte
	size   int64 // bytes written to the call's sink
}

// do runs a call: rate limit, attempt, classify, retry. It returns a
// result only for class OK.
func (c *Client) do(ctx context.Context, cl *call) (*result, error) {
	if err := checkToken(cl.token); err != nil {
		return nil, &Error{Class: BadRequest, Op: cl.op, Method: cl.method, Endpoint: cl.url.EscapedPath(), Message: err.Error()}
	}
	var last *Error // the last answer classified, retried since
	for attempt := 0; ; attempt++ {
		if err := c.limiter.wait(ctx); err != nil {
			return nil, c.cutError(cl, err, last)
		}
		res, herr := c.attempt(ctx, cl)
		if herr == nil {
			return res, nil
		}
		if ctx.Err() != nil {
			return nil, c.cutError(cl, ctx.Err(), last)
		}
		switch herr.Class {
		case RateLimited, ServerError, NetworkError:
		default:
			return nil, herr
		}
		if attempt >= c.maxRetries {
			return nil, herr
		}
		wait := c.backoffFor(attempt)
		if herr.Class == RateLimited && !herr.ResetAt.IsZero() {
			until := herr.ResetAt.Sub(c.now())
			if until > c.maxWait {
				return nil, herr
			}
			wait = max(wait, until)
		}
		last = herr
		if err := c.sleep(ctx, wait); err != nil {
			return nil, c.cutError(cl, err, last)
		}
	}
}

// cutError reports the end of the caller's context during a call. When an
// answer was already retried (a 429 waiting out its Retry-After, a 5xx),
// that answer is what the Hub said: it keeps its class, with the context's
// end as the cause, so that a rate limit that outlasts a deadline reads as
// rate-limited, not as a network failure.
func (c *Client) cutError(cl *call, err error, last *Error) *Error {
	if last == nil {
		return c.ctxError(cl, err)
	}
	e := *last
	e.Message = strings.TrimSpace(e.Message + " (no retry before the caller's deadline: " + err.Error() + ")")
	e.Err = err
	return &e
}

// backoffFor is the jittered exponential delay before retry n+1.
func (c *Client) backoffFor(n int) time.Duration {
	d := c.backoff << min(n, 20)
	if d <= 0 || d > c.maxWait {
		d = c.maxWait
	}
	half := d / 2
	return half + rand.N(d-half+1)
}

// ctxError reports the end of the caller's context.
func (c *Client) ctxError(cl *call, err error) *Error {
	return &Error{Class: NetworkError, Op: cl.op, Method: cl.method, Endpoint: cl.url.EscapedPath(), Message: err.Error(), Err: err}
}

// attempt sends the request once and classifies the answer.
func (c *Client) attempt(ctx context.Context, cl *call) (*result, *Error) {
	fail := func(class Class, status int, msg string, err error) *Error {
		return &Error{Class: class, StatusCode: status, Op: cl.op, Method: cl.method, Endpoint: cl.url.EscapedPath(),
			Message: sanitize(msg, c.secretsOf(cl)), Err: err}
	}
	actx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	hp := &hops{}
	if len(cl.secrets) > 0 {
		hp.noCrossOrigin = "with a secret body"
	}
	if cl.noRedirect {
		hp.noRedirect = "(the Hub never redirects this request: only its own answer says anything about the token)"
	}
	actx = context.WithValue(actx, hopsKey{}, hp)

	var body io.Reader
	if cl.body != nil {
		body = bytes.NewReader(cl.body)
	}
	req, err := http.NewRequestWithContext(actx, cl.method, cl.url.String(), body)
	if err != nil {
		return nil, fail(BadRequest, 0, "building request: "+err.Error(), nil)
	}
	req.Header.Set("User-Agent", c.userAgent)
	switch {
	case cl.accept != "":
		req.Header.Set("Accept", cl.accept)
	case cl.expect != expectAny:
		req.Header.Set("Accept", "application/json")
	}
	if cl.body != nil {
		ct := cl.ctype
		if ct == "" {
			ct = "application/json"
		}
		req.Header.Set("Content-Type", ct)
	}
	if cl.token != "" {
		req.Header.Set("Authorization", "Bearer "+cl.token)
	}

	resp, err := c.http.Do(req)
	if err != nil {
		if errors.Is(err, errRedirect) {
			return nil, fail(UnexpectedContent, 0, errRedirectText(err), errRedirect)
		}
		return nil, fail(NetworkError, 0, transportText(err), unwrapURLError(err))
	}
	defer func() { _ = resp.Body.Close() }() // a response read: closing it loses nothing

	limit := cl.maxBytes
	if limit <= 0 {
		limit = c.maxBytes
	}
	ok2xx := resp.StatusCode >= 200 && resp.StatusCode < 300
	tooLarge := func() *Error {
		return fail(UnexpectedContent, resp.StatusCode, fmt.Sprintf("response body larger than %d bytes", limit), ErrResponseTooLarge)
	}
	if ok2xx && resp.ContentLength > limit {
		return nil, tooLarge()
	}
	if ok2xx && cl.sink != nil {
		n, err := io.Copy(io.NewOffsetWriter(cl.sink, 0), io.LimitReader(resp.Body, limit+1))
		if err != nil {
			return nil, fail(NetworkError, resp.StatusCode, "reading response: "+transportText(err), unwrapURLError(err))
		}
		if n > limit {
			return nil, tooLarge()
		}
		return &result{status: resp.StatusCode, header: resp.Header, first: hp.first, size: n}, nil
	}
	readLimit := limit
	if !ok2xx {
		readLimit = min(limit, 64<<10) // enough to classify an error answer
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, readLimit+1))
	if err != nil {
		return nil, fail(NetworkError, resp.StatusCode, "reading response: "+transportText(err), unwrapURLError(err))
	}
	if int64(len(data)) > readLimit {
		if ok2xx {
			return nil, tooLarge()
		}
		data = data[:readLimit]
	}

	cls := classify(cl.kind, cl.expect, resp.StatusCode, resp.Header, data, c.now())
	if cls.class != OK {
		e := fail(cls.class, resp.StatusCode, cls.message, nil)
		e.Code = sanitize(cls.code, c.secretsOf(cl))
		e.ResetAt = cls.resetAt
		return nil, e
	}
	return &result{status: resp.StatusCode, header: resp.Header, first: hp.first, body: data}, nil
}

// secretsOf lists what must never appear in a message of cl.
func (c *Client) secretsOf(cl *call) []string {
	if cl.token == "" {
		return cl.secrets
	}
	return append([]string{cl.token}, cl.secrets...)
}

// transportText describes a transport error without the request URL.
func transportText(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return "request timed out"
	}
	return err.Error()
}

// unwrapURLError drops the *url.Error layer (it repeats the URL).
func unwrapURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// errRedirectText describes a refused redirect.
func errRedirectText(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err.Error()
	}
	return err.Error()
}

// checkToken rejects tokens that cannot travel in a header, without
// echoing them.
func checkToken(tok string) error {
	for i := 0; i < len(tok); i++ {
		if b := tok[i]; b <= ' ' || b >= 0x7f {
			return errors.New("token contains whitespace, control or non-ASCII characters")
		}
	}
	return nil
}

// decode unmarshals a JSON answer, classifying a bad document as
// UnexpectedContent.
func decode(cl *call, res *result, v any) error {
	if err := json.Unmarshal(res.body, v); err != nil {
		return decodeError(cl, res, err)
	}
	return nil
}

// Repository types.
const (
	RepoModel   = "model"
	RepoDataset = "dataset"
	RepoSpace   = "space"
)

// apiPrefix returns "models", "datasets" or "spaces" ("" is a model).
func apiPrefix(repoType string) (string, error) {
	switch repoType {
	case "", RepoModel, "models":
		return "models", nil
	case RepoDataset, "datasets":
		return "datasets", nil
	case RepoSpace, "spaces":
		return "spaces", nil
	}
	return "", fmt.Errorf("hub: unknown repository type %q (want model, dataset or space)", repoType)
}

// filePrefix returns the file-URL prefix: "", "datasets/" or "spaces/".
func filePrefix(repoType string) (string, error) {
	p, err := apiPrefix(repoType)
	if err != nil || p == "models" {
		return "", err
	}
	return p + "/", nil
}

// escapeRepoID escapes "namespace/name" (or a bare legacy "name").
func escapeRepoID(id string) (string, error) {
	parts := strings.Split(id, "/")
	if id == "" || len(parts) > 2 {
		return "", fmt.Errorf("hub: invalid repository id %q (want namespace/name)", id)
	}
	for i, p := range parts {
		if p == "" || p == "." || p == ".." {
			return "", fmt.Errorf("hub: invalid repository id %q", id)
		}
		parts[i] = url.PathEscape(p)
	}
	return strings.Join(parts, "/"), nil
}

// escapeName escapes one path segment (an org name, a revision: a "/" in a
// revision becomes %2F, as the Hub clients send it).
func escapeName(what, s string) (string, error) {
	if s == "" || s == "." || s == ".." {
		return "", fmt.Errorf("hub: invalid %s %q", what, s)
	}
	return url.PathEscape(s), nil
}

// escapePath escapes a file path inside a repository segment by segment.
func escapePath(p string) (string, error) {
	p = strings.Trim(p, "/")
	if p == "" {
		return "", nil
	}
	parts := strings.Split(p, "/")
	for i, s := range parts {
		if s == "" || s == "." || s == ".." {
			return "", fmt.Errorf("hub: invalid path %q", p)
		}
		parts[i] = url.PathEscape(s)
	}
	return strings.Join(parts, "/"), nil
}

// endpointURL joins the endpoint with an already escaped path and a query.
func (c *Client) endpointURL(escapedPath string, q url.Values) *url.URL {
	u := *c.base
	raw := c.base.EscapedPath() + escapedPath
	p, err := url.PathUnescape(raw)
	if err != nil {
		p = raw
	}
	u.Path, u.RawPath = p, raw
	if q != nil {
		u.RawQuery = q.Encode()
	}
	return &u
}

// repoURL builds /api/{type}s/{id}{suffix}.
func (c *Client) repoURL(repoType, repoID, suffix string, q url.Values) (*url.URL, error) {
	p, err := apiPrefix(repoType)
	if err != nil {
		return nil, err
	}
	id, err := escapeRepoID(repoID)
	if err != nil {
		return nil, err
	}
	return c.endpointURL("/api/"+p+"/"+id+suffix, q), nil
}

// nextLink returns the rel="next" target of a Link header, or "".
func nextLink(h http.Header) string {
	for _, v := range h.Values("Link") {
		for len(v) > 0 {
			start := strings.IndexByte(v, '<')
			if start < 0 {
				break
			}
			end := strings.IndexByte(v[start:], '>')
			if end < 0 {
				break
			}
			target := v[start+1 : start+end]
			rest := v[start+end+1:]
			params := rest
			if i := strings.IndexByte(rest, '<'); i >= 0 {
				params = rest[:i]
			}
			for p := range strings.SplitSeq(params, ";") {
				k, val, ok := strings.Cut(strings.TrimSpace(strings.TrimRight(strings.TrimSpace(p), ",")), "=")
				if !ok || !strings.EqualFold(strings.TrimSpace(k), "rel") {
					continue
				}
				for r := range strings.FieldsSeq(strings.Trim(strings.TrimSpace(val), `"`)) {
					if strings.EqualFold(r, "next") {
						return target
					}
				}
			}
			v = rest
		}
	}
	return ""
}

// paginate GETs first and every rel="next" page after it, decoding each
// page as a JSON array of T, until no next link, limit items (0: all) or
// maxPages. Next links must be absolute http(s) URLs on the endpoint's own
// scheme and host. It returns the items and the first page's headers.
func paginate[T any](ctx context.Context, c *Client, cl call, limit int) ([]T, http.Header, error) {
	var all []T
	var firstHeader http.Header
	seen := map[string]bool{}
	for page := 0; ; page++ {
		seen[cl.url.String()] = true
		res, err := c.do(ctx, &cl)
		if err != nil {
			return nil, nil, err
		}
		if firstHeader == nil {
			firstHeader = res.header
		}
		var items []T
		if err := decode(&cl, res, &items); err != nil {
			return nil, nil, err
		}
		all = append(all, items...)
		if limit > 0 && len(all) >= limit {
			return all[:limit], firstHeader, nil
		}
		next := nextLink(res.header)
		if next == "" || len(items) == 0 {
			return all, firstHeader, nil
		}
		u, err := url.Parse(next)
		refuse := func(why string) error {
			return &Error{Class: UnexpectedContent, StatusCode: res.status, Op: cl.op, Method: cl.method,
				Endpoint: cl.url.EscapedPath(), Message: "refusing pagination link: " + why}
		}
		switch {
		case err != nil:
			return nil, nil, refuse("unparsable URL")
		case !u.IsAbs() || (u.Scheme != "http" && u.Scheme != "https"):
			return nil, nil, refuse("not an absolute http(s) URL")
		case !c.sameOrigin(u):
			return nil, nil, refuse("host " + strconv.Quote(u.Host) + " is not the endpoint's")
		case u.User != nil:
			return nil, nil, refuse("URL carries credentials")
		case seen[u.String()]:
			return nil, nil, refuse("loop")
		case page+1 >= maxPages:
			return nil, nil, refuse("too many pages")
		}
		u.Fragment = ""
		cl.url = u
	}
}
