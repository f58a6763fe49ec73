package scan

import (
	"context"
	"os"
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

// checkMissing reports, as faults, what a scan of the repository could
// not have read although it is there to be read: an object reachable from
// a ref that is missing (a deleted loose file, a pack index that lost it),
// and a pack without its index (git sees none of its objects). Without
// this a repository missing the very blob a ref points at would scan
// clean. known holds the id of every object the listing or the stream
// saw (sorted); bad those that failed, already reported.
func (s *Scanner) checkMissing(ctx context.Context, rs *repoScan, gitDir string, known []string, bad map[string]bool) error {
	packs, _ := filepath.Glob(filepath.Join(gitDir, "objects", "pack", "*.pack"))
	promisor := false
	for _, p := range packs {
		base := strings.TrimSuffix(p, ".pack")
		if _, err := os.Stat(base + ".promisor"); err == nil {
			promisor = true
		}
		if _, err := os.Stat(base + ".idx"); err != nil {
			s.fail("%s: pack %s has no index: none of its objects were read", rs.label, filepath.Base(p))
		}
	}
	if promisor {
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
