package source

import (
	"bytes"
	"context"
	"io"
)

// Chunking bounds memory on files of any size: a file is read in windows of
// ChunkSize bytes, each starting with the last Overlap bytes of the one
// before. The boundary between two chunks lies in the middle of the
// overlap: the earlier chunk reports matches starting before it, the later
// one those starting after it, so each sees Overlap/2 bytes of context on
// the far side and a credential (or an encoded one) up to Overlap/2 bytes
// long is seen whole exactly once.
const (
	ChunkSize = 256 << 10 // small enough to stay in a core's L2 cache
	Overlap   = 16 << 10
)

// Buffer is a reusable read buffer; one per worker.
type Buffer struct{ b []byte }

// NewBuffer returns a buffer for ReadChunks.
func NewBuffer() *Buffer { return &Buffer{b: make([]byte, ChunkSize+Overlap)} }

// ReadChunks reads r to its end and emits its bytes in overlapping chunks
// with line numbers (unless lines is false: then Line and LineStart are
// 0, which saves a pass over bytes whose lines nobody will ask for). head,
// if not empty, holds bytes already read from r. A read error is
// returned as it is: the caller names what was being read.
func ReadChunks(ctx context.Context, r io.Reader, head []byte, prov Provenance, binary, lines bool, buf *Buffer, emit Emit) error {
	b := buf.b
	n := copy(b, head)
	src := &firstError{r: r}
	r = src
	line := 1
	if !lines {
		line = 0
	}
	var offset int64
	skip, lineStart := 0, 0
	// Decoded text counts columns in characters: those of a line begun
	// in an earlier chunk are counted as it goes (lineChars).
	chars, lineChars := lines && prov.Encoding != "", 0
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		m, err := io.ReadFull(r, b[n:])
		n += m
		// A failing reader ends the item too, but what it gave before the
		// failure is still scanned: the error is returned after it. Only
		// the reader's own io.EOF is an end: ReadFull turns that into a
		// bare io.ErrUnexpectedEOF after a short read, but a reader that
		// fails with one itself (flate on a cut stream) is failing.
		failed := src.err != nil && src.err != io.EOF
		if failed {
			err = src.err
		}
		eof := err != nil && !failed
		limit, next := n-Overlap/2, n-min(Overlap, n) // more may follow
		if eof || failed {
			limit, next = n, n
		}
		if n > skip || (offset == 0 && n > 0) {
			c := Chunk{Data: b[:n], Prov: prov, Offset: offset, Line: line, Skip: skip, Limit: limit, Next: next, LineStart: lineStart, LineChars: lineChars, Binary: binary}
			if err := emit(c); err != nil {
				return err
			}
		}
		if failed {
			return err // the caller knows what it was reading
		}
		if eof {
			return nil
		}
		// Keep the tail as the next chunk's overlap.
		keep := Overlap
		if keep > n {
			keep = n
		}
		consumed := n - keep
		if !lines {
			// nothing to count
		} else if nl := bytes.Count(b[:consumed], []byte{'\n'}); nl > 0 {
			line += nl
			ls := lastNewline(b[:consumed]) + 1
			lineStart = ls - consumed
			if chars {
				lineChars = CountChars(b[ls:consumed])
			}
		} else {
			lineStart -= consumed
			if chars {
				lineChars += CountChars(b[:consumed])
			}
		}
		offset += int64(consumed)
		copy(b, b[consumed:n])
		n, skip = keep, limit-consumed
	}
}

// lastNewline is bytes.LastIndexByte(b, '\n') for a b known to hold one.
// LastIndexByte goes a byte at a time; base64 payloads make lines of
// megabytes, so find the last block holding a newline with the vectorised
// IndexByte first.
func lastNewline(b []byte) int {
	const block = 4 << 10
	for end := len(b); end > 0; end -= block {
		start := max(0, end-block)
		if bytes.IndexByte(b[start:end], '\n') >= 0 {
			return start + bytes.LastIndexByte(b[start:end], '\n')
		}
	}
	return -1
}

// firstError remembers the first error its reader returned.
type firstError struct {
	r   io.Reader
	err error
}

func (f *firstError) Read(p []byte) (int, error) {
	n, err := f.r.Read(p)
	if err != nil && f.err == nil {
		f.err = err
	}
	return n, err
}
