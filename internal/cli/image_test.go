package cli_test

import (
	"archive/tar"
	"bytes"
	"encoding/json"
	"io"
	"log"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
)

// bareLayerAttr matches a "layer" attribute in the text output (not
// "layer_digest", "deleted_in_layer").
var bareLayerAttr = regexp.MustCompile(`(^|[^_a-z])layer: `)

// layer builds an image layer from name → body; a nil body is a
// whiteout's empty marker.
func layer(t *testing.T, files map[string]string) v1.Layer {
	t.Helper()
	var b bytes.Buffer
	w := tar.NewWriter(&b)
	for n, body := range files {
		if err := w.WriteHeader(&tar.Header{Name: n, Mode: 0o644, Size: int64(len(body)), Typeflag: tar.TypeReg}); err != nil {
			t.Fatal(err)
		}
		if _, err := io.WriteString(w, body); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	data := b.Bytes()
	l, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil })
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// TestScanImage builds an image whose first layer adds a token file that
// the second deletes, and whose config carries HF_TOKEN in Env and in a
// build argument; scan must find all three in a docker save tarball and
// in a registry (--image), saying which layer and that the file is
// deleted but still in the image.
func TestScanImage(t *testing.T) {
	tok := fakeTokens(t, 404, 4)
	l1 := layer(t, map[string]string{"app/.env": "HF_TOKEN=" + tok[0] + "\n", "app/main.py": "print(1)\n"})
	l2 := layer(t, map[string]string{"app/.wh..env": ""})
	img, err := mutate.AppendLayers(empty.Image, l1, l2)
	if err != nil {
		t.Fatal(err)
	}
	cf, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	cf = cf.DeepCopy()
	cf.Config.Env = []string{"HF_TOKEN=" + tok[1], "PATH=/usr/bin"}
	// A field Read does not name: the raw configuration is scanned too.
	cf.Config.Healthcheck = &v1.HealthConfig{Test: []string{"CMD", "curl", "-H", "Authorization: Bearer " + tok[3], "http://localhost/health"}}
	cf.History = []v1.History{{CreatedBy: "COPY app /app"}, {CreatedBy: "ARG HF_TOKEN=" + tok[2] + " RUN rm /app/.env"}}
	img, err = mutate.ConfigFile(img, cf)
	if err != nil {
		t.Fatal(err)
	}
	d1, err := l1.Digest()
	if err != nil {
		t.Fatal(err)
	}

	dir := t.TempDir()
	tarPath := filepath.Join(dir, "app-image.tar")
	if err := tarball.WriteToFile(tarPath, name.MustParseReference("example.com/ml/app:v1"), img); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(registry.New(registry.Logger(log.New(io.Discard, "", 0))))
	defer srv.Close()
	ref := strings.TrimPrefix(srv.URL, "http://") + "/ml/app:v1"
	pushed, err := name.ParseReference(ref)
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.Write(pushed, img); err != nil {
		t.Fatal(err)
	}

	type finding struct {
		Secret   string
		Source   string
		Location struct {
			Path  string
			Field string
			Attrs map[string]string
		}
	}
	for _, c := range []struct {
		name string
		args []string
	}{
		{"docker save tarball", []string{"scan", "-f", "json", "--show-secrets", tarPath}},
		{"registry", []string{"scan", "-f", "json", "--show-secrets", "--image", ref}},
	} {
		t.Run(c.name, func(t *testing.T) {
			r := runCLI(t, "", c.args...)
			if r.code != 1 {
				t.Fatalf("exit %d, stderr %s", r.code, r.stderr)
			}
			var rep struct{ Findings []finding }
			if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
				t.Fatal(err)
			}
			by := map[string]finding{}
			for _, f := range rep.Findings {
				by[f.Secret] = f
			}
			if len(rep.Findings) != 4 || len(by) != 4 {
				t.Fatalf("want the 4 tokens once each, got %d findings: %s", len(rep.Findings), r.stdout)
			}
			if hc := by[tok[3]].Location; !strings.HasSuffix(hc.Path, "!config.json") || hc.Attrs["image"] == "" {
				t.Errorf("healthcheck finding: %+v", hc)
			}
			file := by[tok[0]].Location
			if !strings.HasSuffix(file.Path, "!layer 1/app/.env") || file.Attrs["deleted_in_layer"] != "2" ||
				!strings.Contains(file.Attrs["note"], "deleted in layer 2, still in the image") || file.Attrs["path"] != "/app/.env" {
				t.Errorf("deleted token file: %+v", file)
			}
			if c.name == "registry" && file.Attrs["layer"] != d1.String() {
				t.Errorf("layer digest = %q, want %s", file.Attrs["layer"], d1)
			}
			if file.Attrs["image"] == "" {
				t.Error("no image attribute")
			}
			if env := by[tok[1]].Location; env.Field != "env" {
				t.Errorf("Env finding: %+v", env)
			}
			if hist := by[tok[2]].Location; hist.Field != "history" {
				t.Errorf("history finding: %+v", hist)
			}
			// The text output names the layer's ids for what they are:
			// the JSON "layer" copy of one of them is not shown as
			// "layer", which readers took for the registry digest.
			var text []string
			for _, a := range c.args {
				if a != "json" && a != "-f" && a != "--show-secrets" {
					text = append(text, a)
				}
			}
			tr := runCLI(t, "", text...)
			if !strings.Contains(tr.stdout, "diff_id: "+file.Attrs["diff_id"]) || file.Attrs["diff_id"] == "" || bareLayerAttr.MatchString(tr.stdout) {
				t.Errorf("text output, layer attrs %q/%q/%q:\n%s", file.Attrs["layer"], file.Attrs["layer_digest"], file.Attrs["diff_id"], tr.stdout)
			}
			if c.name == "registry" && !strings.Contains(tr.stdout, "layer_digest: "+d1.String()) {
				t.Errorf("text output lacks the registry digest %s:\n%s", d1, tr.stdout)
			}
		})
	}

	// A broken image is one clear error; the rest of the scan goes on.
	bad := filepath.Join(dir, "broken.tar")
	data, err := os.ReadFile(tarPath)
	if err != nil {
		t.Fatal(err)
	}
	write(t, bad, string(data[:len(data)/2]))
	write(t, filepath.Join(dir, "ok.txt"), "HF_TOKEN="+tok[0]+"\n")
	r := runCLI(t, "", "scan", "-f", "json", bad, filepath.Join(dir, "ok.txt"))
	if r.code != 2 || !strings.Contains(r.stdout, "ok.txt") || !strings.Contains(r.stderr, "broken.tar") {
		t.Errorf("broken image: exit %d\nstdout %s\nstderr %s", r.code, r.stdout, r.stderr)
	}
}
