package scan

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hfwarden/hfwarden/internal/finding"
	"github.com/hfwarden/hfwarden/internal/secret"
)

// TestNamesHideSecrets: a token in a file name, an archive member name,
// a git path or a branch name never reaches a finding (and so no report
// or store): it is replaced by its label, and two places that differ
// only in the token they name stay two places.
func TestNamesHideSecrets(t *testing.T) {
	tok := newTokenGen(4401).Tokens(t, 3)
	content, inName, other := tok[0], tok[1], tok[2]
	dir := t.TempDir()
	body := []byte("HF_TOKEN=" + content + "\n")
	writeFile(t, filepath.Join(dir, "d", "backup_"+inName+".txt"), body)
	writeFile(t, filepath.Join(dir, "d", "backup_"+other+".txt"), body)
	writeFile(t, filepath.Join(dir, "a.zip"), zipOf(t, entry{"cfg_" + inName + ".env", body}))
	writeFile(t, filepath.Join(dir, "broken_"+inName+".zip"), []byte("PK\x03\x04 not a zip"))

	fs, st := run(t, Options{}, dir)
	r := newTestRepo(t, false)
	r.write("keys/"+inName+".env", string(body))
	r.commit("add")
	r.git("branch", "leak-"+inName)
	gfs, _ := runGit(t, Options{}, GitOptions{CacheDir: t.TempDir()}, r.dir)
	fs = append(fs, gfs...)

	if len(fs) != 4 {
		t.Fatalf("%d findings, want 4: %s", len(fs), describe(fs))
	}
	b, _ := json.Marshal(struct {
		F []finding.Finding
		S finding.Stats
	}{fs, st})
	for _, s := range []string{inName, other} {
		if strings.Contains(string(b), s) {
			t.Errorf("a name's token reached the findings or stats: %s", b)
		}
	}
	paths := map[string]bool{}
	for _, f := range fs {
		paths[f.Location.Path+strings.Join(f.Location.Chain, "!")] = true
	}
	for _, want := range []string{
		filepath.Join(dir, "d", "backup_"+secret.Label(inName)+".txt"),
		filepath.Join(dir, "d", "backup_"+secret.Label(other)+".txt"),
		"keys/" + secret.Label(inName) + ".env",
	} {
		if !paths[want] {
			t.Errorf("no finding at %q: %v", want, paths)
		}
	}
	if !strings.Contains(string(b), "cfg_"+secret.Label(inName)+".env") || !strings.Contains(string(b), "leak-"+secret.Label(inName)) {
		t.Errorf("member or ref not shown by its label: %s", b)
	}
}
