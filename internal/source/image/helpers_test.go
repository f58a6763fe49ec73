package image

import (
	"archive/tar"
	"bytes"
	"context"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"

	"github.com/hfwarden/hfwarden/internal/source"
	"github.com/hfwarden/hfwarden/internal/testutil"
)

// newTokenGen returns fake tokens from seed (see testutil).
func newTokenGen(seed uint64) *testutil.TokenGen { return testutil.NewTokenGen(seed) }

// entry is one member of a tar built by tarOf.
type entry struct {
	name string
	body string
	typ  byte // tar.TypeReg when zero
	link string
}

func tarOf(t testing.TB, entries ...entry) []byte {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, e := range entries {
		h := &tar.Header{Name: e.name, Typeflag: e.typ, Linkname: e.link, Mode: 0o644, ModTime: time.Unix(1700000000, 0)}
		switch e.typ {
		case 0:
			h.Typeflag = tar.TypeReg
			h.Size = int64(len(e.body))
		case tar.TypeDir:
			h.Mode = 0o755
		}
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		if h.Typeflag == tar.TypeReg {
			if _, err := tw.Write([]byte(e.body)); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// layerOf builds a gzip-compressed layer, as a registry would hold it.
func layerOf(t testing.TB, entries ...entry) v1.Layer {
	t.Helper()
	b := tarOf(t, entries...)
	l, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil })
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// imageOf builds an image from layers and a config edit.
func imageOf(t testing.TB, edit func(*v1.ConfigFile), layers ...v1.Layer) v1.Image {
	t.Helper()
	img, err := mutate.AppendLayers(empty.Image, layers...)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	cfg = cfg.DeepCopy()
	cfg.History = nil
	edit(cfg)
	img, err = mutate.ConfigFile(img, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return img
}

// fixture is the image of the issue: layer 1 adds /app/.env with a token,
// layer 2 deletes it, layer 3 adds an unrelated file; the config carries
// tokens in Env and in a build argument kept in the history.
type fixture struct {
	img                  v1.Image
	fileTok, envTok, arg string
	times                [4]time.Time // history entries' created times
}

func newFixture(t testing.TB) fixture {
	t.Helper()
	g := newTokenGen(7)
	f := fixture{fileTok: g.Next(t), envTok: g.Next(t), arg: g.Next(t)}
	for i := range f.times {
		f.times[i] = time.Date(2025, 3, 1+i, 12, 0, 0, 0, time.UTC)
	}
	l1 := layerOf(t,
		entry{name: "app/", typ: tar.TypeDir},
		entry{name: "app/.env", body: "HF_TOKEN=" + f.fileTok + "\n"},
		entry{name: "app/main.py", body: "print('hello')\n"},
	)
	l2 := layerOf(t, entry{name: "app/.wh..env"})
	l3 := layerOf(t, entry{name: "srv/readme.txt", body: "nothing here\n"})
	f.img = imageOf(t, func(c *v1.ConfigFile) {
		c.Config.Env = []string{"HF_TOKEN=" + f.envTok, "PATH=/usr/local/bin:/usr/bin"}
		c.Config.Labels = map[string]string{"maintainer": "ml-team", "org.opencontainers.image.title": "demo"}
		c.Config.Cmd = []string{"python", "/app/main.py"}
		c.History = []v1.History{
			{Created: v1.Time{Time: f.times[0]}, CreatedBy: "COPY app /app", Author: "ml-team"},
			{Created: v1.Time{Time: f.times[1]}, CreatedBy: "ARG HF_TOKEN=" + f.arg, EmptyLayer: true, Comment: "buildkit.dockerfile.v0"},
			{Created: v1.Time{Time: f.times[2]}, CreatedBy: "RUN rm /app/.env"},
			{Created: v1.Time{Time: f.times[3]}, CreatedBy: "COPY readme.txt /srv/"},
		}
	}, l1, l2, l3)
	return f
}

// got is one item Read yielded, with its bytes.
type got struct {
	it   source.Item
	body string
}

func readAll(t testing.TB, n Named) []got {
	t.Helper()
	var out []got
	err := Read(t.Context(), n, source.FileProvenance("image", "img.tar"), func(_ context.Context, it source.Item, r io.Reader) error {
		b, err := io.ReadAll(r)
		if err != nil {
			return err
		}
		out = append(out, got{it, string(b)})
		return nil
	})
	if err != nil {
		t.Fatalf("Read: %v", err)
	}
	return out
}

// find returns the item with the given attrs, failing if there is not
// exactly one.
func find(t testing.TB, items []got, kv ...string) got {
	t.Helper()
	var found []got
next:
	for _, g := range items {
		for i := 0; i+1 < len(kv); i += 2 {
			if g.it.Prov.Attrs[kv[i]] != kv[i+1] {
				continue next
			}
		}
		found = append(found, g)
	}
	if len(found) != 1 {
		t.Fatalf("%d items with %v, want 1", len(found), kv)
	}
	return found[0]
}

// tarDir writes the files under dir to a tar at dst, names prefixed "./".
func tarDir(t testing.TB, dir, dst string) {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || p == dir {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		fi, err := d.Info()
		if err != nil {
			return err
		}
		h, err := tar.FileInfoHeader(fi, "")
		if err != nil {
			return err
		}
		h.Name = "./" + filepath.ToSlash(rel)
		if err := tw.WriteHeader(h); err != nil {
			return err
		}
		if fi.Mode().IsRegular() {
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			_, err = tw.Write(b)
			return err
		}
		return nil
	})
	if err == nil {
		err = tw.Close()
	}
	if err == nil {
		err = os.WriteFile(dst, buf.Bytes(), 0o644)
	}
	if err != nil {
		t.Fatal(err)
	}
}
