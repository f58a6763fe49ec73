package export

import (
	"io/fs"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/hfwarden/hfwarden/internal/source"
)

// slackFiles is a small Slack export; TOKENn are replaced by fake tokens.
var slackFiles = map[string]string{
	"users.json": `[{"id":"U01","name":"alice","profile":{"display_name":"Alice"}},
		{"id":"U02","name":"","profile":{"display_name":"bob"}}]`,
	"channels.json": `[{"id":"C01","name":"general","members":["U01","U02"],
		"topic":{"value":"deploy key TOKEN0","creator":"U01","last_set":1709287200},
		"purpose":{"value":"","creator":"","last_set":0}},
		{"id":"C02","name":"random"}]`,
	"dms.json": `[{"id":"D01","members":["U01","U02"]}]`,
	"general/2024-03-01.json": `[
		{"type":"message","user":"U01","text":"here is my token TOKEN1","ts":"1709288430.000200"},
		{"type":"message","subtype":"bot_message","username":"ci-bot","bot_id":"B01","text":"build done",
		 "ts":"1709288500.000000","attachments":[{"fallback":"log: TOKEN2","text":"log: TOKEN2","title":"Build 12"}]},
		{"type":"message","user":"U02","text":"see file","ts":"1709288600.000100","thread_ts":"1709288430.000200",
		 "files":[{"name":"env.txt","title":"env.txt","preview":"HF_TOKEN=TOKEN3","url_private":"https://files.example/x"}]},
		{"type":"message","user":"U03","text":"with &lt;code&gt;","ts":"1709288700.000000",
		 "blocks":[{"type":"rich_text","elements":[{"type":"rich_text_section","elements":[
			{"type":"text","text":"with <code>"},{"type":"text","text":"TOKEN4","style":{"code":true}}]}]}]},
		{"type":"message","subtype":"bot_message","bot_id":"B02","bot_profile":{"id":"B02","name":"deploy-bot"},"text":"","ts":"1709288800.000000",
		 "attachments":[{"color":"good","fields":[{"title":"env","value":"HF_TOKEN=TOKEN9","short":false}]}]}
	]`,
	"D01/2024-03-02.json":     `[{"type":"message","user":"U02","text":"dm TOKEN5","ts":"1709370000.5"}]`,
	"random/2024-03-03.json":  `[{"type":"message","user":"U01","text":"TOKEN6`,
	"random/2024-03-04.json":  `[{"type":"message","user":"U01","text":5,"ts":"1709500000.000000"},{"type":"message","user":"U01","text":"later TOKEN7","ts":"1709500001.000000"}]`,
	"integration_logs.json":   `{"logs":[{"reason":"TOKEN8"}]}`,
	"random/notes/readme.txt": `not a day file`,
}

func TestReadSlack(t *testing.T) {
	toks := tokens(t, 10)
	files := map[string]string{}
	for k, v := range slackFiles {
		files[k] = fill(v, toks)
	}
	dir := t.TempDir()
	writeTree(t, dir, files)

	for _, tc := range []struct {
		name string
		fsys fs.FS
	}{
		{"dir", os.DirFS(dir)},
		{"zip", zipTree(t, files)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if f := SniffFS(tc.fsys); f != FormatSlack {
				t.Fatalf("SniffFS = %v, want slack", f)
			}
			visit, items := collect(t)
			prov := source.FileProvenance("file", "export")
			err := ReadFS(t.Context(), FormatSlack, tc.fsys, prov, visit)
			members, others := memberErrors(err)
			if len(others) != 0 {
				t.Fatalf("errors that are not confined to a member: %v", others)
			}
			noSecretIn(t, err, toks)
			wantBad := map[string]bool{"export!random/2024-03-03.json": true, "export!random/2024-03-04.json": true}
			for _, m := range members {
				if !wantBad[m.Path] {
					t.Errorf("unexpected member error %v", m)
				}
				delete(wantBad, m.Path)
			}
			if len(wantBad) != 0 {
				t.Errorf("member errors missing for %v (got %v)", wantBad, err)
			}

			for _, w := range []struct {
				tok                 int
				path, field, author string
				time                time.Time
				attrs               map[string]string
				line                int // the message's line in its day file
			}{
				{0, "export!channels.json", "topic", "alice", time.Unix(1709287200, 0),
					map[string]string{"channel": "#general", "user": "U01 (alice)"}, 0},
				{1, "export!general/2024-03-01.json", "text", "alice", time.Unix(1709288430, 200000),
					map[string]string{"channel": "#general", "user": "U01 (alice)", "ts": "1709288430.000200"}, 2},
				{2, "export!general/2024-03-01.json", "attachments[0].fallback", "ci-bot", time.Unix(1709288500, 0),
					map[string]string{"channel": "#general", "user": "B01 (ci-bot)"}, 3},
				{3, "export!general/2024-03-01.json", "files[0].preview", "bob", time.Unix(1709288600, 100000),
					map[string]string{"user": "U02 (bob)", "thread_ts": "1709288430.000200"}, 5},
				{4, "export!general/2024-03-01.json", "blocks[0].elements[0].elements[1].text", "U03", time.Unix(1709288700, 0),
					map[string]string{"user": "U03"}, 7},
				{9, "export!general/2024-03-01.json", "attachments[0].fields[0].value", "deploy-bot", time.Unix(1709288800, 0),
					map[string]string{"channel": "#general", "user": "B02 (deploy-bot)", "ts": "1709288800.000000"}, 10},
				{5, "export!D01/2024-03-02.json", "text", "bob", time.Unix(1709370000, 500000000),
					map[string]string{"channel": "@alice,bob"}, 1},
				{7, "export!random/2024-03-04.json", "text", "alice", time.Unix(1709500001, 0),
					map[string]string{"channel": "#random"}, 1},
			} {
				if it := find(t, *items, toks[w.tok]); it.Prov.Line != w.line {
					t.Errorf("token %d: line %d in the day file, want %d", w.tok, it.Prov.Line, w.line)
				}
				it := find(t, *items, toks[w.tok])
				if !it.Text || it.Prov.Path != w.path || it.Prov.Field != w.field || it.Prov.Author != w.author {
					t.Errorf("token %d: text %v path %q field %q author %q, want %q %q %q",
						w.tok, it.Text, it.Prov.Path, it.Prov.Field, it.Prov.Author, w.path, w.field, w.author)
				}
				if !it.Prov.Time.Equal(w.time) || it.Prov.Time.Location() != time.UTC {
					t.Errorf("token %d: time %v, want %v UTC", w.tok, it.Prov.Time, w.time.UTC())
				}
				for k, v := range w.attrs {
					if it.Prov.Attrs[k] != v {
						t.Errorf("token %d: attr %s = %q, want %q", w.tok, k, it.Prov.Attrs[k], v)
					}
				}
				if want := []string{"export", strings.TrimPrefix(w.path, "export!")}; strings.Join(it.Prov.Chain, "|") != strings.Join(want, "|") {
					t.Errorf("token %d: chain %q, want %q", w.tok, it.Prov.Chain, want)
				}
				if it.Size != int64(len(it.data)) {
					t.Errorf("token %d: size %d for %d bytes", w.tok, it.Size, len(it.data))
				}
			}
			// The block leaf that repeats the text is not yielded again.
			for _, it := range *items {
				if strings.HasPrefix(it.Prov.Field, "blocks") && strings.Contains(it.data, "with") {
					t.Errorf("block text repeating the message was yielded: %q", it.Prov.Path)
				}
			}
			raw := find(t, *items, toks[8])
			if raw.Text || raw.Prov.Path != "export!integration_logs.json" || raw.Name != "integration_logs.json" {
				t.Errorf("other file: text %v path %q name %q, want a raw item", raw.Text, raw.Prov.Path, raw.Name)
			}
			find(t, *items, "not a day file")
			for _, it := range *items {
				if strings.Contains(it.data, toks[6]) {
					t.Errorf("truncated day file yielded %q", it.Prov.Field)
				}
			}
		})
	}
}

func TestSniffFSNearMisses(t *testing.T) {
	for _, tc := range []struct {
		name  string
		files map[string]string
		want  Format
	}{
		{"slack", map[string]string{"users.json": "[]", "general/2024-01-01.json": "[]"}, FormatSlack},
		{"slack metadata without channels", map[string]string{"channels.json": "[]", "general/notes.json": "[]"}, FormatNone},
		{"day files without metadata", map[string]string{"general/2024-01-01.json": "[]", "other.json": "{}"}, FormatNone},
		{"actions", map[string]string{"build/1_Set up job.txt": "\ufeff2024-01-02T03:04:05.1234567Z Starting\n"}, FormatActionsLogs},
		{"step names without timed lines", map[string]string{"1_notes.txt": "hello\n", "docs/2_more.txt": "x"}, FormatNone},
		{"plain project", map[string]string{"main.go": "package main", "README.md": "# hi"}, FormatNone},
		{"empty", map[string]string{}, FormatNone},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			writeTree(t, dir, tc.files)
			if got := SniffFS(os.DirFS(dir)); got != tc.want {
				t.Errorf("SniffFS(dir) = %v, want %v", got, tc.want)
			}
			if got := SniffFS(zipTree(t, tc.files)); got != tc.want {
				t.Errorf("SniffFS(zip) = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestStringLeaves(t *testing.T) {
	doc := `{"text":"a","n":1,"ok":true,"x":null,"attachments":[{"fields":[{"value":"b"}]},"c"],"odd key":{"k.1":"d"},"":"e"}`
	var got []string
	err := stringLeaves([]byte(doc), func(path, s string) error {
		got = append(got, path+"="+s)
		return nil
	})
	want := []string{"text=a", "attachments[0].fields[0].value=b", "attachments[1]=c", `["odd key"]["k.1"]=d`, `[""]=e`}
	if err != nil || strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("leaves %q, %v; want %q", got, err, want)
	}
	if err := stringLeaves([]byte(`{"a":[`), func(string, string) error { return nil }); err == nil {
		t.Error("truncated document: no error")
	}
}
