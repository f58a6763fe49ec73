package git

import (
	"bytes"
	"net/http"
	"net/http/cgi"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/hfwarden/hfwarden/internal/testutil"
)

// authGitServer serves the repositories under root through git
// http-backend behind basic auth. While it answers a request (git and its
// transport helper are alive then, waiting), it reads every process's
// command line and reports those holding any of secrets.
type authGitServer struct {
	url  string
	mu   sync.Mutex
	seen []string // command lines holding a secret
	git  int      // requests during which a git command line was found
	ok   int      // authenticated requests
}

func newAuthGitServer(t *testing.T, root, user, pass string, secrets ...string) *authGitServer {
	t.Helper()
	out, err := exec.Command("git", "--exec-path").Output()
	if err != nil {
		t.Skip("git --exec-path:", err)
	}
	backend := filepath.Join(strings.TrimSpace(string(out)), "git-http-backend")
	if _, err := os.Stat(backend); err != nil {
		t.Skip("no git-http-backend")
	}
	h := &cgi.Handler{Path: backend, Env: []string{"GIT_PROJECT_ROOT=" + root, "GIT_HTTP_EXPORT_ALL=1"}}
	s := &authGitServer{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen, git := cmdlines(secrets)
		s.mu.Lock()
		s.seen = append(s.seen, seen...)
		if git {
			s.git++
		}
		s.mu.Unlock()
		u, p, ok := r.BasicAuth()
		if !ok || u != user || p != pass {
			w.Header().Set("WWW-Authenticate", `Basic realm="test"`)
			http.Error(w, "auth", http.StatusUnauthorized)
			return
		}
		s.mu.Lock()
		s.ok++
		s.mu.Unlock()
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	s.url = srv.URL
	return s
}

// cmdlines reads /proc/*/cmdline: those holding a secret, and whether a
// git remote helper was running.
func cmdlines(secrets []string) (seen []string, git bool) {
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		if e.Name()[0] < '0' || e.Name()[0] > '9' {
			continue
		}
		b, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err != nil || len(b) == 0 {
			continue
		}
		line := string(bytes.ReplaceAll(b, []byte{0}, []byte{' '}))
		if strings.Contains(line, "remote-http") {
			git = true
		}
		for _, s := range secrets {
			if strings.Contains(line, s) {
				seen = append(seen, line)
			}
		}
	}
	return seen, git
}

// TestMirrorCredentialsOffCommandLine clones and refreshes from an HTTP
// server that wants basic auth, with the credentials in the URL: git gets
// them (the clone works), yet no command line and no file of the mirror
// holds them, and a failure does not show them.
func TestMirrorCredentialsOffCommandLine(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("reads /proc")
	}
	isolate(t)
	ctx := t.Context()
	root := t.TempDir()
	src := smallRepo(t)
	g(t, root, "", "clone", "-q", "--bare", src, filepath.Join(root, "r.git"))

	tests := []struct {
		name, userinfo, user, pass string
	}{
		{"token", "user:hf_QmVyZ2VyQmFja2VuZFRlc3RUb2tlbjEy", "user", "hf_QmVyZ2VyQmFja2VuZFRlc3RUb2tlbjEy"},
		{"percent-encoded", "al%40ice:p%40ss%3Aw%2Frd-9f3k", "al@ice", "p@ss:w/rd-9f3k"},
		{"raw at sign", "bob:s3cr@t:xy-77q", "bob", "s3cr@t:xy-77q"},
		{"token as user name", "hf_QmVyZ2VyQmFja2VuZFRlc3RUb2tlbjM0", "hf_QmVyZ2VyQmFja2VuZFRlc3RUb2tlbjM0", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			secrets := []string{tt.userinfo}
			for _, s := range []string{tt.pass, tt.user} {
				if len(s) > 8 {
					secrets = append(secrets, s)
				}
			}
			srv := newAuthGitServer(t, root, tt.user, tt.pass, secrets...)
			host := strings.TrimPrefix(srv.url, "http://")
			url := "http://" + tt.userinfo + "@" + host + "/r.git"
			cache := t.TempDir()
			m, err := Mirror(ctx, url, cache)
			if err != nil {
				t.Fatalf("Mirror: %v", err)
			}
			if _, err := Mirror(ctx, url, cache); err != nil {
				t.Fatalf("refreshing the mirror: %v", err)
			}
			if srv.ok == 0 || srv.git == 0 {
				t.Fatalf("the server saw %d authenticated requests, %d with git running", srv.ok, srv.git)
			}
			if len(srv.seen) > 0 {
				t.Errorf("credentials on a command line: %q", srv.seen)
			}
			if got := g(t, m, "", "rev-parse", "HEAD"); got != g(t, src, "", "rev-parse", "HEAD") {
				t.Errorf("mirror HEAD %s", got)
			}
			cfg, _ := os.ReadFile(filepath.Join(m, "config"))
			for _, s := range secrets {
				if bytes.Contains(cfg, []byte(s)) {
					t.Errorf("the mirror's config holds %q:\n%s", s, cfg)
				}
			}

			// A wrong password fails, without showing either password.
			bad := "http://" + tt.user + "x:wrong-" + tt.pass + "@" + host + "/r.git"
			_, err = Mirror(ctx, bad, t.TempDir())
			if err == nil {
				t.Fatal("a wrong password cloned")
			}
			for _, s := range append(secrets, "wrong-"+tt.pass) {
				if len(s) > 8 && strings.Contains(err.Error(), s) {
					t.Errorf("error shows %q: %v", s, err)
				}
			}
		})
	}
}

// TestMirrorRefusesCredentialsGitWouldShow: credentials that git could
// only get on a command line are refused, redacted.
func TestMirrorRefusesCredentialsGitWouldShow(t *testing.T) {
	isolate(t)
	const tok = "hf_QmVyZ2VyQmFja2VuZFRlc3RUb2tlbjU2"
	for _, url := range []string{
		"https://host.invalid/r.git?access_token=" + tok,
		"https://host.invalid/r.git?" + tok,
		"https://host.invalid/r.git#token=" + tok,
		"ssh://git:" + tok + "@host.invalid/r.git",
		"git:" + tok + "@host.invalid:r.git",
	} {
		cache := t.TempDir()
		_, err := Mirror(t.Context(), url, cache)
		if err == nil || strings.Contains(err.Error(), tok) {
			t.Errorf("Mirror(%q): %v, want a redacted refusal", Redact(url), err)
		}
		if ents, _ := os.ReadDir(cache); len(ents) != 0 {
			t.Errorf("Mirror(%q) made %v", Redact(url), ents)
		}
	}
}

// TestMirrorRefusesTokenUnderAnyParamName: a token-shaped value in the
// query or fragment is a credential whatever its parameter's name, so it
// never reaches git's argv (nor a message), and nothing is cloned; a
// query with no token still goes through the usual path.
func TestMirrorRefusesTokenUnderAnyParamName(t *testing.T) {
	isolate(t)
	tok := testutil.NewTokenGen(51).Next(t)
	for _, url := range []string{
		"http://127.0.0.1:1/r.git?foo=" + tok,
		"http://127.0.0.1:1/r.git?ref=main&x=" + tok,
		"http://127.0.0.1:1/r.git#frag=" + tok,
		"http://127.0.0.1:1/r.git?foo=x" + tok, // glued to a word
		"http://127.0.0.1:1/r.git?" + tok[:12], // too short a bare query to be a token: fetched, fails
	} {
		cache := t.TempDir()
		_, err := Mirror(t.Context(), url, cache)
		if err == nil || strings.Contains(err.Error(), tok) || strings.Contains(err.Error(), tok[3:]) {
			t.Errorf("Mirror(%q): %v, want a redacted error", Redact(url), err)
		}
		refused := err != nil && strings.Contains(err.Error(), "would be visible on git's command line")
		if want := strings.Contains(url, tok); refused != want {
			t.Errorf("Mirror(%q): refused = %v, want %v (%v)", Redact(url), refused, want, err)
		}
		if want := strings.Contains(url, tok); want {
			if ents, _ := os.ReadDir(cache); len(ents) != 0 {
				t.Errorf("Mirror(%q) made %v", Redact(url), ents)
			}
			if r := Redact(url); strings.Contains(r, tok[3:]) {
				t.Errorf("Redact kept the token: %q", r)
			}
		}
	}
}

func TestRedactCredentialParams(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"https://host/r.git?access_token=abc&x=1", "https://host/r.git?access_token=***&x=1"},
		{"https://host/r.git?X-Amz-Signature=abc", "https://host/r.git?X-Amz-Signature=***"},
		{"https://u:p@host/r.git?token=abc#sig=def", "https://***@host/r.git?token=***#sig=***"},
		{"https://host/r.git?hf_QmVyZ2VyQmFja2VuZFRlc3RUb2tlbjU2", "https://host/r.git?***"},
		{"user:pass@host:r.git", "***@host:r.git"},
		{"git@host:r.git", "git@host:r.git"},
		{"https://host/r.git?ref=main", "https://host/r.git?ref=main"},
	} {
		if got := Redact(c.in); got != c.want {
			t.Errorf("Redact(%q) = %q, want %q", c.in, got, c.want)
		}
	}
	if !IsURL("user:pass@host:r.git") {
		t.Error("an scp-like URL with a password is not a URL")
	}
}
