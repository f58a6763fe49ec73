// Package scan runs the detectors over sources on every core and turns
// matches into findings: located, fingerprinted, redacted, filtered by the
// ignore list and baseline.
package scan

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/bmatcuk/doublestar/v4"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/hfwarden/hfwarden/internal/detect"
	"github.com/hfwarden/hfwarden/internal/finding"
	"github.com/hfwarden/hfwarden/internal/ignore"
	"github.com/hfwarden/hfwarden/internal/safefile"
	"github.com/hfwarden/hfwarden/internal/secret"
	"github.com/hfwarden/hfwarden/internal/source"
	"github.com/hfwarden/hfwarden/internal/source/export"
	"github.com/hfwarden/hfwarden/internal/source/formats"
	"github.com/hfwarden/hfwarden/internal/source/image"
)

// Options configure a scan.
type Options struct {
	// Workers is the number of files scanned at once; 0 means one per CPU.
	Workers int
	// Exclude holds glob patterns (doublestar syntax) matched against the
	// path relative to its root and against the base name.
	Exclude []string
	// MaxFileSize skips larger files (0: no limit).
	MaxFileSize int64
	// ShowSecrets keeps raw secrets in findings.
	ShowSecrets bool
	// Ignore and Baseline suppress known secrets by fingerprint.
	Ignore   *ignore.List
	Baseline *ignore.Baseline
	// Detector options.
	Detect detect.Options
	// Progress, if set, is updated as the scan goes.
	Progress *Progress
	// Stdin is read for the path "-".
	Stdin io.Reader
	// Limits bound what opening archives and other containers may cost;
	// zero fields take source.DefaultLimits.
	Limits source.Limits
	// Formats lists the readers that open archives, images, exports,
	// notebooks; nil means formats.Default().
	Formats *source.Registry
}

// Progress counts work done; safe to read while a scan runs.
type Progress struct {
	Files, Bytes, Findings atomic.Int64
}

// maxNotebookText bounds a notebook's bytes outside image payloads
// parsed cell by cell (see source.Limits.NotebookText).
const maxNotebookText = source.DefaultNotebookText

// Scanner scans files and streams. Create one with New, and hand Scan a
// Walk for each run.
type Scanner struct {
	opt Options
	det *detect.Detector
	// nbDet scans a notebook's raw JSON: it also joins a token split
	// across the lines of a source or text array, which the JSON keeps as
	// separate strings (see detect.Options.JoinJSONArrays).
	nbDet *detect.Detector
	// formats picks the reader of every item.
	formats *source.Registry

	// parallelMin: see scanParallel; tests lower it.
	parallelMin int64
	// notebookText is maxNotebookText; tests lower it.
	notebookText int64

	// The state of one run: nil in the Scanner New returns, fresh in
	// the copy each Scan reads with (see forRun).
	*runState
}

// New returns a Scanner.
func New(opt Options) *Scanner {
	if opt.Workers <= 0 {
		opt.Workers = runtime.NumCPU()
	}
	nbOpt := opt.Detect
	nbOpt.JoinJSONArrays = true
	reg := opt.Formats
	if reg == nil {
		reg = formats.Default()
	}
	return &Scanner{opt: opt, det: detect.New(opt.Detect), nbDet: detect.New(nbOpt), formats: reg,
		parallelMin: parallelMin, notebookText: maxNotebookText}
}

type job struct {
	path, root string
	size       int64
	// dir is set for a directory read as one item (an OCI image layout,
	// a Slack export): its reader.
	dir source.DirReader
	// named is set for a file named on the command line rather than
	// met in a walk: a pseudo-file (a process's environ) is read then.
	named bool
}

// Files is the walk of paths: files, directories (walked, links inside
// them never followed), or "-" for standard input (Options.Stdin, else
// os.Stdin), which is read last. Errors reading one file are recorded in
// the stats and the scan goes on. The error Scan returns is only for a
// scan that could not go on (its context ended); the Result then holds
// what was found before, complete as far as it goes.
func Files(paths []string) Walk { return fileWalk{paths} }

// fileWalk is the walk Files returns.
type fileWalk struct{ paths []string }

func (w fileWalk) run(ctx context.Context, s *Scanner) (Result, error) {
	paths := w.paths
	start := time.Now()
	jobs := make(chan job, 256)
	var wg sync.WaitGroup
	for i := 0; i < s.opt.Workers; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			buf := source.NewBuffer()
			for j := range jobs {
				if ctx.Err() != nil {
					continue
				}
				s.runJob(ctx, j, buf)
			}
		}()
	}
	var walkErr error
	for _, p := range paths {
		if p == "-" {
			continue
		}
		if err := s.walk(ctx, p, jobs, true); err != nil {
			walkErr = err
			break
		}
	}
	close(jobs)
	wg.Wait()
	if slices.Contains(paths, "-") && walkErr == nil {
		in := s.opt.Stdin
		if in == nil {
			in = os.Stdin
		}
		// Standard input may be an archive or an export too (curl … | hfwarden scan -).
		if head, err := readHead(in); err != nil {
			s.fail("-: %v", err)
		} else {
			it := source.Item{Prov: source.FileProvenance("stdin", "-"), Name: "-", Size: -1}
			func() {
				defer s.recoverItem("-")
				s.dispatch(ctx, &source.Input{Item: it, Head: head, R: in, Budget: source.NewBudget(s.limits())}, source.NewBuffer())
			}()
		}
		s.countFile()
	}
	if walkErr == nil {
		walkErr = ctx.Err()
	}
	return s.result(start), walkErr
}

func sortFindings(fs []finding.Finding) {
	slices.SortStableFunc(fs, func(a, b finding.Finding) int {
		if c := strings.Compare(a.Location.Path, b.Location.Path); c != 0 {
			return c
		}
		for _, d := range [][2]int{
			{deref(a.Location.Cell), deref(b.Location.Cell)},
			{deref(a.Location.Output), deref(b.Location.Output)},
			{a.Location.Line, b.Location.Line},
			{a.Location.Column, b.Location.Column},
			{int(a.Location.Offset), int(b.Location.Offset)},
		} {
			if d[0] != d[1] {
				return d[0] - d[1]
			}
		}
		return strings.Compare(a.Rule, b.Rule)
	})
}

func deref(p *int) int {
	if p == nil {
		return -1
	}
	return *p
}

func (s *Scanner) fail(format string, args ...any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stats.Errors++
	if len(s.stats.ErrorList) < 1000 {
		s.stats.ErrorList = append(s.stats.ErrorList, fmt.Sprintf(format, args...))
	}
}

// recoverItem turns a panic while reading one input (a reader's bug met
// by hostile bytes) into an error of that input: the run goes on, and no
// stack trace reaches the user. Deferred around each item.
func (s *Scanner) recoverItem(path string) {
	if r := recover(); r != nil {
		s.fail("%s: internal error while reading (the rest of this input was not scanned; please report it): %v", path, r)
	}
}

func (s *Scanner) warn(format string, args ...any) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.stats.Warnings) < 1000 {
		s.stats.Warnings = append(s.stats.Warnings, fmt.Sprintf(format, args...))
	}
}

// countFile counts one more item read: a file, an object, a member
// read as one, an image.
func (s *Scanner) countFile() {
	s.mu.Lock()
	s.stats.Files++
	s.mu.Unlock()
}

func (s *Scanner) skip() {
	s.mu.Lock()
	s.stats.Skipped++
	s.mu.Unlock()
}

// walk sends every regular file under root to jobs. Symbolic links are
// never followed: a link's target is scanned only where the walk reaches
// it on its own, so nothing outside the root is read.
//
// A directory that holds an image or an export is sent whole, as one job,
// unless it is the root and rootWhole is false (it was one, and could not
// be read as such).
func (s *Scanner) walk(ctx context.Context, root string, jobs chan<- job, rootWhole bool) error {
	info, err := os.Stat(root)
	if err != nil {
		s.fail("%s: %v", root, unwrapPath(err))
		return nil
	}
	if !info.IsDir() {
		if !info.Mode().IsRegular() {
			s.fail("%s: not a regular file", root)
			return nil
		}
		select {
		case jobs <- job{path: root, root: filepath.Dir(root), size: info.Size(), named: true}:
		case <-ctx.Done():
			return ctx.Err()
		}
		return nil
	}
	walkRoot := root
	if li, err := os.Lstat(root); err == nil && li.Mode()&fs.ModeSymlink != 0 && !strings.HasSuffix(root, string(filepath.Separator)) {
		// A link to a directory named on the command line (/proc/self,
		// a checkout linked into place) is the user's choice of what
		// to scan: walked, where links met inside are not. WalkDir
		// does not follow its root, but does follow "root/".
		walkRoot = root + string(filepath.Separator)
	}
	return filepath.WalkDir(walkRoot, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			s.fail("%s: %v", p, unwrapPath(err))
			if d != nil && d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		rel, _ := filepath.Rel(root, p)
		if d.IsDir() {
			if p != walkRoot && (d.Name() == ".git" || s.excluded(rel, d.Name())) {
				return fs.SkipDir
			}
			if safefile.PseudoDir(p) {
				// /proc, /sys: no files, sizes that lie, reads that never end.
				s.warn("%s: a kernel pseudo-filesystem (/proc, /sys): nothing under it was scanned; name a file in it (such as /proc/PID/environ) to read that file", filepath.Clean(p))
				s.skip()
				return fs.SkipDir
			}
			if p == walkRoot && !rootWhole {
				return nil
			}
			if dr := s.formats.SniffDir(p); dr != nil {
				select {
				case jobs <- job{path: p, root: root, dir: dr}:
				case <-ctx.Done():
					return ctx.Err()
				}
				return fs.SkipDir
			}
			return nil
		}
		if !d.Type().IsRegular() || s.excluded(rel, d.Name()) {
			s.skip()
			return nil
		}
		info, err := d.Info()
		if err != nil {
			s.fail("%s: %v", p, unwrapPath(err))
			return nil
		}
		select {
		case jobs <- job{path: p, root: root, size: info.Size()}:
		case <-ctx.Done():
			return ctx.Err()
		}
		return nil
	})
}

func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

func (s *Scanner) excluded(rel, name string) bool {
	rel = filepath.ToSlash(rel)
	for _, g := range s.opt.Exclude {
		if ok, _ := doublestar.Match(g, rel); ok {
			return true
		}
		if ok, _ := doublestar.Match(g, name); ok {
			return true
		}
	}
	return false
}

// sniffLen is how much of a file picks its reader.
const sniffLen = source.SniffLen

// scanFile reads the first bytes of the file a job names and hands it,
// read in place, to the reader the registry picks.
func (s *Scanner) scanFile(ctx context.Context, j job, buf *source.Buffer) {
	if s.opt.MaxFileSize > 0 && j.size > s.opt.MaxFileSize {
		s.skip()
		return
	}
	// Listed as a regular file is no promise: the path may be a FIFO or
	// a device by now, which must not block the scan, or a pseudo-file.
	f, err := safefile.Open(j.path)
	if errors.Is(err, safefile.ErrNotRegular) {
		s.warn("%s: %v", j.path, err)
		s.skip()
		return
	}
	if err != nil {
		s.fail("%s: %v", j.path, unwrapPath(err))
		return
	}
	defer func() { _ = f.Close() }() // opened read-only: closing it loses nothing
	if !j.named {
		if err := safefile.Pseudo(f); err != nil {
			s.warn("%s: %v", j.path, err)
			s.skip()
			return
		}
	}
	var head [sniffLen]byte
	n, err := io.ReadFull(f, head[:])
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) {
		s.fail("%s: %v", j.path, unwrapPath(err))
		return
	}
	h := head[:n]
	if s.opt.Progress != nil {
		s.opt.Progress.Files.Add(1)
	}
	s.countFile()
	it := source.Item{Prov: source.FileProvenance("file", j.path), Name: filepath.Base(j.path), Size: j.size}
	b := source.NewBudget(s.limits())
	b.Input = j.size
	s.dispatch(ctx, &source.Input{Item: it, Head: h, R: f, RA: f, Path: j.path, Budget: b}, buf)
}

// parallelMin is the size from which one file is searched on every core:
// a multi-gigabyte log is a single file.
const parallelMin = 64 << 20

// scanParallel scans a large file with its chunks searched concurrently
// by det.
func (s *Scanner) scanParallel(ctx context.Context, f io.ReaderAt, size int64, prov source.Provenance, binary bool, det *detect.Detector) {
	err := source.ReadChunksParallel(ctx, f, size, prov, binary, !binary, runtime.GOMAXPROCS(0),
		func(b []byte) ([]detect.Match, bool) {
			ms := detectIn(det, b, binary)
			return ms, len(ms) > 0
		},
		func(c source.Chunk, ms []detect.Match) error {
			s.scanChunk(c, ms)
			return nil
		})
	s.addBytes(size)
	if err != nil && !errors.Is(err, context.Canceled) {
		s.fail("%s: %v", prov.Path, err)
	}
}

// scanReader scans a stream chunk by chunk with det (s.det but for the
// raw bytes of a notebook).
func (s *Scanner) scanReader(ctx context.Context, r io.Reader, prov source.Provenance, head []byte, binary bool, buf *source.Buffer, det *detect.Detector) {
	s.scanBytes(ctx, source.Bytes{Prov: prov, Head: head, R: r, Binary: binary}, det, buf)
}

func (s *Scanner) addBytes(n int64) {
	s.mu.Lock()
	s.stats.Bytes += n
	s.mu.Unlock()
	if s.opt.Progress != nil {
		s.opt.Progress.Bytes.Add(n)
	}
}

// scanChunk turns the matches of one chunk into findings.
func (s *Scanner) scanChunk(c source.Chunk, ms []detect.Match) {
	if len(ms) == 0 {
		return
	}
	var out []finding.Finding
	ignored := 0
	lc := newLineCounter(c)
	for _, m := range ms {
		if m.Start < c.Skip || (c.Limit > 0 && m.Start >= c.Limit) {
			continue // the previous or the next chunk reports it
		}
		fp := secret.Fingerprint(m.Secret)
		if s.opt.Ignore.Ignored(fp) || s.opt.Baseline.Contains(fp) || (!c.Binary && ignore.AllowedInline(ignore.LineAt(c.Data, m.Start))) {
			ignored++
			continue
		}
		rule, _ := detect.Rule(m.Rule)
		f := finding.Finding{
			Rule:        m.Rule,
			Description: rule.Description,
			Linked:      rule.Linked,
			Fingerprint: fp,
			Redacted:    secret.Redact(m.Secret),
			Confidence:  string(m.Confidence),
			Encodings:   m.Encodings,
			Source:      c.Prov.Kind,
			Location:    s.location(c, &lc, m.Start),
			Split:       len(m.Parts) > 1,
		}
		if enc := c.Prov.Encoding; enc != "" {
			// Text decoded from UTF-16 (say) is the outermost layer.
			f.Encodings = append([]string{enc}, f.Encodings...)
		}
		if f.Encodings == nil {
			f.Encodings = []string{}
		}
		if t := c.Prov.Time; finding.KnownTime(t) {
			t = t.UTC()
			f.Time = &t
		}
		f.Author = c.Prov.Author
		if c.Prov.JSONLines {
			s.nameJSONField(c.Data, m.Start, &f)
		}
		if f.Time == nil && !c.Binary {
			lineTime(c, lc.lineStart, m.Start, &f)
		}
		f.SetRawSecret(m.Secret)
		if s.opt.ShowSecrets {
			f.Secret = m.Secret
		}
		for _, p := range m.Parts {
			plc := newLineCounter(c)
			f.Parts = append(f.Parts, s.location(c, &plc, p.Start))
		}
		out = append(out, f)
	}
	if s.opt.Progress != nil {
		s.opt.Progress.Findings.Add(int64(len(out)))
	}
	s.mu.Lock()
	s.findings = append(s.findings, out...)
	s.stats.Ignored += ignored
	s.mu.Unlock()
}

func (s *Scanner) location(c source.Chunk, lc *lineCounter, off int) finding.Location {
	l := finding.Location{Path: c.Prov.Path, Offset: c.Offset + int64(off), Field: c.Prov.Field, Attrs: c.Prov.Attrs}
	if c.Prov.Cell >= 0 || len(c.Prov.Chain) > 1 {
		l.Chain = c.Prov.Chain
	}
	if c.Prov.Cell >= 0 {
		cell := c.Prov.Cell
		l.Cell = &cell
	}
	if c.Prov.Output >= 0 {
		out := c.Prov.Output
		l.Output = &out
	}
	switch {
	case c.Binary:
	case c.Prov.Line > 0:
		// Decoded bytes (a message's text): the item's line in its file.
		l.Line = c.Prov.Line
	default:
		l.Line, l.Column = lc.at(off)
	}
	return l
}

// lineTime sets f.Time from the timestamp that opens its line (a plain
// text log), for the finding at off of a line starting at lineStart (as
// the line counter found it). Only the lines of findings are parsed, and
// only their first bytes (source.LineTimeWindow): never every line.
func lineTime(c source.Chunk, lineStart, off int, f *finding.Finding) {
	// A line that began before the chunk (lineStart < 0, or an unknown
	// start in a chunk read without line numbers) has its head elsewhere.
	if lineStart < 0 || lineStart > off || (lineStart == 0 && c.Offset > 0 && (c.Line == 0 || c.LineStart != 0)) {
		return
	}
	if t, ok := source.LineTime(c.Data[lineStart:off]); ok && finding.KnownTime(t) {
		t = t.UTC()
		f.Time = &t
	}
}

// lineCounter turns increasing offsets into line and column numbers,
// counting each newline once.
type lineCounter struct {
	data      []byte
	pos, line int
	lineStart int
	// start is where the line holding data[0] starts, relative to data[0]
	// (negative when a chunk begins inside a line).
	start int
	// chars counts columns in characters (text decoded from another
	// encoding), lineChars those of data[0]'s line before data[0].
	chars     bool
	lineChars int
}

func newLineCounter(c source.Chunk) lineCounter {
	return lineCounter{data: c.Data, line: c.Line, lineStart: c.LineStart, start: c.LineStart,
		chars: c.Prov.Encoding != "", lineChars: c.LineChars}
}

func (lc *lineCounter) at(off int) (line, col int) {
	if off < lc.pos { // not increasing: start over
		lc.pos, lc.line, lc.lineStart = 0, lc.line-bytes.Count(lc.data[:lc.pos], []byte{'\n'}), lc.start
	}
	for {
		i := bytes.IndexByte(lc.data[lc.pos:off], '\n')
		if i < 0 {
			break
		}
		lc.line++
		lc.pos += i + 1
		lc.lineStart = lc.pos
	}
	lc.pos = off
	switch {
	case !lc.chars:
		return lc.line, off - lc.lineStart + 1
	case lc.lineStart < 0:
		return lc.line, lc.lineChars + source.CountChars(lc.data[:off]) + 1
	}
	return lc.line, source.CountChars(lc.data[lc.lineStart:off]) + 1
}

// nameJSONField names the field of a structured log line that holds a
// finding, and takes the line's timestamp as the time it was written.
func (s *Scanner) nameJSONField(data []byte, at int, f *finding.Finding) {
	start := bytes.LastIndexByte(data[:at], '\n') + 1
	end := bytes.IndexByte(data[at:], '\n')
	if end < 0 {
		end = len(data)
	} else {
		end += at
	}
	field, t, ok := export.JSONField(data[start:end], at-start)
	if !ok {
		return
	}
	f.Location.Field = field
	if finding.KnownTime(t) && f.Time == nil {
		t = t.UTC()
		f.Time = &t
	}
}

// readImages scans images; when there are several, each one's name is a
// step of the path.
func (s *Scanner) readImages(ctx context.Context, imgs []image.Named, prov source.Provenance, input int64, buf *source.Buffer) {
	image.ReadImages(ctx, imgs, prov, input, host{s, buf})
}

// Images is the walk of container images fetched from a registry by
// reference (opts say how to reach the registry). A reference that cannot
// be fetched is an error in the stats and the next one is fetched; the
// only error Scan returns is the context's, once it has ended, with what
// was found before.
func Images(refs []string, opts ...remote.Option) Walk { return imageWalk{refs, opts} }

// imageWalk is the walk Images returns.
type imageWalk struct {
	refs []string
	opts []remote.Option
}

func (w imageWalk) run(ctx context.Context, s *Scanner) (Result, error) {
	refs, opts := w.refs, w.opts
	return itemWalk{func(ctx context.Context, visit source.Visit) error {
		for _, ref := range refs {
			img, err := image.Remote(ctx, ref, opts...)
			if err != nil {
				s.fail("%s: %v", ref, err)
				continue
			}
			s.countFile()
			s.readImages(ctx, []image.Named{img}, source.FileProvenance("image", ref), 0, source.NewBuffer())
		}
		return nil
	}}.run(ctx, s)
}

// runJob scans what one job names.
func (s *Scanner) runJob(ctx context.Context, j job, buf *source.Buffer) {
	defer s.recoverItem(j.path)
	if j.dir != nil {
		s.scanDir(ctx, j, buf)
		return
	}
	s.scanFile(ctx, j, buf)
}

// scanDir reads a directory that is one item with its reader; one that
// declines it (not an image after all) is walked file by file.
func (s *Scanner) scanDir(ctx context.Context, j job, buf *source.Buffer) {
	in := &source.Input{Item: source.Item{Prov: source.FileProvenance("file", j.path), Name: filepath.Base(j.path), Size: -1},
		Path: j.path, Budget: source.NewBudget(s.limits())}
	err := j.dir.OpenDir(ctx, in, host{s, buf})
	if errors.Is(err, source.ErrSkip) {
		s.scanDirHere(ctx, j.path, buf)
		return
	}
	s.countFile()
	s.containerErrors(j.path, err)
}

// scanDirHere scans the files under dir on this worker: a directory that
// looked like an image but is not one.
func (s *Scanner) scanDirHere(ctx context.Context, dir string, buf *source.Buffer) {
	jobs := make(chan job)
	go func() {
		defer close(jobs)
		if err := s.walk(ctx, dir, jobs, false); err != nil && !errors.Is(err, context.Canceled) {
			s.fail("%s: %v", dir, err)
		}
	}()
	for j := range jobs {
		s.runJob(ctx, j, buf)
	}
}
