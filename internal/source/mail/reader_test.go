package mail

import (
	"bytes"
	"encoding/base64"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hfwarden/hfwarden/internal/source"
	"github.com/hfwarden/hfwarden/internal/source/sourcetest"
	"github.com/hfwarden/hfwarden/internal/testutil"
)

// build runs testdata/mkmail.py, which writes real mail with Python's
// email package, and returns the file's bytes.
func build(t testing.TB, mode string, toks ...string) []byte {
	t.Helper()
	py, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("python3 not installed")
	}
	out := filepath.Join(t.TempDir(), "mail."+mode)
	cmd := exec.Command(py, append([]string{filepath.Join("testdata", "mkmail.py"), mode, out}, toks...)...)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("mkmail.py %s: %v\n%s", mode, err, b)
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func fileInput(name string, data []byte) *source.Input {
	head := data[:min(len(data), source.SniffLen)]
	return &source.Input{
		Item:   source.Item{Prov: source.FileProvenance("file", name), Name: name, Size: int64(len(data))},
		Head:   head,
		R:      bytes.NewReader(data[len(head):]),
		Budget: source.NewBudget(source.Limits{}),
	}
}

// open reads data as the file name through a recording host.
func open(t *testing.T, name string, data []byte) *sourcetest.Host {
	t.Helper()
	h := sourcetest.New()
	h.Limit = source.DefaultLimits()
	if err := FileReader().Open(t.Context(), fileInput(name, data), h); err != nil {
		t.Fatal(err)
	}
	return h
}

// member returns the member at path, failing when there is none.
func member(t *testing.T, h *sourcetest.Host, path string) sourcetest.Member {
	t.Helper()
	for _, m := range h.Members {
		if m.Item.Prov.Path == path {
			return m
		}
	}
	var got []string
	for _, m := range h.Members {
		got = append(got, m.Item.Prov.Path)
	}
	t.Fatalf("no member %s; members %q", path, got)
	return sourcetest.Member{}
}

// reportedAt returns the paths where secret was reported.
func reportedAt(h *sourcetest.Host, secret string) []string {
	var out []string
	for _, r := range h.Reports {
		if slices.Contains(r.Secrets, secret) {
			out = append(out, r.Chunk.Prov.Path)
		}
	}
	return out
}

// TestEML: a message built by Python's email package is read part by
// part: a QP body whose soft line break cuts the token, an HTML
// alternative in base64, ISO-8859-1 and UTF-16 parts, a token in an RFC
// 2047 subject and one in an X- header, each found once, where it is;
// the attachments are members named by their file names, for their
// readers.
func TestEML(t *testing.T) {
	tok := testutil.FakeTokens(t, 1301, 8)
	data := build(t, "eml", tok...)
	if f := Sniff(data); f != FormatEML {
		t.Fatalf("Sniff = %s", f)
	}
	h := open(t, "msg.eml", data)
	if len(h.Failures)+len(h.Inner)+len(h.Warnings) != 0 {
		t.Fatalf("failures %q inner %q warnings %q", h.Failures, h.Inner, h.Warnings)
	}
	for i, want := range []string{
		"msg.eml!part 1.1", "msg.eml!part 1.2", "", "msg.eml!part 3",
		"msg.eml!headers", "msg.eml!part 4", "", "msg.eml!headers",
	} {
		got := reportedAt(h, tok[i])
		if want == "" {
			// An attachment is a member, for its own reader (this host
			// records members without reading them). Only the raw pass
			// may see its token, through the detector's base64
			// decoding; in a scan the member's reader finds it first
			// and the raw pass leaves it out (internal/scan/mail_test.go).
			if len(got) != 0 && !slices.Equal(got, []string{"msg.eml"}) {
				t.Errorf("token %d (an attachment's) reported at %q", i, got)
			}
			continue
		}
		if !slices.Equal(got, []string{want}) {
			t.Errorf("token %d reported at %q, want once at %s", i, got, want)
		}
	}
	when := time.Date(2024, 3, 5, 9, 11, 12, 0, time.UTC)
	body := member(t, h, "msg.eml!part 1.1")
	attrs := body.Item.Prov.Attrs
	if attrs["message-id"] != "<m1.4711@example.com>" || attrs["from"] != "Alice Example <alice@example.com>" ||
		attrs["date"] != "2024-03-05T09:11:12Z" || attrs["part"] != "1.1" {
		t.Errorf("attrs %v", attrs)
	}
	if !body.Item.Prov.Time.Equal(when) || body.Item.Prov.Author != "Alice Example <alice@example.com>" || !body.Item.Text {
		t.Errorf("time %v author %q text %v", body.Item.Prov.Time, body.Item.Prov.Author, body.Item.Text)
	}
	zip := member(t, h, "msg.eml!creds.zip")
	if zip.Item.Text || zip.Item.Name != "creds.zip" || zip.Item.Prov.Attrs["part"] != "creds.zip" || !strings.HasPrefix(zip.Data, "PK\x03\x04") ||
		zip.Depth != 1 || !zip.Item.Prov.Time.Equal(when) {
		t.Errorf("zip member %+v", zip.Item)
	}
	nb := member(t, h, "msg.eml!analysis.ipynb")
	if nb.Item.Text || !strings.Contains(nb.Data, `"nbformat": 4`) {
		t.Errorf("notebook member %+v %q", nb.Item, nb.Data)
	}
	// The raw pass leaves out what the parts gave; it finds nothing new
	// here.
	if len(h.Scanned) != 1 || !h.Scanned[0].Bytes.Rescan || h.Scanned[0].Data != string(data) {
		t.Fatalf("scanned: %d", len(h.Scanned))
	}
	for _, s := range h.Secrets() {
		if n := len(reportedAt(h, s)); n != 1 {
			t.Errorf("a token reported %d times", n)
		}
	}
}

// TestMbox: three messages of an mbox written by Python's mailbox, each
// its own message with its own date; a body's ">From " line is read back
// as "From ".
func TestMbox(t *testing.T) {
	tok := testutil.FakeTokens(t, 1302, 3)
	data := build(t, "mbox", tok...)
	if f := Sniff(data); f != FormatMbox {
		t.Fatalf("Sniff = %s", f)
	}
	h := open(t, "inbox", data)
	if len(h.Failures)+len(h.Inner) != 0 {
		t.Fatalf("failures %q %q", h.Failures, h.Inner)
	}
	days := []int{4, 2, 6}
	for i := range 3 {
		path := "inbox!message " + string(rune('1'+i)) + "!part 1"
		if got := reportedAt(h, tok[i]); !slices.Equal(got, []string{path}) {
			t.Errorf("token %d at %q, want %s", i, got, path)
		}
		m := member(t, h, path)
		if d := m.Item.Prov.Time.Day(); d != days[i] || m.Item.Prov.Attrs["message-id"] != "<mbox."+string(rune('1'+i))+"@example.com>" {
			t.Errorf("message %d: day %d, attrs %v", i+1, d, m.Item.Prov.Attrs)
		}
		if !strings.HasPrefix(m.Data, "From the runner:\n") {
			t.Errorf("message %d body %q", i+1, m.Data)
		}
	}
}

// TestMalformed: a multipart cut short is one error; the parts before
// the cut keep their place, and the bytes after it are still scanned.
func TestMalformed(t *testing.T) {
	tok := testutil.FakeTokens(t, 1303, 2)
	data := []byte("From: a@example.com\r\nTo: b@example.com\r\nSubject: s\r\nDate: Mon, 04 Mar 2024 09:00:00 +0000\r\n" +
		"MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=XX\r\n\r\n" +
		"--XX\r\nContent-Type: text/plain\r\n\r\nfirst " + tok[0] + "\r\n" +
		"--XX\r\nContent-Type: text/plain\r\nContent-Transfer-Encoding: base64\r\n\r\n!!!! not base64 " + tok[1] + "\r\n")
	h := open(t, "cut.eml", data)
	if got := reportedAt(h, tok[0]); !slices.Equal(got, []string{"cut.eml!part 1"}) {
		t.Errorf("token 0 at %q", got)
	}
	if got := reportedAt(h, tok[1]); !slices.Equal(got, []string{"cut.eml"}) {
		t.Errorf("token 1 at %q, want the raw pass's", got)
	}
	errs := 0
	for _, m := range h.Members {
		if m.Err != nil {
			errs++
		}
	}
	if n := len(h.Inner) + len(h.Failures) + errs; n != 1 {
		t.Errorf("want one error, got inner %q failures %q member errors %d", h.Inner, h.Failures, errs)
	}
}

// TestNoFalsePositives: random bytes attached in base64, random base64 in
// a text part and a quoted-printable body with no token report nothing.
func TestNoFalsePositives(t *testing.T) {
	rnd := make([]byte, 48<<10)
	seed := uint64(1304)
	for i := range rnd {
		seed = seed*6364136223846793005 + 1442695040888963407
		rnd[i] = byte(seed >> 56)
	}
	b64 := base64.StdEncoding.EncodeToString(rnd)
	var wrapped strings.Builder
	for len(b64) > 76 {
		wrapped.WriteString(b64[:76] + "\r\n")
		b64 = b64[76:]
	}
	wrapped.WriteString(b64 + "\r\n")
	data := "From: a@example.com\r\nTo: b@example.com\r\nSubject: hf_ report\r\nDate: Mon, 04 Mar 2024 09:00:00 +0000\r\n" +
		"MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=XX\r\n\r\n" +
		"--XX\r\nContent-Type: text/plain\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\nthe hf_ prefix =3D tokens, see hf_=\r\nhub docs\r\n" +
		"--XX\r\nContent-Type: text/plain\r\n\r\n" + wrapped.String() +
		"--XX\r\nContent-Type: application/octet-stream\r\nContent-Disposition: attachment; filename=blob.bin\r\nContent-Transfer-Encoding: base64\r\n\r\n" + wrapped.String() +
		"--XX--\r\n"
	h := open(t, "noise.eml", []byte(data))
	if s := h.Secrets(); len(s) != 0 {
		t.Errorf("%d secrets reported from noise", len(s))
	}
	if len(h.Failures)+len(h.Inner) != 0 {
		t.Errorf("failures %q %q", h.Failures, h.Inner)
	}
	if m := member(t, h, "noise.eml!blob.bin"); m.Data != string(rnd) {
		t.Errorf("attachment decoded to %d bytes, want %d", len(m.Data), len(rnd))
	}
}

// TestMboxBadMessage: a message of an mbox that cannot be parsed is one
// error, named by its place; the messages after it are read.
func TestMboxBadMessage(t *testing.T) {
	tok := testutil.FakeTokens(t, 1305, 2)
	data := "From b Mon Mar  4 09:00:00 2024\nFrom: b@c.d\nDate: Mon, 04 Mar 2024 09:00:00 +0000\nSubject: z\n\n" + tok[1] + "\n\n" +
		"From a Mon Mar  4 09:00:00 2024\nFrom: a@b.c\nDate: x\nSubject: y\nbroken header line\n\n" + tok[0] + "\n\n" +
		"From c Mon Mar  4 09:00:00 2024\nFrom: c@d.e\nSubject: w\n\nhello\n"
	h := open(t, "box", []byte(data))
	if len(h.Inner) != 1 || !strings.HasPrefix(h.Inner[0], "box: box!message 2: reading the header: ") {
		t.Errorf("inner %q", h.Inner)
	}
	if got := reportedAt(h, tok[0]); !slices.Equal(got, []string{"box"}) {
		t.Errorf("token 0 at %q, want the raw pass's", got)
	}
	if got := reportedAt(h, tok[1]); !slices.Equal(got, []string{"box!message 1!part 1"}) {
		t.Errorf("token 1 at %q", got)
	}
	member(t, h, "box!message 3!part 1")
}

// TestMaxParts: past the limit on members, parts are no longer handed on;
// one error says so and the bytes are still scanned.
func TestMaxParts(t *testing.T) {
	tok := testutil.FakeTokens(t, 1306, 1)[0]
	var b strings.Builder
	b.WriteString("From: a@b.c\nDate: Mon, 04 Mar 2024 09:00:00 +0000\nSubject: s\nContent-Type: multipart/mixed; boundary=B\n\n")
	for range 10 {
		b.WriteString("--B\n\nx\n")
	}
	b.WriteString("--B\n\n" + tok + "\n--B--\n")
	h := sourcetest.New()
	in := fileInput("many.eml", []byte(b.String()))
	in.Budget = source.NewBudget(source.Limits{MaxMembers: 5})
	if err := FileReader().Open(t.Context(), in, h); err != nil {
		t.Fatal(err)
	}
	if len(h.Members) != 5 || len(h.Inner) != 1 || !strings.HasSuffix(h.Inner[0], "more than 5 parts: the rest is not read") {
		t.Errorf("%d members, inner %q", len(h.Members), h.Inner)
	}
	if got := reportedAt(h, tok); !slices.Equal(got, []string{"many.eml"}) {
		t.Errorf("token at %q, want the raw pass's", got)
	}
}

// TestFoldedEncodedWords: a Subject split into encoded words on folded
// lines (as Python's email.header and mail clients write a long one) is
// unfolded before it is decoded, so a token spanning two words is found.
func TestFoldedEncodedWords(t *testing.T) {
	tok := testutil.FakeTokens(t, 1309, 1)[0]
	word := func(s string) string { return "=?utf-8?b?" + base64.StdEncoding.EncodeToString([]byte(s)) + "?=" }
	for _, fold := range []string{"\r\n ", "\n\t"} {
		msg := "From: Alice <alice@example.com>\r\nMessage-ID: <f1@example.com>\r\nSubject: " +
			word("key "+tok[:20]) + fold + word(tok[20:]+" done") + "\r\nDate: Mon, 04 Mar 2024 09:00:00 +0000\r\n\r\nhello\r\n"
		h := open(t, "msg.eml", []byte(msg))
		if got := reportedAt(h, tok); !slices.Equal(got, []string{"msg.eml!headers"}) {
			t.Errorf("fold %q: token reported at %q, want once at msg.eml!headers", fold, got)
		}
	}
}
