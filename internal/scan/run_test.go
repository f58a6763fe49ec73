package scan

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/hfwarden/hfwarden/internal/source"
)

// TestScanKeepsNoState: Scans one after another on one Scanner, of
// every kind of walk that needs no network or repository, each return
// only what their own input holds, and an earlier Result is not changed
// by a later run.
func TestScanKeepsNoState(t *testing.T) {
	tok := newTokenGen(4401).Tokens(t, 3)
	dir := t.TempDir()
	for i, name := range []string{"a", "b"} {
		writeFile(t, filepath.Join(dir, name, "x.env"), []byte("HF_TOKEN="+tok[i]+"\n"))
	}
	items := Items(func(ctx context.Context, visit source.Visit) error {
		it := source.Item{Prov: source.FileProvenance("file", "c.env"), Name: "c.env", Size: -1}
		return visit(ctx, it, strings.NewReader("HF_TOKEN="+tok[2]+"\n"))
	})
	s := New(Options{ShowSecrets: true, Workers: 2})
	runs := []struct {
		name   string
		walk   Walk
		secret string
	}{
		{"files a", Files([]string{filepath.Join(dir, "a")}), tok[0]},
		{"files b", Files([]string{filepath.Join(dir, "b")}), tok[1]},
		{"items", items, tok[2]},
		{"files a again", Files([]string{filepath.Join(dir, "a")}), tok[0]},
	}
	var results []Result
	for _, r := range runs {
		res, err := s.Scan(t.Context(), r.walk)
		if err != nil {
			t.Fatalf("%s: %v", r.name, err)
		}
		if len(res.Findings) != 1 || res.Findings[0].Secret != r.secret {
			t.Errorf("%s: %s; want its own token only", r.name, describe(res.Findings))
		}
		if res.Stats.Files != 1 || res.Stats.Findings != 1 || res.Stats.Secrets != 1 {
			t.Errorf("%s: stats %+v; want one file, one finding", r.name, res.Stats)
		}
		results = append(results, res)
	}
	for i, r := range runs {
		if fs := results[i].Findings; len(fs) != 1 || fs[0].Secret != r.secret {
			t.Errorf("%s, after the later runs: %s", r.name, describe(fs))
		}
	}
	if s.runState != nil {
		t.Error("the Scanner from New holds run state after Scan")
	}
}

// TestScanConcurrent: Scans at once on one Scanner (run with -race) each
// return what their own input holds.
func TestScanConcurrent(t *testing.T) {
	const n = 8
	tok := newTokenGen(4402).Tokens(t, n)
	dir := t.TempDir()
	for i := range n {
		for j := range 3 { // a few files each, so that the workers overlap
			content := "nothing here\n"
			if j == 1 {
				content = "HF_TOKEN=" + tok[i] + "\n"
			}
			writeFile(t, filepath.Join(dir, fmt.Sprint(i), fmt.Sprintf("f%d.txt", j)), []byte(content))
		}
	}
	s := New(Options{ShowSecrets: true, Workers: 2})
	results := make([]Result, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			var w Walk = Files([]string{filepath.Join(dir, fmt.Sprint(i))})
			if i%2 == 1 { // items too: their walk runs on the caller's goroutine
				w = Items(func(ctx context.Context, visit source.Visit) error {
					for j := range 3 {
						name := fmt.Sprintf("%d/f%d.txt", i, j)
						content := "nothing here\n"
						if j == 1 {
							content = "HF_TOKEN=" + tok[i] + "\n"
						}
						it := source.Item{Prov: source.FileProvenance("file", name), Name: name, Size: -1}
						if err := visit(ctx, it, strings.NewReader(content)); err != nil {
							return err
						}
					}
					return nil
				})
			}
			results[i], errs[i] = s.Scan(t.Context(), w)
		})
	}
	wg.Wait()
	for i, res := range results {
		if errs[i] != nil {
			t.Fatalf("scan %d: %v", i, errs[i])
		}
		if len(res.Findings) != 1 || res.Findings[0].Secret != tok[i] {
			t.Errorf("scan %d: %s; want its own token only", i, describe(res.Findings))
		}
		if res.Stats.Files != 3 || res.Stats.Findings != 1 {
			t.Errorf("scan %d: stats %+v; want 3 files, 1 finding", i, res.Stats)
		}
	}
}
