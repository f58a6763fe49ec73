package git

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"
)

// history builds a History in memory, no repository involved. Objects
// are named, and a name's id is its bytes padded with NULs to the id
// length: ids sort as names do, and decode back to names in messages.
type history struct {
	t    *testing.T
	h    History
	refs []Ref
}

func newHistory(t *testing.T, idLen int) *history {
	return &history{t: t, h: History{Commits: map[string]*Commit{}, Tags: map[string]*Tag{}, Trees: map[string][]byte{}, IDLen: idLen}}
}

// id is the object id of name.
func (b *history) id(name string) string {
	b.t.Helper()
	if len(name) > b.h.IDLen || strings.IndexByte(name, 0) >= 0 {
		b.t.Fatalf("object name %q does not fit an id", name)
	}
	raw := make([]byte, b.h.IDLen)
	copy(raw, name)
	return hex.EncodeToString(raw)
}

// name is the object name of id.
func (b *history) name(id string) string {
	raw, err := hex.DecodeString(id)
	if err != nil {
		return id
	}
	return string(bytes.TrimRight(raw, "\x00"))
}

// tree stores tree name, its entries "mode name object" in git's tree
// format (mode name NUL raw-id), and returns its id.
func (b *history) tree(name string, entries ...string) string {
	b.t.Helper()
	var raw []byte
	for _, e := range entries {
		f := strings.Fields(e)
		if len(f) != 3 {
			b.t.Fatalf("tree entry %q: want mode, name and object", e)
		}
		id, _ := hex.DecodeString(b.id(f[2]))
		raw = append(raw, f[0]+" "+f[1]+"\x00"...)
		raw = append(raw, id...)
	}
	id := b.id(name)
	b.h.Trees[id] = raw
	return id
}

// when is the author date of a commit made sec seconds into the epoch.
func when(sec int64) time.Time { return time.Unix(sec, 0).UTC() }

// commit stores commit name of tree (a name), authored by "Author name"
// at sec, its parents named.
func (b *history) commit(name, tree string, sec int64, parents ...string) {
	b.t.Helper()
	c := &Commit{ID: b.id(name), Tree: b.id(tree),
		Author: Signature{Name: "Author " + name, Email: name + "@example.com", When: when(sec)}}
	for _, p := range parents {
		c.Parents = append(c.Parents, b.id(p))
	}
	b.h.Commits[c.ID] = c
}

// tag stores annotated tag name of object.
func (b *history) tag(name, object string) {
	b.t.Helper()
	b.h.Tags[b.id(name)] = &Tag{ID: b.id(name), Object: b.id(object), Type: "commit"}
}

// ref adds a ref naming object, peeled to target.
func (b *history) ref(name, target, object string) {
	b.t.Helper()
	b.refs = append(b.refs, Ref{Name: name, Target: b.id(target), Object: b.id(object)})
}

// branch adds a ref naming commit target.
func (b *history) branch(name, target string) { b.ref(name, target, target) }

// intro is the expected introduction of a blob by commit at path, in the
// history's conventions, as "commit path author <email> date reachable".
func intro(commit, path string, sec int64, reachable bool) string {
	return fmt.Sprintf("%s %s Author %s <%s@example.com> %d %v", commit, path, commit, commit, sec, reachable)
}

func (b *history) intros(ins []Introduction) []string {
	var out []string
	for _, in := range ins {
		out = append(out, fmt.Sprintf("%s %s %s <%s> %d %v", b.name(in.Commit), in.Path, in.Author, in.Email, in.Date.Unix(), in.Reachable))
	}
	return out
}

func TestGraph(t *testing.T) {
	type want struct {
		intro     map[string][]string // target blob -> introductions, by intro
		tips      map[string][]string // target blob -> refs whose tip holds it
		contained []string            // target blobs a ref reaches
		reachable []string            // commits some ref reaches; every other is not
		reaching  map[string][]string // commit -> RefsReaching
		tagRefs   map[string][]string // tag -> TagRefs
	}
	cases := []struct {
		name    string
		idLen   int
		build   func(b *history)
		targets []string
		want    want
	}{
		{
			name: "linear history: added once, kept, then deleted",
			build: func(b *history) {
				b.tree("t1", "100644 a.txt B")
				b.tree("t2", "100644 a.txt B", "100644 b.txt O")
				b.tree("t3", "100644 b.txt O")
				b.commit("c1", "t1", 100)
				b.commit("c2", "t2", 200, "c1")
				b.commit("c3", "t3", 300, "c2")
				b.branch("refs/heads/main", "c3")
				b.branch("refs/heads/old", "c2")
			},
			targets: []string{"B"},
			want: want{
				intro:     map[string][]string{"B": {intro("c1", "a.txt", 100, true)}},
				tips:      map[string][]string{"B": {"refs/heads/old"}},
				contained: []string{"B"},
				reachable: []string{"c1", "c2", "c3"},
				reaching: map[string][]string{
					"c1": {"refs/heads/main", "refs/heads/old"},
					"c3": {"refs/heads/main"},
				},
			},
		},
		{
			name: "merge where both parents hold the blob: the merge introduces nothing",
			build: func(b *history) {
				b.tree("t0", "100644 r.md O")
				b.tree("t1", "100644 a.txt B", "100644 r.md O")
				b.commit("c0", "t0", 100)
				b.commit("x1", "t1", 300, "c0")
				b.commit("y1", "t1", 200, "c0")
				b.commit("m", "t1", 400, "x1", "y1")
				b.branch("refs/heads/main", "m")
			},
			targets: []string{"B"},
			want: want{
				// Earliest first, whatever the parents' order.
				intro:     map[string][]string{"B": {intro("y1", "a.txt", 200, true), intro("x1", "a.txt", 300, true)}},
				tips:      map[string][]string{"B": {"refs/heads/main"}},
				contained: []string{"B"},
				reachable: []string{"c0", "x1", "y1", "m"},
				reaching:  map[string][]string{"x1": {"refs/heads/main"}, "c0": {"refs/heads/main"}},
			},
		},
		{
			name: "merge of parents made in the same second: by path, then commit id",
			build: func(b *history) {
				b.tree("t0")
				b.tree("tx", "100644 a.txt B")
				b.tree("ty", "100644 a.txt B")
				b.tree("tz", "100644 a.txt B", "100644 b.txt B")
				b.commit("c0", "t0", 100)
				b.commit("y1", "ty", 200, "c0")
				b.commit("x1", "tx", 200, "c0")
				b.commit("w1", "tz", 200, "c0")
				b.branch("refs/heads/x", "x1")
				b.branch("refs/heads/y", "y1")
				b.branch("refs/heads/w", "w1")
			},
			targets: []string{"B"},
			want: want{
				intro: map[string][]string{"B": {
					intro("w1", "a.txt", 200, true), intro("x1", "a.txt", 200, true), intro("y1", "a.txt", 200, true),
					intro("w1", "b.txt", 200, true),
				}},
				tips:      map[string][]string{"B": {"refs/heads/x", "refs/heads/y", "refs/heads/w"}},
				contained: []string{"B"},
				reachable: []string{"c0", "x1", "y1", "w1"},
				reaching:  map[string][]string{"c0": {"refs/heads/x", "refs/heads/y", "refs/heads/w"}},
			},
		},
		{
			name: "blob added, removed, re-added, then moved",
			build: func(b *history) {
				b.tree("t1", "100644 a.txt B")
				b.tree("t2", "100644 a.txt O")
				b.tree("t4", "100644 b.txt B")
				b.commit("c1", "t1", 100)
				b.commit("c2", "t2", 200, "c1")
				b.commit("c3", "t1", 300, "c2")
				b.commit("c4", "t4", 400, "c3")
				b.branch("refs/heads/main", "c4")
			},
			targets: []string{"B"},
			want: want{
				intro: map[string][]string{"B": {
					intro("c1", "a.txt", 100, true), intro("c3", "a.txt", 300, true), intro("c4", "b.txt", 400, true),
				}},
				tips:      map[string][]string{"B": {"refs/heads/main"}},
				contained: []string{"B"},
				reachable: []string{"c1", "c2", "c3", "c4"},
			},
		},
		{
			name: "blob only in an unreachable commit",
			build: func(b *history) {
				b.tree("t1", "100644 r.md O")
				b.tree("t2", "100644 r.md O", "100644 .env B")
				b.commit("c1", "t1", 100)
				b.commit("d1", "t2", 200, "c1") // amended away: no ref
				b.branch("refs/heads/main", "c1")
			},
			targets: []string{"B", "N"}, // N is in no tree at all
			want: want{
				intro:     map[string][]string{"B": {intro("d1", ".env", 200, false)}},
				reachable: []string{"c1"},
				reaching:  map[string][]string{"d1": nil, "c1": {"refs/heads/main"}},
			},
		},
		{
			name: "tags: of a commit, of a tag, of the blob itself",
			build: func(b *history) {
				b.tree("t1", "100644 a.txt B")
				b.tree("t2", "100644 r.md O")
				b.commit("c1", "t1", 100)
				b.commit("c2", "t2", 200, "c1")
				b.tag("T1", "c1")
				b.tag("T2", "T1")
				b.tag("T3", "c2") // no ref names it
				b.ref("refs/tags/v1", "c1", "T1")
				b.ref("refs/tags/v2", "c1", "T2")
				b.branch("refs/tags/light", "c2")
				b.branch("refs/tags/secret", "S") // a ref naming a blob
			},
			targets: []string{"B", "S", "T1", "c2"}, // tags and commits are no blob targets
			want: want{
				intro:     map[string][]string{"B": {intro("c1", "a.txt", 100, true)}},
				tips:      map[string][]string{"B": {"refs/tags/v1", "refs/tags/v2"}, "S": {"refs/tags/secret"}},
				contained: []string{"B", "S"},
				reachable: []string{"c1", "c2"},
				reaching:  map[string][]string{"c1": {"refs/tags/v1", "refs/tags/v2", "refs/tags/light"}},
				tagRefs:   map[string][]string{"T1": {"refs/tags/v1", "refs/tags/v2"}, "T2": {"refs/tags/v2"}, "T3": nil},
			},
		},
		{
			name: "branch and pull request refs, same-second commits ordered by generation",
			build: func(b *history) {
				b.tree("t1", "100644 r.md O")
				b.tree("t2", "100644 z.txt B")
				b.tree("t3", "100644 a.txt B", "100644 z.txt B")
				b.commit("c1", "t1", 500)
				b.commit("c2", "t2", 500, "c1")
				b.commit("c3", "t3", 500, "c2")
				b.branch("refs/heads/main", "c3")
				b.branch("refs/pull/1/head", "c2")
				b.branch("refs/pull/2/head", "c1")
				b.branch("refs/pull/3/head", "gone") // its commit is missing
			},
			targets: []string{"B"},
			want: want{
				// The ancestor first although its path sorts last.
				intro:     map[string][]string{"B": {intro("c2", "z.txt", 500, true), intro("c3", "a.txt", 500, true)}},
				tips:      map[string][]string{"B": {"refs/heads/main", "refs/pull/1/head"}},
				contained: []string{"B"},
				reachable: []string{"c1", "c2", "c3"},
				reaching: map[string][]string{
					"c1": {"refs/heads/main", "refs/pull/1/head", "refs/pull/2/head"},
					"c2": {"refs/heads/main", "refs/pull/1/head"},
					"c3": {"refs/heads/main"},
				},
			},
		},
		{
			name: "nested trees, one subtree at two places, links and submodules",
			build: func(b *history) {
				b.tree("tb", "100644 c.txt B", "120000 link B", "160000 sub B")
				b.tree("ta", "40000 b tb")
				b.tree("root", "40000 a ta", "40000 x ta", "100755 run.sh B")
				b.commit("c1", "root", 100)
				b.branch("refs/heads/main", "c1")
			},
			targets: []string{"B"},
			want: want{
				intro: map[string][]string{"B": {
					intro("c1", "a/b/c.txt", 100, true), intro("c1", "a/b/link", 100, true),
					intro("c1", "run.sh", 100, true),
					intro("c1", "x/b/c.txt", 100, true), intro("c1", "x/b/link", 100, true),
				}},
				tips:      map[string][]string{"B": {"refs/heads/main"}},
				contained: []string{"B"},
				reachable: []string{"c1"},
			},
		},
		{
			name: "trees missing or malformed hold nothing; a missing parent hides nothing",
			build: func(b *history) {
				b.tree("t2", "40000 d gone", "100644 a.txt B")
				b.commit("c1", "absent", 100)        // its tree was never read
				b.commit("c2", "t2", 200, "c1")      // introduces: c1's tree is unknown
				b.commit("c3", "t2", 300, "shallow") // its parent is missing
				b.h.Trees[b.id("bad")] = []byte("100644 x.txt")
				b.commit("c4", "bad", 400)
				b.branch("refs/heads/main", "c2")
				b.branch("refs/heads/other", "c3")
				b.branch("refs/heads/bad", "c4")
			},
			targets: []string{"B"},
			want: want{
				intro:     map[string][]string{"B": {intro("c2", "a.txt", 200, true), intro("c3", "a.txt", 300, true)}},
				tips:      map[string][]string{"B": {"refs/heads/main", "refs/heads/other"}},
				contained: []string{"B"},
				reachable: []string{"c1", "c2", "c3", "c4"},
				reaching:  map[string][]string{"c1": {"refs/heads/main"}},
			},
		},
		{
			name:  "SHA-256 object ids",
			idLen: 32,
			build: func(b *history) {
				b.tree("t1", "100644 a.txt B")
				b.commit("c1", "t1", 100)
				b.commit("c2", "t1", 200, "c1")
				b.branch("refs/heads/main", "c2")
			},
			targets: []string{"B"},
			want: want{
				intro:     map[string][]string{"B": {intro("c1", "a.txt", 100, true)}},
				tips:      map[string][]string{"B": {"refs/heads/main"}},
				contained: []string{"B"},
				reachable: []string{"c1", "c2"},
			},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			idLen := tc.idLen
			if idLen == 0 {
				idLen = 20
			}
			b := newHistory(t, idLen)
			tc.build(b)
			var targets []string
			for _, n := range tc.targets {
				targets = append(targets, b.id(n))
			}
			g := NewGraph(b.h, b.refs, targets)
			for _, n := range tc.targets {
				id := b.id(n)
				if got := b.intros(g.Introductions(id)); !slices.Equal(got, tc.want.intro[n]) {
					t.Errorf("Introductions(%s) =\n  %s\nwant\n  %s", n, strings.Join(got, "\n  "), strings.Join(tc.want.intro[n], "\n  "))
				}
				if got := g.Tips(id); !slices.Equal(got, tc.want.tips[n]) {
					t.Errorf("Tips(%s) = %q, want %q", n, got, tc.want.tips[n])
				}
				if got, want := g.Contained(id), slices.Contains(tc.want.contained, n); got != want {
					t.Errorf("Contained(%s) = %v, want %v", n, got, want)
				}
			}
			var reachable []string
			for id := range b.h.Commits {
				if g.Reachable(id) {
					reachable = append(reachable, b.name(id))
				}
			}
			sort.Strings(reachable)
			wantReach := slices.Sorted(slices.Values(tc.want.reachable))
			if !slices.Equal(reachable, wantReach) {
				t.Errorf("reachable commits = %q, want %q", reachable, wantReach)
			}
			for n, want := range tc.want.reaching {
				// Twice: the second answer is the memoised one.
				for range 2 {
					if got := g.RefsReaching(b.id(n)); !slices.Equal(got, want) {
						t.Errorf("RefsReaching(%s) = %q, want %q", n, got, want)
					}
				}
			}
			for n, want := range tc.want.tagRefs {
				if got := g.TagRefs(b.id(n)); !slices.Equal(got, want) {
					t.Errorf("TagRefs(%s) = %q, want %q", n, got, want)
				}
			}
		})
	}
}

// TestGraphNotTargets checks that the graph answers nothing of blobs it
// was not asked about, nor of commits and tags passed as targets.
func TestGraphNotTargets(t *testing.T) {
	b := newHistory(t, 20)
	b.tree("t1", "100644 a.txt B", "100644 o.txt O")
	b.commit("c1", "t1", 100)
	b.tag("T1", "c1")
	b.ref("refs/tags/v1", "c1", "T1")
	b.branch("refs/heads/main", "c1")
	g := NewGraph(b.h, b.refs, []string{b.id("B"), b.id("c1"), b.id("T1")})
	for _, n := range []string{"O", "c1", "T1", "t1"} {
		id := b.id(n)
		if ins, tips, in := g.Introductions(id), g.Tips(id), g.Contained(id); ins != nil || tips != nil || in {
			t.Errorf("%s: Introductions %v, Tips %q, Contained %v; want none", n, b.intros(ins), tips, in)
		}
	}
	if got := b.intros(g.Introductions(b.id("B"))); !slices.Equal(got, []string{intro("c1", "a.txt", 100, true)}) {
		t.Errorf("Introductions(B) = %q", got)
	}
}
