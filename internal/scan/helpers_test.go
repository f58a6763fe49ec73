package scan

import (
	"context"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hfwarden/hfwarden/internal/detect"
)

// Fake tokens are generated, never committed: "hf_" + 34 random letters
// from a fixed seed, so failures reproduce, and nothing token-shaped sits in
// the repository for secret scanners to trip on.

const letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

// tokenGen hands out distinct fake hf_ tokens that the detector accepts
// with high confidence on their own.
type tokenGen struct {
	r    *rand.Rand
	det  *detect.Detector
	seen map[string]bool
}

func newTokenGen(seed uint64) *tokenGen {
	return &tokenGen{r: rand.New(rand.NewPCG(seed, 0x5eed)), det: detect.New(detect.Options{}), seen: map[string]bool{}}
}

func (g *tokenGen) next(t testing.TB) string {
	t.Helper()
	for range 1000 {
		var b strings.Builder
		b.WriteString("hf_")
		upper := 0
		for range 34 {
			c := letters[g.r.IntN(len(letters))]
			if c < 'a' {
				upper++
			}
			b.WriteByte(c)
		}
		tok := b.String()
		if upper < 10 || upper > 24 || g.seen[tok] {
			continue
		}
		ms := g.det.Detect([]byte(tok))
		if len(ms) != 1 || ms[0].Secret != tok || ms[0].Confidence != detect.High {
			continue
		}
		g.seen[tok] = true
		return tok
	}
	t.Fatal("could not generate a fake token")
	return ""
}

// tokens returns n fake tokens.
func (g *tokenGen) tokens(t testing.TB, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = g.next(t)
	}
	return out
}

// pos returns the 1-based line and byte column of the first occurrence of
// needle in content, failing the test if it is absent.
func pos(t testing.TB, content, needle string) (line, col int) {
	t.Helper()
	i := strings.Index(content, needle)
	if i < 0 {
		t.Fatalf("fixture bug: %q not in content", needle)
	}
	return lineCol(content, i)
}

func lineCol(content string, off int) (line, col int) {
	line = 1 + strings.Count(content[:off], "\n")
	return line, off - (strings.LastIndexByte(content[:off], '\n') + 1) + 1
}

func b64(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }

func pctAll(s string) string {
	var sb strings.Builder
	for i := 0; i < len(s); i++ {
		fmt.Fprintf(&sb, "%%%02X", s[i])
	}
	return sb.String()
}

func uEsc(s string) string {
	var sb strings.Builder
	for i := 0; i < len(s); i++ {
		fmt.Fprintf(&sb, `\u%04x`, s[i])
	}
	return sb.String()
}

func hexOf(s string) string { return hex.EncodeToString([]byte(s)) }

func writeFile(t testing.TB, path string, data []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// run scans paths with opt and fails the test on a scan-level error.
func run(t testing.TB, opt Options, paths ...string) ([]Finding, Stats) {
	t.Helper()
	fs, st, err := New(opt).Run(context.Background(), paths)
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	return fs, st
}

// bySecret returns the findings of one secret.
func bySecret(fs []Finding, secret string) []Finding {
	var out []Finding
	for _, f := range fs {
		if f.Secret == secret {
			out = append(out, f)
		}
	}
	return out
}

func describe(fs []Finding) string {
	var b strings.Builder
	for _, f := range fs {
		l := f.Location
		fmt.Fprintf(&b, "\n  %s %s %s:%d:%d off=%d cell=%s out=%s field=%q enc=%v conf=%s split=%v parts=%d",
			f.Rule, f.Redacted, l.Path, l.Line, l.Column, l.Offset, ptr(l.Cell), ptr(l.Output), l.Field, f.Encodings, f.Confidence, f.Split, len(f.Parts))
	}
	return b.String()
}

func ptr(p *int) string {
	if p == nil {
		return "-"
	}
	return fmt.Sprint(*p)
}
