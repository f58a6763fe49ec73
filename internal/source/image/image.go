// Package image reads container images — docker save archives, OCI image
// layouts (a directory or a tar of one) and images in a registry — and
// yields every file of every layer, including files a later layer deletes,
// and the text fields of the image config, as source.Items.
//
// Archives are never extracted: a tar is indexed once from its headers and
// each blob is then read as a section of the file, so nothing is written to
// disk and no file handle outlives a read.
package image

import (
	"archive/tar"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

// Kind is the kind of image a file or directory holds.
type Kind int

// The kinds of image Probe recognises.
const (
	// KindNone is anything that is not an image.
	KindNone Kind = iota
	// KindDockerSave is a docker save archive: manifest.json at the root.
	KindDockerSave
	// KindOCILayout is an OCI image layout: oci-layout and index.json at
	// the root.
	KindOCILayout
)

// String returns the kind's name: "none", "docker-save" or "oci-layout".
func (k Kind) String() string {
	switch k {
	case KindDockerSave:
		return "docker-save"
	case KindOCILayout:
		return "oci-layout"
	}
	return "none"
}

// Named is an image with the name it is shown under: a repository tag, a
// reference, or a digest.
type Named struct {
	// Name is what findings show as the "image" attr.
	Name string
	// Image is read lazily: layers are opened only when Read streams them.
	Image v1.Image
	// diffIDs is set for docker save images, whose layers are identified
	// by their uncompressed digest: their compressed digest does not exist
	// until someone compresses them.
	diffIDs bool
	// compressed, for docker save images, returns the digest of the layer
	// file of a diff id when the archive stores it compressed (as
	// go-containerregistry and some tools do): the digest a registry
	// knows it by. ok is false for a plain tar layer.
	compressed func(diffID v1.Hash) (h v1.Hash, ok bool, err error)
}

// Familiar writes an image reference the way people type it: Docker Hub's
// registry and "library/" left out ("python:3.12", "acme/app:v1",
// "ghcr.io/acme/app:v1"), so that the same image is named alike whether it
// comes from docker save, an OCI layout or a registry. A string that is no
// reference is returned as it is.
func Familiar(ref string) string {
	r, err := name.ParseReference(ref)
	if err != nil {
		return ref
	}
	repo := r.Context().RepositoryStr()
	if reg := r.Context().RegistryStr(); reg != name.DefaultRegistry {
		repo = reg + "/" + repo
	} else {
		repo = strings.TrimPrefix(repo, "library/")
	}
	switch r := r.(type) {
	case name.Tag:
		return repo + ":" + r.TagStr()
	case name.Digest:
		return repo + "@" + r.DigestStr()
	}
	return ref
}

// Probe reports what kind of image the tar file or directory at path holds,
// reading only tar headers (member bodies are skipped by seeking) or
// directory entries. A docker save archive that also carries an OCI layout
// (as Docker 25 and later write) is KindDockerSave. A file that is not a tar,
// or a tar cut short before either marker, is KindNone; only failing to
// open or stat path is an error. Compressed tars are not recognised.
func Probe(path string) (Kind, error) {
	k, _, err := probe(path)
	return k, err
}

// probe is Probe that also returns why a tar could not be read to its end.
func probe(path string) (kind Kind, tarErr, err error) {
	fi, err := os.Stat(path)
	if err != nil {
		return KindNone, nil, fmt.Errorf("probing for an image: %w", err)
	}
	if fi.IsDir() {
		isFile := func(n string) bool {
			fi, err := os.Stat(filepath.Join(path, n))
			return err == nil && fi.Mode().IsRegular()
		}
		switch {
		case isFile("manifest.json") && looksLikeDockerManifest(os.Open(filepath.Join(path, "manifest.json"))):
			return KindDockerSave, nil, nil
		case isFile("oci-layout") && isFile("index.json"):
			return KindOCILayout, nil, nil
		}
		return KindNone, nil, nil
	}
	if !fi.Mode().IsRegular() {
		// A pipe or device is never an image, and opening a pipe blocks.
		return KindNone, nil, nil
	}
	f, err := os.Open(path)
	if err != nil {
		return KindNone, nil, fmt.Errorf("probing for an image: %w", err)
	}
	defer func() { _ = f.Close() }() // opened read-only: closing it loses nothing
	var ociLayout, index bool
	tr := tar.NewReader(f)
	for {
		hdr, err := tr.Next()
		if err != nil {
			// io.EOF ends a tar; any other error means a file that is not
			// one, or one cut short: whatever was seen so far decides.
			if !errors.Is(err, io.EOF) {
				tarErr = err
			}
			break
		}
		if hdr.Typeflag != tar.TypeReg {
			continue
		}
		switch cleanMember(hdr.Name) {
		case "manifest.json":
			// Web apps and extensions have a manifest.json too: only
			// docker save's (an array of {Config, Layers}) makes an image.
			if looksLikeDockerManifest(io.NopCloser(tr), nil) {
				return KindDockerSave, nil, nil
			}
		case "oci-layout":
			ociLayout = true
		case "index.json":
			index = true
		}
	}
	if ociLayout && index {
		return KindOCILayout, tarErr, nil
	}
	return KindNone, tarErr, nil
}

// Open returns the images in the docker save archive or OCI image layout
// (a directory, or a tar of one) at path. A tar is indexed from its headers
// and read in place, never extracted. The display name is the same for
// both formats: the repository tags of a docker save entry, or the
// reference annotation of an OCI layout entry, written as Familiar does,
// else the image id (its config digest). Layers
// are only opened by Read, so a missing or corrupt layer is reported there.
func Open(ctx context.Context, path string) ([]Named, error) {
	kind, tarErr, err := probe(path)
	if err != nil {
		return nil, err
	}
	if kind == KindNone {
		if tarErr != nil {
			return nil, fmt.Errorf("%s is neither a docker save archive nor an OCI image layout: reading tar headers: %w", path, tarErr)
		}
		return nil, fmt.Errorf("%s is neither a docker save archive nor an OCI image layout", path)
	}
	fi, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("opening image %s: %w", path, err)
	}
	var s store
	if fi.IsDir() {
		s = dirStore{dir: path}
	} else {
		ts, err := indexTar(ctx, path)
		if err != nil {
			return nil, err
		}
		s = ts
	}
	if kind == KindDockerSave {
		return openDockerSave(s, path)
	}
	return openOCILayout(s, path)
}

// Remote fetches the manifest and config of the image ref from its registry,
// with the credentials of the default keychain (the docker config) or
// anonymously, honouring ctx. Layers are fetched as Read streams them. For
// a multi-platform image, remote's default platform (linux/amd64) is chosen
// unless opts say otherwise (remote.WithPlatform). opts come after the
// defaults and override them. The image keeps ctx for the layer fetches that
// Read makes later, so ctx must outlive Read.
func Remote(ctx context.Context, ref string, opts ...remote.Option) (Named, error) {
	r, err := name.ParseReference(ref)
	if err != nil {
		return Named{}, fmt.Errorf("parsing image reference %q: %w", ref, err)
	}
	all := append([]remote.Option{
		remote.WithContext(ctx),
		remote.WithAuthFromKeychain(authn.DefaultKeychain),
	}, opts...)
	img, err := remote.Image(r, all...)
	if err != nil {
		return Named{}, fmt.Errorf("fetching image %s: %w", r, err)
	}
	return Named{Name: Familiar(r.String()), Image: img}, nil
}

// maxManifest bounds the manifest.json read to tell docker save's apart.
const maxManifest = 16 << 20

// looksLikeDockerManifest tells whether r holds docker save's manifest:
// a JSON array of entries naming a config and layers.
func looksLikeDockerManifest(r io.ReadCloser, err error) bool {
	if err != nil {
		return false
	}
	defer func() { _ = r.Close() }() // only read: closing it loses nothing
	var entries []struct {
		Config string
		Layers []string
	}
	if err := json.NewDecoder(io.LimitReader(r, maxManifest)).Decode(&entries); err != nil || len(entries) == 0 {
		return false
	}
	for _, e := range entries {
		if e.Config == "" {
			return false
		}
	}
	return true
}
