package office

import (
	"encoding/xml"
	"errors"
	"io"
)

// maxText bounds the text of one paragraph or cell held in memory: a
// longer one is handed on in pieces of this size (a token across the cut
// is lost there, and found in the raw bytes if in one run).
const maxText = 1 << 20

// Paragraph is the text of one paragraph of a document part: the text of
// its runs joined, as a reader sees it, whatever runs Word split it into.
type Paragraph struct {
	// Index counts the part's paragraphs from 1, in the order they open
	// (a text box's paragraphs come after the one holding it).
	Index int
	// Line is the line of the part's XML where the paragraph opens.
	Line int
	Text []byte
}

// Paragraphs reads a WordprocessingML or DrawingML part (word/document.xml,
// a slide) and calls fn with each paragraph (w:p, a:p) that holds text:
// its text runs (t, and delText: text deleted with changes tracked is
// still in the file) joined, tabs and breaks as "\t" and "\n". It returns
// fn's error or the XML's.
func Paragraphs(r io.Reader, fn func(Paragraph) error) error {
	d := xml.NewDecoder(r)
	d.Strict = false
	var (
		open []*Paragraph // nested paragraphs: text boxes inside one
		n    int
		inT  int // inside a text element
		emit = func(p *Paragraph) error {
			if len(p.Text) == 0 {
				return nil
			}
			err := fn(*p)
			p.Text = p.Text[:0]
			return err
		}
	)
	for {
		tok, err := d.RawToken()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			switch t.Name.Local {
			case "p":
				n++
				line, _ := d.InputPos()
				open = append(open, &Paragraph{Index: n, Line: line})
			case "t", "delText":
				inT++
			case "tab":
				appendText(open, "\t")
			case "br", "cr":
				appendText(open, "\n")
			}
		case xml.EndElement:
			switch t.Name.Local {
			case "p":
				if len(open) == 0 {
					continue
				}
				p := open[len(open)-1]
				open = open[:len(open)-1]
				if err := emit(p); err != nil {
					return err
				}
			case "t", "delText":
				inT = max(0, inT-1)
			}
		case xml.CharData:
			if inT == 0 || len(open) == 0 {
				continue
			}
			p := open[len(open)-1]
			p.Text = append(p.Text, t...)
			if len(p.Text) >= maxText {
				if err := emit(p); err != nil {
					return err
				}
			}
		}
	}
}

// appendText adds s to the innermost open paragraph, if any.
func appendText(open []*Paragraph, s string) {
	if len(open) > 0 {
		p := open[len(open)-1]
		p.Text = append(p.Text, s...)
	}
}

// SharedStrings reads xl/sharedStrings.xml and calls fn with each shared
// string that holds text, by its index from 0: the text of its runs
// joined.
func SharedStrings(r io.Reader, fn func(i int, text []byte) error) error {
	d := xml.NewDecoder(r)
	d.Strict = false
	var (
		text []byte
		i    = -1
		inSI bool
		inT  int
	)
	for {
		tok, err := d.RawToken()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			switch t.Name.Local {
			case "si":
				i++
				inSI, text = true, text[:0]
			case "t":
				inT++
			}
		case xml.EndElement:
			switch t.Name.Local {
			case "si":
				inSI = false
				if len(text) > 0 {
					if err := fn(i, text); err != nil {
						return err
					}
				}
			case "t":
				inT = max(0, inT-1)
			}
		case xml.CharData:
			if inSI && inT > 0 && len(text) < maxText {
				text = append(text, t[:min(len(t), maxText-len(text))]...)
			}
		}
	}
}

// Cell is one cell of a worksheet, as the sheet's XML holds it.
type Cell struct {
	// Ref is the cell's reference ("B7"); Line the XML line it opens on.
	Ref  string
	Line int
	// Type is the cell's t attribute: "s" for a shared string (Value is
	// its index), "inlineStr", "str" (a formula's text), "" for a number.
	Type string
	// Value is the v element's text, Inline the inline string's, Formula
	// the f element's.
	Value, Inline, Formula []byte
}

// Cells reads a worksheet (xl/worksheets/sheetN.xml) and calls fn with
// each cell that holds a value or a formula.
func Cells(r io.Reader, fn func(*Cell) error) error {
	d := xml.NewDecoder(r)
	d.Strict = false
	var (
		c    *Cell
		into *[]byte // the element of c whose text is being read
	)
	for {
		tok, err := d.RawToken()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if t.Name.Local == "c" {
				line, _ := d.InputPos()
				c = &Cell{Line: line, Ref: attr(t, "r"), Type: attr(t, "t")}
				continue
			}
			if c == nil {
				continue
			}
			switch t.Name.Local {
			case "v":
				into = &c.Value
			case "t":
				into = &c.Inline
			case "f":
				into = &c.Formula
			}
		case xml.EndElement:
			switch t.Name.Local {
			case "c":
				if c != nil && (len(c.Value) > 0 || len(c.Inline) > 0 || len(c.Formula) > 0) {
					if err := fn(c); err != nil {
						return err
					}
				}
				c, into = nil, nil
			case "v", "t", "f":
				into = nil
			}
		case xml.CharData:
			if into != nil && len(*into) < maxText {
				*into = append(*into, t[:min(len(t), maxText-len(*into))]...)
			}
		}
	}
}

// attr returns the value of the attribute of e named local, whatever its
// prefix.
func attr(e xml.StartElement, local string) string {
	for _, a := range e.Attr {
		if a.Name.Local == local {
			return a.Value
		}
	}
	return ""
}

// sheet is a worksheet named in xl/workbook.xml.
type sheet struct{ name, rel string }

// workbookSheets reads xl/workbook.xml: its sheets in order, with the
// relationship that says which part holds each.
func workbookSheets(r io.Reader) ([]sheet, error) {
	var out []sheet
	err := elements(r, "sheet", func(e xml.StartElement) {
		rel := ""
		for _, a := range e.Attr {
			if a.Name.Local == "id" && a.Name.Space != "" {
				rel = a.Value
			}
		}
		out = append(out, sheet{name: attr(e, "name"), rel: rel})
	})
	return out, err
}

// relationships reads a .rels part: each relationship's target by id.
func relationships(r io.Reader) (map[string]string, error) {
	out := map[string]string{}
	err := elements(r, "Relationship", func(e xml.StartElement) {
		out[attr(e, "Id")] = attr(e, "Target")
	})
	return out, err
}

// elements calls fn with each element of r named local.
func elements(r io.Reader, local string, fn func(xml.StartElement)) error {
	d := xml.NewDecoder(r)
	d.Strict = false
	for {
		tok, err := d.RawToken()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		if e, ok := tok.(xml.StartElement); ok && e.Name.Local == local {
			fn(e)
		}
	}
}
