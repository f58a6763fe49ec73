package export

import (
	"context"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/hfwarden/hfwarden/internal/source"
)

// FileReader reads single-file exports (Mattermost, Jira JSON and XML,
// GitHub comments) message by message, each finding with its place in
// the export; then the file's bytes as they are, for anything the reader
// did not reach (a field it does not read, a malformed line, the rest
// after a break), so that no token is lost. Secrets found the first way
// are not reported twice.
//
// A JSON-lines log is no export: the reader marks it (findings then name
// the JSON field that holds them) and leaves its bytes to the next
// reader.
func FileReader() source.Reader { return fileReader{} }

type fileReader struct{}

func (fileReader) Name() string                        { return "export" }
func (fileReader) Sniff(name string, head []byte) bool { return Sniff(name, head) != FormatNone }

func (fileReader) Open(ctx context.Context, in *source.Input, h source.Host) error {
	f := Sniff(in.Item.Name, in.Head)
	switch f {
	case FormatNone:
		return source.ErrSkip
	case FormatJSONLines:
		in.Item.Prov.JSONLines = true
		return source.ErrSkip
	}
	path := in.Item.Prov.Path
	ra, size, done, err := source.Spool(in)
	if err != nil {
		h.Fail("%s: %v", path, err)
		return nil
	}
	defer done()
	before := h.Mark()
	err = Read(ctx, f, io.NewSectionReader(ra, 0, size), in.Item.Prov, h.Visit(in.Budget, in.Depth+1))
	h.Errors(path, err)
	if source.Stopped(err) {
		h.Warn("%s: not a well-formed %s export: its bytes were scanned as they are", path, f)
	}
	// Then the bytes, for what the reader does not read (a field it does
	// not know, a line it could not parse, the rest after a break).
	h.Scan(ctx, source.Bytes{Prov: in.Item.Prov, R: io.NewSectionReader(ra, 0, size), Except: h.FoundSince(before, path), Rescan: true})
	return nil
}

// SlackFS reads a Slack export inside a zip: channel by channel, with
// users and times.
func SlackFS() source.FSReader { return fsReader{FormatSlack} }

// ActionsFS reads a GitHub Actions log archive: job by job and step by
// step, lines with their times.
func ActionsFS() source.FSReader { return fsReader{FormatActionsLogs} }

// fsReader reads a format made of files.
type fsReader struct{ f Format }

func (r fsReader) Name() string { return r.f.String() }

func (r fsReader) SniffFS(fsys fs.FS) bool {
	root, err := fs.ReadDir(fsys, ".")
	if err != nil {
		return false
	}
	switch r.f {
	case FormatSlack:
		return sniffSlack(fsys, root)
	case FormatActionsLogs:
		return sniffActions(fsys, root)
	}
	return false
}

func (r fsReader) OpenFS(ctx context.Context, fsys fs.FS, in *source.Input, h source.Host) error {
	return ReadFS(ctx, r.f, fsys, in.Item.Prov, source.GuardVisit(in.Budget, h.Visit(in.Budget, in.Depth+1)))
}

// SlackDir reads an unpacked Slack export, channel by channel with users
// and times rather than file by file, then every file's bytes as they
// are, leaving out what was found.
func SlackDir() source.DirReader { return slackDir{} }

type slackDir struct{}

func (slackDir) Name() string { return FormatSlack.String() }

// SniffDir looks for the export's markers first: one stat per directory
// keeps the common case cheap.
func (slackDir) SniffDir(dir string) bool {
	for _, marker := range []string{"channels.json", "users.json"} {
		if _, err := os.Stat(filepath.Join(dir, marker)); err == nil {
			return SniffFS(os.DirFS(dir)) == FormatSlack
		}
	}
	return false
}

func (slackDir) OpenDir(ctx context.Context, in *source.Input, h source.Host) error {
	fsys := os.DirFS(in.Path)
	before := h.Mark()
	err := SlackFS().OpenFS(ctx, fsys, in, h)
	h.Errors(in.Path, err)
	source.RescanFS(ctx, fsys, in.Item.Prov, h.FoundSince(before, in.Item.Prov.Path), in.Budget, h)
	return nil
}
