package cli

import (
	"io"
	"strings"
	"testing"

	"github.com/hfwarden/hfwarden/internal/testutil"
)

// TestTokenSourceRead: a token comes from the variable --token-env names
// (through the factory's Getenv), a file, or standard input, and only one
// of the flags may be given.
func TestTokenSourceRead(t *testing.T) {
	tok := testutil.FakeTokens(t, 7, 1)[0]
	for _, tc := range []struct {
		name    string
		ts      tokenSource
		env     map[string]string
		stdin   string
		want    string
		wantErr string
	}{
		{"variable", tokenSource{env: "TOK"}, map[string]string{"TOK": " " + tok + "\n"}, "", tok, ""},
		{"variable unset", tokenSource{env: "TOK"}, nil, tok, "", "environment variable TOK is not set"},
		{"variable blank", tokenSource{env: "TOK"}, map[string]string{"TOK": "  "}, tok, "", "environment variable TOK is not set"},
		{"standard input", tokenSource{}, nil, "\n\n" + tok + "\nnext\n", tok, ""},
		{"nothing", tokenSource{}, nil, "", "", "no token given"},
		{"both", tokenSource{env: "TOK", file: "f"}, map[string]string{"TOK": tok}, "", "", "give --token-file or --token-env, not both"},
		{"not a token", tokenSource{}, nil, "hello\n", "", "not recognised as a Hugging Face token"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFactory(strings.NewReader(tc.stdin), io.Discard, io.Discard, func(k string) string { return tc.env[k] }, noHomeDir)
			got, err := tc.ts.read(f)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error %v, want %q", err, tc.wantErr)
				}
				if strings.Contains(err.Error(), tok) {
					t.Fatalf("the error holds the token: %v", err)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("read = %q, %v; want the token", got, err)
			}
		})
	}
}
