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

// Git is the walk of the whole history of each repository — every object
// once, unreachable ones included — whose findings are then attributed to
// the commits and paths that introduced them (after each repository's
// walk: attribution needs all its objects). A repo is a local path (bare
// or not) or a URL, which is mirrored into the cache first. A repository
// that cannot be read is an error in the stats and the next one is read.
// The error Scan returns is only the context's, when it has ended by the
// start of a repository (one it cuts short is an error in the stats), or
// one saying that gopt names no CacheDir; the Result then holds no
// findings, and the stats as they stood (neither completed nor their
// names hidden).
func Git(repos []string, gopt GitOptions) Walk { return gitWalk{repos, gopt} }

// gitWalk is the walk Git returns.
type gitWalk struct {
	repos []string
	gopt  GitOptions
}

func (w gitWalk) run(ctx context.Context, s *Scanner) (Result, error) {
	repos, gopt := w.repos, w.gopt
	start := time.Now()
	if gopt.CacheDir == "" {
		// The caller names it (cli finds the default in the
		// environment): its absence is a caller's bug, told before
		// anything is read.
		return Result{Stats: s.stats}, errors.New("scan: no cache directory for the history scan (GitOptions.CacheDir)")
	}
	for _, r := range repos {
		if err := ctx.Err(); err != nil {
			return Result{Stats: s.stats}, err
		}
		if err := s.scanRepo(ctx, r, gopt); err != nil {
			name := r
			if git.IsURL(r) {
				name = git.Redact(r) // never credentials in the error list
			}
			s.fail("%s: %v", name, err)
		}
	}
	return s.result(start), nil
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
		source.ForEachError(err, func(e error) {
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
	source.ForEachError(err, func(e error) {
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
		rd := s.formats.SniffBlob("", head, true)
		if _, ok := rd.(source.Container); ok {
			// An archive committed to the repository: its members are read
			// as they would be in a work tree, and located below the path
			// that attribution finds for the blob ("old.zip!creds/.env").
			b := source.NewBudget(s.limits())
			b.Input = int64(len(o.Data))
			ap := prov
			ap.Chain = []string{rs.label}
			in := &source.Input{Item: source.Item{Prov: ap, Size: int64(len(o.Data))}, Head: head, R: bytes.NewReader(o.Data[len(head):]), RA: bytes.NewReader(o.Data), Budget: b}
			s.dispatch(ctx, in, buf)
		} else if br, ok := rd.(source.BytesReader); ok {
			br.ReadBytes(ctx, o.Data, prov, host{s, buf})
		} else {
			c := source.Chunk{Data: o.Data, Prov: prov, Line: 1, Binary: bytes.IndexByte(head, 0) >= 0}
			s.scanChunk(c, detectIn(s.det, o.Data, c.Binary))
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

// attribute fills in, for every finding of this repository, the commits
// and paths that introduced it, its author and date, the refs whose tips
// still hold it, and whether any ref reaches it at all: what git.Graph
// answers of the repository's commits, tags and trees.
func (s *Scanner) attribute(ctx context.Context, rs *repoScan, gitDir string) error {
	if len(rs.hits) == 0 {
		return nil
	}
	refs, err := git.Refs(ctx, gitDir)
	if err != nil {
		return err
	}
	targets := make([]string, 0, len(rs.hits))
	for id := range rs.hits {
		targets = append(targets, id)
	}
	g := git.NewGraph(git.History{Commits: rs.commits, Tags: rs.tags, Trees: rs.trees, IDLen: rs.idLen}, refs, targets)

	s.mu.Lock()
	defer s.mu.Unlock()
	for id, idx := range rs.hits {
		c, isCommit := rs.commits[id]
		t, isTag := rs.tags[id]
		var ins []finding.Introduction // a blob's, shared by its findings
		if !isCommit && !isTag {
			ins = introductions(g.Introductions(id))
		}
		for _, i := range idx {
			f := &s.findings[i]
			f.Location.Object = id
			f.Location.Repo = rs.repo
			switch {
			case isCommit: // a commit message
				f.Location.Commit = id
				setCommit(f, c.Author.Name, c.Author.Email, c.Author.When)
				f.Refs = g.RefsReaching(id)
				f.Unreachable = len(f.Refs) == 0
			case isTag: // a tag message
				setCommit(f, t.Tagger.Name, t.Tagger.Email, t.Tagger.When)
				f.Refs = g.TagRefs(id)
				f.Unreachable = len(f.Refs) == 0
			default:
				f.Commits = ins
				f.Refs = g.Tips(id)
				f.Unreachable = !g.Contained(id)
				placeBlobFinding(f, rs.label, id, ins)
			}
		}
	}
	return nil
}

// introductions are the graph's introductions of a blob as findings carry
// them.
func introductions(ins []git.Introduction) []finding.Introduction {
	if ins == nil {
		return nil
	}
	out := make([]finding.Introduction, len(ins))
	for i, in := range ins {
		out[i] = finding.Introduction{Commit: in.Commit, Path: in.Path, Author: in.Author, Email: in.Email, Date: in.Date, Reachable: in.Reachable}
	}
	return out
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
	defer func() { _ = f.Close() }() // opened read-only: closing it loses nothing
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
		_ = f.Close() // the write's error is the one to report; the next save truncates the file
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
