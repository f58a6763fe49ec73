package detect

import (
	"slices"
	"strings"
	"testing"
)

// TestRulesNameIssuerAndRotation: every rule says who issued its secrets
// (the only party they may be sent to) and how to rotate them, and the
// Hugging Face rules are exactly the ones not linked.
func TestRulesNameIssuerAndRotation(t *testing.T) {
	for _, r := range AllRules() {
		id := r.ID
		if got, ok := Rule(id); !ok || got != r || r.Issuer == "" || r.Rotate == "" {
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

// TestRuleSamples checks every rule against its own samples: each true
// sample yields a match of the rule, each false one none, through a
// detector with every rule on (so a sample may not be claimed by another
// rule's validator either).
func TestRuleSamples(t *testing.T) {
	d := New(Options{})
	for _, r := range rules {
		t.Run(r.ID, func(t *testing.T) {
			if len(r.samples.True) == 0 || len(r.samples.False) == 0 {
				t.Fatalf("rule %s: %d true and %d false samples, want some of each", r.ID, len(r.samples.True), len(r.samples.False))
			}
			for _, s := range r.samples.True {
				ms := d.Detect([]byte(s))
				if len(ms) != 1 || ms[0].Rule != r.ID {
					t.Errorf("true sample %q: got %+v, want one %s match", s, ms, r.ID)
				}
				if bs := d.DetectBinary([]byte(s)); len(bs) != 1 || len(ms) == 1 && !sameMatch(bs[0], ms[0]) {
					t.Errorf("true sample %q in binary bytes: got %+v, want %+v", s, bs, ms)
				}
			}
			for _, s := range r.samples.False {
				if ms := d.Detect([]byte(s)); len(ms) != 0 {
					t.Errorf("false sample %q: got %+v, want none", s, ms)
				}
				if ms := d.DetectBinary([]byte(s)); len(ms) != 0 {
					t.Errorf("false sample %q in binary bytes: got %+v, want none", s, ms)
				}
			}
			for _, s := range r.samples.Binary {
				if ms := d.Detect([]byte(s)); len(ms) != 0 {
					t.Errorf("binary sample %q in text: got %+v, want none", s, ms)
				}
				ms := d.DetectBinary([]byte(s))
				if len(ms) != 1 || ms[0].Rule != r.ID || ms[0].Confidence != Low {
					t.Errorf("binary sample %q: got %+v, want one %s match of low confidence", s, ms, r.ID)
				}
			}
		})
	}
}

// TestRuleTable: every rule is found through anchors of its own or of the
// rule it names in via, IDs are unique, and only Hugging Face rules are
// verifiable (nothing else is sent to the Hub).
func TestRuleTable(t *testing.T) {
	seen := map[string]bool{}
	for _, r := range rules {
		if seen[r.ID] {
			t.Errorf("rule %s listed twice", r.ID)
		}
		seen[r.ID] = true
		switch {
		case len(r.anchors) > 0 && r.via != "":
			t.Errorf("rule %s has anchors and via %s", r.ID, r.via)
		case len(r.anchors) == 0:
			if v := lookup(r.via); v == nil || len(v.anchors) == 0 || v.Linked != r.Linked {
				t.Errorf("rule %s: via %q is not a rule of the same kind with anchors", r.ID, r.via)
			}
		}
		if Verifiable(r.ID) && !IssuedByHuggingFace(r.ID) {
			t.Errorf("rule %s verifiable but issued by %s", r.ID, r.Issuer)
		}
	}
	for _, tc := range []struct {
		rule       string
		verifiable bool
	}{
		{"hf-user-token", true}, {"hf-org-token", true}, {"hf-oauth-token", true}, {"hf-jwt", true},
		{"hf-oauth-refresh-token", false}, {"openai-api-key", false}, {"github-token", false}, {"no-such-rule", false},
	} {
		if Verifiable(tc.rule) != tc.verifiable {
			t.Errorf("Verifiable(%s) = %v, want %v", tc.rule, !tc.verifiable, tc.verifiable)
		}
	}
	// A copy: changing what AllRules returns changes no rule.
	all := AllRules()
	all[0].Issuer = "someone else"
	if r, _ := Rule(all[0].ID); r.Issuer == "someone else" {
		t.Error("AllRules handed out the table itself")
	}
}

// sameMatch compares what two matches say of a secret and where it is.
func sameMatch(a, b Match) bool {
	return a.Rule == b.Rule && a.Secret == b.Secret && a.Confidence == b.Confidence && a.Start == b.Start && a.End == b.End &&
		slices.Equal(a.Encodings, b.Encodings) && slices.Equal(a.Parts, b.Parts)
}
