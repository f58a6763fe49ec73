package scan

import (
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hfwarden/hfwarden/internal/finding"
	"github.com/hfwarden/hfwarden/internal/testutil"
)

// newTokenGen returns fake tokens from seed (see testutil).
func newTokenGen(seed uint64) *testutil.TokenGen { return testutil.NewTokenGen(seed) }

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
func run(t testing.TB, opt Options, paths ...string) ([]finding.Finding, finding.Stats) {
	t.Helper()
	res, err := New(opt).Scan(t.Context(), Files(paths))
	if err != nil {
		t.Fatalf("Scan: %v", err)
	}
	return res.Findings, res.Stats
}

// bySecret returns the findings of one secret.
func bySecret(fs []finding.Finding, secret string) []finding.Finding {
	var out []finding.Finding
	for _, f := range fs {
		if f.Secret == secret {
			out = append(out, f)
		}
	}
	return out
}

func describe(fs []finding.Finding) string {
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
