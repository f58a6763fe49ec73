package cli_test

import (
	"encoding/json"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestMailFeedsExposure stores what an mbox holds: the same token in
// three messages is one incident whose exposure starts at the earliest
// message's date, not at when the scan ran.
func TestMailFeedsExposure(t *testing.T) {
	py, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("python3 not installed")
	}
	tok := fakeTokens(t, 1320, 1)[0]
	dir := t.TempDir()
	script := filepath.Join("..", "source", "mail", "testdata", "mkmail.py")
	if b, err := exec.Command(py, script, "mbox", filepath.Join(dir, "inbox.mbox"), tok, tok, tok).CombinedOutput(); err != nil {
		t.Fatalf("mkmail.py: %v\n%s", err, b)
	}
	dbArgs := []string{"--db", filepath.Join(t.TempDir(), "h.db"), "--key-file", filepath.Join(t.TempDir(), "h.key")}
	r := runCLI(t, "", append([]string{"scan", "--store", "-q", dir}, dbArgs...)...)
	if r.code != 1 || !strings.Contains(r.stderr, "1 new incidents, 3 new occurrences") {
		t.Fatalf("scan --store: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	r = runCLI(t, "", append([]string{"incidents", "show", "1", "-f", "json"}, dbArgs...)...)
	var show struct {
		Incident struct {
			ExposureStart string `json:"exposure_start"`
		} `json:"incident"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &show); err != nil {
		t.Fatalf("%v\n%s", err, r.stdout)
	}
	// Message 2 is dated Sat, 02 Mar 2024 08:00:00 +0000, the earliest.
	if show.Incident.ExposureStart != "2024-03-02T08:00:00Z" {
		t.Errorf("exposure start = %q, want the earliest message's date\n%s", show.Incident.ExposureStart, r.stdout)
	}
	if strings.Contains(r.stdout, tok) {
		t.Error("raw token in the incident")
	}
}
