package source

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
)

// ErrNotNotebook is wrapped by the error Notebook returns when the data is
// not a Jupyter notebook; callers fall back to scanning the raw bytes.
var ErrNotNotebook = errors.New("not a valid notebook")

// notebookSniffLen is how much of a file's head LooksLikeNotebook inspects.
const notebookSniffLen = 4096

var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

// LooksLikeNotebook reports whether a file should be parsed as a Jupyter
// notebook: it has the .ipynb extension, or its head is a JSON object that
// mentions "nbformat" and "cells" or "worksheets" (a notebook saved without
// its extension). Since Jupyter writes keys sorted, "nbformat" comes after
// the cells; a head that opens with a "cells" list of objects holding
// "cell_type" is accepted too.
func LooksLikeNotebook(path string, head []byte) bool {
	if strings.EqualFold(filepath.Ext(path), ".ipynb") {
		return true
	}
	if len(head) > notebookSniffLen {
		head = head[:notebookSniffLen]
	}
	head = bytes.TrimPrefix(head, utf8BOM)
	i := skipSpace(head, 0)
	if i >= len(head) || head[i] != '{' {
		return false
	}
	hasCells := bytes.Contains(head, []byte(`"cells"`))
	if bytes.Contains(head, []byte(`"nbformat"`)) &&
		(hasCells || bytes.Contains(head, []byte(`"worksheets"`))) {
		return true
	}
	return hasCells && bytes.Contains(head, []byte(`"cell_type"`))
}

// Notebook parses a Jupyter notebook (nbformat 4, or nbformat 3 with its
// worksheets) and emits one chunk per text field: cell sources, text
// outputs (stream text, text/* and JSON/JavaScript mime data, tracebacks and
// error values) and the notebook, worksheet and cell metadata serialised as
// JSON. JSON string escapes are decoded, so `\"hf_…\"` on disk is emitted as
// `"hf_…"`. Image and other binary payloads and markdown attachments are
// skipped.
//
// When data is not a notebook the returned error wraps ErrNotNotebook and
// nothing has been emitted. Fields of unexpected types inside a notebook are
// skipped. An error returned by emit stops the parse and is returned as is.
func Notebook(path string, data []byte, emit Emit) error {
	data = bytes.TrimPrefix(data, utf8BOM)
	var nb nbFile
	if err := json.Unmarshal(data, &nb); err != nil {
		var typeErr *json.UnmarshalTypeError
		if !errors.As(err, &typeErr) {
			return fmt.Errorf("%s: %w: %w", path, ErrNotNotebook, err)
		}
		// A value of the wrong type somewhere: encoding/json skipped it and
		// decoded the rest. Only a missing cells/worksheets list is fatal.
		if nb.Cells == nil && nb.Worksheets == nil {
			return fmt.Errorf("%s: %w: %w", path, ErrNotNotebook, err)
		}
	}
	if nb.Cells == nil && nb.Worksheets == nil {
		return fmt.Errorf("%s: %w: no \"cells\" or \"worksheets\" list", path, ErrNotNotebook)
	}

	e := nbEmitter{path: path, emit: emit}
	if err := e.text(nb.Metadata.s, -1, -1, "metadata", path, "metadata"); err != nil {
		return err
	}
	cell := 0
	for i := range nb.Cells {
		if err := e.cell(&nb.Cells[i], cell); err != nil {
			return err
		}
		cell++
	}
	for w := range nb.Worksheets {
		ws := &nb.Worksheets[w]
		if err := e.text(ws.Metadata.s, -1, -1, "metadata",
			path, "worksheet "+strconv.Itoa(w), "metadata"); err != nil {
			return err
		}
		for i := range ws.Cells {
			if err := e.cell(&ws.Cells[i], cell); err != nil {
				return err
			}
			cell++
		}
	}
	return nil
}

// nbFile is the part of a notebook that is scanned. encoding/json leaves a
// slice nil unless the value is a JSON array (an empty array gives an empty,
// non-nil slice), which tells a notebook from other JSON.
type nbFile struct {
	Cells      []nbCell      `json:"cells"`
	Worksheets []nbWorksheet `json:"worksheets"`
	Metadata   nbJSON        `json:"metadata"`
}

// nbWorksheet is an nbformat 3 worksheet.
type nbWorksheet struct {
	Cells    []nbCell `json:"cells"`
	Metadata nbJSON   `json:"metadata"`
}

// nbCell is a cell of either format. Attachments are not decoded at all.
type nbCell struct {
	Source   nbText     `json:"source"`
	Input    nbText     `json:"input"` // nbformat 3 code cells
	Metadata nbJSON     `json:"metadata"`
	Outputs  []nbOutput `json:"outputs"`
}

// nbField is one text field of an output.
type nbField struct {
	name string // mime type, "stream", "traceback" or "evalue"
	text string
}

// nbOutput holds the text fields of one output, in file order.
type nbOutput struct {
	fields []nbField
}

// nbText is a string or list of strings (a notebook "multiline string").
// Other types leave it empty.
type nbText struct {
	parts []string
}

// UnmarshalJSON never fails, so a malformed field cannot abort the decode.
func (t *nbText) UnmarshalJSON(b []byte) error {
	t.parts = decodeStrings(b)
	return nil
}

// nbJSON is a JSON value re-serialised as indented text; null and empty
// objects or arrays leave it empty.
type nbJSON struct {
	s string
}

// UnmarshalJSON never fails, so a malformed field cannot abort the decode.
func (j *nbJSON) UnmarshalJSON(b []byte) error {
	j.s = reserialise(b)
	return nil
}

// UnmarshalJSON walks the output object by hand so that image payloads are
// skipped without being copied; only the text fields are decoded. It never
// fails: an output that is not an object yields no fields.
func (o *nbOutput) UnmarshalJSON(b []byte) error {
	o.fields = nil
	type member struct {
		key string
		val []byte
	}
	var outputType string
	var members []member
	ok := forEachMember(b, func(key string, val []byte) {
		switch key {
		case "output_type":
			var s string
			if json.Unmarshal(val, &s) == nil {
				outputType = s
			}
		case "metadata", "execution_count", "prompt_number", "name", "stream", "ename":
		default:
			members = append(members, member{key, val})
		}
	})
	if !ok {
		return nil
	}
	for _, m := range members {
		switch m.key {
		case "text":
			// nbformat 4 stream text, or nbformat 3 stream text or the
			// short key for text/plain in pyout/display_data.
			switch outputType {
			case "pyout", "display_data", "execute_result":
				o.addMime("text/plain", m.val)
			default:
				o.add("stream", strings.Join(decodeStrings(m.val), ""))
			}
		case "traceback":
			o.add("traceback", strings.Join(decodeStrings(m.val), "\n"))
		case "evalue":
			o.add("evalue", strings.Join(decodeStrings(m.val), ""))
		case "data":
			forEachMember(m.val, func(key string, val []byte) {
				o.addMime(key, val)
			})
		default:
			// nbformat 3 keeps mime data on the output under short keys.
			if mime, ok := v3MimeKeys[m.key]; ok {
				o.addMime(mime, m.val)
			} else if strings.Contains(m.key, "/") {
				o.addMime(m.key, m.val)
			}
		}
	}
	return nil
}

// v3MimeKeys maps the nbformat 3 short output keys that hold text to mime
// types. "png", "jpeg", "svg" and "pdf" are deliberately absent; "text" is
// handled by the caller.
var v3MimeKeys = map[string]string{
	"html":       "text/html",
	"latex":      "text/latex",
	"markdown":   "text/markdown",
	"json":       "application/json",
	"javascript": "application/javascript",
}

func (o *nbOutput) add(name, text string) {
	if text != "" {
		o.fields = append(o.fields, nbField{name, text})
	}
}

// addMime adds a mime bundle entry if its type holds text.
func (o *nbOutput) addMime(mime string, val []byte) {
	switch mimeKind(mime) {
	case mimeText:
		if parts := decodeStrings(val); parts != nil {
			o.add(mime, strings.Join(parts, ""))
		} else {
			o.add(mime, reserialise(val))
		}
	case mimeJSON:
		var s string
		if json.Unmarshal(val, &s) == nil {
			o.add(mime, s) // JSON already serialised as a string (nbformat 3)
		} else {
			o.add(mime, reserialise(val))
		}
	}
}

const (
	mimeSkip = iota
	mimeText
	mimeJSON
)

// mimeKind says whether a mime type's payload is text, JSON, or something
// to skip (images, PDF and any other possibly base64 payload).
func mimeKind(mime string) int {
	m, _, _ := strings.Cut(mime, ";")
	m = strings.ToLower(strings.TrimSpace(m))
	switch {
	case strings.HasPrefix(m, "image/"):
		return mimeSkip
	case strings.HasPrefix(m, "text/"):
		return mimeText
	case m == "application/javascript", m == "application/x-javascript", m == "application/ecmascript":
		return mimeText
	case m == "application/json", strings.HasPrefix(m, "application/") && strings.HasSuffix(m, "+json"):
		return mimeJSON
	}
	return mimeSkip
}

// decodeStrings decodes a JSON string or list of strings. It returns nil for
// any other value; non-string list elements are dropped.
func decodeStrings(b []byte) []string {
	i := skipSpace(b, 0)
	if i >= len(b) {
		return nil
	}
	switch b[i] {
	case '"':
		var s string
		if json.Unmarshal(b, &s) != nil {
			return nil
		}
		return []string{s}
	case '[':
		// Elements that are not strings are left "" by encoding/json,
		// which reports them with an UnmarshalTypeError and carries on.
		var parts []string
		if err := json.Unmarshal(b, &parts); err != nil {
			var typeErr *json.UnmarshalTypeError
			if !errors.As(err, &typeErr) {
				return nil
			}
		}
		if parts == nil {
			parts = []string{}
		}
		return parts
	}
	return nil
}

// reserialise decodes any JSON value and encodes it again as indented JSON
// with string escapes decoded where JSON allows (no HTML escaping). It
// returns "" for null, empty objects and arrays, and undecodable input.
func reserialise(b []byte) string {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if dec.Decode(&v) != nil {
		return ""
	}
	switch v := v.(type) {
	case nil:
		return ""
	case map[string]any:
		if len(v) == 0 {
			return ""
		}
	case []any:
		if len(v) == 0 {
			return ""
		}
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", " ")
	if enc.Encode(v) != nil {
		return ""
	}
	return strings.TrimSuffix(buf.String(), "\n")
}

// nbEmitter emits the chunks of one notebook.
type nbEmitter struct {
	path string
	emit Emit
}

func (e *nbEmitter) cell(c *nbCell, idx int) error {
	cellName := "cell " + strconv.Itoa(idx)
	src := c.Source.parts
	if src == nil {
		src = c.Input.parts
	}
	if err := e.text(strings.Join(src, ""), idx, -1, "source", e.path, cellName, "source"); err != nil {
		return err
	}
	for oi := range c.Outputs {
		outName := "output " + strconv.Itoa(oi)
		for _, f := range c.Outputs[oi].fields {
			if err := e.text(f.text, idx, oi, f.name, e.path, cellName, outName, f.name); err != nil {
				return err
			}
		}
	}
	return e.text(c.Metadata.s, idx, -1, "metadata", e.path, cellName, "metadata")
}

func (e *nbEmitter) text(s string, cell, output int, field string, chain ...string) error {
	if s == "" {
		return nil
	}
	return e.emit(Chunk{
		Data: []byte(s),
		Prov: Provenance{
			Kind:   "notebook",
			Path:   e.path,
			Cell:   cell,
			Output: output,
			Field:  field,
			Chain:  chain,
		},
		Line: 1,
	})
}

// forEachMember calls fn for each member of the JSON object in b, in order,
// with the member's raw value. Values are sub-slices of b, so large strings
// are never copied. b is expected to be valid JSON (encoding/json validates
// the whole input before calling UnmarshalJSON); on anything else it stops
// and returns false, never reading out of bounds.
func forEachMember(b []byte, fn func(key string, val []byte)) bool {
	i := skipSpace(b, 0)
	if i >= len(b) || b[i] != '{' {
		return false
	}
	i = skipSpace(b, i+1)
	if i < len(b) && b[i] == '}' {
		return true
	}
	for {
		if i >= len(b) || b[i] != '"' {
			return false
		}
		end, ok := stringEnd(b, i)
		if !ok {
			return false
		}
		var key string
		if raw := b[i+1 : end-1]; bytes.IndexByte(raw, '\\') < 0 {
			key = string(raw)
		} else if json.Unmarshal(b[i:end], &key) != nil {
			return false
		}
		i = skipSpace(b, end)
		if i >= len(b) || b[i] != ':' {
			return false
		}
		i = skipSpace(b, i+1)
		vend, ok := valueEnd(b, i)
		if !ok {
			return false
		}
		fn(key, b[i:vend])
		i = skipSpace(b, vend)
		if i >= len(b) {
			return false
		}
		switch b[i] {
		case ',':
			i = skipSpace(b, i+1)
		case '}':
			return true
		default:
			return false
		}
	}
}

func skipSpace(b []byte, i int) int {
	for i < len(b) {
		switch b[i] {
		case ' ', '\t', '\r', '\n':
			i++
		default:
			return i
		}
	}
	return i
}

// stringEnd returns the index just past the JSON string starting at b[i].
func stringEnd(b []byte, i int) (int, bool) {
	j := i + 1
	for j <= len(b) {
		k := bytes.IndexByte(b[j:], '"')
		if k < 0 {
			return 0, false
		}
		q := j + k
		n := 0
		for p := q - 1; p > i && b[p] == '\\'; p-- {
			n++
		}
		if n%2 == 0 {
			return q + 1, true
		}
		j = q + 1
	}
	return 0, false
}

// valueEnd returns the index just past the JSON value starting at b[i].
func valueEnd(b []byte, i int) (int, bool) {
	if i >= len(b) {
		return 0, false
	}
	switch b[i] {
	case '"':
		return stringEnd(b, i)
	case '{', '[':
		depth := 0
		for j := i; j < len(b); {
			switch b[j] {
			case '"':
				e, ok := stringEnd(b, j)
				if !ok {
					return 0, false
				}
				j = e
				continue
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return j + 1, true
				}
			}
			j++
		}
		return 0, false
	}
	j := i
	for j < len(b) {
		switch b[j] {
		case ',', '}', ']', ' ', '\t', '\r', '\n':
			if j == i {
				return 0, false
			}
			return j, true
		}
		j++
	}
	if j == i {
		return 0, false
	}
	return j, true
}
