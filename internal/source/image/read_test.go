package image

import (
	"archive/tar"
	"context"
	"errors"
	"io"
	"strings"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/hfwarden/hfwarden/internal/source"
)

// TestReadHidden checks what Read says of files that later layers delete
// with whiteouts and opaque directories, or overwrite.
func TestReadHidden(t *testing.T) {
	img := imageOf(t, func(*v1.ConfigFile) {},
		layerOf(t,
			entry{name: "data/", typ: tar.TypeDir},
			entry{name: "data/a.txt", body: "a"},
			entry{name: "data/sub/b.txt", body: "b"},
			entry{name: "keep.txt", body: "old"},
			entry{name: "etc/cfg", body: "cfg"},
			entry{name: "x", body: "x1"},
			entry{name: "d/f", body: "f"},
			entry{name: "../../escape/x", body: "e"},
			entry{name: "/abs/y", body: "y"},
			entry{name: "link", typ: tar.TypeSymlink, link: "/keep.txt"},
			entry{name: "hl", typ: tar.TypeLink, link: "keep.txt"},
		),
		layerOf(t,
			entry{name: "data/.wh..wh..opq"},
			entry{name: "data/new.txt", body: "n"},
			entry{name: ".wh.etc"},
			entry{name: ".wh.x"},
			entry{name: "d/.wh.f"},
		),
		layerOf(t,
			entry{name: ".wh.d"},
			entry{name: "keep.txt", body: "new"},
			entry{name: "data/.wh.new.txt"},
			entry{name: "x", body: "x3"},
		),
		layerOf(t,
			entry{name: "etc/cfg", body: "cfg4"},
			entry{name: ".wh.x"},
		),
	)
	items := readAll(t, Named{Name: "hidden", Image: img})

	tests := []struct {
		path, layer       string
		deleted, shadowed string // "" when not
	}{
		{"/data/a.txt", "1", "2", ""},
		{"/data/sub/b.txt", "1", "2", ""},
		{"/keep.txt", "1", "", "3"},
		{"/etc/cfg", "1", "2", "4"},
		{"/x", "1", "2", "3"},
		// Deleted itself in layer 2, with its directory in layer 3.
		{"/d/f", "1", "2", ""},
		{"/escape/x", "1", "", ""},
		{"/abs/y", "1", "", ""},
		// A layer's own opaque marker does not hide what it adds.
		{"/data/new.txt", "2", "3", ""},
		{"/keep.txt", "3", "", ""},
		{"/x", "3", "4", ""},
		{"/etc/cfg", "4", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.path+"@"+tt.layer, func(t *testing.T) {
			g := find(t, items, "path", tt.path, "layer_index", tt.layer)
			a := g.it.Prov.Attrs
			if a["deleted_in_layer"] != tt.deleted || a["shadowed_in_layer"] != tt.shadowed {
				t.Errorf("deleted_in_layer %q shadowed_in_layer %q; want %q %q",
					a["deleted_in_layer"], a["shadowed_in_layer"], tt.deleted, tt.shadowed)
			}
			if _, ok := a["note"]; ok != (tt.deleted != "") {
				t.Errorf("note = %q", a["note"])
			}
			if want := "img.tar!layer " + tt.layer + "/" + strings.TrimPrefix(tt.path, "/"); g.it.Prov.Path != want {
				t.Errorf("Prov.Path = %q", g.it.Prov.Path)
			}
		})
	}
	if len(items) != len(tests) {
		for _, g := range items {
			t.Log(g.it.Prov.Path)
		}
		t.Errorf("Read yielded %d items, want %d (no links, directories or whiteouts)", len(items), len(tests))
	}
}

// TestReadVisitErrors checks that a member error goes on, that any other
// error or a cancelled context stops Read.
func TestReadVisitErrors(t *testing.T) {
	n := Named{Name: "demo", Image: newFixture(t).img}
	all := len(readAll(t, n))
	stop := errors.New("disk full")
	tests := []struct {
		name      string
		ret       func(ctx context.Context, cancel func(), it source.Item) error
		wantErr   error
		wantCount int // items visited
	}{
		{"member errors go on", func(_ context.Context, _ func(), it source.Item) error {
			return &source.MemberError{Path: it.Prov.Path, Err: errors.New("bad member")}
		}, nil, all},
		{"other error stops in config", func(_ context.Context, _ func(), it source.Item) error {
			return stop
		}, stop, 1},
		{"other error stops in a layer", func(_ context.Context, _ func(), it source.Item) error {
			if it.Prov.Kind == "image-layer" {
				return stop
			}
			return nil
		}, stop, all - 2},
		{"cancelled context stops", func(_ context.Context, cancel func(), it source.Item) error {
			if it.Prov.Kind == "image-layer" {
				cancel()
			}
			return nil
		}, context.Canceled, all - 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			count := 0
			err := Read(ctx, n, source.FileProvenance("image", "img.tar"), func(ctx context.Context, it source.Item, _ io.Reader) error {
				count++
				return tt.ret(ctx, cancel, it)
			})
			if !errors.Is(err, tt.wantErr) || (tt.wantErr == nil) != (err == nil) {
				t.Errorf("Read error = %v, want %v", err, tt.wantErr)
			}
			if count != tt.wantCount {
				t.Errorf("visited %d items, want %d", count, tt.wantCount)
			}
		})
	}
}
