package hub

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

const testToken = "hf_AbCdEfGhIjKlMnOpQrStUvWxYzAbCdEfGh"

// fakeClock is a clock whose Sleep records the duration and advances time.
type fakeClock struct {
	mu     sync.Mutex
	t      time.Time
	sleeps []time.Duration
}

func newFakeClock() *fakeClock {
	return &fakeClock{t: time.Date(2026, 7, 1, 12, 0, 0, 0, time.UTC)}
}

func (f *fakeClock) Now() time.Time {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.t
}

func (f *fakeClock) Sleep(ctx context.Context, d time.Duration) error {
	f.mu.Lock()
	f.sleeps = append(f.sleeps, d)
	f.t = f.t.Add(d)
	f.mu.Unlock()
	return ctx.Err()
}

func (f *fakeClock) Sleeps() []time.Duration {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.sleeps)
}

// seen is what a test server recorded about one request.
type seen struct {
	Method, Path, RawURI, Auth, Body string
	Query                            map[string][]string
}

// recorder records requests and answers them with handler.
type recorder struct {
	mu   sync.Mutex
	reqs []seen
}

func (r *recorder) wrap(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		r.mu.Lock()
		r.reqs = append(r.reqs, seen{req.Method, req.URL.Path, req.RequestURI, req.Header.Get("Authorization"), string(body), req.URL.Query()})
		r.mu.Unlock()
		h(w, req)
	}
}

func (r *recorder) all() []seen {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.reqs)
}

func (r *recorder) count() int { return len(r.all()) }

// serve starts a recording test server.
func serve(t *testing.T, h http.HandlerFunc) (*httptest.Server, *recorder) {
	t.Helper()
	rec := &recorder{}
	srv := httptest.NewServer(rec.wrap(h))
	t.Cleanup(srv.Close)
	return srv, rec
}

// newClient returns a client for endpoint with a fake clock, no rate limit
// and the given tweaks.
func newClient(t *testing.T, endpoint string, tweak func(*Options)) (*Client, *fakeClock) {
	t.Helper()
	clk := newFakeClock()
	opts := Options{Endpoint: endpoint, RatePerSecond: -1, Sleep: clk.Sleep, Now: clk.Now, UserAgent: "hfwarden/test"}
	if tweak != nil {
		tweak(&opts)
	}
	c, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	return c, clk
}

// answer is a canned response.
type answer struct {
	status  int
	headers map[string]string
	body    string
}

func (a answer) write(w http.ResponseWriter) {
	for k, v := range a.headers {
		w.Header().Set(k, v)
	}
	if a.status == 0 {
		a.status = 200
	}
	w.WriteHeader(a.status)
	_, _ = io.WriteString(w, a.body) // a client that hung up fails on its side
}

var (
	jsonCT = map[string]string{"Content-Type": "application/json"}
	htmlCT = map[string]string{"Content-Type": "text/html; charset=utf-8"}
)

func withHeaders(base map[string]string, kv ...string) map[string]string {
	m := map[string]string{}
	for k, v := range base {
		m[k] = v
	}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return m
}

const wafPage = `<!DOCTYPE html><html><head><title>403 Forbidden</title></head><body><h1>Request blocked</h1><p>Reference #18.abc</p></body></html>`

const writeTokenFixture = `{"type":"user","id":"62f264b9f3c90f4b6514a269","name":"hub.js","fullname":"@huggingface/hub CI bot",
 "email":"ci@example.com","emailVerified":true,"canPay":false,"isPro":false,"periodEnd":null,
 "avatarUrl":"/avatars/934b830e9fdaa879487852f79eef7165.svg","billingMode":"postpaid","orgs":[],
 "auth":{"type":"access_token","accessToken":{"createdAt":"2024-01-01T00:00:00.000Z","displayName":"ci-hub.js","role":"write"}}}`

const fineGrainedFixture = `{"type":"user","id":"0123456789abcdef01234567","name":"alice","fullname":"Alice A","canPay":false,"billingMode":"prepaid",
 "periodEnd":1785542400,"isPro":false,"avatarUrl":"/avatars/x.svg","orgs":[{"id":"aaaaaaaaaaaaaaaaaaaaaaaa","type":"org","name":"acme","fullname":"Acme","plan":"team","roleInOrg":"admin","securityRestrictions":["mfa"],"resourceGroups":[{"id":"g1","name":"ml","role":"write"}]}],
 "auth":{"type":"access_token","accessToken":{"displayName":"laptop","role":"fineGrained",
   "createdAt":"2026-07-23T10:27:03.276Z",
   "fineGrained":{"canReadGatedRepos":true,"global":["discussion.write","post.write"],
     "scoped":[{"entity":{"_id":"0123456789abcdef01234567","type":"user","name":"alice"},
       "permissions":["repo.content.read","repo.write"]}]}}}}`

const invalidCreds = "Invalid credentials in Authorization header"

func invalidCredsAnswer() answer {
	return answer{401, withHeaders(jsonCT, "X-Error-Message", invalidCreds), `{"error":"` + invalidCreds + `"}`}
}

// TestClassification covers every class on whoami and repo endpoints.
func TestClassification(t *testing.T) {
	type op func(context.Context, *Client) error
	whoami := func(ctx context.Context, c *Client) error { _, err := c.WhoAmI(ctx, testToken); return err }
	repoInfo := func(ctx context.Context, c *Client) error {
		_, err := c.RepoInfo(ctx, testToken, "model", "acme/secret-model", "")
		return err
	}
	tests := []struct {
		name    string
		ans     answer
		op      op
		class   Class
		code    string
		msg     string
		unknown bool
	}{
		{"whoami ok", answer{200, jsonCT, writeTokenFixture}, whoami, OK, "", "", false},
		{"whoami invalid credentials", invalidCredsAnswer(), whoami, InvalidCredentials, "", invalidCreds, false},
		{"whoami invalid credentials body only", answer{401, jsonCT, `{"error":"` + invalidCreds + `"}`}, whoami, InvalidCredentials, "", invalidCreds, false},
		{"whoami other 401 is unknown", answer{401, jsonCT, `{"error":"Something else"}`}, whoami, UnexpectedContent, "", "Something else", true},
		{"whoami html 200", answer{200, htmlCT, "<html><body>Just a moment...</body></html>"}, whoami, UnexpectedContent, "", "text/html", true},
		{"whoami json body labelled html", answer{200, htmlCT, writeTokenFixture}, whoami, UnexpectedContent, "", "", true},
		{"whoami empty 200", answer{200, jsonCT, ""}, whoami, UnexpectedContent, "", "", true},
		{"whoami truncated json", answer{200, jsonCT, `{"type":"user",`}, whoami, UnexpectedContent, "", "decoding JSON", true},
		{"whoami waf 403", answer{403, htmlCT, wafPage}, whoami, UnexpectedContent, "", "text/html", true},
		{"whoami waf 403 no content type", answer{403, nil, wafPage}, whoami, UnexpectedContent, "", "", true},
		{"whoami org policy 403", answer{403, withHeaders(jsonCT, "X-Error-Message", "Your token has been revoked by the organization administrator"), `{"error":"Your token has been revoked by the organization administrator"}`}, whoami, Forbidden, "", "revoked by the organization", false},
		{"whoami 429", answer{429, withHeaders(jsonCT, "RateLimit", `"api";r=0;t=3600`), `{"error":"rate limited"}`}, whoami, RateLimited, "", "rate limited", true},
		{"whoami 503", answer{503, jsonCT, `{"error":"down"}`}, whoami, ServerError, "", "down", true},
		{"whoami 502 html", answer{502, htmlCT, "<html>bad gateway</html>"}, whoami, ServerError, "", "", true},
		{"whoami 301 without location", answer{301, nil, ""}, whoami, UnexpectedContent, "", "", true},
		{"repo ok", answer{200, jsonCT, `{"id":"acme/secret-model","sha":"abc","private":true,"gated":"manual","siblings":[{"rfilename":"config.json"}]}`}, repoInfo, OK, "", "", false},
		{"repo not found header", answer{404, withHeaders(jsonCT, "X-Error-Code", "RepoNotFound", "X-Error-Message", "Repository not found"), `{"error":"Repository not found"}`}, repoInfo, NotFound, "RepoNotFound", "Repository not found", false},
		{"repo 401 means private", answer{401, withHeaders(jsonCT, "X-Error-Message", "Invalid username or password."), `{"error":"Invalid username or password."}`}, repoInfo, NotFound, "", "", false},
		{"repo 401 invalid credentials", invalidCredsAnswer(), repoInfo, InvalidCredentials, "", "", false},
		{"repo 401 with RepoNotFound", answer{401, withHeaders(jsonCT, "X-Error-Code", "RepoNotFound"), `{}`}, repoInfo, NotFound, "RepoNotFound", "", false},
		{"revision not found", answer{404, withHeaders(jsonCT, "X-Error-Code", "RevisionNotFound"), `{"error":"Invalid rev id"}`}, repoInfo, NotFound, "RevisionNotFound", "Invalid rev id", false},
		{"entry not found text", answer{404, withHeaders(map[string]string{"Content-Type": "text/plain"}, "X-Error-Code", "EntryNotFound"), "Entry not found"}, repoInfo, NotFound, "EntryNotFound", "", false},
		{"gated 403", answer{403, withHeaders(jsonCT, "X-Error-Code", "GatedRepo", "X-Error-Message", "Access to model acme/secret-model is restricted"), `{"error":"restricted"}`}, repoInfo, Gated, "GatedRepo", "restricted", false},
		{"gated 401", answer{401, withHeaders(jsonCT, "X-Error-Code", "GatedRepo"), `{"error":"restricted"}`}, repoInfo, Gated, "GatedRepo", "", false},
		{"disabled repo", answer{403, withHeaders(jsonCT, "X-Error-Message", "Access to this resource is disabled."), `{"error":"Access to this resource is disabled."}`}, repoInfo, Disabled, "", "disabled", false},
		{"disabled repo body only", answer{403, jsonCT, `{"error":"Access to this resource is disabled."}`}, repoInfo, Disabled, "", "disabled", false},
		{"gated auto not requested", answer{403, withHeaders(jsonCT, "X-Error-Code", "GatedRepo", "X-Error-Message", "Access to model acme/secret-model is restricted and you are not in the authorized list. Visit the repository page to ask for access."), `{}`}, repoInfo, Gated, "GatedRepo", "not in the authorized list", false},
		{"fine-grained scope missing", answer{403, withHeaders(jsonCT, "X-Error-Message", "This fine-grained token lacks repo.content.read"), `{}`}, repoInfo, Forbidden, "", "fine-grained", false},
		{"plain 404 json", answer{404, jsonCT, `{"error":"Not Found"}`}, repoInfo, NotFound, "", "", false},
		{"html 404 is unknown", answer{404, htmlCT, "<html>nginx</html>"}, repoInfo, UnexpectedContent, "", "", true},
		{"400", answer{400, jsonCT, `{"error":"bad"}`}, repoInfo, BadRequest, "", "bad", true},
		{"422", answer{422, jsonCT, `{"error":"bad"}`}, repoInfo, BadRequest, "", "", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv, rec := serve(t, func(w http.ResponseWriter, r *http.Request) { tc.ans.write(w) })
			c, _ := newClient(t, srv.URL, func(o *Options) { o.MaxRetries = -1 })
			err := tc.op(t.Context(), c)
			if got := ClassOf(err); got != tc.class {
				t.Fatalf("class = %v, want %v (err %v)", got, tc.class, err)
			}
			if IsUnknown(err) != tc.unknown {
				t.Errorf("IsUnknown = %v, want %v", IsUnknown(err), tc.unknown)
			}
			if n := rec.count(); n != 1 {
				t.Errorf("%d requests, want 1", n)
			}
			if tc.class == OK {
				return
			}
			var he *Error
			if !errors.As(err, &he) {
				t.Fatalf("error %T is not *hub.Error", err)
			}
			if he.StatusCode != tc.ans.status {
				t.Errorf("StatusCode = %d, want %d", he.StatusCode, tc.ans.status)
			}
			if he.Code != tc.code {
				t.Errorf("Code = %q, want %q", he.Code, tc.code)
			}
			if !strings.Contains(he.Message, tc.msg) {
				t.Errorf("Message = %q, want it to contain %q", he.Message, tc.msg)
			}
			if he.Endpoint == "" || strings.Contains(he.Endpoint, "://") {
				t.Errorf("Endpoint = %q, want a path", he.Endpoint)
			}
			s := err.Error()
			if strings.Contains(s, "\n") || strings.Contains(s, testToken) {
				t.Errorf("Error() = %q: not one line or contains the token", s)
			}
		})
	}
}

func TestWhoAmIDecodes(t *testing.T) {
	for _, tc := range []struct {
		name, body string
		check      func(*testing.T, *WhoAmI)
	}{
		{"write", writeTokenFixture, func(t *testing.T, w *WhoAmI) {
			if w.Name != "hub.js" || w.Email != "ci@example.com" || w.Auth.Type != "access_token" ||
				w.Auth.AccessToken.Role != "write" || w.Auth.AccessToken.DisplayName != "ci-hub.js" ||
				!w.Auth.AccessToken.CreatedAt.Equal(time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)) ||
				w.Auth.AccessToken.FineGrained != nil || w.Fullname != "@huggingface/hub CI bot" {
				t.Errorf("decoded %+v", w)
			}
		}},
		{"fine-grained", fineGrainedFixture, func(t *testing.T, w *WhoAmI) {
			fg := w.Auth.AccessToken.FineGrained
			if fg == nil || !fg.CanReadGatedRepos || !slices.Equal(fg.Global, []string{"discussion.write", "post.write"}) ||
				len(fg.Scoped) != 1 || fg.Scoped[0].Entity.ID != "0123456789abcdef01234567" || fg.Scoped[0].Entity.Type != "user" ||
				fg.Scoped[0].Entity.Name != "alice" || !slices.Contains(fg.Scoped[0].Permissions, "repo.write") {
				t.Errorf("fineGrained %+v", fg)
			}
			if len(w.Orgs) != 1 || w.Orgs[0].Name != "acme" || w.Orgs[0].RoleInOrg != "admin" || w.Orgs[0].Plan != "team" ||
				len(w.Orgs[0].ResourceGroups) != 1 {
				t.Errorf("orgs %+v", w.Orgs)
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv, rec := serve(t, func(w http.ResponseWriter, r *http.Request) { answer{200, jsonCT, tc.body}.write(w) })
			c, _ := newClient(t, srv.URL, nil)
			w, err := c.WhoAmI(t.Context(), testToken)
			if err != nil {
				t.Fatal(err)
			}
			tc.check(t, w)
			got := rec.all()[0]
			if got.Path != "/api/whoami-v2" || got.Auth != "Bearer "+testToken || strings.Contains(got.RawURI, testToken) {
				t.Errorf("request %+v", got)
			}
		})
	}
}

func TestAuthCheck(t *testing.T) {
	tests := []struct {
		name    string
		ans     answer
		want    bool
		wantErr Class
	}{
		{"200 empty", answer{200, nil, ""}, true, OK},
		{"200 json", answer{200, jsonCT, `{}`}, true, OK},
		{"200 html", answer{200, htmlCT, "<html></html>"}, false, UnexpectedContent},
		{"401 private", answer{401, jsonCT, `{"error":"Repository not found"}`}, false, OK},
		{"401 invalid", invalidCredsAnswer(), false, OK},
		{"403", answer{403, jsonCT, `{"error":"no"}`}, false, OK},
		{"404", answer{404, withHeaders(jsonCT, "X-Error-Code", "RepoNotFound"), `{}`}, false, OK},
		{"gated", answer{403, withHeaders(jsonCT, "X-Error-Code", "GatedRepo"), `{}`}, false, OK},
		{"waf", answer{403, htmlCT, wafPage}, false, UnexpectedContent},
		{"429", answer{429, jsonCT, `{}`}, false, RateLimited},
		{"500", answer{500, jsonCT, `{}`}, false, ServerError},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv, rec := serve(t, func(w http.ResponseWriter, r *http.Request) { tc.ans.write(w) })
			c, _ := newClient(t, srv.URL, func(o *Options) { o.MaxRetries = -1 })
			ok, err := c.AuthCheck(t.Context(), testToken, "dataset", "acme/data", true)
			if ok != tc.want || ClassOf(err) != tc.wantErr {
				t.Fatalf("AuthCheck = %v, %v; want %v, class %v", ok, err, tc.want, tc.wantErr)
			}
			if p := rec.all()[0].Path; p != "/api/datasets/acme/data/auth-check/write" {
				t.Errorf("path %q", p)
			}
		})
	}
}

func TestTokenNeverInErrors(t *testing.T) {
	srv, _ := serve(t, func(w http.ResponseWriter, r *http.Request) {
		answer{400, withHeaders(jsonCT, "X-Error-Message", "bad token "+testToken+"\nsecond line hf_OtherTokenLookingThingABCDEFGHIJ"), `{}`}.write(w)
	})
	c, _ := newClient(t, srv.URL, nil)
	_, err := c.WhoAmI(t.Context(), testToken)
	if err == nil {
		t.Fatal("no error")
	}
	s := err.Error()
	if strings.Contains(s, testToken) || strings.Contains(s, "hf_OtherToken") || strings.Contains(s, "\n") || !strings.Contains(s, "[REDACTED]") {
		t.Errorf("Error() = %q", s)
	}
	// A token with a newline is refused without being echoed.
	_, err = c.WhoAmI(t.Context(), "hf_abc\r\nX-Evil: 1")
	if ClassOf(err) != BadRequest || strings.Contains(err.Error(), "Evil") {
		t.Errorf("bad token: %v", err)
	}
}

func TestRetries(t *testing.T) {
	tests := []struct {
		name      string
		answers   []answer // the last one repeats
		wantClass Class
		wantReqs  int
		sleeps    func(*testing.T, []time.Duration)
		check     func(*testing.T, *Error, *fakeClock)
	}{
		{
			name: "429 waits for reset then succeeds",
			answers: []answer{
				{429, withHeaders(jsonCT, "RateLimit", `"api";r=0;t=2`, "RateLimit-Policy", `"fixed window";"api";q=1000;w=300`, "Retry-After", "2"), `{"error":"You have been rate-limited"}`},
				{200, jsonCT, writeTokenFixture},
			},
			wantClass: OK, wantReqs: 2,
			sleeps: func(t *testing.T, s []time.Duration) {
				if !slices.Equal(s, []time.Duration{2 * time.Second}) {
					t.Errorf("sleeps %v, want [2s]", s)
				}
			},
		},
		{
			// whoami-v2's own quota: the api bucket is not spent (r>0, its
			// window ends in 250 s), Retry-After says when to come back.
			name: "429 with an unspent bucket waits for Retry-After",
			answers: []answer{
				{429, withHeaders(jsonCT, "RateLimit", `"api";r=5997;t=250`, "RateLimit-Policy", `"fixed window";"api";q=6000;w=300`, "Retry-After", "3"), `{"error":"You've hit the rate limit for the /whoami-v2 endpoint"}`},
				{200, jsonCT, writeTokenFixture},
			},
			wantClass: OK, wantReqs: 2,
			sleeps: func(t *testing.T, s []time.Duration) {
				if !slices.Equal(s, []time.Duration{3 * time.Second}) {
					t.Errorf("sleeps %v, want [3s]", s)
				}
			},
		},
		{
			name: "429 retry-after http-date",
			answers: []answer{
				{429, withHeaders(jsonCT, "Retry-After", "Wed, 01 Jul 2026 12:00:05 GMT"), `{}`},
				{200, jsonCT, writeTokenFixture},
			},
			wantClass: OK, wantReqs: 2,
			sleeps: func(t *testing.T, s []time.Duration) {
				if !slices.Equal(s, []time.Duration{5 * time.Second}) {
					t.Errorf("sleeps %v, want [5s]", s)
				}
			},
		},
		{
			name:      "429 beyond cap returns at once",
			answers:   []answer{{429, withHeaders(jsonCT, "RateLimit", `"api";r=0;t=250`), `{"error":"You have been rate-limited"}`}},
			wantClass: RateLimited, wantReqs: 1,
			sleeps: func(t *testing.T, s []time.Duration) {
				if len(s) != 0 {
					t.Errorf("slept %v", s)
				}
			},
			check: func(t *testing.T, e *Error, clk *fakeClock) {
				if want := clk.Now().Add(250 * time.Second); !e.ResetAt.Equal(want) {
					t.Errorf("ResetAt %v, want %v", e.ResetAt, want)
				}
				if !strings.Contains(e.Error(), "resets at") {
					t.Errorf("Error() = %q", e.Error())
				}
			},
		},
		{
			name:      "429 without reset uses backoff and gives up",
			answers:   []answer{{429, jsonCT, `{}`}},
			wantClass: RateLimited, wantReqs: 4,
			sleeps: func(t *testing.T, s []time.Duration) {
				if len(s) != 3 {
					t.Fatalf("sleeps %v", s)
				}
				for i, d := range s {
					base := 500 * time.Millisecond << i
					if d < base/2 || d > base {
						t.Errorf("sleep %d = %v, want in [%v, %v]", i, d, base/2, base)
					}
				}
			},
		},
		{
			name:      "503 retried then success",
			answers:   []answer{{503, htmlCT, "<html>unavailable</html>"}, {503, jsonCT, `{}`}, {200, jsonCT, writeTokenFixture}},
			wantClass: OK, wantReqs: 3,
			sleeps: func(t *testing.T, s []time.Duration) {
				if len(s) != 2 || s[0] < 250*time.Millisecond || s[0] > 500*time.Millisecond || s[1] < 500*time.Millisecond || s[1] > time.Second {
					t.Errorf("sleeps %v", s)
				}
			},
		},
		{name: "500 forever", answers: []answer{{500, jsonCT, `{}`}}, wantClass: ServerError, wantReqs: 4},
		{name: "401 not retried", answers: []answer{invalidCredsAnswer()}, wantClass: InvalidCredentials, wantReqs: 1},
		{name: "403 not retried", answers: []answer{{403, jsonCT, `{}`}}, wantClass: Forbidden, wantReqs: 1},
		{name: "404 not retried", answers: []answer{{404, jsonCT, `{}`}}, wantClass: NotFound, wantReqs: 1},
		{name: "400 not retried", answers: []answer{{400, jsonCT, `{}`}}, wantClass: BadRequest, wantReqs: 1},
		{name: "waf not retried", answers: []answer{{403, htmlCT, wafPage}}, wantClass: UnexpectedContent, wantReqs: 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var mu sync.Mutex
			n := 0
			srv, rec := serve(t, func(w http.ResponseWriter, r *http.Request) {
				mu.Lock()
				a := tc.answers[min(n, len(tc.answers)-1)]
				n++
				mu.Unlock()
				a.write(w)
			})
			c, clk := newClient(t, srv.URL, func(o *Options) { o.RatePerSecond = 10 })
			start := clk.Now()
			_, err := c.WhoAmI(t.Context(), testToken)
			if ClassOf(err) != tc.wantClass {
				t.Fatalf("class %v, want %v (err %v)", ClassOf(err), tc.wantClass, err)
			}
			if got := rec.count(); got != tc.wantReqs {
				t.Errorf("%d requests, want %d", got, tc.wantReqs)
			}
			if tc.sleeps != nil {
				tc.sleeps(t, clk.Sleeps())
			}
			if tc.check != nil {
				var he *Error
				if !errors.As(err, &he) {
					t.Fatalf("%T", err)
				}
				clk.mu.Lock()
				clk.t = start
				clk.mu.Unlock()
				tc.check(t, he, clk)
			}
		})
	}
}

func TestNetworkErrors(t *testing.T) {
	t.Run("connection refused", func(t *testing.T) {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := l.Addr().String()
		if err := l.Close(); err != nil { // the port must refuse
			t.Fatal(err)
		}
		c, clk := newClient(t, "http://"+addr, nil)
		_, err = c.WhoAmI(t.Context(), testToken)
		if ClassOf(err) != NetworkError || !IsUnknown(err) {
			t.Fatalf("err %v", err)
		}
		if len(clk.Sleeps()) != 3 {
			t.Errorf("sleeps %v, want 3 retries", clk.Sleeps())
		}
		if strings.Contains(err.Error(), testToken) {
			t.Error("token in error")
		}
	})
	t.Run("per-attempt timeout then success", func(t *testing.T) {
		var mu sync.Mutex
		n := 0
		srv, rec := serve(t, func(w http.ResponseWriter, r *http.Request) {
			mu.Lock()
			n++
			first := n == 1
			mu.Unlock()
			if first {
				select {
				case <-r.Context().Done():
				case <-time.After(5 * time.Second):
				}
				return
			}
			answer{200, jsonCT, writeTokenFixture}.write(w)
		})
		c, _ := newClient(t, srv.URL, func(o *Options) { o.Timeout = 100 * time.Millisecond })
		w, err := c.WhoAmI(t.Context(), testToken)
		if err != nil || w.Name != "hub.js" {
			t.Fatalf("WhoAmI = %v, %v", w, err)
		}
		if rec.count() != 2 {
			t.Errorf("%d requests", rec.count())
		}
	})
}

func TestContextCancellation(t *testing.T) {
	t.Run("during request", func(t *testing.T) {
		srv, rec := serve(t, func(w http.ResponseWriter, r *http.Request) {
			select {
			case <-r.Context().Done():
			case <-time.After(5 * time.Second):
			}
		})
		c, _ := newClient(t, srv.URL, nil)
		ctx, cancel := context.WithCancel(t.Context())
		time.AfterFunc(50*time.Millisecond, cancel)
		start := time.Now()
		_, err := c.WhoAmI(ctx, testToken)
		if !errors.Is(err, context.Canceled) || ClassOf(err) != NetworkError {
			t.Fatalf("err %v", err)
		}
		if time.Since(start) > 2*time.Second {
			t.Errorf("took %v", time.Since(start))
		}
		if rec.count() != 1 {
			t.Errorf("%d requests, want 1 (no retry after cancel)", rec.count())
		}
	})
	t.Run("during backoff", func(t *testing.T) {
		srv, rec := serve(t, func(w http.ResponseWriter, r *http.Request) { answer{503, jsonCT, `{}`}.write(w) })
		c, err := New(Options{Endpoint: srv.URL, Backoff: 10 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
		defer cancel()
		start := time.Now()
		_, err = c.WhoAmI(ctx, testToken)
		if !errors.Is(err, context.DeadlineExceeded) || !IsUnknown(err) {
			t.Fatalf("err %v", err)
		}
		if time.Since(start) > 2*time.Second || rec.count() != 1 {
			t.Errorf("took %v, %d requests", time.Since(start), rec.count())
		}
	})
	t.Run("during rate-limit wait", func(t *testing.T) {
		srv, rec := serve(t, func(w http.ResponseWriter, r *http.Request) { answer{200, jsonCT, writeTokenFixture}.write(w) })
		c, err := New(Options{Endpoint: srv.URL, RatePerSecond: 0.1})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.WhoAmI(t.Context(), testToken); err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
		defer cancel()
		start := time.Now()
		if _, err := c.WhoAmI(ctx, testToken); !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("err %v", err)
		}
		if time.Since(start) > 2*time.Second || rec.count() != 1 {
			t.Errorf("took %v, %d requests", time.Since(start), rec.count())
		}
	})
	t.Run("already cancelled", func(t *testing.T) {
		srv, rec := serve(t, func(w http.ResponseWriter, r *http.Request) {})
		c, _ := newClient(t, srv.URL, nil)
		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		if err := c.Revoke(ctx, []string{testToken}); !errors.Is(err, context.Canceled) {
			t.Fatalf("err %v", err)
		}
		if rec.count() != 0 {
			t.Error("request sent")
		}
	})
}

func TestPagination(t *testing.T) {
	t.Run("three pages of absolute links", func(t *testing.T) {
		var srvURL string
		srv, rec := serve(t, func(w http.ResponseWriter, r *http.Request) {
			page, _ := strconv.Atoi(r.URL.Query().Get("cursor"))
			items := []string{
				`[{"_id":"1","id":"alice/a","private":false,"gated":false,"lastModified":"2025-01-01T00:00:00.000Z"}]`,
				`[{"_id":"2","id":"alice/b","private":true,"gated":"auto"},{"_id":"3","id":"alice/c","gated":"manual"}]`,
				`[{"_id":"4","id":"alice/d"}]`,
			}
			if page < 2 {
				w.Header().Set("Link", fmt.Sprintf(`<%s/api/models?author=alice&cursor=%d>; rel="next"`, srvURL, page+1))
			}
			answer{200, jsonCT, items[page]}.write(w)
		})
		srvURL = srv.URL
		c, _ := newClient(t, srv.URL, nil)
		repos, err := c.ListRepos(t.Context(), testToken, "model", "alice")
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, r := range repos {
			ids = append(ids, r.ID+":"+string(r.Gated))
		}
		if want := []string{"alice/a:", "alice/b:auto", "alice/c:manual", "alice/d:"}; !slices.Equal(ids, want) {
			t.Errorf("repos %v, want %v", ids, want)
		}
		if !repos[1].Private || !repos[0].LastModified.Equal(time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)) {
			t.Errorf("fields %+v", repos)
		}
		reqs := rec.all()
		if len(reqs) != 3 {
			t.Fatalf("%d requests", len(reqs))
		}
		first := reqs[0]
		if first.Path != "/api/models" || first.Query["author"][0] != "alice" || first.Query["limit"][0] != "1000" {
			t.Errorf("first request %+v", first)
		}
		for _, r := range reqs {
			if r.Auth != "Bearer "+testToken {
				t.Errorf("page %s without token", r.RawURI)
			}
		}
	})
	t.Run("page size option", func(t *testing.T) {
		srv, rec := serve(t, func(w http.ResponseWriter, r *http.Request) { answer{200, jsonCT, `[]`}.write(w) })
		c, _ := newClient(t, srv.URL, func(o *Options) { o.PageSize = 50 })
		if _, err := c.ListRepos(t.Context(), "", "space", ""); err != nil {
			t.Fatal(err)
		}
		r := rec.all()[0]
		if r.Path != "/api/spaces" || r.Query["limit"][0] != "50" || r.Auth != "" {
			t.Errorf("request %+v", r)
		}
	})
	for _, tc := range []struct{ name, link string }{
		{"other host refused", `<%s/api/models?cursor=1>; rel="next"`},
		{"relative refused", `</api/models?cursor=1>; rel="next"`},
		{"non-http refused", `<ftp://x/>; rel="next"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			other, otherRec := serve(t, func(w http.ResponseWriter, r *http.Request) { answer{200, jsonCT, `[]`}.write(w) })
			link := tc.link
			if strings.Contains(link, "%s") {
				link = fmt.Sprintf(link, other.URL)
			}
			srv, rec := serve(t, func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Link", link)
				answer{200, jsonCT, `[{"id":"alice/a"}]`}.write(w)
			})
			c, _ := newClient(t, srv.URL, nil)
			_, err := c.ListRepos(t.Context(), testToken, "model", "alice")
			if ClassOf(err) != UnexpectedContent || !strings.Contains(err.Error(), "pagination") {
				t.Fatalf("err %v", err)
			}
			if otherRec.count() != 0 || rec.count() != 1 {
				t.Errorf("requests: endpoint %d, other %d", rec.count(), otherRec.count())
			}
		})
	}
	t.Run("link loop refused", func(t *testing.T) {
		var srvURL string
		srv, rec := serve(t, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Link", `<`+srvURL+`/api/organizations/acme/members>; rel="next"`)
			answer{200, jsonCT, `[{"user":"alice"}]`}.write(w)
		})
		srvURL = srv.URL
		c, _ := newClient(t, srv.URL, nil)
		if _, err := c.OrgMembers(t.Context(), testToken, "acme"); ClassOf(err) != UnexpectedContent {
			t.Fatalf("err %v", err)
		}
		if rec.count() != 1 {
			t.Errorf("%d requests", rec.count())
		}
	})
}

func TestLinkParsing(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{`<https://h/a?x=1>; rel="next"`, "https://h/a?x=1"},
		{`<https://h/p>; rel="prev", <https://h/n>; rel="next"`, "https://h/n"},
		{`<https://h/n>; rel=next`, "https://h/n"},
		{`<https://h/n>; title="a"; rel="last next"`, "https://h/n"},
		{`<https://h/p>; rel="prev"`, ""},
		{`garbage`, ""},
	} {
		h := http.Header{"Link": {tc.in}}
		if got := nextLink(h); got != tc.want {
			t.Errorf("nextLink(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestRedirects(t *testing.T) {
	cdn, cdnRec := serve(t, func(w http.ResponseWriter, r *http.Request) {
		answer{200, map[string]string{"Content-Type": "application/octet-stream"}, "weights"}.write(w)
	})
	var srvURL string
	srv, rec := serve(t, func(w http.ResponseWriter, r *http.Request) {
		switch {
		case strings.Contains(r.URL.Path, "lfs.bin"):
			w.Header().Set("X-Repo-Commit", "c0ffee")
			w.Header().Set("X-Linked-Etag", `"sha256abc"`)
			http.Redirect(w, r, cdn.URL+"/blob/xyz", http.StatusFound)
		case strings.Contains(r.URL.Path, "moved.txt"):
			http.Redirect(w, r, srvURL+"/acme/m/resolve/main/here.txt", http.StatusFound)
		case strings.Contains(r.URL.Path, "here.txt"):
			w.Header().Set("X-Repo-Commit", "c0ffee")
			w.Header().Set("ETag", `"e1"`)
			answer{200, map[string]string{"Content-Type": "text/plain"}, "hello"}.write(w)
		case strings.Contains(r.URL.Path, "loop"):
			http.Redirect(w, r, r.URL.Path+"x", http.StatusFound)
		case r.URL.Path == "/api/credentials/revoke":
			http.Redirect(w, r, cdn.URL+"/steal", http.StatusTemporaryRedirect)
		}
	})
	srvURL = srv.URL
	c, _ := newClient(t, srv.URL, nil)
	ctx := t.Context()

	f, err := c.DownloadFile(ctx, testToken, "model", "acme/m", "", "lfs.bin", 0)
	if err != nil {
		t.Fatal(err)
	}
	if string(f.Data) != "weights" || f.Commit != "c0ffee" || f.ETag != "sha256abc" {
		t.Errorf("file %+v", f)
	}
	if a := cdnRec.all()[0].Auth; a != "" {
		t.Errorf("Authorization sent to the CDN: %q", a)
	}

	f, err = c.DownloadFile(ctx, testToken, "model", "acme/m", "", "moved.txt", 0)
	if err != nil {
		t.Fatal(err)
	}
	if string(f.Data) != "hello" || f.ETag != "e1" || f.Commit != "c0ffee" {
		t.Errorf("file %+v", f)
	}
	for _, r := range rec.all() {
		if r.Auth != "Bearer "+testToken {
			t.Errorf("same-host request %s lost the token", r.Path)
		}
	}

	_, err = c.DownloadFile(ctx, testToken, "model", "acme/m", "", "loop", 0)
	if ClassOf(err) != UnexpectedContent || !strings.Contains(err.Error(), "redirects") {
		t.Errorf("redirect loop: %v", err)
	}

	cdnBefore := cdnRec.count()
	err = c.Revoke(ctx, []string{testToken})
	if ClassOf(err) != UnexpectedContent || strings.Contains(err.Error(), testToken) {
		t.Errorf("revoke redirect: %v", err)
	}
	if cdnRec.count() != cdnBefore {
		t.Error("revoke body followed a redirect to another host")
	}
}

func TestResponseSizeBound(t *testing.T) {
	big := `{"type":"user","name":"` + strings.Repeat("x", 4000) + `"}`
	for _, tc := range []struct {
		name    string
		chunked bool
	}{{"content-length", false}, {"chunked", true}} {
		t.Run(tc.name, func(t *testing.T) {
			srv, rec := serve(t, func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", "application/json")
				if !tc.chunked {
					w.Header().Set("Content-Length", strconv.Itoa(len(big)))
				}
				for i := 0; i < len(big); i += 512 {
					_, _ = io.WriteString(w, big[i:min(i+512, len(big))]) // the client stops reading at its bound
					if tc.chunked {
						w.(http.Flusher).Flush()
					}
				}
			})
			c, _ := newClient(t, srv.URL, func(o *Options) { o.MaxResponseBytes = 1024 })
			_, err := c.WhoAmI(t.Context(), testToken)
			if !errors.Is(err, ErrResponseTooLarge) || ClassOf(err) != UnexpectedContent {
				t.Fatalf("err %v", err)
			}
			if rec.count() != 1 {
				t.Errorf("%d requests", rec.count())
			}
		})
	}
	t.Run("download bound", func(t *testing.T) {
		srv, _ := serve(t, func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, strings.Repeat("a", 100)) })
		c, _ := newClient(t, srv.URL, nil)
		if _, err := c.DownloadFile(t.Context(), "", "dataset", "acme/d", "v1", "a.txt", 99); !errors.Is(err, ErrResponseTooLarge) {
			t.Errorf("99: %v", err)
		}
		f, err := c.DownloadFile(t.Context(), "", "dataset", "acme/d", "v1", "a.txt", 100)
		if err != nil || len(f.Data) != 100 {
			t.Errorf("100: %v", err)
		}
	})
}

func TestRateLimiterFakeClock(t *testing.T) {
	clk := newFakeClock()
	var times []time.Time
	srv, _ := serve(t, func(w http.ResponseWriter, r *http.Request) {
		times = append(times, clk.Now())
		answer{200, jsonCT, writeTokenFixture}.write(w)
	})
	const rate, burst, n = 10.0, 5, 40
	c, err := New(Options{Endpoint: srv.URL, RatePerSecond: rate, Burst: burst, Sleep: clk.Sleep, Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	start := clk.Now()
	for range n {
		if _, err := c.WhoAmI(t.Context(), testToken); err != nil {
			t.Fatal(err)
		}
	}
	elapsed := clk.Now().Sub(start)
	if min := time.Duration(float64(n-burst) / rate * float64(time.Second)); elapsed < min-time.Millisecond {
		t.Errorf("%d requests in %v, want at least %v", n, elapsed, min)
	}
	// In any window of length w at most burst + rate*w requests start.
	for i := range times {
		for j := i; j < len(times); j++ {
			w := times[j].Sub(times[i]).Seconds()
			if float64(j-i+1) > burst+rate*w+1e-6 {
				t.Fatalf("%d requests within %.3fs", j-i+1, w)
			}
		}
	}
}

func TestRateLimiterConcurrent(t *testing.T) {
	var mu sync.Mutex
	var times []time.Time
	srv, _ := serve(t, func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		times = append(times, time.Now())
		mu.Unlock()
		answer{200, jsonCT, writeTokenFixture}.write(w)
	})
	const rate, burst, workers, each = 25.0, 2, 6, 5
	c, err := New(Options{Endpoint: srv.URL, RatePerSecond: rate, Burst: burst})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for range each {
				if _, err := c.WhoAmI(t.Context(), testToken); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	n := workers * each
	elapsed := time.Since(start)
	if min := time.Duration(float64(n-burst) / rate * float64(time.Second)); elapsed < min-20*time.Millisecond {
		t.Errorf("%d requests in %v, want at least %v", n, elapsed, min)
	}
	slices.SortFunc(times, func(a, b time.Time) int { return a.Compare(b) })
	// Allow 50ms of scheduling jitter per window.
	for i := range times {
		for j := i; j < len(times); j++ {
			w := times[j].Sub(times[i]).Seconds() + 0.05
			if float64(j-i+1) > burst+rate*w+1 {
				t.Fatalf("%d requests within %.3fs", j-i+1, w)
			}
		}
	}
}

func TestRevoke(t *testing.T) {
	t.Run("batch body without authorization", func(t *testing.T) {
		srv, rec := serve(t, func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusAccepted) })
		c, _ := newClient(t, srv.URL, nil)
		toks := []string{testToken, "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", testToken, ""}
		if err := c.Revoke(t.Context(), toks); err != nil {
			t.Fatal(err)
		}
		reqs := rec.all()
		if len(reqs) != 1 {
			t.Fatalf("%d requests", len(reqs))
		}
		r := reqs[0]
		if r.Method != http.MethodPost || r.Path != "/api/credentials/revoke" || r.Auth != "" || strings.Contains(r.RawURI, "hf_") {
			t.Errorf("request %+v", r)
		}
		var body struct {
			Credentials []string `json:"credentials"`
		}
		if err := json.Unmarshal([]byte(r.Body), &body); err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(body.Credentials, []string{testToken, "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"}) {
			t.Errorf("credentials %v", body.Credentials)
		}
	})
	t.Run("large batches split", func(t *testing.T) {
		srv, rec := serve(t, func(w http.ResponseWriter, r *http.Request) { answer{202, jsonCT, `{}`}.write(w) })
		c, _ := newClient(t, srv.URL, nil)
		var toks []string
		for i := range 150 {
			toks = append(toks, fmt.Sprintf("hf_token%05dAAAAAAAAAAAAAAAAAAAAAAAAAA", i))
		}
		if err := c.Revoke(t.Context(), toks); err != nil {
			t.Fatal(err)
		}
		total := 0
		for _, r := range rec.all() {
			var body struct{ Credentials []string }
			if err := json.Unmarshal([]byte(r.Body), &body); err != nil {
				t.Fatalf("revocation request body %q: %v", r.Body, err)
			}
			total += len(body.Credentials)
		}
		if rec.count() != 2 || total != 150 {
			t.Errorf("%d requests carrying %d tokens", rec.count(), total)
		}
	})
	for _, tc := range []struct {
		name  string
		ans   answer
		class Class
		reqs  int
	}{
		{"html 200 is not success", answer{200, htmlCT, "<html>challenge</html>"}, UnexpectedContent, 1},
		{"503 retried", answer{503, jsonCT, `{}`}, ServerError, 4},
		{"400 echoing token", answer{400, withHeaders(jsonCT, "X-Error-Message", "bad credential "+testToken), `{}`}, BadRequest, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv, rec := serve(t, func(w http.ResponseWriter, r *http.Request) { tc.ans.write(w) })
			c, _ := newClient(t, srv.URL, nil)
			err := c.Revoke(t.Context(), []string{testToken})
			if ClassOf(err) != tc.class || rec.count() != tc.reqs {
				t.Fatalf("err %v after %d requests", err, rec.count())
			}
			if strings.Contains(err.Error(), testToken) {
				t.Errorf("token in %q", err)
			}
		})
	}
}

func TestRepoEndpoints(t *testing.T) {
	var srvURL string
	srv, rec := serve(t, func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		switch p := r.URL.Path; {
		case strings.HasSuffix(p, "/refs"):
			answer{200, jsonCT, `{"branches":[{"name":"main","ref":"refs/heads/main","targetCommit":"aaa"}],"tags":[],"converts":[],"pullRequests":[{"name":"1","ref":"refs/pr/1","targetCommit":"bbb"}]}`}.write(w)
		case strings.Contains(p, "/commits/"):
			w.Header().Set("X-Total-Count", "5")
			if q.Get("p") == "" {
				w.Header().Set("Link", `<`+srvURL+r.URL.Path+`?limit=`+q.Get("limit")+`&p=1>; rel="next"`)
				answer{200, jsonCT, `[{"id":"c5","title":"five","authors":[{"user":"alice"}],"date":"2025-02-01T00:00:00Z"},{"id":"c4"},{"id":"c3"}]`}.write(w)
				return
			}
			answer{200, jsonCT, `[{"id":"c2"},{"id":"c1"}]`}.write(w)
		case strings.Contains(p, "/tree/"):
			answer{200, jsonCT, `[{"type":"directory","oid":"d","size":0,"path":"sub"},{"type":"file","oid":"f","size":10,"path":"sub/w.bin","lfs":{"oid":"sha","size":10,"pointerSize":130}}]`}.write(w)
		case strings.HasSuffix(p, "/discussions"):
			switch q.Get("p") {
			case "0":
				answer{200, jsonCT, `{"discussions":[{"num":3,"title":"leak?","status":"open","author":{"name":"bob"},"isPullRequest":false},{"num":2,"title":"pr","isPullRequest":true}],"count":3,"start":0}`}.write(w)
			default:
				answer{200, jsonCT, `{"discussions":[{"num":1,"title":"first"}],"count":3,"start":2}`}.write(w)
			}
		case strings.Contains(p, "/discussions/"):
			answer{200, jsonCT, `{"num":3,"title":"leak?","status":"open","author":{"name":"bob"},"events":[{"id":"e1","type":"comment","createdAt":"2025-03-01T00:00:00Z","author":{"name":"bob"},"data":{"latest":{"raw":"here is hf_xxx"}}},{"id":"e2","type":"status-change","data":{"status":"closed"}}]}`}.write(w)
		case strings.HasSuffix(p, "/secrets"):
			answer{200, jsonCT, `[{"key":"HF_TOKEN","description":"ci","updatedAt":"2025-01-01T00:00:00Z"}]`}.write(w)
		case strings.HasSuffix(p, "/variables"):
			answer{200, jsonCT, `{"MODEL":{"value":"gpt2","description":"m"},"A":{"value":"1"}}`}.write(w)
		case p == "/api/settings/webhooks":
			answer{200, jsonCT, `[{"id":"w1","url":"https://evil.example/hook","watched":[{"type":"user","name":"alice"}],"domains":["repo"],"secret":"s3cr3t","disabled":false}]`}.write(w)
		case strings.HasSuffix(p, "/members"):
			answer{200, jsonCT, `[{"user":"alice","fullname":"Alice","type":"user","isPro":true}]`}.write(w)
		default:
			answer{200, jsonCT, `{"id":"acme/m","sha":"abc","private":true,"gated":false,"siblings":[{"rfilename":"w.bin","lfs":{"size":10,"sha256":"s","pointerSize":130}}]}`}.write(w)
		}
	})
	srvURL = srv.URL
	c, _ := newClient(t, srv.URL, nil)
	ctx := t.Context()

	info, err := c.RepoInfo(ctx, testToken, "model", "acme/m", "refs/pr/1")
	if err != nil || info.SHA != "abc" || !info.Private || info.Gated != "" || info.Siblings[0].LFS.PointerSize != 130 {
		t.Errorf("RepoInfo %+v %v", info, err)
	}
	if got := rec.all()[0].RawURI; got != "/api/models/acme/m/revision/refs%2Fpr%2F1" {
		t.Errorf("RepoInfo URI %q", got)
	}

	refs, err := c.Refs(ctx, testToken, "dataset", "acme/d", true)
	if err != nil || len(refs.Branches) != 1 || refs.Branches[0].TargetCommit != "aaa" || len(refs.PullRequests) != 1 {
		t.Errorf("Refs %+v %v", refs, err)
	}
	if r := rec.all()[1]; r.Path != "/api/datasets/acme/d/refs" || r.Query["include_prs"][0] != "1" {
		t.Errorf("Refs request %+v", r)
	}

	commits, total, err := c.Commits(ctx, testToken, "space", "acme/s", "", 0)
	if err != nil || total != 5 || len(commits) != 5 || commits[0].Authors[0].User != "alice" || commits[4].ID != "c1" {
		t.Errorf("Commits %+v %d %v", commits, total, err)
	}
	commits, _, err = c.Commits(ctx, testToken, "space", "acme/s", "dev", 4)
	if err != nil || len(commits) != 4 {
		t.Errorf("Commits limit 4: %d %v", len(commits), err)
	}

	tree, err := c.Tree(ctx, testToken, "model", "acme/m", "main", "sub dir/x")
	if err != nil || len(tree) != 2 || tree[1].LFS == nil || tree[1].LFS.OID != "sha" {
		t.Errorf("Tree %+v %v", tree, err)
	}
	last := rec.all()[len(rec.all())-1]
	if last.RawURI != "/api/models/acme/m/tree/main/sub%20dir/x?recursive=true" {
		t.Errorf("Tree URI %q", last.RawURI)
	}

	ds, err := c.Discussions(ctx, testToken, "model", "acme/m")
	if err != nil || len(ds) != 3 || ds[0].Author.Name != "bob" || !ds[1].IsPullRequest {
		t.Errorf("Discussions %+v %v", ds, err)
	}
	d, err := c.Discussion(ctx, testToken, "model", "acme/m", 3)
	if err != nil || d.Num != 3 || len(d.Events) != 2 || d.Events[0].Data.Latest.Raw != "here is hf_xxx" || d.Events[1].Data.Status != "closed" {
		t.Errorf("Discussion %+v %v", d, err)
	}

	secrets, err := c.SpaceSecrets(ctx, testToken, "acme/s")
	if err != nil || len(secrets) != 1 || secrets[0].Key != "HF_TOKEN" {
		t.Errorf("SpaceSecrets %+v %v", secrets, err)
	}
	vars, err := c.SpaceVariables(ctx, testToken, "acme/s")
	if err != nil || len(vars) != 2 || vars[0].Key != "A" || vars[1].Value != "gpt2" {
		t.Errorf("SpaceVariables %+v %v", vars, err)
	}
	hooks, err := c.Webhooks(ctx, testToken)
	if err != nil || len(hooks) != 1 || hooks[0].URL != "https://evil.example/hook" || hooks[0].Watched[0].Name != "alice" {
		t.Errorf("Webhooks %+v %v", hooks, err)
	}
	members, err := c.OrgMembers(ctx, testToken, "acme")
	if err != nil || len(members) != 1 || !members[0].IsPro {
		t.Errorf("OrgMembers %+v %v", members, err)
	}
	f, err := c.DownloadFile(ctx, testToken, "space", "acme/s", "main", "app.py", 0)
	if err != nil || f == nil {
		t.Errorf("DownloadFile %v", err)
	}
	if last := rec.all()[len(rec.all())-1]; last.Path != "/spaces/acme/s/resolve/main/app.py" {
		t.Errorf("DownloadFile path %q", last.Path)
	}
	for _, r := range rec.all() {
		if r.Auth != "Bearer "+testToken {
			t.Errorf("%s without token", r.Path)
		}
	}
}

func TestArguments(t *testing.T) {
	srv, rec := serve(t, func(w http.ResponseWriter, r *http.Request) {})
	c, _ := newClient(t, srv.URL, nil)
	ctx := t.Context()
	for name, err := range map[string]error{
		"bad type": func() error { _, err := c.RepoInfo(ctx, "", "kernel", "a/b", ""); return err }(),
		"bad id":   func() error { _, err := c.RepoInfo(ctx, "", "model", "a/b/c", ""); return err }(),
		"dot id":   func() error { _, err := c.RepoInfo(ctx, "", "model", "../b", ""); return err }(),
		"dot path": func() error { _, err := c.DownloadFile(ctx, "", "model", "a/b", "", "../x", 0); return err }(),
		"no path":  func() error { _, err := c.DownloadFile(ctx, "", "model", "a/b", "", "", 0); return err }(),
		"no token": func() error { _, err := c.WhoAmI(ctx, ""); return err }(),
		"bad org":  func() error { _, err := c.OrgMembers(ctx, "", ".."); return err }(),
	} {
		if err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	if rec.count() != 0 {
		t.Errorf("%d requests sent for invalid arguments", rec.count())
	}
}

func TestNew(t *testing.T) {
	for _, ep := range []string{"ftp://h", "https://", "https://u:p@h", "https://h?x=1", "::"} {
		if _, err := New(Options{Endpoint: ep}); err == nil {
			t.Errorf("New(%q) accepted", ep)
		}
	}
	c, err := New(Options{})
	if err != nil || c.Endpoint() != DefaultEndpoint {
		t.Fatalf("default endpoint %v %v", c, err)
	}
	// A path prefix is kept.
	srv, rec := serve(t, func(w http.ResponseWriter, r *http.Request) { answer{200, jsonCT, writeTokenFixture}.write(w) })
	c, _ = newClient(t, srv.URL+"/hub/", nil)
	if _, err := c.WhoAmI(t.Context(), testToken); err != nil {
		t.Fatal(err)
	}
	r := rec.all()[0]
	if r.Path != "/hub/api/whoami-v2" || !strings.HasPrefix(r.RawURI, "/hub/") {
		t.Errorf("path %q", r.Path)
	}
}

func TestClassStrings(t *testing.T) {
	seen := map[string]bool{}
	for c := OK; c <= Disabled; c++ {
		s := c.String()
		if s == "" || seen[s] || strings.HasPrefix(s, "unclassified") {
			t.Errorf("class %d: %q", int(c), s)
		}
		seen[s] = true
	}
	if IsUnknown(nil) || !IsUnknown(errors.New("x")) || ClassOf(nil) != OK {
		t.Error("nil / foreign error handling")
	}
	wrapped := fmt.Errorf("verifying: %w", &Error{Class: Gated})
	if ClassOf(wrapped) != Gated || IsUnknown(wrapped) {
		t.Error("wrapped error")
	}
}

// TestWhoAmIOnlyFromEndpoint: a whoami answer is about the token only when
// the endpoint asked gave it and it names an account.
func TestWhoAmIOnlyFromEndpoint(t *testing.T) {
	// elsewhere answers like a Hub that does not know the token: were the
	// redirect followed, the token would look revoked.
	elsewhere, elseRec := serve(t, func(w http.ResponseWriter, r *http.Request) {
		answer{401, map[string]string{"Content-Type": "application/json"}, `{"error":"Invalid credentials in Authorization header"}`}.write(w)
	})
	var self string
	srv, _ := serve(t, func(w http.ResponseWriter, r *http.Request) {
		json200 := func(body string) { answer{200, map[string]string{"Content-Type": "application/json"}, body}.write(w) }
		switch r.Header.Get("X-Case") {
		case "other-origin":
			http.Redirect(w, r, elsewhere.URL+"/api/whoami-v2", http.StatusFound)
		case "http-to-https":
			http.Redirect(w, r, "https://"+r.Host+"/api/whoami-v2", http.StatusMovedPermanently)
		case "same-origin":
			if r.URL.Path == "/api/whoami-v2" {
				http.Redirect(w, r, self+"/api/whoami-v2/", http.StatusTemporaryRedirect)
				return
			}
			json200(`{"type":"user","name":"alice"}`)
		case "same-origin-401":
			if r.URL.Path == "/api/whoami-v2" {
				http.Redirect(w, r, self+"/elsewhere", http.StatusFound)
				return
			}
			answer{401, map[string]string{"Content-Type": "application/json"}, `{"error":"Invalid credentials in Authorization header"}`}.write(w)
		case "empty":
			json200(`{}`)
		case "error-object":
			json200(`{"error":"something broke"}`)
		case "array":
			json200(`[]`)
		default:
			json200(`{"type":"user","name":"alice"}`)
		}
	})
	self = srv.URL
	for _, tc := range []struct {
		name  string
		class Class
		text  string
	}{
		{"other-origin", UnexpectedContent, "redirect refused"},
		{"http-to-https", UnexpectedContent, "redirect refused"},
		// The Hub never redirects whoami-v2: even a same-origin hop is
		// not its answer, least of all a 401 at another path.
		{"same-origin", UnexpectedContent, "redirect refused"},
		{"same-origin-401", UnexpectedContent, "redirect refused"},
		{"empty", UnexpectedContent, "names no account"},
		{"error-object", UnexpectedContent, "something broke"},
		{"array", UnexpectedContent, "decoding"},
		{"plain", OK, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			hc := &http.Client{Transport: headerTransport{"X-Case", tc.name}}
			c, _ := newClient(t, srv.URL, func(o *Options) { o.HTTPClient = hc; o.MaxRetries = -1 })
			w, err := c.WhoAmI(t.Context(), testToken)
			if got := ClassOf(err); got != tc.class {
				t.Fatalf("class %v, want %v (err %v)", got, tc.class, err)
			}
			if tc.class == OK && w.Name != "alice" {
				t.Errorf("name %q", w.Name)
			}
			if err != nil && (!strings.Contains(err.Error(), tc.text) || strings.Contains(err.Error(), testToken)) {
				t.Errorf("error %q lacks %q (or holds the token)", err, tc.text)
			}
		})
	}
	if n := elseRec.count(); n != 0 {
		t.Errorf("the redirect to another origin was followed (%d requests there)", n)
	}
}

// headerTransport adds one header to every request, so that one server can
// play several cases.
type headerTransport struct{ key, value string }

func (h headerTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set(h.key, h.value)
	return http.DefaultTransport.RoundTrip(r)
}

// TestDeadlineDuringRetryKeepsTheAnswer: a deadline that ends the wait
// before a retry reports the answer being waited out (a 429, a 5xx), with
// the deadline as its cause; one with no answer yet is a network error.
func TestDeadlineDuringRetryKeepsTheAnswer(t *testing.T) {
	for _, tc := range []struct {
		name   string
		status int
		want   Class
	}{
		{"rate-limited", http.StatusTooManyRequests, RateLimited},
		{"server error", http.StatusBadGateway, ServerError},
		{"no answer in time", 0, NetworkError},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if tc.status == 0 {
					<-r.Context().Done()
					return
				}
				w.Header().Set("Retry-After", "5")
				w.WriteHeader(tc.status)
				_, _ = w.Write([]byte(`{"error":"slow down"}`))
			}))
			defer srv.Close()
			c, err := New(Options{Endpoint: srv.URL, RatePerSecond: -1, Backoff: 5 * time.Second})
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
			defer cancel()
			_, err = c.WhoAmI(ctx, testToken)
			if ClassOf(err) != tc.want || !errors.Is(err, context.DeadlineExceeded) {
				t.Fatalf("class %s, error %v; want %s caused by the deadline", ClassOf(err), err, tc.want)
			}
		})
	}
}
