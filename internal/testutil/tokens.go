// Package testutil holds what the project's tests share. Fake tokens are
// made at run time ("hf_" + 34 letters from a fixed seed, so failures
// reproduce), never committed: nothing token-shaped sits in the repository
// for secret scanners — ours included — to trip on.
package testutil

import (
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/hfwarden/hfwarden/internal/detect"
)

const letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

// TokenGen hands out distinct fake hf_ tokens that the detector accepts on
// their own with high confidence.
type TokenGen struct {
	r    *rand.Rand
	det  *detect.Detector
	seen map[string]bool
}

// NewTokenGen returns a generator; the same seed gives the same tokens.
func NewTokenGen(seed uint64) *TokenGen {
	return &TokenGen{r: rand.New(rand.NewPCG(seed, 0x5eed)), det: detect.New(detect.Options{}), seen: map[string]bool{}}
}

// Next returns a new token.
func (g *TokenGen) Next(t testing.TB) string {
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
		// A mix of cases like real tokens: one of all lower case would be
		// graded as less certain.
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

// Tokens returns n new tokens.
func (g *TokenGen) Tokens(t testing.TB, n int) []string {
	t.Helper()
	out := make([]string, n)
	for i := range out {
		out[i] = g.Next(t)
	}
	return out
}

// FakeTokens returns n distinct tokens from seed.
func FakeTokens(t testing.TB, seed uint64, n int) []string {
	t.Helper()
	return NewTokenGen(seed).Tokens(t, n)
}
