package image

import (
	"archive/tar"
	"context"
	"errors"
	"fmt"
	"io"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/hfwarden/hfwarden/internal/source"
)

// Whiteout markers of the OCI layer format: ".wh.NAME" deletes NAME from
// the layers below; ".wh..wh..opq" in a directory hides everything the
// layers below put in it. Other ".wh..wh." names are AUFS bookkeeping.
const (
	whiteoutPrefix = ".wh."
	whiteoutMeta   = ".wh..wh."
	opaqueMarker   = ".wh..wh..opq"
)

// Read yields to visit the text fields of the image config — each Env
// entry, label, Cmd, Entrypoint, and each history entry's created_by and
// comment — then every regular file of every layer, top layer first, files
// that a later layer deletes or overwrites included. Layers are numbered 1..N
// from the base and streamed, never held in memory. A layer the image
// lists more than once (the same digest) is read once, at its topmost
// place: its files are yielded, and so reported, with that layer's
// number only.
//
// Layer files carry Prov prov.With("image-layer", "layer N/PATH") with attrs
// "image" (img.Name), "image_id" (the config digest, alike in every
// format), "layer" (the layer digest; for docker save images the
// uncompressed digest, which is what the archive stores), "layer_digest"
// (the registry, compressed, digest: absent for a docker save layer stored
// as a plain tar, which has none), "diff_id", "layer_index" and "path"; a
// file deleted by a later layer also has
// "deleted_in_layer" and a "note", and one overwritten by a later layer has
// "shadowed_in_layer". Prov.Time is the layer's history time when known.
//
// Config items are Text, with Prov prov.With("image-config",
// "config/Env/NAME"), attrs "image" and "image_id", and Field "env" (likewise "label", "cmd", "entrypoint",
// "history", "history_comment"); history items have the 0-based
// "history_index" of the config's history array and Prov.Time its created
// time.
//
// A *source.MemberError from visit is left to the caller and Read goes on;
// any other error from visit, or ctx ending, stops Read. A layer that cannot
// be read (missing, corrupt, truncated) does not stop the other layers: the
// layer errors are returned together at the end.
func Read(ctx context.Context, img Named, prov source.Provenance, visit source.Visit) error {
	cfg, err := img.Image.ConfigFile()
	if err != nil {
		return fmt.Errorf("reading config of image %s: %w", img.Name, err)
	}
	prov = prov.Attr("image_id", imageID(img))
	if err := readConfig(ctx, img.Name, cfg, prov, visit); err != nil {
		return err
	}
	layers, err := img.Image.Layers()
	if err != nil {
		return fmt.Errorf("listing layers of image %s: %w", img.Name, err)
	}
	times := layerTimes(cfg, len(layers))
	r := layerReader{img: img, prov: prov, visit: visit, hidden: newHidden(), seen: map[v1.Hash]*layerEffect{}, imageID: imageID(img)}
	var layerErrs []error
	for i := len(layers) - 1; i >= 0; i-- {
		var diffID string
		if len(cfg.RootFS.DiffIDs) == len(layers) {
			diffID = cfg.RootFS.DiffIDs[i].String()
		}
		err := r.layer(ctx, layers[i], i+1, diffID, times[i])
		var le *layerError
		switch {
		case errors.As(err, &le):
			layerErrs = append(layerErrs, err)
		case err != nil:
			return err
		}
	}
	return joinOneLine(layerErrs)
}

// imageID is the image's config digest, the id docker shows: the same
// for an image saved by docker save, in an OCI layout or in a registry.
func imageID(img Named) string {
	h, err := img.Image.ConfigName()
	if err != nil {
		return ""
	}
	return h.String()
}

// joinOneLine joins errors with "; " rather than errors.Join's newlines, so
// that the result stays one line; errors.Is and errors.As see them all.
func joinOneLine(errs []error) error {
	if len(errs) == 0 {
		return nil
	}
	format := strings.TrimSuffix(strings.Repeat("%w; ", len(errs)), "; ")
	args := make([]any, len(errs))
	for i, e := range errs {
		args[i] = e
	}
	return fmt.Errorf(format, args...)
}

// layerError is a failure to read one layer; the other layers are still
// read.
type layerError struct{ err error }

func (e *layerError) Error() string { return e.err.Error() }
func (e *layerError) Unwrap() error { return e.err }

// layerTimes returns, for each layer, the created time of the history
// entry that made it, where the history says.
func layerTimes(cfg *v1.ConfigFile, n int) []time.Time {
	times := make([]time.Time, n)
	i := 0
	for _, h := range cfg.History {
		if h.EmptyLayer {
			continue
		}
		if i == n {
			break
		}
		times[i] = h.Created.Time
		i++
	}
	return times
}

// historyLayers maps each history entry to the 1-based layer it made, or 0.
func historyLayers(cfg *v1.ConfigFile) []int {
	out := make([]int, len(cfg.History))
	n := 0
	for i, h := range cfg.History {
		if !h.EmptyLayer {
			n++
			out[i] = n
		}
	}
	return out
}

// readConfig yields the config's text fields in a fixed order.
func readConfig(ctx context.Context, imgName string, cfg *v1.ConfigFile, prov source.Provenance, visit source.Visit) error {
	item := func(name, field, text string, attrs ...string) error {
		if text == "" {
			return nil
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		q := prov.With("image-config", name)
		q.Field = field
		q.Attrs["image"] = imgName
		for i := 0; i+1 < len(attrs); i += 2 {
			q.Attrs[attrs[i]] = attrs[i+1]
		}
		it := source.Item{Prov: q, Name: path.Base(name), Size: int64(len(text)), Text: true}
		return visitErr(visit(ctx, it, strings.NewReader(text)), "visiting "+name+" of image "+imgName)
	}
	c := cfg.Config
	for _, e := range c.Env {
		k, _, _ := strings.Cut(e, "=")
		if err := item("config/Env/"+k, "env", e, "env", k); err != nil {
			return err
		}
	}
	keys := make([]string, 0, len(c.Labels))
	for k := range c.Labels {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		if err := item("config/Labels/"+k, "label", k+"="+c.Labels[k], "label", k); err != nil {
			return err
		}
	}
	if err := item("config/Entrypoint", "entrypoint", strings.Join(c.Entrypoint, " ")); err != nil {
		return err
	}
	if err := item("config/Cmd", "cmd", strings.Join(c.Cmd, " ")); err != nil {
		return err
	}
	return readHistory(ctx, imgName, cfg, prov, visit)
}

// readHistory yields each history entry's created_by and comment.
func readHistory(ctx context.Context, imgName string, cfg *v1.ConfigFile, prov source.Provenance, visit source.Visit) error {
	layerOf := historyLayers(cfg)
	for i, h := range cfg.History {
		for _, f := range []struct{ name, field, text string }{
			{fmt.Sprintf("config/history/%d", i), "history", h.CreatedBy},
			{fmt.Sprintf("config/history/%d/comment", i), "history_comment", h.Comment},
		} {
			if f.text == "" {
				continue
			}
			if err := ctx.Err(); err != nil {
				return err
			}
			q := prov.With("image-config", f.name)
			q.Field = f.field
			q.Time = h.Created.Time
			q.Author = h.Author
			q.Attrs["image"] = imgName
			q.Attrs["history_index"] = strconv.Itoa(i)
			if layerOf[i] > 0 {
				q.Attrs["layer_index"] = strconv.Itoa(layerOf[i])
			}
			it := source.Item{Prov: q, Name: path.Base(f.name), Size: int64(len(f.text)), Text: true}
			if err := visitErr(visit(ctx, it, strings.NewReader(f.text)), "visiting "+f.name+" of image "+imgName); err != nil {
				return err
			}
		}
	}
	return nil
}

// visitErr passes over a member error (the caller records it) and wraps
// anything else.
func visitErr(err error, doing string) error {
	var me *source.MemberError
	if err == nil || errors.As(err, &me) {
		return nil
	}
	return fmt.Errorf("%s: %w", doing, err)
}

// hidden records what the layers above the one being read do to the paths
// below them: each map holds the nearest (lowest) such layer.
type hidden struct {
	deleted map[string]int // a whiteout removes the path and all beneath it
	opaque  map[string]int // an opaque directory hides what is beneath it
	present map[string]int // an entry at the path overwrites it
}

func newHidden() hidden {
	return hidden{deleted: map[string]int{}, opaque: map[string]int{}, present: map[string]int{}}
}

// deletedIn returns the nearest layer above that deletes p, or 0.
func (h hidden) deletedIn(p string) int {
	best := 0
	note := func(n int, ok bool) {
		if ok && (best == 0 || n < best) {
			best = n
		}
	}
	n, ok := h.deleted[p]
	note(n, ok)
	for d := p; d != "/"; {
		d = path.Dir(d)
		n, ok := h.deleted[d]
		note(n, ok)
		n, ok = h.opaque[d]
		note(n, ok)
	}
	return best
}

// layerReader reads the layers of one image, top first.
type layerReader struct {
	img    Named
	prov   source.Provenance
	visit  source.Visit
	hidden hidden
	// imageID is the image's config digest.
	imageID string
	// seen holds what each layer already read does to the layers below
	// it, by layer id: a manifest may list one layer many times (fifty
	// times the same digest costs one read, not fifty).
	seen map[v1.Hash]*layerEffect
}

// layerEffect is what one layer does to the paths of the layers below it.
type layerEffect struct {
	deleted, opaque, present []string
}

// apply records that layer n does e to the layers below it.
func (r *layerReader) apply(e *layerEffect, n int) {
	for _, p := range e.deleted {
		r.hidden.deleted[p] = n
	}
	for _, p := range e.opaque {
		r.hidden.opaque[p] = n
	}
	for _, p := range e.present {
		r.hidden.present[p] = n
	}
}

func (r *layerReader) layer(ctx context.Context, l v1.Layer, n int, diffID string, t time.Time) error {
	var id v1.Hash
	var err error
	if r.img.diffIDs {
		id, err = l.DiffID()
	} else {
		id, err = l.Digest()
	}
	if err != nil {
		return &layerError{fmt.Errorf("image %s: identifying layer %d: %w", r.img.Name, n, err)}
	}
	// A layer listed again below (the same digest) holds the same files:
	// they were read, and reported, at its topmost place. Only what it
	// hides from the layers below it is taken again, at this place.
	if e, ok := r.seen[id]; ok {
		r.apply(e, n)
		return nil
	}
	e := &layerEffect{}
	r.seen[id] = e
	where := fmt.Sprintf("image %s: layer %d (%s)", r.img.Name, n, id)
	// The registry (compressed) digest, where the image has one: what a
	// registry, a rebuild or a purge request names the layer by.
	var digest string
	switch {
	case !r.img.diffIDs:
		digest = id.String()
	case r.img.compressed != nil:
		h, ok, err := r.img.compressed(id)
		if err != nil {
			return &layerError{fmt.Errorf("%s: %w", where, err)}
		}
		if ok {
			digest = h.String()
		}
	}
	rc, err := l.Uncompressed()
	if err != nil {
		// Reported once: a repeat below fails the same way.
		return &layerError{fmt.Errorf("%s: opening: %w", where, err)}
	}
	defer func() { _ = rc.Close() }() // only read: closing it loses nothing

	// What this layer deletes or writes only hides the layers below it, so
	// it is merged once the layer is read.
	defer r.apply(e, n)
	deleted, opaque, present := &e.deleted, &e.opaque, &e.present

	tr := tar.NewReader(rc)
	for {
		if err := ctx.Err(); err != nil {
			return fmt.Errorf("%s: %w", where, err)
		}
		hdr, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return &layerError{fmt.Errorf("%s: reading: %w", where, err)}
		}
		// Cleaning against the root turns "../x" and "/x" into "/x": the
		// path is only displayed, never used on disk.
		p := path.Clean("/" + hdr.Name)
		dir, base := path.Split(p)
		if strings.HasPrefix(base, whiteoutPrefix) {
			switch {
			case base == opaqueMarker:
				*opaque = append(*opaque, path.Clean(dir))
			case !strings.HasPrefix(base, whiteoutMeta):
				*deleted = append(*deleted, path.Join(dir, strings.TrimPrefix(base, whiteoutPrefix)))
			}
			continue
		}
		*present = append(*present, p)
		if hdr.Typeflag != tar.TypeReg || p == "/" {
			continue
		}

		q := r.prov.With("image-layer", fmt.Sprintf("layer %d/%s", n, strings.TrimPrefix(p, "/")))
		q.Time = t
		q.Attrs["image"] = r.img.Name
		q.Attrs["layer"] = id.String()
		if digest != "" {
			q.Attrs["layer_digest"] = digest
		}
		if diffID != "" {
			q.Attrs["diff_id"] = diffID
		}
		q.Attrs["layer_index"] = strconv.Itoa(n)
		q.Attrs["path"] = p
		if d := r.hidden.deletedIn(p); d > 0 {
			q.Attrs["deleted_in_layer"] = strconv.Itoa(d)
			q.Attrs["note"] = fmt.Sprintf("deleted in layer %d, still in the image", d)
		}
		if s, ok := r.hidden.present[p]; ok {
			q.Attrs["shadowed_in_layer"] = strconv.Itoa(s)
		}
		it := source.Item{Prov: q, Name: base, Size: hdr.Size}
		if err := visitErr(r.visit(ctx, it, tr), "visiting "+p+" in "+where); err != nil {
			return err
		}
	}
}
