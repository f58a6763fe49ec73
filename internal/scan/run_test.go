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
// every kind of walk that needs no network, each return only what their
// own input holds (a git history's findings attributed as on their own),
// and an earlier Result is not changed by a later run.
func TestScanKeepsNoState(t *testing.T) {
	tok := newTokenGen(4401).Tokens(t, 4)
	dir := t.TempDir()
	for i, name := range []string{"a", "b"} {
		writeFile(t, filepath.Join(dir, name, "x.env"), []byte("HF_TOKEN="+tok[i]+"\n"))
	}
	items := Items(func(ctx context.Context, visit source.Visit) error {
		it := source.Item{Prov: source.FileProvenance("file", "c.env"), Name: "c.env", Size: -1}
		return visit(ctx, it, strings.NewReader("HF_TOKEN="+tok[2]+"\n"))
	})
	repo := newTestRepo(t, false)
	repo.write("d.env", "HF_TOKEN="+tok[3]+"\n")
	repo.git("add", "-A")
	var commit string
	s := New(Options{ShowSecrets: true, Workers: 2})
	runs := []struct {
		name   string
		before func()
		walk   Walk
		secret string
		files  int64 // items read: the git history has a blob, a tree, a commit
		commit *string
	}{
		{"files a", nil, Files([]string{filepath.Join(dir, "a")}), tok[0], 1, nil},
		{"files b", nil, Files([]string{filepath.Join(dir, "b")}), tok[1], 1, nil},
		{"items", nil, items, tok[2], 1, nil},
		{"staged", nil, Staged(repo.dir), tok[3], 1, nil},
		{"git", func() { commit = repo.commit("add d.env") }, Git([]string{repo.dir}, GitOptions{CacheDir: t.TempDir()}), tok[3], 3, &commit},
		{"files a again", nil, Files([]string{filepath.Join(dir, "a")}), tok[0], 1, nil},
	}
	var results []Result
	for _, r := range runs {
		if r.before != nil {
			r.before()
		}
		res, err := s.Scan(t.Context(), r.walk)
		if err != nil {
			t.Fatalf("%s: %v", r.name, err)
		}
		if len(res.Findings) != 1 || res.Findings[0].Secret != r.secret {
			t.Fatalf("%s: %s; want its own token only", r.name, describe(res.Findings))
		}
		if r.commit != nil && res.Findings[0].Location.Commit != *r.commit {
			t.Errorf("%s: found in commit %q, want %q", r.name, res.Findings[0].Location.Commit, *r.commit)
		}
		if res.Stats.Files != r.files || res.Stats.Findings != 1 || res.Stats.Secrets != 1 || res.Stats.Errors != 0 {
			t.Errorf("%s: stats %+v; want %d read, one finding, no errors", r.name, res.Stats, r.files)
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
			w := Files([]string{filepath.Join(dir, fmt.Sprint(i))})
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
