package mail

import (
	"bufio"
	"bytes"
	"errors"
	"io"
)

// mboxLine bounds the line buffer of the mbox splitter; longer lines pass
// through in pieces (only a line's start tells a message's start).
const mboxLine = 64 << 10

// splitter cuts an mbox into messages: a message starts at a "From "
// line that opens the file or follows a blank line (the way writers
// separate messages; a body's own "From " lines are written ">From ").
// Quoted ">From " lines get one '>' back off, as mboxrd readers do.
type splitter struct {
	br *bufio.Reader
	// pending is the part of the current line not yet read.
	pending []byte
	// lineStart: the next byte read starts a line; blank: the line before
	// it was empty.
	lineStart, blank bool
	// next: a "From " line was met; the current message has ended.
	next bool
	// fromRest: that line goes on past the buffer.
	fromRest bool
	err      error
}

func newSplitter(r io.Reader) *splitter {
	return &splitter{br: bufio.NewReaderSize(r, mboxLine), lineStart: true, blank: true}
}

// Next skips the rest of the current message and the "From " line of the
// next one, and tells whether there is one.
func (s *splitter) Next() bool {
	if _, err := io.Copy(io.Discard, s); err != nil || !s.next {
		return false
	}
	// The rest of a "From " line longer than the buffer.
	for s.fromRest {
		_, err := s.br.ReadSlice('\n')
		s.fromRest = errors.Is(err, bufio.ErrBufferFull)
		if err != nil && !s.fromRest {
			s.err = err
		}
	}
	s.next, s.lineStart, s.blank, s.pending = false, true, false, nil
	return true
}

// Err is the read error that ended the mbox, nil at its end.
func (s *splitter) Err() error {
	if errors.Is(s.err, io.EOF) {
		return nil
	}
	return s.err
}

// Read reads the current message, up to the next "From " line.
func (s *splitter) Read(p []byte) (int, error) {
	for len(s.pending) == 0 {
		if s.next || s.err != nil {
			return 0, io.EOF
		}
		line, err := s.br.ReadSlice('\n')
		full := errors.Is(err, bufio.ErrBufferFull)
		if err != nil && !full {
			s.err = err
		}
		if s.lineStart && s.blank && bytes.HasPrefix(line, []byte("From ")) {
			// The next message starts; Next skips the rest of its line.
			s.next, s.fromRest = true, full
			return 0, io.EOF
		}
		if s.lineStart && quotedFrom(line) {
			line = line[1:]
		}
		if s.lineStart {
			s.blank = len(bytes.TrimRight(line, "\r\n")) == 0 && !full
		}
		s.lineStart = !full
		s.pending = line
	}
	n := copy(p, s.pending)
	s.pending = s.pending[n:]
	return n, nil
}

// quotedFrom reports whether line is ">From ", ">>From "...
func quotedFrom(line []byte) bool {
	i := 0
	for i < len(line) && line[i] == '>' {
		i++
	}
	return i > 0 && bytes.HasPrefix(line[i:], []byte("From "))
}
