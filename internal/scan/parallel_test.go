package scan

import (
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/hfwarden/hfwarden/internal/finding"
	"github.com/hfwarden/hfwarden/internal/source"
)

// TestParallelMatchesSequential checks that a large file searched on
// several cores reports exactly what the chunk-by-chunk reader reports:
// the same findings at the same lines, columns and offsets, including
// tokens across chunk boundaries and on lines longer than a chunk.
func TestParallelMatchesSequential(t *testing.T) {
	g := newTokenGen(77)
	step := source.ChunkSize - source.Overlap
	cases := map[string]func() string{
		"short lines": func() string {
			var b strings.Builder
			for i := 0; b.Len() < 40*step; i++ {
				b.WriteString("2026-11-27 INFO step=42 loss=0.1234 hf_hub_download ok\n")
				if i%3001 == 0 {
					b.WriteString("export HF_TOKEN=" + g.Next(t) + "\n")
				}
			}
			return b.String()
		},
		"tokens on every boundary": func() string {
			var b strings.Builder
			for k := 1; k <= 40; k++ {
				for b.Len() < k*step-20 {
					b.WriteString("filler text on a line\n")
				}
				b.WriteString(" " + g.Next(t) + " ")
			}
			return b.String()
		},
		"one line": func() string {
			var b strings.Builder
			for i := 0; b.Len() < 37*step; i++ {
				b.WriteString("word ")
				if i%50000 == 7 {
					b.WriteString(g.Next(t) + " ")
				}
			}
			return b.String()
		},
		"long lines and short": func() string {
			var b strings.Builder
			for i := 0; b.Len() < 45*step; i++ {
				b.WriteString(strings.Repeat("x", (i*7919)%(3*step)) + "\n" + "a\nb\n")
				if i%2 == 0 {
					b.WriteString(strings.Repeat("y", i%100) + g.Next(t) + "\n")
				}
			}
			return b.String()
		},
	}
	for name, gen := range cases {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "big.log")
			writeFile(t, path, []byte(gen()))
			scanWith := func(min int64) []finding.Finding {
				s := New(Options{ShowSecrets: true, Workers: 1})
				s.parallelMin = min
				res, err := s.Scan(t.Context(), Files([]string{path}))
				fs, st := res.Findings, res.Stats
				if err != nil || st.Errors != 0 {
					t.Fatalf("Run: %v %v", err, st.ErrorList)
				}
				return fs
			}
			seq, par := scanWith(1<<62), scanWith(1)
			if len(seq) == 0 {
				t.Fatal("no findings")
			}
			if !reflect.DeepEqual(seq, par) {
				t.Fatalf("parallel differs:\nsequential:%s\nparallel:%s", describe(seq), describe(par))
			}
		})
	}
}
