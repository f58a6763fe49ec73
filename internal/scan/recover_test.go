package scan

import (
	"context"
	"io"
	"strings"
	"testing"

	"github.com/hfwarden/hfwarden/internal/source"
)

// panicReader panics on its first read: a reader's bug met by hostile
// bytes.
type panicReader struct{}

func (panicReader) Read([]byte) (int, error) { panic("index out of range [7] with length 3") }

// TestPanicInReaderIsAnError: a panic while reading one item is an error
// of that item, one line, and the items after it are still scanned.
func TestPanicInReaderIsAnError(t *testing.T) {
	tok := newTokenGen(99).Tokens(t, 1)[0]
	walk := func(ctx context.Context, visit source.Visit) error {
		bad := source.Item{Prov: source.FileProvenance("file", "bad.bin"), Name: "bad.bin", Size: -1}
		if err := visit(ctx, bad, panicReader{}); err != nil {
			return err
		}
		good := source.Item{Prov: source.FileProvenance("file", "good.env"), Name: "good.env", Size: -1}
		return visit(ctx, good, strings.NewReader("HF_TOKEN="+tok+"\n"))
	}
	res, err := New(Options{ShowSecrets: true}).Scan(t.Context(), Items(walk))
	fs, st := res.Findings, res.Stats
	if err != nil {
		t.Fatal(err)
	}
	if len(bySecret(fs, tok)) != 1 {
		t.Errorf("the item after the panic: %s", describe(fs))
	}
	if st.Errors != 1 || !strings.HasPrefix(st.ErrorList[0], "bad.bin: internal error") || strings.Contains(st.ErrorList[0], "\n") {
		t.Errorf("errors %q, want one line for bad.bin", st.ErrorList)
	}
}

var _ io.Reader = panicReader{}
