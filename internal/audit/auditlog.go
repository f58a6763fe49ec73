package audit

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"
)

// LogEvent is one event of a Hub audit-log export.
type LogEvent struct {
	Type     string    `json:"type"`
	Time     time.Time `json:"time"`
	Actor    string    `json:"actor,omitempty"`
	Repo     string    `json:"repo,omitempty"`
	Detail   string    `json:"detail,omitempty"`
	Location string    `json:"location,omitempty"`
}

// maxAuditLog bounds the export read into memory.
const maxAuditLog = 256 << 20

// ReadAuditLog reads an Enterprise audit-log export. The Hub documents the
// export only as "a JSON file" of entries with who, what type of action, a
// description, location and anonymised IP, and when; so it accepts a JSON
// array, an object wrapping one ("data", "events", "logs", "auditLogs" or
// "items"), or one JSON object per line, and for each field the usual
// spellings. An entry without a type or a time is an error naming it.
func ReadAuditLog(r io.Reader) ([]LogEvent, error) {
	b, err := io.ReadAll(io.LimitReader(r, maxAuditLog+1))
	if err != nil {
		return nil, fmt.Errorf("reading audit log: %w", err)
	}
	if len(b) > maxAuditLog {
		return nil, fmt.Errorf("reading audit log: larger than %d MiB", maxAuditLog>>20)
	}
	raws, err := splitEntries(b)
	if err != nil {
		return nil, fmt.Errorf("reading audit log: %w", err)
	}
	out := make([]LogEvent, 0, len(raws))
	for i, raw := range raws {
		e, err := parseEvent(raw)
		if err != nil {
			return nil, fmt.Errorf("reading audit log: entry %d: %w", i+1, err)
		}
		out = append(out, e)
	}
	return out, nil
}

func splitEntries(b []byte) ([]map[string]json.RawMessage, error) {
	t := bytes.TrimSpace(b)
	if len(t) == 0 {
		return nil, nil
	}
	var list []map[string]json.RawMessage
	switch t[0] {
	case '[':
		if err := json.Unmarshal(t, &list); err != nil {
			return nil, fmt.Errorf("malformed JSON array: %w", err)
		}
		return list, nil
	case '{':
		var obj map[string]json.RawMessage
		if err := json.Unmarshal(t, &obj); err == nil {
			for _, k := range []string{"data", "events", "logs", "auditLogs", "items", "entries"} {
				if v, ok := obj[k]; ok {
					if err := json.Unmarshal(v, &list); err != nil {
						return nil, fmt.Errorf("malformed %q: %w", k, err)
					}
					return list, nil
				}
			}
			return []map[string]json.RawMessage{obj}, nil
		}
		// One object per line.
		sc := bufio.NewScanner(bytes.NewReader(t))
		sc.Buffer(make([]byte, 64<<10), 16<<20)
		for n := 1; sc.Scan(); n++ {
			line := bytes.TrimSpace(sc.Bytes())
			if len(line) == 0 {
				continue
			}
			var m map[string]json.RawMessage
			if err := json.Unmarshal(line, &m); err != nil {
				return nil, fmt.Errorf("line %d: malformed JSON: %w", n, err)
			}
			list = append(list, m)
		}
		return list, sc.Err()
	}
	return nil, errors.New("not JSON: want an array of events, an object holding one, or one object per line")
}

// field returns the first of keys present as a string, or as an object's
// name-like string member (actor: {"user": …}, repo: {"name": …}). It
// looks one level down and no further, so that each entry is decoded in
// time linear in its size however deeply it nests.
func field(m map[string]json.RawMessage, keys ...string) string {
	for _, k := range keys {
		v := bytes.TrimSpace(m[k])
		if len(v) == 0 {
			continue
		}
		if s := stringValue(v); s != "" {
			return s
		}
		if v[0] != '{' {
			continue
		}
		var obj map[string]json.RawMessage
		if json.Unmarshal(v, &obj) != nil {
			continue
		}
		for _, n := range []string{"name", "user", "username", "id", "fullname", "email"} {
			if s := stringValue(bytes.TrimSpace(obj[n])); s != "" {
				return s
			}
		}
	}
	return ""
}

// stringValue is v decoded when it is a JSON string, else "".
func stringValue(v []byte) string {
	var s string
	if len(v) == 0 || v[0] != '"' || json.Unmarshal(v, &s) != nil {
		return ""
	}
	return s
}

func parseEvent(m map[string]json.RawMessage) (LogEvent, error) {
	e := LogEvent{
		Type:     field(m, "type", "action", "event", "eventType", "kind"),
		Actor:    field(m, "actor", "user", "author", "by", "username"),
		Repo:     field(m, "repo", "repository", "resource", "target", "repoId"),
		Detail:   field(m, "description", "message", "detail", "details"),
		Location: field(m, "location", "ip", "ipAddress"),
	}
	if e.Type == "" {
		return e, errors.New("no event type (type or action)")
	}
	ts := field(m, "createdAt", "timestamp", "time", "date", "at")
	if ts == "" {
		var n float64
		for _, k := range []string{"createdAt", "timestamp", "time"} {
			if v, ok := m[k]; ok && json.Unmarshal(v, &n) == nil {
				// Seconds or milliseconds since the epoch.
				if n > 1e12 {
					e.Time = time.UnixMilli(int64(n)).UTC()
				} else {
					e.Time = time.Unix(int64(n), 0).UTC()
				}
				return e, nil
			}
		}
		return e, fmt.Errorf("%s: no time (createdAt or timestamp)", e.Type)
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02 15:04:05"} {
		if t, err := time.Parse(layout, ts); err == nil {
			e.Time = t.UTC()
			return e, nil
		}
	}
	return e, fmt.Errorf("%s: unreadable time %q", e.Type, ts)
}

// severity ranks an event type: secrets, tokens, settings, webhooks,
// membership and deletions high; downloads medium; the rest low.
func (e LogEvent) severity() string {
	t := strings.ToLower(e.Type)
	for _, w := range []string{"secret", "token", "setting", "webhook", "delete", "member", "role", "visibility", "sso", "collaborator"} {
		if strings.Contains(t, w) {
			return High
		}
	}
	if strings.Contains(t, "download") || strings.Contains(t, "clone") {
		return Medium
	}
	return Low
}

func (e LogEvent) finding() Finding {
	t := e.Time
	ev := e.Type
	if e.Actor != "" {
		ev += " by " + e.Actor
	}
	if e.Repo != "" {
		ev += " on " + e.Repo
	}
	if e.Location != "" {
		ev += " from " + e.Location
	}
	if e.Detail != "" {
		ev += ": " + e.Detail
	}
	return Finding{Kind: KindAuditLogEvent, Repo: e.Repo, Severity: e.severity(), Author: e.Actor, Time: &t, Ref: e.Type, Evidence: ev}
}
