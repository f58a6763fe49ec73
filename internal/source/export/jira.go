package export

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/hfwarden/hfwarden/internal/source"
)

type jiraIssue struct {
	Key    string                     `json:"key"`
	Fields map[string]json.RawMessage `json:"fields"`
}

type jiraUser struct {
	DisplayName  string `json:"displayName"`
	Name         string `json:"name"`
	EmailAddress string `json:"emailAddress"`
}

func (u *jiraUser) String() string {
	if u == nil {
		return ""
	}
	return firstOf(u.DisplayName, u.Name, u.EmailAddress)
}

type jiraComment struct {
	ID      string          `json:"id"`
	Author  *jiraUser       `json:"author"`
	Body    json.RawMessage `json:"body"`
	Created string          `json:"created"`
}

// readJiraJSON reads a Jira JSON export: a REST search result
// {"issues": [...]}, one issue, or an array of issues. Each issue's
// summary, description, environment, text custom fields and comments are
// yielded; descriptions and bodies may be strings or Atlassian Document
// Format.
func readJiraJSON(ctx context.Context, r io.Reader, prov source.Provenance, visit source.Visit) error {
	e := &emitter{visit: visit}
	br := newBudgetReader(r)
	dec := json.NewDecoder(br)
	tok, err := dec.Token()
	if err != nil {
		return e.done(badJSON(dec, err))
	}
	issue := func(i int) error {
		var is jiraIssue
		if err := dec.Decode(&is); err != nil {
			if !isTypeError(err) {
				return badJSON(dec, err)
			}
			e.member(prov.Path, fmt.Errorf("issue %d: %v", i+1, badJSON(dec, err)))
		}
		return jiraEmit(ctx, e, prov, &is)
	}
	switch tok {
	case json.Delim('['):
		for i := 0; dec.More() && err == nil; i++ {
			br.reset()
			if err = ctx.Err(); err == nil {
				err = issue(i)
			}
		}
		if err == nil {
			if _, err = dec.Token(); err != nil {
				err = badJSON(dec, err)
			}
		}
	case json.Delim('{'):
		// A search result holds "issues"; an issue holds "key" and "fields".
		var single jiraIssue
		err = fields(ctx, dec, br, func(key string) error {
			switch key {
			case "issues":
				return elements(ctx, dec, br, issue)
			case "key":
				if err := dec.Decode(&single.Key); err != nil {
					return badJSON(dec, err)
				}
			case "fields":
				if err := dec.Decode(&single.Fields); err != nil {
					return badJSON(dec, err)
				}
			default:
				return skip(dec)
			}
			return nil
		})
		if err == nil && single.Fields != nil {
			err = jiraEmit(ctx, e, prov, &single)
		}
	default:
		err = &inputError{errors.New("not a Jira export: neither an object nor an array")}
	}
	if err != nil {
		return e.done(err)
	}
	return e.done(nil)
}

// jiraEmit yields the text fields and comments of one issue.
func jiraEmit(ctx context.Context, e *emitter, prov source.Provenance, is *jiraIssue) error {
	key := is.Key
	if key == "" {
		key = "issue"
	}
	p := prov.With("jira", key).Attr("issue", key)
	var reporter jiraUser
	for _, k := range []string{"reporter", "creator"} {
		if json.Unmarshal(is.Fields[k], &reporter) == nil && reporter.String() != "" {
			break
		}
	}
	if a := reporter.String(); a != "" {
		p.Author = a
		p = p.Attr("author", a)
	}
	// A "created" that is missing or not a string leaves the issue
	// untimed.
	var created string
	if json.Unmarshal(is.Fields["created"], &created) == nil {
		if t, ok := parseTime(created); ok {
			p.Time = t
			p = p.Attr("date", dateAttr(t, ok, created))
		}
	}
	emit := func(field, text string) error {
		q := p.Attr("field", field)
		q.Field = field
		return e.text(ctx, q, key, text)
	}
	// Standard text fields first, then custom ones in a stable order.
	names := []string{"summary", "description", "environment"}
	var custom []string
	for k := range is.Fields {
		if strings.HasPrefix(k, "customfield_") {
			custom = append(custom, k)
		}
	}
	slices.Sort(custom)
	for _, k := range append(names, custom...) {
		if err := emit(k, jiraText(is.Fields[k], 0)); err != nil {
			return err
		}
	}
	var comment struct {
		Comments []jiraComment `json:"comments"`
	}
	if raw := is.Fields["comment"]; raw != nil {
		if err := json.Unmarshal(raw, &comment); err != nil {
			e.member(p.Path, fmt.Errorf("comments: %v", err))
		}
	}
	for i, c := range comment.Comments {
		q := p.Attr("field", "comment")
		q.Field = "comment"
		q = q.Attr("comment", firstOf(c.ID, strconv.Itoa(i+1)))
		q.Author, q.Time = "", time.Time{}
		delete(q.Attrs, "author")
		delete(q.Attrs, "date")
		if a := c.Author.String(); a != "" {
			q.Author = a
			q = q.Attr("author", a)
		}
		if t, ok := parseTime(c.Created); ok {
			q.Time = t
			q = q.Attr("date", dateAttr(t, ok, c.Created))
		}
		if err := e.text(ctx, q, key, jiraText(c.Body, 0)); err != nil {
			return err
		}
	}
	return nil
}

// jiraText returns the text of a field's value: a string, an Atlassian
// Document Format document (its text leaves, one per line), an option
// ({"value": ...}) or an array of these.
func jiraText(raw json.RawMessage, depth int) string {
	if len(raw) == 0 || depth > 8 {
		return ""
	}
	switch raw[0] {
	case '"':
		var s string
		if json.Unmarshal(raw, &s) != nil {
			return ""
		}
		return s
	case '{':
		var v map[string]any
		if json.Unmarshal(raw, &v) != nil {
			return ""
		}
		if v["type"] == "doc" {
			return strings.Join(textLeaves(v, nil, 0), "\n")
		}
		if s, ok := v["value"].(string); ok {
			return s
		}
	case '[':
		var a []json.RawMessage
		if json.Unmarshal(raw, &a) != nil {
			return ""
		}
		var parts []string
		for _, el := range a {
			if s := jiraText(el, depth+1); s != "" {
				parts = append(parts, s)
			}
		}
		return strings.Join(parts, "\n")
	}
	return ""
}
