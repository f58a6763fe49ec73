package termsafe

import (
	"encoding/json"
	"testing"
)

func TestEscape(t *testing.T) {
	tests := []struct {
		name, in, want, wantText string
	}{
		{"plain", "models/bert config.json", "models/bert config.json", "models/bert config.json"},
		{"unicode kept", "données/模型.txt", "données/模型.txt", "données/模型.txt"},
		{"csi", "a\x1b[31mred\x1b[0m", `a\x1b[31mred\x1b[0m`, `a\x1b[31mred\x1b[0m`},
		{"osc title", "\x1b]0;pwned\x07x", `\x1b]0;pwned\ax`, `\x1b]0;pwned\ax`},
		{"c1 csi", "a\u009b2Jb", `a\u009b2Jb`, `a\u009b2Jb`},
		{"del", "a\x7fb", `a\x7fb`, `a\x7fb`},
		{"bidi override", "evil\u202etxt.exe", `evil\u202etxt.exe`, `evil\u202etxt.exe`},
		{"bidi isolate", "a\u2066b\u2069", `a\u2066b\u2069`, `a\u2066b\u2069`},
		{"zero width", "a\u200bb", `a\u200bb`, `a\u200bb`},
		{"invalid utf8", "a\xffb", `a\xffb`, `a\xffb`},
		{"newline tab", "a\nb\tc\r", `a\nb\tc\r`, "a\nb\tc\\r"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Escape(tt.in); got != tt.want {
				t.Errorf("Escape(%q) = %q, want %q", tt.in, got, tt.want)
			}
			if got := EscapeText(tt.in); got != tt.wantText {
				t.Errorf("EscapeText(%q) = %q, want %q", tt.in, got, tt.wantText)
			}
		})
	}
}

func TestEscapeJSON(t *testing.T) {
	tests := []struct{ in, want string }{
		{"{\n\t\"a\": \"b\"\n}", "{\n\t\"a\": \"b\"\n}"},
		{`{"a":"x` + "\u202e" + `y"}`, `{"a":"x\u202ey"}`},
		{`{"a":"` + "\x7f\u009b" + `"}`, `{"a":"\u007f\u009b"}`},
		{`{"a":"` + "\U000e0001" + `"}`, `{"a":"\udb40\udc01"}`},
	}
	for _, tt := range tests {
		if got := EscapeJSON(tt.in); got != tt.want {
			t.Errorf("EscapeJSON(%q) = %q, want %q", tt.in, got, tt.want)
		}
		var v any
		if err := json.Unmarshal([]byte(EscapeJSON(tt.in)), &v); err != nil {
			t.Errorf("EscapeJSON(%q) is not JSON: %v", tt.in, err)
		}
	}
}
