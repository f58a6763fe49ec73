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
}

// Progress counts work done; safe to read while a scan runs.
type Progress struct {
	Files, Bytes, Findings atomic.Int64
}

// Parsing a notebook cell by cell costs a few times its text in memory
// (the file, the decoded strings, their joins): 250 MB of printed logs
// took over a gigabyte. So only notebooks within a budget are parsed;
// past it they are scanned as raw bytes, which finds the same tokens,
// located by file line and column instead of by cell.
const (
	// maxNotebook bounds the file bytes held to parse a notebook's cells.
	maxNotebook = 128 << 20
	// maxNotebookText bounds its bytes outside image payloads (which
	// the parse skips without copying): the part that is decoded.
	maxNotebookText = 24 << 20
	// maxNotebookHits bounds the copies of chunks with findings that the
	// first, raw pass keeps for a notebook.
	maxNotebookHits = 16 << 20
)

// Scanner scans files and streams. Create one with New, and hand Scan a
// Walk for each run.
type Scanner struct {
	opt Options
	det *detect.Detector
	// nbDet scans a notebook's raw JSON: it also joins a token split
	// across the lines of a source or text array, which the JSON keeps as
	// separate strings (see detect.Options.JoinJSONArrays).
	nbDet *detect.Detector

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
	return &Scanner{opt: opt, det: detect.New(opt.Detect), nbDet: detect.New(nbOpt),
		parallelMin: parallelMin, notebookText: maxNotebookText}
}

type job struct {
	path, root string
	size       int64
	// dir is set for a directory read as one export (a Slack export).
	dir export.Format
	// image is set for a container image: a docker save or OCI layout
	// archive, or an OCI layout directory.
	image bool
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
				s.dispatch(ctx, member{it: it, head: head, r: in, size: -1}, 0, source.NewBudget(s.opt.Limits), source.NewBuffer())
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
			if imageDir(p) {
				select {
				case jobs <- job{path: p, root: root, image: true}:
				case <-ctx.Done():
					return ctx.Err()
				}
				return fs.SkipDir
			}
			if f := exportDir(p); f != export.FormatNone {
				select {
				case jobs <- job{path: p, root: root, dir: f}:
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

// sniffLen is how much of a file decides whether it is binary or a notebook.
const sniffLen = 8 << 10

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
	defer f.Close()
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
	prov := source.FileProvenance("file", j.path)
	if source.SniffContainer(j.path, h) == source.Tar {
		if k, _ := image.Probe(j.path); k != image.KindNone && s.scanImage(ctx, j.path, buf) {
			return
		} // else read as a plain tar below: nothing is lost
	}
	format := export.Sniff(j.path, h)
	if format == export.FormatJSONLines {
		prov.JSONLines = true
	} else if format != export.FormatNone || source.SniffContainer(j.path, h) != source.NotContainer {
		it := source.Item{Prov: prov, Name: filepath.Base(j.path), Size: j.size}
		b := source.NewBudget(s.opt.Limits)
		b.Input = j.size
		s.dispatch(ctx, member{it: it, head: h, r: f, ra: f, size: j.size}, 0, b, buf)
		return
	}
	det := s.det
	if source.LooksLikeNotebook(j.path, h) {
		if j.size <= 2*maxNotebook {
			// Up to twice the budget, the raw pass (cheap, bounded)
			// decides whether the cells are parsed; larger ones are raw
			// bytes at once.
			s.scanNotebook(ctx, f, h, j, source.FileProvenance("notebook", j.path), buf)
			return
		}
		det = s.nbDet
	}
	binary := isBinary(h)
	if j.size >= s.parallelMin {
		s.scanParallel(ctx, f, j.size, prov, binary, det)
		return
	}
	s.scanReader(ctx, f, prov, h, binary, buf, det)
}

// parallelMin is the size from which one file is searched on every core:
// a multi-gigabyte log is a single file.
const parallelMin = 64 << 20

// scanParallel scans a large file with its chunks searched concurrently
// by det.
func (s *Scanner) scanParallel(ctx context.Context, f *os.File, size int64, prov source.Provenance, binary bool, det *detect.Detector) {
	err := source.ReadChunksParallel(ctx, f, size, prov, binary, !binary, runtime.GOMAXPROCS(0),
		func(b []byte) ([]detect.Match, bool) {
			ms := det.Detect(b)
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
	var total int64
	err := source.ReadChunks(ctx, r, head, prov, binary, true, buf, func(c source.Chunk) error {
		total = max(total, c.Offset+int64(len(c.Data)))
		s.scanChunk(c, det.Detect(c.Data))
		return nil
	})
	s.addBytes(total)
	if err != nil && !errors.Is(err, context.Canceled) {
		s.fail("%s: %v", prov.Path, err)
	}
}

// scanNotebook scans a notebook's raw bytes first (fast, and it finds every
// token a notebook holds); only when that finds something, or a token start
// cut short by a quote, are the cells parsed to locate findings by cell and
// output and to join literals that the JSON separates.
func (s *Scanner) scanNotebook(ctx context.Context, f *os.File, head []byte, j job, prov source.Provenance, buf *source.Buffer) {
	type hit struct {
		c  source.Chunk
		ms []detect.Match
	}
	var raw []hit
	hinted := false
	var total, text, kept int64
	var skipper source.ImageSkipper
	// No line numbers in this pass: its findings are reported only if the
	// notebook turns out malformed, and then the file is read again whole.
	err := source.ReadChunks(ctx, f, head, prov, false, false, buf, func(c source.Chunk) error {
		total = max(total, c.Offset+int64(len(c.Data)))
		// Image payloads are most of the bytes and are skipped by the
		// cell-by-cell reading anyway: do not scan them here either.
		var ms []detect.Match
		skipper = skipper.Segments(c.Data, c.Next, func(start, end int) {
			text += int64(max(0, min(end, c.Next)-start)) // each byte once: chunks overlap
			seg, hint := s.nbDet.DetectHint(c.Data[start:end])
			hinted = hinted || hint
			for _, m := range seg {
				m.Start, m.End = m.Start+start, m.End+start
				for i := range m.Parts {
					m.Parts[i].Start += start
					m.Parts[i].End += start
				}
				ms = append(ms, m)
			}
		})
		if len(ms) > 0 {
			kept += int64(len(c.Data))
			if kept <= maxNotebookHits { // past it, the raw rescan below reports them
				c.Data = slices.Clone(c.Data)
				raw = append(raw, hit{c, ms})
			}
		}
		return nil
	})
	s.addBytes(total)
	if err != nil {
		s.fail("%s: %v", j.path, err)
		return
	}
	if len(raw) == 0 && !hinted {
		return
	}
	if total > maxNotebook || text > s.notebookText || kept > maxNotebookHits {
		// Past the budget: the file again as raw bytes, with lines.
		s.warn("%s: notebook of %d MB (%d MB of text, past the %d MB parsed cell by cell): scanned as raw bytes, findings located by line",
			j.path, total>>20, text>>20, s.notebookText>>20)
		if _, err := f.Seek(0, io.SeekStart); err != nil {
			s.fail("%s: %v", j.path, err)
			return
		}
		s.rescanRaw(ctx, f, prov, buf)
		return
	}
	// fallback reports the raw findings when the cells cannot be read:
	// from the whole file (with lines) if it could be read again, else by
	// byte offset.
	fallback := func(why error, data []byte) {
		s.warn("%s: %v; scanned as raw JSON", j.path, why)
		if data != nil {
			s.scanChunk(source.Chunk{Data: data, Prov: prov, Line: 1}, s.nbDet.Detect(data))
			return
		}
		for _, h := range raw {
			h.c.Binary = true // no line numbers were counted
			s.scanChunk(h.c, h.ms)
		}
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		fallback(err, nil)
		return
	}
	data, err := readSized(f, total)
	if err != nil {
		fallback(err, nil)
		return
	}
	var cells []hit
	err = source.Notebook(j.path, data, func(c source.Chunk) error {
		if ms := s.det.Detect(c.Data); len(ms) > 0 {
			cells = append(cells, hit{c, ms})
		}
		return nil
	})
	if err != nil {
		fallback(err, data)
		return
	}
	for _, h := range cells {
		s.scanChunk(h.c, h.ms)
	}
}

// rescanRaw scans a notebook's raw bytes r as text with lines, its bytes
// already counted by an earlier pass.
func (s *Scanner) rescanRaw(ctx context.Context, r io.Reader, prov source.Provenance, buf *source.Buffer) {
	err := source.ReadChunks(ctx, r, nil, prov, false, true, buf, func(c source.Chunk) error {
		s.scanChunk(c, s.nbDet.Detect(c.Data))
		return nil
	})
	if err != nil && !errors.Is(err, context.Canceled) {
		s.fail("%s: %v", prov.Path, err)
	}
}

// readSized reads r whole into one buffer sized for the size bytes
// expected, so that a large notebook is not held twice while io.ReadAll
// grows its buffer; it reads no more than twice maxNotebook.
func readSized(r io.Reader, size int64) ([]byte, error) {
	b := bytes.NewBuffer(make([]byte, 0, min(size, 2*maxNotebook)+bytes.MinRead))
	_, err := b.ReadFrom(io.LimitReader(r, 2*maxNotebook))
	return b.Bytes(), err
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
}

func newLineCounter(c source.Chunk) lineCounter {
	return lineCounter{data: c.Data, line: c.Line, lineStart: c.LineStart, start: c.LineStart}
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
	return lc.line, off - lc.lineStart + 1
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

// exportDir tells whether a directory is an unpacked Slack export, which
// is read channel by channel with users and times rather than file by file.
// One stat per directory keeps the common case cheap.
func exportDir(dir string) export.Format {
	for _, marker := range []string{"channels.json", "users.json"} {
		if _, err := os.Stat(filepath.Join(dir, marker)); err == nil {
			if f := export.SniffFS(os.DirFS(dir)); f == export.FormatSlack {
				return f
			}
			return export.FormatNone
		}
	}
	return export.FormatNone
}

// scanExportDir reads a directory that holds one export.
func (s *Scanner) scanExportDir(ctx context.Context, j job, buf *source.Buffer) {
	s.countFile()
	b := source.NewBudget(s.opt.Limits)
	prov := source.FileProvenance("file", j.path)
	before := s.mark()
	err := export.ReadFS(ctx, j.dir, os.DirFS(j.path), prov, s.guardedVisitor(b, 1, buf))
	s.containerErrors(j.path, err)
	s.rescanMembers(ctx, os.DirFS(j.path), prov, before, b, buf)
}

// imageDir tells whether a directory is an OCI image layout (or an
// unpacked docker save), read as one image rather than file by file.
func imageDir(dir string) bool {
	for _, marker := range []string{"oci-layout", "manifest.json"} {
		if _, err := os.Stat(filepath.Join(dir, marker)); err == nil {
			k, _ := image.Probe(dir)
			return k != image.KindNone
		}
	}
	return false
}

// scanImage scans every image of a docker save or OCI layout archive or
// directory: every file of every layer, deleted ones included, and the
// image configuration.
// It says false, having recorded why, when path cannot be opened as an
// image: the caller then reads it as a plain archive or directory.
func (s *Scanner) scanImage(ctx context.Context, path string, buf *source.Buffer) bool {
	imgs, err := image.Open(ctx, path)
	if err != nil {
		s.fail("%s: %v; read as plain files instead", path, err)
		return false
	}
	var input int64
	if fi, err := os.Stat(path); err == nil && !fi.IsDir() {
		input = fi.Size()
	}
	s.readImages(ctx, imgs, source.FileProvenance("image", path), input, buf)
	return true
}

// readImages scans images; when there are several, each one's name is a
// step of the path.
func (s *Scanner) readImages(ctx context.Context, imgs []image.Named, prov source.Provenance, input int64, buf *source.Buffer) {
	for _, img := range imgs {
		p := prov
		if len(imgs) > 1 {
			p = prov.With("image", img.Name)
		}
		// Layers are read through the guard too: one bounded budget per
		// image, its ratio against the archive's size when it is a file.
		b := source.NewBudget(s.opt.Limits)
		b.Input = input
		before := s.mark()
		if err := image.Read(ctx, img, p, s.guardedVisitor(b, 1, buf)); err != nil {
			s.containerErrors(p.Path, err)
		}
		// The whole configuration too, for what Read does not name
		// (Healthcheck, OnBuild, whatever a builder adds).
		if raw, err := img.Image.RawConfigFile(); err == nil {
			cp := p.With("image-config", "config.json").Attr("image", img.Name)
			s.scanRawExcept(ctx, bytes.NewReader(raw), cp, s.foundSince(before, p.Path), buf)
		}
	}
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
	switch {
	case j.image:
		if s.scanImage(ctx, j.path, buf) {
			s.countFile()
		} else {
			s.scanDirHere(ctx, j.path, buf) // not an image after all
		}
	case j.dir != export.FormatNone:
		s.scanExportDir(ctx, j, buf)
	default:
		s.scanFile(ctx, j, buf)
	}
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
