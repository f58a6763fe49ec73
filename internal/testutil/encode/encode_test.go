package encode

import "testing"

func TestEncodings(t *testing.T) {
	for _, tc := range []struct {
		name string
		f    func(string) string
		in   string
		want string
	}{
		{"base64", Base64, "hf_", "aGZf"},
		{"base64 padded", Base64, "hf", "aGY="},
		{"base64url", Base64URL, "\xfb\xff", "-_8="},
		{"percent", PercentAll, "h_", "%68%5F"},
		{"unicode", UnicodeEscape, "h_", `\u0068\u005f`},
		{"hex", HexEscape, "h_", `\x68\x5f`},
	} {
		if got := tc.f(tc.in); got != tc.want {
			t.Errorf("%s(%q) = %q, want %q", tc.name, tc.in, got, tc.want)
		}
	}
}
