package finding

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

// TestRawSecretNeverSerialised: the secret a finding keeps for verification
// is readable in memory and absent from its JSON, whatever else is set;
// only Secret (shown on request) is written.
func TestRawSecretNeverSerialised(t *testing.T) {
	const tok = "hf_RawSecretNeverSerialisedXXXXXXXX"
	for _, tc := range []struct {
		name       string
		f          Finding
		wantSecret bool
	}{
		{"bare", Finding{}, false},
		{"full", Finding{Rule: "hf-user-token", Fingerprint: "fp", Redacted: "hf_Ra…XXXX", Location: Location{Path: "a.py", Line: 1}, Verification: &Verification{Status: "live"}}, false},
		{"shown", Finding{Rule: "hf-user-token", Secret: tok}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := tc.f
			f.SetRawSecret(tok)
			if got := f.RawSecret(); got != tok {
				t.Fatalf("RawSecret() = %q, want the secret set", got)
			}
			b, err := json.Marshal(f)
			if err != nil {
				t.Fatal(err)
			}
			if got := strings.Count(string(b), tok); got != map[bool]int{false: 0, true: 1}[tc.wantSecret] {
				t.Errorf("the secret appears %d times in %s", got, b)
			}
			var back Finding
			if err := json.Unmarshal(b, &back); err != nil {
				t.Fatal(err)
			}
			if back.RawSecret() != "" {
				t.Error("a decoded finding has a raw secret")
			}
		})
	}
}

func TestKnownTime(t *testing.T) {
	for _, tc := range []struct {
		t    time.Time
		want bool
	}{
		{time.Time{}, false},
		{time.Unix(0, 0), false},
		{time.Date(1980, 1, 1, 0, 0, 0, 0, time.UTC), false},
		{time.Date(1989, 12, 31, 23, 59, 59, 0, time.UTC), false},
		{time.Date(1990, 1, 1, 0, 0, 0, 0, time.UTC), true},
		{time.Date(2025, 5, 28, 16, 22, 0, 0, time.FixedZone("x", 3600)), true},
	} {
		if got := KnownTime(tc.t); got != tc.want {
			t.Errorf("KnownTime(%v) = %v, want %v", tc.t, got, tc.want)
		}
	}
}
