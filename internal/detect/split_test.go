package detect

import (
	"strings"
	"testing"
)

func TestJoinJSONArrays(t *testing.T) {
	// The reviewer's case: one line of an output's text wrapped in two.
	reviewer := `"text": ["abc ` + tok1[:10] + `", "` + tok1[10:] + `\n"]`
	tests := []struct {
		name  string
		input string
		parts int // 0: no match expected
	}{
		{"output text, last part ends in \\n", reviewer, 2},
		{"source lines, last part ends the string", `"source": ["t = '` + tok1[:7] + `", "` + tok1[7:] + `'"]`, 2},
		{"pretty printed array", "[\n    \"" + tok1[:20] + "\",\n    \"" + tok1[20:] + "\\n\"\n]", 2},
		{"three elements", `["` + tok1[:8] + `", "` + tok1[8:20] + `", "` + tok1[20:] + `"]`, 3},
		{"quoted in code, escaped quote", `["login(\"` + tok1[:12] + `", "` + tok1[12:] + `\")\n"]`, 2},
		{"ends with \\t", `["` + tok1[:12] + `", "` + tok1[12:] + `\tx"]`, 2},
		{"ends with \\u escape of a space", `["` + tok1[:12] + `", "` + tok1[12:] + `\u0020"]`, 2},
		{"ends inside the element", `["x = ` + tok1[:12] + `", "` + tok1[12:] + `) # mine\n"]`, 2},
		{"underscore continues it", `["` + tok1[:12] + `", "` + tok1[12:] + `_id"]`, 0},
		{"escape of a letter continues it", `["` + tok1[:12] + `", "` + tok1[12:] + `\u0041"]`, 0},
		{"two unrelated short strings", `["see hf_hub", "download"]`, 0},
		{"short strings that make 34 only with more", `["hf_abcDefGhi", "JklMnoPqr"]`, 0},
		{"second element too long", `["` + tok1[:12] + `", "` + tok1[12:] + `Qz"]`, 0},
		{"element ending in a line break", `["` + tok1[:12] + `\n", "` + tok1[12:] + `"]`, 0},
		{"second element is no string", `["` + tok1[:12] + `", 12345]`, 0},
		{"object member, not array", `{"a": "` + tok1[:12] + `", "` + tok1[12:] + `": 1}`, 0},
		{"single-quoted after comma", `['` + tok1[:12] + `', '` + tok1[12:] + `']`, 0},
	}
	d := New(Options{JoinJSONArrays: true})
	plain := New(Options{})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := d.Detect([]byte(tt.input))
			if tt.parts == 0 {
				if len(got) != 0 {
					t.Fatalf("unexpected matches %+v", got)
				}
				return
			}
			if len(got) != 1 || got[0].Secret != tok1 || len(got[0].Parts) != tt.parts {
				t.Fatalf("got %+v, want %s in %d parts", got, tok1, tt.parts)
			}
			for _, p := range got[0].Parts {
				if !strings.Contains(tok1, tt.input[p.Start:p.End]) {
					t.Errorf("part %q is not a piece of the token", tt.input[p.Start:p.End])
				}
			}
			// The ordinary detector keeps a comma as a separator.
			if ms := plain.Detect([]byte(tt.input)); len(ms) != 0 {
				t.Errorf("default detector joined across a comma: %+v", ms)
			}
		})
	}
}

// FuzzJoinJSONArrays checks that joining JSON array elements never panics
// or reports a span out of range, and that a token wrapped at any point
// past its "hf_" across two elements, between arbitrary lines, is found.
func FuzzJoinJSONArrays(f *testing.F) {
	f.Add([]byte(`["hf_abc", "`), []byte(`\u00`), uint8(10))
	f.Add([]byte(`"text": [`), []byte(`", ]`), uint8(1))
	d := New(Options{JoinJSONArrays: true})
	f.Fuzz(func(t *testing.T, prefix, suffix []byte, cut uint8) {
		raw := append(append([]byte{}, prefix...), suffix...)
		for _, m := range d.Detect(raw) {
			if m.Start < 0 || m.End > len(raw) || m.Start >= m.End {
				t.Fatalf("span out of range: %+v", m)
			}
		}
		at := 3 + int(cut)%(len(tok1)-3) // "hf_" itself is the anchor: whole
		input := string(prefix) + "\n[\"" + tok1[:at] + "\", \"" + tok1[at:] + "\\n\"]\n" + string(suffix)
		for _, m := range d.Detect([]byte(input)) {
			if m.Secret == tok1 {
				return
			}
		}
		t.Fatalf("%s cut at %d not found in %q", tok1, at, input)
	})
}
