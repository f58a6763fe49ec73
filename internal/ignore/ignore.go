// Package ignore decides which findings hfwarden should not report: secrets
// listed in a .hfwarden-ignore file, lines carrying an inline allow marker,
// and secrets already present in a baseline report.
//
// Ignores are keyed by the secret, never by its position. Every entry names
// the SHA-256 fingerprint of one exact secret, so moving, copying or
// re-indenting that secret keeps it ignored, while a different secret pasted
// onto an ignored line is still reported. (Position-keyed ignores such as
// Gitleaks' file:rule:line fingerprints hide a new secret on an ignored line.)
//
// # The .hfwarden-ignore file
//
// The file is UTF-8 text with one entry per line:
//
//	<fingerprint> [expires=YYYY-MM-DD] [# comment]
//
// where:
//
//   - fingerprint is the full 64-hex-digit SHA-256 fingerprint shown by
//     hfwarden (the "fingerprint" field of its JSON report). Prefixes are not
//     accepted. Upper-case hex is accepted and lower-cased on read.
//   - expires=YYYY-MM-DD is optional. The entry ignores its secret until the
//     start (00:00 UTC) of that day; from then on it ignores nothing and is
//     reported by [List.Expired] so that the CLI can warn about it.
//   - Everything after the first '#' is a comment, kept in [Entry.Comment].
//
// For example:
//
//	# Test fixture token, revoked on 2024-03-01.
//	3f0a9c2e5b7d41f8a6e0c3b9d2f1e4a7c8b5d6e9f0a1b2c3d4e5f60718293a4b
//	9B2F64C1D0E3A5B7C9D1E2F3A4B5C6D7E8F9A0B1C2D3E4F5A6B7C8D9E0F1E10C expires=2025-06-30  # demo notebook
//
// Blank lines and lines whose first non-blank character is '#' are comments.
// Any other line that does not fit the format is an error naming the file and
// line number. Errors never quote the offending text, because a common
// mistake is to paste the raw secret instead of its fingerprint.
//
// [Find] locates the file: the nearest .hfwarden-ignore in the start directory
// or its parents, stopping at the repository root (a directory holding .git).
//
// # Inline markers
//
// A finding whose line contains "hfwarden:allow" or "hfwarden:ignore" (for
// example in a trailing comment) is not reported; see [AllowedInline] and
// [LineAt].
//
// # Baselines
//
// [LoadBaseline] reads a previous hfwarden report (JSON, JSONL or SARIF) so
// that only secrets absent from it are reported.
package ignore

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/hfwarden/hfwarden/internal/safefile"
)

// FileName is the name of the ignore file that [Find] looks for.
const FileName = ".hfwarden-ignore"

// maxLineLen bounds one line of an ignore file.
const maxLineLen = 1 << 20

// Entry is one valid line of an ignore file.
type Entry struct {
	// Fingerprint is the lower-case 64-hex-digit SHA-256 fingerprint of the
	// ignored secret.
	Fingerprint string
	// Expires is 00:00 UTC on the expiry date, or the zero time when the
	// entry never expires.
	Expires time.Time
	// Comment is the text after '#' on the entry's line, trimmed; "" if none.
	Comment string
	// Line is the 1-based line number of the entry in its file.
	Line int
}

// List is a parsed ignore file. The zero value and a nil *List are empty
// lists that ignore nothing.
type List struct {
	active  map[string]struct{}
	expired []Entry
	n       int
}

// MaxFileSize bounds an ignore file (Load): past it, what is at the path
// is not one.
const MaxFileSize = 16 << 20

// MaxBaselineSize bounds a baseline (LoadBaseline): a report of about a
// hundred thousand findings fits, and parsing it peaks at a few times its
// size, within the few hundred MB a scan may take.
const MaxBaselineSize = 96 << 20

// Load reads the ignore file at path, judging expiry against time.Now.
// A missing file gives an empty list and a nil error.
func Load(path string) (*List, error) {
	// Opened without blocking: a FIFO or device in place of the ignore
	// file (a hostile repository can hold one) is refused, not waited on.
	f, err := safefile.Open(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return &List{}, nil
		}
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err // the path is already in our prefix
		}
		return nil, fmt.Errorf("ignore file %s: %w", path, err)
	}
	defer func() { _ = f.Close() }() // opened read-only: closing it loses nothing
	return Parse(path, safefile.Limit(f, MaxFileSize), time.Now())
}

// Parse reads an ignore file from r. name is used in error messages, which
// have the form "NAME:LINE: problem". Entries whose expiry date is not after
// now are kept only as expired entries (see [List.Expired]).
func Parse(name string, r io.Reader, now time.Time) (*List, error) {
	l := &List{active: make(map[string]struct{})}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 4096), maxLineLen)
	lineNo := 0
	for sc.Scan() {
		lineNo++
		text := sc.Text()
		if lineNo == 1 {
			text = strings.TrimPrefix(text, "\uFEFF")
		}
		e, ok, err := parseLine(text)
		if err != nil {
			return nil, fmt.Errorf("%s:%d: %w", name, lineNo, err)
		}
		if !ok {
			continue
		}
		e.Line = lineNo
		l.n++
		if !e.Expires.IsZero() && !now.Before(e.Expires) {
			l.expired = append(l.expired, e)
			continue
		}
		l.active[e.Fingerprint] = struct{}{}
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return nil, fmt.Errorf("%s:%d: line longer than %d bytes", name, lineNo+1, maxLineLen)
		}
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return l, nil
}

// parseLine parses one line. ok is false for blank and comment lines.
func parseLine(text string) (e Entry, ok bool, err error) {
	body, comment, hasComment := strings.Cut(text, "#")
	fields := strings.Fields(body)
	if len(fields) == 0 {
		return Entry{}, false, nil // blank or comment-only line
	}
	if hasComment {
		e.Comment = strings.TrimSpace(comment)
	}
	fp, ok := normFingerprint(fields[0])
	if !ok {
		return Entry{}, false, badFingerprint(fields[0])
	}
	e.Fingerprint = fp
	for i, f := range fields[1:] {
		val, found := strings.CutPrefix(f, "expires=")
		if !found {
			return Entry{}, false, fmt.Errorf("unexpected field %d after the fingerprint (want expires=YYYY-MM-DD or # comment)", i+1)
		}
		if !e.Expires.IsZero() {
			return Entry{}, false, errors.New("expires= given twice")
		}
		t, perr := time.Parse(time.DateOnly, val)
		if perr != nil {
			return Entry{}, false, fmt.Errorf("invalid expiry date (want expires=YYYY-MM-DD)")
		}
		e.Expires = t // time.Parse without zone gives UTC
	}
	return e, true, nil
}

// badFingerprint describes a malformed fingerprint without quoting it: the
// text may be the raw secret.
func badFingerprint(s string) error {
	if strings.HasPrefix(s, "hf_") || strings.HasPrefix(s, "api_org_") || strings.HasPrefix(s, "sk-") {
		return errors.New("looks like a raw secret, not a fingerprint: list the 64-hex-digit SHA-256 fingerprint that hfwarden reports, and rotate the secret")
	}
	if len(s) != 64 {
		return fmt.Errorf("fingerprint must be 64 hex digits, got %d characters", len(s))
	}
	return errors.New("fingerprint must be 64 hex digits, found a non-hex character")
}

// normFingerprint checks that s is 64 hex digits and returns it lower-cased.
func normFingerprint(s string) (string, bool) {
	if len(s) != 64 {
		return "", false
	}
	upper := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case '0' <= c && c <= '9', 'a' <= c && c <= 'f':
		case 'A' <= c && c <= 'F':
			upper = true
		default:
			return "", false
		}
	}
	if upper {
		s = strings.ToLower(s)
	}
	return s, true
}

// Ignored reports whether the secret with this fingerprint is ignored by an
// unexpired entry. Upper-case hex is accepted.
func (l *List) Ignored(fingerprint string) bool {
	if l == nil || len(l.active) == 0 {
		return false
	}
	if _, ok := l.active[fingerprint]; ok {
		return true
	}
	if fp, ok := normFingerprint(fingerprint); ok && fp != fingerprint {
		_, ok = l.active[fp]
		return ok
	}
	return false
}

// Expired returns the entries whose expiry date has passed, in file order.
// They ignore nothing (unless another, unexpired entry names the same
// fingerprint); the CLI should warn about them. The slice is a copy.
func (l *List) Expired() []Entry {
	if l == nil || len(l.expired) == 0 {
		return nil
	}
	return append([]Entry(nil), l.expired...)
}

// Len returns the number of entries read, expired ones included.
func (l *List) Len() int {
	if l == nil {
		return 0
	}
	return l.n
}

// Find returns the path of the nearest .hfwarden-ignore file, looking in
// startDir and then its parents. The search stops after the first directory
// that contains .git (a repository root, whose own ignore file still counts)
// or at the filesystem root. It returns "" when there is no such file. If
// startDir is a file, the search starts in its directory. The path returned is
// absolute.
func Find(startDir string) string {
	dir, err := filepath.Abs(startDir)
	if err != nil {
		return ""
	}
	if fi, err := os.Stat(dir); err == nil && !fi.IsDir() {
		dir = filepath.Dir(dir)
	}
	for {
		p := filepath.Join(dir, FileName)
		if fi, err := os.Stat(p); err == nil && !fi.IsDir() {
			return p
		}
		if _, err := os.Lstat(filepath.Join(dir, ".git")); err == nil {
			return "" // repository root: do not look outside the repository
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return ""
		}
		dir = parent
	}
}

// Inline markers accepted by AllowedInline.
var (
	markerAllow  = []byte("hfwarden:allow")
	markerIgnore = []byte("hfwarden:ignore")
)

// AllowedInline reports whether line carries an inline marker,
// "hfwarden:allow" or "hfwarden:ignore", that suppresses findings on it.
func AllowedInline(line []byte) bool {
	return bytes.Contains(line, markerAllow) || bytes.Contains(line, markerIgnore)
}

// lineWindow bounds how far LineAt looks either side of the offset.
const lineWindow = 64 << 10

// LineAt returns the line of data that contains the byte at offset, without
// its line terminator ("\n" or "\r\n"). A newline byte belongs to the line it
// ends; offset == len(data) gives the last line. To bound the work on huge
// single-line files, at most 64 KiB either side of offset is returned. The
// result aliases data. It is nil when offset is out of range.
func LineAt(data []byte, offset int) []byte {
	if offset < 0 || offset > len(data) {
		return nil
	}
	lo := max(0, offset-lineWindow)
	hi := min(len(data), offset+lineWindow)
	start := lo
	if i := bytes.LastIndexByte(data[lo:offset], '\n'); i >= 0 {
		start = lo + i + 1
	}
	end := hi
	if i := bytes.IndexByte(data[offset:hi], '\n'); i >= 0 {
		end = offset + i
	}
	if end > start && data[end-1] == '\r' && (end < len(data) && data[end] == '\n') {
		end--
	}
	return data[start:end]
}
