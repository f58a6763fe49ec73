// Package pyc reads compiled Python (.pyc files, __pycache__): the
// string and bytes constants of every code object, module, class,
// function and comprehension, each code object an item of its own.
package pyc

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"strconv"

	"github.com/hfwarden/hfwarden/internal/secret"
	"github.com/hfwarden/hfwarden/internal/source"
)

// maxFile bounds the .pyc files parsed; a larger one (no compiler writes
// one, but data can be marshalled into anything) is scanned as raw
// bytes.
const maxFile = 64 << 20

// maxName bounds a code object's name as put in a location.
const maxName = 200

// Reader reads .pyc files of the CPython versions in layouts, by their
// magic number whatever their name. Each code object's string constants
// (tuples of them flattened in place) are one text item, a constant a
// line, located "module.pyc!qualified.name" ("<module>" for the module's
// own code, "f.<locals>.g" for a nested function, "C.method" in a
// class): a constant's exact bounds, and a token the code joins from
// constants ("".join(["hf_…", "…"])) found across lines. Then the file's
// bytes are scanned as they are, without what the constants gave.
func Reader() source.Reader { return reader{} }

type reader struct{}

func (reader) Name() string { return "pyc" }

func (reader) Sniff(_ string, head []byte) bool {
	lay, ok := sniff(head)
	return ok && len(head) > lay.header && head[lay.header]&^flagRef == typeCode
}

// sniff returns the layout of the version whose magic number head
// starts with.
func sniff(head []byte) (layout, bool) {
	if len(head) < 4 || head[2] != '\r' || head[3] != '\n' {
		return layout{}, false
	}
	lay, ok := layouts[binary.LittleEndian.Uint16(head)]
	return lay, ok
}

func (reader) Open(ctx context.Context, in *source.Input, h source.Host) error {
	path := in.Item.Prov.Path
	bin := source.IsBinary(in.Head)
	data, err := io.ReadAll(io.LimitReader(in.Whole(), maxFile+1))
	if err != nil {
		h.Fail("%s: %v", path, err)
		h.Scan(ctx, source.Bytes{Prov: in.Item.Prov, R: bytes.NewReader(data), Binary: bin})
		return nil
	}
	if len(data) > maxFile {
		h.Warn("%s: compiled Python larger than %d bytes: scanned as raw bytes", path, maxFile)
		h.Scan(ctx, source.Bytes{Prov: in.Item.Prov, Head: data, R: in.R, Binary: bin})
		return nil
	}
	// The file's bytes first, searched as they are; the constants are
	// read only where those bytes hold something to find, or the start
	// of a Hugging Face token that the code may join from pieces (most
	// compiled code holds neither, and costs one search).
	h.CountBytes(int64(len(data)))
	raw, hint := h.Detect(data, source.DetectPlain)
	rawChunk := source.Chunk{Data: data, Prov: in.Item.Prov, Line: 1, Next: len(data), Binary: bin}
	if len(raw) == 0 && !hint && !bytes.Contains(data, []byte("hf_")) && !bytes.Contains(data, []byte("api_org_")) {
		return nil
	}
	before := h.Mark()
	// Each code object's constants are searched in memory and reported
	// in its place.
	cut, err := constants(ctx, data, in.Item.Prov, func(prov source.Provenance, text []byte) {
		ms, _ := h.Detect(text, source.DetectPlain)
		h.Report(source.Chunk{Data: text, Prov: prov, Line: 1, Next: len(text)}, ms)
	})
	if err != nil {
		h.Fail("%s: %v: its bytes were scanned as they are", path, err)
	}
	if cut {
		h.Warn("%s: constants past %d bytes: the rest were scanned as raw bytes only", path, constBudget(len(data)))
	}
	// Then what the bytes hold that the constants did not give (a name,
	// a constant past the bound, what follows a damaged object).
	found := h.FoundSince(before, path)
	kept := raw[:0]
	for _, m := range raw {
		if !found[secret.Fingerprint(m.Secret)] {
			kept = append(kept, m)
		}
	}
	h.Report(rawChunk, kept)
	return nil
}

// constBudget bounds the bytes the constants of a file of size bytes
// may come to: a reference repeats a tuple without repeating its bytes,
// so nested references could make a small file say much.
func constBudget(size int) int { return 4*size + 1<<20 }

// constants hands the string constants of data, a whole .pyc file of a
// version Reader sniffs, to emit: one text per code object, with its
// provenance under prov. cut tells that they came to more than
// constBudget and the rest were left out.
func constants(ctx context.Context, data []byte, prov source.Provenance, emit func(source.Provenance, []byte)) (cut bool, err error) {
	lay, ok := sniff(data)
	if !ok || len(data) < lay.header {
		return false, errors.New("not compiled Python of a version read")
	}
	v, err := parse(data[lay.header:], lay)
	if err != nil {
		return false, fmt.Errorf("not a well-formed Python %s code file (%w)", lay.version, err)
	}
	if v.kind != kindCode {
		return false, fmt.Errorf("not a Python %s code file: no code object", lay.version)
	}
	w := &walker{emit: emit, prov: prov, seen: map[*code]bool{}, left: constBudget(len(data))}
	w.code(ctx, v.code, nil, "")
	return w.cut, nil
}

// coOptimized marks a function's code (not a module's or class body's):
// what it nests is "<locals>" in a qualified name.
const coOptimized = 0x1

// walker hands each code object's constants on as one text.
type walker struct {
	emit func(source.Provenance, []byte)
	prov source.Provenance
	seen map[*code]bool
	// left is what is left of constBudget.
	left int
	cut  bool
	// written holds the constants of the code object being written.
	written map[string]bool
}

// code hands on c's constants, then those of the code objects it holds.
func (w *walker) code(ctx context.Context, c *code, parent *code, parentQual string) {
	if w.seen[c] || ctx.Err() != nil {
		return
	}
	w.seen[c] = true
	qual := c.qualname
	if qual == "" {
		// Before 3.11 a code object names itself only: qualify it the
		// way CPython does.
		qual = c.name
		if parent != nil && parentQual != "<module>" {
			sep := "."
			if parent.flags&coOptimized != 0 {
				sep = ".<locals>."
			}
			qual = parentQual + sep + c.name
		}
	}
	if len(qual) > maxName {
		qual = qual[:maxName] + "…"
	}
	var text bytes.Buffer
	var nested []*code
	// Python 3.6 keeps a folded tuple's elements as constants beside it:
	// a string is written once per code object.
	w.written = map[string]bool{}
	w.consts(c.consts, &text, &nested, 0)
	if text.Len() > 0 {
		w.emit(w.prov.With("pyc", qual), text.Bytes())
	}
	for _, n := range nested {
		w.code(ctx, n, c, qual)
	}
}

// consts writes the strings of v, a line each, and gathers the code
// objects it holds.
func (w *walker) consts(v *value, out *bytes.Buffer, nested *[]*code, depth int) {
	if v == nil || depth > maxDepth || w.cut {
		return
	}
	switch v.kind {
	case kindText, kindBytes:
		if len(v.s) == 0 {
			return
		}
		q := strconv.Quote(string(v.s))
		if v.kind == kindBytes {
			q = "b" + q
		}
		if w.written[q] {
			return
		}
		w.written[q] = true
		if len(q)+1 > w.left {
			w.cut = true
			return
		}
		w.left -= len(q) + 1
		out.WriteString(q)
		out.WriteByte('\n')
	case kindSeq:
		w.left -= len(v.items) // each element costs, strings or not
		if w.left < 0 {
			w.cut = true
			return
		}
		for _, it := range v.items {
			w.consts(it, out, nested, depth+1)
		}
	case kindCode:
		*nested = append(*nested, v.code)
	}
}
