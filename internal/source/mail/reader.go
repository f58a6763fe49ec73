// Package mail reads e-mail: single messages (.eml, Maildir files) and
// mbox files, message by message and MIME part by MIME part. Each part is
// decoded by its transfer encoding and charset and handed on as an item
// whose provenance names the message (id, sender, date) and the part; the
// message's date is the item's time, which feeds an incident's exposure
// start. Attachments are items of their own, opened by the readers of
// their formats.
package mail

import (
	"context"
	"fmt"
	"io"

	"github.com/hfwarden/hfwarden/internal/source"
)

// FileReader reads mail files: every message's header and parts, then the
// file's bytes as they are, for anything the parts did not give (a
// malformed message, a part nested too deep), leaving out the secrets the
// parts gave. A mail holds attachments opened in turn: it is a container,
// under the depth limit and the budget.
func FileReader() source.Reader { return reader{} }

type reader struct{}

func (reader) Name() string                     { return "mail" }
func (reader) Container()                       {}
func (reader) Sniff(_ string, head []byte) bool { return Sniff(head) != FormatNone }

func (reader) Open(ctx context.Context, in *source.Input, h source.Host) error {
	f := Sniff(in.Head)
	if f == FormatNone {
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
	err = Read(ctx, f, io.NewSectionReader(ra, 0, size), in.Item.Prov, bounded(in.Budget, h.Visit(in.Budget, in.Depth+1)))
	h.Errors(path, err)
	// Then the bytes, for what the parts did not give.
	h.Scan(ctx, source.Bytes{Prov: in.Item.Prov, R: io.NewSectionReader(ra, 0, size), Binary: source.IsBinary(in.Head), Except: h.FoundSince(before, path), Rescan: true})
	return nil
}

// bounded is visit under b: each part's bytes through b's guard, and no
// more parts than b's limit on members (a message of a million empty
// parts stops there; the raw pass still reads its bytes).
func bounded(b *source.Budget, visit source.Visit) source.Visit {
	visit = source.GuardVisit(b, visit)
	n := 0
	return func(ctx context.Context, it source.Item, r io.Reader) error {
		if n >= b.Limits.MaxMembers {
			return fmt.Errorf("more than %d parts: the rest is not read", b.Limits.MaxMembers)
		}
		n++
		return visit(ctx, it, r)
	}
}
