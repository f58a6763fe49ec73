package git

import (
	"slices"
	"sort"
	"time"
)

// History is what a repository's object stream taught about its graph:
// the parsed commits and annotated tags and the raw trees, by object id.
// The graph only reads it.
type History struct {
	Commits map[string]*Commit
	Tags    map[string]*Tag
	Trees   map[string][]byte // raw tree objects, as ParseTree reads them
	// IDLen is the length of a raw object id in bytes: 20 for SHA-1, 32
	// for SHA-256.
	IDLen int
}

// Introduction is a commit that put a target blob at a path none of its
// parents had it at.
type Introduction struct {
	Commit string
	Path   string
	Author string
	Email  string
	Date   time.Time // the author date
	// Reachable tells whether some ref reaches the commit.
	Reachable bool
}

// Graph answers where target blobs sit in a repository's history: the
// commits and paths that introduced each, the refs whose tips hold it,
// and whether any ref reaches it at all; and, for commit and tag objects,
// the refs reaching them. It reads no diffs: for each tree (memoised) it
// lists where target blobs sit, and a commit introduced a blob at a path
// when none of its parents had it there. Everything costlier than one walk
// from the refs is computed when first asked. A Graph is not safe for
// concurrent use.
type Graph struct {
	h         History
	refs      []Ref
	targets   map[string]bool      // blobs whose places are asked
	memo      map[string][]pathHit // tree -> its target blobs, by path
	reachable map[string]bool      // commits some ref reaches

	blobs        map[string]*blobPlace // target blob -> where it sits; nil until needed
	children     map[string][]string   // commit -> its children; nil until needed
	reachingMemo map[string][]string   // commit -> RefsReaching
	gen          map[string]int        // commit -> generation
}

// blobPlace is what the graph knows of one target blob.
type blobPlace struct {
	intro     []Introduction // earliest first
	tips      []string       // refs whose tip holds it
	contained bool           // a reachable commit holds it, or a ref names it
}

// pathHit is a target blob found at a path of a tree.
type pathHit struct{ path, blob string }

// NewGraph reads the graph of h as refs see it. targets are the objects
// whose places are asked (those holding findings); commits and tags among
// them are left out, as they sit in no tree and are asked about through
// RefsReaching and TagRefs. targets is not kept.
func NewGraph(h History, refs []Ref, targets []string) *Graph {
	g := &Graph{h: h, refs: refs, targets: map[string]bool{}, memo: map[string][]pathHit{},
		reachingMemo: map[string][]string{}, gen: map[string]int{}}
	for _, id := range targets {
		_, isCommit := h.Commits[id]
		_, isTag := h.Tags[id]
		if !isCommit && !isTag {
			g.targets[id] = true
		}
	}
	g.reachable = g.reach()
	return g
}

// Reachable tells whether some ref reaches commit id.
func (g *Graph) Reachable(id string) bool { return g.reachable[id] }

// Introductions lists the commits that put target blob id at a path none
// of their parents had it at: earliest author date first; in the same
// second, ancestors first; then by path and commit id, so that the order
// never depends on map order. The slice is the graph's: not to be changed.
func (g *Graph) Introductions(id string) []Introduction { return g.place(id).intro }

// Tips lists the refs whose tip commit holds target blob id, or that name
// the blob itself, in the order of the refs.
func (g *Graph) Tips(id string) []string { return g.place(id).tips }

// Contained tells whether target blob id is held by a commit some ref
// reaches, or named by a ref itself.
func (g *Graph) Contained(id string) bool { return g.place(id).contained }

// place is what the graph knows of blob id, every target's computed on
// the first call.
func (g *Graph) place(id string) *blobPlace {
	if g.blobs == nil {
		g.blobs = map[string]*blobPlace{}
		g.introductions()
		g.tips()
		for _, p := range g.blobs {
			g.sortIntroductions(p.intro)
		}
	}
	if p, ok := g.blobs[id]; ok {
		return p
	}
	return &blobPlace{}
}

// blob is the entry of id in g.blobs, made when first needed.
func (g *Graph) blob(id string) *blobPlace {
	p, ok := g.blobs[id]
	if !ok {
		p = &blobPlace{}
		g.blobs[id] = p
	}
	return p
}

// walk lists where target blobs sit under tree, their paths after prefix.
// A tree missing from the history, or malformed, holds none.
func (g *Graph) walk(tree, prefix string) []pathHit {
	if h, ok := g.memo[tree]; ok {
		return prefixed(h, prefix)
	}
	raw, ok := g.h.Trees[tree]
	if !ok {
		return nil
	}
	entries, err := ParseTree(raw, g.h.IDLen)
	if err != nil {
		return nil
	}
	var hits []pathHit
	for _, e := range entries {
		switch {
		case e.IsTree():
			hits = append(hits, g.walk(e.ID, e.Name+"/")...)
		case e.IsBlob() && g.targets[e.ID]:
			hits = append(hits, pathHit{e.Name, e.ID})
		}
	}
	g.memo[tree] = hits
	return prefixed(hits, prefix)
}

// treeHits lists where target blobs sit in c's tree.
func (g *Graph) treeHits(c *Commit) []pathHit { return g.walk(c.Tree, "") }

func prefixed(hits []pathHit, prefix string) []pathHit {
	if prefix == "" || len(hits) == 0 {
		return hits
	}
	out := make([]pathHit, len(hits))
	for i, h := range hits {
		out[i] = pathHit{prefix + h.path, h.blob}
	}
	return out
}

// reach is which commits some ref reaches: one walk from every ref at once
// (a walk per ref costs refs × commits, and mirrors hold a ref for every
// pull request).
func (g *Graph) reach() map[string]bool {
	commits := g.h.Commits
	reachable := map[string]bool{}
	var stack []string
	for _, r := range g.refs {
		if _, ok := commits[r.Target]; ok {
			stack = append(stack, r.Target)
		}
	}
	for len(stack) > 0 {
		id := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if reachable[id] {
			continue
		}
		reachable[id] = true
		for _, p := range commits[id].Parents {
			if _, ok := commits[p]; ok && !reachable[p] {
				stack = append(stack, p)
			}
		}
	}
	return reachable
}

// RefsReaching lists the refs that reach commit id (those pointing at it
// or at a descendant), in the order of the refs; none for a commit no ref
// reaches. Asked for commit messages only, so the children index it walks
// is built on the first call.
func (g *Graph) RefsReaching(id string) []string {
	if !g.reachable[id] {
		return nil
	}
	if out, ok := g.reachingMemo[id]; ok {
		return out
	}
	if g.children == nil {
		g.children = map[string][]string{}
		for cid, c := range g.h.Commits {
			for _, p := range c.Parents {
				g.children[p] = append(g.children[p], cid)
			}
		}
	}
	desc := map[string]bool{id: true}
	stack := []string{id}
	for len(stack) > 0 {
		x := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		for _, ch := range g.children[x] {
			if !desc[ch] {
				desc[ch] = true
				stack = append(stack, ch)
			}
		}
	}
	var out []string
	for _, r := range g.refs {
		if desc[r.Target] {
			out = append(out, r.Name)
		}
	}
	g.reachingMemo[id] = out
	return out
}

// TagRefs lists the refs that name tag object id, directly or through
// tags of it (up to 16 deep), in the order of the refs.
func (g *Graph) TagRefs(id string) []string {
	var out []string
	for _, r := range g.refs {
		for o, n := r.Object, 0; n < 16; n++ {
			if o == id {
				out = append(out, r.Name)
				break
			}
			t, ok := g.h.Tags[o]
			if !ok {
				break
			}
			o = t.Object
		}
	}
	return out
}

// generation orders commits made in the same second: an ancestor's is
// lower than its descendants'.
func (g *Graph) generation(id string) int {
	stack := []string{id}
	for len(stack) > 0 {
		top := stack[len(stack)-1]
		if _, ok := g.gen[top]; ok {
			stack = stack[:len(stack)-1]
			continue
		}
		n, ready := 0, true
		for _, p := range g.h.Commits[top].Parents {
			if pg, ok := g.gen[p]; ok {
				n = max(n, pg)
			} else if _, ok := g.h.Commits[p]; ok {
				stack = append(stack, p)
				ready = false
			}
		}
		if ready {
			g.gen[top] = n + 1
			stack = stack[:len(stack)-1]
		}
	}
	return g.gen[id]
}

// introductions records, by blob, the commits that put it at a path none
// of their parents had it at, and which blobs a reachable commit holds.
func (g *Graph) introductions() {
	for _, c := range g.h.Commits {
		hits := g.treeHits(c)
		if len(hits) == 0 {
			continue
		}
		var parentHits []map[pathHit]bool
		for _, p := range c.Parents {
			m := map[pathHit]bool{}
			if pc, ok := g.h.Commits[p]; ok {
				for _, h := range g.treeHits(pc) {
					m[h] = true
				}
			}
			parentHits = append(parentHits, m)
		}
		for _, h := range hits {
			if g.reachable[c.ID] {
				g.blob(h.blob).contained = true
			}
			introduced := true
			for _, m := range parentHits {
				if m[h] {
					introduced = false
				}
			}
			if introduced {
				p := g.blob(h.blob)
				p.intro = append(p.intro, Introduction{
					Commit: c.ID, Path: h.path, Author: c.Author.Name, Email: c.Author.Email, Date: c.Author.When,
					Reachable: g.reachable[c.ID],
				})
			}
		}
	}
}

// tips records, by blob, the refs whose tip holds it; a ref naming a
// target blob itself holds it, and the blob is then contained.
func (g *Graph) tips() {
	for _, r := range g.refs {
		if g.targets[r.Target] { // a tag of the blob itself
			p := g.blob(r.Target)
			p.contained = true
			if !slices.Contains(p.tips, r.Name) {
				p.tips = append(p.tips, r.Name)
			}
		}
		if c, ok := g.h.Commits[r.Target]; ok {
			for _, h := range g.treeHits(c) {
				p := g.blob(h.blob)
				if !slices.Contains(p.tips, r.Name) {
					p.tips = append(p.tips, r.Name)
				}
			}
		}
	}
}

// sortIntroductions puts ins earliest first; in the same second,
// ancestors first; then by path and id, so that the result never depends
// on map order.
func (g *Graph) sortIntroductions(ins []Introduction) {
	sort.Slice(ins, func(a, b int) bool {
		x, y := ins[a], ins[b]
		if !x.Date.Equal(y.Date) {
			return x.Date.Before(y.Date)
		}
		if gx, gy := g.generation(x.Commit), g.generation(y.Commit); gx != gy {
			return gx < gy
		}
		if x.Path != y.Path {
			return x.Path < y.Path
		}
		return x.Commit < y.Commit
	})
}
