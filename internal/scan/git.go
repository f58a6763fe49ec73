package scan

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/hfwarden/hfwarden/internal/detect"
	"github.com/hfwarden/hfwarden/internal/finding"
	"github.com/hfwarden/hfwarden/internal/git"
	"github.com/hfwarden/hfwarden/internal/safefile"
	"github.com/hfwarden/hfwarden/internal/source"
)

// GitOptions configure history scans.
type GitOptions struct {
	// CacheDir holds mirrors of remote repositories and the state of
	// incremental scans; required (the caller picks the default place).
	CacheDir string
	// Full ignores the state of earlier scans and reads every object.
	Full bool
}

// gitObjectKind names what a finding's bytes were inside the repository.
const (
	fieldBlob      = "blob"
	fieldCommitMsg = "commit message"
	fieldTagMsg    = "tag message"
)

// RunGit scans the whole history of each repository — every object once,
// unreachable ones included — and attributes each finding to the commits
// and paths that introduced it. A repo is a local path (bare or not) or a
// URL, which is mirrored into the cache first.
func (s *Scanner) RunGit(ctx context.Context, repos []string, gopt GitOptions) ([]finding.Finding, finding.Stats, error) {
	start := time.Now()
	if gopt.CacheDir == "" {
		// The caller names it (cli finds the default in the environment).
		return nil, s.stats, errors.New("scan: no cache directory for the history scan")
	}
	for _, r := range repos {
		if err := ctx.Err(); err != nil {
			return nil, s.stats, err
		}
		if err := s.scanRepo(ctx, r, gopt); err != nil {
			name := r
			if git.IsURL(r) {
				name = git.Redact(r) // never credentials in the error list
			}
			s.fail("%s: %v", name, err)
		}
	}
	findings := s.finish(start)
	s.mu.Lock()
	defer s.mu.Unlock()
	return findings, s.stats, nil
}

// repoScan holds what one repository's object stream taught us.
type repoScan struct {
	label   string // the repository as the user named it
	repo    string // Location.Repo: absolute path, or URL without credentials
	commits map[string]*git.Commit
	tags    map[string]*git.Tag
	trees   map[string][]byte
	idLen   int
	// hits are the findings of this repository, by the object holding them.
	hits map[string][]int // object id -> indexes into s.findings
	// ignored are the objects with matches that the ignore list, the
	// baseline or an inline allow comment suppressed: remembered like
	// hits, so that a rescan reads them again (the list may change).
	ignored map[string]bool
}

func (s *Scanner) scanRepo(ctx context.Context, repo string, gopt GitOptions) error {
	label := repo
	dir := repo
	if git.IsURL(repo) {
		label = git.Redact(repo)
		d, err := git.Mirror(ctx, repo, filepath.Join(gopt.CacheDir, "mirrors"))
		if err != nil {
			return err
		}
		dir = d
	}
	gitDir, err := git.GitDir(ctx, dir)
	if err != nil {
		return err
	}
	statePath := filepath.Join(gopt.CacheDir, "state", stateKey(gitDir, s.opt.Detect)+".state")
	var prev *gitState
	if !gopt.Full {
		prev, _ = loadGitState(statePath) // a missing or damaged state means a full scan
	}
	rs := &repoScan{label: label, repo: RepoName(repo), commits: map[string]*git.Commit{}, tags: map[string]*git.Tag{}, trees: map[string][]byte{},
		hits: map[string][]int{}, ignored: map[string]bool{}}
	var only []string
	var all []string
	if prev != nil {
		// Enumerate (cheaply) and read only what is new, plus every commit
		// and tree (small, needed to attribute findings) and the blobs that
		// held findings before (their secrets are never stored).
		ids, types, err := listObjects(ctx, gitDir)
		if err != nil {
			// Listing types reads every object's header, which a damaged
			// object may fail: read everything instead, past the damage.
			s.warn("%s: %v; reading every object", label, err)
			prev = nil
		} else {
			all = ids
			for i, id := range ids {
				if types[i] == "commit" || types[i] == "tree" || !prev.seen[id] || prev.hit[id] {
					only = append(only, id)
				}
			}
			if only == nil {
				only = []string{}
			}
		}
	}
	buf := source.NewBuffer()
	read := func(o *git.Object) error {
		defer s.recoverItem(label + ": object " + o.ID)
		if rs.idLen == 0 {
			rs.idLen = len(o.ID) / 2
		}
		if prev == nil {
			all = append(all, o.ID)
		}
		s.countFile() // objects read
		switch o.Type {
		case "blob":
			s.scanBlob(ctx, rs, o, buf)
		case "tree":
			rs.trees[o.ID] = bytes.Clone(o.Data)
		case "commit":
			c, err := git.ParseCommit(o.ID, o.Data)
			if err != nil {
				s.warn("%s: %v", label, err)
				return nil
			}
			rs.commits[o.ID] = c
			if prev == nil || !prev.seen[o.ID] || prev.hit[o.ID] {
				s.scanMessage(rs, o.ID, fieldCommitMsg, o.Data, c.MessageOffset)
			}
		case "tag":
			off := git.MessageOffset(o.Data)
			if t, err := git.ParseTag(o.ID, o.Data); err == nil {
				rs.tags[o.ID] = t
				off = t.MessageOffset
			}
			s.scanMessage(rs, o.ID, fieldTagMsg, o.Data, off)
		}
		return nil
	}
	err = git.AllObjects(ctx, gitDir, only, read)
	bad := map[string]bool{}
	if damaged(err) {
		// Damaged objects were left out and every other one read: record
		// each fault and attribute what was found. They are not marked
		// read, so that a rescan tries them again.
		forEachError(err, func(e error) {
			s.fail("%s: %v", label, e)
			var oe *git.ObjectError
			if errors.As(e, &oe) {
				bad[oe.ID] = true
			}
		})
		err = nil
	}
	if err != nil {
		return err
	}
	for _, pack := range orphanPacks(gitDir) {
		// git sees none of an index-less pack's objects: a fault, but its
		// objects are still read, through an index built aside.
		err := s.readOrphanPack(ctx, pack, func(o *git.Object) error {
			if prev != nil {
				all = append(all, o.ID)
			}
			return read(o)
		})
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if err != nil {
			s.fail("%s: pack %s has no index; reading it through a temporary one failed: %v", label, filepath.Base(pack), err)
		} else {
			s.fail("%s: pack %s has no index (its objects were read through a temporary one)", label, filepath.Base(pack))
		}
	}
	slices.Sort(all) // in place: a repository may hold tens of millions of ids
	if err := s.checkMissing(ctx, rs, gitDir, all, bad); err != nil {
		return err
	}
	if err := s.attribute(ctx, rs, gitDir); err != nil {
		return err
	}
	st := &gitState{seen: map[string]bool{}, hit: map[string]bool{}}
	for _, id := range all {
		if !bad[id] {
			st.seen[id] = true
		}
	}
	for id := range rs.hits {
		st.hit[id] = true
	}
	for id := range rs.ignored {
		st.hit[id] = true
	}
	if err := st.save(statePath); err != nil {
		s.warn("%s: could not save scan state: %v", label, err)
	}
	return nil
}

// RepoName is how a finding names its repository (Location.Repo): a local
// one by its absolute path (the same repository named from two directories
// is one place), a URL with any user information removed (never a
// credential, and the same repository whoever fetched it).
func RepoName(repo string) string {
	if git.IsURL(repo) {
		return strings.Replace(git.Redact(repo), "://***@", "://", 1)
	}
	if abs, err := filepath.Abs(repo); err == nil {
		return abs
	}
	return repo
}

// damaged tells whether err holds only faults of single objects or of
// the stream, which AllObjects reads past.
func damaged(err error) bool {
	if err == nil {
		return false
	}
	all := true
	forEachError(err, func(e error) {
		var oe *git.ObjectError
		var se *git.StreamError
		all = all && (errors.As(e, &oe) || errors.As(e, &se))
	})
	return all
}

// stateKey names the state of a repository scanned with detector options
// d: what one set of options did not find, another may.
func stateKey(gitDir string, d detect.Options) string {
	sum := sha256.Sum256(fmt.Appendf(nil, "%s\x00%+v", gitDir, d))
	return hex.EncodeToString(sum[:8])
}

// listObjects enumerates every object id and type without reading content.
func listObjects(ctx context.Context, gitDir string) (ids, types []string, err error) {
	out, err := git.Run(ctx, gitDir, "cat-file", "--batch-all-objects", "--batch-check=%(objectname) %(objecttype)", "--unordered")
	if err != nil {
		return nil, nil, err
	}
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		id, typ, ok := strings.Cut(sc.Text(), " ")
		if ok {
			ids = append(ids, id)
			types = append(types, typ)
		}
	}
	return ids, types, nil
}

// scanBlob scans one blob; its findings are located later, by attribute.
func (s *Scanner) scanBlob(ctx context.Context, rs *repoScan, o *git.Object, buf *source.Buffer) {
	prov := source.Provenance{Kind: "git", Path: rs.label, Cell: -1, Output: -1, Field: fieldBlob, Object: o.ID}
	before := s.mark()
	if o.Data != nil {
		s.addBytes(int64(len(o.Data)))
		head := o.Data[:min(len(o.Data), sniffLen)]
		if source.SniffContainer("", head) != source.NotContainer {
			// An archive committed to the repository: its members are read
			// as they would be in a work tree, and located below the path
			// that attribution finds for the blob ("old.zip!creds/.env").
			b := source.NewBudget(s.opt.Limits)
			b.Input = int64(len(o.Data))
			ap := prov
			ap.Chain = []string{rs.label}
			m := member{it: source.Item{Prov: ap, Size: int64(len(o.Data))}, head: head, r: bytes.NewReader(o.Data[len(head):]), ra: bytes.NewReader(o.Data), size: int64(len(o.Data))}
			s.dispatch(ctx, m, 0, b, buf)
		} else if source.LooksLikeNotebook("", head) {
			s.scanNotebookBytes(o.Data, prov)
		} else {
			c := source.Chunk{Data: o.Data, Prov: prov, Line: 1, Binary: bytes.IndexByte(head, 0) >= 0}
			s.scanChunk(c, s.det.Detect(o.Data))
		}
	} else {
		s.scanReader(ctx, o.Body, prov, nil, false, buf, s.det)
	}
	s.recordHits(rs, o.ID, before)
}

// scanMessage scans the message of a commit or tag object.
func (s *Scanner) scanMessage(rs *repoScan, id, field string, data []byte, off int) {
	if off >= len(data) {
		return
	}
	before := s.mark()
	msg := data[off:]
	prov := source.Provenance{Kind: "git", Path: rs.label, Cell: -1, Output: -1, Field: field, Object: id}
	s.scanChunk(source.Chunk{Data: msg, Prov: prov, Line: 1}, s.det.Detect(msg))
	s.recordHits(rs, id, before)
}

func (s *Scanner) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.findings)
}

// mark is how many findings and ignored matches there were.
type mark struct{ findings, ignored int }

func (s *Scanner) mark() mark {
	s.mu.Lock()
	defer s.mu.Unlock()
	return mark{len(s.findings), s.stats.Ignored}
}

// recordHits notes the findings and ignored matches of object id since
// before.
func (s *Scanner) recordHits(rs *repoScan, id string, before mark) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := before.findings; i < len(s.findings); i++ {
		rs.hits[id] = append(rs.hits[id], i)
	}
	if s.stats.Ignored > before.ignored {
		rs.ignored[id] = true
	}
}

// scanNotebookBytes scans a notebook held in memory: raw first, cell by
// cell only when the raw bytes show something.
func (s *Scanner) scanNotebookBytes(data []byte, prov source.Provenance) {
	raw, hint := s.nbDet.DetectHint(data)
	if len(raw) == 0 && !hint {
		return
	}
	if text := notebookText(data); int64(len(data)) > maxNotebook || text > s.notebookText {
		s.warn("%s: notebook of %d MB (%d MB of text, past the %d MB parsed cell by cell): scanned as raw bytes, findings located by line",
			prov.Path, len(data)>>20, text>>20, s.notebookText>>20)
		s.scanChunk(source.Chunk{Data: data, Prov: prov, Line: 1}, raw)
		return
	}
	type hit struct {
		c  source.Chunk
		ms []detect.Match
	}
	var cells []hit
	err := source.Notebook(prov.Path, data, func(c source.Chunk) error {
		if ms := s.det.Detect(c.Data); len(ms) > 0 {
			c.Prov.Kind, c.Prov.Object, c.Prov.Path, c.Prov.Attrs = prov.Kind, prov.Object, prov.Path, prov.Attrs
			if len(prov.Chain) > 1 { // a notebook inside a container
				c.Prov.Chain = append(append([]string(nil), prov.Chain...), c.Prov.Chain[1:]...)
			}
			c.Data = bytes.Clone(c.Data)
			cells = append(cells, hit{c, ms})
		}
		return nil
	})
	if err != nil {
		s.scanChunk(source.Chunk{Data: data, Prov: prov, Line: 1}, raw)
		return
	}
	for _, h := range cells {
		s.scanChunk(h.c, h.ms)
	}
}

// notebookText counts a notebook's bytes outside image payloads: what
// parsing its cells decodes.
func notebookText(data []byte) int64 {
	var n int64
	source.ImageSkipper{}.Segments(data, len(data), func(start, end int) { n += int64(end - start) })
	return n
}

// pathHit is a target blob found at a path of a tree.
type pathHit struct{ path, blob string }

// attribute fills in, for every finding of this repository, the commits
// and paths that introduced it, its author and date, the refs whose tips
// still hold it, and whether any ref reaches it at all. It reads no diffs:
// for each tree (memoised) it lists where target blobs sit, and a commit
// introduced a blob at a path when none of its parents had it there.
func (s *Scanner) attribute(ctx context.Context, rs *repoScan, gitDir string) error {
	if len(rs.hits) == 0 {
		return nil
	}
	refs, err := git.Refs(ctx, gitDir)
	if err != nil {
		return err
	}
	g := newAttribution(rs, refs)
	intro, contained := g.introductions()
	tips := g.tips(contained)

	s.mu.Lock()
	defer s.mu.Unlock()
	for id, idx := range rs.hits {
		for _, i := range idx {
			f := &s.findings[i]
			f.Location.Object = id
			f.Location.Repo = rs.repo
			if c, ok := rs.commits[id]; ok { // a commit message
				f.Location.Commit = id
				setCommit(f, c.Author.Name, c.Author.Email, c.Author.When)
				f.Refs = g.refsReaching(id)
				f.Unreachable = len(f.Refs) == 0
				continue
			}
			if t, ok := rs.tags[id]; ok { // a tag message
				setCommit(f, t.Tagger.Name, t.Tagger.Email, t.Tagger.When)
				f.Refs = g.tagRefs(id)
				f.Unreachable = len(f.Refs) == 0
				continue
			}
			ins := intro[id]
			g.sortIntroductions(ins)
			f.Commits = ins
			f.Refs = tips[id]
			f.Unreachable = !contained[id]
			placeBlobFinding(f, rs.label, id, ins)
		}
	}
	return nil
}

// placeBlobFinding locates a finding in blob id at the earliest of its
// introductions ins, or says it is in no commit.
func placeBlobFinding(f *finding.Finding, label, id string, ins []finding.Introduction) {
	f.Source = "git" // members of committed archives too
	// A member of a committed archive keeps its place inside it.
	inner := strings.TrimPrefix(f.Location.Path, label)
	if !strings.HasPrefix(inner, "!") {
		inner = ""
	}
	if len(ins) > 0 {
		f.Location.Commit = ins[0].Commit
		setCommit(f, ins[0].Author, ins[0].Email, ins[0].Date)
		f.Location.Path = ins[0].Path + inner
		if f.Location.Cell != nil || inner != "" {
			f.Location.Chain = append([]string{ins[0].Path}, f.Location.Chain[1:]...)
		}
	} else {
		f.Location.Path = "(object " + id[:12] + ", in no commit)" + inner
	}
}

// attribution is what attribute knows of one repository's graph: the
// blobs holding findings, where they sit in each tree (memoised), which
// commits some ref reaches, and, computed when first asked, the refs
// reaching a commit and commit generations.
type attribution struct {
	rs        *repoScan
	refs      []git.Ref
	targets   map[string]bool      // blobs holding findings
	memo      map[string][]pathHit // tree -> its target blobs, by path
	reachable map[string]bool      // commits some ref reaches

	children     map[string][]string // commit -> its children; nil until needed
	reachingMemo map[string][]string // commit -> refsReaching
	gen          map[string]int      // commit -> generation
}

// newAttribution reads the graph of rs: its target blobs and which of its
// commits refs reach.
func newAttribution(rs *repoScan, refs []git.Ref) *attribution {
	g := &attribution{rs: rs, refs: refs, targets: map[string]bool{}, memo: map[string][]pathHit{},
		reachingMemo: map[string][]string{}, gen: map[string]int{}}
	for id := range rs.hits {
		_, isCommit := rs.commits[id]
		_, isTag := rs.tags[id]
		if !isCommit && !isTag {
			g.targets[id] = true
		}
	}
	g.reachable = g.reach()
	return g
}

// walk lists where target blobs sit under tree, their paths after prefix.
func (g *attribution) walk(tree, prefix string) []pathHit {
	if h, ok := g.memo[tree]; ok {
		return prefixed(h, prefix)
	}
	raw, ok := g.rs.trees[tree]
	if !ok {
		return nil
	}
	entries, err := git.ParseTree(raw, g.rs.idLen)
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
func (g *attribution) treeHits(c *git.Commit) []pathHit { return g.walk(c.Tree, "") }

// reach is which commits some ref reaches: one walk from every ref at once
// (a walk per ref costs refs × commits, and mirrors hold a ref for every
// pull request).
func (g *attribution) reach() map[string]bool {
	rs := g.rs
	reachable := map[string]bool{}
	var stack []string
	for _, r := range g.refs {
		if _, ok := rs.commits[r.Target]; ok {
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
		for _, p := range rs.commits[id].Parents {
			if _, ok := rs.commits[p]; ok && !reachable[p] {
				stack = append(stack, p)
			}
		}
	}
	return reachable
}

// refsReaching lists the refs that reach a commit (those pointing at it
// or at a descendant); needed only for commit messages.
func (g *attribution) refsReaching(id string) []string {
	if !g.reachable[id] {
		return nil
	}
	if out, ok := g.reachingMemo[id]; ok {
		return out
	}
	if g.children == nil {
		g.children = map[string][]string{}
		for cid, c := range g.rs.commits {
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

// tagRefs lists the refs that name a tag object, directly or through tags
// of it.
func (g *attribution) tagRefs(id string) []string {
	var out []string
	for _, r := range g.refs {
		for o, n := r.Object, 0; n < 16; n++ {
			if o == id {
				out = append(out, r.Name)
				break
			}
			t, ok := g.rs.tags[o]
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
func (g *attribution) generation(id string) int {
	stack := []string{id}
	for len(stack) > 0 {
		top := stack[len(stack)-1]
		if _, ok := g.gen[top]; ok {
			stack = stack[:len(stack)-1]
			continue
		}
		n, ready := 0, true
		for _, p := range g.rs.commits[top].Parents {
			if pg, ok := g.gen[p]; ok {
				n = max(n, pg)
			} else if _, ok := g.rs.commits[p]; ok {
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

// introductions lists, by blob, the commits that put it at a path none of
// their parents had it at, and tells which blobs a reachable commit holds.
func (g *attribution) introductions() (intro map[string][]finding.Introduction, contained map[string]bool) {
	intro = map[string][]finding.Introduction{} // blob -> introductions
	contained = map[string]bool{}               // blob held by a reachable commit
	for _, c := range g.rs.commits {
		hits := g.treeHits(c)
		if len(hits) == 0 {
			continue
		}
		var parentHits []map[pathHit]bool
		for _, p := range c.Parents {
			m := map[pathHit]bool{}
			if pc, ok := g.rs.commits[p]; ok {
				for _, h := range g.treeHits(pc) {
					m[h] = true
				}
			}
			parentHits = append(parentHits, m)
		}
		for _, h := range hits {
			if g.reachable[c.ID] {
				contained[h.blob] = true
			}
			introduced := true
			for _, m := range parentHits {
				if m[h] {
					introduced = false
				}
			}
			if introduced {
				intro[h.blob] = append(intro[h.blob], finding.Introduction{
					Commit: c.ID, Path: h.path, Author: c.Author.Name, Email: c.Author.Email, Date: c.Author.When,
					Reachable: g.reachable[c.ID],
				})
			}
		}
	}
	return intro, contained
}

// tips lists, by blob, the refs whose tip holds it; a ref naming a target
// blob itself holds it, and the blob is then contained.
func (g *attribution) tips(contained map[string]bool) map[string][]string {
	tips := map[string][]string{}
	for _, r := range g.refs {
		if g.targets[r.Target] { // a tag of the blob itself
			contained[r.Target] = true
			if !slices.Contains(tips[r.Target], r.Name) {
				tips[r.Target] = append(tips[r.Target], r.Name)
			}
		}
		if c, ok := g.rs.commits[r.Target]; ok {
			for _, h := range g.treeHits(c) {
				if !slices.Contains(tips[h.blob], r.Name) {
					tips[h.blob] = append(tips[h.blob], r.Name)
				}
			}
		}
	}
	return tips
}

// sortIntroductions puts ins earliest first; in the same second,
// ancestors first; then by path and id, so that the result never depends
// on map order.
func (g *attribution) sortIntroductions(ins []finding.Introduction) {
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

func setCommit(f *finding.Finding, author, email string, when time.Time) {
	f.Author, f.Email = author, email
	if !when.IsZero() {
		t := when
		f.CommitDate = &t
		// The commit says what it says; a sentinel date is still no
		// evidence of when the bytes were written.
		if finding.KnownTime(t) {
			f.Time = &t
		}
	}
}

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

// gitState remembers, per repository, which objects were scanned and which
// held findings, so that a rescan reads only new objects. It holds object
// ids only: never a secret.
type gitState struct {
	seen, hit map[string]bool
}

func loadGitState(path string) (*gitState, error) {
	f, err := safefile.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st := &gitState{seen: map[string]bool{}, hit: map[string]bool{}}
	// A line an object: ten million objects stay well within the bound.
	sc := bufio.NewScanner(safefile.Limit(f, 1<<30))
	sc.Buffer(make([]byte, 0, 64<<10), 1<<20)
	if !sc.Scan() || sc.Text() != stateHeader {
		return nil, fmt.Errorf("%s: not a hfwarden git state file", path)
	}
	for sc.Scan() {
		line := sc.Text()
		if id, ok := strings.CutPrefix(line, "hit "); ok {
			st.hit[id] = true
			st.seen[id] = true
		} else if line != "" {
			st.seen[line] = true
		}
	}
	return st, sc.Err()
}

const stateHeader = "hfwarden git state v1"

func (st *gitState) save(path string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	tmp := path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	w := bufio.NewWriter(f)
	fmt.Fprintln(w, stateHeader)
	for id := range st.seen {
		if st.hit[id] {
			fmt.Fprintln(w, "hit", id)
		} else {
			fmt.Fprintln(w, id)
		}
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := safefile.CheckTarget(path); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

var _ io.Reader = (*bytes.Reader)(nil)
