package cli_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hfwarden/hfwarden/internal/hubsim"
	"github.com/hfwarden/hfwarden/internal/testutil"
)

// startSim serves the demo scenario and returns its URL and tokens by name.
func startSim(t *testing.T) (string, map[string]string) {
	t.Helper()
	sc := hubsim.DemoScenario()
	_, url := testutil.StartHub(t, sc, hubsim.Options{RateLimit: -1})
	toks := testutil.HubTokens(sc)
	return url, toks
}

func TestAssessCommand(t *testing.T) {
	url, toks := startSim(t)
	tok := toks["sim-alice-acme-ci"]

	// From standard input, JSON.
	r := runCLI(t, tok+"\n", "assess", "--endpoint", url, "--format", "json")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	var rep struct {
		Status string `json:"status"`
		Owner  string `json:"owner"`
		Token  struct {
			Name      string   `json:"name"`
			Role      string   `json:"role"`
			CreatedAt string   `json:"created_at"`
			Scopes    []string `json:"scopes"`
		} `json:"token"`
		CanReadGated bool `json:"can_read_gated"`
		Orgs         []struct{ Name, Role string }
		Repos        []struct {
			ID      string `json:"id"`
			Type    string `json:"type"`
			Private bool   `json:"private"`
			Gated   string `json:"gated"`
			Access  string `json:"access"`
		} `json:"repos"`
		Capabilities []string `json:"capabilities"`
		Severity     string   `json:"severity"`
		Reasons      []string `json:"reasons"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, r.stdout)
	}
	if rep.Status != "live" || rep.Owner != "alice" || rep.Token.Role != "fineGrained" || rep.Token.Name != "sim-alice-acme-ci" ||
		rep.Token.CreatedAt == "" || len(rep.Token.Scopes) != 3 || !rep.CanReadGated || len(rep.Orgs) != 2 ||
		rep.Severity != "critical" || len(rep.Reasons) == 0 || len(rep.Capabilities) == 0 {
		t.Fatalf("report: %+v", rep)
	}
	writable := 0
	for _, rp := range rep.Repos {
		if rp.Access == "write" {
			writable++
			if !strings.HasPrefix(rp.ID, "acme/") {
				t.Errorf("write outside the token's scope: %s", rp.ID)
			}
		}
	}
	if writable != 3 {
		t.Errorf("%d writable repositories, want acme's 3", writable)
	}
	if strings.Contains(r.stdout+r.stderr, tok) {
		t.Fatal("raw token printed")
	}

	// From a file and from the environment, text.
	f := filepath.Join(t.TempDir(), "tok")
	if err := os.WriteFile(f, []byte("\n  "+toks["sim-bob-read"]+"  \n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if r := runCLI(t, "", "assess", "--endpoint", url, "--token-file", f); r.code != 0 || !strings.Contains(r.stdout, "owner: bob") || !strings.Contains(r.stdout, "severity: MEDIUM") {
		t.Fatalf("token file: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	t.Setenv("LEAKED", toks["sim-alice-write"])
	if r := runCLI(t, "", "assess", "--endpoint", url, "--token-env", "LEAKED"); r.code != 0 || !strings.Contains(r.stdout, "severity: CRITICAL") {
		t.Fatalf("token env: exit %d\n%s", r.code, r.stdout)
	}
	// HF_ENDPOINT is the default endpoint.
	t.Setenv("HF_ENDPOINT", url)
	if r := runCLI(t, toks["sim-bob-read"], "assess"); r.code != 0 || !strings.Contains(r.stdout, "owner: bob") {
		t.Fatalf("HF_ENDPOINT: exit %d %s", r.code, r.stderr)
	}
	// An invalid token is reported, not an error.
	if r := runCLI(t, fakeTokens(t, 7, 1)[0], "assess", "--endpoint", url); r.code != 0 || !strings.Contains(r.stdout, "INVALID") {
		t.Fatalf("invalid: exit %d %s", r.code, r.stdout)
	}
	// A placeholder the detector does not take for a token is not sent.
	if r := runCLI(t, "hf_"+strings.Repeat("Ab", 17), "assess", "--endpoint", url); r.code != 2 || !strings.Contains(r.stderr, "not recognised as a Hugging Face token") {
		t.Fatalf("invalid: exit %d %s", r.code, r.stdout)
	}
	// No token, or a token on the command line: usage errors.
	if r := runCLI(t, "", "assess", "--endpoint", url); r.code != 2 || !strings.Contains(r.stderr, "no token given") {
		t.Fatalf("no token: exit %d %q", r.code, r.stderr)
	}
	if r := runCLI(t, "", "assess", "--endpoint", url, tok); r.code != 2 || strings.Contains(r.stderr, tok) || !strings.Contains(r.stderr, "never on the command line") {
		t.Fatalf("token as an argument: exit %d %q", r.code, r.stderr)
	}
}

func TestHubsimPrintTokens(t *testing.T) {
	r := runCLI(t, "", "hubsim", "--print-tokens")
	var toks []struct{ Token, User, Kind string }
	if r.code != 0 || json.Unmarshal([]byte(r.stdout), &toks) != nil || len(toks) < 4 {
		t.Fatalf("exit %d %s", r.code, r.stdout)
	}
	kinds := map[string]bool{}
	for _, tk := range toks {
		kinds[tk.Kind] = true
		if !strings.HasPrefix(tk.Token, "hf_") || tk.User == "" {
			t.Errorf("bad token entry %+v", tk)
		}
	}
	if !kinds["classic"] || !kinds["fineGrained"] || !kinds["oauth"] {
		t.Fatalf("kinds %v", kinds)
	}
	if r := runCLI(t, "", "hubsim", "--scenario", "/nonexistent.json"); r.code != 2 {
		t.Fatalf("missing scenario: exit %d", r.code)
	}
}

func TestScanVerify(t *testing.T) {
	url, toks := startSim(t)
	dir := t.TempDir()
	fake := fakeTokens(t, 11, 1)[0]
	write(t, filepath.Join(dir, ".env"), "HF_TOKEN="+toks["sim-bob-read"]+"\nOLD_TOKEN="+fake+"\n")
	cache := t.TempDir()
	r := runCLI(t, "", "scan", "--verify", "--endpoint", url, "--cache-dir", cache, "-f", "json", dir)
	if r.code != 1 {
		t.Fatalf("exit %d %s", r.code, r.stderr)
	}
	var out struct {
		Findings []struct {
			Fingerprint  string
			Verification *struct{ Status, Owner string }
		}
	}
	if err := json.Unmarshal([]byte(r.stdout), &out); err != nil || len(out.Findings) != 2 {
		t.Fatalf("%v %s", err, r.stdout)
	}
	got := map[string]string{}
	for _, f := range out.Findings {
		if f.Verification == nil {
			t.Fatalf("finding not verified: %s", r.stdout)
		}
		got[f.Verification.Status] = f.Verification.Owner
	}
	if owner, ok := got["live"]; !ok || owner != "bob" {
		t.Fatalf("live: %v", got)
	}
	if _, ok := got["invalid"]; !ok {
		t.Fatalf("invalid: %v", got)
	}
	if b, err := os.ReadFile(filepath.Join(cache, "verify.json")); err != nil || strings.Contains(string(b), toks["sim-bob-read"]) {
		t.Fatalf("verification cache missing or holding the raw token: %v", err)
	}
}
