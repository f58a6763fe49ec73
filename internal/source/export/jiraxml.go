package export

import (
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"html"
	"io"
	"strings"

	"github.com/hfwarden/hfwarden/internal/source"
)

// xmlItem is what is kept of one <item> of a Jira RSS export while it is
// read.
type xmlItem struct {
	key, created, reporter string
	texts                  []xmlText
}

// xmlText is one text-bearing element of an item.
type xmlText struct {
	field, text          string
	comment              string // comment id
	author, created      string // of a comment
	customName, customID string
}

// readJiraXML reads a Jira XML (RSS) export with a streaming decoder: each
// <item>'s summary, description, environment, comments and custom field
// values are yielded, HTML entities decoded. Elements outside items (the
// channel's own title and description) are ignored.
func readJiraXML(ctx context.Context, r io.Reader, prov source.Provenance, visit source.Visit) error {
	e := &emitter{visit: visit}
	br := newBudgetReader(r)
	dec := xml.NewDecoder(br)
	dec.Entity = xml.HTMLEntity // some exports hold &nbsp; and the like unescaped
	var (
		stack []string // element names from <item> down
		it    *xmlItem
		cur   *xmlText // the text element being read
		buf   strings.Builder
		seen  bool // an <rss> or <item> was read
	)
	for {
		if err := ctx.Err(); err != nil {
			return e.done(err)
		}
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			if errors.Is(err, errTooBig) {
				err = fmt.Errorf("an item is larger than %d MiB", MaxValue>>20)
			}
			return e.done(fmt.Errorf("invalid XML near byte %d: %w", dec.InputOffset(), err))
		}
		switch t := tok.(type) {
		case xml.StartElement:
			name := t.Name.Local
			if it == nil {
				if name == "rss" {
					seen = true
				}
				if name == "item" {
					it, stack, seen = &xmlItem{}, stack[:0], true
					br.reset()
				}
				continue
			}
			stack = append(stack, name)
			cur = xmlStart(it, stack, t)
			buf.Reset()
		case xml.CharData:
			if cur != nil {
				if buf.Len()+len(t) > MaxValue {
					return e.done(fmt.Errorf("near byte %d: an item is larger than %d MiB", dec.InputOffset(), MaxValue>>20))
				}
				buf.Write(t)
			}
		case xml.EndElement:
			if it == nil {
				continue
			}
			if len(stack) == 0 { // </item>
				if err := jiraXMLEmit(ctx, e, prov, it); err != nil {
					return e.done(err)
				}
				it = nil
				continue
			}
			if cur != nil {
				cur.text = buf.String()
				xmlEnd(it, stack, cur)
				cur = nil
			}
			stack = stack[:len(stack)-1]
		}
	}
	if it != nil {
		return e.done(fmt.Errorf("truncated XML: item %q not closed", it.key))
	}
	if !seen {
		return e.done(errors.New("not a Jira XML export: no <rss> or <item>"))
	}
	return e.done(nil)
}

// xmlStart returns the text to collect for the element at the top of
// stack (element names below <item>), or nil when its text is not wanted.
func xmlStart(it *xmlItem, stack []string, t xml.StartElement) *xmlText {
	attr := func(name string) string {
		for _, a := range t.Attr {
			if a.Name.Local == name {
				return a.Value
			}
		}
		return ""
	}
	path := strings.Join(stack, "/")
	switch path {
	case "key", "created", "summary", "description", "environment":
		return &xmlText{field: path}
	case "reporter":
		return &xmlText{field: path, author: attr("username")}
	case "comments/comment":
		return &xmlText{field: "comment", comment: attr("id"), author: attr("author"), created: attr("created")}
	case "customfields/customfield/customfieldname":
		return &xmlText{field: "customfieldname"}
	case "customfields/customfield/customfieldvalues/customfieldvalue":
		return &xmlText{field: "customfieldvalue"}
	case "customfields/customfield":
		// Remember the id for the values that follow.
		it.texts = append(it.texts, xmlText{field: "customfield", customID: attr("id")})
	}
	return nil
}

// xmlEnd files the text of an element that has just closed.
func xmlEnd(it *xmlItem, stack []string, x *xmlText) {
	switch x.field {
	case "key":
		it.key = strings.TrimSpace(x.text)
	case "created":
		it.created = strings.TrimSpace(x.text)
	case "reporter":
		it.reporter = firstOf(strings.TrimSpace(x.text), x.author)
	case "customfieldname", "customfieldvalue":
		// Attach to the custom field opened last.
		for i := len(it.texts) - 1; i >= 0; i-- {
			if it.texts[i].field != "customfield" {
				continue
			}
			if x.field == "customfieldname" {
				it.texts[i].customName = strings.TrimSpace(x.text)
				return
			}
			v := xmlText{field: "customfield", customID: it.texts[i].customID, customName: it.texts[i].customName, text: x.text}
			it.texts = append(it.texts, v)
			return
		}
	default:
		it.texts = append(it.texts, *x)
	}
}

// jiraXMLEmit yields the text of one item.
func jiraXMLEmit(ctx context.Context, e *emitter, prov source.Provenance, it *xmlItem) error {
	key := firstOf(it.key, "item")
	p := prov.With("jira", key).Attr("issue", key)
	ct, cok := parseTime(it.created)
	comments := 0
	for _, x := range it.texts {
		q := p
		field := x.field
		switch field {
		case "customfield":
			if x.text == "" {
				continue // the field's opening, not a value
			}
			field = firstOf(x.customID, "customfield")
			if x.customName != "" {
				q = q.Attr("name", x.customName)
			}
		case "comment":
			comments++
			q = q.Attr("comment", firstOf(x.comment, fmt.Sprint(comments)))
		}
		q = q.Attr("field", field)
		q.Field = field
		author, created := it.reporter, it.created
		t, ok := ct, cok
		if x.field == "comment" {
			author, created = x.author, x.created
			t, ok = parseTime(created)
		}
		if author != "" {
			q.Author = author
			q = q.Attr("author", author)
		}
		if ok {
			q.Time = t
			q = q.Attr("date", dateAttr(t, ok, created))
		}
		// Descriptions, comments and values are HTML, escaped once more
		// inside the XML.
		if err := e.text(ctx, q, key, html.UnescapeString(x.text)); err != nil {
			return err
		}
	}
	return nil
}
