// Package office reads Office Open XML documents (docx, xlsx, pptx),
// which are zips already read member by member: it gives each text the
// human place it has in the document, a paragraph, a slide, a sheet's
// cell, and joins the runs Word splits a paragraph's text into, so that
// a token typed across them is found.
package office

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"path"
	"regexp"
	"strconv"
	"strings"

	"github.com/hfwarden/hfwarden/internal/source"
)

// FS reads an Office document inside a zip: the paragraphs of a Word
// document's parts and a presentation's slides, the cells of a
// workbook's sheets, each as a text item with its place as attributes;
// every other member (embedded files, media, properties) is read as the
// zip reader would read it. The zip reader then scans every member's raw
// bytes, leaving out what was found.
func FS() source.FSReader { return fsReader{} }

type fsReader struct{}

func (fsReader) Name() string { return "office" }

// SniffFS looks for the content types every OOXML package has and the
// main part of one of the three kinds.
func (fsReader) SniffFS(fsys fs.FS) bool {
	if _, err := fs.Stat(fsys, "[Content_Types].xml"); err != nil {
		return false
	}
	for _, main := range []string{"word/document.xml", "xl/workbook.xml", "ppt/presentation.xml"} {
		if _, err := fs.Stat(fsys, main); err == nil {
			return true
		}
	}
	return false
}

var (
	// wordPart names the parts of a Word document that hold paragraphs.
	wordPart = regexp.MustCompile(`^word/(document|header[0-9]*|footer[0-9]*|footnotes|endnotes|comments)\.xml$`)
	// slidePart names a slide or its notes, with the number.
	slidePart = regexp.MustCompile(`^ppt/(slides/slide|notesSlides/notesSlide)([0-9]+)\.xml$`)
)

// OpenFS reads the document: word and slide parts paragraph by paragraph,
// the workbook's sheets cell by cell, the other members as members.
func (fsReader) OpenFS(ctx context.Context, fsys fs.FS, in *source.Input, h source.Host) error {
	d := &document{fsys: fsys, prov: in.Item.Prov, h: h, budget: in.Budget, visit: source.GuardVisit(in.Budget, h.Visit(in.Budget, in.Depth+1))}
	var members []string
	err := fs.WalkDir(fsys, ".", func(p string, e fs.DirEntry, err error) error {
		if err != nil {
			d.member(p, err)
			return nil
		}
		if e.Type().IsRegular() {
			members = append(members, p)
		}
		return ctx.Err()
	})
	if err != nil {
		return err
	}
	book, err := d.readWorkbook(ctx)
	if err != nil {
		return d.done(err)
	}
	for _, p := range members {
		if err := ctx.Err(); err != nil {
			return d.done(err)
		}
		if err := d.read(ctx, p, book); err != nil {
			return d.done(err)
		}
	}
	return d.done(d.unreferenced(ctx, book))
}

// document is one Office document being read.
type document struct {
	fsys   fs.FS
	prov   source.Provenance
	h      source.Host
	budget *source.Budget
	visit  source.Visit
	errs   []error
}

// read reads member p by its kind.
func (d *document) read(ctx context.Context, p string, book *workbook) error {
	switch {
	case wordPart.MatchString(p):
		return d.paragraphs(ctx, p, d.prov.With("office", p))
	case slidePart.MatchString(p):
		m := slidePart.FindStringSubmatch(p)
		q := d.prov.With("office", p).Attr("slide", m[2])
		if strings.HasPrefix(m[1], "notes") {
			q = q.Attr("part", "notes")
		}
		return d.paragraphs(ctx, p, q)
	case book != nil && book.sheets[p] != "":
		return d.cells(ctx, p, book)
	case book != nil && p == "xl/sharedStrings.xml":
		return nil // read with the workbook
	}
	return d.raw(ctx, p)
}

// open opens member p; a failure is the member's.
func (d *document) open(p string) (fs.File, bool) {
	f, err := d.fsys.Open(p)
	if err != nil {
		d.member(p, err)
		return nil, false
	}
	return f, true
}

// paragraphs yields the paragraphs of part p, each a text item with its
// number and the line of the part where it opens.
func (d *document) paragraphs(ctx context.Context, p string, prov source.Provenance) error {
	f, ok := d.open(p)
	if !ok {
		return nil
	}
	defer func() { _ = f.Close() }() // only read
	type place struct{ index, line int }
	b := source.Batch[place]{Host: d.h, Found: func(ctx context.Context, at place, text []byte) error {
		q := prov.Attr("paragraph", strconv.Itoa(at.index))
		q.Line = at.line
		return d.text(ctx, q, text)
	}}
	err := Paragraphs(d.budget.Guard(f, nil), func(para Paragraph) error {
		return b.Add(ctx, para.Text, place{para.Index, para.Line})
	})
	if ferr := b.Flush(ctx); err == nil {
		err = ferr
	}
	return d.partError(p, err)
}

// raw hands member p on as the zip reader would.
func (d *document) raw(ctx context.Context, p string) error {
	f, ok := d.open(p)
	if !ok {
		return nil
	}
	defer func() { _ = f.Close() }() // only read
	size := int64(-1)
	if info, err := f.Stat(); err == nil {
		size = info.Size()
	}
	return d.item(ctx, source.Item{Prov: d.prov.With("archive", p), Name: path.Base(p), Size: size}, f)
}

// text visits one text item.
func (d *document) text(ctx context.Context, prov source.Provenance, text []byte) error {
	return d.item(ctx, source.Item{Prov: prov, Name: path.Base(prov.Path), Size: int64(len(text)), Text: true}, strings.NewReader(string(text)))
}

// item visits one item: a *source.MemberError from the visit has been
// recorded by whoever made it and the read goes on; any other error
// stops it.
func (d *document) item(ctx context.Context, it source.Item, r io.Reader) error {
	err := d.visit(ctx, it, r)
	var me *source.MemberError
	if errors.As(err, &me) {
		return nil
	}
	return err
}

// partError turns an error reading part p into the part's own (the read
// goes on with the next part), but for a cancelled scan's.
func (d *document) partError(p string, err error) error {
	if err == nil || cancelled(err) {
		return err
	}
	d.member(p, err)
	return nil
}

// cancelled tells a cancelled scan's error.
func cancelled(err error) bool {
	return errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
}

// member records an error confined to member p.
func (d *document) member(p string, err error) {
	d.errs = append(d.errs, &source.MemberError{Path: d.prov.Path + "!" + p, Err: err})
}

// done returns the read's result: err if it stopped the read, joined with
// the member errors recorded before.
func (d *document) done(err error) error {
	if err != nil {
		return errors.Join(append(d.errs, err)...)
	}
	return errors.Join(d.errs...)
}
