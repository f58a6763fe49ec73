package scan

import (
	"context"
	"io"
	"strings"
	"time"

	"github.com/hfwarden/hfwarden/internal/finding"
	"github.com/hfwarden/hfwarden/internal/git"
	"github.com/hfwarden/hfwarden/internal/source"
)

// Staged is the walk of the staged content of every file that the next
// commit changes in the repository at dir, reading blobs from the index:
// what is about to be committed, not what the work tree holds. It is the
// pre-commit check, and costs in proportion to the change, not to the
// repository. When listing the changes or reading their objects fails
// (the context's end included), Scan returns that error and an empty
// Result.
func Staged(dir string) Walk { return stagedWalk{dir} }

// stagedWalk is the walk Staged returns.
type stagedWalk struct{ dir string }

func (w stagedWalk) run(ctx context.Context, s *Scanner) (Result, error) {
	dir := w.dir
	start := time.Now()
	paths, err := git.Staged(ctx, dir)
	if err != nil {
		return Result{}, err
	}
	var specs, names []string
	for _, p := range paths {
		if strings.ContainsAny(p, "\n\r") {
			s.warn("%q: a path with a line break cannot be read from the index; not scanned", p)
			continue
		}
		specs = append(specs, ":"+p)
		names = append(names, p)
	}
	if err := s.scanObjects(ctx, dir, specs, names, "staged"); err != nil {
		return Result{}, err
	}
	return s.result(start), nil
}

// PrePush is the walk of what a push from the repository at dir would
// send — every new commit's message and every new blob — given the
// pre-push hook's standard input, updates. When listing or reading the
// objects fails (updates unreadable, the context's end included), Scan
// returns that error and an empty Result.
func PrePush(dir string, updates io.Reader) Walk { return pushWalk{dir, updates} }

// pushWalk is the walk PrePush returns.
type pushWalk struct {
	dir     string
	updates io.Reader
}

func (w pushWalk) run(ctx context.Context, s *Scanner) (Result, error) {
	dir := w.dir
	start := time.Now()
	ids, paths, err := git.PushObjects(ctx, dir, w.updates)
	if err != nil {
		return Result{}, err
	}
	if err := s.scanObjects(ctx, dir, ids, paths, "push"); err != nil {
		return Result{}, err
	}
	return s.result(start), nil
}

// scanObjects reads the named objects and scans blobs (located at
// names[i]) and commit messages.
func (s *Scanner) scanObjects(ctx context.Context, dir string, specs, names []string, kind string) error {
	if len(specs) == 0 {
		return nil
	}
	buf := source.NewBuffer()
	return git.AllObjects(ctx, dir, specs, func(o *git.Object) error {
		defer s.recoverItem(o.ID)
		s.countFile()
		name := names[o.Index]
		switch o.Type {
		case "blob":
			prov := source.Provenance{Kind: kind, Path: name, Cell: -1, Output: -1, Chain: []string{name}, Object: o.ID}
			if o.Data == nil {
				s.scanReader(ctx, o.Body, prov, nil, false, buf, s.det)
				return nil
			}
			s.addBytes(int64(len(o.Data)))
			head := o.Data[:min(len(o.Data), sniffLen)]
			if br, ok := s.formats.SniffBlob(name, head, false).(source.BytesReader); ok {
				br.ReadBytes(ctx, o.Data, prov, host{s, buf})
				return nil
			}
			c := source.Chunk{Data: o.Data, Prov: prov, Line: 1, Binary: source.IsBinary(head)}
			s.scanChunk(c, detectIn(s.det, o.Data, c.Binary))
		case "commit":
			c, err := git.ParseCommit(o.ID, o.Data)
			if err != nil || c.MessageOffset >= len(o.Data) {
				return nil
			}
			msg := o.Data[c.MessageOffset:]
			prov := source.Provenance{Kind: kind, Path: "commit " + o.ID[:12], Cell: -1, Output: -1, Field: fieldCommitMsg, Object: o.ID}
			before := s.count()
			s.scanChunk(source.Chunk{Data: msg, Prov: prov, Line: 1}, s.det.Detect(msg))
			s.mu.Lock()
			for i := before; i < len(s.findings); i++ {
				s.findings[i].Location.Commit = o.ID
				setCommit(&s.findings[i], c.Author.Name, c.Author.Email, c.Author.When)
			}
			s.mu.Unlock()
		}
		return nil
	})
}

// finish sorts the findings and completes the stats.
func (s *Scanner) finish(start time.Time) []finding.Finding {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.hideNames()
	sortFindings(s.findings)
	s.stats.Findings = len(s.findings)
	seen := map[string]bool{}
	for _, f := range s.findings {
		seen[f.Fingerprint] = true
	}
	s.stats.Secrets = len(seen)
	s.stats.DurationSecs = time.Since(start).Seconds()
	return s.findings
}
