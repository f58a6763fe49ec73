// Package pin records the exact contents of Hugging Face repositories
// (commit and every file's blob id, LFS sha256 and size) as integrity pins,
// keeps them in a reviewable lock file, and compares them with the Hub.
package pin

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"time"

	"github.com/hfwarden/hfwarden/internal/hub"
	"github.com/hfwarden/hfwarden/internal/safefile"
)

// LockVersion is the format version written to hfwarden.lock.
const LockVersion = 1

// File is one file of a pinned revision.
type File struct {
	Path      string `json:"path"`
	BlobID    string `json:"oid"`
	LFSSHA256 string `json:"lfs_sha256,omitempty"`
	Size      int64  `json:"size"`
}

// Manifest pins one repository at one commit.
type Manifest struct {
	Repo     string    `json:"repo"`
	Type     string    `json:"type"`     // model, dataset or space
	Revision string    `json:"revision"` // the branch pinned, e.g. main
	Commit   string    `json:"commit"`
	PinnedAt time.Time `json:"pinned_at"`
	Files    []File    `json:"files"`
}

// Lock is the hfwarden.lock file: manifests sorted by type and repo, files
// by path, written as stable diff-friendly JSON.
type Lock struct {
	Version int        `json:"version"`
	Pins    []Manifest `json:"pins"`
}

// MaxLockSize bounds a lock file: a pin lists its repository's files, and
// a hundred thousand files take some 20 MB.
const MaxLockSize = 64 << 20

// ReadLock reads a lock file. A missing file is an empty Lock; a malformed
// one is an error naming the file.
func ReadLock(path string) (*Lock, error) {
	b, err := safefile.ReadLimit(path, MaxLockSize)
	if errors.Is(err, fs.ErrNotExist) {
		return &Lock{Version: LockVersion}, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading lock %s: %w", path, err)
	}
	var l Lock
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&l); err != nil {
		return nil, fmt.Errorf("reading lock %s: malformed JSON: %w", path, err)
	}
	if dec.More() {
		return nil, fmt.Errorf("reading lock %s: malformed JSON: trailing data", path)
	}
	if l.Version != LockVersion {
		return nil, fmt.Errorf("reading lock %s: unsupported version %d (want %d)", path, l.Version, LockVersion)
	}
	for i, m := range l.Pins {
		if err := m.validate(); err != nil {
			return nil, fmt.Errorf("reading lock %s: pin %d: %w", path, i+1, err)
		}
	}
	l.sort()
	return &l, nil
}

// validate checks what a pin needs to be compared with the Hub.
func (m *Manifest) validate() error {
	if m.Repo == "" {
		return errors.New("no repo")
	}
	switch m.Type {
	case hub.RepoModel, hub.RepoDataset, hub.RepoSpace:
	default:
		return fmt.Errorf("%s: bad type %q (want model, dataset or space)", m.Repo, m.Type)
	}
	if m.Commit == "" {
		return fmt.Errorf("%s: no commit", m.Repo)
	}
	for _, f := range m.Files {
		if f.Path == "" || f.BlobID == "" {
			return fmt.Errorf("%s: file entry without path or oid", m.Repo)
		}
	}
	return nil
}

// Write writes the lock atomically: to a temporary file in the same
// directory, then renamed over path.
func (l *Lock) Write(path string) error {
	l.Version = LockVersion
	l.sort()
	if l.Pins == nil {
		l.Pins = []Manifest{}
	}
	b, err := json.MarshalIndent(l, "", "  ")
	if err != nil {
		return fmt.Errorf("encoding lock: %w", err)
	}
	b = append(b, '\n')
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return fmt.Errorf("writing lock %s: %w", path, err)
	}
	defer func() { _ = os.Remove(tmp.Name()) }() // fails (nothing there) after the rename, as it should
	// CreateTemp makes the file private; the lock is meant to be committed
	// and reviewed, so it gets the usual mode of a source file.
	if err := tmp.Chmod(0o644); err != nil {
		_ = tmp.Close() // the write error is the one to report; the file is removed
		return fmt.Errorf("writing lock %s: %w", path, err)
	}
	if _, err := tmp.Write(b); err != nil {
		_ = tmp.Close() // the write error is the one to report; the file is removed
		return fmt.Errorf("writing lock %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("writing lock %s: %w", path, err)
	}
	// A rename replaces whatever is at path: a link (its target stays
	// as it was, the link is lost), a device. Only a file is replaced.
	if err := safefile.CheckTarget(path); err != nil {
		return fmt.Errorf("writing lock: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("writing lock %s: %w", path, err)
	}
	return nil
}

// Put adds m, replacing the pin of the same type and repository.
func (l *Lock) Put(m Manifest) {
	m.sortFiles()
	for i := range l.Pins {
		if l.Pins[i].Type == m.Type && l.Pins[i].Repo == m.Repo {
			l.Pins[i] = m
			return
		}
	}
	l.Pins = append(l.Pins, m)
	l.sort()
}

// Get returns the pin of a type and repository.
func (l *Lock) Get(typ, repo string) (*Manifest, bool) {
	for i := range l.Pins {
		if l.Pins[i].Type == typ && l.Pins[i].Repo == repo {
			return &l.Pins[i], true
		}
	}
	return nil, false
}

func (l *Lock) sort() {
	slices.SortFunc(l.Pins, func(a, b Manifest) int {
		return cmp.Or(cmp.Compare(a.Type, b.Type), cmp.Compare(a.Repo, b.Repo))
	})
	for i := range l.Pins {
		l.Pins[i].sortFiles()
	}
}

func (m *Manifest) sortFiles() {
	slices.SortFunc(m.Files, func(a, b File) int { return cmp.Compare(a.Path, b.Path) })
}

// Snapshot reads a repository's current manifest from the Hub at rev
// ("" is main): the commit the revision resolves to, then every file of
// that commit from the recursive tree listing. Listing the resolved commit,
// not the branch, keeps the two consistent if someone pushes meanwhile.
func Snapshot(ctx context.Context, c *hub.Client, token, typ, repo, rev string) (*Manifest, error) {
	if typ == "" {
		typ = hub.RepoModel
	}
	if rev == "" {
		rev = "main"
	}
	info, err := c.RepoInfo(ctx, token, typ, repo, rev)
	if err != nil {
		return nil, fmt.Errorf("reading %s %s at %s: %w", typ, repo, rev, err)
	}
	if info.SHA == "" {
		return nil, fmt.Errorf("reading %s %s at %s: the Hub gave no commit", typ, repo, rev)
	}
	entries, err := c.Tree(ctx, token, typ, repo, info.SHA, "")
	if err != nil {
		return nil, fmt.Errorf("listing files of %s %s at %s: %w", typ, repo, info.SHA, err)
	}
	m := &Manifest{Repo: repo, Type: typ, Revision: rev, Commit: info.SHA, PinnedAt: time.Now().UTC().Truncate(time.Second), Files: []File{}}
	for _, e := range entries {
		if e.Type != "file" {
			continue
		}
		f := File{Path: e.Path, BlobID: e.OID, Size: e.Size}
		if e.LFS != nil {
			f.LFSSHA256 = e.LFS.OID
			if e.LFS.Size > 0 {
				f.Size = e.LFS.Size
			}
		}
		m.Files = append(m.Files, f)
	}
	m.sortFiles()
	return m, nil
}

// Diff kinds.
const (
	Added         = "added"
	Removed       = "removed"
	Modified      = "modified"
	CommitChanged = "commit-changed"
)

// Diff is one difference between a pin and the Hub now. Want and Got are
// commits for commit-changed, otherwise the LFS sha256 when the file has
// one (the content's own hash), else the git blob id.
type Diff struct {
	Kind string `json:"kind"`
	Path string `json:"path,omitempty"`
	Want string `json:"want,omitempty"`
	Got  string `json:"got,omitempty"`
}

// Compare lists the differences between a pin and a current manifest: the
// commit first if it moved, then files sorted by path. It is empty when
// the two are identical. A changed size alone counts as modified.
func Compare(pinned, now *Manifest) []Diff {
	var out []Diff
	if pinned.Commit != now.Commit {
		out = append(out, Diff{Kind: CommitChanged, Want: pinned.Commit, Got: now.Commit})
	}
	want := make(map[string]File, len(pinned.Files))
	for _, f := range pinned.Files {
		want[f.Path] = f
	}
	got := make(map[string]File, len(now.Files))
	for _, f := range now.Files {
		got[f.Path] = f
	}
	var files []Diff
	for p, w := range want {
		g, ok := got[p]
		switch {
		case !ok:
			files = append(files, Diff{Kind: Removed, Path: p, Want: id(w)})
		case w.BlobID != g.BlobID || w.LFSSHA256 != g.LFSSHA256 || w.Size != g.Size:
			files = append(files, Diff{Kind: Modified, Path: p, Want: id(w), Got: id(g)})
		}
	}
	for p, g := range got {
		if _, ok := want[p]; !ok {
			files = append(files, Diff{Kind: Added, Path: p, Got: id(g)})
		}
	}
	slices.SortFunc(files, func(a, b Diff) int { return cmp.Or(cmp.Compare(a.Path, b.Path), cmp.Compare(a.Kind, b.Kind)) })
	return append(out, files...)
}

// id names a file's content: its sha256 when LFS, else its git blob id.
func id(f File) string {
	if f.LFSSHA256 != "" {
		return f.LFSSHA256
	}
	return f.BlobID
}
