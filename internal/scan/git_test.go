package scan

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hfwarden/hfwarden/internal/detect"
	"github.com/hfwarden/hfwarden/internal/finding"
	"github.com/hfwarden/hfwarden/internal/ignore"
	"github.com/hfwarden/hfwarden/internal/secret"
	"github.com/hfwarden/hfwarden/internal/testutil"
	"github.com/hfwarden/hfwarden/internal/testutil/encode"
)

// The history tests build real repositories with the git binary, isolated
// from the user's and the system's configuration, with fixed identities
// and dates so that authors and commit dates can be asserted exactly.

// gitEpoch is the first commit's date; each commit is an hour later.
var gitEpoch = time.Date(2024, 3, 1, 9, 30, 0, 0, time.FixedZone("", 2*3600))

// testRepo is a repository under construction with a fake clock and a
// configurable identity.
type testRepo struct {
	t           *testing.T
	dir         string
	now         time.Time
	name, email string
	// frozen keeps every commit at the same second.
	frozen bool
	dates  map[string]time.Time // commit or tag object -> its date
	people map[string][2]string // commit or tag object -> name, email
}

func newTestRepo(t *testing.T, bare bool) *testRepo {
	t.Helper()
	r := &testRepo{t: t, dir: t.TempDir(), now: gitEpoch, name: "Ada Lovelace", email: "ada@example.com",
		dates: map[string]time.Time{}, people: map[string][2]string{}}
	if bare {
		r.git("init", "-q", "--bare")
	} else {
		r.git("init", "-q")
	}
	return r
}

// git runs git in the repository as the current identity at the current
// time and returns its standard output, trimmed.
func (r *testRepo) git(args ...string) string {
	r.t.Helper()
	return r.gitIn(r.dir, args...)
}

func (r *testRepo) gitIn(dir string, args ...string) string {
	r.t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	date := fmt.Sprintf("%d %s", r.now.Unix(), r.now.Format("-0700"))
	cmd.Env = append(os.Environ(),
		"GIT_AUTHOR_NAME="+r.name, "GIT_AUTHOR_EMAIL="+r.email, "GIT_AUTHOR_DATE="+date,
		"GIT_COMMITTER_NAME="+r.name, "GIT_COMMITTER_EMAIL="+r.email, "GIT_COMMITTER_DATE="+date)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		r.t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	return strings.TrimSpace(string(out))
}

func (r *testRepo) write(path, content string) {
	r.t.Helper()
	writeFile(r.t, filepath.Join(r.dir, filepath.FromSlash(path)), []byte(content))
}

func (r *testRepo) remove(path string) {
	r.t.Helper()
	if err := os.Remove(filepath.Join(r.dir, filepath.FromSlash(path))); err != nil {
		r.t.Fatal(err)
	}
}

func (r *testRepo) tick() {
	if !r.frozen {
		r.now = r.now.Add(time.Hour)
	}
}

// commit stages everything and commits it, returning the commit id.
func (r *testRepo) commit(msg string) string {
	r.t.Helper()
	r.tick()
	r.git("add", "-A")
	r.git("commit", "-q", "--allow-empty", "-m", msg)
	return r.record(r.rev("HEAD"))
}

// tag makes an annotated tag and returns the tag object's id.
func (r *testRepo) tag(name, msg string) string {
	r.t.Helper()
	r.tick()
	r.git("tag", "-a", name, "-m", msg)
	return r.record(r.rev("refs/tags/" + name))
}

func (r *testRepo) record(id string) string {
	r.dates[id] = r.now
	r.people[id] = [2]string{r.name, r.email}
	return id
}

func (r *testRepo) rev(spec string) string {
	r.t.Helper()
	return r.git("rev-parse", "--verify", "-q", spec)
}

// objects counts every object in the repository's store.
func (r *testRepo) objects() int {
	r.t.Helper()
	out := r.git("cat-file", "--batch-all-objects", "--batch-check")
	return len(strings.Split(out, "\n"))
}

// wantGit is one expected history finding.
type wantGit struct {
	secret      string
	field       string // default "blob"
	path        string
	commit      string
	object      string
	dated       string   // the commit or tag whose date and identity it carries (default: commit)
	refs        []string // exactly these, in any order
	unreachable bool
	intros      []string // "commit:path", in order
	cell, out   int      // notebook cell and output, or -1
	noDate      bool
}

type gitCase struct {
	name string
	// build makes the repositories and returns what to scan and expect.
	build func(t *testing.T, tk []string) (repos []string, want []wantGit)
}

func TestGitHistory(t *testing.T) {
	testutil.IsolateGit(t)
	g := newTokenGen(41)
	var ref *testRepo // the repository of the case being built, for dates
	cases := []gitCase{
		{
			name: "added then deleted",
			build: func(t *testing.T, tk []string) ([]string, []wantGit) {
				r := newTestRepo(t, false)
				ref = r
				r.write("README.md", "hello\n")
				r.commit("init")
				r.write("config/secret.env", "HF_TOKEN="+tk[0]+"\n")
				c := r.commit("add config")
				blob := r.rev(c + ":config/secret.env")
				r.remove("config/secret.env")
				r.commit("remove the token")
				r.write("README.md", "hello again\n")
				r.commit("more")
				return []string{r.dir}, []wantGit{{secret: tk[0], path: "config/secret.env", commit: c, object: blob,
					intros: []string{c + ":config/secret.env"}}}
			},
		},
		{
			name: "inside a zip that was committed, then deleted",
			build: func(t *testing.T, tk []string) ([]string, []wantGit) {
				r := newTestRepo(t, false)
				ref = r
				r.write("README.md", "hello\n")
				r.commit("init")
				r.write("backup.zip", string(zipOf(t, entry{"creds/.env", []byte("A=1\nHF_TOKEN=" + tk[0] + "\n")})))
				c := r.commit("backup")
				blob := r.rev(c + ":backup.zip")
				r.remove("backup.zip")
				r.commit("remove the backup")
				return []string{r.dir}, []wantGit{{secret: tk[0], path: "backup.zip!creds/.env", commit: c, object: blob,
					intros: []string{c + ":backup.zip"}}}
			},
		},
		{
			name: "inside a mail that was committed",
			build: func(t *testing.T, tk []string) ([]string, []wantGit) {
				r := newTestRepo(t, false)
				ref = r
				r.write("README.md", "hello\n")
				r.commit("init")
				r.write("support/ticket.eml", "From: Alice <alice@example.com>\nDate: Mon, 04 Mar 2024 09:00:00 +0000\nSubject: s\n"+
					"Message-ID: <t1@example.com>\n\nuse HF_TOKEN="+tk[0]+"\n")
				c := r.commit("add the ticket")
				blob := r.rev(c + ":support/ticket.eml")
				return []string{r.dir}, []wantGit{{secret: tk[0], path: "support/ticket.eml!part 1", commit: c, object: blob, refs: []string{"HEAD", "refs/heads/main"},
					intros: []string{c + ":support/ticket.eml"}}}
			},
		},
		{
			name: "an xz log that was committed, then deleted",
			build: func(t *testing.T, tk []string) ([]string, []wantGit) {
				r := newTestRepo(t, false)
				ref = r
				r.write("README.md", "hello\n")
				r.commit("init")
				// LZMA codes every byte: the token is not in the blob's
				// bytes as it is (zstd and lz4 may store it whole).
				log := strings.Repeat("INFO worker started, waiting for jobs\n", 40) + "HF_TOKEN=" + tk[0] + "\n"
				xzd := testutil.Tool(t, "xz", []byte(log), "-c")
				if strings.Contains(string(xzd), tk[0][3:12]) {
					t.Fatal("xz stored the token as it is")
				}
				r.write("logs/app.log.xz", string(xzd))
				c := r.commit("logs")
				blob := r.rev(c + ":logs/app.log.xz")
				r.remove("logs/app.log.xz")
				r.commit("remove the logs")
				return []string{r.dir}, []wantGit{{secret: tk[0], path: "logs/app.log.xz", commit: c, object: blob,
					intros: []string{c + ":logs/app.log.xz"}}}
			},
		},
		{
			name: "only on a deleted branch",
			build: func(t *testing.T, tk []string) ([]string, []wantGit) {
				r := newTestRepo(t, false)
				ref = r
				r.write("README.md", "hello\n")
				r.commit("init")
				r.git("checkout", "-q", "-b", "feature")
				r.write("train.py", "login(token=\""+tk[0]+"\")\n")
				c := r.commit("wip")
				r.git("checkout", "-q", "main")
				r.git("branch", "-q", "-D", "feature")
				if err := exec.Command("git", "-C", r.dir, "cat-file", "-e", c).Run(); err != nil {
					t.Fatalf("the deleted branch's commit is gone already: %v", err)
				}
				return []string{r.dir}, []wantGit{{secret: tk[0], path: "train.py", commit: c, unreachable: true,
					intros: []string{c + ":train.py"}}}
			},
		},
		{
			// The bare remote keeps the objects of the first push as
			// loose objects; a bare repository has no reflog, so after
			// the force push nothing refers to the commit any more.
			name: "force-pushed away, in the bare remote",
			build: func(t *testing.T, tk []string) ([]string, []wantGit) {
				remote := newTestRepo(t, true)
				r := newTestRepo(t, false)
				ref = r
				r.write("README.md", "hello\n")
				r.commit("init")
				r.git("remote", "add", "origin", remote.dir)
				r.git("push", "-q", "-u", "origin", "main")
				r.write("app/.env", "HUGGINGFACE_TOKEN="+tk[0]+"\n")
				c := r.commit("oops")
				r.git("push", "-q", "origin", "main")
				r.git("reset", "-q", "--hard", "HEAD~1")
				r.git("push", "-q", "--force", "origin", "main")
				if remote.rev("refs/heads/main") == c {
					t.Fatal("the force push did not move the remote branch")
				}
				if err := exec.Command("git", "-C", remote.dir, "cat-file", "-e", c).Run(); err != nil {
					t.Fatalf("the remote lost the force-pushed commit: %v", err)
				}
				return []string{remote.dir}, []wantGit{{secret: tk[0], path: "app/.env", commit: c, unreachable: true,
					intros: []string{c + ":app/.env"}}}
			},
		},
		{
			name: "commit message",
			build: func(t *testing.T, tk []string) ([]string, []wantGit) {
				r := newTestRepo(t, false)
				ref = r
				r.write("README.md", "hello\n")
				r.commit("init")
				r.git("branch", "older") // does not reach the message
				r.name, r.email = "Grace Hopper", "grace@example.org"
				r.write("README.md", "hello 2\n")
				c := r.commit("deploy\n\nused " + tk[0] + " for the upload\n")
				r.name, r.email = "Ada Lovelace", "ada@example.com"
				r.commit("later")
				r.git("branch", "release") // reaches it too
				return []string{r.dir}, []wantGit{{secret: tk[0], field: "commit message", path: r.dir, commit: c, object: c,
					refs: []string{"HEAD", "refs/heads/main", "refs/heads/release"}}}
			},
		},
		{
			name: "annotated tag message",
			build: func(t *testing.T, tk []string) ([]string, []wantGit) {
				r := newTestRepo(t, false)
				ref = r
				r.write("README.md", "hello\n")
				r.commit("init")
				r.name, r.email = "Release Bot", "bot@example.net"
				tag := r.tag("v1.0", "release v1.0\n\nHF_TOKEN="+tk[0]+"\n")
				return []string{r.dir}, []wantGit{{secret: tk[0], field: "tag message", path: r.dir, object: tag, dated: tag,
					refs: []string{"refs/tags/v1.0"}}}
			},
		},
		{
			name: "stash",
			build: func(t *testing.T, tk []string) ([]string, []wantGit) {
				r := newTestRepo(t, false)
				ref = r
				r.write("settings.yaml", "token: none\n")
				r.commit("init")
				r.write("settings.yaml", "token: "+tk[0]+"\n")
				r.tick()
				r.git("stash", "-q")
				w := r.record(r.rev("refs/stash"))
				return []string{r.dir}, []wantGit{{secret: tk[0], path: "settings.yaml", commit: w,
					refs: []string{"refs/stash"}, intros: []string{w + ":settings.yaml"}}}
			},
		},
		{
			name: "notebook output",
			build: func(t *testing.T, tk []string) ([]string, []wantGit) {
				r := newTestRepo(t, false)
				ref = r
				r.write("README.md", "hello\n")
				r.commit("init")
				r.write("nb/analysis.ipynb", `{"cells":[`+
					`{"cell_type":"markdown","metadata":{},"source":["# Analysis\n"]},`+
					`{"cell_type":"code","execution_count":1,"metadata":{},"source":["from huggingface_hub import whoami\n","whoami()\n"],`+
					`"outputs":[{"output_type":"stream","name":"stdout","text":["loading\n","token is `+tk[0]+`\n"]}]}],`+
					`"metadata":{},"nbformat":4,"nbformat_minor":5}`)
				c := r.commit("notebook")
				return []string{r.dir}, []wantGit{{secret: tk[0], field: "stream", path: "nb/analysis.ipynb", commit: c,
					refs: []string{"HEAD", "refs/heads/main"}, intros: []string{c + ":nb/analysis.ipynb"}, cell: 1, out: 0}}
			},
		},
		{
			name: "one blob at two paths in twenty commits",
			build: func(t *testing.T, tk []string) ([]string, []wantGit) {
				r := newTestRepo(t, false)
				ref = r
				r.write("a/config.env", "HF_TOKEN="+tk[0]+"\n")
				r.write("b/config.env", "HF_TOKEN="+tk[0]+"\n")
				r.write("counter.txt", "0\n")
				c := r.commit("init")
				for i := 1; i < 20; i++ {
					r.write("counter.txt", fmt.Sprintf("%d\n", i))
					r.commit(fmt.Sprintf("step %d", i))
				}
				return []string{r.dir}, []wantGit{{secret: tk[0], path: "a/config.env", commit: c,
					refs:   []string{"HEAD", "refs/heads/main"},
					intros: []string{c + ":a/config.env", c + ":b/config.env"}}}
			},
		},
		{
			// Commits made in the same second (scripts, rebases, imports):
			// the earliest introduction is the ancestor, whatever the map
			// order, not the path or the id that sorts first.
			name: "same date: the ancestor introduced it",
			build: func(t *testing.T, tk []string) ([]string, []wantGit) {
				r := newTestRepo(t, false)
				ref = r
				r.frozen = true
				r.write("z/secret.env", "HF_TOKEN="+tk[0]+"\n")
				c1 := r.commit("first")
				for i := range 5 {
					r.write("counter.txt", fmt.Sprintf("%d\n", i))
					r.commit("step")
				}
				r.write("a/secret.env", "HF_TOKEN="+tk[0]+"\n")
				c2 := r.commit("copy")
				return []string{r.dir}, []wantGit{{secret: tk[0], path: "z/secret.env", commit: c1,
					refs:   []string{"HEAD", "refs/heads/main"},
					intros: []string{c1 + ":z/secret.env", c2 + ":a/secret.env"}}}
			},
		},
		{
			name: "bare clone",
			build: func(t *testing.T, tk []string) ([]string, []wantGit) {
				r := newTestRepo(t, false)
				ref = r
				r.write("README.md", "hello\n")
				r.commit("init")
				r.write("model/config.json", `{"token": "`+tk[0]+`"}`+"\n")
				c := r.commit("model")
				r.write("README.md", "hello 2\n")
				r.commit("docs")
				bare := filepath.Join(t.TempDir(), "mirror.git")
				r.git("clone", "-q", "--bare", r.dir, bare)
				if got := r.gitIn(bare, "rev-parse", "--is-bare-repository"); got != "true" {
					t.Fatalf("clone --bare: is-bare-repository = %s", got)
				}
				return []string{bare}, []wantGit{{secret: tk[0], path: "model/config.json", commit: c,
					refs: []string{"HEAD", "refs/heads/main"}, intros: []string{c + ":model/config.json"}}}
			},
		},
		{
			name: "SHA-256 repository",
			build: func(t *testing.T, tk []string) ([]string, []wantGit) {
				r := &testRepo{t: t, dir: t.TempDir(), now: gitEpoch, name: "Ada Lovelace", email: "ada@example.com",
					dates: map[string]time.Time{}, people: map[string][2]string{}}
				ref = r
				r.git("init", "-q", "--object-format=sha256")
				r.write("deep/er/token.txt", tk[0]+"\n")
				c := r.commit("init")
				if len(c) != 64 {
					t.Fatalf("commit id %s is not SHA-256", c)
				}
				return []string{r.dir}, []wantGit{{secret: tk[0], path: "deep/er/token.txt", commit: c,
					refs: []string{"HEAD", "refs/heads/main"}, intros: []string{c + ":deep/er/token.txt"}}}
			},
		},
		{
			name: "staged, never committed",
			build: func(t *testing.T, tk []string) ([]string, []wantGit) {
				r := newTestRepo(t, false)
				ref = r
				r.write("README.md", "hello\n")
				r.commit("init")
				r.write("notes.txt", tk[0]+"\n")
				r.git("add", "notes.txt")
				blob := r.rev(":notes.txt")
				return []string{r.dir}, []wantGit{{secret: tk[0], path: "(object " + blob[:12] + ", in no commit)",
					object: blob, unreachable: true, noDate: true}}
			},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			repos, want := tc.build(t, g.Tokens(t, 1))
			// Twice, each with a fresh cache: the result must not depend
			// on map order.
			for range 2 {
				fs, st := runGit(t, Options{ShowSecrets: true}, GitOptions{CacheDir: t.TempDir()}, repos...)
				if st.Errors != 0 {
					t.Fatalf("errors: %v", st.ErrorList)
				}
				checkGit(t, ref, fs, want)
			}
		})
	}
}

// runGit runs a history scan and fails the test on a scan-level error.
func runGit(t *testing.T, opt Options, gopt GitOptions, repos ...string) ([]finding.Finding, finding.Stats) {
	t.Helper()
	res, err := New(opt).Scan(t.Context(), Git(repos, gopt))
	if err != nil {
		t.Fatalf("Scan(Git): %v", err)
	}
	return res.Findings, res.Stats
}

func describeGit(fs []finding.Finding) string {
	var b strings.Builder
	for _, f := range fs {
		l := f.Location
		fmt.Fprintf(&b, "\n  %s %s field=%q path=%s commit=%.12s object=%.12s refs=%v unreachable=%v commits=%d",
			f.Rule, f.Redacted, l.Field, l.Path, l.Commit, l.Object, f.Refs, f.Unreachable, len(f.Commits))
	}
	return b.String()
}

// checkGit asserts that fs holds exactly the wanted findings.
func checkGit(t *testing.T, r *testRepo, fs []finding.Finding, want []wantGit) {
	t.Helper()
	if len(fs) != len(want) {
		t.Fatalf("%d findings, want %d:%s", len(fs), len(want), describeGit(fs))
	}
	for _, w := range want {
		if w.field == "" {
			w.field = fieldBlob
		}
		var f *finding.Finding
		for i := range fs {
			if fs[i].Secret == w.secret && fs[i].Location.Field == w.field {
				if f != nil {
					t.Fatalf("%s in %s reported twice:%s", w.secret[:7], w.field, describeGit(fs))
				}
				f = &fs[i]
			}
		}
		if f == nil {
			t.Fatalf("%s in %s not found:%s", w.secret[:7], w.field, describeGit(fs))
		}
		l := f.Location
		if f.Rule != "hf-user-token" || f.Fingerprint != secret.Fingerprint(w.secret) || f.Source != "git" {
			t.Errorf("rule %q fingerprint %q source %q, want hf-user-token %q git", f.Rule, f.Fingerprint, f.Source, secret.Fingerprint(w.secret))
		}
		if l.Path != w.path {
			t.Errorf("path %q, want %q", l.Path, w.path)
		}
		if l.Commit != w.commit {
			t.Errorf("commit %s, want %s", l.Commit, w.commit)
		}
		if w.object != "" && l.Object != w.object {
			t.Errorf("object %s, want %s", l.Object, w.object)
		}
		if l.Object == "" {
			t.Error("no object id")
		}
		if f.Unreachable != w.unreachable {
			t.Errorf("unreachable %v, want %v", f.Unreachable, w.unreachable)
		}
		got := slices.Clone(f.Refs)
		slices.Sort(got)
		wantRefs := slices.Clone(w.refs)
		slices.Sort(wantRefs)
		if !slices.Equal(got, wantRefs) {
			t.Errorf("refs %q, want %q", got, wantRefs)
		}
		var intros []string
		for _, in := range f.Commits {
			intros = append(intros, in.Commit+":"+in.Path)
			if in.Reachable == w.unreachable {
				t.Errorf("introduction %s:%s reachable %v, want %v", in.Commit[:12], in.Path, in.Reachable, !w.unreachable)
			}
			if d, ok := r.dates[in.Commit]; !ok || !in.Date.Equal(d) || in.Author != r.people[in.Commit][0] || in.Email != r.people[in.Commit][1] {
				t.Errorf("introduction %s: %s <%s> %v, want %q %v", in.Commit[:12], in.Author, in.Email, in.Date, r.people[in.Commit], d)
			}
		}
		if !slices.Equal(intros, w.intros) {
			t.Errorf("introductions %q, want %q", intros, w.intros)
		}
		dated := w.dated
		if dated == "" {
			dated = w.commit
		}
		if w.noDate {
			if f.CommitDate != nil || f.Author != "" {
				t.Errorf("date %v author %q, want none", f.CommitDate, f.Author)
			}
		} else {
			d := r.dates[dated]
			if f.CommitDate == nil || !f.CommitDate.Equal(d) || f.Time == nil || !f.Time.Equal(d) {
				t.Errorf("date %v (time %v), want %v", f.CommitDate, f.Time, d)
			} else if _, off := f.CommitDate.Zone(); off != 2*3600 {
				t.Errorf("date %v: zone offset %d, want +0200", f.CommitDate, off)
			}
			if p := r.people[dated]; f.Author != p[0] || f.Email != p[1] {
				t.Errorf("author %q <%s>, want %q", f.Author, f.Email, p)
			}
		}
		if w.cell >= 0 && w.field != fieldBlob && w.field != fieldCommitMsg && w.field != fieldTagMsg {
			if l.Cell == nil || *l.Cell != w.cell || l.Output == nil || *l.Output != w.out {
				t.Errorf("cell %s output %s, want %d %d", ptr(l.Cell), ptr(l.Output), w.cell, w.out)
			}
			if len(l.Chain) == 0 || l.Chain[0] != w.path {
				t.Errorf("chain %q, want it to start with %q", l.Chain, w.path)
			}
		} else if l.Cell != nil || l.Output != nil {
			t.Errorf("cell %s output %s on a plain finding", ptr(l.Cell), ptr(l.Output))
		}
		if !strings.Contains(f.Redacted, "…") || strings.Contains(f.Redacted, w.secret) {
			t.Errorf("redacted preview %q", f.Redacted)
		}
	}
}

// TestGitIncremental: a rescan reads only what is new, plus the blobs that
// held findings, and still reports everything; --full reads it all again.
func TestGitIncremental(t *testing.T) {
	testutil.IsolateGit(t)
	tk := newTokenGen(42).Tokens(t, 2)
	r := newTestRepo(t, false)
	for i := range 30 {
		r.write(fmt.Sprintf("src/file%02d.py", i), strings.Repeat(fmt.Sprintf("x%d = %d\n", i, i), 50))
	}
	r.commit("init")
	r.write("src/secret.py", "TOKEN = \""+tk[0]+"\"\n")
	c1 := r.commit("add secret")
	r.commit("deploy " + tk[1][:10]) // not a token: a message with no finding
	cache := t.TempDir()
	opt := Options{ShowSecrets: true}

	fs, st := runGit(t, opt, GitOptions{CacheDir: cache}, r.dir)
	total := r.objects()
	if st.Files != int64(total) || len(fs) != 1 || fs[0].Location.Commit != c1 {
		t.Fatalf("first scan: read %d of %d objects, findings:%s", st.Files, total, describeGit(fs))
	}

	// Nothing new: only commits, trees and the blob that held a finding.
	fs, st = runGit(t, opt, GitOptions{CacheDir: cache}, r.dir)
	if st.Files >= int64(total)/2 || len(fs) != 1 || fs[0].Location.Commit != c1 {
		t.Fatalf("unchanged rescan: read %d of %d objects, findings:%s", st.Files, total, describeGit(fs))
	}

	r.write("src/other.py", "T = \""+tk[1]+"\"\n")
	c2 := r.commit("add another")
	total = r.objects()
	fs, st = runGit(t, opt, GitOptions{CacheDir: cache}, r.dir)
	if st.Files >= int64(total)/2 {
		t.Errorf("incremental rescan read %d of %d objects", st.Files, total)
	}
	checkGit(t, r, fs, []wantGit{
		{secret: tk[0], path: "src/secret.py", commit: c1, refs: []string{"HEAD", "refs/heads/main"},
			intros: []string{c1 + ":src/secret.py"}, cell: -1},
		{secret: tk[1], path: "src/other.py", commit: c2, refs: []string{"HEAD", "refs/heads/main"},
			intros: []string{c2 + ":src/other.py"}, cell: -1},
	})

	fs, st = runGit(t, opt, GitOptions{CacheDir: cache, Full: true}, r.dir)
	if st.Files != int64(total) || len(fs) != 2 {
		t.Errorf("full rescan: read %d of %d objects, %d findings", st.Files, total, len(fs))
	}
}

// TestGitIncrementalOptions: what an earlier scan did not report because of
// its options (an ignore entry that has since expired or been removed, a
// detector switched off) is reported by a later incremental scan without
// them. The remembered state must not hide it.
func TestGitIncrementalOptions(t *testing.T) {
	testutil.IsolateGit(t)
	tk := newTokenGen(43).Tokens(t, 2)
	r := newTestRepo(t, false)
	r.write("plain.txt", tk[0]+"\n")
	r.write("encoded.txt", "data: "+encode.Base64("token="+tk[1]+"\n")+"\n")
	r.commit("init")
	cache := t.TempDir()

	ign, err := ignore.Parse("ignore", strings.NewReader(secret.Fingerprint(tk[0])+"\n"), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	fs, st := runGit(t, Options{ShowSecrets: true, Ignore: ign, Detect: detect.Options{NoDecode: true}}, GitOptions{CacheDir: cache}, r.dir)
	if len(fs) != 0 || st.Ignored != 1 {
		t.Fatalf("with the ignore entry and no decoding: ignored %d, findings:%s", st.Ignored, describeGit(fs))
	}
	fs, _ = runGit(t, Options{ShowSecrets: true}, GitOptions{CacheDir: cache}, r.dir)
	if len(bySecret(fs, tk[0])) != 1 || len(bySecret(fs, tk[1])) != 1 || len(fs) != 2 {
		t.Fatalf("rescan with neither: findings:%s", describeGit(fs))
	}
}

// TestGitEmptyRepository: an empty repository scans clean, twice.
func TestGitEmptyRepository(t *testing.T) {
	testutil.IsolateGit(t)
	r := newTestRepo(t, false)
	cache := t.TempDir()
	for i := range 2 {
		fs, st := runGit(t, Options{}, GitOptions{CacheDir: cache}, r.dir)
		if len(fs) != 0 || st.Errors != 0 || st.Files != 0 {
			t.Fatalf("scan %d: %d findings, %d objects, errors %v", i, len(fs), st.Files, st.ErrorList)
		}
	}
}

// TestGitURL: a URL is mirrored into the cache and scanned; a rescan
// fetches into the same mirror and sees what was pushed since.
func TestGitURL(t *testing.T) {
	testutil.IsolateGit(t)
	tk := newTokenGen(44).Tokens(t, 2)
	remote := newTestRepo(t, true)
	r := newTestRepo(t, false)
	r.write("a.env", "HF_TOKEN="+tk[0]+"\n")
	c1 := r.commit("one")
	r.git("remote", "add", "origin", remote.dir)
	r.git("push", "-q", "origin", "main")
	url := "file://" + filepath.ToSlash(remote.dir)
	cache := t.TempDir()
	opt := Options{ShowSecrets: true}

	fs, st := runGit(t, opt, GitOptions{CacheDir: cache}, url)
	if st.Errors != 0 {
		t.Fatalf("errors: %v", st.ErrorList)
	}
	want := []wantGit{{secret: tk[0], path: "a.env", commit: c1, refs: []string{"HEAD", "refs/heads/main"},
		intros: []string{c1 + ":a.env"}, cell: -1}}
	checkGit(t, r, fs, want)
	mirrors, _ := filepath.Glob(filepath.Join(cache, "mirrors", "*.git"))
	if len(mirrors) != 1 {
		t.Fatalf("mirrors in the cache: %q", mirrors)
	}
	stamp := filepath.Join(mirrors[0], "hfwarden-test-stamp")
	writeFile(t, stamp, nil) // survives only if the mirror is reused

	r.write("b.env", "HF_TOKEN="+tk[1]+"\n")
	c2 := r.commit("two")
	r.git("push", "-q", "origin", "main")
	fs, st = runGit(t, opt, GitOptions{CacheDir: cache}, url)
	if st.Errors != 0 {
		t.Fatalf("errors: %v", st.ErrorList)
	}
	want = append(want, wantGit{secret: tk[1], path: "b.env", commit: c2, refs: []string{"HEAD", "refs/heads/main"},
		intros: []string{c2 + ":b.env"}, cell: -1})
	checkGit(t, r, fs, want)
	if _, err := os.Stat(stamp); err != nil {
		t.Errorf("the mirror was not reused: %v", err)
	}
	if again, _ := filepath.Glob(filepath.Join(cache, "mirrors", "*")); len(again) != 1 {
		t.Errorf("cache entries after the rescan: %q", again)
	}
}

// TestGitErrors: a path that is not a repository is an error of the scan,
// not of the run; the other repositories are still scanned. Credentials in
// a URL never reach the error list.
func TestGitErrors(t *testing.T) {
	testutil.IsolateGit(t)
	tk := newTokenGen(45).Tokens(t, 1)
	r := newTestRepo(t, false)
	r.write("t.txt", tk[0]+"\n")
	c := r.commit("init")
	plain := t.TempDir()
	writeFile(t, filepath.Join(plain, "file.txt"), []byte("not a repository\n"))
	missing := filepath.Join(t.TempDir(), "missing")
	const cred = "hunter2-s3cret"
	url := "https://user:" + cred + "@127.0.0.1:1/acme/repo.git"

	fs, st := runGit(t, Options{ShowSecrets: true}, GitOptions{CacheDir: t.TempDir()},
		plain, missing, filepath.Join(plain, "file.txt"), url, r.dir)
	if st.Errors != 4 || len(st.ErrorList) != 4 {
		t.Fatalf("errors %d: %q", st.Errors, st.ErrorList)
	}
	for i, p := range []string{plain, missing, filepath.Join(plain, "file.txt"), "https://***@127.0.0.1:1/acme/repo.git"} {
		if !strings.HasPrefix(st.ErrorList[i], p+": ") {
			t.Errorf("error %d = %q, want it to name %s", i, st.ErrorList[i], p)
		}
	}
	if strings.Contains(strings.Join(st.ErrorList, "\n"), cred) {
		t.Errorf("credentials in the error list: %q", st.ErrorList)
	}
	checkGit(t, r, fs, []wantGit{{secret: tk[0], path: "t.txt", commit: c, refs: []string{"HEAD", "refs/heads/main"},
		intros: []string{c + ":t.txt"}, cell: -1}})

	// A cancelled context stops the run.
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := New(Options{}).Scan(ctx, Git([]string{r.dir}, GitOptions{CacheDir: t.TempDir()})); err == nil {
		t.Error("cancelled Scan(Git): no error")
	}
}

// TestGitTaggedBlob: a blob a tag points at directly is reachable.
func TestGitTaggedBlob(t *testing.T) {
	testutil.IsolateGit(t)
	tk := newTokenGen(46).Tokens(t, 1)
	r := newTestRepo(t, false)
	r.write("README.md", "hello\n")
	r.commit("init")
	cmd := exec.Command("git", "hash-object", "-w", "--stdin")
	cmd.Dir = r.dir
	cmd.Stdin = strings.NewReader("key " + tk[0] + "\n")
	out, err := cmd.Output()
	if err != nil {
		t.Fatal(err)
	}
	blob := strings.TrimSpace(string(out))
	r.git("tag", "signing-key", blob)
	fs, _ := runGit(t, Options{ShowSecrets: true}, GitOptions{CacheDir: t.TempDir()}, r.dir)
	if len(fs) != 1 || fs[0].Unreachable || !slices.Equal(fs[0].Refs, []string{"refs/tags/signing-key"}) {
		t.Fatalf("tagged blob:%s", describeGit(fs))
	}
}

// TestGitRepoNamed: two repositories holding the same file at the same
// line (here even the same commits: same content, author and date) give
// two findings, each naming its repository — by absolute path, or by URL
// without the credentials it was fetched with.
func TestGitRepoNamed(t *testing.T) {
	testutil.IsolateGit(t)
	tk := newTokenGen(47).Tokens(t, 1)
	var dirs []string
	var commits []string
	for range 2 {
		r := newTestRepo(t, false)
		r.write("train.py", "import os\nTOKEN = \""+tk[0]+"\"\n")
		commits = append(commits, r.commit("train"))
		dirs = append(dirs, r.dir)
	}
	if commits[0] != commits[1] {
		t.Fatalf("fixture: the two repositories should share their commit, got %s and %s", commits[0], commits[1])
	}
	// The first named relative to the working directory: it is recorded
	// by its absolute path all the same.
	t.Chdir(filepath.Dir(dirs[0]))
	rel := filepath.Base(dirs[0])
	remote := newTestRepo(t, true)
	r := newTestRepo(t, false)
	r.write("train.py", "import os\nTOKEN = \""+tk[0]+"\"\n")
	r.commit("train")
	r.git("remote", "add", "origin", remote.dir)
	r.git("push", "-q", "origin", "main")
	url := "file://user:s3cret@" + filepath.ToSlash(remote.dir)
	fs, st := runGit(t, Options{}, GitOptions{CacheDir: t.TempDir()}, rel, dirs[1], url)
	if st.Errors != 0 {
		t.Fatalf("errors: %v", st.ErrorList)
	}
	var repos []string
	for _, f := range fs {
		if f.Location.Path != "train.py" || f.Location.Line != 2 {
			t.Errorf("finding at %s:%d, want train.py:2", f.Location.Path, f.Location.Line)
		}
		repos = append(repos, f.Location.Repo)
		if strings.Contains(f.Location.Repo, "s3cret") || strings.Contains(f.Location.Repo, "user") {
			t.Errorf("the repository keeps the URL's credentials: %s", f.Location.Repo)
		}
	}
	want := []string{dirs[0], dirs[1], "file://" + filepath.ToSlash(remote.dir)}
	slices.Sort(repos)
	slices.Sort(want)
	if !slices.Equal(repos, want) {
		t.Errorf("repositories %q, want %q", repos, want)
	}
}

// TestGitDamagedObjects: a truncated loose blob stops git's object
// stream; the blobs around it are still scanned and attributed, the
// bytes before the fault still found, and the fault is an error of the
// run — never "0 errors".
func TestGitDamagedObjects(t *testing.T) {
	testutil.IsolateGit(t)
	tk := newTokenGen(811)
	tokens := tk.Tokens(t, 4)
	r := newTestRepo(t, false)
	var blobs []string
	for i, tok := range tokens {
		// The token sits near the start; the filler after it is what
		// the truncation takes away. It is large enough (and varied
		// enough) that the decompressor hands out its first windows
		// before it meets the cut.
		var filler strings.Builder
		for j := range 8000 {
			fmt.Fprintf(&filler, "%d %x\n", j, uint64(j*j+i)*2654435761)
		}
		r.write(fmt.Sprintf("f%d.env", i), "HF_TOKEN="+tok+"\n"+filler.String())
		r.commit(fmt.Sprint("add ", i))
		blobs = append(blobs, r.rev(fmt.Sprintf("HEAD:f%d.env", i)))
	}
	// A first, clean scan leaves state behind for the incremental one.
	cache := t.TempDir()
	if fs, st := runGit(t, Options{ShowSecrets: true}, GitOptions{CacheDir: cache}, r.dir); len(fs) != len(tokens) || st.Errors != 0 {
		t.Fatalf("clean scan: %d findings, errors %q", len(fs), st.ErrorList)
	}
	loose := filepath.Join(r.dir, ".git", "objects", blobs[1][:2], blobs[1][2:])
	data, err := os.ReadFile(loose)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(loose, 0o644); err != nil { // git makes objects read-only
		t.Fatal(err)
	}
	writeFile(t, loose, data[:len(data)/2])

	for _, full := range []bool{true, false} {
		fs, st := runGit(t, Options{ShowSecrets: true}, GitOptions{CacheDir: cache, Full: full}, r.dir)
		checkDamaged(t, fs, st, tokens, blobs[1])
	}
}

// checkDamaged asserts that every token was found at its path and the
// damaged blob is the one error.
func checkDamaged(t *testing.T, fs []finding.Finding, st finding.Stats, tokens []string, bad string) {
	t.Helper()
	for i, tok := range tokens {
		got := bySecret(fs, tok)
		if len(got) != 1 {
			t.Errorf("token %d: %d findings, want 1:%s", i, len(got), describeGit(fs))
			continue
		}
		if got[0].Location.Path != fmt.Sprintf("f%d.env", i) {
			t.Errorf("token %d attributed to %q", i, got[0].Location.Path)
		}
	}
	if st.Errors != 1 || len(st.ErrorList) != 1 || !strings.Contains(st.ErrorList[0], bad) {
		t.Errorf("errors %d %q, want one naming the damaged blob %s", st.Errors, st.ErrorList, bad)
	}
}

// TestGitEpochCommitDate: a commit stamped with a sentinel date (zip's DOS
// time zero, 1980-01-01; git refuses the Unix epoch itself in this form)
// keeps its commit date, but the finding's write time stays unknown: it is
// no exposure start.
func TestGitEpochCommitDate(t *testing.T) {
	testutil.IsolateGit(t)
	tk := newTokenGen(53).Tokens(t, 1)
	r := newTestRepo(t, false)
	r.now, r.frozen = time.Date(1980, 1, 1, 0, 0, 0, 0, time.UTC), true
	r.write("train.py", "TOKEN = \""+tk[0]+"\"\n")
	r.commit("reproducible")
	fs, st := runGit(t, Options{}, GitOptions{CacheDir: t.TempDir()}, r.dir)
	if st.Errors != 0 || len(fs) != 1 {
		t.Fatalf("%d findings, errors %v", len(fs), st.ErrorList)
	}
	if f := fs[0]; f.CommitDate == nil || f.CommitDate.Year() != 1980 || f.Time != nil {
		t.Errorf("commit date %v, time %v: want the 1980 commit date and no time", f.CommitDate, f.Time)
	}
}

// TestGitDamagedPackIndex: a pack index whose id table is damaged makes
// git stop the stream at an object that "disappeared". Every object still
// readable is read past it, every finding keeps its attribution (the
// commit walk is not thrown away), and each token not found belongs to an
// object reported as missing.
func TestGitDamagedPackIndex(t *testing.T) {
	testutil.IsolateGit(t)
	tokens := newTokenGen(1211).Tokens(t, 7)
	r := newTestRepo(t, false)
	blobs := map[string]string{}
	for i, tok := range tokens[:6] {
		path := fmt.Sprintf("f%d.env", i)
		r.write(path, "HF_TOKEN="+tok+"\n")
		r.commit("add " + path)
		blobs[tok] = r.rev("HEAD:" + path)
	}
	r.git("gc", "-q")
	r.write("loose.env", "HF_TOKEN="+tokens[6]+"\n")
	looseCommit := r.commit("loose")
	idxs, _ := filepath.Glob(filepath.Join(r.dir, ".git", "objects", "pack", "*.idx"))
	if len(idxs) != 1 {
		t.Fatalf("%d pack indexes, want 1", len(idxs))
	}
	for _, full := range []bool{true, false} {
		t.Run(fmt.Sprint("full=", full), func(t *testing.T) {
			cache := t.TempDir()
			if !full {
				// State from a clean scan makes the second one incremental.
				if fs, st := runGit(t, Options{ShowSecrets: true}, GitOptions{CacheDir: cache}, r.dir); len(fs) != len(tokens) || st.Errors != 0 {
					t.Fatalf("clean scan: %d findings, errors %q", len(fs), st.ErrorList)
				}
			}
			data, err := os.ReadFile(idxs[0])
			if err != nil {
				t.Fatal(err)
			}
			orig := bytes.Clone(data)
			t.Cleanup(func() { writeFile(t, idxs[0], orig) })
			// The id table follows the 8-byte header and the 1024-byte
			// fan-out; damage the middle of it.
			n := (len(data) - 1072) / 28
			at := 1032 + 20*(n/3)
			for i := at; i < at+60; i++ {
				data[i] ^= 0xff
			}
			if err := os.Chmod(idxs[0], 0o644); err != nil { // git makes packs read-only
				t.Fatal(err)
			}
			writeFile(t, idxs[0], data)

			fs, st := runGit(t, Options{ShowSecrets: true}, GitOptions{CacheDir: cache, Full: full}, r.dir)
			if st.Errors == 0 {
				t.Fatalf("no error reported for the damaged index")
			}
			errs := strings.Join(st.ErrorList, "\n")
			lost := 0
			for i, tok := range tokens {
				got := bySecret(fs, tok)
				if len(got) == 0 && i < 6 {
					lost++
					if !strings.Contains(errs, blobs[tok]) {
						t.Errorf("token %d not found and its blob %s not reported: %q", i, blobs[tok], st.ErrorList)
					}
					continue
				}
				if len(got) != 1 {
					t.Errorf("token %d: %d findings, want 1:%s", i, len(got), describeGit(got))
					continue
				}
				want := fmt.Sprintf("f%d.env", i)
				if i == 6 {
					want = "loose.env"
					if got[0].Location.Commit != looseCommit {
						t.Errorf("loose token in commit %q, want %s", got[0].Location.Commit, looseCommit)
					}
				}
				if got[0].Location.Path != want || got[0].Location.Commit == "" || len(got[0].Refs) == 0 {
					t.Errorf("token %d not attributed:%s", i, describeGit(got))
				}
			}
			if lost == 6 {
				t.Errorf("every packed token lost: the damage hit more than the id table")
			}
		})
	}
}

// TestGitMissingObjects: an object a ref reaches that is not there (a
// deleted loose file, a pack whose index is gone) is a fault, not a clean
// scan.
func TestGitMissingObjects(t *testing.T) {
	testutil.IsolateGit(t)
	tests := []struct {
		name string
		// damage removes something and returns what the error must name.
		damage func(t *testing.T, r *testRepo) string
		// lost: the token's commit can no longer be reached.
		lost bool
	}{
		{"deleted loose blob", func(t *testing.T, r *testRepo) string {
			id := r.rev("HEAD:readme.md")
			r.remove(filepath.Join(".git", "objects", id[:2], id[2:]))
			return "blob " + id
		}, false},
		{"deleted pack index", func(t *testing.T, r *testRepo) string {
			r.git("gc", "-q")
			idxs, _ := filepath.Glob(filepath.Join(r.dir, ".git", "objects", "pack", "*.idx"))
			if len(idxs) != 1 {
				t.Fatalf("%d pack indexes, want 1", len(idxs))
			}
			r.remove(strings.TrimPrefix(idxs[0], r.dir+string(filepath.Separator)))
			return "has no index"
		}, false},
		{"deleted loose commit a branch names", func(t *testing.T, r *testRepo) string {
			r.write("later.txt", "later\n")
			id := r.commit("later")
			r.remove(filepath.Join(".git", "objects", id[:2], id[2:]))
			return id + ", reachable from"
		}, true},
	}
	for _, tt := range tests {
		for _, full := range []bool{true, false} {
			t.Run(fmt.Sprintf("%s/full=%v", tt.name, full), func(t *testing.T) {
				tok := newTokenGen(1212).Tokens(t, 1)[0]
				r := newTestRepo(t, false)
				r.write("train.py", "TOKEN = \""+tok+"\"\n")
				r.write("readme.md", "nothing secret\n")
				r.commit("first")
				cache := t.TempDir()
				if fs, st := runGit(t, Options{}, GitOptions{CacheDir: cache}, r.dir); len(fs) != 1 || st.Errors != 0 {
					t.Fatalf("clean scan: %d findings, errors %q", len(fs), st.ErrorList)
				}
				want := tt.damage(t, r)
				fs, st := runGit(t, Options{}, GitOptions{CacheDir: cache, Full: full}, r.dir)
				if st.Errors != 1 || !strings.Contains(strings.Join(st.ErrorList, "\n"), want) {
					t.Errorf("errors %d %q, want one naming %q", st.Errors, st.ErrorList, want)
				}
				// The token is still found where it is (an index-less
				// pack is read through an index built aside).
				if tt.lost {
					if len(fs) != 1 {
						t.Errorf("findings:%s\nwant the token", describeGit(fs))
					}
				} else if len(fs) != 1 || fs[0].Location.Path != "train.py" || fs[0].Location.Commit == "" {
					t.Errorf("findings:%s\nwant the token at train.py, attributed", describeGit(fs))
				}
			})
		}
	}
}

// TestGitShallowNotMissing: the parents a shallow clone never fetched are
// absent by design, not missing objects.
func TestGitShallowNotMissing(t *testing.T) {
	testutil.IsolateGit(t)
	tok := newTokenGen(1213).Tokens(t, 1)[0]
	r := newTestRepo(t, false)
	r.write("a.txt", "one\n")
	r.commit("first")
	r.write("train.py", "TOKEN = \""+tok+"\"\n")
	r.commit("second")
	clone := t.TempDir()
	r.gitIn(clone, "clone", "-q", "--depth", "1", "file://"+r.dir, "c")
	fs, st := runGit(t, Options{}, GitOptions{CacheDir: t.TempDir()}, filepath.Join(clone, "c"))
	if len(fs) != 1 || st.Errors != 0 {
		t.Errorf("%d findings, errors %q: want the token and no error", len(fs), st.ErrorList)
	}
}

// TestGitDamagedPackEntry: git inflates a packed object whole, so a fault
// 50 KB into a 180 KB blob would hide the token on its first line; the
// entry is inflated here up to the fault, the token found and attributed,
// and the blob reported.
func TestGitDamagedPackEntry(t *testing.T) {
	testutil.IsolateGit(t)
	tok := newTokenGen(1214).Tokens(t, 1)[0]
	r := newTestRepo(t, false)
	var filler strings.Builder
	for j := 0; filler.Len() < 180<<10; j++ {
		fmt.Fprintf(&filler, "%d %x\n", j, uint64(j*j)*2654435761)
	}
	r.write("f0.env", "HF_TOKEN="+tok+"\n"+filler.String())
	r.commit("add")
	blob := r.rev("HEAD:f0.env")
	r.git("repack", "-a", "-d", "-q")
	idxs, _ := filepath.Glob(filepath.Join(r.dir, ".git", "objects", "pack", "*.idx"))
	if len(idxs) != 1 {
		t.Fatalf("%d pack indexes, want 1", len(idxs))
	}
	off := -1
	for _, line := range strings.Split(r.git("verify-pack", "-v", idxs[0]), "\n") {
		if f := strings.Fields(line); len(f) >= 5 && f[0] == blob {
			if _, err := fmt.Sscan(f[4], &off); err != nil {
				t.Fatalf("verify-pack offset %q: %v", f[4], err)
			}
		}
	}
	if off < 0 {
		t.Fatal("blob not in the pack")
	}
	pack := strings.TrimSuffix(idxs[0], ".idx") + ".pack"
	data, err := os.ReadFile(pack)
	if err != nil {
		t.Fatal(err)
	}
	// Compressed, the blob is about half its size: 25 KB in is about
	// 50 KB of its text.
	for i := off + 25<<10; i < off+25<<10+16; i++ {
		data[i] ^= 0x55
	}
	if err := os.Chmod(pack, 0o644); err != nil { // git makes packs read-only
		t.Fatal(err)
	}
	writeFile(t, pack, data)
	fs, st := runGit(t, Options{ShowSecrets: true}, GitOptions{CacheDir: t.TempDir()}, r.dir)
	checkDamaged(t, fs, st, []string{tok}, blob)
}
