package hubsim

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// DefaultRateLimit is the api quota of a free account per window; the
// other tiers are in [TierQuotas].
const DefaultRateLimit = 1000

// DefaultRateWindow is the length of the Hub's fixed rate-limit windows
// (hub-docs rate-limits.md: "All quotas are calculated over 5-minute fixed
// windows").
const DefaultRateWindow = 5 * time.Minute

// DefaultWhoamiLimit is how many whoami-v2 requests one account (or, for
// callers without a valid token, one IP address) may make per window. The
// Hub keeps whoami-v2 "intentionally strict for security reasons"
// (huggingface_hub hf_api.py, whoami) without publishing the number; this
// one is far below the api quota, as there.
const DefaultWhoamiLimit = 100

// maxBody bounds request bodies (commits carry their files).
const maxBody = 256 << 20

// Options tune a Server.
type Options struct {
	// Latency is added to every request, for benchmarks.
	Latency time.Duration
	// RateLimit, when positive, is the quota of every bucket for every
	// caller, whatever its plan (tests use small ones); 0 means the Hub's
	// quotas by plan ([TierQuotas]); a negative number means no limit at
	// all, and no rate-limit headers.
	RateLimit int
	// RateWindow is the length of the fixed windows quotas are counted
	// in: 0 means DefaultRateWindow. Tests shrink it so that a spent
	// quota comes back within a second.
	RateWindow time.Duration
	// WhoamiLimit is whoami-v2's own quota per window and account, on top
	// of the api bucket: 0 means DefaultWhoamiLimit, negative none.
	WhoamiLimit int
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Server is a simulated Hugging Face Hub. It implements http.Handler and is
// safe for concurrent use.
type Server struct {
	opts     Options
	requests atomic.Int64

	mu          sync.Mutex
	st          *state
	limits      map[string]*window
	revocations []Revocation
	reqSeq      int64
	cdnURL      string                   // the CDN's base URL, "" when none runs
	uploads     map[string]pendingUpload // LFS upload id → what it may receive
	uploadSeq   int64
}

type window struct {
	start time.Time // a multiple of the window length
	count int
}

// Revocation records one credential named in a revocation request.
type Revocation struct {
	Token string    // the credential as sent
	Known bool      // whether it was a token of the scenario
	Org   string    // set for an organization admin's revocation
	At    time.Time // when the request came
}

// TokenInfo describes a token of the scenario, for printing.
type TokenInfo struct {
	Token string `json:"token"`
	User  string `json:"user"`
	Kind  string `json:"kind"`
}

// New returns a Server holding a copy of the scenario; later changes to s
// do not affect it. New panics if s does not pass Validate (scenarios from
// ParseScenario, LoadScenario and DemoScenario always do).
func New(s *Scenario, opts Options) *Server {
	st, err := build(s)
	if err != nil {
		panic(err)
	}
	if opts.RateWindow <= 0 {
		opts.RateWindow = DefaultRateWindow
	}
	if opts.WhoamiLimit == 0 {
		opts.WhoamiLimit = DefaultWhoamiLimit
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Server{opts: opts, st: st, limits: map[string]*window{}, uploads: map[string]pendingUpload{}}
}

func (s *Server) now() time.Time { return s.opts.Now() }

// Start serves the simulator on addr (use "127.0.0.1:0" in tests) and
// returns its base URL, like "http://127.0.0.1:41235", and a function that
// stops it. It also starts the simulator's CDN on another port of the same
// host (see StartCDN).
func (s *Server) Start(addr string) (baseURL string, stop func(), err error) {
	baseURL, stopHub, err := serve(addr, s)
	if err != nil {
		return "", nil, err
	}
	u, _ := url.Parse(baseURL) // serve's own URL
	_, stopCDN, err := s.StartCDN(net.JoinHostPort(u.Hostname(), "0"))
	if err != nil {
		stopHub()
		return "", nil, err
	}
	return baseURL, func() { stopCDN(); stopHub() }, nil
}

// StartCDN serves the simulator's CDN on addr, another origin than the
// Hub's, as the Hub's LFS storage is: from then on /resolve/ of an LFS
// file answers 302 to it (with the Hub's headers on that first hop) and
// LFS uploads are PUT there. Without a CDN (a Server served only through
// ServeHTTP) the Hub serves LFS files itself and takes uploads on its own
// origin. Start calls it; tests serving the Server with httptest may too.
func (s *Server) StartCDN(addr string) (cdnURL string, stop func(), err error) {
	cdnURL, stopCDN, err := serve(addr, http.HandlerFunc(s.serveCDN))
	if err != nil {
		return "", nil, err
	}
	s.mu.Lock()
	s.cdnURL = cdnURL
	s.mu.Unlock()
	return cdnURL, func() {
		s.mu.Lock()
		s.cdnURL = ""
		s.mu.Unlock()
		stopCDN()
	}, nil
}

// serve serves h on addr until stop is called.
func serve(addr string, h http.Handler) (baseURL string, stop func(), err error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return "", nil, fmt.Errorf("hubsim: listen on %s: %w", addr, err)
	}
	host, port, err := net.SplitHostPort(ln.Addr().String())
	if err != nil {
		_ = ln.Close() // never served: the address error is what to report
		return "", nil, fmt.Errorf("hubsim: listen on %s: %w", addr, err)
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsUnspecified() {
		host = "127.0.0.1"
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 30 * time.Second}
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = srv.Serve(ln) // returns http.ErrServerClosed after stop
	}()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			// Shutdown counts a connection that was opened but never used
			// as busy for 5 s; a simulator need not wait that long.
			ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
			defer cancel()
			if srv.Shutdown(ctx) != nil {
				_ = srv.Close() // stopping anyway: a simulator has no state to lose
			}
			<-done
		})
	}
	return "http://" + net.JoinHostPort(host, port), stop, nil
}

// RequestCount returns the number of requests served so far.
func (s *Server) RequestCount() int64 { return s.requests.Load() }

// Tokens lists the scenario's tokens in scenario order, revoked ones
// included.
func (s *Server) Tokens() []TokenInfo {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]TokenInfo, 0, len(s.st.tokenSeq))
	for _, t := range s.st.tokenSeq {
		out = append(out, TokenInfo{Token: t.Token.Token, User: t.User, Kind: t.Kind})
	}
	return out
}

// Revoked reports whether token is a scenario token that has been revoked
// (it no longer authenticates).
func (s *Server) Revoked(token string) bool {
	_, ok := s.RevokedAt(token)
	return ok
}

// RevokedAt returns when a scenario token was revoked.
func (s *Server) RevokedAt(token string) (time.Time, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.st.tokens[token]
	if t == nil || t.revokedAt.IsZero() {
		return time.Time{}, false
	}
	return t.revokedAt, true
}

// Revocations returns every credential named in a revocation request so
// far, known or not, in order.
func (s *Server) Revocations() []Revocation {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Revocation(nil), s.revocations...)
}

// response is a complete answer, built under the lock and written after.
type response struct {
	status int
	header http.Header
	body   []byte
}

func newResp(status int) *response {
	return &response{status: status, header: http.Header{}}
}

func jsonResp(status int, v any) *response {
	resp := newResp(status)
	body, err := json.Marshal(v)
	if err != nil {
		// Only our own types are marshalled; this is a programming error.
		panic(fmt.Errorf("hubsim: marshal response: %w", err))
	}
	resp.header.Set("Content-Type", "application/json; charset=utf-8")
	resp.body = body
	return resp
}

// pageResp answers 200 with one page of a listing and, when there is a
// next page, its absolute Link.
func pageResp(v any, link string) *response {
	resp := jsonResp(http.StatusOK, v)
	if link != "" {
		resp.header.Set("Link", link)
	}
	return resp
}

// errResp is an error as the Hub sends it: a JSON {"error"} body, the
// message in X-Error-Message and, when code is set, X-Error-Code.
func errResp(status int, code, msg string) *response {
	resp := jsonResp(status, map[string]string{"error": msg})
	resp.header.Set("X-Error-Message", msg)
	if code != "" {
		resp.header.Set("X-Error-Code", code)
	}
	return resp
}

// ServeHTTP answers one request.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.requests.Add(1)
	if s.opts.Latency > 0 {
		t := time.NewTimer(s.opts.Latency)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
			return
		}
	}
	s.serveWith(w, r, s.handle)
}

// serveCDN answers a request to the simulator's CDN.
func (s *Server) serveCDN(w http.ResponseWriter, r *http.Request) {
	s.serveWith(w, r, s.handleCDN)
}

// serveWith reads the body (bounded), runs handle under s.mu and writes
// its response.
func (s *Server) serveWith(w http.ResponseWriter, r *http.Request, handle func(*http.Request, []byte) *response) {
	var body []byte
	var resp *response
	if r.Body != nil {
		var err error
		body, err = io.ReadAll(io.LimitReader(r.Body, maxBody+1))
		switch {
		case err != nil:
			resp = errResp(http.StatusBadRequest, "", "cannot read request body: "+err.Error())
		case len(body) > maxBody:
			resp = errResp(http.StatusRequestEntityTooLarge, "", "request body too large")
		}
	}
	s.mu.Lock()
	s.reqSeq++
	id := fmt.Sprintf("Root=1-hubsim-%08d", s.reqSeq)
	if resp == nil {
		resp = handle(r, body)
	}
	s.mu.Unlock()

	h := w.Header()
	for k, v := range resp.header {
		h[k] = v
	}
	h.Set("X-Request-Id", id)
	if resp.body != nil && h.Get("Content-Length") == "" {
		h.Set("Content-Length", strconv.Itoa(len(resp.body)))
	}
	w.WriteHeader(resp.status)
	if r.Method != http.MethodHead && resp.body != nil {
		_, _ = w.Write(resp.body) // the client may be gone; nothing to do
	}
}

// handle applies the rate limit and routes the request. Called with s.mu.
func (s *Server) handle(r *http.Request, body []byte) *response {
	segs, err := splitPath(r.URL)
	if err != nil {
		return errResp(http.StatusBadRequest, "", "bad path: "+err.Error())
	}
	rt := route(r.Method, segs)
	if rt.bucket == "" {
		rt.bucket = "api"
	}
	limited, rlHeaders := s.rateLimit(r, rt)
	var resp *response
	switch {
	case limited != nil:
		resp = limited
	case rt.handler == nil && len(rt.allow) > 0:
		resp = errResp(http.StatusMethodNotAllowed, "", "Method "+r.Method+" not allowed on this route")
		resp.header.Set("Allow", strings.Join(rt.allow, ", "))
	case rt.handler == nil:
		resp = errResp(http.StatusNotFound, "", "Sorry, we can't find the page you are looking for: "+r.Method+" "+r.URL.Path)
	default:
		resp = rt.handler(&request{Request: r, body: body, vars: rt.vars, srv: s})
	}
	for k, v := range rlHeaders {
		resp.header[k] = v
	}
	return resp
}

// Quotas are the requests one caller may make per window in each of the
// Hub's buckets.
type Quotas struct {
	API, Resolvers, Pages int
}

// of returns the quota of a bucket.
func (q Quotas) of(bucket string) int {
	switch bucket {
	case "resolvers":
		return q.Resolvers
	case "pages":
		return q.Pages
	}
	return q.API
}

// TierQuotas returns the Hub's quotas for a plan, as hub-docs
// rate-limits.md lists them (September 2025): "anonymous" (per IP
// address), "free" and "pro" users, and the organization plans "team",
// "enterprise", "enterprise-plus" and "academia". Unknown plans get the
// free quotas.
func TierQuotas(plan string) Quotas {
	switch plan {
	case "anonymous":
		return Quotas{API: 500, Resolvers: 3000, Pages: 100}
	case "pro":
		return Quotas{API: 2500, Resolvers: 12000, Pages: 400}
	case "team", "academia":
		return Quotas{API: 3000, Resolvers: 20000, Pages: 400}
	case "enterprise":
		return Quotas{API: 6000, Resolvers: 50000, Pages: 600}
	case "enterprise-plus":
		return Quotas{API: 10000, Resolvers: 100000, Pages: 1000}
	}
	return Quotas{API: DefaultRateLimit, Resolvers: 5000, Pages: 200}
}

// rateAccount is who a request counts against and that account's quotas:
// the user (or organization, for an org token) behind a valid token, else
// the IP address. A user gets the best of their own plan and those of
// their organizations, whose limits "are applied individually to each
// member" (hub-docs rate-limits.md). Called with s.mu.
func (s *Server) rateAccount(r *http.Request) (string, Quotas) {
	best := func(qs ...Quotas) Quotas {
		out := qs[0]
		for _, q := range qs[1:] {
			if q.API > out.API {
				out = q
			}
		}
		return out
	}
	if p, bad := s.authenticate(r); bad == nil {
		switch {
		case p.org != nil:
			return "org:" + p.org.name, TierQuotas(p.org.plan)
		case p.user != nil:
			plan := "free"
			if p.user.isPro {
				plan = "pro"
			}
			q := TierQuotas(plan)
			for _, m := range p.user.orgs {
				if o := s.st.orgs[m.Name]; o != nil {
					q = best(q, TierQuotas(o.plan))
				}
			}
			return "user:" + p.user.name, q
		}
	}
	host := r.RemoteAddr
	if h, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
		host = h
	}
	return "ip:" + host, TierQuotas("anonymous")
}

// count adds one request to the window of key (unless exempt) and returns
// the count and when the window ends.
func (s *Server) count(key string, now time.Time, exempt bool) (int, time.Time) {
	start := now.Truncate(s.opts.RateWindow)
	win := s.limits[key]
	if win == nil || !win.start.Equal(start) {
		win = &window{start: start}
		s.limits[key] = win
	}
	if !exempt {
		win.count++
	}
	return win.count, start.Add(s.opts.RateWindow)
}

// windowText says how long a window is, as the Hub's messages do ("5
// minutes").
func windowText(d time.Duration) string {
	if d%time.Minute == 0 {
		return strconv.FormatInt(int64(d/time.Minute), 10) + " minutes"
	}
	return d.String()
}

// ceilSeconds rounds d up to whole seconds, at least 1, as the headers
// count in seconds and 0 would tell a client to retry at once.
func ceilSeconds(d time.Duration) int64 {
	return max(int64((d+time.Second-1)/time.Second), 1)
}

// rateLimit counts the request against its account's window and answers
// 429 when the quota of its bucket, or whoami-v2's own quota, is spent. It
// returns the rate-limit headers for the response (hub-docs
// rate-limits.md: RateLimit and RateLimit-Policy per
// draft-ietf-httpapi-ratelimit-headers, Retry-After on 429). Called with
// s.mu.
func (s *Server) rateLimit(r *http.Request, rt routed) (*response, http.Header) {
	if s.opts.RateLimit < 0 {
		return nil, nil
	}
	who, quotas := s.rateAccount(r)
	quota := quotas.of(rt.bucket)
	if s.opts.RateLimit > 0 {
		quota = s.opts.RateLimit
	}
	now := s.now()
	n, end := s.count(rt.bucket+"\x00"+who, now, rt.exempt)
	reset := ceilSeconds(end.Sub(now))
	h := http.Header{}
	h.Set("RateLimit", fmt.Sprintf(`%q;r=%d;t=%d`, rt.bucket, max(quota-n, 0), reset))
	h.Set("RateLimit-Policy", fmt.Sprintf(`"fixed window";%q;q=%d;w=%d`, rt.bucket, quota, ceilSeconds(s.opts.RateWindow)))
	if rt.exempt {
		return nil, h
	}
	if n > quota {
		resp := errResp(http.StatusTooManyRequests, "", fmt.Sprintf("You have exceeded our rate limit of %d %s requests per %s. Retry after %d seconds.", quota, rt.bucket, windowText(s.opts.RateWindow), reset))
		resp.header.Set("Retry-After", strconv.FormatInt(reset, 10))
		return resp, h
	}
	if rt.whoami && s.opts.WhoamiLimit > 0 {
		if n, _ := s.count("whoami\x00"+who, now, false); n > s.opts.WhoamiLimit {
			// Only Retry-After tells when: the api bucket is not spent.
			resp := errResp(http.StatusTooManyRequests, "", fmt.Sprintf("You've hit the rate limit for the /whoami-v2 endpoint (%d requests per %s). Retry after %d seconds.", s.opts.WhoamiLimit, windowText(s.opts.RateWindow), reset))
			resp.header.Set("Retry-After", strconv.FormatInt(reset, 10))
			return resp, h
		}
	}
	return nil, h
}

// splitPath splits the escaped path into unescaped segments, so that an
// escaped slash (a revision like refs%2Fpr%2F1) stays inside its segment.
func splitPath(u *url.URL) ([]string, error) {
	p := strings.Trim(u.EscapedPath(), "/")
	if p == "" {
		return nil, nil
	}
	raw := strings.Split(p, "/")
	segs := make([]string, len(raw))
	for i, r := range raw {
		seg, err := url.PathUnescape(r)
		if err != nil {
			return nil, err
		}
		segs[i] = seg
	}
	return segs, nil
}

// request is what a handler gets.
type request struct {
	*http.Request
	body []byte
	vars routeVars
	srv  *Server
}

// baseURL is the absolute URL of the simulator as the client reached it.
func (r *request) baseURL() string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

// nextLink returns a Link header value for the same request with query
// parameter key set to value.
func (r *request) nextLink(key, value string) string {
	q := r.URL.Query()
	q.Set(key, value)
	return "<" + r.baseURL() + r.URL.EscapedPath() + "?" + q.Encode() + `>; rel="next"`
}

// decodeJSON decodes the body into v; an empty body leaves v as it is.
func (r *request) decodeJSON(v any) *response {
	if len(strings.TrimSpace(string(r.body))) == 0 {
		return nil
	}
	if err := json.Unmarshal(r.body, v); err != nil {
		return errResp(http.StatusBadRequest, "", "invalid JSON body: "+err.Error())
	}
	return nil
}

// intParam parses a non-negative integer query parameter.
func (r *request) intParam(name string, def int) (int, *response) {
	v := r.URL.Query().Get(name)
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		return 0, errResp(http.StatusBadRequest, "", fmt.Sprintf("invalid %s parameter %q", name, v))
	}
	return n, nil
}

var errBadCursor = errors.New("bad cursor")

// paginate cuts n items into pages by a cursor (an opaque offset) and a
// limit, as the Hub's list endpoints do; it sets the Link header on resp.
func (r *request) paginate(n, defLimit, maxLimit int) (lo, hi int, link string, bad *response) {
	limit, bad := r.intParam("limit", defLimit)
	if bad != nil {
		return 0, 0, "", bad
	}
	if limit == 0 {
		limit = defLimit
	}
	limit = min(limit, maxLimit)
	if c := r.URL.Query().Get("cursor"); c != "" {
		off, err := decodeCursor(c)
		if err != nil {
			return 0, 0, "", errResp(http.StatusBadRequest, "", "invalid cursor")
		}
		lo = min(off, n)
	}
	hi = min(lo+limit, n)
	if hi < n {
		link = r.nextLink("cursor", encodeCursor(hi))
	}
	return lo, hi, link, nil
}

func encodeCursor(off int) string {
	return base64.RawURLEncoding.EncodeToString([]byte("off:" + strconv.Itoa(off)))
}

func decodeCursor(c string) (int, error) {
	raw, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil {
		return 0, errBadCursor
	}
	s, ok := strings.CutPrefix(string(raw), "off:")
	if !ok {
		return 0, errBadCursor
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 {
		return 0, errBadCursor
	}
	return n, nil
}

// fmtTime formats a time as the Hub does: UTC with milliseconds.
func fmtTime(t time.Time) string {
	return t.UTC().Format("2006-01-02T15:04:05.000Z")
}
