package cli_test

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
)

// TestScanImageAlikeInEveryFormat: the same image, built reproducibly
// (history times at the Unix epoch), saved by docker save and as an OCI
// layout: its findings name the image, its id, the layer's registry digest
// and diff id alike in both; the epoch is no finding time and no exposure
// start.
func TestScanImageAlikeInEveryFormat(t *testing.T) {
	t.Setenv("XDG_DATA_HOME", t.TempDir())
	tok := fakeTokens(t, 405, 2)
	l1 := layer(t, map[string]string{"app/.env": "HF_TOKEN=" + tok[0] + "\n"})
	img, err := mutate.AppendLayers(empty.Image, l1)
	if err != nil {
		t.Fatal(err)
	}
	cf, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	cf = cf.DeepCopy()
	cf.Config.Env = []string{"HF_TOKEN=" + tok[1]}
	epoch := v1.Time{Time: time.Unix(0, 0).UTC()} // SOURCE_DATE_EPOCH=0
	cf.Created = epoch
	cf.History = []v1.History{{CreatedBy: "COPY app /app", Created: epoch}}
	if img, err = mutate.ConfigFile(img, cf); err != nil {
		t.Fatal(err)
	}
	digest, _ := l1.Digest()
	diffID, _ := l1.DiffID()
	id, _ := img.ConfigName()

	dir := t.TempDir()
	tarPath := filepath.Join(dir, "app.tar")
	if err := tarball.WriteToFile(tarPath, name.MustParseReference("docker.io/library/app:v1"), img); err != nil {
		t.Fatal(err)
	}
	lp := filepath.Join(dir, "layout")
	p, err := layout.Write(lp, empty.Index)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.AppendImage(img, layout.WithAnnotations(map[string]string{
		"io.containerd.image.name": "docker.io/library/app:v1", "org.opencontainers.image.ref.name": "v1"})); err != nil {
		t.Fatal(err)
	}
	type finding struct {
		Secret   string
		Time     *time.Time
		Location struct{ Attrs map[string]string }
	}
	for _, src := range []string{tarPath, lp} {
		r := runCLI(t, "", "scan", "-f", "json", "--show-secrets", src)
		var rep struct{ Findings []finding }
		if r.code != 1 || json.Unmarshal([]byte(r.stdout), &rep) != nil || len(rep.Findings) != 2 {
			t.Fatalf("scan %s: exit %d\n%s\n%s", src, r.code, r.stdout, r.stderr)
		}
		for _, f := range rep.Findings {
			a := f.Location.Attrs
			if a["image"] != "app:v1" || a["image_id"] != id.String() {
				t.Errorf("%s: image %q id %q, want app:v1 %s", src, a["image"], a["image_id"], id)
			}
			if f.Secret == tok[0] && (a["layer_digest"] != digest.String() || a["diff_id"] != diffID.String()) {
				t.Errorf("%s: layer_digest %q diff_id %q, want %s %s", src, a["layer_digest"], a["diff_id"], digest, diffID)
			}
			if f.Time != nil {
				t.Errorf("%s: finding time %v: the epoch is unknown", src, f.Time)
			}
		}
		text := runCLI(t, "", "scan", src)
		if !strings.Contains(text.stdout, "layer_digest: "+digest.String()) || !strings.Contains(text.stdout, "diff_id: "+diffID.String()) {
			t.Errorf("%s: the text report does not name the layer by both digests:\n%s", src, text.stdout)
		}
	}
	db := []string{"--db", filepath.Join(t.TempDir(), "h.db"), "--key-file", filepath.Join(t.TempDir(), "h.key")}
	if r := runCLI(t, "", append([]string{"scan", "--store", "-q", tarPath}, db...)...); r.code != 1 {
		t.Fatalf("scan --store: exit %d %s", r.code, r.stderr)
	}
	r := runCLI(t, "", append([]string{"incidents", "list", "-f", "json"}, db...)...)
	if r.code != 0 || strings.Contains(r.stdout, "exposure_start") || strings.Contains(r.stdout, "1970") {
		t.Errorf("the epoch became an exposure start: exit %d\n%s", r.code, r.stdout)
	}
}
