package export

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"io"
	"io/fs"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/hfwarden/hfwarden/internal/source"
)

// slackMeta are the files at the root of a Slack export that describe
// conversations: their directories are named by channel name, except for
// direct messages, named by conversation id.
var slackMeta = [...]string{"channels.json", "groups.json", "mpims.json", "dms.json"}

// isDayFile reports whether name looks like "2024-03-01.json", the file of
// one conversation's messages of one day.
func isDayFile(name string) bool {
	if len(name) != len("2006-01-02.json") || !strings.HasSuffix(name, ".json") {
		return false
	}
	for i, c := range name[:10] {
		if i == 4 || i == 7 {
			if c != '-' {
				return false
			}
		} else if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

type slackUser struct {
	ID      string `json:"id"`
	Name    string `json:"name"`
	Profile struct {
		DisplayName string `json:"display_name"`
		RealName    string `json:"real_name"`
	} `json:"profile"`
}

type slackChannel struct {
	ID      string    `json:"id"`
	Name    string    `json:"name"`
	Members []string  `json:"members"`
	Topic   slackNote `json:"topic"`
	Purpose slackNote `json:"purpose"`
}

type slackNote struct {
	Value   string `json:"value"`
	Creator string `json:"creator"`
	LastSet int64  `json:"last_set"`
}

type slackMessage struct {
	Type        string `json:"type"`
	Subtype     string `json:"subtype"`
	User        string `json:"user"`
	Username    string `json:"username"`
	BotID       string `json:"bot_id"`
	Text        string `json:"text"`
	TS          string `json:"ts"`
	ThreadTS    string `json:"thread_ts"`
	UserProfile struct {
		Name string `json:"name"`
	} `json:"user_profile"`
	BotProfile struct {
		Name string `json:"name"`
	} `json:"bot_profile"`
	Attachments []struct {
		Text     string `json:"text"`
		Fallback string `json:"fallback"`
		Pretext  string `json:"pretext"`
		Title    string `json:"title"`
	} `json:"attachments"`
	Files []struct {
		Name    string `json:"name"`
		Title   string `json:"title"`
		Preview string `json:"preview"`
	} `json:"files"`
	Blocks []any `json:"blocks"`
}

// slackReader reads one Slack export.
type slackReader struct {
	emitter
	fsys     fs.FS
	prov     source.Provenance
	users    map[string]string // id → name
	channels map[string]string // directory → "#name"
}

// readSlack reads a Slack export: the conversation list and users first,
// then every channel's day files. Files that are neither are yielded as
// they are for the scanner to read.
func readSlack(ctx context.Context, fsys fs.FS, prov source.Provenance, visit source.Visit) error {
	s := &slackReader{emitter: emitter{visit: visit}, fsys: fsys, prov: prov,
		users: map[string]string{}, channels: map[string]string{}}
	s.readUsers(ctx)
	for _, name := range slackMeta {
		if err := s.readChannels(ctx, name); err != nil {
			return s.done(err)
		}
	}
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			s.member(prov.Path+"!"+p, err)
			return nil
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if !d.Type().IsRegular() {
			return nil
		}
		dir, name := path.Split(p)
		dir = strings.TrimSuffix(dir, "/")
		switch {
		case dir == "" && (name == "users.json" || isSlackMeta(name)):
			return nil // read above
		case dir != "" && !strings.Contains(dir, "/") && isDayFile(name):
			return s.readDay(ctx, p, dir, name)
		}
		return s.raw(ctx, p, d)
	})
	return s.done(err)
}

func isSlackMeta(name string) bool {
	for _, m := range slackMeta {
		if name == m {
			return true
		}
	}
	return false
}

// open opens a file of the export, recording why when it cannot.
func (s *slackReader) open(p string) (*budgetReader, func(), bool) {
	f, err := s.fsys.Open(p)
	if err != nil {
		if !errors.Is(err, fs.ErrNotExist) {
			s.member(s.prov.Path+"!"+p, err)
		}
		return nil, nil, false
	}
	return newBudgetReader(f), func() { _ = f.Close() }, true // only read: closing it loses nothing
}

// readUsers reads users.json, which maps user ids to names.
func (s *slackReader) readUsers(ctx context.Context) {
	br, done, ok := s.open("users.json")
	if !ok {
		return
	}
	defer done()
	dec := json.NewDecoder(br)
	err := elements(ctx, dec, br, func(int) error {
		var u slackUser
		if err := dec.Decode(&u); err != nil && !isTypeError(err) {
			return badJSON(dec, err)
		}
		name := u.Name
		if name == "" {
			name = u.Profile.DisplayName
		}
		if name == "" {
			name = u.Profile.RealName
		}
		if u.ID != "" && name != "" {
			s.users[u.ID] = name
		}
		return nil
	})
	if err != nil {
		s.member(s.prov.Path+"!users.json", err)
	}
}

// readChannels reads one conversation list: the names of the channel
// directories, and the channels' topics and purposes as text.
func (s *slackReader) readChannels(ctx context.Context, name string) error {
	br, done, ok := s.open(name)
	if !ok {
		return nil
	}
	defer done()
	p := s.prov.With("slack", name)
	dec := json.NewDecoder(br)
	err := elements(ctx, dec, br, func(int) error {
		var c slackChannel
		if err := dec.Decode(&c); err != nil && !isTypeError(err) {
			return badJSON(dec, err)
		}
		label, dir := "#"+c.Name, c.Name
		switch name {
		case "mpims.json":
			label = c.Name
		case "dms.json":
			dir = c.ID
			names := make([]string, len(c.Members))
			for i, m := range c.Members {
				names[i] = s.userName(m)
			}
			label = "@" + strings.Join(names, ",")
		}
		if dir == "" {
			return nil
		}
		s.channels[dir] = label
		cp := p.Attr("channel", label)
		for _, n := range []struct {
			field string
			note  slackNote
		}{{"topic", c.Topic}, {"purpose", c.Purpose}} {
			q := cp
			q.Field = n.field
			if n.note.LastSet > 0 {
				q.Time = time.Unix(n.note.LastSet, 0).UTC()
			}
			if n.note.Creator != "" {
				q.Author = s.userName(n.note.Creator)
				q = q.Attr("user", s.userAttr(n.note.Creator))
			}
			if err := s.text(ctx, q, name, n.note.Value); err != nil {
				return err
			}
		}
		return nil
	})
	return s.fileError(p.Path, err)
}

// fileError records an error in the input as confined to the file; any
// other error (from the visit) is returned to stop the read.
func (s *slackReader) fileError(path string, err error) error {
	var ie *inputError
	if errors.As(err, &ie) {
		s.member(path, err)
		return nil
	}
	return err
}

func (s *slackReader) userName(id string) string {
	if n, ok := s.users[id]; ok {
		return n
	}
	return id
}

func (s *slackReader) userAttr(id string) string {
	if n, ok := s.users[id]; ok {
		return id + " (" + n + ")"
	}
	return id
}

// readDay reads one conversation's messages of one day.
func (s *slackReader) readDay(ctx context.Context, p, dir, name string) error {
	br, done, ok := s.open(p)
	if !ok {
		return nil
	}
	defer done()
	channel, ok := s.channels[dir]
	if !ok {
		channel = "#" + dir
	}
	prov := s.prov.With("slack", p).Attr("channel", channel)
	lines := &lineTracker{r: br}
	dec := json.NewDecoder(lines)
	err := elements(ctx, dec, br, func(i int) error {
		// The message is held raw once: decoded for who wrote it and when,
		// and walked for every string it holds.
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return badJSON(dec, err)
		}
		// Findings name the message's line in the day file: a position
		// inside its decoded text is no place in the file.
		q := prov
		q.Line = lines.lineAt(dec.InputOffset() - int64(len(raw)))
		var m slackMessage
		if err := json.Unmarshal(raw, &m); err != nil {
			if !isTypeError(err) {
				return badJSON(dec, err)
			}
			// The rest of the message was decoded: read it, say what was not.
			s.member(prov.Path, fmt.Errorf("message %d (line %d): %v", i+1, q.Line, err))
		}
		return s.message(ctx, q, name, &m, raw)
	})
	return s.fileError(prov.Path, err)
}

// message yields every string of one message, each with its JSON path
// as the field ("text", "attachments[0].fields[1].value"): bots put
// secrets in attachments, fields and blocks as often as in the text.
// Strings that only repeat the text or an earlier string (blocks mostly
// repeat the text, an attachment's fallback its text) are skipped, so
// that one secret is not reported twice.
func (s *slackReader) message(ctx context.Context, p source.Provenance, name string, m *slackMessage, raw json.RawMessage) error {
	// A bot's message names the bot in bot_profile or username; its id
	// alone tells a responder nothing.
	bot := firstOf(m.BotProfile.Name, m.Username, m.UserProfile.Name)
	_, known := s.users[m.User]
	switch {
	case m.User != "" && (known || bot == ""):
		p.Author = s.userName(m.User)
		p = p.Attr("user", s.userAttr(m.User))
	case m.BotID != "" || m.User != "":
		id := firstOf(m.BotID, m.User)
		p.Author = firstOf(bot, id)
		if bot != "" {
			id += " (" + bot + ")"
		}
		p = p.Attr("user", id)
	case bot != "":
		p.Author = bot
		p = p.Attr("user", bot)
	}
	if m.TS != "" {
		p = p.Attr("ts", m.TS)
		if t, ok := parseSlackTS(m.TS); ok {
			p.Time = t
		}
	}
	if m.ThreadTS != "" && m.ThreadTS != m.TS {
		p = p.Attr("thread_ts", m.ThreadTS)
	}
	emit := func(field, text string) error {
		q := p
		q.Field = field
		return s.text(ctx, q, name, text)
	}
	if err := emit("text", m.Text); err != nil {
		return err
	}
	plain := html.UnescapeString(m.Text)
	seen := map[string]bool{m.Text: true}
	return stringLeaves(raw, func(field, leaf string) error {
		if field == "text" || seen[leaf] || strings.TrimSpace(leaf) == "" || strings.Contains(plain, leaf) {
			return nil
		}
		seen[leaf] = true
		return emit(field, leaf)
	})
}

// stringLeaves calls fn with every string value of the JSON document doc
// and its path, in document order: "a.b[2].c", or a["x y"] for a key
// that is not a plain name. Keys are not values and are not passed.
func stringLeaves(doc []byte, fn func(path, s string) error) error {
	dec := json.NewDecoder(bytes.NewReader(doc))
	dec.UseNumber()
	return walkLeaves(dec, "", fn)
}

// walkLeaves reads one value from dec. Its recursion is bounded by the
// nesting depth that json.Decoder already allowed for doc.
func walkLeaves(dec *json.Decoder, path string, fn func(path, s string) error) error {
	tok, err := dec.Token()
	if err != nil {
		return badJSON(dec, err)
	}
	switch t := tok.(type) {
	case string:
		return fn(path, t)
	case json.Delim:
		for i := 0; dec.More(); i++ {
			elem := path + "[" + strconv.Itoa(i) + "]"
			if t == '{' {
				k, err := dec.Token()
				if err != nil {
					return badJSON(dec, err)
				}
				elem = jsonPath(path, k.(string))
			}
			if err := walkLeaves(dec, elem, fn); err != nil {
				return err
			}
		}
		if _, err := dec.Token(); err != nil { // the closing delimiter
			return badJSON(dec, err)
		}
	}
	return nil
}

// jsonPath appends key to path.
func jsonPath(path, key string) string {
	plain := key != ""
	for _, c := range key {
		if !(c == '_' || c == '-' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			plain = false
			break
		}
	}
	switch {
	case !plain:
		return path + "[" + strconv.Quote(key) + "]"
	case path == "":
		return key
	}
	return path + "." + key
}

// firstOf returns the first of its arguments that is not empty.
func firstOf(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}

// raw yields a file of the export that is not a conversation as it is.
func (s *slackReader) raw(ctx context.Context, p string, d fs.DirEntry) error {
	return rawFile(ctx, &s.emitter, s.fsys, s.prov.With("slack", p), p, d)
}

// rawFile yields a file of fsys for the scanner to read as it would any
// file.
func rawFile(ctx context.Context, e *emitter, fsys fs.FS, prov source.Provenance, p string, d fs.DirEntry) error {
	f, err := fsys.Open(p)
	if err != nil {
		e.member(prov.Path, err)
		return nil
	}
	defer func() { _ = f.Close() }() // only read: closing it loses nothing
	size := int64(-1)
	if info, err := d.Info(); err == nil {
		size = info.Size()
	}
	return e.item(ctx, source.Item{Prov: prov, Name: path.Base(p), Size: size}, io.Reader(f))
}
