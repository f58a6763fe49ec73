package source

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"runtime/debug"
	"sync"
)

// segmentsPerRound is how many chunks are searched at once, in parallel,
// before their results are handed on in order: enough to keep every
// worker busy, few enough to bound memory (a round is about 8 MB).
const segmentsPerRound = 32

// ErrChanged is returned when a file shrinks while it is being read.
var ErrChanged = errors.New("the file changed while it was being read")

// ReadChunksParallel reads the size bytes of ra in the same overlapping
// chunks as ReadChunks, but searches them on several goroutines at once: a
// multi-gigabyte log is one file, and one core cannot keep up with the
// page cache. A file is mapped into memory a round at a time instead of
// copied. search runs on each chunk concurrently and says whether it found
// anything; emit then receives, in file order and on the calling
// goroutine, each chunk where search found something, with its line
// numbers (when lines is set) and a private copy of its bytes.
func ReadChunksParallel[M any](ctx context.Context, ra io.ReaderAt, size int64, prov Provenance, binary, lines bool, workers int,
	search func([]byte) (M, bool), emit func(Chunk, M) error) error {
	workers = max(workers, 1)
	const step = ChunkSize - Overlap // the bytes each chunk owns
	type segment struct {
		buf      []byte // read buffer, when not mapped
		data     []byte
		start    int64 // file offset of data[0]
		own      int64 // first owned byte
		found    bool
		m        M
		newlines int   // in the owned range
		lastNL   int64 // file offset of the last newline in the owned range, or -1
		cutNL    int64 // the same, before the next chunk's first byte
		err      error
	}
	segs := make([]segment, segmentsPerRound)
	// Running state, in file order: the line number at the current owned
	// start, the last newline before it, and the last newline before the
	// current chunk's first byte.
	line, lastNL, startNL := 1, int64(-1), int64(-1)

	work := func(s *segment, win []byte, winStart int64) {
		end := min(size, s.own+step+Overlap/2)
		if win != nil {
			s.data = win[s.start-winStart : end-winStart]
		} else {
			if s.buf == nil {
				s.buf = make([]byte, ChunkSize+Overlap)
			}
			n, err := ra.ReadAt(s.buf[:end-s.start], s.start)
			if err == io.EOF && int64(n) == end-s.start {
				err = nil
			}
			if err != nil {
				s.err = err
				return
			}
			s.data = s.buf[:n]
		}
		s.m, s.found = search(s.data)
		if s.found && win != nil {
			// Copy mapped bytes here, under the fault guard: a file
			// truncated now must not crash the process later.
			s.data = bytes.Clone(s.data)
		}
		s.newlines, s.lastNL, s.cutNL = 0, -1, -1
		if lines {
			from := int(s.own - s.start)
			owned := s.data[from:min(from+step, len(s.data))]
			if s.newlines = bytes.Count(owned, []byte{'\n'}); s.newlines > 0 {
				s.lastNL = s.own + int64(bytes.LastIndexByte(owned, '\n'))
				if k := bytes.LastIndexByte(owned[:min(len(owned), step-Overlap/2)], '\n'); k >= 0 {
					s.cutNL = s.own + int64(k)
				}
			}
		}
	}

	for roundStart := int64(0); roundStart == 0 || roundStart < size; roundStart += step * segmentsPerRound {
		if err := ctx.Err(); err != nil {
			return err
		}
		n := 0
		for i := range segs {
			own := roundStart + int64(i)*step
			if own >= size && own > 0 {
				break
			}
			segs[i].own, segs[i].start, segs[i].err = own, max(0, own-Overlap/2), nil
			n++
		}
		winStart, winEnd := segs[0].start, min(size, segs[n-1].own+step+Overlap/2)
		win, release, mapped := mapWindow(ra, winStart, winEnd)
		var wg sync.WaitGroup
		for w := range min(workers, n) {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if mapped {
					// A file truncated under the mapping faults: make that
					// an error of this file, not a crash.
					defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
				}
				for i := w; i < n; i += workers {
					func() {
						defer func() {
							if r := recover(); r != nil {
								if _, fault := r.(interface{ Addr() uintptr }); !fault {
									// A bug in search, met by these bytes: an
									// error of this file, not a crash (a panic
									// here, on a worker, would end the process).
									segs[i].err = fmt.Errorf("internal error while searching: %v", r)
									return
								}
								segs[i].err = ErrChanged
							}
						}()
						work(&segs[i], win, winStart)
					}()
				}
			}()
		}
		wg.Wait()
		var err error
		for i := 0; i < n && err == nil; i++ {
			s := &segs[i]
			if s.err != nil {
				err = fmt.Errorf("at offset %d: %w", s.start, s.err)
				break
			}
			if s.found {
				data := s.data
				if !mapped {
					data = bytes.Clone(data) // the read buffer is reused
				}
				c := Chunk{Data: data, Prov: prov, Offset: s.start, Skip: int(s.own - s.start), Next: len(data), Binary: binary}
				if s.own+step < size {
					c.Limit = int(s.own + step - s.start) // the next chunk owns the rest
				}
				if lines {
					c.Line = line - bytes.Count(data[:c.Skip], []byte{'\n'})
					c.LineStart = int(startNL + 1 - s.start)
				}
				err = emit(c, s.m)
			}
			startNL = lastNL
			if s.cutNL >= 0 {
				startNL = s.cutNL
			}
			line += s.newlines
			if s.lastNL >= 0 {
				lastNL = s.lastNL
			}
			s.data = nil
		}
		if mapped {
			release()
		}
		if err != nil {
			return err
		}
	}
	return nil
}
