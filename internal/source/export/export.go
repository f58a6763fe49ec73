// Package export reads chat and ticket exports and CI log archives offline:
// Slack exports, Mattermost bulk exports, Jira JSON and XML exports, GitHub
// issue and pull-request comment exports and GitHub Actions log archives.
// It also names the field of a JSON-lines log line that holds a finding.
//
// Readers turn an export into source.Items handed to a source.Visit: one
// text item per message, comment or field, with the provenance the export
// knows (channel, issue, author, time). Exports are streamed: memory stays
// bounded by the largest single message, issue or line, never by the file.
package export

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"strings"

	"github.com/hfwarden/hfwarden/internal/source"
)

// Format is a kind of export.
type Format int

// The formats this package knows.
const (
	FormatNone Format = iota
	FormatSlack
	FormatMattermost
	FormatJiraJSON
	FormatJiraXML
	FormatGitHubComments
	FormatActionsLogs
	FormatJSONLines
)

// String returns the format's short name, as shown in messages.
func (f Format) String() string {
	switch f {
	case FormatNone:
		return "none"
	case FormatSlack:
		return "slack"
	case FormatMattermost:
		return "mattermost"
	case FormatJiraJSON:
		return "jira-json"
	case FormatJiraXML:
		return "jira-xml"
	case FormatGitHubComments:
		return "github-comments"
	case FormatActionsLogs:
		return "actions-logs"
	case FormatJSONLines:
		return "jsonl"
	}
	return fmt.Sprintf("Format(%d)", int(f))
}

// MaxValue bounds the bytes of one JSON value held in memory at a time (a
// Slack message, a Jira issue, a GitHub comment) and of one JSON-lines
// line: a larger one is reported and, where the format allows, skipped.
const MaxValue = 64 << 20

// ReadFS reads a Slack export or an Actions log archive from fsys (a
// directory, or a zip through *zip.Reader). Problems confined to one file
// (a day file that is not valid JSON) are returned joined as
// *source.MemberErrors after the rest has been read; an error that the
// visit returns, other than a *source.MemberError, stops the read. As with
// Read, an error that stops the read does not name prov.Path.
func ReadFS(ctx context.Context, f Format, fsys fs.FS, prov source.Provenance, visit source.Visit) error {
	switch f {
	case FormatSlack:
		return readSlack(ctx, fsys, prov, visit)
	case FormatActionsLogs:
		return readActions(ctx, fsys, prov, visit)
	}
	return fmt.Errorf("%s is not read from a directory or archive", f)
}

// Read reads a single-file export (Mattermost, Jira JSON, Jira XML, GitHub
// comments) from r. Invalid JSON or XML stops the read with an error that
// says where; what came before has been visited. Problems confined to one
// line or element are returned joined as *source.MemberErrors after the
// rest has been read. JSON-lines logs are not read here: they are scanned
// as raw bytes, and JSONField names the field of a finding.
//
// Errors that stop the read do not name prov.Path: the caller reports
// them against the file it gave, and would otherwise name it twice.
func Read(ctx context.Context, f Format, r io.Reader, prov source.Provenance, visit source.Visit) error {
	switch f {
	case FormatMattermost:
		return readMattermost(ctx, r, prov, visit)
	case FormatJiraJSON:
		return readJiraJSON(ctx, r, prov, visit)
	case FormatJiraXML:
		return readJiraXML(ctx, r, prov, visit)
	case FormatGitHubComments:
		return readGitHub(ctx, r, prov, visit)
	}
	return fmt.Errorf("%s is not read as a single file", f)
}

// emitter hands items to a visit and keeps the errors confined to one
// member apart from those that stop the read.
type emitter struct {
	visit source.Visit
	errs  []error
}

// text visits s as a text item; empty text is skipped.
func (e *emitter) text(ctx context.Context, p source.Provenance, name, s string) error {
	if strings.TrimSpace(s) == "" {
		return nil
	}
	it := source.Item{Prov: p, Name: name, Size: int64(len(s)), Text: true}
	return e.item(ctx, it, strings.NewReader(s))
}

// item visits one item. A *source.MemberError from the visit has been
// recorded by whoever made it, and the read goes on; any other error stops
// it.
func (e *emitter) item(ctx context.Context, it source.Item, r io.Reader) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	err := e.visit(ctx, it, r)
	var me *source.MemberError
	if errors.As(err, &me) {
		return nil
	}
	return err
}

// member records an error confined to one member.
func (e *emitter) member(path string, err error) {
	e.errs = append(e.errs, &source.MemberError{Path: path, Err: err})
}

// done returns the read's result: err if it stopped the read, joined with
// the member errors recorded before.
func (e *emitter) done(err error) error {
	if err != nil {
		return errors.Join(append(e.errs, err)...)
	}
	return errors.Join(e.errs...)
}
