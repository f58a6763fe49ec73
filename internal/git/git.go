// Package git reads repositories through the git command: every object in
// one stream, commit and tree parsing, refs, mirrors and staged changes,
// and the graph that attributes objects to the commits, paths and refs
// holding them.
//
// It shells out to the real git rather than reading packs itself: git's
// delta resolution and zlib are what the history floor is measured with,
// and reading the stream costs little next to them.
package git

import (
	"bufio"
	"bytes"
	"compress/zlib"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	neturl "net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/hfwarden/hfwarden/internal/detect"
)

// Run runs git with args in dir and returns its standard output.
func Run(ctx context.Context, dir string, args ...string) ([]byte, error) {
	return runEnv(ctx, dir, nil, args...)
}

// runEnv is Run with extra environment variables for git (nil: git gets
// hfwarden's environment unchanged).
func runEnv(ctx context.Context, dir string, env []string, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, "git", args...)
	cmd.Dir = dir
	if env != nil {
		cmd.Env = append(os.Environ(), env...)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		msg := strings.TrimSpace(stderr.String())
		if i := strings.IndexByte(msg, '\n'); i >= 0 {
			msg = msg[:i]
		}
		if msg == "" {
			msg = err.Error()
		}
		return out, fmt.Errorf("git %s: %s", args[0], msg)
	}
	return out, nil
}

// GitDir returns the repository's git directory (the repository itself
// when bare), or an error when path is not a repository.
func GitDir(ctx context.Context, path string) (string, error) {
	out, err := Run(ctx, path, "rev-parse", "--absolute-git-dir")
	if err != nil {
		return "", fmt.Errorf("%s is not a git repository: %w", path, err)
	}
	return strings.TrimSpace(string(out)), nil
}

// Object is one object of the stream. Data is valid only during the
// callback; for blobs larger than the stream's limit it is nil and Body
// must be read instead.
type Object struct {
	// Index is the object's line in the request list when AllObjects was
	// given one (missing objects keep their line numbers).
	Index int
	ID    string
	Type  string // blob, tree, commit, tag
	Size  int64
	Data  []byte
	Body  io.Reader
	// Partial is set when the object is damaged: Body holds only the
	// bytes before the fault (which AllObjects reports as well).
	Partial bool
}

// MaxInline is the largest object passed to callbacks as Data; larger
// blobs are streamed through Body.
const MaxInline = 8 << 20

// AllObjects streams every object in the repository — reachable or not,
// packed or loose — exactly once, in pack order, with
// `git cat-file --batch-all-objects --batch --unordered`. With only set,
// it streams those objects (ids, one a line) instead.
//
// A damaged object (a corrupt pack entry, a truncated loose file) makes
// git stop the whole stream. AllObjects then goes on without it: the
// objects not yet read are asked for again by id, a fresh stream past
// each damaged one, so every readable object is still read. What is left
// of a damaged blob (loose, or whole in a pack) is inflated here and
// passed on with Partial set. The faults come back together, one *ObjectError each, after every
// object has been read; an error the callback returns stops everything
// and is returned as it is.
func AllObjects(ctx context.Context, gitDir string, only []string, fn func(*Object) error) error {
	if only != nil && len(only) == 0 {
		// Nothing asked for. (An empty request line would come back as
		// " missing", which is no object header.)
		return nil
	}
	// What the stream delivered, kept as cheaply as it can be (a
	// repository may hold tens of millions of objects): a flag a request
	// line, or the ids themselves, which the stream allocated anyway.
	var read []bool
	var seen []string
	if only != nil {
		read = make([]bool, len(only))
	}
	_, err := catFile(ctx, gitDir, only, func(o *Object) error {
		if only != nil && o.Index < len(read) {
			read[o.Index] = true
		} else if only == nil {
			seen = append(seen, o.ID)
		}
		return fn(o)
	})
	var cb callbackError
	if err == nil || errors.As(err, &cb) || ctx.Err() != nil {
		return unwrapCallback(err)
	}
	// The stream broke: list what there is to read, leave out what was.
	names, index := only, []int(nil)
	if only == nil {
		ids, lerr := listIDs(ctx, gitDir)
		if lerr != nil {
			return errors.Join(err, lerr)
		}
		names = ids
	}
	slices.Sort(seen)
	var rest []string
	for i, name := range names {
		_, done := slices.BinarySearch(seen, name)
		if (only != nil && !read[i]) || (only == nil && !done) {
			rest = append(rest, name)
			index = append(index, i)
		}
	}
	if only == nil {
		index = nil // line numbers mean nothing without a request list
	}
	var faults []error
	for len(rest) > 0 {
		at, ferr := catFile(ctx, gitDir, rest, func(o *Object) error {
			if index != nil && o.Index < len(index) {
				o.Index = index[o.Index]
			} else {
				o.Index = -1
			}
			return fn(o)
		})
		if ferr == nil {
			break
		}
		if errors.As(ferr, &cb) || ctx.Err() != nil {
			return unwrapCallback(ferr)
		}
		if at >= len(rest) { // the stream broke after the last object
			faults = append(faults, &StreamError{Err: ferr})
			break
		}
		faults = append(faults, &ObjectError{ID: rest[at], Err: ferr})
		line := -1
		if index != nil {
			line = index[at]
		}
		if perr := partial(ctx, gitDir, rest[at], line, fn); perr != nil {
			return perr
		}
		rest = rest[at+1:]
		if index != nil {
			index = index[at+1:]
		}
	}
	if len(faults) == 0 {
		// Everything was read the second time: the first fault still
		// happened, and is not hidden, but it cost no readable object.
		return &StreamError{Err: err}
	}
	return errors.Join(faults...)
}

// ObjectError is a fault confined to one object: the objects around it
// were read.
type ObjectError struct {
	// ID is the object as it was asked for (an id, or a name like
	// "HEAD:path" in a request list).
	ID  string
	Err error
}

func (e *ObjectError) Error() string { return "object " + e.ID + ": " + e.Err.Error() }
func (e *ObjectError) Unwrap() error { return e.Err }

// StreamError is a fault of the object stream that no single requested
// object can be blamed for (a damaged pack index naming an object that is
// not there, git failing after the last object): every readable object
// was still read past it.
type StreamError struct{ Err error }

func (e *StreamError) Error() string { return e.Err.Error() }
func (e *StreamError) Unwrap() error { return e.Err }

// callbackError carries an error of AllObjects' callback out of catFile,
// to tell it from a fault of the stream.
type callbackError struct{ err error }

func (e callbackError) Error() string { return e.err.Error() }

func unwrapCallback(err error) error {
	var cb callbackError
	if errors.As(err, &cb) {
		return cb.err
	}
	return err
}

// listIDs lists every object id of the repository without reading any:
// the listing reads pack indexes and loose file names only, so it
// survives damaged object data.
func listIDs(ctx context.Context, gitDir string) ([]string, error) {
	out, err := Run(ctx, gitDir, "cat-file", "--batch-all-objects", "--batch-check=%(objectname)", "--unordered")
	if err != nil {
		return nil, fmt.Errorf("listing objects: %w", err)
	}
	return strings.Fields(string(out)), nil
}

// partial passes fn what can still be inflated of a damaged blob, loose
// or packed (git inflates a packed object whole, so a fault anywhere in
// it would hide a token on its first line).
func partial(ctx context.Context, gitDir, id string, line int, fn func(*Object) error) error {
	if len(id) < 4 || strings.Trim(id, "0123456789abcdef") != "" {
		return nil // a name, not an id
	}
	if _, err := os.Stat(filepath.Join(gitDir, "objects", id[:2], id[2:])); err == nil {
		return partialLoose(gitDir, id, line, fn)
	}
	return partialPacked(ctx, gitDir, id, line, fn)
}

// partialPacked passes fn what can still be inflated of a damaged blob
// stored whole in a pack: its entry is found through `git show-index` and
// inflated here up to the fault. A delta (whose base would have to be
// applied) is left out; only the callback's error is returned.
func partialPacked(ctx context.Context, gitDir, id string, line int, fn func(*Object) error) error {
	idxs, _ := filepath.Glob(filepath.Join(gitDir, "objects", "pack", "*.idx"))
	for _, idx := range idxs {
		off, ok := packOffset(ctx, gitDir, idx, id)
		if !ok {
			continue
		}
		f, err := os.Open(strings.TrimSuffix(idx, ".idx") + ".pack")
		if err != nil {
			return nil
		}
		defer func() { _ = f.Close() }() // opened read-only: closing it loses nothing
		br := bufio.NewReader(io.NewSectionReader(f, off, 1<<62))
		// The entry header: type in bits 4-6 of the first byte, the
		// inflated size in little-endian groups of 4, then 7, bits.
		c, err := br.ReadByte()
		if err != nil {
			return nil
		}
		typ, size, shift := (c>>4)&7, int64(c&15), uint(4)
		for c&0x80 != 0 && shift < 63 {
			if c, err = br.ReadByte(); err != nil {
				return nil
			}
			size |= int64(c&0x7f) << shift
			shift += 7
		}
		if typ != 3 { // not a whole blob
			return nil
		}
		zr, err := zlib.NewReader(br)
		if err != nil {
			return nil
		}
		body := &quietReader{r: io.LimitReader(zr, size)}
		return fn(&Object{Index: line, ID: id, Type: "blob", Size: size, Body: body, Partial: true})
	}
	return nil
}

// packOffset is where object id sits in the pack of index idx.
func packOffset(ctx context.Context, gitDir, idx, id string) (int64, bool) {
	f, err := os.Open(idx)
	if err != nil {
		return 0, false
	}
	defer func() { _ = f.Close() }() // opened read-only: closing it loses nothing
	cmd := exec.CommandContext(ctx, "git", "show-index")
	cmd.Dir = gitDir
	cmd.Stdin = f
	out, err := cmd.Output()
	if err != nil {
		return 0, false
	}
	for l := range strings.Lines(string(out)) {
		if f := strings.Fields(l); len(f) >= 2 && f[1] == id {
			off, err := strconv.ParseInt(f[0], 10, 64)
			return off, err == nil
		}
	}
	return 0, false
}

// partialLoose passes fn what can still be inflated of a damaged loose
// blob: the bytes before the fault. Anything else (a packed object, a
// tree or commit, whose parse would be garbage) is left out; only the
// callback's error is returned.
func partialLoose(gitDir, id string, line int, fn func(*Object) error) error {
	if len(id) < 4 || strings.Trim(id, "0123456789abcdef") != "" {
		return nil // a name, not an id: not a loose file name either
	}
	f, err := os.Open(filepath.Join(gitDir, "objects", id[:2], id[2:]))
	if err != nil {
		return nil
	}
	defer func() { _ = f.Close() }() // opened read-only: closing it loses nothing
	zr, err := zlib.NewReader(bufio.NewReader(io.LimitReader(f, 1<<32)))
	if err != nil {
		return nil
	}
	br := bufio.NewReader(zr)
	hdr, err := br.ReadString(0)
	if err != nil {
		return nil
	}
	typ, sz, _ := strings.Cut(strings.TrimSuffix(hdr, "\x00"), " ")
	size, err := strconv.ParseInt(sz, 10, 64)
	if typ != "blob" || err != nil || size < 0 {
		return nil
	}
	// The body ends quietly at the fault: the fault itself is reported
	// once, as the object's error.
	body := &quietReader{r: io.LimitReader(br, size)}
	if err := fn(&Object{Index: line, ID: id, Type: typ, Size: size, Body: body, Partial: true}); err != nil {
		return err
	}
	return nil
}

// quietReader ends at its reader's first error as at its end.
type quietReader struct {
	r    io.Reader
	done bool
}

func (q *quietReader) Read(p []byte) (int, error) {
	if q.done {
		return 0, io.EOF
	}
	n, err := q.r.Read(p)
	if err != nil {
		q.done = true
		if n > 0 {
			return n, nil
		}
		return 0, io.EOF
	}
	return n, nil
}

// catFile runs one `git cat-file --batch` stream (of every object, or of
// the request list only) and passes each object to fn. at is the request
// line being read when the stream broke: the object git could not read.
// fn's errors come back as callbackError.
func catFile(ctx context.Context, gitDir string, only []string, fn func(*Object) error) (at int, err error) {
	args := []string{"cat-file", "--batch"}
	if only == nil {
		args = append(args, "--batch-all-objects", "--unordered")
	}
	cmd := exec.CommandContext(ctx, "git", args...)
	cmd.Dir = gitDir
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if only != nil {
		cmd.Stdin = strings.NewReader(strings.Join(only, "\n") + "\n")
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return 0, fmt.Errorf("git cat-file: %w", err)
	}
	if err := cmd.Start(); err != nil {
		return 0, fmt.Errorf("starting git cat-file: %w", err)
	}
	growPipe(out)
	r := bufio.NewReaderSize(out, 1<<20)
	buf := make([]byte, 0, 1<<20)
	index := -1
	call := func(o *Object) error {
		if err := fn(o); err != nil {
			return callbackError{err}
		}
		return nil
	}
	ferr := func() error {
		for {
			index++
			hdr, err := r.ReadSlice('\n')
			if errors.Is(err, io.EOF) && len(hdr) == 0 {
				return nil
			}
			if err != nil {
				return fmt.Errorf("reading git cat-file: %w", err)
			}
			// "<name> missing" (the name as requested, which may hold
			// spaces, e.g. ":path with spaces") or "<oid> <type> <size>".
			if bytes.HasSuffix(bytes.TrimRight(hdr, "\n"), []byte(" missing")) {
				continue
			}
			f := strings.Fields(string(hdr))
			if len(f) != 3 {
				return fmt.Errorf("reading git cat-file: unexpected header %q", hdr)
			}
			size, err := strconv.ParseInt(f[2], 10, 64)
			if err != nil || size < 0 {
				return fmt.Errorf("reading git cat-file: bad size in %q", hdr)
			}
			o := &Object{Index: index, ID: f[0], Type: f[1], Size: size}
			if size <= MaxInline {
				if int64(cap(buf)) < size {
					buf = make([]byte, size)
				}
				buf = buf[:size]
				if _, err := io.ReadFull(r, buf); err != nil {
					return fmt.Errorf("reading object %s: %w", o.ID, err)
				}
				o.Data = buf
				if err := call(o); err != nil {
					return err
				}
			} else {
				lr := &io.LimitedReader{R: r, N: size}
				o.Body = lr
				if err := call(o); err != nil {
					return err
				}
				if _, err := io.Copy(io.Discard, lr); err != nil {
					return fmt.Errorf("reading object %s: %w", o.ID, err)
				}
				if lr.N > 0 {
					return fmt.Errorf("reading object %s: %w", o.ID, io.ErrUnexpectedEOF)
				}
			}
			if b, err := r.ReadByte(); err != nil || b != '\n' {
				return fmt.Errorf("reading git cat-file: object %s not terminated", o.ID)
			}
		}
	}()
	if ferr != nil {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		var cb callbackError
		if !errors.As(ferr, &cb) {
			// git says best what went wrong ("packed object … is corrupt").
			if msg := lastLine(stderr.String()); msg != "" {
				ferr = fmt.Errorf("git cat-file: %s", msg)
			}
		}
		return index, ferr
	}
	if err := cmd.Wait(); err != nil {
		msg := lastLine(stderr.String())
		if msg == "" {
			msg = err.Error()
		}
		return index, fmt.Errorf("git cat-file: %s", msg)
	}
	return index, nil
}

// lastLine is the last non-empty line of git's standard error: the
// "fatal:" that ended it.
func lastLine(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return strings.TrimSpace(lines[len(lines)-1])
}

// Signature is an author or committer.
type Signature struct {
	Name, Email string
	When        time.Time
}

// Commit is a parsed commit object.
type Commit struct {
	ID        string
	Tree      string
	Parents   []string
	Author    Signature
	Committer Signature
	// MessageOffset is where the message starts in the raw object.
	MessageOffset int
}

// ParseCommit parses a raw commit object.
func ParseCommit(id string, data []byte) (*Commit, error) {
	c := &Commit{ID: id}
	rest := data
	off := 0
	for len(rest) > 0 {
		i := bytes.IndexByte(rest, '\n')
		if i < 0 {
			i = len(rest)
		}
		line := rest[:i]
		next := i + 1
		if next > len(rest) {
			next = len(rest)
		}
		off += next
		rest = rest[next:]
		if len(line) == 0 {
			c.MessageOffset = off
			break
		}
		k, v, _ := bytes.Cut(line, []byte{' '})
		switch string(k) {
		case "tree":
			c.Tree = string(v)
		case "parent":
			c.Parents = append(c.Parents, string(v))
		case "author":
			c.Author = parseSig(v)
		case "committer":
			c.Committer = parseSig(v)
		}
	}
	if c.Tree == "" {
		return nil, fmt.Errorf("commit %s: no tree", id)
	}
	if c.MessageOffset == 0 {
		c.MessageOffset = len(data)
	}
	return c, nil
}

func parseSig(v []byte) Signature {
	var s Signature
	lt := bytes.IndexByte(v, '<')
	gt := bytes.LastIndexByte(v, '>')
	if lt < 0 || gt < lt {
		s.Name = string(bytes.TrimSpace(v))
		return s
	}
	s.Name = string(bytes.TrimSpace(v[:lt]))
	s.Email = string(v[lt+1 : gt])
	f := strings.Fields(string(v[gt+1:]))
	if len(f) >= 1 {
		if sec, err := strconv.ParseInt(f[0], 10, 64); err == nil {
			loc := time.UTC
			if len(f) >= 2 && len(f[1]) == 5 {
				h, _ := strconv.Atoi(f[1][1:3])
				m, _ := strconv.Atoi(f[1][3:5])
				off := h*3600 + m*60
				if f[1][0] == '-' {
					off = -off
				}
				loc = time.FixedZone(f[1], off)
			}
			s.When = time.Unix(sec, 0).In(loc)
		}
	}
	return s
}

// Tag is a parsed annotated tag object.
type Tag struct {
	ID     string
	Object string // the tagged object
	Type   string // its type
	Tagger Signature
	// MessageOffset is where the message starts in the raw object.
	MessageOffset int
}

// ParseTag parses a raw tag object.
func ParseTag(id string, data []byte) (*Tag, error) {
	t := &Tag{ID: id, MessageOffset: MessageOffset(data)}
	hdr := data
	if i := bytes.Index(data, []byte("\n\n")); i >= 0 {
		hdr = data[:i]
	}
	for _, line := range bytes.Split(hdr, []byte{'\n'}) {
		k, v, _ := bytes.Cut(line, []byte{' '})
		switch string(k) {
		case "object":
			t.Object = string(v)
		case "type":
			t.Type = string(v)
		case "tagger":
			t.Tagger = parseSig(v)
		}
	}
	if t.Object == "" {
		return nil, fmt.Errorf("tag %s: no object", id)
	}
	return t, nil
}

// MessageOffset returns where a tag object's message starts.
func MessageOffset(data []byte) int {
	if i := bytes.Index(data, []byte("\n\n")); i >= 0 {
		return i + 2
	}
	return len(data)
}

// TreeEntry is one entry of a tree object.
type TreeEntry struct {
	Mode string
	Name string
	ID   string // hex
}

// IsTree tells whether the entry is a subdirectory.
func (e TreeEntry) IsTree() bool { return e.Mode == "40000" }

// IsBlob tells whether the entry is a file or a symbolic link (not a
// submodule).
func (e TreeEntry) IsBlob() bool { return e.Mode != "40000" && e.Mode != "160000" }

// ParseTree parses a raw tree object (SHA-1 or SHA-256 object ids).
func ParseTree(data []byte, idLen int) ([]TreeEntry, error) {
	if idLen <= 0 {
		return nil, errors.New("bad object id length")
	}
	var out []TreeEntry
	for len(data) > 0 {
		// "<mode> <name>\x00<id>": the space must come before the NUL,
		// else a malformed entry would swallow the next one.
		nul := bytes.IndexByte(data, 0)
		if nul < 0 || nul+1+idLen > len(data) {
			return nil, errors.New("malformed tree entry")
		}
		sp := bytes.IndexByte(data[:nul], ' ')
		if sp <= 0 {
			return nil, errors.New("malformed tree entry")
		}
		out = append(out, TreeEntry{
			Mode: string(data[:sp]),
			Name: string(data[sp+1 : nul]),
			ID:   hex.EncodeToString(data[nul+1 : nul+1+idLen]),
		})
		data = data[nul+1+idLen:]
	}
	return out, nil
}

// Ref is a reference and the object it points at, peeled to a commit for
// annotated tags.
type Ref struct {
	Name   string
	Target string
	// Object is what the ref names before peeling: for an annotated tag,
	// the tag object; otherwise Target.
	Object string
}

// Refs lists every reference of the repository (branches, tags, pull
// request heads, notes, stash), with tags peeled. A ref whose object is
// missing is still listed, its target that object.
func Refs(ctx context.Context, gitDir string) ([]Ref, error) {
	out, err := Run(ctx, gitDir, "for-each-ref", "--format=%(refname) %(objectname) %(*objectname) %(*objecttype)")
	if err != nil {
		// Peeling reads each ref's object, and one missing object fails
		// the whole listing: list without, and peel what can be read.
		return refsUnpeeled(ctx, gitDir, err)
	}
	var refs []Ref
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		f := strings.Fields(line)
		if len(f) < 2 {
			continue
		}
		r := Ref{Name: f[0], Target: f[1], Object: f[1]}
		if len(f) >= 3 {
			r.Target = f[2]
		}
		if len(f) == 4 && f[3] == "tag" {
			// A tag of a tag: %(*objectname) peels one level only.
			if out, err := Run(ctx, gitDir, "rev-parse", "--verify", "-q", r.Name+"^{}"); err == nil {
				r.Target = strings.TrimSpace(string(out))
			}
		}
		refs = append(refs, r)
	}
	// HEAD of a detached or unborn repository is not a ref but is reachable.
	if out, err := Run(ctx, gitDir, "rev-parse", "--verify", "-q", "HEAD"); err == nil {
		id := strings.TrimSpace(string(out))
		refs = append(refs, Ref{Name: "HEAD", Target: id, Object: id})
	}
	return refs, nil
}

// refsUnpeeled lists the refs of a repository missing some ref's object:
// each ref whose object is there is peeled to the object it names in the
// end (one `git cat-file` stream); one whose object is missing keeps it
// as its target, which the caller finds missing. first is the listing's
// error, returned if even this fails.
func refsUnpeeled(ctx context.Context, gitDir string, first error) ([]Ref, error) {
	out, err := Run(ctx, gitDir, "for-each-ref", "--format=%(refname) %(objectname)")
	if err != nil {
		return nil, errors.Join(first, err)
	}
	var refs []Ref
	var req strings.Builder
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		name, id, ok := strings.Cut(line, " ")
		if !ok {
			continue
		}
		refs = append(refs, Ref{Name: name, Target: id, Object: id})
		req.WriteString(id + "^{}\n")
	}
	if id, err := Run(ctx, gitDir, "rev-parse", "--verify", "-q", "HEAD"); err == nil {
		h := strings.TrimSpace(string(id))
		refs = append(refs, Ref{Name: "HEAD", Target: h, Object: h})
		req.WriteString(h + "^{}\n")
	}
	cmd := exec.CommandContext(ctx, "git", "cat-file", "--batch-check=%(objectname)")
	cmd.Dir = gitDir
	cmd.Stdin = strings.NewReader(req.String())
	peeled, err := cmd.Output()
	if err != nil {
		return refs, nil // unpeeled: the caller still finds what is missing
	}
	// One answer a request line: the peeled id, or "<name> missing".
	lines := strings.Split(strings.TrimSpace(string(peeled)), "\n")
	for i := range refs {
		if i < len(lines) && !strings.Contains(lines[i], " ") && lines[i] != "" {
			refs[i].Target = lines[i]
		}
	}
	return refs, nil
}

// Mirror makes or refreshes a mirror clone of url (every ref the server
// offers, pull request heads included) under cacheRoot, and returns its
// path. A rescan reuses and fetches into the same mirror.
//
// Credentials in the URL never reach a command line, where any local user
// can read them (ps, /proc/PID/cmdline), nor the mirror's config: git is
// given the URL without them, and a credential helper that reads them from
// the environment and answers only for the URL's own host (see remote).
func Mirror(ctx context.Context, url, cacheRoot string) (string, error) {
	rm, err := parseRemote(url)
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256([]byte(url))
	dir := filepath.Join(cacheRoot, hex.EncodeToString(sum[:8])+".git")
	if _, err := os.Stat(filepath.Join(dir, "HEAD")); err == nil {
		// The URL is set again each time: a mirror made by an older
		// hfwarden kept the credentials in its config.
		if _, err := Run(ctx, dir, "config", "remote.origin.url", rm.clean); err != nil {
			return "", fmt.Errorf("refreshing mirror of %s: %w", Redact(url), rm.scrub(err))
		}
		if _, err := runEnv(ctx, dir, rm.env(), "fetch", "--prune", "--quiet", "origin"); err != nil {
			return "", fmt.Errorf("refreshing mirror of %s: %w", Redact(url), rm.scrub(err))
		}
		return dir, nil
	}
	if err := os.MkdirAll(cacheRoot, 0o700); err != nil {
		return "", fmt.Errorf("creating git cache: %w", err)
	}
	tmp := dir + ".tmp"
	_ = os.RemoveAll(tmp)
	if _, err := runEnv(ctx, cacheRoot, rm.env(), "clone", "--mirror", "--quiet", "--", rm.clean, tmp); err != nil {
		_ = os.RemoveAll(tmp)
		return "", fmt.Errorf("cloning %s: %w", Redact(url), rm.scrub(err))
	}
	if err := os.Rename(tmp, dir); err != nil {
		return "", fmt.Errorf("cloning %s: %w", Redact(url), err)
	}
	return dir, nil
}

// IsURL tells a repository URL (https://, ssh://, git@host:path, file://)
// from a local path.
func IsURL(s string) bool {
	if strings.Contains(s, "://") {
		return true
	}
	at, colon := strings.IndexByte(s, '@'), strings.IndexByte(s, ':')
	if at > 0 && colon > at && !strings.ContainsAny(s[:at], "/") {
		return true
	}
	// "user:password@host:path": an scp-like URL with a password, which
	// must be recognised so that it is refused (and redacted), not taken
	// for a file name.
	return at > 0 && colon > 0 && colon < at && !strings.ContainsAny(s[:at], "/") &&
		strings.IndexByte(s[at:], ':') > 1 && !strings.ContainsAny(s[at:at+strings.IndexByte(s[at:], ':')], "/")
}

// urlParts is a repository URL cut at its delimiters.
type urlParts struct {
	scheme    string // "https", or "" for the scp-like form
	userinfo  string
	hasUser   bool
	authority string // host[:port], without user information
	path      string // from the first '/' (scp-like: ":path")
	query     string
	hasQuery  bool
	fragment  string
	hasFrag   bool
}

// splitURL cuts a URL or scp-like address. The user information ends at
// the authority's last '@' (a password may hold a raw '@'); the authority
// ends at the first '/', '?' or '#'.
func splitURL(u string) urlParts {
	var p urlParts
	i := strings.Index(u, "://")
	if i < 0 {
		// scp-like: [userinfo@]host:path, with no query or fragment (the
		// path goes to the remote shell as it is).
		rest := u
		if at := strings.LastIndexByte(prefixBeforeSlash(u), '@'); at >= 0 {
			p.userinfo, p.hasUser, rest = u[:at], true, u[at+1:]
		}
		if c := strings.IndexByte(rest, ':'); c >= 0 {
			p.authority, p.path = rest[:c], rest[c:]
		} else {
			p.authority = rest
		}
		return p
	}
	p.scheme = u[:i]
	rest := u[i+3:]
	end := len(rest)
	if e := strings.IndexAny(rest, "/?#"); e >= 0 {
		end = e
	}
	auth := rest[:end]
	if at := strings.LastIndexByte(auth, '@'); at >= 0 {
		p.userinfo, p.hasUser, auth = auth[:at], true, auth[at+1:]
	}
	p.authority = auth
	rest = rest[end:]
	if h := strings.IndexByte(rest, '#'); h >= 0 {
		p.fragment, p.hasFrag, rest = rest[h+1:], true, rest[:h]
	}
	if q := strings.IndexByte(rest, '?'); q >= 0 {
		p.query, p.hasQuery, rest = rest[q+1:], true, rest[:q]
	}
	p.path = rest
	return p
}

// prefixBeforeSlash is s up to its first '/'.
func prefixBeforeSlash(s string) string {
	if i := strings.IndexByte(s, '/'); i >= 0 {
		return s[:i]
	}
	return s
}

// join puts the parts back together, user information as given.
func (p urlParts) join(userinfo string, withUser bool, query, fragment string) string {
	var b strings.Builder
	if p.scheme != "" {
		b.WriteString(p.scheme + "://")
	}
	if withUser {
		b.WriteString(userinfo + "@")
	}
	b.WriteString(p.authority + p.path)
	if p.hasQuery {
		b.WriteString("?" + query)
	}
	if p.hasFrag {
		b.WriteString("#" + fragment)
	}
	return b.String()
}

// credentialParam tells a query or fragment parameter that carries a
// credential: by its name (token=, access_token=, password=, X-Amz-
// Signature=, api_key=…), or a long value with no name at all.
func credentialParam(param string) bool {
	k, _, named := strings.Cut(param, "=")
	if !named {
		return len(param) >= 16
	}
	k = strings.ToLower(k)
	for _, w := range []string{"token", "secret", "pass", "pwd", "key", "auth", "sig", "cred", "session", "code", "jwt"} {
		if strings.Contains(k, w) {
			return true
		}
	}
	return false
}

// paramCheck tells credential parameters by their name (credentialParam)
// or by a token-shaped value the detector finds under any name
// ("?foo=hf_…"); the detector is built on the first parameter that needs
// it, as most URLs have no query.
type paramCheck struct{ d *detect.Detector }

func (c *paramCheck) credential(param string) bool {
	if credentialParam(param) {
		return true
	}
	if c.d == nil {
		c.d = detect.New(detect.Options{})
	}
	// Hide also finds a token glued to the "=" or to a word before it.
	return c.d.Hide(param) != param
}

// redactParams hides credential parameters of a query or fragment.
func redactParams(q string) string {
	ps := strings.Split(q, "&")
	var c paramCheck
	for i, p := range ps {
		if c.credential(p) {
			if k, _, named := strings.Cut(p, "="); named {
				ps[i] = k + "=***"
			} else {
				ps[i] = "***"
			}
		}
	}
	return strings.Join(ps, "&")
}

// hasCredentialParam tells whether a query or fragment holds a credential.
func hasCredentialParam(q string) bool {
	if q == "" {
		return false
	}
	var c paramCheck
	for _, p := range strings.Split(q, "&") {
		if c.credential(p) {
			return true
		}
	}
	return false
}

// Redact removes credentials from a URL for messages: the user
// information of a URL ("https://***@host/…"), a password in an scp-like
// address, and credential parameters of the query and fragment
// ("?token=***").
func Redact(url string) string {
	if !IsURL(url) {
		return url
	}
	p := splitURL(url)
	user := p.hasUser
	if p.scheme == "" && !strings.Contains(p.userinfo, ":") {
		user = false // "git@host:path": a login name, no secret
	}
	if !user && !hasCredentialParam(p.query) && !hasCredentialParam(p.fragment) {
		return url
	}
	if !user {
		return p.join(p.userinfo, p.hasUser, redactParams(p.query), redactParams(p.fragment))
	}
	return p.join("***", true, redactParams(p.query), redactParams(p.fragment))
}

// remote is a repository URL made ready for git: clean goes on the command
// line; the credentials go to git's credential helper through the
// environment, which other users cannot read.
type remote struct {
	raw            string
	clean          string
	user, password string
	hasCreds       bool
	host, protocol string
	secrets        []string // what scrub hides in git's messages
}

// parseRemote splits the credentials off url. Credentials git could only
// get on a command line are refused: a password in an ssh or scp-like URL
// (ssh takes none; use a key), and credentials in a query or fragment
// (git hands the whole URL to its transport helper as an argument).
func parseRemote(url string) (remote, error) {
	rm := remote{raw: url, clean: url}
	p := splitURL(url)
	if hasCredentialParam(p.query) || hasCredentialParam(p.fragment) {
		return rm, errors.New("credentials in the URL's query or fragment would be visible on git's command line; give them as user information instead (https://USER:TOKEN@host/…)")
	}
	if !p.hasUser {
		return rm, nil
	}
	scheme := strings.ToLower(p.scheme)
	switch scheme {
	case "http", "https":
	case "file":
		// A local transport sends credentials nowhere: git gets the URL
		// without them, and they are still hidden in its messages.
		rm.clean = p.join("", false, p.query, p.fragment)
		rm.secrets = secretParts(p.userinfo)
		return rm, nil
	default:
		if strings.Contains(p.userinfo, ":") {
			return rm, fmt.Errorf("a password in a %s URL would be visible on ssh's command line; use an ssh key", orSCP(p.scheme))
		}
		return rm, nil // a login name ("git@host:…") is no secret
	}
	user, pass, _ := strings.Cut(p.userinfo, ":")
	rm.user, rm.password = unescape(user), unescape(pass)
	rm.hasCreds = true
	rm.host, rm.protocol = p.authority, scheme
	rm.clean = p.join("", false, p.query, p.fragment)
	rm.secrets = secretParts(p.userinfo)
	return rm, nil
}

// secretParts lists what of a URL's user information must be hidden in
// git's messages: the whole, the name and the password, raw and decoded.
func secretParts(userinfo string) []string {
	user, pass, _ := strings.Cut(userinfo, ":")
	var out []string
	for _, s := range []string{userinfo, user, pass, unescape(user), unescape(pass)} {
		if len(s) >= 4 {
			out = append(out, s)
		}
	}
	return out
}

func orSCP(scheme string) string {
	if scheme == "" {
		return "scp-like"
	}
	return scheme + "://"
}

// unescape decodes the percent-encoding of user information, leaving
// malformed input as it is.
func unescape(s string) string {
	if d, err := neturl.PathUnescape(s); err == nil {
		return d
	}
	return s
}

// credentialHelper answers git's "get" with the credentials from the
// environment, only for the host and protocol they were given for (a
// redirect elsewhere gets nothing). printf is a shell builtin, so the
// secret is on no command line.
const credentialHelper = `!f() { test "$1" = get || exit 0; h=; p=; ` +
	`while IFS='=' read -r k v; do case "$k" in host) h=$v;; protocol) p=$v;; esac; done; ` +
	`test "$h" = "$HFWARDEN_GIT_HOST" && test "$p" = "$HFWARDEN_GIT_PROTOCOL" || exit 0; ` +
	`printf 'username=%s\npassword=%s\n' "$HFWARDEN_GIT_USERNAME" "$HFWARDEN_GIT_PASSWORD"; }; f`

// env is what git needs in its environment for this remote: never a
// prompt, and with credentials, the helper (after an empty value that
// clears the user's helpers, so that none of them stores the credentials).
func (rm remote) env() []string {
	env := []string{"GIT_TERMINAL_PROMPT=0"}
	if !rm.hasCreds {
		return env
	}
	// Add to any configuration the user passes the same way.
	n, _ := strconv.Atoi(os.Getenv("GIT_CONFIG_COUNT"))
	if n < 0 {
		n = 0
	}
	env = append(env,
		fmt.Sprintf("GIT_CONFIG_KEY_%d=credential.helper", n), fmt.Sprintf("GIT_CONFIG_VALUE_%d=", n),
		fmt.Sprintf("GIT_CONFIG_KEY_%d=credential.helper", n+1), fmt.Sprintf("GIT_CONFIG_VALUE_%d=%s", n+1, credentialHelper),
		fmt.Sprintf("GIT_CONFIG_COUNT=%d", n+2),
		"HFWARDEN_GIT_USERNAME="+rm.user, "HFWARDEN_GIT_PASSWORD="+rm.password,
		"HFWARDEN_GIT_HOST="+rm.host, "HFWARDEN_GIT_PROTOCOL="+rm.protocol)
	return env
}

// scrub removes the remote's credentials from an error git reported.
func (rm remote) scrub(err error) error {
	msg := err.Error()
	clean := strings.ReplaceAll(msg, rm.raw, Redact(rm.raw))
	for _, s := range rm.secrets {
		clean = strings.ReplaceAll(clean, s, "***")
	}
	if clean == msg {
		return err
	}
	return errors.New(clean)
}

// Staged lists the paths whose staged content differs from HEAD (added,
// copied, modified or type-changed; renames count as additions), read
// from the index with no work-tree scan.
func Staged(ctx context.Context, dir string) ([]string, error) {
	args := []string{"diff", "--cached", "--name-only", "-z", "--no-renames", "--diff-filter=ACMT"}
	if _, err := Run(ctx, dir, "rev-parse", "--verify", "-q", "HEAD"); err != nil {
		// No commit yet: compare the index with the empty tree.
		args = append(args, emptyTree(ctx, dir))
	}
	out, err := Run(ctx, dir, args...)
	if err != nil {
		return nil, err
	}
	var paths []string
	for _, p := range strings.Split(string(out), "\x00") {
		if p != "" {
			paths = append(paths, p)
		}
	}
	return paths, nil
}

// hasCommit tells whether the commit id exists in the repository.
func hasCommit(ctx context.Context, dir, id string) bool {
	_, err := Run(ctx, dir, "cat-file", "-e", id+"^{commit}")
	return err == nil
}

// emptyTree returns the id of the empty tree in the repository's hash.
func emptyTree(ctx context.Context, dir string) string {
	out, err := Run(ctx, dir, "hash-object", "-t", "tree", "/dev/null")
	if err != nil {
		return "4b825dc642cb6eb9a060e54bf8d69288fbee4904"
	}
	return strings.TrimSpace(string(out))
}

// PushObjects lists the objects a push of the pre-push hook's updates
// (lines "<local ref> <local oid> <remote ref> <remote oid>") would send:
// commits (path "") and the blobs with a path they appear at.
func PushObjects(ctx context.Context, dir string, updates io.Reader) (ids, paths []string, err error) {
	sc := bufio.NewScanner(updates)
	seen := map[string]bool{}
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) != 4 || strings.Trim(f[1], "0") == "" {
			continue // malformed, or a deletion: nothing is sent
		}
		args := []string{"rev-list", "--objects", f[1], "--not"}
		// The remote's tip may be unknown here (someone else pushed it, or
		// it was fetched and pruned): rev-list would fail on it, so fall
		// back to what the remote-tracking refs say the remotes have.
		if strings.Trim(f[3], "0") != "" && hasCommit(ctx, dir, f[3]) {
			args = append(args, f[3])
		} else {
			args = append(args, "--remotes")
		}
		out, err := Run(ctx, dir, args...)
		if err != nil {
			return nil, nil, err
		}
		for _, line := range strings.Split(string(out), "\n") {
			id, path, _ := strings.Cut(line, " ")
			if id == "" || seen[id] {
				continue
			}
			seen[id] = true
			ids = append(ids, id)
			paths = append(paths, path)
		}
	}
	return ids, paths, sc.Err()
}
