package scan

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// mkmail builds a real mail file with Python's email package (the mail
// reader's testdata script) at out.
func mkmail(t *testing.T, mode, out string, toks ...string) {
	t.Helper()
	py, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("python3 not installed")
	}
	args := append([]string{filepath.Join("..", "source", "mail", "testdata", "mkmail.py"), mode, out}, toks...)
	if b, err := exec.Command(py, args...).CombinedOutput(); err != nil {
		t.Fatalf("mkmail.py %s: %v\n%s", mode, err, b)
	}
}

// TestMail scans mail the way a user points scan at it: an .eml, an
// mbox and an .eml inside a tar.gz. Each token is found once, located in
// its message and part (an attachment's members below its file name, a
// notebook attachment's cell), with the message's id, sender and date,
// and the date as the finding's time.
func TestMail(t *testing.T) {
	g := newTokenGen(1310)
	tok := g.Tokens(t, 12)
	dir := t.TempDir()
	mkmail(t, "eml", filepath.Join(dir, "msg.eml"), tok[:8]...)
	mkmail(t, "mbox", filepath.Join(dir, "inbox.mbox"), tok[8:11]...)
	mkmail(t, "targz", filepath.Join(dir, "backup.tar.gz"), tok[11])
	fs, st := run(t, Options{ShowSecrets: true}, dir)
	if st.Errors != 0 {
		t.Fatalf("errors: %q", st.ErrorList)
	}
	if len(fs) != len(tok) {
		t.Errorf("want each of %d tokens once, got %d:%s", len(tok), len(fs), describe(fs))
	}
	msgTime := "2024-03-05T09:11:12Z"
	for _, c := range []struct {
		tok   int
		path  string
		attrs map[string]string
		time  string
		loc   string // "LINE:COLUMN", "" not checked
		cell  int    // the notebook cell, -1 none
	}{
		{tok: 0, path: "msg.eml!part 1.1", attrs: map[string]string{"part": "1.1", "message-id": "<m1.4711@example.com>", "from": "Alice Example <alice@example.com>"}, time: msgTime, loc: "2:61", cell: -1},
		{tok: 1, path: "msg.eml!part 1.2", attrs: map[string]string{"part": "1.2"}, time: msgTime, cell: -1},
		{tok: 2, path: "msg.eml!creds.zip!.env", attrs: map[string]string{"part": "creds.zip", "date": msgTime}, time: msgTime, loc: "1:10", cell: -1},
		{tok: 3, path: "msg.eml!part 3", attrs: map[string]string{"part": "3"}, time: msgTime, cell: -1},
		{tok: 4, path: "msg.eml!headers", attrs: map[string]string{"part": "headers"}, time: msgTime, cell: -1},
		{tok: 5, path: "msg.eml!part 4", attrs: map[string]string{"part": "4"}, time: msgTime, cell: -1},
		{tok: 6, path: "msg.eml!analysis.ipynb", attrs: map[string]string{"part": "analysis.ipynb"}, time: msgTime, cell: 0},
		{tok: 7, path: "msg.eml!headers", time: msgTime, cell: -1},
		{tok: 8, path: "inbox.mbox!message 1!part 1", attrs: map[string]string{"message-id": "<mbox.1@example.com>", "from": "ops1@example.com"}, time: "2024-03-04T09:00:00Z", loc: "2:10", cell: -1},
		{tok: 9, path: "inbox.mbox!message 2!part 1", attrs: map[string]string{"message-id": "<mbox.2@example.com>"}, time: "2024-03-02T08:00:00Z", cell: -1},
		{tok: 10, path: "inbox.mbox!message 3!part 1", time: "2024-03-06T07:00:00Z", cell: -1},
		{tok: 11, path: "backup.tar.gz!mail/inbox/1.eml!part 1", attrs: map[string]string{"message-id": "<mbox.1@example.com>"}, time: "2024-03-01T12:00:00Z", cell: -1},
	} {
		t.Run(fmt.Sprint("token ", c.tok), func(t *testing.T) {
			got := bySecret(fs, tok[c.tok])
			if len(got) != 1 {
				t.Fatalf("%d findings:%s", len(got), describe(fs))
			}
			f := got[0]
			if rel, _ := filepath.Rel(dir, f.Location.Path); rel != c.path {
				t.Errorf("path = %q, want %q", rel, c.path)
			}
			if f.Source != "mail" && c.cell < 0 && !strings.Contains(c.path, "!.env") {
				t.Errorf("source = %q", f.Source)
			}
			for k, v := range c.attrs {
				if f.Location.Attrs[k] != v {
					t.Errorf("attr %s = %q, want %q (all: %v)", k, f.Location.Attrs[k], v, f.Location.Attrs)
				}
			}
			want, _ := time.Parse(time.RFC3339, c.time)
			if f.Time == nil || !f.Time.Equal(want) {
				t.Errorf("time = %v, want %s", f.Time, c.time)
			}
			if loc := fmt.Sprintf("%d:%d", f.Location.Line, f.Location.Column); c.loc != "" && loc != c.loc {
				t.Errorf("line:column = %s, want %s", loc, c.loc)
			}
			if c.cell >= 0 && (f.Location.Cell == nil || *f.Location.Cell != c.cell) {
				t.Errorf("cell = %v, want %d", f.Location.Cell, c.cell)
			}
			if strings.Contains(fmt.Sprint(f.Location), tok[c.tok]) {
				t.Error("raw secret in the location")
			}
		})
	}
}

// TestNotMail: files that look a little like mail headers (YAML, an HTTP
// header dump, a package's metadata) are read as they always were: the
// same finding, at its line in the file.
func TestNotMail(t *testing.T) {
	tok := newTokenGen(1311).Tokens(t, 3)
	dir := t.TempDir()
	files := map[string]string{
		"config.yaml": "From: alice\nDate: 2024-03-01\nSubject: deploy\nTo: bob\n\ntoken: " + tok[0] + "\n",
		"headers.txt": "HTTP/1.1 200 OK\r\nDate: Mon, 04 Mar 2024 09:00:00 GMT\r\nContent-Type: text/plain\r\nServer: x\r\n\r\nAuthorization: Bearer " + tok[1] + "\r\n",
		"PKG-INFO":    "Metadata-Version: 2.1\nName: pkg\nVersion: 1.0\nAuthor-email: a@example.com\nSummary: s\n\nHF_TOKEN=" + tok[2] + "\n",
	}
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	fs, _ := run(t, Options{ShowSecrets: true}, dir)
	if len(fs) != 3 {
		t.Fatalf("want 3 findings:%s", describe(fs))
	}
	for _, f := range fs {
		line, _ := pos(t, files[filepath.Base(f.Location.Path)], f.Secret)
		if strings.Contains(f.Location.Path, "!") || f.Source != "file" || f.Location.Line != line {
			t.Errorf("finding at %s line %d (want %d), source %s: read as mail?", f.Location.Path, f.Location.Line, line, f.Source)
		}
	}
}

// TestForwardedMail: a message forwarded as an attachment
// (message/rfc822) is read as a message of its own, one level deeper,
// with its own id and date.
func TestForwardedMail(t *testing.T) {
	tok := newTokenGen(1312).Tokens(t, 1)[0]
	inner := "From: Carol <carol@example.com>\r\nDate: Thu, 01 Feb 2024 10:00:00 +0000\r\nSubject: creds\r\nMessage-ID: <inner@example.com>\r\n\r\nHF_TOKEN=" + tok + "\r\n"
	outer := "From: Dan <dan@example.com>\r\nTo: sec@example.com\r\nDate: Fri, 02 Feb 2024 11:00:00 +0000\r\nSubject: Fwd: creds\r\nMessage-ID: <outer@example.com>\r\n" +
		"MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=B\r\n\r\n--B\r\nContent-Type: text/plain\r\n\r\nsee below\r\n" +
		"--B\r\nContent-Type: message/rfc822\r\n\r\n" + inner + "--B--\r\n"
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "fwd.eml"), []byte(outer))
	fs, st := run(t, Options{ShowSecrets: true}, dir)
	if st.Errors != 0 || len(fs) != 1 {
		t.Fatalf("errors %q, findings:%s", st.ErrorList, describe(fs))
	}
	f := fs[0]
	if rel, _ := filepath.Rel(dir, f.Location.Path); rel != "fwd.eml!part 2!part 1" || f.Location.Attrs["message-id"] != "<inner@example.com>" {
		t.Errorf("at %s attrs %v", rel, f.Location.Attrs)
	}
	if want := time.Date(2024, 2, 1, 10, 0, 0, 0, time.UTC); f.Time == nil || !f.Time.Equal(want) {
		t.Errorf("time %v, want the forwarded message's", f.Time)
	}
}
