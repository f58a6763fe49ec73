package export

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path"
	"strconv"
	"strings"

	"github.com/hfwarden/hfwarden/internal/source"
)

// ghItem is an issue comment, a pull-request review comment, or an issue
// or pull request itself, as the GitHub REST API returns them.
type ghItem struct {
	ID             int64  `json:"id"`
	Number         int    `json:"number"`
	Title          string `json:"title"`
	Body           string `json:"body"`
	HTMLURL        string `json:"html_url"`
	IssueURL       string `json:"issue_url"`
	PullRequestURL string `json:"pull_request_url"`
	Path           string `json:"path"`
	DiffHunk       string `json:"diff_hunk"`
	CreatedAt      string `json:"created_at"`
	User           *struct {
		Login string `json:"login"`
	} `json:"user"`
	PullRequest json.RawMessage `json:"pull_request"`
}

// readGitHub reads a GitHub comment export: a JSON array of issue
// comments, review comments, issues or pull requests, or an object holding
// such an array under "comments". The array is streamed element by
// element.
func readGitHub(ctx context.Context, r io.Reader, prov source.Provenance, visit source.Visit) error {
	e := &emitter{visit: visit}
	br := newBudgetReader(r)
	dec := json.NewDecoder(br)
	each := func(i int) error {
		var c ghItem
		if err := dec.Decode(&c); err != nil {
			if !isTypeError(err) {
				return badJSON(dec, err)
			}
			e.member(prov.Path, fmt.Errorf("element %d: %v", i+1, badJSON(dec, err)))
		}
		return ghEmit(ctx, e, prov, &c)
	}
	tok, err := dec.Token()
	if err != nil {
		return e.done(badJSON(dec, err))
	}
	switch tok {
	case json.Delim('['):
		for i := 0; dec.More() && err == nil; i++ {
			br.reset()
			if err = ctx.Err(); err == nil {
				err = each(i)
			}
		}
		if err == nil {
			if _, err = dec.Token(); err != nil {
				err = badJSON(dec, err)
			}
		}
	case json.Delim('{'):
		err = fields(ctx, dec, br, func(key string) error {
			if key == "comments" {
				return elements(ctx, dec, br, each)
			}
			return skip(dec)
		})
	default:
		err = &inputError{errors.New("not a GitHub export: neither an object nor an array")}
	}
	if err != nil {
		return e.done(err)
	}
	return e.done(nil)
}

// ghEmit yields the text of one comment, issue or pull request.
func ghEmit(ctx context.Context, e *emitter, prov source.Provenance, c *ghItem) error {
	number := c.Number
	isComment := c.IssueURL != "" || c.PullRequestURL != ""
	if isComment {
		// The issue's number ends its API URL: ".../issues/42".
		u := firstOf(c.IssueURL, c.PullRequestURL)
		if n, err := strconv.Atoi(path.Base(u)); err == nil {
			number = n
		}
	}
	if !isComment && c.Number == 0 {
		// The older shape has no issue_url: the page URL says which
		// issue or pull request, and its fragment that it is a comment.
		if n, comment := ghPageURL(c.HTMLURL); comment {
			number, isComment = n, true
		}
	}
	var name string
	switch {
	case number > 0:
		name = "#" + strconv.Itoa(number)
	case c.ID != 0:
		name = "comment " + strconv.FormatInt(c.ID, 10)
	default:
		name = "element"
	}
	p := prov.With("github", name)
	if number > 0 {
		p = p.Attr("number", strconv.Itoa(number))
	}
	if isComment && c.ID != 0 {
		p = p.Attr("comment", strconv.FormatInt(c.ID, 10))
	}
	if c.User != nil && c.User.Login != "" {
		p.Author = c.User.Login
		p = p.Attr("author", c.User.Login)
	}
	if t, ok := parseTime(c.CreatedAt); ok {
		p.Time = t
		p = p.Attr("date", dateAttr(t, ok, c.CreatedAt))
	}
	if c.HTMLURL != "" {
		p = p.Attr("url", c.HTMLURL)
	}
	if c.Path != "" {
		p = p.Attr("path", c.Path)
	}
	for _, f := range []struct{ field, text string }{{"title", c.Title}, {"body", c.Body}, {"diff_hunk", c.DiffHunk}} {
		q := p
		q.Field = f.field
		if err := e.text(ctx, q, name, f.text); err != nil {
			return err
		}
	}
	return nil
}

// ghPageURL reads a GitHub page URL such as
// https://github.com/o/r/issues/42#issuecomment-555 or
// .../pull/42#discussion_r7: the issue or pull request number (0 when the
// path has none, e.g. a commit comment) and whether the fragment names a
// comment.
func ghPageURL(u string) (number int, comment bool) {
	base, frag, _ := strings.Cut(u, "#")
	for _, pre := range []string{"issuecomment-", "discussion_r", "pullrequestreview-", "commitcomment-"} {
		if strings.HasPrefix(frag, pre) {
			comment = true
		}
	}
	parts := strings.Split(strings.TrimSuffix(base, "/"), "/")
	for i := len(parts) - 2; i >= 0; i-- {
		if parts[i] == "issues" || parts[i] == "pull" || parts[i] == "pulls" {
			if n, err := strconv.Atoi(parts[i+1]); err == nil && n > 0 {
				number = n
			}
			break
		}
	}
	return number, comment
}
