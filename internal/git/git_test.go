package git

import (
	"bytes"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hfwarden/hfwarden/internal/testutil"
)

// isolate points git at a configuration of the test's own, with fixed
// identities and dates so that authors and commit dates can be asserted.
func isolate(t *testing.T) {
	t.Helper()
	testutil.IsolateGit(t)
	t.Setenv("GIT_AUTHOR_NAME", "Ada Lovelace")
	t.Setenv("GIT_AUTHOR_EMAIL", "ada@example.com")
	t.Setenv("GIT_COMMITTER_NAME", "Ada Lovelace")
	t.Setenv("GIT_COMMITTER_EMAIL", "ada@example.com")
	t.Setenv("GIT_AUTHOR_DATE", "1709280000 +0530")
	t.Setenv("GIT_COMMITTER_DATE", "1709283600 -0800")
}

// g runs git in dir, feeding it stdin, and returns its trimmed output.
func g(t *testing.T, dir, stdin string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	cmd.Stdin = strings.NewReader(stdin)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	return strings.TrimSpace(string(out))
}

func writeFile(t *testing.T, path string, data []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// smallRepo makes a repository with two commits on main, a side branch
// merged into it, a subdirectory and an annotated tag.
func smallRepo(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	g(t, dir, "", "init", "-q")
	writeFile(t, filepath.Join(dir, "README.md"), []byte("hello\n"))
	writeFile(t, filepath.Join(dir, "src", "main.py"), []byte("print(1)\n"))
	g(t, dir, "", "add", "-A")
	g(t, dir, "", "commit", "-q", "-m", "init")
	g(t, dir, "", "checkout", "-q", "-b", "side")
	writeFile(t, filepath.Join(dir, "side.txt"), []byte("side\n"))
	g(t, dir, "", "add", "-A")
	g(t, dir, "", "commit", "-q", "-m", "side")
	g(t, dir, "", "checkout", "-q", "main")
	writeFile(t, filepath.Join(dir, "src", "main.py"), []byte("print(2)\n"))
	g(t, dir, "", "commit", "-q", "-am", "two")
	g(t, dir, "", "merge", "-q", "--no-ff", "-m", "merge side", "side")
	g(t, dir, "", "tag", "-a", "v1", "-m", "release")
	return dir
}

func TestParseCommit(t *testing.T) {
	tree := strings.Repeat("a", 40)
	p1, p2 := strings.Repeat("b", 40), strings.Repeat("c", 40)
	header := "tree " + tree + "\n" +
		"parent " + p1 + "\n" +
		"parent " + p2 + "\n" +
		"author Ada Q. Lovelace <ada@example.com> 1709280000 +0530\n" +
		"committer Grace <grace@example.org> 1709283600 -0800\n" +
		"encoding ISO-8859-1\n" +
		"gpgsig -----BEGIN PGP SIGNATURE-----\n" +
		" \n" +
		" iQEzBAABCAAdFiEE\n" +
		" parent " + strings.Repeat("d", 40) + "\n" + // inside the signature: not a parent
		" -----END PGP SIGNATURE-----\n"
	msg := "Merge branch 'side'\n\nauthor of this message is not a header\n"
	raw := []byte(header + "\n" + msg)

	c, err := ParseCommit("id", raw)
	if err != nil {
		t.Fatal(err)
	}
	if c.ID != "id" || c.Tree != tree || !slices.Equal(c.Parents, []string{p1, p2}) {
		t.Errorf("tree %s parents %q", c.Tree, c.Parents)
	}
	if got := string(raw[c.MessageOffset:]); got != msg {
		t.Errorf("message %q, want %q", got, msg)
	}
	a := c.Author
	if a.Name != "Ada Q. Lovelace" || a.Email != "ada@example.com" || a.When.Unix() != 1709280000 {
		t.Errorf("author %+v", a)
	}
	if name, off := a.When.Zone(); off != 5*3600+30*60 || name != "+0530" {
		t.Errorf("author zone %s %d", name, off)
	}
	if _, off := c.Committer.When.Zone(); off != -8*3600 || c.Committer.Name != "Grace" || c.Committer.When.Unix() != 1709283600 {
		t.Errorf("committer %+v", c.Committer)
	}
	// Same instant, different zones.
	if !a.When.Equal(time.Date(2024, 3, 1, 13, 30, 0, 0, time.FixedZone("", 5*3600+30*60))) {
		t.Errorf("author time %v", a.When)
	}

	// A root commit with no message, and no blank line at all.
	root := []byte("tree " + tree + "\nauthor A <a@b> 0 +0000\ncommitter A <a@b> 0 +0000\n")
	c, err = ParseCommit("root", root)
	if err != nil || len(c.Parents) != 0 || c.MessageOffset != len(root) {
		t.Errorf("root commit: %+v, %v", c, err)
	}
	// An empty message after the blank line.
	c, err = ParseCommit("empty", append(root, '\n'))
	if err != nil || c.MessageOffset != len(root)+1 {
		t.Errorf("empty message: %+v, %v", c, err)
	}
	// Odd signatures do not fail the commit.
	c, err = ParseCommit("odd", []byte("tree "+tree+"\nauthor nobody\ncommitter <x@y> notanumber\n\nm"))
	if err != nil || c.Author.Name != "nobody" || !c.Author.When.IsZero() || c.Committer.Email != "x@y" || !c.Committer.When.IsZero() {
		t.Errorf("odd signatures: %+v, %v", c, err)
	}
	for _, bad := range []string{"", "\n", "\ntree " + tree + "\n", "parent " + p1 + "\n\nmsg"} {
		if _, err := ParseCommit("bad", []byte(bad)); err == nil {
			t.Errorf("ParseCommit(%q): no error", bad)
		}
	}
}

// TestParseCommitReal parses what git itself writes: a merge.
func TestParseCommitReal(t *testing.T) {
	isolate(t)
	dir := smallRepo(t)
	id := g(t, dir, "", "rev-parse", "HEAD")
	raw := g(t, dir, "", "cat-file", "commit", id) + "\n"
	c, err := ParseCommit(id, []byte(raw))
	if err != nil {
		t.Fatal(err)
	}
	want := strings.Fields(g(t, dir, "", "log", "-1", "--format=%T %P"))
	if c.Tree != want[0] || !slices.Equal(c.Parents, want[1:]) || len(c.Parents) != 2 {
		t.Errorf("tree %s parents %q, want %q", c.Tree, c.Parents, want)
	}
	if raw[c.MessageOffset:] != "merge side\n" {
		t.Errorf("message %q", raw[c.MessageOffset:])
	}
	if _, off := c.Author.When.Zone(); c.Author.When.Unix() != 1709280000 || off != 19800 || c.Author.Name != "Ada Lovelace" {
		t.Errorf("author %+v", c.Author)
	}
	tagID := g(t, dir, "", "rev-parse", "v1")
	tagRaw := []byte(g(t, dir, "", "cat-file", "tag", tagID) + "\n")
	tag, err := ParseTag(tagID, tagRaw)
	if err != nil || tag.Object != id || tag.Type != "commit" || tag.Tagger.Name != "Ada Lovelace" ||
		tag.Tagger.When.Unix() != 1709283600 || string(tagRaw[tag.MessageOffset:]) != "release\n" {
		t.Errorf("tag %+v, %v", tag, err)
	}
	if _, err := ParseTag("x", []byte("type commit\n\nmsg")); err == nil {
		t.Error("tag without object: no error")
	}
}

// tree encodes tree entries as git stores them.
func tree(t *testing.T, entries ...TreeEntry) []byte {
	t.Helper()
	var b bytes.Buffer
	for _, e := range entries {
		id, err := hex.DecodeString(e.ID)
		if err != nil {
			t.Fatal(err)
		}
		b.WriteString(e.Mode + " " + e.Name + "\x00")
		b.Write(id)
	}
	return b.Bytes()
}

func TestParseTree(t *testing.T) {
	id := func(c byte, n int) string { return strings.Repeat(string(c), 2*n) }
	for _, n := range []int{20, 32} {
		entries := []TreeEntry{
			{"100644", "README.md", id('1', n)},
			{"100755", "run.sh", id('2', n)},
			{"120000", "link", id('3', n)},
			{"160000", "vendor/sub", id('4', n)},
			{"40000", "src", id('5', n)},
			{"100644", "name with spaces.txt", id('6', n)},
		}
		raw := tree(t, entries...)
		got, err := ParseTree(raw, n)
		if err != nil {
			t.Fatalf("id length %d: %v", n, err)
		}
		if !slices.Equal(got, entries) {
			t.Fatalf("id length %d: %+v", n, got)
		}
		kinds := ""
		for _, e := range got {
			switch {
			case e.IsTree():
				kinds += "t"
			case e.IsBlob():
				kinds += "b"
			default:
				kinds += "-"
			}
		}
		if kinds != "bbb-tb" {
			t.Errorf("kinds %s, want bbb-tb (a submodule is neither)", kinds)
		}
		// Every truncation is an error or a shorter parse, never a panic.
		for i := range raw {
			es, err := ParseTree(raw[:i], n)
			if err == nil && len(es) >= len(entries) {
				t.Fatalf("prefix %d parsed to %d entries", i, len(es))
			}
		}
	}
	if es, err := ParseTree(nil, 20); err != nil || len(es) != 0 {
		t.Errorf("empty tree: %v, %v", es, err)
	}

	good := tree(t, TreeEntry{"100644", "a", strings.Repeat("ab", 20)})
	for _, bad := range []struct {
		name  string
		data  []byte
		idLen int
	}{
		{"no space", []byte("100644a\x00" + strings.Repeat("x", 20)), 20},
		{"no NUL", []byte("100644 a"), 20},
		{"truncated id", []byte("100644 a\x00" + strings.Repeat("x", 19)), 20},
		{"empty mode", []byte(" a\x00" + strings.Repeat("x", 20)), 20},
		{"space only after the NUL", append([]byte("100644\x00"+strings.Repeat("x", 20)), good...), 20},
		{"trailing garbage", append(slices.Clone(good), "100644 b"...), 20},
		{"no id length", good, 0},
		{"negative id length", good, -1},
	} {
		if es, err := ParseTree(bad.data, bad.idLen); err == nil {
			t.Errorf("%s: no error, entries %+v", bad.name, es)
		}
	}
}

// TestParseTreeReal parses trees that git wrote.
func TestParseTreeReal(t *testing.T) {
	isolate(t)
	dir := smallRepo(t)
	root := g(t, dir, "", "rev-parse", "HEAD^{tree}")
	out, err := Run(t.Context(), dir, "cat-file", "tree", root)
	if err != nil {
		t.Fatal(err)
	}
	es, err := ParseTree(out, 20)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range es {
		got = append(got, e.Mode+" "+e.ID+" "+e.Name)
	}
	want := strings.Split(g(t, dir, "", "ls-tree", root), "\n")
	for i, w := range want { // "<mode> <type> <id>\t<name>", modes zero-padded
		f := strings.Fields(strings.Replace(w, "\t", " ", 1))
		want[i] = strings.TrimPrefix(f[0], "0") + " " + f[2] + " " + f[3]
	}
	if !slices.Equal(got, want) {
		t.Errorf("entries\n%q\nwant\n%q", got, want)
	}
}

func FuzzParseTree(f *testing.F) {
	f.Add([]byte("100644 a\x00abcdefghijklmnopqrst40000 d\x00ABCDEFGHIJKLMNOPQRST"), 20)
	f.Add([]byte("100644 a\x00short"), 20)
	f.Add([]byte(" \x00"), 1)
	f.Fuzz(func(t *testing.T, data []byte, idLen int) {
		es, err := ParseTree(data, idLen)
		if err != nil {
			return
		}
		// What parses encodes back to the same bytes.
		var b bytes.Buffer
		for _, e := range es {
			id, _ := hex.DecodeString(e.ID)
			b.WriteString(e.Mode + " " + e.Name + "\x00")
			b.Write(id)
		}
		if !bytes.Equal(b.Bytes(), data) {
			t.Fatalf("%q parsed to %+v", data, es)
		}
	})
}

func FuzzParseCommit(f *testing.F) {
	f.Add([]byte("tree x\nparent y\nauthor A <a@b> 1 +0100\n\nmsg"))
	f.Add([]byte("tree x\nauthor <> -1 +99999\n"))
	f.Add([]byte("tree x\nauthor A <a@b> 1 +01\n\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := ParseCommit("id", data)
		if err == nil && (c.MessageOffset < 0 || c.MessageOffset > len(data)) {
			t.Fatalf("message offset %d of %d", c.MessageOffset, len(data))
		}
		if tag, err := ParseTag("id", data); err == nil && (tag.MessageOffset < 0 || tag.MessageOffset > len(data)) {
			t.Fatalf("tag message offset %d of %d", tag.MessageOffset, len(data))
		}
	})
}

func TestIsURL(t *testing.T) {
	for s, want := range map[string]bool{
		"https://huggingface.co/acme/model":      true,
		"https://user:tok@huggingface.co/x":      true,
		"http://localhost:8080/repo.git":         true,
		"ssh://git@github.com/acme/repo.git":     true,
		"git://example.com/repo":                 true,
		"file:///srv/git/repo.git":               true,
		"git@github.com:acme/repo.git":           true,
		"user@host:path/to/repo":                 true,
		"/srv/git/repo.git":                      false,
		"repo":                                   false,
		".":                                      false,
		"./dir@x:y":                              false,
		"dir/sub@host:path":                      false,
		"C:\\work\\repo":                         false,
		"@host:path":                             false,
		"name@nocolon":                           false,
		"relative/path/with:colon":               false,
		"/abs/path@at":                           false,
		"~/repos/model":                          false,
		"..":                                     false,
		"repo.git":                               false,
		"hf_notaurl":                             false,
		"weird:name@host":                        false,
		"https:/one-slash":                       false,
		"s3://bucket/key":                        true,
		"ssh://user:pass@host:2222/srv/repo.git": true,
	} {
		if got := IsURL(s); got != want {
			t.Errorf("IsURL(%q) = %v, want %v", s, got, want)
		}
	}
}

func TestRedact(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"https://user:hf_secret@huggingface.co/acme/model", "https://***@huggingface.co/acme/model"},
		{"https://hf_secret@huggingface.co/acme/model", "https://***@huggingface.co/acme/model"},
		{"https://user:p@ss@host/repo.git", "https://***@host/repo.git"},
		{"https://user:tok@host", "https://***@host"},
		{"https://user:tok@host?x=1", "https://***@host?x=1"},
		{"ssh://git@github.com/acme/repo.git", "ssh://***@github.com/acme/repo.git"},
		{"http://user:pw@127.0.0.1:8080/r", "http://***@127.0.0.1:8080/r"},
		{"https://huggingface.co/acme/model", "https://huggingface.co/acme/model"},
		{"https://huggingface.co/acme/model@main", "https://huggingface.co/acme/model@main"},
		{"https://host/path?next=a@b", "https://host/path?next=a@b"},
		{"https://host#frag@x", "https://host#frag@x"},
		{"file:///srv/repo@2.git", "file:///srv/repo@2.git"},
		{"git@github.com:acme/repo.git", "git@github.com:acme/repo.git"},
		{"/local/path", "/local/path"},
	} {
		got := Redact(c.in)
		if got != c.want {
			t.Errorf("Redact(%q) = %q, want %q", c.in, got, c.want)
		}
		for _, secret := range []string{"hf_secret", "p@ss", ":tok", ":pw"} {
			if strings.Contains(c.in, secret) && strings.Contains(got, secret) {
				t.Errorf("Redact(%q) = %q keeps %q", c.in, got, secret)
			}
		}
	}
}

func TestGitDir(t *testing.T) {
	isolate(t)
	ctx := t.Context()
	dir := smallRepo(t)
	if gd, err := GitDir(ctx, filepath.Join(dir, "src")); err != nil || gd != filepath.Join(dir, ".git") {
		t.Errorf("GitDir(work tree subdirectory) = %q, %v", gd, err)
	}
	bare := filepath.Join(t.TempDir(), "b.git")
	g(t, dir, "", "clone", "-q", "--bare", dir, bare)
	if gd, err := GitDir(ctx, bare); err != nil || gd != bare {
		t.Errorf("GitDir(bare) = %q, %v", gd, err)
	}
	for _, p := range []string{t.TempDir(), filepath.Join(t.TempDir(), "missing"), filepath.Join(dir, "README.md")} {
		if gd, err := GitDir(ctx, p); err == nil {
			t.Errorf("GitDir(%s) = %q, no error", p, gd)
		}
	}
}

// TestAllObjects: every object once, even one stored both loose and
// packed; requested objects by line, missing ones skipped; large blobs
// streamed.
func TestAllObjects(t *testing.T) {
	isolate(t)
	ctx := t.Context()
	dir := smallRepo(t)
	g(t, dir, "", "repack", "-a", "-q") // packs everything and keeps the loose copies
	count := g(t, dir, "", "count-objects", "-v")
	if !strings.Contains(count, "in-pack: ") || strings.Contains(count, "\ncount: 0\n") || strings.Contains(count, "in-pack: 0\n") {
		t.Fatalf("want objects both loose and packed:\n%s", count)
	}
	dangling := g(t, dir, "dangling blob\n", "hash-object", "-w", "--stdin")

	want := strings.Fields(g(t, dir, "", "rev-list", "--objects", "--all", "--no-object-names"))
	want = append(want, dangling)
	slices.Sort(want)
	var got []string
	types := map[string]string{}
	err := AllObjects(ctx, filepath.Join(dir, ".git"), nil, func(o *Object) error {
		got = append(got, o.ID)
		types[o.ID] = o.Type
		if o.Data == nil || int64(len(o.Data)) != o.Size {
			t.Errorf("%s: %d bytes of data, size %d", o.ID, len(o.Data), o.Size)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Fatalf("objects\n%q\nwant each of\n%q once", got, want)
	}
	head := g(t, dir, "", "rev-parse", "HEAD")
	if types[head] != "commit" || types[g(t, dir, "", "rev-parse", "v1")] != "tag" || types[dangling] != "blob" ||
		types[g(t, dir, "", "rev-parse", "HEAD^{tree}")] != "tree" {
		t.Errorf("types %v", types)
	}

	// Requested objects keep their line numbers; missing ones are skipped,
	// names with spaces included.
	writeFile(t, filepath.Join(dir, "with space.txt"), []byte("x\n"))
	g(t, dir, "", "add", "with space.txt")
	only := []string{head, strings.Repeat("0", 40), ":with space.txt", ":no such file.txt", "HEAD:README.md"}
	var idx []int
	err = AllObjects(ctx, dir, only, func(o *Object) error {
		idx = append(idx, o.Index)
		if o.Index == 2 && string(o.Data) != "x\n" {
			t.Errorf("object %d: %q", o.Index, o.Data)
		}
		return nil
	})
	if err != nil || !slices.Equal(idx, []int{0, 2, 4}) {
		t.Errorf("requested objects: indexes %v, %v", idx, err)
	}

	// Nothing requested: nothing read, no error.
	calls := 0
	if err := AllObjects(ctx, dir, []string{}, func(*Object) error { calls++; return nil }); err != nil || calls != 0 {
		t.Errorf("empty request: %d calls, %v", calls, err)
	}

	// A callback's error stops the stream and is returned.
	stop := fmt.Errorf("stop")
	if err := AllObjects(ctx, dir, nil, func(*Object) error { return stop }); err != stop {
		t.Errorf("callback error: %v", err)
	}

	// A blob over MaxInline comes as a stream; the stream stays in step
	// whether or not the callback reads it all.
	big := bytes.Repeat([]byte("0123456789abcdef"), MaxInline/16+1)
	bigID := g(t, dir, string(big), "hash-object", "-w", "--stdin")
	for _, read := range []int{-1, 0, 100} {
		var seen []string
		err := AllObjects(ctx, dir, []string{bigID, head}, func(o *Object) error {
			seen = append(seen, o.ID)
			if o.ID != bigID {
				return nil
			}
			if o.Data != nil || o.Body == nil || o.Size != int64(len(big)) {
				t.Fatalf("big blob: data %d bytes, body %v, size %d", len(o.Data), o.Body != nil, o.Size)
			}
			switch {
			case read < 0:
				b, err := io.ReadAll(o.Body)
				if err != nil || !bytes.Equal(b, big) {
					t.Errorf("big blob body: %d bytes, %v", len(b), err)
				}
			case read > 0:
				if _, err := io.CopyN(io.Discard, o.Body, int64(read)); err != nil {
					t.Errorf("reading %d bytes of the big blob: %v", read, err)
				}
			}
			return nil
		})
		if err != nil || !slices.Equal(seen, []string{bigID, head}) {
			t.Errorf("reading %d of the big blob: %q, %v", read, seen, err)
		}
	}

	if err := AllObjects(ctx, t.TempDir(), nil, func(*Object) error { return nil }); err == nil {
		t.Error("AllObjects outside a repository: no error")
	}
}

func TestRefs(t *testing.T) {
	isolate(t)
	ctx := t.Context()
	dir := smallRepo(t)
	head := g(t, dir, "", "rev-parse", "HEAD")
	side := g(t, dir, "", "rev-parse", "side")
	v1 := g(t, dir, "", "rev-parse", "v1")
	g(t, dir, "", "tag", "-a", "v1-again", "-m", "a tag of a tag", "v1")
	nested := g(t, dir, "", "rev-parse", "v1-again")
	blob := g(t, dir, "", "rev-parse", "HEAD:README.md")
	g(t, dir, "", "tag", "readme", blob)
	writeFile(t, filepath.Join(dir, "README.md"), []byte("changed\n"))
	g(t, dir, "", "stash", "-q")
	stash := g(t, dir, "", "rev-parse", "refs/stash")

	refs, err := Refs(ctx, filepath.Join(dir, ".git"))
	if err != nil {
		t.Fatal(err)
	}
	want := []Ref{
		{"refs/heads/main", head, head},
		{"refs/heads/side", side, side},
		{"refs/stash", stash, stash},
		{"refs/tags/readme", blob, blob},
		{"refs/tags/v1", head, v1},
		{"refs/tags/v1-again", head, nested},
		{"HEAD", head, head},
	}
	if !slices.Equal(refs, want) {
		t.Errorf("refs\n%+v\nwant\n%+v", refs, want)
	}

	empty := t.TempDir()
	g(t, empty, "", "init", "-q")
	if refs, err := Refs(ctx, empty); err != nil || len(refs) != 0 {
		t.Errorf("unborn repository: %+v, %v", refs, err)
	}
}

// TestMirror: a URL is cloned once and fetched into afterwards; what looks
// like an option is never taken for one.
func TestMirror(t *testing.T) {
	isolate(t)
	ctx := t.Context()
	src := smallRepo(t)
	url := "file://" + filepath.ToSlash(src)
	cache := t.TempDir()
	m, err := Mirror(ctx, url, cache)
	if err != nil {
		t.Fatal(err)
	}
	if filepath.Dir(m) != cache || g(t, m, "", "rev-parse", "--is-bare-repository") != "true" ||
		g(t, m, "", "rev-parse", "refs/heads/side") != g(t, src, "", "rev-parse", "side") {
		t.Fatalf("mirror %s", m)
	}
	writeFile(t, filepath.Join(src, "new.txt"), []byte("new\n"))
	g(t, src, "", "add", "new.txt")
	g(t, src, "", "commit", "-q", "-m", "new")
	g(t, src, "", "branch", "-D", "side")
	again, err := Mirror(ctx, url, cache)
	if err != nil || again != m {
		t.Fatalf("second mirror %s, %v", again, err)
	}
	if g(t, m, "", "rev-parse", "refs/heads/main") != g(t, src, "", "rev-parse", "HEAD") {
		t.Error("the refreshed mirror misses the new commit")
	}
	if out := g(t, m, "", "for-each-ref", "refs/heads/side"); out != "" {
		t.Errorf("pruned branch still in the mirror: %s", out)
	}
	if entries, _ := os.ReadDir(cache); len(entries) != 1 {
		t.Errorf("cache holds %d entries", len(entries))
	}

	// An argument that git would read as an option is a repository name.
	evil := "--upload-pack=touch pwned;@host:repo"
	if !IsURL(evil) {
		t.Fatalf("fixture: %q is not a URL", evil)
	}
	root := t.TempDir()
	_, err = Mirror(ctx, evil, root)
	if err == nil || !strings.Contains(err.Error(), "hostname") {
		t.Errorf("option-like URL: %v, want git to refuse the host name", err)
	}
	if _, err := os.Stat(filepath.Join(root, "pwned")); err == nil {
		t.Error("option-like URL ran a command")
	}

	// Errors name the URL without its credentials.
	_, err = Mirror(ctx, "https://user:hunter2@127.0.0.1:1/r.git", t.TempDir())
	if err == nil || strings.Contains(err.Error(), "hunter2") || !strings.Contains(err.Error(), "***@127.0.0.1:1") {
		t.Errorf("unreachable URL: %v", err)
	}
}

// TestPushObjects: what a push sends, including when the remote's tip is
// not in the local repository (someone else pushed it).
func TestPushObjects(t *testing.T) {
	isolate(t)
	ctx := t.Context()
	dir := smallRepo(t)
	remote := filepath.Join(t.TempDir(), "remote.git")
	g(t, dir, "", "clone", "-q", "--bare", dir, remote)
	g(t, dir, "", "remote", "add", "origin", remote)
	g(t, dir, "", "fetch", "-q", "origin")
	base := g(t, dir, "", "rev-parse", "HEAD")
	writeFile(t, filepath.Join(dir, "new.txt"), []byte("new\n"))
	g(t, dir, "", "add", "new.txt")
	g(t, dir, "", "commit", "-q", "-m", "new")
	tip := g(t, dir, "", "rev-parse", "HEAD")
	newBlob := g(t, dir, "", "rev-parse", "HEAD:new.txt")
	zero := strings.Repeat("0", 40)
	unknown := strings.Repeat("e", 40)

	for _, c := range []struct{ name, remoteTip string }{
		{"fast-forward", base},
		{"new branch", zero},
		{"remote tip unknown here", unknown},
	} {
		updates := fmt.Sprintf("refs/heads/main %s refs/heads/main %s\n", tip, c.remoteTip)
		ids, paths, err := PushObjects(ctx, dir, strings.NewReader(updates))
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		if len(ids) != len(paths) || !slices.Contains(ids, tip) || slices.Contains(ids, base) {
			t.Errorf("%s: ids %q", c.name, ids)
		}
		if i := slices.Index(ids, newBlob); i < 0 || paths[i] != "new.txt" {
			t.Errorf("%s: new blob missing: %q %q", c.name, ids, paths)
		}
	}
	// A deletion sends nothing.
	ids, _, err := PushObjects(ctx, dir, strings.NewReader("(delete) "+zero+" refs/heads/main "+base+"\n"))
	if err != nil || len(ids) != 0 {
		t.Errorf("deletion: %q, %v", ids, err)
	}
}

// corrupt flips bytes of the file at path from off on (negative: from the
// end), or truncates it there when flip is false.
func corrupt(t *testing.T, path string, off, n int, flip bool) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if off < 0 {
		off += len(data)
	}
	if flip {
		for i := off; i < off+n && i < len(data); i++ {
			data[i] ^= 0x55
		}
	} else {
		data = data[:off]
	}
	if err := os.Chmod(path, 0o644); err != nil { // git makes objects read-only
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestAllObjectsDamaged: a damaged object stops git's stream; every other
// object is still read, the damaged one is reported by id, and what is
// left of a truncated loose blob is passed on as partial.
func TestAllObjectsDamaged(t *testing.T) {
	isolate(t)
	ctx := t.Context()
	// blobs makes a repository of n committed blobs of some kilobytes
	// each (so that a pack entry can be damaged in its middle).
	blobs := func(n int) (dir string, ids []string) {
		dir = t.TempDir()
		g(t, dir, "", "init", "-q")
		for i := range n {
			body := strings.Repeat(fmt.Sprintf("line %d of blob %d, nothing compresses it away %x\n", i, i, i*7919), 200)
			writeFile(t, filepath.Join(dir, fmt.Sprintf("f%d.txt", i)), []byte(body))
			g(t, dir, "", "add", "-A")
			g(t, dir, "", "commit", "-q", "-m", fmt.Sprint("c", i))
			ids = append(ids, g(t, dir, "", "rev-parse", fmt.Sprintf("HEAD:f%d.txt", i)))
		}
		return dir, ids
	}
	all := func(dir string) []string {
		ids := strings.Fields(g(t, dir, "", "cat-file", "--batch-all-objects", "--batch-check=%(objectname)"))
		slices.Sort(ids)
		return ids
	}
	read := func(dir string, only []string) (got []string, partial map[string][]byte, err error) {
		partial = map[string][]byte{}
		err = AllObjects(ctx, filepath.Join(dir, ".git"), only, func(o *Object) error {
			got = append(got, o.ID)
			if o.Partial {
				b, rerr := io.ReadAll(o.Body)
				if rerr != nil {
					t.Errorf("partial body: %v", rerr)
				}
				partial[o.ID] = b
			}
			return nil
		})
		slices.Sort(got)
		return got, partial, err
	}
	for _, tc := range []struct {
		name string
		// damage damages the repository and returns the damaged object.
		damage func(dir string, ids []string) string
		// partial: the damaged object's leading bytes are still read.
		partial bool
	}{
		{"truncated loose blob", func(dir string, ids []string) string {
			corrupt(t, filepath.Join(dir, ".git", "objects", ids[2][:2], ids[2][2:]), -40, 0, false)
			return ids[2]
		}, true},
		{"loose blob cut in half", func(dir string, ids []string) string {
			path := filepath.Join(dir, ".git", "objects", ids[1][:2], ids[1][2:])
			fi, err := os.Stat(path)
			if err != nil {
				t.Fatal(err)
			}
			corrupt(t, path, int(fi.Size()/2), 0, false)
			return ids[1]
		}, true},
		{"corrupt pack entry", func(dir string, ids []string) string {
			g(t, dir, "", "repack", "-a", "-d", "-q")
			packs, _ := filepath.Glob(filepath.Join(dir, ".git", "objects", "pack", "*.pack"))
			if len(packs) != 1 {
				t.Fatalf("packs %v", packs)
			}
			// Find where blob 3 sits in the pack and damage its middle.
			idx := strings.TrimSuffix(packs[0], ".pack") + ".idx"
			for _, line := range strings.Split(g(t, dir, "", "verify-pack", "-v", idx), "\n") {
				f := strings.Fields(line)
				if len(f) >= 5 && f[0] == ids[3] {
					var off, n int
					if _, err := fmt.Sscan(f[4], &off); err != nil {
						t.Fatalf("verify-pack offset %q: %v", f[4], err)
					}
					if _, err := fmt.Sscan(f[3], &n); err != nil {
						t.Fatalf("verify-pack size %q: %v", f[3], err)
					}
					corrupt(t, packs[0], off+n/2, 8, true)
					return ids[3]
				}
			}
			t.Fatal("blob 3 not in the pack")
			return ""
		}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir, ids := blobs(6)
			want := all(dir)
			bad := tc.damage(dir, ids)
			for _, only := range [][]string{nil, ids} {
				got, partial, err := read(dir, only)
				var oe *ObjectError
				if !errors.As(err, &oe) || oe.ID != bad {
					t.Fatalf("only=%v: error %v, want an ObjectError for %s", only != nil, err, bad)
				}
				wantRead := want
				if only != nil {
					wantRead = slices.Sorted(slices.Values(ids))
				}
				if tc.partial {
					p, ok := partial[bad]
					if !ok || !bytes.HasPrefix(p, []byte("line ")) {
						t.Errorf("only=%v: partial bytes of the damaged blob %q", only != nil, p)
					}
				} else {
					wantRead = slices.DeleteFunc(slices.Clone(wantRead), func(id string) bool { return id == bad })
				}
				if !slices.Equal(got, wantRead) {
					t.Errorf("only=%v: read\n%q\nwant\n%q", only != nil, got, wantRead)
				}
			}
		})
	}
}

// TestAllObjectsDamagedIndex: a pack index whose id table is damaged
// makes git stop the stream at an object that "disappeared", which no
// request names: the fault is a StreamError (read past, like an
// ObjectError) and the objects still found are read.
func TestAllObjectsDamagedIndex(t *testing.T) {
	isolate(t)
	dir := t.TempDir()
	g(t, dir, "", "init", "-q")
	for i := range 6 {
		writeFile(t, filepath.Join(dir, fmt.Sprintf("f%d.txt", i)), []byte(fmt.Sprintf("blob %d\n", i)))
		g(t, dir, "", "add", "-A")
		g(t, dir, "", "commit", "-q", "-m", fmt.Sprint("c", i))
	}
	g(t, dir, "", "repack", "-a", "-d", "-q")
	idxs, _ := filepath.Glob(filepath.Join(dir, ".git", "objects", "pack", "*.idx"))
	if len(idxs) != 1 {
		t.Fatalf("indexes %v", idxs)
	}
	fi, err := os.Stat(idxs[0])
	if err != nil {
		t.Fatal(err)
	}
	// The id table follows the 8-byte header and the 1024-byte fan-out.
	n := (int(fi.Size()) - 1072) / 28
	corrupt(t, idxs[0], 1032+20*(n/3), 60, true)
	read := 0
	err = AllObjects(t.Context(), filepath.Join(dir, ".git"), nil, func(o *Object) error {
		read++
		return nil
	})
	var se *StreamError
	var oe *ObjectError
	if !errors.As(err, &se) || errors.As(err, &oe) {
		t.Fatalf("error %v (%T), want a StreamError only", err, err)
	}
	if !strings.Contains(err.Error(), "disappeared") {
		t.Errorf("error %q does not say what git said", err)
	}
	if read < n-3 {
		t.Errorf("%d objects read of %d", read, n)
	}
}
