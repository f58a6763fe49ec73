package termsafe

import (
	"errors"
	"strings"
	"testing"
)

type name string

// TestFprintf: string arguments of any string type (and slices of them)
// are escaped, newlines and tabs included, while the format's own layout
// is kept; %q arguments are quoted by fmt alone; other types print as
// they are.
func TestFprintf(t *testing.T) {
	for _, tc := range []struct {
		name, format string
		args         []any
		want         string
	}{
		{"newline in a field", "owner: %s\n", []any{"al\nice"}, "owner: al\\nice\n"},
		{"tab in a table cell", "%s\t%s\n", []any{"a\tb", "c"}, "a\\tb\tc\n"},
		{"carriage return and escape", "%-6s|\n", []any{"x\r\x1b[2J"}, "x\\r\\x1b[2J|\n"},
		{"named string type", "%s\n", []any{name("a\nb")}, "a\\nb\n"},
		{"slice of strings", "%v\n", []any{[]string{"a\nb", "c"}}, "[a\\nb c]\n"},
		{"quoted by fmt only", "%q %s\n", []any{"a\nb", "c\nd"}, "\"a\\nb\" c\\nd\n"},
		{"numbers and percent", "%d%% %s\n", []any{5, "x\ny"}, "5% x\\ny\n"},
		{"star width", "%*s|\n", []any{5, "a\n"}, "  a\\n|\n"},
		{"error escaped", "%v\n", []any{errors.New("e\nf")}, "e\\nf\n"},
		{"number verbs untouched", "%d %x\n", []any{7, 255}, "7 ff\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var b strings.Builder
			if _, err := Fprintf(&b, tc.format, tc.args...); err != nil {
				t.Fatal(err)
			}
			if b.String() != tc.want {
				t.Errorf("got %q, want %q", b.String(), tc.want)
			}
		})
	}
}
