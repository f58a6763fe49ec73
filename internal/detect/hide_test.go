package detect

import (
	"strings"
	"testing"

	"github.com/hfwarden/hfwarden/internal/secret"
)

func TestHide(t *testing.T) {
	d := New(Options{})
	tests := []struct{ name, in, want string }{
		{"no secret", "models/bert/config.json", "models/bert/config.json"},
		{"empty", "", ""},
		{"file name", "d/backup_" + tok1 + ".txt", "d/backup_" + secret.Label(tok1) + ".txt"},
		{"member chain", "a.zip!cfg_" + tok1 + ".env", "a.zip!cfg_" + secret.Label(tok1) + ".env"},
		{"two secrets", tok1 + " and " + tok2, secret.Label(tok1) + " and " + secret.Label(tok2)},
		{"linked secret", "key " + ghp, "key " + secret.Label(ghp)},
		{"placeholder kept", "hf_YOUR_TOKEN_HERE", "hf_YOUR_TOKEN_HERE"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := d.Hide(tt.in)
			if got != tt.want {
				t.Errorf("Hide(%q) = %q, want %q", tt.in, got, tt.want)
			}
			for _, s := range []string{tok1, tok2, ghp} {
				if strings.Contains(got, s) {
					t.Errorf("Hide left %q in %q", s, got)
				}
			}
		})
	}
}
