package scan

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestExportsAndLogs scans chat and ticket exports and structured logs as
// files, the way a user points scan at them: each finding says where it is
// in the export, who wrote it and when.
func TestExportsAndLogs(t *testing.T) {
	g := newTokenGen(91)
	tok := g.Tokens(t, 7)
	slackFiles := []entry{
		{"channels.json", []byte(`[{"id":"C1","name":"ml-ops","created":1700000000}]`)},
		{"users.json", []byte(`[{"id":"U7","name":"alice","real_name":"Alice A"}]`)},
		{"ml-ops/2024-03-01.json", []byte("[\n" + `{"type":"message","user":"U7","text":"hi","ts":"1709280000.000100"},` + "\n" +
			`{"type":"message","user":"U7","text":"well,\nthen try ` + tok[0] + `","ts":"1709290000.000100"}]`)},
	}
	cases := []struct {
		name   string
		files  map[string][]byte
		secret string
		path   string // relative, after the temp dir
		field  string
		attrs  map[string]string
		author string
		time   string // RFC 3339, "" for none
		loc    string // "LINE:COLUMN" in the file, "" not checked
	}{
		{
			name:   "slack zip",
			files:  map[string][]byte{"slack-export.zip": zipOf(t, slackFiles...)},
			secret: tok[0], path: "slack-export.zip!ml-ops/2024-03-01.json", field: "text",
			attrs: map[string]string{"channel": "#ml-ops", "user": "U7 (alice)"},
			time:  "2024-03-01T10:46:40.0001Z",
			// The message's line in the day file, no column: a place in
			// its decoded text is none in the file.
			loc: "3:0",
		},
		{
			name: "slack directory",
			files: func() map[string][]byte {
				m := map[string][]byte{}
				for _, e := range slackFiles {
					m["export/"+e.name] = e.data
				}
				return m
			}(),
			secret: tok[0], path: "export!ml-ops/2024-03-01.json", field: "text",
			attrs: map[string]string{"channel": "#ml-ops"},
			time:  "2024-03-01T10:46:40.0001Z",
		},
		{
			name: "jira json",
			files: map[string][]byte{"jira.json": []byte(`{"issues":[{"key":"MLOPS-12","fields":{"summary":"deploy fails","description":"x",` +
				`"comment":{"comments":[{"id":"10001","author":{"displayName":"Bob"},"body":"use ` + tok[1] + `","created":"2024-03-02T09:00:00.000+0000"}]}}}]}`)},
			secret: tok[1], path: "jira.json!MLOPS-12", attrs: map[string]string{"issue": "MLOPS-12"},
			author: "Bob", time: "2024-03-02T09:00:00Z",
		},
		{
			name: "github comments",
			files: map[string][]byte{"comments.json": []byte(`[{"id":555,"html_url":"https://github.com/o/r/issues/42#issuecomment-555",` +
				`"issue_url":"https://api.github.com/repos/o/r/issues/42","user":{"login":"carol"},"body":"token ` + tok[2] + `",` +
				`"created_at":"2024-03-03T08:00:00Z","updated_at":"2024-03-03T08:00:00Z"}]`)},
			secret: tok[2], attrs: map[string]string{"number": "42", "comment": "555"},
			author: "carol", time: "2024-03-03T08:00:00Z",
		},
		{
			// The older API shape: no issue_url, the page URL only.
			name: "github comments without issue_url",
			files: map[string][]byte{"old-comments.json": []byte(`[{"id":777,"html_url":"https://github.com/o/r/pull/43#issuecomment-777",` +
				`"user":{"login":"erin"},"body":"token ` + tok[6] + `","created_at":"2019-05-06T07:08:09Z"}]`)},
			secret: tok[6], attrs: map[string]string{"number": "43", "comment": "777", "author": "erin"},
			author: "erin", time: "2019-05-06T07:08:09Z",
		},
		{
			name: "mattermost",
			files: map[string][]byte{"mattermost.jsonl": []byte(`{"type":"version","version":1}` + "\n" +
				`{"type":"post","post":{"team":"ml","channel":"ops","user":"dave","message":"` + tok[3] + `","create_at":1709500000000}}` + "\n")},
			secret: tok[3], attrs: map[string]string{"team": "ml", "channel": "ops"},
			author: "dave", time: "2024-03-03T21:06:40Z",
		},
		{
			name: "json-lines log names the field",
			files: map[string][]byte{"service.log": []byte(`{"time":"2024-03-04T07:00:00Z","level":"info","msg":"start"}` + "\n" +
				`{"time":"2024-03-04T07:00:01Z","level":"debug","request":{"headers":{"authorization":"Bearer ` + tok[4] + `"}}}` + "\n")},
			secret: tok[4], path: "service.log", field: "request.headers.authorization",
			time: "2024-03-04T07:00:01Z",
		},
		{
			name: "actions logs",
			files: map[string][]byte{"logs_123.zip": zipOf(t,
				entry{"build/1_Set up job.txt", []byte("2024-03-05T06:00:00.0000000Z Current runner version: '2.300.0'\n")},
				entry{"build/2_Run tests.txt", []byte("2024-03-05T06:01:00.0000000Z ##[group]Run pytest\n2024-03-05T06:01:01.0000000Z HF_TOKEN=" + tok[5] + "\n")},
			)},
			secret: tok[5], path: "logs_123.zip!build/2_Run tests.txt", attrs: map[string]string{"job": "build"},
			time: "2024-03-05T06:01:00Z",
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			for name, data := range c.files {
				writeFile(t, filepath.Join(dir, name), data)
			}
			fs, st := run(t, Options{ShowSecrets: true}, dir)
			if st.Errors != 0 {
				t.Fatalf("errors: %q", st.ErrorList)
			}
			got := bySecret(fs, c.secret)
			if len(got) != 1 || len(fs) != 1 {
				t.Fatalf("want one finding of the secret, got %d of %d:%s", len(got), len(fs), describe(fs))
			}
			f := got[0]
			rel, _ := filepath.Rel(dir, f.Location.Path)
			if c.path != "" && rel != c.path {
				t.Errorf("path = %q, want %q", rel, c.path)
			}
			if c.field != "" && f.Location.Field != c.field {
				t.Errorf("field = %q, want %q", f.Location.Field, c.field)
			}
			for k, v := range c.attrs {
				if f.Location.Attrs[k] != v {
					t.Errorf("attr %s = %q, want %q (all: %v)", k, f.Location.Attrs[k], v, f.Location.Attrs)
				}
			}
			if c.author != "" && f.Author != c.author {
				t.Errorf("author = %q, want %q", f.Author, c.author)
			}
			if c.time != "" {
				want, _ := time.Parse(time.RFC3339, c.time)
				if f.Time == nil || !f.Time.Equal(want) {
					t.Errorf("time = %v, want %s", f.Time, c.time)
				}
			}
			if loc := fmt.Sprintf("%d:%d", f.Location.Line, f.Location.Column); c.loc != "" && loc != c.loc {
				t.Errorf("line:column = %s, want %s", loc, c.loc)
			}
			if strings.Contains(fmt.Sprint(f.Location), c.secret) {
				t.Error("raw secret in the location")
			}
		})
	}
}

// TestMalformedExports: an export cut short or broken is one error line;
// what came before the break keeps its place in the export, and the bytes
// after it are scanned as they are, so no token is lost or doubled.
func TestMalformedExports(t *testing.T) {
	g := newTokenGen(92)
	tok := g.Tokens(t, 4)
	comments := `[{"id":1,"html_url":"https://github.com/o/r/issues/5#issuecomment-1","issue_url":"https://api.github.com/repos/o/r/issues/5",` +
		`"user":{"login":"a"},"body":"first ` + tok[0] + `","created_at":"2024-03-03T08:00:00Z"},` +
		`{"id":2,"html_url":"https://github.com/o/r/issues/5#issuecomment-2","issue_url":"https://api.github.com/repos/o/r/issues/5",` +
		`"user":{"login":"b"},"body":"second ` + tok[1] + ` and first again ` + tok[0] + ``
	slack := zipOf(t,
		entry{"channels.json", []byte(`[{"id":"C1","name":"ops"}]`)},
		entry{"users.json", []byte(`[{"id":"U1","name":"al"}]`)},
		entry{"ops/2024-03-01.json", []byte(`[{"type":"message","user":"U1","text":"` + tok[2] + `","ts":"1709290000.000100"}]`)},
		entry{"ops/2024-03-02.json", []byte(`[{"type":"message","user":"U1","text":"` + tok[3] + `","ts":"17093`)},
	)
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "comments.json"), []byte(comments))
	writeFile(t, filepath.Join(dir, "slack.zip"), slack)
	fs, st := run(t, Options{ShowSecrets: true}, dir)
	if len(fs) != 4 {
		t.Fatalf("want each of the 4 tokens once, got %d:%s", len(fs), describe(fs))
	}
	for i, want := range []struct {
		path   string
		parsed bool // located in the export's structure, or raw
	}{
		{"comments.json!#5", true},
		{"comments.json", false},
		{"slack.zip!ops/2024-03-01.json", true},
		{"slack.zip!ops/2024-03-02.json", false},
	} {
		got := bySecret(fs, tok[i])
		if len(got) != 1 {
			t.Fatalf("token %d: %d findings:%s", i, len(got), describe(fs))
		}
		l := got[0].Location
		if rel, _ := filepath.Rel(dir, l.Path); rel != want.path || (len(l.Attrs) > 0) != want.parsed {
			t.Errorf("token %d at %s attrs %v; want %s, parsed %v", i, rel, l.Attrs, want.path, want.parsed)
		}
	}
	if st.Errors != 2 {
		t.Errorf("want one error per broken file, got %q", st.ErrorList)
	}
}

// TestExportsMissNothing: tokens in parts of an export its reader does not
// read (Jira labels and change history, a Mattermost line that is not
// JSON, a Slack day file cut short in an unpacked export) are still found,
// once each, where they are in the file.
func TestExportsMissNothing(t *testing.T) {
	g := newTokenGen(93)
	tok := g.Tokens(t, 5)
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "jira.json"), []byte(`{"issues":[{"key":"OPS-1","fields":{"summary":"s `+tok[0]+`","labels":["`+tok[1]+`"]},`+
		`"changelog":{"histories":[{"items":[{"field":"description","fromString":"was `+tok[2]+`"}]}]}}]}`))
	writeFile(t, filepath.Join(dir, "mm.jsonl"), []byte(`{"type":"version","version":1}`+"\n"+
		`{"type":"post","post":{"team":"t","channel":"c","user":"u","message":"ok","create_at":1714000000000}}`+"\n"+
		`{"type":"post","post":{"message":"`+tok[3]+`" BROKEN`+"\n"))
	writeFile(t, filepath.Join(dir, "slack", "channels.json"), []byte(`[{"id":"C1","name":"ops"}]`))
	writeFile(t, filepath.Join(dir, "slack", "users.json"), []byte(`[{"id":"U1","name":"al"}]`))
	writeFile(t, filepath.Join(dir, "slack", "ops", "2024-03-01.json"), []byte(`[{"type":"message","user":"U1","text":"hi","ts":"1709290000.000100"},{"text":"`+tok[4]+`","ts":"17`))
	fs, _ := run(t, Options{ShowSecrets: true}, dir)
	for i, want := range []string{"jira.json!OPS-1", "jira.json", "jira.json", "mm.jsonl", "slack!ops/2024-03-01.json"} {
		got := bySecret(fs, tok[i])
		if len(got) != 1 {
			t.Fatalf("token %d: %d findings:%s", i, len(got), describe(fs))
		}
		if rel, _ := filepath.Rel(dir, got[0].Location.Path); rel != want {
			t.Errorf("token %d at %s, want %s", i, rel, want)
		}
	}
	if len(fs) != 5 {
		t.Errorf("want 5 findings, got %d:%s", len(fs), describe(fs))
	}
}
