package cli_test

import (
	"encoding/json"
	"path/filepath"
	"testing"
)

// TestScanVerifyGlued: a token glued to the bytes of a binary record is
// reported at low confidence, and --verify settles it like any other.
func TestScanVerifyGlued(t *testing.T) {
	url, toks := startSim(t)
	live := toks["sim-bob-read"]
	dir := t.TempDir()
	write(t, filepath.Join(dir, "state.bin"), "\x00\x01T"+live+"qA\x00")
	r := runCLI(t, "", "scan", "--verify", "--endpoint", url, "--cache-dir", t.TempDir(), "-f", "json", dir)
	if r.code != 1 {
		t.Fatalf("exit %d %s", r.code, r.stderr)
	}
	var out struct {
		Findings []struct {
			Confidence   string
			Location     struct{ Offset int64 }
			Verification *struct{ Status, Owner string }
		}
	}
	if err := json.Unmarshal([]byte(r.stdout), &out); err != nil || len(out.Findings) != 1 {
		t.Fatalf("%v %s", err, r.stdout)
	}
	f := out.Findings[0]
	if f.Confidence != "low" || f.Location.Offset != 3 || f.Verification == nil || f.Verification.Status != "live" || f.Verification.Owner != "bob" {
		t.Fatalf("got %+v", f)
	}
}
