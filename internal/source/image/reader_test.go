package image

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/tarball"

	"github.com/hfwarden/hfwarden/internal/secret"
	"github.com/hfwarden/hfwarden/internal/source"
	"github.com/hfwarden/hfwarden/internal/source/sourcetest"
)

// diskInput is the Input of the file at p, read in place.
func diskInput(t *testing.T, p string) *source.Input {
	t.Helper()
	f, err := os.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = f.Close() }) // opened read-only: closing it loses nothing
	fi, _ := f.Stat()
	head := make([]byte, min(fi.Size(), source.SniffLen))
	if _, err := f.Read(head); err != nil {
		t.Fatal(err)
	}
	return &source.Input{Item: source.Item{Prov: source.FileProvenance("file", p), Name: filepath.Base(p), Size: fi.Size()},
		Head: head, R: f, RA: f, Path: p, Budget: source.NewBudget(source.Limits{})}
}

// TestFileReader: a docker save on disk is read as its image: layer
// files one level deep, then the configuration without what they gave; a
// member, or a tar that is no image, is declined untouched for the tar
// reader.
func TestFileReader(t *testing.T) {
	f := newFixture(t)
	dir := t.TempDir()
	p := filepath.Join(dir, "image.tar")
	if err := tarball.WriteToFile(p, name.MustParseReference("example.com/demo/app:v1"), f.img); err != nil {
		t.Fatal(err)
	}
	in := diskInput(t, p)
	if !FileReader().Sniff(in.Item.Name, in.Head) {
		t.Fatal("not sniffed")
	}
	h := sourcetest.New()
	if err := FileReader().Open(t.Context(), in, h); err != nil {
		t.Fatal(err)
	}
	var env bool
	for _, m := range h.Members {
		if m.Depth != 1 {
			t.Errorf("%s at depth %d", m.Item.Prov.Path, m.Depth)
		}
		env = env || m.Item.Prov.Path == p+"!layer 1/app/.env"
	}
	if !env {
		t.Errorf("no layer file app/.env among %d members", len(h.Members))
	}
	last := h.Scanned[len(h.Scanned)-1]
	if last.Bytes.Prov.Path != p+"!config.json" || !last.Bytes.Rescan || !last.Bytes.Except[secret.Fingerprint(f.envTok)] {
		t.Errorf("config scanned as %+v", last.Bytes)
	}
	if got := h.Secrets(); slices.Index(got, f.envTok) < 0 || slices.Index(got, f.arg) < 0 {
		t.Errorf("secrets %q", got)
	}

	t.Run("member", func(t *testing.T) {
		h := sourcetest.New()
		m := diskInput(t, p)
		m.Path, m.RA = "", nil
		if err := FileReader().Open(t.Context(), m, h); !errors.Is(err, source.ErrSkip) || len(h.Members)+len(h.Failures) != 0 {
			t.Errorf("err %v, members %d, failures %q", err, len(h.Members), h.Failures)
		}
	})
	t.Run("tar that is no image", func(t *testing.T) {
		q := filepath.Join(dir, "plain.tar")
		if err := os.WriteFile(q, tarOf(t, entry{name: "etc/k", body: "x"}), 0o644); err != nil {
			t.Fatal(err)
		}
		h := sourcetest.New()
		if err := FileReader().Open(t.Context(), diskInput(t, q), h); !errors.Is(err, source.ErrSkip) || len(h.Members)+len(h.Failures) != 0 {
			t.Errorf("err %v, members %d, failures %q", err, len(h.Members), h.Failures)
		}
	})
	t.Run("image that cannot be opened", func(t *testing.T) {
		q := filepath.Join(dir, "broken.tar")
		if err := os.WriteFile(q, tarOf(t, entry{name: "manifest.json", body: `[{"Config":"missing.json","Layers":[]}]`}), 0o644); err != nil {
			t.Fatal(err)
		}
		h := sourcetest.New()
		err := FileReader().Open(t.Context(), diskInput(t, q), h)
		if !errors.Is(err, source.ErrSkip) || len(h.Failures) != 1 || !strings.HasSuffix(h.Failures[0], "; read as plain files instead") {
			t.Errorf("err %v, failures %q", err, h.Failures)
		}
	})
}

// TestDirReader: an OCI layout directory is one image; a directory that
// only holds a marker's name is not, and one that cannot be opened is
// declined, to be walked file by file.
func TestDirReader(t *testing.T) {
	f := newFixture(t)
	dir := filepath.Join(t.TempDir(), "layout")
	lp, err := layout.Write(dir, empty.Index)
	if err != nil {
		t.Fatal(err)
	}
	if err := lp.AppendImage(f.img); err != nil {
		t.Fatal(err)
	}
	if !DirReader().SniffDir(dir) {
		t.Fatal("layout not sniffed")
	}
	h := sourcetest.New()
	in := &source.Input{Item: source.Item{Prov: source.FileProvenance("file", dir), Size: -1}, Path: dir, Budget: source.NewBudget(source.Limits{})}
	if err := DirReader().OpenDir(t.Context(), in, h); err != nil {
		t.Fatal(err)
	}
	if !slices.ContainsFunc(h.Members, func(m sourcetest.Member) bool {
		return strings.HasSuffix(m.Item.Prov.Path, "!layer 1/app/.env") && strings.Contains(m.Data, f.fileTok)
	}) {
		t.Errorf("no layer file app/.env among %d members", len(h.Members))
	}

	notImage := t.TempDir()
	if err := os.WriteFile(filepath.Join(notImage, "manifest.json"), []byte(`{"name":"app"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	if DirReader().SniffDir(notImage) {
		t.Error("a manifest.json of another kind sniffed as an image")
	}
	broken := t.TempDir()
	if err := os.WriteFile(filepath.Join(broken, "manifest.json"), []byte(`[{"Config":"missing.json","Layers":[]}]`), 0o644); err != nil {
		t.Fatal(err)
	}
	h = sourcetest.New()
	in = &source.Input{Item: source.Item{Prov: source.FileProvenance("file", broken), Size: -1}, Path: broken, Budget: source.NewBudget(source.Limits{})}
	if err := DirReader().OpenDir(t.Context(), in, h); !errors.Is(err, source.ErrSkip) || len(h.Failures) != 1 {
		t.Errorf("err %v, failures %q", err, h.Failures)
	}
}
