package export

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// errTooBig is returned once one JSON value has taken more than MaxValue
// bytes.
var errTooBig = fmt.Errorf("a single JSON value is larger than %d MiB", MaxValue>>20)

// budgetReader fails once more than max bytes have been read since the last
// reset. Reset before each element of a streamed array, it bounds what a
// json.Decoder buffers for one element, whatever the input.
type budgetReader struct {
	r      io.Reader
	n, max int64
}

func newBudgetReader(r io.Reader) *budgetReader { return &budgetReader{r: r, max: MaxValue} }

func (b *budgetReader) Read(p []byte) (int, error) {
	if b.n >= b.max {
		return 0, errTooBig
	}
	if int64(len(p)) > b.max-b.n {
		p = p[:b.max-b.n]
	}
	n, err := b.r.Read(p)
	b.n += int64(n)
	return n, err
}

func (b *budgetReader) reset() { b.n = 0 }

// lineTracker counts the lines of what a json.Decoder reads through it, so
// that a decoded value can be given the line of the file it starts on.
// It keeps the offsets of the newlines read but not yet passed, which the
// decoder's read-ahead (bounded by the budget) bounds.
type lineTracker struct {
	r    io.Reader
	off  int64   // bytes read so far
	nl   []int64 // offsets of newlines at or after the last lineAt
	line int     // newlines before the last lineAt offset
}

func (t *lineTracker) Read(p []byte) (int, error) {
	n, err := t.r.Read(p)
	for i := 0; i < n; {
		j := bytes.IndexByte(p[i:n], '\n')
		if j < 0 {
			break
		}
		t.nl = append(t.nl, t.off+int64(i+j))
		i += j + 1
	}
	t.off += int64(n)
	return n, err
}

// lineAt returns the 1-based line holding offset off; offsets must not
// decrease from one call to the next.
func (t *lineTracker) lineAt(off int64) int {
	k := 0
	for k < len(t.nl) && t.nl[k] < off {
		k++
	}
	t.line += k
	t.nl = append(t.nl[:0], t.nl[k:]...)
	return t.line + 1
}

// inputError is a problem with the export's bytes, as opposed to an error
// the visit returned: the former is confined to the file (or line) it was
// found in, the latter stops the read.
type inputError struct{ err error }

func (e *inputError) Error() string { return e.err.Error() }
func (e *inputError) Unwrap() error { return e.err }

// badJSON describes a decoding error with where in the input it happened.
func badJSON(dec *json.Decoder, err error) error {
	var ie *inputError
	if errors.As(err, &ie) {
		return err
	}
	switch {
	case errors.Is(err, errTooBig):
		return &inputError{fmt.Errorf("near byte %d: %w", dec.InputOffset(), err)}
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return &inputError{fmt.Errorf("truncated JSON after byte %d", dec.InputOffset())}
	}
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return &inputError{fmt.Errorf("invalid JSON at byte %d: %v", se.Offset, err)}
	}
	var te *json.UnmarshalTypeError
	if errors.As(err, &te) {
		return &inputError{fmt.Errorf("unexpected JSON at byte %d: %v", te.Offset, err)}
	}
	// A read error of the underlying file.
	return &inputError{fmt.Errorf("reading: %w", err)}
}

// isTypeError reports whether err only says that a value had another JSON
// type than expected: the decoder has read past the value and the stream
// goes on.
func isTypeError(err error) bool {
	var te *json.UnmarshalTypeError
	return errors.As(err, &te)
}

// elements calls fn for each element of the JSON array that dec reads next;
// fn decodes the element. The budget is reset before each element.
func elements(ctx context.Context, dec *json.Decoder, br *budgetReader, fn func(i int) error) error {
	if err := expectDelim(dec, '['); err != nil {
		return err
	}
	for i := 0; dec.More(); i++ {
		if err := ctx.Err(); err != nil {
			return err
		}
		br.reset()
		if err := fn(i); err != nil {
			return err
		}
	}
	if _, err := dec.Token(); err != nil {
		return badJSON(dec, err)
	}
	return nil
}

// fields calls fn with each key of the JSON object whose '{' dec has just
// read; fn must consume the value. The budget is reset before each value.
func fields(ctx context.Context, dec *json.Decoder, br *budgetReader, fn func(key string) error) error {
	for dec.More() {
		if err := ctx.Err(); err != nil {
			return err
		}
		br.reset()
		tok, err := dec.Token()
		if err != nil {
			return badJSON(dec, err)
		}
		key, _ := tok.(string)
		if err := fn(key); err != nil {
			return err
		}
	}
	if _, err := dec.Token(); err != nil {
		return badJSON(dec, err)
	}
	return nil
}

// skip consumes the next JSON value.
func skip(dec *json.Decoder) error {
	var raw json.RawMessage
	if err := dec.Decode(&raw); err != nil {
		return badJSON(dec, err)
	}
	return nil
}

// expectDelim reads the next token and fails unless it is d.
func expectDelim(dec *json.Decoder, d json.Delim) error {
	tok, err := dec.Token()
	if err != nil {
		return badJSON(dec, err)
	}
	if tok != d {
		return &inputError{fmt.Errorf("at byte %d: expected '%c', found %s", dec.InputOffset(), d, describe(tok))}
	}
	return nil
}

// describe names a JSON token without quoting its value, which may be a
// secret.
func describe(tok json.Token) string {
	switch t := tok.(type) {
	case json.Delim:
		return fmt.Sprintf("'%c'", t)
	case string:
		return "a string"
	case float64, json.Number:
		return "a number"
	case bool:
		return "a boolean"
	case nil:
		return "null"
	}
	return "something else"
}

// textLeaves appends the "text" leaves of a decoded JSON document (Slack
// blocks, Atlassian Document Format): the strings under "text" (and
// "url" for links) of every object, depth first, in order.
func textLeaves(v any, out []string, depth int) []string {
	if depth > 200 {
		return out
	}
	switch t := v.(type) {
	case map[string]any:
		if s, ok := t["text"].(string); ok {
			out = append(out, s)
		}
		if s, ok := t["url"].(string); ok {
			out = append(out, s)
		}
		if a, ok := t["attrs"].(map[string]any); ok {
			for _, k := range []string{"href", "url"} {
				if s, ok := a[k].(string); ok {
					out = append(out, s)
				}
			}
		}
		for _, k := range []string{"text", "elements", "content", "marks", "fields", "accessory"} {
			switch c := t[k].(type) {
			case []any, map[string]any:
				out = textLeaves(c, out, depth+1)
			}
		}
	case []any:
		for _, c := range t {
			out = textLeaves(c, out, depth+1)
		}
	}
	return out
}
