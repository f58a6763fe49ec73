package office

import (
	"context"
	"errors"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"

	"github.com/hfwarden/hfwarden/internal/source"
)

// workbook is what a workbook's sheets need to name their cells: the
// sheets' names by part, and the shared strings that hold a match.
type workbook struct {
	// sheets maps a worksheet part ("xl/worksheets/sheet1.xml") to the
	// sheet's name.
	sheets map[string]string
	// shared holds the text of each shared string that holds a match, by
	// index; referenced marks those a cell showed. Only strings with a
	// match are kept: a workbook's shared strings may be hundreds of
	// megabytes.
	shared     map[int][]byte
	referenced map[int]bool
}

// readWorkbook reads the names of a workbook's sheets and its shared
// strings; nil for a document that is no workbook.
func (d *document) readWorkbook(ctx context.Context) (*workbook, error) {
	if _, err := fs.Stat(d.fsys, "xl/workbook.xml"); err != nil {
		return nil, nil
	}
	book := &workbook{sheets: map[string]string{}, shared: map[int][]byte{}, referenced: map[int]bool{}}
	d.sheetNames(book)
	if _, err := fs.Stat(d.fsys, "xl/sharedStrings.xml"); errors.Is(err, fs.ErrNotExist) {
		// A workbook of numbers and inline strings has none (XlsxWriter
		// leaves the part out): nothing to read, nothing amiss.
		return book, nil
	}
	f, ok := d.open("xl/sharedStrings.xml")
	if !ok {
		return book, nil // the failure is recorded against the part
	}
	defer func() { _ = f.Close() }() // only read
	b := source.Batch[int]{Host: d.h, Found: func(_ context.Context, i int, text []byte) error {
		book.shared[i] = append([]byte(nil), text...)
		return nil
	}}
	err := SharedStrings(d.budget.Guard(f, nil), func(i int, text []byte) error { return b.Add(ctx, text, i) })
	if ferr := b.Flush(ctx); err == nil {
		err = ferr
	}
	return book, d.partError("xl/sharedStrings.xml", err)
}

// sheetNames fills book.sheets from xl/workbook.xml and its
// relationships; a sheet whose part they do not say is sheetN.xml, N its
// place in the workbook.
func (d *document) sheetNames(book *workbook) {
	var sheets []sheet
	if f, ok := d.open("xl/workbook.xml"); ok {
		var err error
		sheets, err = workbookSheets(d.budget.Guard(f, nil))
		_ = f.Close() // only read
		if err != nil {
			d.member("xl/workbook.xml", err)
		}
	}
	rels := map[string]string{}
	if f, err := d.fsys.Open("xl/_rels/workbook.xml.rels"); err == nil {
		rels, err = relationships(d.budget.Guard(f, nil))
		_ = f.Close() // only read
		if err != nil {
			d.member("xl/_rels/workbook.xml.rels", err)
		}
	}
	for i, s := range sheets {
		part := "xl/worksheets/sheet" + strconv.Itoa(i+1) + ".xml"
		if t := rels[s.rel]; t != "" {
			if strings.HasPrefix(t, "/") {
				part = strings.TrimPrefix(t, "/")
			} else {
				part = path.Join("xl", t)
			}
		}
		book.sheets[part] = s.name
	}
}

// cellPlace is a cell of a sheet, for a batch.
type cellPlace struct {
	ref  string
	line int
	// formula marks a formula's text, not the cell's value.
	formula bool
}

// cells yields the text of sheet part p's cells: a shared string with a
// match, an inline string, a formula and its text result, each a text
// item "Sheet1!B7".
func (d *document) cells(ctx context.Context, p string, book *workbook) error {
	f, ok := d.open(p)
	if !ok {
		return nil
	}
	defer func() { _ = f.Close() }() // only read
	name := book.sheets[p]
	prov := d.prov.With("office", p).Attr("sheet", name)
	at := func(c cellPlace) source.Provenance {
		q := prov.Attr("cell", name+"!"+c.ref)
		if c.formula {
			q = q.Attr("part", "formula")
		}
		q.Line = c.line
		return q
	}
	b := source.Batch[cellPlace]{Host: d.h, Found: func(ctx context.Context, c cellPlace, text []byte) error {
		return d.text(ctx, at(c), text)
	}}
	err := Cells(d.budget.Guard(f, nil), func(c *Cell) error {
		place := cellPlace{ref: c.Ref, line: c.Line}
		if c.Type == "s" {
			i, err := strconv.Atoi(strings.TrimSpace(string(c.Value)))
			if text, ok := book.shared[i]; err == nil && ok {
				book.referenced[i] = true
				if err := d.text(ctx, at(place), text); err != nil {
					return err
				}
			}
		} else if err := b.Add(ctx, c.Inline, place); err != nil {
			return err
		} else if c.Type == "str" { // a formula's text result; others are numbers
			if err := b.Add(ctx, c.Value, place); err != nil {
				return err
			}
		}
		place.formula = true
		return b.Add(ctx, c.Formula, place)
	})
	if ferr := b.Flush(ctx); err == nil {
		err = ferr
	}
	return d.partError(p, err)
}

// unreferenced yields the shared strings with a match that no cell
// showed (a sheet cut short, a string left behind by an edit), by index.
func (d *document) unreferenced(ctx context.Context, book *workbook) error {
	if book == nil {
		return nil
	}
	var left []int
	for i := range book.shared {
		if !book.referenced[i] {
			left = append(left, i)
		}
	}
	sort.Ints(left)
	for _, i := range left {
		q := d.prov.With("office", "xl/sharedStrings.xml").Attr("shared_string", strconv.Itoa(i))
		if err := d.text(ctx, q, book.shared[i]); err != nil {
			return err
		}
	}
	return nil
}
