package image

import (
	"bytes"
	"context"
	"os"
	"path/filepath"

	"github.com/hfwarden/hfwarden/internal/source"
)

// FileReader reads a docker save or OCI layout archive on disk as images:
// every file of every layer, deleted ones included, and each image's
// configuration. It takes only files read in place (it opens them by
// path), and declines a tar that is no image, which is then read as a
// plain tar: nothing is lost.
func FileReader() source.Reader { return fileReader{} }

type fileReader struct{}

func (fileReader) Name() string { return "image" }

// Sniff takes every tar: Open probes its headers.
func (fileReader) Sniff(name string, head []byte) bool { return source.TarReader().Sniff(name, head) }

func (fileReader) Open(ctx context.Context, in *source.Input, h source.Host) error {
	if in.Path == "" {
		return source.ErrSkip // a member: its layers cannot be opened by path
	}
	if k, _ := Probe(in.Path); k == KindNone {
		return source.ErrSkip
	}
	return openImages(ctx, in.Path, h)
}

// DirReader reads an OCI image layout directory (or an unpacked docker
// save) as one image rather than file by file.
func DirReader() source.DirReader { return dirReader{} }

type dirReader struct{}

func (dirReader) Name() string { return "image" }

// SniffDir looks for the layout's markers first: one stat per directory
// keeps the common case cheap.
func (dirReader) SniffDir(dir string) bool {
	for _, marker := range []string{"oci-layout", "manifest.json"} {
		if _, err := os.Stat(filepath.Join(dir, marker)); err == nil {
			k, _ := Probe(dir)
			return k != KindNone
		}
	}
	return false
}

func (dirReader) OpenDir(ctx context.Context, in *source.Input, h source.Host) error {
	return openImages(ctx, in.Path, h)
}

// openImages scans every image of a docker save or OCI layout archive or
// directory. It returns source.ErrSkip, having recorded why, when path
// cannot be opened as an image: it is then read as a plain archive or
// directory.
func openImages(ctx context.Context, path string, h source.Host) error {
	imgs, err := Open(ctx, path)
	if err != nil {
		h.Fail("%s: %v; read as plain files instead", path, err)
		return source.ErrSkip
	}
	var input int64
	if fi, err := os.Stat(path); err == nil && !fi.IsDir() {
		input = fi.Size()
	}
	ReadImages(ctx, imgs, source.FileProvenance("image", path), input, h)
	return nil
}

// ReadImages scans images; when there are several, each one's name is a
// step of the path. input is the size of the archive they were read from
// (0 if none): every image's layers together may expand only so many
// times that.
func ReadImages(ctx context.Context, imgs []Named, prov source.Provenance, input int64, h source.Host) {
	for _, img := range imgs {
		p := prov
		if len(imgs) > 1 {
			p = prov.With("image", img.Name)
		}
		// Layers are read through the guard too: one bounded budget per
		// image, its ratio against the archive's size when it is a file.
		b := source.NewBudget(h.Limits())
		b.Input = input
		before := h.Mark()
		if err := Read(ctx, img, p, source.GuardVisit(b, h.Visit(b, 1))); err != nil {
			h.Errors(p.Path, err)
		}
		// The whole configuration too, for what Read does not name
		// (Healthcheck, OnBuild, whatever a builder adds).
		if raw, err := img.Image.RawConfigFile(); err == nil {
			cp := p.With("image-config", "config.json").Attr("image", img.Name)
			h.Scan(ctx, source.Bytes{Prov: cp, R: bytes.NewReader(raw), Except: h.FoundSince(before, p.Path), Rescan: true})
		}
	}
}
