package detect

import (
	"strings"
	"testing"
)

// TestRulesNameIssuerAndRotation: every rule says who issued its secrets
// (the only party they may be sent to) and how to rotate them, and the
// Hugging Face rules are exactly the ones not linked.
func TestRulesNameIssuerAndRotation(t *testing.T) {
	for id, r := range Rules {
		if r.ID != id || r.Issuer == "" || r.Rotate == "" {
			t.Errorf("rule %s: id %q issuer %q rotate %q", id, r.ID, r.Issuer, r.Rotate)
		}
		if IssuedByHuggingFace(id) == r.Linked {
			t.Errorf("rule %s: linked %v but issued by %s", id, r.Linked, r.Issuer)
		}
		if h := RotationHint(id); !strings.HasPrefix(h, r.Issuer+": ") {
			t.Errorf("hint %q does not name the issuer", h)
		}
	}
	for _, tc := range []struct {
		rule string
		hf   bool
		has  string
	}{
		{"hf-user-token", true, "huggingface.co/settings/tokens"},
		{"github-token", false, "github.com/settings/tokens"},
		{"openai-api-key", false, "platform.openai.com/api-keys"},
		{"no-such-rule", false, "where it was issued"},
	} {
		if IssuedByHuggingFace(tc.rule) != tc.hf || !strings.Contains(RotationHint(tc.rule), tc.has) {
			t.Errorf("%s: hf %v, hint %q", tc.rule, IssuedByHuggingFace(tc.rule), RotationHint(tc.rule))
		}
	}
}
