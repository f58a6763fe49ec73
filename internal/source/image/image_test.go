package image

import (
	"archive/tar"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/tarball"

	"github.com/hfwarden/hfwarden/internal/detect"
	"github.com/hfwarden/hfwarden/internal/source"
)

// writeDockerSave writes img as Docker itself saves images: plain tar
// layers under <n>/layer.tar, the last one a symbolic link to a shared copy
// (docker save links identical layers).
func writeDockerSave(t testing.TB, img v1.Image, dst, tag string) {
	t.Helper()
	raw, err := img.RawConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	layers, err := img.Layers()
	if err != nil {
		t.Fatal(err)
	}
	entries := []entry{{name: "cfg.json", body: string(raw)}}
	var paths []string
	for i, l := range layers {
		rc, err := l.Uncompressed()
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(rc)
		_ = rc.Close() // only read: closing it loses nothing
		if err != nil {
			t.Fatal(err)
		}
		p := fmt.Sprintf("%d/layer.tar", i+1)
		if i == len(layers)-1 {
			entries = append(entries, entry{name: "shared/layer.tar", body: string(b)},
				entry{name: p, typ: tar.TypeSymlink, link: "../shared/layer.tar"})
		} else {
			entries = append(entries, entry{name: p, body: string(b)})
		}
		paths = append(paths, p)
	}
	var tags []string
	if tag != "" {
		tags = []string{tag}
	}
	m, err := json.Marshal([]dockerManifestEntry{{Config: "cfg.json", RepoTags: tags, Layers: paths}})
	if err != nil {
		t.Fatal(err)
	}
	entries = append(entries, entry{name: "manifest.json", body: string(m)})
	if err := os.WriteFile(dst, tarOf(t, entries...), 0o644); err != nil {
		t.Fatal(err)
	}
}

func writeLayout(t testing.TB, img v1.Image, dir, ref string) {
	t.Helper()
	p, err := layout.Write(dir, empty.Index)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.AppendImage(img, layout.WithAnnotations(map[string]string{"org.opencontainers.image.ref.name": ref})); err != nil {
		t.Fatal(err)
	}
}

// TestFormats writes the fixture image in each format, opens it the way
// the CLI would, and checks everything Read yields.
func TestFormats(t *testing.T) {
	f := newFixture(t)
	layers, err := f.img.Layers()
	if err != nil {
		t.Fatal(err)
	}
	var digests, diffIDs []string
	for _, l := range layers {
		d, _ := l.Digest()
		di, _ := l.DiffID()
		digests = append(digests, d.String())
		diffIDs = append(diffIDs, di.String())
	}

	srv := httptest.NewServer(registry.New(registry.Logger(log.New(io.Discard, "", 0))))
	t.Cleanup(srv.Close)
	host := strings.TrimPrefix(srv.URL, "http://")

	tests := []struct {
		name     string
		kind     Kind
		wantName string
		wantIDs  []string
		// wantDigests are the registry digests: none for plain tar layers.
		wantDigests []string
		// write stores the image and returns the path to open, or "" to
		// fetch ref from the registry.
		write func(t *testing.T, dir string) string
	}{
		{
			name: "docker save by go-containerregistry", kind: KindDockerSave,
			wantName: "example.com/demo/app:v1", wantIDs: diffIDs, wantDigests: digests,
			write: func(t *testing.T, dir string) string {
				p := filepath.Join(dir, "image.tar")
				if err := tarball.WriteToFile(p, name.MustParseReference("example.com/demo/app:v1"), f.img); err != nil {
					t.Fatal(err)
				}
				return p
			},
		},
		{
			name: "docker save as docker writes it", kind: KindDockerSave,
			wantName: "demo/app:v2", wantIDs: diffIDs,
			write: func(t *testing.T, dir string) string {
				p := filepath.Join(dir, "image.tar")
				writeDockerSave(t, f.img, p, "demo/app:v2")
				return p
			},
		},
		{
			name: "docker save extracted to a directory", kind: KindDockerSave,
			wantName: "demo/app:v2", wantIDs: diffIDs,
			write: func(t *testing.T, dir string) string {
				p := filepath.Join(dir, "image.tar")
				writeDockerSave(t, f.img, p, "demo/app:v2")
				out := filepath.Join(dir, "x")
				untar(t, p, out)
				return out
			},
		},
		{
			name: "oci layout directory", kind: KindOCILayout,
			wantName: "demo:v3", wantIDs: digests, wantDigests: digests,
			write: func(t *testing.T, dir string) string {
				p := filepath.Join(dir, "layout")
				writeLayout(t, f.img, p, "demo:v3")
				return p
			},
		},
		{
			name: "oci layout tar", kind: KindOCILayout,
			wantName: "demo:v4", wantIDs: digests, wantDigests: digests,
			write: func(t *testing.T, dir string) string {
				writeLayout(t, f.img, filepath.Join(dir, "layout"), "demo:v4")
				p := filepath.Join(dir, "layout.tar")
				tarDir(t, filepath.Join(dir, "layout"), p)
				return p
			},
		},
		{
			name: "registry", wantName: host + "/demo/app:v5", wantIDs: digests, wantDigests: digests,
			write: func(t *testing.T, dir string) string {
				ref, err := name.ParseReference(host + "/demo/app:v5")
				if err != nil {
					t.Fatal(err)
				}
				if err := remote.Write(ref, f.img); err != nil {
					t.Fatal(err)
				}
				return ""
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := t.Context()
			p := tt.write(t, t.TempDir())
			var n Named
			if p == "" {
				n, err = Remote(ctx, host+"/demo/app:v5")
				if err != nil {
					t.Fatal(err)
				}
			} else {
				kind, err := Probe(p)
				if err != nil || kind != tt.kind {
					t.Fatalf("Probe = %v, %v; want %v", kind, err, tt.kind)
				}
				imgs, err := Open(ctx, p)
				if err != nil {
					t.Fatal(err)
				}
				if len(imgs) != 1 {
					t.Fatalf("Open returned %d images, want 1", len(imgs))
				}
				n = imgs[0]
			}
			if n.Name != tt.wantName {
				t.Errorf("Name = %q, want %q", n.Name, tt.wantName)
			}
			items := readAll(t, n)
			checkFixture(t, f, items, tt.wantName, tt.wantIDs)
			// Every format names the layer by its diff id and, where it
			// has one, its registry digest, and the image by its id.
			id, err := f.img.ConfigName()
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range []struct {
				path  string
				layer int
			}{{"/app/.env", 0}, {"/srv/readme.txt", 2}} {
				a := find(t, items, "path", c.path).it.Prov.Attrs
				want := ""
				if tt.wantDigests != nil {
					want = tt.wantDigests[c.layer]
				}
				if a["layer_digest"] != want || a["diff_id"] != diffIDs[c.layer] || a["image_id"] != id.String() {
					t.Errorf("%s: layer_digest %q diff_id %q image_id %q, want %q %q %q", c.path, a["layer_digest"], a["diff_id"], a["image_id"], want, diffIDs[c.layer], id)
				}
			}
			if a := find(t, items, "env", "HF_TOKEN").it.Prov.Attrs; a["image"] != tt.wantName || a["image_id"] != id.String() {
				t.Errorf("config item attrs %v, want image %q and image_id %s", a, tt.wantName, id)
			}
		})
	}
}

func checkFixture(t *testing.T, f fixture, items []got, imgName string, ids []string) {
	t.Helper()
	det := detect.New(detect.Options{})
	secrets := func(g got) []string {
		var s []string
		for _, m := range det.Detect([]byte(g.body)) {
			s = append(s, m.Secret)
		}
		return s
	}

	env := find(t, items, "path", "/app/.env")
	a := env.it.Prov.Attrs
	for k, want := range map[string]string{
		"image": imgName, "layer": ids[0], "layer_index": "1",
		"deleted_in_layer": "2", "note": "deleted in layer 2, still in the image",
	} {
		if a[k] != want {
			t.Errorf("/app/.env attr %s = %q, want %q", k, a[k], want)
		}
	}
	if s := secrets(env); len(s) != 1 || s[0] != f.fileTok {
		t.Errorf("token file: detector found %d secrets, want the file's token", len(s))
	}
	if env.it.Prov.Path != "img.tar!layer 1/app/.env" || env.it.Prov.Kind != "image-layer" {
		t.Errorf("token file provenance = %s %q", env.it.Prov.Kind, env.it.Prov.Path)
	}
	if env.it.Name != ".env" || env.it.Text || env.it.Size != int64(len(env.body)) {
		t.Errorf("token file item = %+v", env.it)
	}
	if !env.it.Prov.Time.Equal(f.times[0]) {
		t.Errorf("token file time = %v, want layer 1's history time %v", env.it.Prov.Time, f.times[0])
	}

	main := find(t, items, "path", "/app/main.py")
	if _, ok := main.it.Prov.Attrs["deleted_in_layer"]; ok {
		t.Errorf("/app/main.py marked deleted: %v", main.it.Prov.Attrs)
	}
	readme := find(t, items, "path", "/srv/readme.txt")
	if readme.it.Prov.Attrs["layer"] != ids[2] || readme.it.Prov.Attrs["layer_index"] != "3" {
		t.Errorf("/srv/readme.txt attrs = %v", readme.it.Prov.Attrs)
	}

	for _, g := range items {
		if strings.HasPrefix(g.it.Name, ".wh.") {
			t.Errorf("whiteout marker yielded: %s", g.it.Prov.Path)
		}
	}

	envItem := find(t, items, "env", "HF_TOKEN")
	if envItem.it.Prov.Field != "env" || !envItem.it.Text || envItem.body != "HF_TOKEN="+f.envTok ||
		envItem.it.Prov.Path != "img.tar!config/Env/HF_TOKEN" {
		t.Errorf("Env item = %+v %q", envItem.it, envItem.body)
	}
	if s := secrets(envItem); len(s) != 1 || s[0] != f.envTok {
		t.Errorf("Env HF_TOKEN: detector found %d secrets, want the env token", len(s))
	}
	find(t, items, "env", "PATH")
	label := find(t, items, "label", "maintainer")
	if label.it.Prov.Field != "label" || label.body != "maintainer=ml-team" {
		t.Errorf("label item = %+v %q", label.it, label.body)
	}
	var hist, comment got
	for _, g := range items {
		if g.it.Prov.Attrs["history_index"] != "1" {
			continue
		}
		switch g.it.Prov.Field {
		case "history":
			hist = g
		case "history_comment":
			comment = g
		}
	}
	if comment.body != "buildkit.dockerfile.v0" || comment.it.Prov.Path != "img.tar!config/history/1/comment" {
		t.Errorf("history comment item = %q at %q", comment.body, comment.it.Prov.Path)
	}
	if _, ok := hist.it.Prov.Attrs["layer_index"]; ok {
		t.Errorf("empty-layer history entry has a layer_index: %v", hist.it.Prov.Attrs)
	}
	if hist.body != "ARG HF_TOKEN="+f.arg || !hist.it.Prov.Time.Equal(f.times[1]) {
		t.Errorf("history created_by item = %q at %v", hist.body, hist.it.Prov.Time)
	}
	if s := secrets(hist); len(s) != 1 || s[0] != f.arg {
		t.Errorf("history: detector found %d secrets, want the build argument", len(s))
	}
	copyHist := find(t, items, "history_index", "0")
	if copyHist.it.Prov.Author != "ml-team" || copyHist.it.Prov.Attrs["layer_index"] != "1" {
		t.Errorf("history 0 = %+v", copyHist.it.Prov)
	}

	// Config first, then layers from the top down.
	pos := map[string]int{}
	for i, g := range items {
		pos[g.it.Prov.Path] = i
	}
	if !(pos["img.tar!config/Env/HF_TOKEN"] < pos["img.tar!layer 3/srv/readme.txt"] &&
		pos["img.tar!layer 3/srv/readme.txt"] < pos["img.tar!layer 1/app/.env"]) {
		t.Errorf("order: %v", pos)
	}
	if len(items) != 3+2+2+1+5 { // files, env, labels, cmd, history 4 + 1 comment
		for _, g := range items {
			t.Log(g.it.Prov.Path)
		}
		t.Errorf("Read yielded %d items", len(items))
	}
}

func TestProbe(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	write("oci/oci-layout", []byte("{}"))
	ociDir := filepath.Dir(write("oci/index.json", []byte("{}")))
	both := tarOf(t, entry{name: "oci-layout", body: "{}"}, entry{name: "index.json", body: "{}"}, entry{name: "manifest.json", body: `[{"Config":"c.json","Layers":["x/layer.tar"]}]`})
	tests := []struct {
		name string
		path string
		want Kind
	}{
		{"docker save tar", write("a.tar", tarOf(t, entry{name: "x/layer.tar", body: "x"}, entry{name: "./manifest.json", body: `[{"Config":"c.json","Layers":["x/layer.tar"]}]`})), KindDockerSave},
		// A web app's or extension's manifest.json is not docker save's.
		{"web manifest tar", write("w.tar", tarOf(t, entry{name: "manifest.json", body: `{"name":"app","icons":[]}`})), KindNone},
		{"empty manifest tar", write("w2.tar", tarOf(t, entry{name: "manifest.json", body: "[]"})), KindNone},
		{"web manifest dir", filepath.Dir(write("web/manifest.json", []byte(`{"name":"app"}`))), KindNone},
		{"oci tar", write("b.tar", tarOf(t, entry{name: "oci-layout", body: "{}"}, entry{name: "blobs/", typ: tar.TypeDir}, entry{name: "index.json", body: "{}"})), KindOCILayout},
		{"docker 25 save has both", write("c.tar", both), KindDockerSave},
		{"oci-layout without index", write("d.tar", tarOf(t, entry{name: "oci-layout", body: "{}"})), KindNone},
		{"manifest.json below the root", write("e.tar", tarOf(t, entry{name: "sub/manifest.json", body: "[]"})), KindNone},
		{"manifest.json directory", write("f.tar", tarOf(t, entry{name: "manifest.json/", typ: tar.TypeDir})), KindNone},
		{"not a tar", write("g.tar", []byte(strings.Repeat("not a tar at all\n", 100))), KindNone},
		{"empty file", write("h.tar", nil), KindNone},
		{"oci dir", ociDir, KindOCILayout},
		{"docker dir", filepath.Dir(write("dk/manifest.json", []byte(`[{"Config":"c.json","Layers":["x/layer.tar"]}]`))), KindDockerSave},
		{"plain dir", filepath.Dir(write("plain/readme", []byte("x"))), KindNone},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Probe(tt.path)
			if err != nil || got != tt.want {
				t.Errorf("Probe = %v, %v; want %v", got, err, tt.want)
			}
		})
	}
	if _, err := Probe(filepath.Join(dir, "missing")); err == nil {
		t.Error("Probe of a missing path: no error")
	}
}

// TestHostile feeds broken images to Open and Read: each must give an
// error of one line, and never panic.
func TestHostile(t *testing.T) {
	f := newFixture(t)
	dir := t.TempDir()
	good := filepath.Join(dir, "good.tar")
	writeDockerSave(t, f.img, good, "demo/app:v1")
	whole, err := os.ReadFile(good)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := f.img.RawConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	manifest := func(layers ...string) string {
		b, _ := json.Marshal([]dockerManifestEntry{{Config: "cfg.json", Layers: layers}})
		return string(b)
	}
	oneLayer := imageOf(t, func(*v1.ConfigFile) {}, layerOf(t, entry{name: "a", body: "a"}))
	oneCfg, err := oneLayer.RawConfigFile()
	if err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name string
		data []byte
		// readErr is set when Open succeeds and Read must fail.
		readErr bool
		want    string // in the error
	}{
		{name: "random bytes", data: []byte("\x00\x01garbage\xff" + strings.Repeat("\x7f", 3000)), want: "neither"},
		{name: "truncated in a layer", data: whole[:len(whole)/2], want: "unexpected EOF"},
		{name: "truncated at the end", data: whole[:len(whole)-700], want: "unexpected EOF"},
		{name: "manifest not json", data: tarOf(t, entry{name: "manifest.json", body: "{nope"}), want: "neither a docker save archive nor an OCI image layout"},
		{name: "manifest empty", data: tarOf(t, entry{name: "manifest.json", body: "[]"}), want: "neither a docker save archive nor an OCI image layout"},
		{name: "missing config", data: tarOf(t, entry{name: "manifest.json", body: manifest("l.tar")}), want: "cfg.json"},
		{name: "config not json", data: tarOf(t, entry{name: "cfg.json", body: "<html>"}, entry{name: "manifest.json", body: manifest()}), want: "parsing config"},
		{name: "layer count mismatch", data: tarOf(t, entry{name: "cfg.json", body: string(cfg)}, entry{name: "manifest.json", body: manifest("1.tar")}), want: "config lists 3 layers"},
		{name: "missing layer", readErr: true, want: "missing/layer.tar",
			data: tarOf(t, entry{name: "cfg.json", body: string(oneCfg)}, entry{name: "manifest.json", body: manifest("missing/layer.tar")})},
		{name: "layer not a tar", readErr: true, want: "layer 1",
			data: tarOf(t, entry{name: "cfg.json", body: string(oneCfg)}, entry{name: "l.tar", body: strings.Repeat("\xffjunk", 300)}, entry{name: "manifest.json", body: manifest("l.tar")})},
		{name: "layer link loop", readErr: true, want: "too many links",
			data: tarOf(t, entry{name: "cfg.json", body: string(oneCfg)}, entry{name: "l.tar", typ: tar.TypeSymlink, link: "m.tar"},
				entry{name: "m.tar", typ: tar.TypeSymlink, link: "l.tar"}, entry{name: "manifest.json", body: manifest("l.tar")})},
		{name: "layer path escapes", readErr: true, want: "not exist",
			data: tarOf(t, entry{name: "cfg.json", body: string(oneCfg)}, entry{name: "manifest.json", body: manifest("../../etc/passwd")})},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := filepath.Join(t.TempDir(), "image.tar")
			if err := os.WriteFile(p, tt.data, 0o644); err != nil {
				t.Fatal(err)
			}
			imgs, err := Open(t.Context(), p)
			if err == nil {
				if !tt.readErr {
					t.Fatalf("Open: no error")
				}
				var yielded int
				err = Read(t.Context(), imgs[0], source.FileProvenance("image", p), func(context.Context, source.Item, io.Reader) error {
					yielded++
					return nil
				})
				if err == nil {
					t.Fatalf("Read: no error")
				}
			} else if tt.readErr {
				t.Fatalf("Open: %v", err)
			}
			if !strings.Contains(err.Error(), tt.want) || strings.Contains(err.Error(), "\n") {
				t.Errorf("error = %q, want one line containing %q", err, tt.want)
			}
		})
	}
}

func TestHostileLayout(t *testing.T) {
	f := newFixture(t)
	tests := []struct {
		name    string
		corrupt func(t *testing.T, dir string)
		want    string
	}{
		{"index not json", func(t *testing.T, dir string) { write(t, filepath.Join(dir, "index.json"), "[") }, "parsing index.json"},
		{"manifest blob missing", func(t *testing.T, dir string) { removeBlob(t, dir, manifestDigest(t, f.img)) }, "reading manifest"},
		{"manifest blob not json", func(t *testing.T, dir string) { writeBlob(t, dir, manifestDigest(t, f.img), "{{") }, "parsing manifest"},
		{"no image", func(t *testing.T, dir string) {
			write(t, filepath.Join(dir, "index.json"), `{"schemaVersion":2,"manifests":[]}`)
		}, "no image"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			writeLayout(t, f.img, dir, "x")
			tt.corrupt(t, dir)
			_, err := Open(t.Context(), dir)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Open error = %v, want %q", err, tt.want)
			}
		})
	}

	// A blob linked to a file outside the layout is not followed.
	t.Run("blob links outside", func(t *testing.T) {
		dir := t.TempDir()
		writeLayout(t, f.img, dir, "x")
		outside := filepath.Join(t.TempDir(), "secret.json")
		raw, _ := f.img.RawConfigFile()
		write(t, outside, string(raw))
		cfg, _ := f.img.ConfigName()
		removeBlob(t, dir, cfg)
		if err := os.Symlink(outside, filepath.Join(dir, "blobs", cfg.Algorithm, cfg.Hex)); err != nil {
			t.Fatal(err)
		}
		imgs, err := Open(t.Context(), dir)
		if err != nil {
			t.Fatal(err)
		}
		err = Read(t.Context(), imgs[0], source.FileProvenance("image", dir), func(context.Context, source.Item, io.Reader) error { return nil })
		if err == nil || !strings.Contains(err.Error(), "reading config") {
			t.Errorf("Read error = %v, want the config refused", err)
		}
	})

	// Missing layer blobs show in Read, after the config and the other
	// layers have been yielded.
	dir := t.TempDir()
	writeLayout(t, f.img, dir, "x")
	layers, _ := f.img.Layers()
	for _, l := range layers[:2] {
		d, _ := l.Digest()
		removeBlob(t, dir, d)
	}
	imgs, err := Open(t.Context(), dir)
	if err != nil {
		t.Fatal(err)
	}
	var paths []string
	err = Read(t.Context(), imgs[0], source.FileProvenance("image", dir), func(_ context.Context, it source.Item, _ io.Reader) error {
		paths = append(paths, it.Prov.Path)
		return nil
	})
	if err == nil || !strings.Contains(err.Error(), "layer 1") || !strings.Contains(err.Error(), "layer 2") ||
		strings.Contains(err.Error(), "\n") || !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Read error = %q, want one line about layers 1 and 2", err)
	}
	if !strings.Contains(strings.Join(paths, " "), "layer 3/srv/readme.txt") {
		t.Errorf("other layers not read: %v", paths)
	}
}

func write(t *testing.T, p, s string) {
	t.Helper()
	if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
}

func manifestDigest(t *testing.T, img v1.Image) v1.Hash {
	t.Helper()
	d, err := img.Digest()
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func removeBlob(t *testing.T, dir string, h v1.Hash) {
	t.Helper()
	if err := os.Remove(filepath.Join(dir, "blobs", h.Algorithm, h.Hex)); err != nil {
		t.Fatal(err)
	}
}

func writeBlob(t *testing.T, dir string, h v1.Hash, s string) {
	t.Helper()
	p := filepath.Join(dir, "blobs", h.Algorithm, h.Hex)
	if err := os.Chmod(p, 0o644); err != nil { // writable, whatever mode the layout gave it
		t.Fatal(err)
	}
	write(t, p, s)
}

func TestRemoteErrors(t *testing.T) {
	srv := httptest.NewServer(registry.New(registry.Logger(log.New(io.Discard, "", 0))))
	t.Cleanup(srv.Close)
	host := strings.TrimPrefix(srv.URL, "http://")
	if _, err := Remote(t.Context(), "not a reference!"); err == nil || !strings.Contains(err.Error(), "parsing image reference") {
		t.Errorf("bad reference: %v", err)
	}
	if _, err := Remote(t.Context(), host+"/no/such:tag"); err == nil || !strings.Contains(err.Error(), "fetching image") {
		t.Errorf("missing image: %v", err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := Remote(ctx, host+"/no/such:tag"); err == nil {
		t.Error("cancelled context: no error")
	}
}

// TestOpenSeveral opens archives holding more than one image: a docker save
// of two tagged images and one untagged, and an OCI layout whose index
// nests a multi-platform index.
func TestOpenSeveral(t *testing.T) {
	a := imageOf(t, func(c *v1.ConfigFile) { c.Config.Env = []string{"WHICH=a"} }, layerOf(t, entry{name: "a", body: "a"}))
	b := imageOf(t, func(c *v1.ConfigFile) { c.Config.Env = []string{"WHICH=b"} }, layerOf(t, entry{name: "b", body: "b"}))
	dir := t.TempDir()

	// Docker save: tagged entries by go-containerregistry, plus an untagged
	// one added by hand, as docker save IMAGE-ID writes it.
	p := filepath.Join(dir, "multi.tar")
	err := tarball.MultiRefWriteToFile(p, map[name.Reference]v1.Image{
		name.MustParseReference("demo/a:1"): a,
		name.MustParseReference("demo/b:1"): b,
	})
	if err != nil {
		t.Fatal(err)
	}
	imgs, err := Open(t.Context(), p)
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]string{}
	for _, n := range imgs {
		env := find(t, readAll(t, n), "env", "WHICH")
		names[n.Name] = env.body
	}
	if len(names) != 2 || names["demo/a:1"] != "WHICH=a" || names["demo/b:1"] != "WHICH=b" {
		t.Errorf("docker save images = %v", names)
	}

	untagged := filepath.Join(dir, "untagged.tar")
	writeDockerSave(t, a, untagged, "")
	raw, _ := a.RawConfigFile()
	h, _, _ := v1.SHA256(strings.NewReader(string(raw)))
	imgs, err = Open(t.Context(), untagged)
	if err != nil || len(imgs) != 1 || imgs[0].Name != h.String() {
		t.Errorf("untagged docker save: %v %v, want one image named %s", imgs, err, h)
	}

	// OCI layout: a multi-platform index under a reference, and a plain
	// image without one.
	idx := mutate.AppendManifests(empty.Index,
		mutate.IndexAddendum{Add: a, Descriptor: v1.Descriptor{Platform: &v1.Platform{OS: "linux", Architecture: "amd64"}}},
		mutate.IndexAddendum{Add: b, Descriptor: v1.Descriptor{Platform: &v1.Platform{OS: "linux", Architecture: "arm64", Variant: "v8"}}},
	)
	lp, err := layout.Write(filepath.Join(dir, "layout"), empty.Index)
	if err != nil {
		t.Fatal(err)
	}
	if err := lp.AppendIndex(idx, layout.WithAnnotations(map[string]string{"io.containerd.image.name": "docker.io/demo/multi:1"})); err != nil {
		t.Fatal(err)
	}
	if err := lp.AppendImage(b); err != nil {
		t.Fatal(err)
	}
	imgs, err = Open(t.Context(), filepath.Join(dir, "layout"))
	if err != nil {
		t.Fatal(err)
	}
	// Named as docker save names them: Docker Hub left out, an unnamed
	// image by its id (config digest), not its manifest digest.
	bID, err := b.ConfigName()
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"demo/multi:1 (linux/amd64)", "demo/multi:1 (linux/arm64/v8)", bID.String()}
	var gotNames []string
	for _, n := range imgs {
		gotNames = append(gotNames, n.Name)
	}
	if strings.Join(gotNames, "|") != strings.Join(want, "|") {
		t.Errorf("layout images = %q, want %q", gotNames, want)
	}
}

// untar extracts the tar at src into dst (regular files, directories and
// symbolic links), for tests only.
func untar(t *testing.T, src, dst string) {
	t.Helper()
	f, err := os.Open(src)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = f.Close() }() // opened read-only: closing it loses nothing
	tr := tar.NewReader(f)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return
		}
		if err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(dst, filepath.FromSlash(cleanMember(h.Name)))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		switch h.Typeflag {
		case tar.TypeDir:
			err = os.MkdirAll(p, 0o755)
		case tar.TypeSymlink:
			err = os.Symlink(h.Linkname, p)
		case tar.TypeReg:
			var b []byte
			if b, err = io.ReadAll(tr); err == nil {
				err = os.WriteFile(p, b, 0o644)
			}
		}
		if err != nil {
			t.Fatal(err)
		}
	}
}

func TestFamiliar(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"docker.io/library/python:3.12", "python:3.12"},
		{"index.docker.io/acme/app:v1", "acme/app:v1"},
		{"python", "python:latest"},
		{"ghcr.io/acme/app:v1", "ghcr.io/acme/app:v1"},
		{"localhost:5000/app:v1", "localhost:5000/app:v1"},
		{"acme/app@sha256:" + strings.Repeat("a", 64), "acme/app@sha256:" + strings.Repeat("a", 64)},
		{"not a reference!", "not a reference!"},
	} {
		if got := Familiar(tc.in); got != tc.want {
			t.Errorf("Familiar(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// TestSameNameEveryFormat: one image saved by docker save and in an OCI
// layout (as buildx writes it: containerd's full name and a bare tag) is
// named alike, and a layout entry with only a bare tag is named by the
// image id.
func TestSameNameEveryFormat(t *testing.T) {
	img := imageOf(t, func(*v1.ConfigFile) {}, layerOf(t, entry{name: "a", body: "a"}))
	id, err := img.ConfigName()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	tarPath := filepath.Join(dir, "save.tar")
	writeDockerSave(t, img, tarPath, "app:v1")
	lp, err := layout.Write(filepath.Join(dir, "layout"), empty.Index)
	if err != nil {
		t.Fatal(err)
	}
	if err := lp.AppendImage(img, layout.WithAnnotations(map[string]string{
		"io.containerd.image.name": "docker.io/library/app:v1", "org.opencontainers.image.ref.name": "v1"})); err != nil {
		t.Fatal(err)
	}
	if err := lp.AppendImage(img, layout.WithAnnotations(map[string]string{"org.opencontainers.image.ref.name": "v2"})); err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, p := range []string{tarPath, filepath.Join(dir, "layout")} {
		imgs, err := Open(t.Context(), p)
		if err != nil {
			t.Fatal(err)
		}
		for _, n := range imgs {
			names = append(names, n.Name)
		}
	}
	want := []string{"app:v1", "app:v1", id.String() + " (tag v2)"}
	if strings.Join(names, "|") != strings.Join(want, "|") {
		t.Errorf("names %q, want %q", names, want)
	}
}
