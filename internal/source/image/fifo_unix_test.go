//go:build linux || darwin || freebsd

package image

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/hfwarden/hfwarden/internal/source"
)

// TestLayoutFIFOBlob: an OCI layout directory whose layer blob is a FIFO
// is read without blocking: that layer is an error, the others are read.
func TestLayoutFIFOBlob(t *testing.T) {
	f := newFixture(t)
	dir := t.TempDir()
	writeLayout(t, f.img, dir, "demo:1")
	layers, err := f.img.Layers()
	if err != nil {
		t.Fatal(err)
	}
	d, err := layers[0].Digest()
	if err != nil {
		t.Fatal(err)
	}
	blob := filepath.Join(dir, "blobs", d.Algorithm, d.Hex)
	if err := os.Remove(blob); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mkfifo(blob, 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	done := make(chan error, 1)
	var items int
	go func() {
		imgs, err := Open(ctx, dir)
		if err != nil {
			done <- err
			return
		}
		done <- Read(ctx, imgs[0], source.FileProvenance("image", dir), func(context.Context, source.Item, io.Reader) error {
			items++
			return nil
		})
	}()
	select {
	case err := <-done:
		if err == nil || !strings.Contains(err.Error(), "layer 1") || items == 0 {
			t.Errorf("Read: %v after %d items; want layer 1 to fail and the rest to be read", err, items)
		}
	case <-ctx.Done():
		t.Fatal("reading a layout with a FIFO blob blocked")
	}
}
