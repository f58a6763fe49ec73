package cli_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hfwarden/hfwarden/internal/hub"
	"github.com/hfwarden/hfwarden/internal/hubsim"
	"github.com/hfwarden/hfwarden/internal/secret"
)

// viewedShow is what incidents show says of an assessment made through
// another credential.
type viewedShow struct {
	Incident struct {
		Owner      string
		Assessment *struct {
			Status      string
			Fingerprint string
			Redacted    string
			Repos       []json.RawMessage
			ViewedBy    *struct {
				Redacted, Fingerprint, Owner string
			} `json:"viewed_by"`
		}
	}
}

// TestAssessIncidentWithOwnerToken: once the leaked token is revoked,
// assess --incident N --token-file F assesses it through the owner's other
// token and records whose view it was (preview and fingerprint, never the
// raw credential); a snapshot the token itself gave is kept, and a
// credential of another account is refused.
func TestAssessIncidentWithOwnerToken(t *testing.T) {
	url, _, _, toks := recordedSim(t)
	leaked, other, bob := toks["sim-alice-write"], toks["sim-alice-acme-ci"], toks["sim-bob-read"]
	dir := t.TempDir()
	write(t, filepath.Join(dir, ".env"), "HF_TOKEN="+leaked+"\n")
	dbArgs, ids := storedIncidents(t, dir)
	id := ids["hf-user-token"]
	if id == "" {
		t.Fatalf("incidents %v", ids)
	}
	credFile := filepath.Join(t.TempDir(), "owner-token")
	write(t, credFile, other+"\n")
	c, err := hub.New(hub.Options{Endpoint: url, RatePerSecond: -1})
	if err != nil {
		t.Fatal(err)
	}
	// Revoked elsewhere, before hfwarden took any snapshot.
	if err := c.Revoke(t.Context(), []string{leaked}); err != nil {
		t.Fatal(err)
	}
	show := func() viewedShow {
		t.Helper()
		r := runCLI(t, "", append([]string{"incidents", "show", id, "-f", "json"}, dbArgs...)...)
		var s viewedShow
		if r.code != 0 || json.Unmarshal([]byte(r.stdout), &s) != nil {
			t.Fatalf("show: exit %d %s %s", r.code, r.stdout, r.stderr)
		}
		return s
	}

	// alice's fine-grained token sees less than her leaked classic write
	// token could: its view is printed, not recorded (it would shrink the
	// blast radius), unless --record-narrow.
	r := runCLI(t, "", append([]string{"assess", "--incident", id, "--endpoint", url, "--token-file", credFile}, dbArgs...)...)
	if r.code != 2 || !strings.Contains(r.stdout, "not recorded in incident #"+id+": this credential is narrower than the owner's reach") ||
		!strings.Contains(r.stderr, "--record-narrow") || !strings.Contains(r.stdout, "what this credential reaches, narrower") {
		t.Errorf("a narrow credential: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	if a := show().Incident.Assessment; a != nil {
		t.Fatalf("a narrow credential's view was recorded: %+v", a)
	}
	// Before: --token-file is not silently ignored.
	r = runCLI(t, "", append([]string{"assess", "--incident", id, "--endpoint", url, "--token-file", credFile, "--record-narrow"}, dbArgs...)...)
	if r.code != 0 {
		t.Fatalf("assess --incident --token-file --record-narrow: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	if !strings.Contains(r.stdout, "viewed as alice via another credential "+secret.Redact(other)) || !strings.Contains(r.stdout, "recorded in incident #"+id+" as the view of alice via another credential, narrower than the owner's reach: a lower bound") {
		t.Errorf("the output does not say whose view it was:\n%s", r.stdout)
	}
	// The report's bottom line says it is a lower bound, and whose view.
	if rep := runCLI(t, "", append([]string{"report", id, "-f", "md"}, dbArgs...)...); !strings.Contains(rep.stdout, "could write at least 3 repos") ||
		!strings.Contains(rep.stdout, "(as seen through a narrower credential of alice)") {
		t.Errorf("report bottom line of a narrow view:\n%s%s", rep.stdout, rep.stderr)
	}
	s := show()
	a := s.Incident.Assessment
	switch {
	case a == nil || a.ViewedBy == nil:
		t.Fatalf("no view recorded: %+v", a)
	case a.ViewedBy.Owner != "alice" || a.ViewedBy.Fingerprint != secret.Fingerprint(other) || a.ViewedBy.Redacted != secret.Redact(other):
		t.Errorf("viewed_by = %+v, want alice's other token", *a.ViewedBy)
	case a.Fingerprint != secret.Fingerprint(leaked):
		t.Errorf("the assessment is about %s, want the incident's token", a.Fingerprint)
	case a.Status != "live" || len(a.Repos) == 0 || s.Incident.Owner != "alice":
		t.Errorf("assessment %s with %d repositories, owner %q", a.Status, len(a.Repos), s.Incident.Owner)
	}
	if !strings.Contains(r.stdout, "not known from another credential's view") {
		t.Errorf("the output claims the credential's role for the token:\n%s", r.stdout)
	}
	if strings.Contains(r.stdout+r.stderr, other) {
		t.Error("the raw credential was printed")
	}
	db := dbArgs[1]
	for _, p := range []string{db, db + "-wal"} {
		if b, err := os.ReadFile(p); err == nil && strings.Contains(string(b), other) {
			t.Errorf("%s holds the raw credential", p)
		}
	}

	// A credential of another account is not this token's blast radius.
	bobFile := filepath.Join(t.TempDir(), "bob")
	write(t, bobFile, bob+"\n")
	r = runCLI(t, "", append([]string{"assess", "--incident", id, "--endpoint", url, "--token-file", bobFile}, dbArgs...)...)
	if r.code != 2 || !strings.Contains(r.stderr, "acts as bob") {
		t.Errorf("bob's credential: exit %d\n%s", r.code, r.stderr)
	}
	if got := show().Incident.Assessment.ViewedBy; got == nil || got.Owner != "alice" {
		t.Errorf("bob's view replaced alice's: %+v", got)
	}
	// Not a Hugging Face token: not sent.
	ghFile := filepath.Join(t.TempDir(), "gh")
	write(t, ghFile, testGitHubPAT+"\n")
	if r := runCLI(t, "", append([]string{"assess", "--incident", id, "--endpoint", url, "--token-file", ghFile}, dbArgs...)...); r.code != 2 || !strings.Contains(r.stderr, "not a Hugging Face token") {
		t.Errorf("GitHub credential: exit %d %s", r.code, r.stderr)
	}
	// The credential on standard input, with the explicit flag.
	if r := runCLI(t, other+"\n", append([]string{"assess", "--incident", id, "--endpoint", url, "--token-stdin", "--record-narrow", "-f", "json"}, dbArgs...)...); r.code != 0 || !strings.Contains(r.stdout, `"viewed_by"`) {
		t.Errorf("--token-stdin: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
}

// TestAssessIncidentViewKeepsOwnSnapshot: after hfwarden revoke took a
// snapshot with the token itself, a view through another credential is
// shown but does not replace it.
func TestAssessIncidentViewKeepsOwnSnapshot(t *testing.T) {
	url, _, _, toks := recordedSim(t)
	leaked, other := toks["sim-alice-write"], toks["sim-alice-acme-ci"]
	dir := t.TempDir()
	write(t, filepath.Join(dir, ".env"), "HF_TOKEN="+leaked+"\n")
	dbArgs, ids := storedIncidents(t, dir)
	id := ids["hf-user-token"]
	hubArgs := append([]string{"--endpoint", url}, dbArgs...)
	if r := runCLI(t, "", append([]string{"revoke", id, "--yes"}, hubArgs...)...); r.code != 0 {
		t.Fatalf("revoke: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	credFile := filepath.Join(t.TempDir(), "owner-token")
	write(t, credFile, other+"\n")
	r := runCLI(t, "", append([]string{"assess", "--incident", id, "--token-file", credFile}, hubArgs...)...)
	if r.code != 0 || !strings.Contains(r.stdout, "not recorded in incident #"+id) {
		t.Errorf("assess through the owner's token: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	if a := showIncident(t, dbArgs, id).Incident.Assessment; a == nil || a.Status != "live" {
		t.Errorf("the token's own snapshot is gone: %+v", a)
	}
	r = runCLI(t, "", append([]string{"incidents", "show", id, "-f", "json"}, dbArgs...)...)
	if strings.Contains(r.stdout, "viewed_by") {
		t.Errorf("the view replaced the token's own snapshot:\n%s", r.stdout)
	}
}

// TestAssessIncidentViewFullReach: a classic write token of the owner
// sees all the owner can do; its view is recorded without --record-narrow
// and the report's bottom line says whose view it is, not a lower bound.
func TestAssessIncidentViewFullReach(t *testing.T) {
	sc := hubsim.DemoScenario()
	laptop := fakeTokens(t, 181, 1)[0]
	sc.Tokens = append(sc.Tokens, hubsim.Token{Token: laptop, User: "alice", Kind: hubsim.KindClassic, Role: "write", DisplayName: "alice-laptop"})
	url, stop, err := hubsim.New(sc, hubsim.Options{RateLimit: -1}).Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(stop)
	var leaked string
	for _, tk := range sc.Tokens {
		if tk.DisplayName == "sim-alice-write" {
			leaked = tk.Token
		}
	}
	dir := t.TempDir()
	write(t, filepath.Join(dir, ".env"), "HF_TOKEN="+leaked+"\n")
	dbArgs, ids := storedIncidents(t, dir)
	id := ids["hf-user-token"]
	c, err := hub.New(hub.Options{Endpoint: url, RatePerSecond: -1})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Revoke(t.Context(), []string{leaked}); err != nil {
		t.Fatal(err)
	}
	credFile := filepath.Join(t.TempDir(), "laptop")
	write(t, credFile, laptop+"\n")
	r := runCLI(t, "", append([]string{"assess", "--incident", id, "--endpoint", url, "--token-file", credFile}, dbArgs...)...)
	if r.code != 0 || !strings.Contains(r.stdout, "recorded in incident #"+id+" as the view of alice via another credential\n") ||
		!strings.Contains(r.stdout, "what this credential reaches (a classic write token") {
		t.Fatalf("a classic write credential: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	rep := runCLI(t, "", append([]string{"report", id, "-f", "md"}, dbArgs...)...)
	if !strings.Contains(rep.stdout, "could write 8 repos (4 public) (as seen through another credential of alice)") {
		t.Errorf("report bottom line of a full view:\n%s%s", rep.stdout, rep.stderr)
	}
}
