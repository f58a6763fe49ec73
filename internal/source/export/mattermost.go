package export

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/hfwarden/hfwarden/internal/source"
)

// lineReader reads lines of at most MaxValue bytes, whatever the input: a
// longer line is read through without being kept.
type lineReader struct {
	r    *bufio.Reader
	buf  []byte
	line int // number of the line last read, 1-based
}

func newLineReader(r io.Reader) *lineReader {
	return &lineReader{r: bufio.NewReaderSize(r, 64<<10)}
}

// next returns the next line without its end. tooLong reports a line over
// MaxValue bytes, which is returned empty. It returns io.EOF after the
// last line.
func (l *lineReader) next() (line []byte, tooLong bool, err error) {
	l.buf = l.buf[:0]
	read := false
	for {
		frag, err := l.r.ReadSlice('\n')
		read = read || len(frag) > 0
		if !tooLong {
			if len(l.buf)+len(frag) > MaxValue+2 { // room for "\r\n"
				tooLong, l.buf = true, l.buf[:0]
			} else {
				l.buf = append(l.buf, frag...)
			}
		}
		switch {
		case errors.Is(err, bufio.ErrBufferFull):
			continue
		case errors.Is(err, io.EOF):
			if !read {
				return nil, false, io.EOF
			}
		case err != nil:
			return nil, false, err
		}
		l.line++
		if tooLong {
			return nil, true, nil
		}
		return trimEOL(l.buf), false, nil
	}
}

func trimEOL(b []byte) []byte {
	if n := len(b); n > 0 && b[n-1] == '\n' {
		b = b[:n-1]
	}
	if n := len(b); n > 0 && b[n-1] == '\r' {
		b = b[:n-1]
	}
	return b
}

type mmLine struct {
	Type string `json:"type"`
	Team *struct {
		Name        string `json:"name"`
		Description string `json:"description"`
	} `json:"team"`
	Channel *struct {
		Team    string `json:"team"`
		Name    string `json:"name"`
		Header  string `json:"header"`
		Purpose string `json:"purpose"`
	} `json:"channel"`
	Post       *mmPost `json:"post"`
	DirectPost *mmPost `json:"direct_post"`
}

type mmPost struct {
	Team           string   `json:"team"`
	Channel        string   `json:"channel"`
	ChannelMembers []string `json:"channel_members"`
	User           string   `json:"user"`
	Message        string   `json:"message"`
	CreateAt       int64    `json:"create_at"`
	Props          struct {
		Attachments []struct {
			Text     string `json:"text"`
			Fallback string `json:"fallback"`
			Pretext  string `json:"pretext"`
			Title    string `json:"title"`
		} `json:"attachments"`
	} `json:"props"`
	Replies []mmPost `json:"replies"`
}

// readMattermost reads a Mattermost bulk export (JSON lines): posts, their
// replies, direct posts, and team descriptions and channel headers and
// purposes. A line that is not valid JSON, or is too long, is reported and
// skipped.
func readMattermost(ctx context.Context, r io.Reader, prov source.Provenance, visit source.Visit) error {
	e := &emitter{visit: visit}
	lr := newLineReader(r)
	for {
		if err := ctx.Err(); err != nil {
			return e.done(err)
		}
		b, tooLong, err := lr.next()
		if err == io.EOF {
			return e.done(nil)
		}
		if err != nil {
			return e.done(fmt.Errorf("line %d: %w", lr.line+1, err))
		}
		if tooLong {
			e.member(prov.Path, fmt.Errorf("line %d: longer than %d MiB: skipped", lr.line, MaxValue>>20))
			continue
		}
		if len(strings.TrimSpace(string(b))) == 0 {
			continue
		}
		var l mmLine
		if err := json.Unmarshal(b, &l); err != nil {
			if !isTypeError(err) {
				e.member(prov.Path, fmt.Errorf("line %d: invalid JSON: %v", lr.line, err))
				continue
			}
			e.member(prov.Path, fmt.Errorf("line %d: %v", lr.line, err))
		}
		if err := mmEmit(ctx, e, prov.Attr("line", strconv.Itoa(lr.line)), &l); err != nil {
			return e.done(err)
		}
	}
}

// mmEmit yields the text of one line of a Mattermost export.
func mmEmit(ctx context.Context, e *emitter, p source.Provenance, l *mmLine) error {
	switch {
	case l.Type == "team" && l.Team != nil:
		q := p.With("mattermost", l.Team.Name).Attr("team", l.Team.Name)
		q.Field = "description"
		return e.text(ctx, q, l.Team.Name, l.Team.Description)
	case l.Type == "channel" && l.Channel != nil:
		c := l.Channel
		q := p.With("mattermost", c.Team+"/"+c.Name).Attr("team", c.Team).Attr("channel", c.Name)
		q.Field = "header"
		if err := e.text(ctx, q, c.Name, c.Header); err != nil {
			return err
		}
		q.Field = "purpose"
		return e.text(ctx, q, c.Name, c.Purpose)
	case l.Type == "post" && l.Post != nil:
		q := p.With("mattermost", l.Post.Team+"/"+l.Post.Channel).Attr("team", l.Post.Team).Attr("channel", l.Post.Channel)
		return mmPostEmit(ctx, e, q, l.Post.Channel, l.Post, "")
	case l.Type == "direct_post" && l.DirectPost != nil:
		members := strings.Join(l.DirectPost.ChannelMembers, ",")
		q := p.With("mattermost", "direct/"+members).Attr("channel", "@"+members)
		return mmPostEmit(ctx, e, q, members, l.DirectPost, "")
	}
	return nil
}

// mmPostEmit yields a post's message, attachments and replies; prefix is
// the JSON path of the post within its line's post.
func mmPostEmit(ctx context.Context, e *emitter, p source.Provenance, name string, post *mmPost, prefix string) error {
	if post.User != "" {
		p.Author = post.User
		p = p.Attr("user", post.User)
	}
	if post.CreateAt > 0 {
		p.Time = time.UnixMilli(post.CreateAt).UTC()
	}
	p.Field = prefix + "message"
	if err := e.text(ctx, p, name, post.Message); err != nil {
		return err
	}
	for i, a := range post.Props.Attachments {
		for _, f := range []struct{ k, v string }{{"text", a.Text}, {"fallback", a.Fallback}, {"pretext", a.Pretext}, {"title", a.Title}} {
			if f.v == post.Message || (f.k == "fallback" && f.v == a.Text) {
				continue
			}
			q := p
			q.Field = fmt.Sprintf("%sprops.attachments[%d].%s", prefix, i, f.k)
			if err := e.text(ctx, q, name, f.v); err != nil {
				return err
			}
		}
	}
	for i := range post.Replies {
		if prefix != "" {
			break // replies do not nest
		}
		if err := mmPostEmit(ctx, e, p, name, &post.Replies[i], fmt.Sprintf("replies[%d].", i)); err != nil {
			return err
		}
	}
	return nil
}
