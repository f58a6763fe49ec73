package export

import (
	"io/fs"
	"os"
	"path"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hfwarden/hfwarden/internal/source"
)

func TestReadActions(t *testing.T) {
	toks := tokens(t, 5)
	files := map[string]string{
		// The job's whole log repeats its steps and holds lines in no
		// step (post-job cleanup): it is read too.
		"0_build.txt": "\ufeff2024-01-02T03:04:05.0000000Z setup\n2024-01-02T03:04:09.5000000Z " + toks[0] + "\n" +
			"2024-01-02T03:05:00.0000000Z Cleaning up orphan processes " + toks[4] + "\n",
		"build/1_Set up job.txt": "\ufeff2024-01-02T03:04:05.1234567Z Current runner version: '2.311.0'\n" +
			"2024-01-02T03:04:06.0000000Z HF_TOKEN: " + toks[1] + "\n",
		"build/2_Run tests.txt": "2024-01-02T03:04:09.5000000Z " + toks[0] + "\n",
		// A job without a directory of steps is yielded whole.
		"1_lint.txt": "2024-01-03T00:00:00Z lint " + toks[2] + "\n",
		// Not a log: yielded as it is.
		"build/system.txt": "runner " + toks[3] + "\n",
		// An empty step has no time.
		"build/3_Post.txt": "",
	}
	dir := t.TempDir()
	writeTree(t, dir, files)
	for _, tc := range []struct {
		name string
		fsys fs.FS
	}{
		{"zip", zipTree(t, files)},
		{"dir", os.DirFS(dir)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if f := SniffFS(tc.fsys); f != FormatActionsLogs {
				t.Fatalf("SniffFS = %v, want actions-logs", f)
			}
			visit, items := collect(t)
			err := ReadFS(t.Context(), FormatActionsLogs, tc.fsys, source.FileProvenance("file", "logs.zip"), visit)
			if err != nil {
				t.Fatal(err)
			}
			for _, w := range []struct {
				tok             int
				path, job, step string
				time            time.Time
			}{
				{4, "logs.zip!0_build.txt", "build", "", time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)},
				{1, "logs.zip!build/1_Set up job.txt", "build", "Set up job", time.Date(2024, 1, 2, 3, 4, 5, 123456700, time.UTC)},
				{2, "logs.zip!1_lint.txt", "lint", "", time.Date(2024, 1, 3, 0, 0, 0, 0, time.UTC)},
				{3, "logs.zip!build/system.txt", "", "", time.Time{}},
			} {
				it := find(t, *items, toks[w.tok])
				if it.Text || it.Prov.Path != w.path || it.Prov.Attrs["job"] != w.job || it.Prov.Attrs["step"] != w.step {
					t.Errorf("token %d: text %v path %q job %q step %q, want %q %q %q",
						w.tok, it.Text, it.Prov.Path, it.Prov.Attrs["job"], it.Prov.Attrs["step"], w.path, w.job, w.step)
				}
				if !it.Prov.Time.Equal(w.time) {
					t.Errorf("token %d: time %v, want %v", w.tok, it.Prov.Time, w.time)
				}
				if it.Name != path.Base(strings.TrimPrefix(w.path, "logs.zip!")) {
					t.Errorf("token %d: name %q", w.tok, it.Name)
				}
				if it.Size != int64(len(it.data)) {
					t.Errorf("token %d: size %d for %d bytes", w.tok, it.Size, len(it.data))
				}
			}
			// The first bytes, read for the time, are handed on too.
			post := 0
			for _, it := range *items {
				if it.Name == "1_Set up job.txt" && it.data != files["build/1_Set up job.txt"] {
					t.Errorf("step bytes changed: %q", it.data)
				}
				if it.Name == "3_Post.txt" {
					post++
					if !it.Prov.Time.IsZero() || it.Prov.Attrs["step"] != "Post" {
						t.Errorf("empty step: time %v step %q", it.Prov.Time, it.Prov.Attrs["step"])
					}
				}
			}
			if post != 1 || len(*items) != 6 {
				t.Errorf("%d items (%d empty steps), want 6 (1)", len(*items), post)
			}
			// A secret in a step is in the job's log too: both places are
			// read, each with its own job and step.
			var places []string
			for _, it := range *items {
				if strings.Contains(it.data, toks[0]) {
					places = append(places, it.Prov.Path+"|"+it.Prov.Attrs["job"]+"|"+it.Prov.Attrs["step"])
				}
			}
			slices.Sort(places)
			if want := []string{"logs.zip!0_build.txt|build|", "logs.zip!build/2_Run tests.txt|build|Run tests"}; !slices.Equal(places, want) {
				t.Errorf("token 0 read in %q, want %q", places, want)
			}
		})
	}
}

func TestStepName(t *testing.T) {
	for _, tc := range []struct {
		name, title string
		ok          bool
	}{
		{"1_Set up job.txt", "Set up job", true},
		{"12_Run actions_checkout@v4.txt", "Run actions_checkout@v4", true},
		{"system.txt", "", false},
		{"_x.txt", "", false},
		{"1_.txt", "", false},
		{"1a_x.txt", "", false},
		{"1_x.log", "", false},
	} {
		title, ok := stepName(tc.name)
		if title != tc.title || ok != tc.ok {
			t.Errorf("stepName(%q) = %q, %v; want %q, %v", tc.name, title, ok, tc.title, tc.ok)
		}
	}
}
