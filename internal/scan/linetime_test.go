package scan

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hfwarden/hfwarden/internal/source"
)

// TestLineTimes: a finding in a plain-text log takes the time that opens
// its line (the exposure start), whatever chunk of the file holds it; a
// line without one, a year-less syslog date, or a time on another line
// gives none. Stdin and notebooks' text are read the same way.
func TestLineTimes(t *testing.T) {
	tk := newTokenGen(51).Tokens(t, 9)
	dir := t.TempDir()
	// Far into a file: the line starts in a later chunk than the first.
	far := string(fillerBytes(source.ChunkSize + source.Overlap + 100))
	far = far[:strings.LastIndexByte(far, '\n')+1]
	cases := []struct {
		name, file, content, secret string
		want                        string // RFC 3339; "" for none
	}{
		{"RFC 3339 at line start", "train.log", "starting\n2026-03-04T10:11:12Z INFO using token " + tk[0] + "\n", tk[0], "2026-03-04T10:11:12Z"},
		{"bracketed without a zone", "run.txt", "[2026-03-04 10:11:12] login with " + tk[1] + " ok\n", tk[1], "2026-03-04T10:11:12Z"},
		{"with an offset", "app.log", "2026-03-04 10:11:12.5+02:00 HF_TOKEN=" + tk[2] + "\n", tk[2], "2026-03-04T08:11:12.5Z"},
		{"syslog without a year", "syslog", "Mar  4 10:11:12 host app[7]: token " + tk[3] + "\n", tk[3], ""},
		{"time on another line", "two.log", "2026-03-04T10:11:12Z starting\n  token " + tk[4] + "\n", tk[4], ""},
		{"no time", ".env", "HF_TOKEN=" + tk[5] + "\n", tk[5], ""},
		{"in a later chunk", "big.log", far + "2026-05-06T07:08:09Z token " + tk[6] + "\n", tk[6], "2026-05-06T07:08:09Z"},
		{"time after the token", "after.log", "token " + tk[7] + " at 2026-03-04T10:11:12Z\n", tk[7], ""},
	}
	for _, c := range cases {
		writeFile(t, filepath.Join(dir, c.name, c.file), []byte(c.content))
	}
	fs, st := run(t, Options{ShowSecrets: true}, dir)
	if st.Errors != 0 {
		t.Fatalf("errors: %v", st.ErrorList)
	}
	for _, c := range cases {
		got := bySecret(fs, c.secret)
		if len(got) != 1 {
			t.Errorf("%s: %d findings%s", c.name, len(got), describe(got))
			continue
		}
		switch tm := got[0].Time; {
		case c.want == "" && tm != nil:
			t.Errorf("%s: time %v, want none", c.name, tm)
		case c.want != "" && (tm == nil || tm.Format(time.RFC3339Nano) != c.want):
			t.Errorf("%s: time %v, want %s", c.name, tm, c.want)
		}
	}

	// Standard input, too.
	in := "2026-07-08T09:10:11Z deploy " + tk[8] + "\n"
	res, err := New(Options{ShowSecrets: true, Stdin: strings.NewReader(in)}).Scan(t.Context(), Files([]string{"-"}))
	sfs := res.Findings
	if err != nil || len(sfs) != 1 || sfs[0].Time == nil || sfs[0].Time.Format(time.RFC3339) != "2026-07-08T09:10:11Z" {
		t.Errorf("stdin: %v %s", err, describe(sfs))
	}
}
