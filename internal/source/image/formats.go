package image

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/partial"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// maxIndexDepth bounds how deeply OCI image indexes may nest.
const maxIndexDepth = 4

// dockerManifestEntry is one image of a docker save manifest.json.
type dockerManifestEntry struct {
	Config   string
	RepoTags []string
	Layers   []string
}

// openDockerSave returns the images listed in the manifest.json of a
// docker save archive. Layers are read from the store as they are needed.
func openDockerSave(s store, where string) ([]Named, error) {
	b, err := readJSON(s, "manifest.json")
	if err != nil {
		return nil, fmt.Errorf("reading manifest.json of %s: %w", where, err)
	}
	var entries []dockerManifestEntry
	if err := json.Unmarshal(b, &entries); err != nil {
		return nil, fmt.Errorf("parsing manifest.json of %s: %w", where, err)
	}
	if len(entries) == 0 {
		return nil, fmt.Errorf("manifest.json of %s lists no image", where)
	}
	out := make([]Named, 0, len(entries))
	for i, e := range entries {
		raw, err := readJSON(s, e.Config)
		if err != nil {
			return nil, fmt.Errorf("image %d of %s: reading config %q: %w", i+1, where, e.Config, err)
		}
		cfg, err := v1.ParseConfigFile(bytes.NewReader(raw))
		if err != nil {
			return nil, fmt.Errorf("image %d of %s: parsing config %q: %w", i+1, where, e.Config, err)
		}
		if len(cfg.RootFS.DiffIDs) != len(e.Layers) {
			return nil, fmt.Errorf("image %d of %s: config lists %d layers, manifest.json %d",
				i+1, where, len(cfg.RootFS.DiffIDs), len(e.Layers))
		}
		di := &dockerImage{s: s, raw: raw, layers: make(map[v1.Hash]string, len(e.Layers))}
		for j, d := range cfg.RootFS.DiffIDs {
			di.layers[d] = e.Layers[j]
		}
		img, err := partial.UncompressedToImage(di)
		if err != nil {
			return nil, fmt.Errorf("image %d of %s: %w", i+1, where, err)
		}
		tags := make([]string, len(e.RepoTags))
		for j, t := range e.RepoTags {
			tags[j] = Familiar(t)
		}
		name := strings.Join(tags, ", ")
		if name == "" {
			h, _, err := v1.SHA256(bytes.NewReader(raw))
			if err != nil {
				return nil, fmt.Errorf("image %d of %s: hashing config: %w", i+1, where, err)
			}
			name = h.String()
		}
		out = append(out, Named{Name: name, Image: img, diffIDs: true, compressed: di.compressedDigest})
	}
	return out, nil
}

// dockerImage is an image of a docker save archive: its config, and its
// layers keyed by their uncompressed digest.
type dockerImage struct {
	s      store
	raw    []byte
	layers map[v1.Hash]string
}

func (d *dockerImage) RawConfigFile() ([]byte, error) { return d.raw, nil }

// compressedDigest hashes the layer file of diffID when it is stored
// compressed (gzip or zstd): that digest is the one a registry serves it
// under. A plain tar layer has none until someone compresses it, and is
// not read here.
func (d *dockerImage) compressedDigest(diffID v1.Hash) (v1.Hash, bool, error) {
	name, ok := d.layers[diffID]
	if !ok {
		return v1.Hash{}, false, fmt.Errorf("no layer with diff id %s", diffID)
	}
	rc, err := d.s.open(name)
	if err != nil {
		return v1.Hash{}, false, fmt.Errorf("opening layer %s: %w", name, err)
	}
	defer func() { _ = rc.Close() }() // only read: closing it loses nothing
	br := bufio.NewReader(rc)
	head, _ := br.Peek(4)
	if !bytes.HasPrefix(head, []byte{0x1f, 0x8b}) && !bytes.HasPrefix(head, []byte{0x28, 0xb5, 0x2f, 0xfd}) {
		return v1.Hash{}, false, nil
	}
	h, _, err := v1.SHA256(br)
	if err != nil {
		return v1.Hash{}, false, fmt.Errorf("hashing layer %s: %w", name, err)
	}
	return h, true, nil
}

func (d *dockerImage) MediaType() (types.MediaType, error) { return types.DockerManifestSchema2, nil }

func (d *dockerImage) LayerByDiffID(h v1.Hash) (partial.UncompressedLayer, error) {
	name, ok := d.layers[h]
	if !ok {
		return nil, fmt.Errorf("no layer with diff id %s", h)
	}
	return &dockerLayer{diffID: h, blob: &blobLayer{s: d.s, name: name, desc: v1.Descriptor{MediaType: types.DockerLayer, Size: -1}}}, nil
}

// dockerLayer is a layer file of a docker save archive, which may be a
// plain tar or, as some tools write them, compressed.
type dockerLayer struct {
	diffID v1.Hash
	blob   *blobLayer
}

func (l *dockerLayer) DiffID() (v1.Hash, error) { return l.diffID, nil }

func (l *dockerLayer) Uncompressed() (io.ReadCloser, error) {
	// The compressed-layer extender sniffs gzip and zstd and passes
	// anything else through unchanged.
	cl, err := partial.CompressedToLayer(l.blob)
	if err != nil {
		return nil, err
	}
	return cl.Uncompressed()
}

func (l *dockerLayer) MediaType() (types.MediaType, error) { return types.DockerLayer, nil }

// blobLayer is a layer stored as one file of a store.
type blobLayer struct {
	s    store
	name string
	desc v1.Descriptor
}

func (b *blobLayer) Digest() (v1.Hash, error) { return b.desc.Digest, nil }

func (b *blobLayer) Compressed() (io.ReadCloser, error) {
	rc, err := b.s.open(b.name)
	if err != nil {
		return nil, fmt.Errorf("opening layer %s: %w", b.name, err)
	}
	return rc, nil
}

func (b *blobLayer) Size() (int64, error) { return b.desc.Size, nil }

func (b *blobLayer) MediaType() (types.MediaType, error) { return b.desc.MediaType, nil }

// openOCILayout returns the images an OCI image layout's index.json leads
// to, through nested indexes. Manifests of other kinds (attestations,
// artifacts) are skipped.
func openOCILayout(s store, where string) ([]Named, error) {
	b, err := readJSON(s, "index.json")
	if err != nil {
		return nil, fmt.Errorf("reading index.json of %s: %w", where, err)
	}
	idx, err := v1.ParseIndexManifest(bytes.NewReader(b))
	if err != nil {
		return nil, fmt.Errorf("parsing index.json of %s: %w", where, err)
	}
	var out []Named
	if err := walkIndex(s, idx, "", 0, &out); err != nil {
		return nil, fmt.Errorf("reading OCI layout %s: %w", where, err)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("OCI layout %s holds no image", where)
	}
	return out, nil
}

func blobPath(h v1.Hash) string { return "blobs/" + h.Algorithm + "/" + h.Hex }

func walkIndex(s store, idx *v1.IndexManifest, parent string, depth int, out *[]Named) error {
	for _, d := range idx.Manifests {
		name, tag := displayName(d, parent)
		switch {
		case d.MediaType.IsIndex():
			if depth+1 >= maxIndexDepth {
				return fmt.Errorf("index %s: indexes nested more than %d deep", d.Digest, maxIndexDepth)
			}
			b, err := readJSON(s, blobPath(d.Digest))
			if err != nil {
				return fmt.Errorf("reading index %s: %w", d.Digest, err)
			}
			child, err := v1.ParseIndexManifest(bytes.NewReader(b))
			if err != nil {
				return fmt.Errorf("parsing index %s: %w", d.Digest, err)
			}
			if err := walkIndex(s, child, name, depth+1, out); err != nil {
				return err
			}
		case d.MediaType.IsImage():
			if d.Annotations["vnd.docker.reference.type"] == "attestation-manifest" {
				continue
			}
			raw, err := readJSON(s, blobPath(d.Digest))
			if err != nil {
				return fmt.Errorf("reading manifest %s: %w", d.Digest, err)
			}
			m, err := v1.ParseManifest(bytes.NewReader(raw))
			if err != nil {
				return fmt.Errorf("parsing manifest %s: %w", d.Digest, err)
			}
			mt := m.MediaType
			if mt == "" {
				mt = d.MediaType
			}
			img, err := partial.CompressedToImage(&ociImage{s: s, raw: raw, m: m, mt: mt})
			if err != nil {
				return fmt.Errorf("manifest %s: %w", d.Digest, err)
			}
			if name == "" {
				// Unnamed: the image id, as docker save names it.
				name = m.Config.Digest.String()
				if tag != "" {
					name += " (tag " + tag + ")"
				}
				if p := platformOf(d); p != "" {
					name += " (" + p + ")"
				}
			}
			*out = append(*out, Named{Name: name, Image: img})
		}
	}
	return nil
}

// displayName names an image or index of a layout by the reference it
// was saved under, as Familiar writes it; an entry of a nested index is
// named after its parent and its platform. It is "" for an entry saved
// under no reference (the caller names an image by its id then), with tag
// set when the entry only has a bare tag ("v1", as OCI's ref.name often
// is), which names no image on its own.
func displayName(d v1.Descriptor, parent string) (name, tag string) {
	if parent != "" {
		if p := platformOf(d); p != "" {
			return parent + " (" + p + ")", ""
		}
		return parent + " (" + d.Digest.String() + ")", ""
	}
	if v := d.Annotations["io.containerd.image.name"]; v != "" {
		return Familiar(v), ""
	}
	if v := d.Annotations["org.opencontainers.image.ref.name"]; v != "" {
		if !strings.ContainsAny(v, "/:@") {
			return "", v
		}
		return Familiar(v), ""
	}
	return "", ""
}

// platformOf is the platform a descriptor names, or "".
func platformOf(d v1.Descriptor) string {
	if d.Platform == nil {
		return ""
	}
	return d.Platform.String()
}

// ociImage is an image manifest of an OCI layout with its blobs.
type ociImage struct {
	s   store
	raw []byte
	m   *v1.Manifest
	mt  types.MediaType
}

func (o *ociImage) RawConfigFile() ([]byte, error) {
	b, err := readJSON(o.s, blobPath(o.m.Config.Digest))
	if err != nil {
		return nil, fmt.Errorf("reading config %s: %w", o.m.Config.Digest, err)
	}
	return b, nil
}

func (o *ociImage) MediaType() (types.MediaType, error) { return o.mt, nil }

func (o *ociImage) RawManifest() ([]byte, error) { return o.raw, nil }

func (o *ociImage) LayerByDigest(h v1.Hash) (partial.CompressedLayer, error) {
	if h == o.m.Config.Digest {
		return &blobLayer{s: o.s, name: blobPath(h), desc: o.m.Config}, nil
	}
	for _, l := range o.m.Layers {
		if l.Digest == h {
			return &blobLayer{s: o.s, name: blobPath(h), desc: l}, nil
		}
	}
	return nil, fmt.Errorf("no layer %s in manifest", h)
}
