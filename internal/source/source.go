// Package source turns places where credentials hide (files, notebooks,
// standard input) into chunks of bytes with their provenance.
//
// Every source builds the provenance of the bytes it yields; nothing
// downstream parses paths to find out where bytes came from.
//
// Formats are read by Readers (registry.go): each one sniffs an item's
// name and first bytes and opens it, handing members and bytes to the
// Host, the scan engine, which knows no format. The readers of archives,
// notebooks and plain bytes live here, those of exports and images in
// their packages; package formats lists them all.
package source

import "time"

// Chunk is a run of bytes from one place, with where it came from.
type Chunk struct {
	// Data is only valid during the callback that receives the chunk.
	Data []byte
	// Prov says where Data came from.
	Prov Provenance
	// Offset is the byte offset of Data[0] within the item (file or field).
	Offset int64
	// Line is the 1-based line number of Data[0] within the item (cell,
	// output or file).
	Line int
	// Skip and Limit bound where matches may start: a match starting before
	// Skip belongs to the previous chunk of the item, one starting at or
	// after Limit to the next. Limit 0 means len(Data). Chunks overlap so
	// that each side of the boundary has context: see ReadChunks.
	Skip, Limit int
	// Next is where the next chunk of the item starts, relative to Data[0]
	// (len(Data) for the last chunk).
	Next int
	// LineStart is where the line holding Data[0] starts, relative to
	// Data[0] (0 or negative), so that columns stay right on lines longer
	// than a chunk.
	LineStart int
	// LineChars counts the characters of Data[0]'s line before Data[0]
	// (when LineStart < 0) in text decoded from another encoding
	// (Prov.Encoding), whose columns count characters: the bytes before
	// Data[0] are gone.
	LineChars int
	// Binary is set when the item holds non-text bytes; locations then use
	// byte offsets rather than lines.
	Binary bool
}

// Provenance is where a chunk came from. Chain is the ordered list of places,
// outermost first, e.g. ["analysis.ipynb", "cell 3", "output 0"].
type Provenance struct {
	// Kind names the source: "file", "stdin", "notebook".
	Kind string
	// Path is the file path as given or walked ("-" for stdin).
	Path string
	// Cell and Output index a notebook cell and its output; -1 when unused.
	Cell, Output int
	// Field says which part of a structured item the bytes are, e.g.
	// "source", "text/plain", "traceback".
	Field string
	// Chain is the human-readable provenance, outermost first.
	Chain []string
	// Object is the git object id for bytes read from a repository.
	Object string
	// Time is when the bytes were written, where the source knows it (a
	// chat message's or log line's timestamp): it feeds the exposure start.
	Time time.Time
	// Author wrote the bytes, where the source knows it.
	Author string
	// Line is the 1-based line of the enclosing file the item starts on,
	// when the item's bytes are decoded from it (a Slack message's text)
	// and their own lines and columns are no position in that file;
	// findings then give this line and no column. 0: not used.
	Line int
	// JSONLines is set when every line of the item is a JSON object (a
	// structured log): findings then name the field that holds them.
	JSONLines bool
	// Encoding names the text encoding the bytes were decoded from
	// ("utf-16le"; see TextReader), empty for bytes read as they are.
	// Findings in decoded text give their column in characters of the
	// text, not in bytes, and name the encoding first in their encodings.
	Encoding string
	// Attrs holds what else the source knows of the place, e.g. "image",
	// "layer", "channel", "issue", "comment", "field". Keys are stable.
	Attrs map[string]string
}

// With returns a copy of p with a new innermost element: Path becomes
// Path!name (the reading of a member inside a container) and name is
// appended to Chain.
func (p Provenance) With(kind, name string) Provenance {
	q := p
	q.Kind = kind
	q.Path = p.Path + "!" + name
	q.Chain = append(append([]string(nil), p.Chain...), name)
	q.Attrs = cloneAttrs(p.Attrs)
	return q
}

// Attr returns a copy of p with Attrs[key] set to value.
func (p Provenance) Attr(key, value string) Provenance {
	p.Attrs = cloneAttrs(p.Attrs)
	p.Attrs[key] = value
	return p
}

func cloneAttrs(m map[string]string) map[string]string {
	c := make(map[string]string, len(m)+2)
	for k, v := range m {
		c[k] = v
	}
	return c
}

// FileProvenance returns the provenance of a plain file.
func FileProvenance(kind, path string) Provenance {
	return Provenance{Kind: kind, Path: path, Cell: -1, Output: -1, Chain: []string{path}}
}

// Emit receives chunks. Returning an error stops the source.
type Emit func(Chunk) error
