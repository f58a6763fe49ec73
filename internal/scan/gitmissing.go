package scan

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"

	"github.com/hfwarden/hfwarden/internal/git"
)

// missingObject is an object some ref reaches (through a tag, a parent,
// a commit's tree or a tree entry) that the repository does not hold.
type missingObject struct {
	id, kind, ref string
}

// checkMissing reports, as faults, the objects reachable from a ref that
// are missing (a deleted loose file, an id a damaged pack index lost).
// Without
// this a repository missing the very blob a ref points at would scan
// clean. known holds the id of every object the listing or the stream
// saw (sorted); bad those that failed, already reported.
func (s *Scanner) checkMissing(ctx context.Context, rs *repoScan, gitDir string, known []string, bad map[string]bool) error {
	promisors, _ := filepath.Glob(filepath.Join(gitDir, "objects", "pack", "*.promisor"))
	if len(promisors) > 0 {
		// A partial clone leaves objects out by design: their absence is
		// no damage.
		return nil
	}
	refs, err := git.Refs(ctx, gitDir)
	if err != nil {
		return err
	}
	for _, m := range missingReachable(rs, refs, known, bad, shallowCommits(gitDir)) {
		s.fail("%s: %s %s, reachable from %s, is missing", rs.label, m.kind, m.id, m.ref)
	}
	return nil
}

// shallowCommits are the commits of a shallow clone whose parents were
// never fetched.
func shallowCommits(gitDir string) map[string]bool {
	data, err := os.ReadFile(filepath.Join(gitDir, "shallow"))
	if err != nil {
		return nil
	}
	m := map[string]bool{}
	for _, id := range strings.Fields(string(data)) {
		m[id] = true
	}
	return m
}

// missingReachable walks the graph from every ref (each object once) and
// lists the objects reached that are neither held (known, sorted) nor
// already reported as damaged (bad).
func missingReachable(rs *repoScan, refs []git.Ref, known []string, bad map[string]bool, shallow map[string]bool) []missingObject {
	held := func(id string) bool {
		if bad[id] {
			return true // reported already, as damaged
		}
		_, ok := slices.BinarySearch(known, id)
		return ok
	}
	type item struct{ id, kind, ref string }
	var missing []missingObject
	seen := map[string]bool{}
	var stack []item
	for _, r := range refs {
		stack = append(stack, item{r.Object, "", r.Name})
		if r.Target != r.Object {
			stack = append(stack, item{r.Target, "", r.Name})
		}
	}
	for len(stack) > 0 {
		it := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if it.id == "" || seen[it.id] {
			continue
		}
		seen[it.id] = true
		if c, ok := rs.commits[it.id]; ok {
			stack = append(stack, item{c.Tree, "tree", it.ref})
			if !shallow[it.id] {
				for _, p := range c.Parents {
					stack = append(stack, item{p, "commit", it.ref})
				}
			}
			continue
		}
		if t, ok := rs.tags[it.id]; ok {
			stack = append(stack, item{t.Object, t.Type, it.ref})
			continue
		}
		if raw, ok := rs.trees[it.id]; ok {
			entries, err := git.ParseTree(raw, rs.idLen)
			if err != nil {
				continue // a damaged tree: its entries cannot be named
			}
			for _, e := range entries {
				switch {
				case e.IsTree():
					stack = append(stack, item{e.ID, "tree", it.ref})
				case e.IsBlob():
					stack = append(stack, item{e.ID, "blob", it.ref})
				}
			}
			continue
		}
		if !held(it.id) {
			kind := it.kind
			if kind == "" {
				kind = "object"
			}
			missing = append(missing, missingObject{it.id, kind, it.ref})
		}
	}
	return missing
}

// orphanPacks lists the packs of the repository that have no index.
func orphanPacks(gitDir string) []string {
	packs, _ := filepath.Glob(filepath.Join(gitDir, "objects", "pack", "*.pack"))
	var orphans []string
	for _, p := range packs {
		if _, err := os.Stat(strings.TrimSuffix(p, ".pack") + ".idx"); errors.Is(err, os.ErrNotExist) {
			orphans = append(orphans, p)
		}
	}
	return orphans
}

// readOrphanPack indexes a pack that has none (`git index-pack`, into a
// scratch repository: the scanned one is never written to) and passes
// every object of it to fn.
func (s *Scanner) readOrphanPack(ctx context.Context, pack string, fn func(*git.Object) error) error {
	tmp, err := os.MkdirTemp("", "hfwarden-pack-")
	if err != nil {
		return fmt.Errorf("creating a scratch repository: %w", err)
	}
	// A scratch copy left behind in the temporary directory is no
	// reason to fail the scan.
	defer func() { _ = os.RemoveAll(tmp) }()
	if _, err := git.Run(ctx, tmp, "init", "-q", "--bare"); err != nil {
		return err
	}
	dst := filepath.Join(tmp, "objects", "pack", filepath.Base(pack))
	if err := os.Symlink(pack, dst); err != nil {
		return fmt.Errorf("linking the pack: %w", err)
	}
	cmd := exec.CommandContext(ctx, "git", "index-pack", "-o", strings.TrimSuffix(dst, ".pack")+".idx", dst)
	cmd.Dir = tmp
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("git index-pack: %s", lastLine(string(out), err))
	}
	return git.AllObjects(ctx, tmp, nil, fn)
}

// lastLine is the last non-empty line of a command's output, or its
// error when it said nothing.
func lastLine(out string, err error) string {
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if l := strings.TrimSpace(lines[len(lines)-1]); l != "" {
		return l
	}
	return err.Error()
}
