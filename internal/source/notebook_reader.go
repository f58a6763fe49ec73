package source

import (
	"bytes"
	"context"
	"io"
	"math"
	"slices"

	"github.com/hfwarden/hfwarden/internal/detect"
)

// Parsing a notebook cell by cell costs a few times its text in memory
// (the file, the decoded strings, their joins): 250 MB of printed logs
// took over a gigabyte. So only notebooks within a budget are parsed;
// past it they are scanned as raw bytes, which finds the same tokens,
// located by file line and column instead of by cell. The text budget is
// Limits.NotebookText.
const (
	// maxNotebook bounds the file bytes held to parse a notebook's cells.
	maxNotebook = 128 << 20
	// maxNotebookHits bounds the copies of chunks with findings that the
	// first, raw pass keeps for a notebook.
	maxNotebookHits = 16 << 20
)

// NotebookReader reads Jupyter notebooks: raw bytes first (fast, and they
// hold every token a notebook holds); only when that finds something, or
// a token start cut short by a quote, are the cells parsed, to locate
// findings by cell and output and to join literals that the JSON
// separates.
func NotebookReader() Reader { return notebookReader{} }

type notebookReader struct{}

func (notebookReader) Name() string                        { return "notebook" }
func (notebookReader) Sniff(name string, head []byte) bool { return LooksLikeNotebook(name, head) }

func (nb notebookReader) Open(ctx context.Context, in *Input, h Host) error {
	if in.Path != "" {
		if in.Item.Size <= 2*maxNotebook {
			// Up to twice the budget, the raw pass (cheap, bounded)
			// decides whether the cells are parsed; larger ones are raw
			// bytes at once.
			nb.stream(ctx, in, h)
			return nil
		}
		h.Scan(ctx, Bytes{Prov: in.Item.Prov, Head: in.Head, R: in.R, RA: in.RA, Size: in.Item.Size,
			Binary: IsBinary(in.Head), Detector: DetectNotebook})
		return nil
	}
	if in.Item.Size > maxNotebook {
		return ErrSkip // past the budget: its bytes, as any member's
	}
	prov := in.Item.Prov
	size := in.Item.Size
	if size < 0 {
		size = 1 << 20 // a guess: grown as needed
	}
	data, err := readSized(io.LimitReader(in.Whole(), maxNotebook+1), size)
	if err != nil {
		h.Fail("%s: %v", prov.Path, err)
	}
	if int64(len(data)) > maxNotebook {
		// Larger than it said (or it said nothing): past the budget,
		// the whole member as raw bytes, what was read first included.
		h.Scan(ctx, Bytes{Prov: prov, R: io.MultiReader(bytes.NewReader(data), in.R), Detector: DetectNotebook})
		return nil
	}
	h.CountBytes(int64(len(data)))
	nb.ReadBytes(ctx, data, prov, h)
	return nil
}

// textBudget is the scan's Limits.NotebookText.
func textBudget(h Host) int64 {
	if n := h.Limits().NotebookText; n > 0 {
		return n
	}
	return DefaultNotebookText
}

// nbHit is a chunk with the matches found in it.
type nbHit struct {
	c  Chunk
	ms []detect.Match
}

// stream reads a notebook file in place: one raw pass, then, only if it
// found something, the file again, parsed cell by cell.
func (notebookReader) stream(ctx context.Context, in *Input, h Host) {
	path := in.Path
	prov := FileProvenance("notebook", path)
	var raw []nbHit
	hinted := false
	var total, text, kept int64
	var skipper ImageSkipper
	// No line numbers in this pass: its findings are reported only if the
	// notebook turns out malformed, and then the file is read again whole.
	err := ReadChunks(ctx, in.R, in.Head, prov, false, false, h.Buffer(), func(c Chunk) error {
		total = max(total, c.Offset+int64(len(c.Data)))
		// Image payloads are most of the bytes and are skipped by the
		// cell-by-cell reading anyway: do not scan them here either.
		var ms []detect.Match
		skipper = skipper.Segments(c.Data, c.Next, func(start, end int) {
			text += int64(max(0, min(end, c.Next)-start)) // each byte once: chunks overlap
			seg, hint := h.Detect(c.Data[start:end], DetectNotebook)
			hinted = hinted || hint
			for _, m := range seg {
				m.Start, m.End = m.Start+start, m.End+start
				for i := range m.Parts {
					m.Parts[i].Start += start
					m.Parts[i].End += start
				}
				ms = append(ms, m)
			}
		})
		if len(ms) > 0 {
			kept += int64(len(c.Data))
			if kept <= maxNotebookHits { // past it, the raw rescan below reports them
				c.Data = slices.Clone(c.Data)
				raw = append(raw, nbHit{c, ms})
			}
		}
		return nil
	})
	h.CountBytes(total)
	if err != nil {
		h.Fail("%s: %v", path, err)
		return
	}
	if len(raw) == 0 && !hinted {
		return
	}
	// The file again, from its start.
	again := io.NewSectionReader(in.RA, 0, math.MaxInt64)
	if budget := textBudget(h); total > maxNotebook || text > budget || kept > maxNotebookHits {
		// Past the budget: the file again as raw bytes, with lines.
		h.Warn("%s: notebook of %d MB (%d MB of text, past the %d MB parsed cell by cell): scanned as raw bytes, findings located by line",
			path, total>>20, text>>20, budget>>20)
		h.Scan(ctx, Bytes{Prov: prov, R: again, Detector: DetectNotebook, Rescan: true})
		return
	}
	// fallback reports the raw findings when the cells cannot be read:
	// from the whole file (with lines) if it could be read again, else by
	// byte offset.
	fallback := func(why error, data []byte) {
		h.Warn("%s: %v; scanned as raw JSON", path, why)
		if data != nil {
			ms, _ := h.Detect(data, DetectNotebook)
			h.Report(Chunk{Data: data, Prov: prov, Line: 1}, ms)
			return
		}
		for _, r := range raw {
			r.c.Binary = true // no line numbers were counted
			h.Report(r.c, r.ms)
		}
	}
	data, err := readSized(again, total)
	if err != nil {
		fallback(err, nil)
		return
	}
	var cells []nbHit
	err = Notebook(path, data, func(c Chunk) error {
		if ms, _ := h.Detect(c.Data, DetectPlain); len(ms) > 0 {
			cells = append(cells, nbHit{c, ms})
		}
		return nil
	})
	if err != nil {
		fallback(err, data)
		return
	}
	for _, c := range cells {
		h.Report(c.c, c.ms)
	}
}

// ReadBytes reads a notebook held in memory: raw first, cell by cell only
// when the raw bytes show something.
func (notebookReader) ReadBytes(_ context.Context, data []byte, prov Provenance, h Host) {
	raw, hint := h.Detect(data, DetectNotebook)
	if len(raw) == 0 && !hint {
		return
	}
	budget := textBudget(h)
	if text := notebookText(data); int64(len(data)) > maxNotebook || text > budget {
		h.Warn("%s: notebook of %d MB (%d MB of text, past the %d MB parsed cell by cell): scanned as raw bytes, findings located by line",
			prov.Path, len(data)>>20, text>>20, budget>>20)
		h.Report(Chunk{Data: data, Prov: prov, Line: 1}, raw)
		return
	}
	var cells []nbHit
	err := Notebook(prov.Path, data, func(c Chunk) error {
		if ms, _ := h.Detect(c.Data, DetectPlain); len(ms) > 0 {
			c.Prov.Kind, c.Prov.Object, c.Prov.Path, c.Prov.Attrs = prov.Kind, prov.Object, prov.Path, prov.Attrs
			// A notebook's time and author are those of what holds it (a
			// mail's attachment: the message's date).
			c.Prov.Time, c.Prov.Author = prov.Time, prov.Author
			if len(prov.Chain) > 1 { // a notebook inside a container
				c.Prov.Chain = append(append([]string(nil), prov.Chain...), c.Prov.Chain[1:]...)
			}
			c.Data = bytes.Clone(c.Data)
			cells = append(cells, nbHit{c, ms})
		}
		return nil
	})
	if err != nil {
		h.Report(Chunk{Data: data, Prov: prov, Line: 1}, raw)
		return
	}
	for _, c := range cells {
		h.Report(c.c, c.ms)
	}
}

// notebookText counts a notebook's bytes outside image payloads: what
// parsing its cells decodes.
func notebookText(data []byte) int64 {
	var n int64
	ImageSkipper{}.Segments(data, len(data), func(start, end int) { n += int64(end - start) })
	return n
}

// readSized reads r whole into one buffer sized for the size bytes
// expected, so that a large notebook is not held twice while io.ReadAll
// grows its buffer; it reads no more than twice maxNotebook.
func readSized(r io.Reader, size int64) ([]byte, error) {
	b := bytes.NewBuffer(make([]byte, 0, min(size, 2*maxNotebook)+bytes.MinRead))
	_, err := b.ReadFrom(io.LimitReader(r, 2*maxNotebook))
	return b.Bytes(), err
}
