package cli_test

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
)

// e2eReport is the part of report -f json the end-to-end test reads.
type e2eReport struct {
	BottomLine struct {
		Text, What, Exposure, Reach, Done, Audit string
		Open                                     []string
	} `json:"bottom_line"`
	UsedFor   []string `json:"used_for"`
	Checklist []struct {
		Step                         int
		Title, Status, Label, Detail string
		Actions                      []struct{ Status, Text, Proof string }
	} `json:"checklist"`
	RecommendedScope struct {
		Fallback bool `json:"fallback"`
		Entries  []struct {
			Type, Name  string
			Permissions []string
		} `json:"entries"`
	} `json:"recommended_scope"`
}

// TestReportEndToEnd follows one leaked token found in a git history, a
// docker save image and a Slack export (with an OpenAI key beside it in
// the repository) through assess, audit and revoke against the Hub
// simulator, then checks the report's bottom line and next steps field by
// field, before and after the responder states the token's use.
func TestReportEndToEnd(t *testing.T) {
	url, toks := startSim(t)
	tok := toks["sim-alice-write"]
	t.Setenv("XDG_DATA_HOME", t.TempDir())
	dir := t.TempDir()
	dbArgs := []string{"--db", filepath.Join(dir, "h.db"), "--key-file", filepath.Join(dir, "h.key")}
	scanArgs := append([]string{"scan", "--store", "--verify", "--endpoint", url, "--cache-dir", t.TempDir(), "-q"}, dbArgs...)

	// A git history: the token and an OpenAI key committed, then removed.
	repo := gitRepo(t)
	write(t, filepath.Join(repo, "config.py"), "HF_TOKEN = \""+tok+"\"\nOPENAI_API_KEY = \""+testOpenAIKey+"\"\n")
	gitIn(t, repo, "add", ".")
	gitIn(t, repo, "commit", "-qm", "add config")
	commit := strings.TrimSpace(gitIn(t, repo, "rev-parse", "HEAD"))
	write(t, filepath.Join(repo, "config.py"), "import os\n")
	gitIn(t, repo, "commit", "-qam", "read the environment")
	if r := runCLI(t, "", append(scanArgs, "--git", repo)...); r.code != 1 {
		t.Fatalf("scan --git: exit %d %s", r.code, r.stderr)
	}

	// A docker save image whose layer holds the token.
	l := layer(t, map[string]string{"root/.cache/huggingface/token": tok + "\n"})
	img, err := mutate.AppendLayers(empty.Image, l)
	if err != nil {
		t.Fatal(err)
	}
	imgDir := t.TempDir()
	tarPath := filepath.Join(imgDir, "trainer.tar")
	if err := tarball.WriteToFile(tarPath, name.MustParseReference("example.com/ml/trainer:v1"), img); err != nil {
		t.Fatal(err)
	}
	layerDigest, err := l.DiffID() // a docker save image names its layers so
	if err != nil {
		t.Fatal(err)
	}

	// A Slack export where alice pasted it.
	var zb bytes.Buffer
	zw := zip.NewWriter(&zb)
	for n, body := range map[string]string{
		"users.json":             `[{"id":"U01","name":"alice"}]`,
		"channels.json":          `[{"id":"C01","name":"ml-ops"}]`,
		"ml-ops/2024-06-01.json": `[{"type":"message","user":"U01","text":"try HF_TOKEN=` + tok + `","ts":"1717236000.000100"}]`,
	} {
		w, err := zw.Create(n)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write([]byte(body)); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	slackDir := t.TempDir()
	write(t, filepath.Join(slackDir, "slack.zip"), zb.String())
	for _, p := range []string{tarPath, slackDir} {
		if r := runCLI(t, "", append(scanArgs, p)...); r.code != 1 {
			t.Fatalf("scan %s: exit %d %s", p, r.code, r.stderr)
		}
	}
	if show := showIncident(t, dbArgs, "1"); show.Incident.State != "open" {
		t.Fatalf("incident 1 is %+v", show.Incident)
	}

	// Assess, audit, revoke.
	if r := runCLI(t, "", append([]string{"assess", "--incident", "1", "--endpoint", url}, dbArgs...)...); r.code != 0 {
		t.Fatalf("assess: exit %d %s", r.code, r.stderr)
	}
	since := time.Now().UTC().Add(-time.Hour).Format(time.RFC3339)
	if r := runCLI(t, "", append([]string{"audit", "1", "--endpoint", url, "--since", since}, dbArgs...)...); r.code > 1 {
		t.Fatalf("audit: exit %d %s", r.code, r.stderr)
	}
	if r := runCLI(t, "", append([]string{"revoke", "1", "--yes", "--endpoint", url, "--timeout", "10s"}, dbArgs...)...); r.code != 0 {
		t.Fatalf("revoke: exit %d %s %s", r.code, r.stdout, r.stderr)
	}

	report := func(extra ...string) e2eReport {
		t.Helper()
		r := runCLI(t, "", append(append([]string{"report", "1", "-f", "json"}, extra...), dbArgs...)...)
		var rep e2eReport
		if r.code != 0 || json.Unmarshal([]byte(r.stdout), &rep) != nil {
			t.Fatalf("report: exit %d %s", r.code, r.stderr)
		}
		if strings.Contains(r.stdout, tok) || strings.Contains(r.stdout, testOpenAIKey) {
			t.Fatal("the report holds a raw secret")
		}
		return rep
	}
	rep := report()
	bl := rep.BottomLine
	for field, c := range map[string]struct{ got, want string }{
		"what":  {bl.What, "Write token of alice"},
		"reach": {bl.Reach, "could write 8 repos (4 public)"},
		"audit": {bl.Audit, "audit found nothing high or worse"},
	} {
		if c.got != c.want {
			t.Errorf("bottom line %s = %q, want %q", field, c.got, c.want)
		}
	}
	if !strings.HasPrefix(bl.Done, "revoked and confirmed ") {
		t.Errorf("bottom line done = %q", bl.Done)
	}
	// Three places, one per source; since the commit (git's date is now).
	if !strings.Contains(bl.Exposure, "in 3 places (") || !strings.Contains(bl.Exposure, "1 git") || !strings.Contains(bl.Exposure, "1 slack") {
		t.Errorf("bottom line exposure = %q", bl.Exposure)
	}
	for _, want := range []string{"3 copies not purged", "4 public repos to notify", "replacement not issued", "1 linked secret not rotated"} {
		if !slices.Contains(bl.Open, want) {
			t.Errorf("bottom line open %q lacks %q", bl.Open, want)
		}
	}
	if !strings.HasPrefix(bl.Text, bl.What+", "+bl.Exposure+", "+bl.Reach+"; "+bl.Done+"; "+bl.Audit+"; still open: ") {
		t.Errorf("bottom line text %q", bl.Text)
	}

	if len(rep.Checklist) != 9 {
		t.Fatalf("%d checklist steps", len(rep.Checklist))
	}
	if s := rep.Checklist[0]; s.Status != "done" {
		t.Errorf("revoke step %+v", s)
	}
	purge := rep.Checklist[5]
	if purge.Status != "pending" || purge.Label != "3 of 3 not purged" || len(purge.Actions) != 3 {
		t.Fatalf("purge step %+v", purge)
	}
	byPrefix := func(prefix string) string {
		for _, a := range purge.Actions {
			if strings.HasPrefix(a.Text, prefix) {
				return a.Text
			}
		}
		t.Errorf("no purge action starting %q in %+v", prefix, purge.Actions)
		return ""
	}
	gitAct := byPrefix("git history of " + repo)
	for _, want := range []string{"git -C " + repo + " filter-repo --replace-text FILE", "config.py (commit " + commit[:12] + ")", "--invert-paths --path config.py", "force-push every rewritten ref"} {
		if !strings.Contains(gitAct, want) {
			t.Errorf("git purge %q lacks %q", gitAct, want)
		}
	}
	imgAct := byPrefix("image ")
	if !strings.Contains(imgAct, "rebuild") || !strings.Contains(imgAct, "root/.cache/huggingface/token") || !strings.Contains(imgAct, layerDigest.Hex[:12]) {
		t.Errorf("image purge %q (layer %s)", imgAct, layerDigest)
	}
	slackAct := byPrefix("slack channel ")
	if !strings.Contains(slackAct, "ml-ops") || !strings.Contains(slackAct, "ts 1717236000.000100") || !strings.Contains(slackAct, "alice") {
		t.Errorf("slack purge %q", slackAct)
	}
	notify := rep.Checklist[6]
	if notify.Status != "pending" || len(notify.Actions) != 4 || !strings.Contains(notify.Actions[0].Text, "sim-gated-model") {
		t.Errorf("notify step %+v", notify)
	}
	replace := rep.Checklist[7]
	if replace.Status != "pending" || !strings.Contains(replace.Detail, "nobody stated which repositories") || !rep.RecommendedScope.Fallback {
		t.Errorf("replace step %+v", replace)
	}
	rotate := rep.Checklist[8]
	if rotate.Status != "pending" || len(rotate.Actions) != 1 || !strings.Contains(rotate.Actions[0].Text, "openai-api-key") ||
		!strings.Contains(rotate.Actions[0].Text, "platform.openai.com/api-keys") || !strings.Contains(rotate.Actions[0].Text, "same file config.py") {
		t.Errorf("rotate step %+v", rotate)
	}

	// The responder states the use and records the notification: the
	// scope is derived from the statement, and the steps are done.
	if r := runCLI(t, "", append([]string{"incidents", "note", "1", "--used", "bad repo"}, dbArgs...)...); r.code != 2 {
		t.Errorf("note --used with a bad repository: exit %d", r.code)
	}
	if r := runCLI(t, "", append([]string{"incidents", "note", "1", "--message", "notified the owners of the public repositories"}, dbArgs...)...); r.code != 0 {
		t.Fatalf("note: exit %d %s", r.code, r.stderr)
	}
	rep = report("--used", "alice/sim-sentiment-model")
	if !slices.Equal(rep.UsedFor, []string{"alice/sim-sentiment-model"}) || rep.RecommendedScope.Fallback || len(rep.RecommendedScope.Entries) != 1 ||
		rep.RecommendedScope.Entries[0].Name != "alice/sim-sentiment-model" {
		t.Errorf("after report --used: used %v scope %+v", rep.UsedFor, rep.RecommendedScope)
	}
	if rep.Checklist[6].Status != "done" || strings.Contains(rep.Checklist[7].Detail, "nobody stated") {
		t.Errorf("after the note: notify %+v, replace %+v", rep.Checklist[6], rep.Checklist[7])
	}
	// incidents note --used replaces the statement; a plain report reads it.
	if r := runCLI(t, "", append([]string{"incidents", "note", "1", "--used", "alice/sim-chat-demo,acme/sim-gated-model=read"}, dbArgs...)...); r.code != 0 {
		t.Fatalf("note --used: exit %d %s", r.code, r.stderr)
	}
	if rep = report(); !slices.Equal(rep.UsedFor, []string{"alice/sim-chat-demo", "acme/sim-gated-model=read"}) || len(rep.RecommendedScope.Entries) != 2 {
		t.Errorf("after note --used: used %v scope %+v", rep.UsedFor, rep.RecommendedScope)
	}
	// A typo in the access or the type is refused by both commands and
	// does not replace the statement above.
	for _, bad := range []string{"alice/sim-sentiment-model=wrte", "alice/sim-sentiment-model=admin", "bogus:alice/x", "models:alice/x", "alice/"} {
		for _, cmd := range [][]string{{"report", "1", "--used", bad}, {"incidents", "note", "1", "--used", bad}} {
			if r := runCLI(t, "", append(cmd, dbArgs...)...); r.code != 2 || !strings.Contains(r.stderr, "--used") {
				t.Errorf("%v: exit %d %s", cmd, r.code, r.stderr)
			}
		}
	}
	if rep = report(); !slices.Equal(rep.UsedFor, []string{"alice/sim-chat-demo", "acme/sim-gated-model=read"}) {
		t.Errorf("a refused --used replaced the statement: %v", rep.UsedFor)
	}

	// A rescan of the history after the rewrite proves the git copy gone.
	gitIn(t, repo, "checkout", "-q", "--orphan", "clean")
	gitIn(t, repo, "commit", "-qm", "clean")
	gitIn(t, repo, "branch", "-D", "main")
	gitIn(t, repo, "reflog", "expire", "--expire=now", "--all")
	gitIn(t, repo, "gc", "-q", "--prune=now")
	if r := runCLI(t, "", append(append(scanArgs, "--full"), "--git", repo)...); r.code != 0 {
		t.Fatalf("rescan: exit %d %s", r.code, r.stderr)
	}
	rep = report()
	if got := rep.Checklist[5].Label; got != "2 of 3 not purged" {
		t.Errorf("after the rescan: purge %q %+v", got, rep.Checklist[5].Actions)
	}
	// So does a scan of the rebuilt image.
	clean, err := mutate.AppendLayers(empty.Image, layer(t, map[string]string{"app/main.py": "print(1)\n"}))
	if err != nil {
		t.Fatal(err)
	}
	if err := tarball.WriteToFile(tarPath, name.MustParseReference("example.com/ml/trainer:v1"), clean); err != nil {
		t.Fatal(err)
	}
	if r := runCLI(t, "", append(scanArgs, tarPath)...); r.code != 0 {
		t.Fatalf("rescan of the image: exit %d %s", r.code, r.stderr)
	}
	rep = report()
	if got := rep.Checklist[5].Label; got != "1 of 3 not purged" || !slices.Contains(rep.BottomLine.Open, "1 copy not purged") {
		t.Errorf("after the image rescan: purge %q %+v, open %q", got, rep.Checklist[5].Actions, rep.BottomLine.Open)
	}
}
