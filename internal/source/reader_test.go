package source

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"
)

// TestReadChunksEnds: only the reader's own io.EOF ends an item quietly;
// any other error, a bare io.ErrUnexpectedEOF included (what flate says of
// a cut stream), is returned, after the bytes read before it are emitted.
func TestReadChunksEnds(t *testing.T) {
	data := bytes.Repeat([]byte("0123456789\n"), 50_000) // several chunks
	for _, tc := range []struct {
		name    string
		r       io.Reader
		wantErr error
	}{
		{"clean end", bytes.NewReader(data), nil},
		{"one byte at a time", iotest.OneByteReader(bytes.NewReader(data[:3000])), nil},
		{"bare unexpected EOF", io.MultiReader(bytes.NewReader(data), iotest.ErrReader(io.ErrUnexpectedEOF)), io.ErrUnexpectedEOF},
		{"other error", io.MultiReader(bytes.NewReader(data), iotest.ErrReader(errors.New("disk on fire"))), errors.New("")},
		{"error with the data", iotest.DataErrReader(io.MultiReader(bytes.NewReader(data), iotest.ErrReader(io.ErrUnexpectedEOF))), io.ErrUnexpectedEOF},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var end int64
			err := ReadChunks(t.Context(), tc.r, nil, FileProvenance("file", "x"), false, true, NewBuffer(), func(c Chunk) error {
				end = c.Offset + int64(c.Next)
				return nil
			})
			switch {
			case tc.wantErr == nil && err != nil:
				t.Fatalf("error %v, want none", err)
			case tc.wantErr != nil && err == nil:
				t.Fatalf("no error, want one")
			case tc.wantErr == io.ErrUnexpectedEOF && !errors.Is(err, io.ErrUnexpectedEOF):
				t.Fatalf("error %v", err)
			}
			want := int64(len(data))
			if tc.name == "one byte at a time" {
				want = 3000
			}
			if end != want {
				t.Errorf("emitted up to %d, want every byte (%d)", end, want)
			}
		})
	}
}

// TestReadChunksParallelPanic: a panic in search, on a worker goroutine,
// is the file's error, not the end of the process.
func TestReadChunksParallelPanic(t *testing.T) {
	data := bytes.Repeat([]byte("0123456789\n"), 200_000)
	calls := 0
	err := ReadChunksParallel(t.Context(), bytes.NewReader(data), int64(len(data)), FileProvenance("file", "x"), false, true, 4,
		func(b []byte) (int, bool) {
			if bytes.Contains(b, []byte("789\n")) {
				var m []int
				m[len(b)]++ // an index out of range: a bug, met by these bytes
			}
			return 0, false
		},
		func(Chunk, int) error { calls++; return nil })
	if err == nil || !strings.Contains(err.Error(), "internal error") {
		t.Fatalf("error %v, want the panic as an error", err)
	}
}
