package image

import (
	"archive/tar"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
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
			ctx, cancel := context.WithCancel(t.Context())
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

// TestReadRepeatedLayer: a docker save manifest listing the same layer 50
// times (and a whiteout between two of its places) has the layer read
// once, at its topmost place; what the repeats hide below them is kept.
func TestReadRepeatedLayer(t *testing.T) {
	tok := newTokenGen(5).Next(t)
	layerTar := tarOf(t, entry{name: "app/", typ: tar.TypeDir}, entry{name: "app/.env", body: "HF_TOKEN=" + tok + "\n"})
	sum := sha256.Sum256(layerTar)
	diffID := "sha256:" + hex.EncodeToString(sum[:])
	wipeTar := tarOf(t, entry{name: "app/.wh..env"}, entry{name: "base.txt", body: "base\n"})
	wsum := sha256.Sum256(wipeTar)
	wipeID := "sha256:" + hex.EncodeToString(wsum[:])

	for _, tc := range []struct {
		name   string
		layers []string // "A" the token layer, "W" the whiteout, base first
		// want: the layer_index the single .env item carries, and its
		// deleted_in_layer.
		wantIndex, wantDeleted string
	}{
		{"fifty times", slices.Repeat([]string{"A"}, 50), "50", ""},
		{"below a whiteout and above it", []string{"A", "W", "A"}, "3", ""},
		{"whiteout above every place", []string{"A", "A", "W"}, "2", "3"},
		// The lower whiteout is not read again, but still deletes at its
		// own place: the nearest deletion above layer 1 is layer 2.
		{"a repeated whiteout", []string{"A", "W", "W"}, "1", "2"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var ids, paths []string
			for _, l := range tc.layers {
				if l == "A" {
					ids, paths = append(ids, diffID), append(paths, "a/layer.tar")
				} else {
					ids, paths = append(ids, wipeID), append(paths, "w/layer.tar")
				}
			}
			cfg, _ := json.Marshal(map[string]any{"architecture": "amd64", "os": "linux",
				"rootfs": map[string]any{"type": "layers", "diff_ids": ids}, "config": map[string]any{}})
			man, _ := json.Marshal([]dockerManifestEntry{{Config: "cfg.json", RepoTags: []string{"demo/rep:1"}, Layers: paths}})
			p := filepath.Join(t.TempDir(), "rep.tar")
			writeTo(t, p, tarOf(t, entry{name: "cfg.json", body: string(cfg)}, entry{name: "a/layer.tar", body: string(layerTar)},
				entry{name: "w/layer.tar", body: string(wipeTar)}, entry{name: "manifest.json", body: string(man)}))
			imgs, err := Open(t.Context(), p)
			if err != nil {
				t.Fatal(err)
			}
			items := readAll(t, imgs[0])
			var envs []got
			for _, g := range items {
				if g.it.Prov.Attrs["path"] == "/app/.env" {
					envs = append(envs, g)
				}
			}
			if len(envs) != 1 {
				t.Fatalf("/app/.env yielded %d times, want once", len(envs))
			}
			a := envs[0].it.Prov.Attrs
			if a["layer_index"] != tc.wantIndex || a["deleted_in_layer"] != tc.wantDeleted || !strings.Contains(envs[0].body, tok) {
				t.Errorf("attrs %v, want layer_index %s, deleted_in_layer %q", a, tc.wantIndex, tc.wantDeleted)
			}
		})
	}
}

func writeTo(t *testing.T, path string, data []byte) {
	t.Helper()
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}
