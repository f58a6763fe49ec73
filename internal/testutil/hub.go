package testutil

import (
	"testing"

	"github.com/hfwarden/hfwarden/internal/hubsim"
)

// StartHub serves sc through the Hub simulator on a loopback port until
// the test ends, and returns the server (to inspect or change its state)
// and its base URL.
func StartHub(t testing.TB, sc *hubsim.Scenario, opts hubsim.Options) (*hubsim.Server, string) {
	t.Helper()
	srv := hubsim.New(sc, opts)
	url, stop, err := srv.Start("127.0.0.1:0")
	if err != nil {
		t.Fatalf("starting the Hub simulator: %v", err)
	}
	t.Cleanup(stop)
	return srv, url
}

// HubTokens returns sc's tokens by display name.
func HubTokens(sc *hubsim.Scenario) map[string]string {
	toks := make(map[string]string, len(sc.Tokens))
	for _, tk := range sc.Tokens {
		toks[tk.DisplayName] = tk.Token
	}
	return toks
}
