package detect

import "testing"

// TestVerifiable: only the Hugging Face credentials whoami-v2 answers for
// are sent to the Hub; every other rule, known or not, is not.
func TestVerifiable(t *testing.T) {
	want := map[string]bool{"hf-user-token": true, "hf-org-token": true, "hf-oauth-token": true, "hf-jwt": true}
	for _, r := range AllRules() {
		if got := Verifiable(r.ID); got != want[r.ID] {
			t.Errorf("Verifiable(%q) = %v, want %v", r.ID, got, want[r.ID])
		}
	}
	for _, id := range []string{"", "HF-USER-TOKEN", "hf-user-token ", "no-such-rule"} {
		if Verifiable(id) {
			t.Errorf("Verifiable(%q) = true for an unknown rule", id)
		}
	}
	for id := range want {
		if _, ok := Rule(id); !ok {
			t.Errorf("verifiable rule %q is not a detector rule", id)
		}
	}
}
