package scan

import (
	"bytes"
	"math/rand/v2"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// pipe runs a shell pipeline with stdin in, skipping the test when one of
// tools is missing.
func pipe(t *testing.T, in []byte, script string, tools ...string) []byte {
	t.Helper()
	for _, tool := range tools {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s not installed", tool)
		}
	}
	cmd := exec.CommandContext(t.Context(), "sh", "-c", script)
	cmd.Stdin = bytes.NewReader(in)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s: %v: %s", script, err, errb.String())
	}
	return out.Bytes()
}

// TestTransferEncodingsEndToEnd writes the files real tools make (a mail
// from Python's email package, a Helm-style release secret from gzip and
// base64, a MIME body, a PEM block, a zstd blob) and checks each finding's
// place and encoding chain.
func TestTransferEncodingsEndToEnd(t *testing.T) {
	tok := newTokenGen(131).Tokens(t, 6)
	filler := strings.Repeat("The quick brown fox jumps over the lazy dog. ", 3)
	type want struct {
		line, col int
		enc       []string
	}
	cases := []struct {
		name, file string
		data       func(t *testing.T) []byte
		secret     string
		want       want
	}{
		{
			// The body alone: a whole message is read part by part by the
			// mail reader, which undoes the transfer encoding itself
			// (internal/scan/mail_test.go); here the detector's own
			// decoder is at work, as on a body pasted into a ticket.
			name: "a quoted-printable mail body", file: "body.txt", secret: tok[0],
			data: func(t *testing.T) []byte {
				// Python's email package writes the body quoted-printable
				// and cuts the long line, inside the token, with a soft break.
				return pipe(t, []byte(strings.Repeat("word ", 10)+tok[0]+" "+filler+"\n"), `python3 -c '
import sys, email.message, email.policy, email.charset
m = email.message.EmailMessage(policy=email.policy.SMTP)
m["Subject"] = "deploy"
m["From"] = "ci@example.com"
m.set_content(sys.stdin.read(), cte="quoted-printable")
sys.stdout.write(m.get_payload())
'`, "python3")
			},
			want: want{0, 51, []string{"quoted-printable"}}, // line: found below
		},
		{
			name: "helm release secret: base64 of base64 of gzip", file: "release.yaml", secret: tok[1],
			data: func(t *testing.T) []byte {
				blob := pipe(t, []byte(`{"config":{"env":{"HF_TOKEN":"`+tok[1]+`"}}}`+"\n"), "gzip -c | base64 -w0 | base64 -w0", "gzip", "base64")
				return append(append([]byte("apiVersion: v1\nkind: Secret\ndata:\n  release: "), blob...), '\n')
			},
			want: want{4, 12, []string{"base64", "base64", "gzip"}},
		},
		{
			name: "zstd blob in base64", file: "cfg.json", secret: tok[2],
			data: func(t *testing.T) []byte {
				blob := pipe(t, []byte("HF_TOKEN="+tok[2]+"\n"+filler), "zstd -q -c | base64 -w0", "zstd", "base64")
				return append(append([]byte(`{"blob": "`), blob...), []byte("\"}\n")...)
			},
			want: want{1, 11, []string{"base64", "zstd"}},
		},
		{
			name: "MIME body wrapped at 76 columns", file: "part.txt", secret: tok[3],
			data: func(t *testing.T) []byte {
				body := pipe(t, []byte(filler+"\ntoken: "+tok[3]+"\n"+filler), "base64", "base64") // wraps at 76
				return append([]byte("Content-Type: text/plain\r\nContent-Transfer-Encoding: base64\r\n\r\n"), body...)
			},
			want: want{0, 0, []string{"base64"}},
		},
		{
			name: "PEM block with header lines, 64 columns", file: "creds.pem", secret: tok[4],
			data: func(t *testing.T) []byte {
				pemText := pipe(t, []byte(filler+"\nHF_TOKEN="+tok[4]+"\n"), `python3 -c '
import sys, ssl
sys.stdout.write(ssl.DER_cert_to_PEM_cert(sys.stdin.buffer.read()))'`, "python3")
				return []byte(strings.Replace(string(pemText), "-----\n", "-----\nProc-Type: 4,ENCRYPTED\nComment: exported\n\n", 1))
			},
			want: want{0, 0, []string{"base64"}},
		},
		{
			name: "HTML page with character references", file: "page.html", secret: tok[5],
			data: func(t *testing.T) []byte {
				var b strings.Builder
				for i := 0; i < len(tok[5]); i++ {
					b.WriteString("&#" + itoa(int(tok[5][i])) + ";")
				}
				return []byte("<html>\n<body>\n<p>token: " + b.String() + "</p>\n</body></html>\n")
			},
			want: want{3, 11, []string{"html-entities"}},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			data := c.data(t)
			writeFile(t, filepath.Join(dir, c.file), data)
			fs, st := run(t, Options{ShowSecrets: true}, dir)
			if len(fs) != 1 || fs[0].Secret != c.secret {
				t.Fatalf("got %d findings, want 1:%s\nerrors: %v\n%s", len(fs), describe(fs), st.ErrorList, data)
			}
			f := fs[0]
			if !slices.Equal(f.Encodings, c.want.enc) {
				t.Errorf("encodings = %q, want %q", f.Encodings, c.want.enc)
			}
			l := f.Location
			line, col := c.want.line, c.want.col
			if line == 0 {
				// Where the encoded run starts: the token's line (mail),
				// or the line of the block that holds its encoding.
				line = wantLine(t, data, c.secret)
			}
			if rel, _ := filepath.Rel(dir, l.Path); rel != c.file || l.Line != line || col != 0 && l.Column != col {
				t.Errorf("location = %s:%d:%d, want %s:%d:%d", rel, l.Line, l.Column, c.file, line, col)
			}
		})
	}
}

// wantLine is the line where the encoded form of secret starts in data:
// quoted-printable keeps "hf_" in clear; base64 holds it at one of three
// alignments.
func wantLine(t *testing.T, data []byte, secret string) int {
	t.Helper()
	s := string(data)
	if i := strings.Index(s, secret[:3]); i >= 0 && !strings.Contains(s, "base64") && !strings.Contains(s, "-----") {
		line, _ := lineCol(s, i)
		return line
	}
	joined := strings.NewReplacer("\r\n", "", "\n", "").Replace(s)
	for _, a := range []string{"aGZf", "hmX", "oZl"} {
		if i := strings.Index(joined, a); i >= 0 {
			// Map the offset in the joined text back to a line.
			n := 0
			for j := 0; j < len(s); j++ {
				if s[j] == '\r' || s[j] == '\n' {
					continue
				}
				if n == i {
					line, _ := lineCol(s, j)
					return line
				}
				n++
			}
		}
	}
	t.Fatalf("fixture bug: no encoded hf_ in %q", s)
	return 0
}

// TestTransferNegativesEndToEnd: real tools' output of random bytes gives
// no finding.
func TestTransferNegativesEndToEnd(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 9))
	random := make([]byte, 64<<10)
	for i := range random {
		random[i] = byte(r.Uint32())
	}
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "random.b64"), pipe(t, random, "base64", "base64"))
	writeFile(t, filepath.Join(dir, "random.gz.b64"), pipe(t, random, "gzip -c | base64 -w0", "gzip", "base64"))
	writeFile(t, filepath.Join(dir, "random.zst.b64"), pipe(t, random, "zstd -q -c | base64 | base64", "zstd", "base64"))
	writeFile(t, filepath.Join(dir, "random.pem"), pipe(t, random[:4096], `python3 -c '
import sys, ssl
sys.stdout.write(ssl.DER_cert_to_PEM_cert(sys.stdin.buffer.read()))'`, "python3"))
	fs, st := run(t, Options{ShowSecrets: true}, dir)
	if len(fs) != 0 || st.Errors != 0 {
		t.Fatalf("findings:%s\nerrors: %v", describe(fs), st.ErrorList)
	}
}
