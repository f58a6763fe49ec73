package export

import (
	"encoding/json"
	"strconv"
	"strings"
	"time"
)

// maxNesting bounds how deep JSONField follows nested arrays and objects,
// so that a hostile line cannot exhaust the stack.
const maxNesting = 1000

// JSONField names the JSON field that holds byte offset off of one
// JSON-lines line, as a path such as "request.headers.authorization" or
// "args[2]" (keys that are not plain words are quoted: `["a.b"]`), and
// the line's timestamp if its top-level object has one of "time",
// "timestamp", "ts" or "@timestamp" (RFC 3339, or unix seconds or
// milliseconds). ok is false when off is not inside a string value: in a
// key, a number, between values, outside the line, or when the line is not
// JSON up to that point.
//
// The scanner scans big JSON-lines logs as raw bytes for speed and calls
// JSONField only for lines that hold a finding.
func JSONField(line []byte, off int) (field string, t time.Time, ok bool) {
	if off < 0 || off >= len(line) {
		return "", time.Time{}, false
	}
	p := &fieldParser{b: line, off: off}
	p.value(p.ws(0), 0)
	if !p.found || p.inKey {
		return "", time.Time{}, false
	}
	return p.field, p.t, true
}

// fieldParser walks one JSON value, keeping the path to the value it is in.
type fieldParser struct {
	b     []byte
	off   int
	path  []pathSeg
	found bool // off is inside a string value; field names it
	inKey bool // off is inside a key
	field string
	t     time.Time
}

// pathSeg is one step of a path: an object key (raw, quoted) or an array
// index.
type pathSeg struct {
	key []byte
	idx int
}

func (p *fieldParser) ws(i int) int {
	for i < len(p.b) {
		switch p.b[i] {
		case ' ', '\t', '\r', '\n':
			i++
		default:
			return i
		}
	}
	return i
}

// value parses the value at i and returns where it ends, or -1 if the line
// is not valid JSON there (or once the answer is known to be no).
func (p *fieldParser) value(i, depth int) int {
	if i >= len(p.b) || depth > maxNesting || p.inKey {
		return -1
	}
	switch p.b[i] {
	case '{':
		return p.object(i, depth)
	case '[':
		return p.array(i, depth)
	case '"':
		end := p.str(i)
		if end > 0 && !p.found && p.off >= i && p.off < end && len(p.path) > 0 {
			p.found, p.field = true, p.pathString()
		}
		return end
	default:
		j := i
		for j < len(p.b) && !strings.ContainsRune(",}] \t\r\n", rune(p.b[j])) {
			j++
		}
		if j == i || !json.Valid(p.b[i:j]) {
			return -1
		}
		return j
	}
}

func (p *fieldParser) object(i, depth int) int {
	i = p.ws(i + 1)
	if i < len(p.b) && p.b[i] == '}' {
		return i + 1
	}
	for {
		if i >= len(p.b) || p.b[i] != '"' {
			return -1
		}
		kend := p.str(i)
		if kend < 0 {
			return -1
		}
		if p.off >= i && p.off < kend {
			p.inKey = true
			return -1
		}
		key := p.b[i:kend]
		i = p.ws(kend)
		if i >= len(p.b) || p.b[i] != ':' {
			return -1
		}
		vstart := p.ws(i + 1)
		p.path = append(p.path, pathSeg{key: key})
		end := p.value(vstart, depth+1)
		p.path = p.path[:len(p.path)-1]
		if end < 0 {
			return -1
		}
		if depth == 0 && p.t.IsZero() {
			p.timestamp(key, p.b[vstart:end])
		}
		i = p.ws(end)
		if i >= len(p.b) {
			return -1
		}
		switch p.b[i] {
		case '}':
			return i + 1
		case ',':
			i = p.ws(i + 1)
		default:
			return -1
		}
	}
}

func (p *fieldParser) array(i, depth int) int {
	i = p.ws(i + 1)
	if i < len(p.b) && p.b[i] == ']' {
		return i + 1
	}
	for n := 0; ; n++ {
		p.path = append(p.path, pathSeg{idx: n})
		end := p.value(i, depth+1)
		p.path = p.path[:len(p.path)-1]
		if end < 0 {
			return -1
		}
		i = p.ws(end)
		if i >= len(p.b) {
			return -1
		}
		switch p.b[i] {
		case ']':
			return i + 1
		case ',':
			i = p.ws(i + 1)
		default:
			return -1
		}
	}
}

// str returns the end (past the closing quote) of the string at i, or -1.
func (p *fieldParser) str(i int) int {
	for j := i + 1; j < len(p.b); j++ {
		switch c := p.b[j]; {
		case c == '\\':
			j++
		case c == '"':
			return j + 1
		case c < 0x20:
			return -1
		}
	}
	return -1
}

// timestamp reads the line's time from a top-level key that names one.
func (p *fieldParser) timestamp(key, val []byte) {
	switch string(key) {
	case `"time"`, `"timestamp"`, `"ts"`, `"@timestamp"`:
	default:
		return
	}
	if len(val) == 0 {
		return
	}
	var s string
	if val[0] == '"' {
		if json.Unmarshal(val, &s) != nil {
			return
		}
	} else {
		s = string(val)
	}
	if t, ok := parseTime(s); ok {
		p.t = t
	}
}

// pathString renders the current path: keys joined by dots, indexes in
// brackets, keys that are not plain words quoted in brackets.
func (p *fieldParser) pathString() string {
	var b strings.Builder
	for _, s := range p.path {
		if s.key == nil {
			b.WriteString("[" + strconv.Itoa(s.idx) + "]")
			continue
		}
		var k string
		if json.Unmarshal(s.key, &k) != nil {
			k = string(s.key[1 : len(s.key)-1])
		}
		if plainKey(k) {
			if b.Len() > 0 {
				b.WriteByte('.')
			}
			b.WriteString(k)
		} else {
			b.WriteString("[" + strconv.Quote(k) + "]")
		}
	}
	return b.String()
}

// plainKey reports whether a key can be written bare in a dotted path.
func plainKey(k string) bool {
	if k == "" {
		return false
	}
	for _, c := range k {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-' || c == '@' || c == '$') {
			return false
		}
	}
	return true
}
