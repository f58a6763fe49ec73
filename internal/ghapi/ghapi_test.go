package ghapi

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

const (
	classic = "ghp_" + "aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789"
	fine    = "github_pat_" + "11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz"
)

func TestRevocable(t *testing.T) {
	for tok, want := range map[string]bool{
		classic: true, fine: true, "gho_x": true, "ghu_x": true, "ghr_x": true,
		"ghs_x": false, "sk-proj-x": false, "hf_x": false,
	} {
		if Revocable(tok) != want {
			t.Errorf("Revocable(%.4s…) = %v", tok, !want)
		}
	}
}

func TestRevoke(t *testing.T) {
	type got struct {
		path, auth, accept string
		creds              []string
	}
	var (
		mu   sync.Mutex
		reqs []got
	)
	status := http.StatusAccepted
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body struct{ Credentials []string }
		b, _ := io.ReadAll(r.Body)
		if err := json.Unmarshal(b, &body); err != nil {
			t.Errorf("request body %q: %v", b, err)
		}
		mu.Lock()
		reqs = append(reqs, got{r.URL.Path, r.Header.Get("Authorization"), r.Header.Get("Accept"), body.Credentials})
		mu.Unlock()
		if status == http.StatusFound {
			http.Redirect(w, r, "https://elsewhere.example/steal", status)
			return
		}
		w.WriteHeader(status)
		if status != http.StatusAccepted {
			_, _ = io.WriteString(w, `{"message":"Validation Failed for `+classic+`"}`) // a client that hung up fails on its side
		}
	}))
	defer srv.Close()
	c, err := New(srv.URL+"/api/v3/", nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Revoke(t.Context(), []string{classic, fine, classic}); err != nil {
		t.Fatal(err)
	}
	if len(reqs) != 1 || reqs[0].path != "/api/v3/credentials/revoke" || reqs[0].auth != "" ||
		reqs[0].accept != "application/vnd.github+json" || len(reqs[0].creds) != 2 {
		t.Fatalf("requests %+v", reqs)
	}
	for _, st := range []int{http.StatusUnprocessableEntity, http.StatusInternalServerError, http.StatusFound} {
		status = st
		err := c.Revoke(t.Context(), []string{classic})
		if err == nil || strings.Contains(err.Error(), classic) || !strings.Contains(err.Error(), "HTTP") {
			t.Errorf("status %d: error %v", st, err)
		}
	}
	if _, err := New("ftp://x", nil); err == nil {
		t.Error("ftp endpoint accepted")
	}
}
