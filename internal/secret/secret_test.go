package secret

import "testing"

func TestRedact(t *testing.T) {
	tests := []struct{ in, want string }{
		{"hf_AbCdEfGhIjKlMnOpQrStUvWxYzAbCdEfGh", "hf_AbCd…EfGh"},
		{"api_org_AbCdEfGhIjKlMnOpQrStUvWxYzAbCdEfGh", "api_org_AbCd…EfGh"},
		{"hf_abc", "hf_…"},
		{"abcdefghijkl", "ab…kl"},
		{"", "…"},
	}
	for _, tt := range tests {
		if got := Redact(tt.in); got != tt.want {
			t.Errorf("Redact(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestFingerprint(t *testing.T) {
	// echo -n abc | sha256sum
	if got := Fingerprint("abc"); got != "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" {
		t.Fatalf("Fingerprint(abc) = %s", got)
	}
}

func TestLabel(t *testing.T) {
	a, b := "hf_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789", "hf_AbCdXfGhIjKlMnOpQrStUvWxYz0123456789"
	if Redact(a) != Redact(b) || Label(a) == Label(b) {
		t.Errorf("Label(%q) = %q, Label(%q) = %q: want equal previews, distinct labels", a, Label(a), b, Label(b))
	}
	if l := Label(a); l != Redact(a)+"["+Fingerprint(a)[:12]+"]" {
		t.Errorf("Label = %q", l)
	}
}
