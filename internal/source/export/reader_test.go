package export

import (
	"bytes"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/hfwarden/hfwarden/internal/source"
	"github.com/hfwarden/hfwarden/internal/source/sourcetest"
)

func fileInput(name, data string) *source.Input {
	b := []byte(data)
	head := b[:min(len(b), source.SniffLen)]
	return &source.Input{
		Item:   source.Item{Prov: source.FileProvenance("file", name), Name: name, Size: int64(len(b))},
		Head:   head,
		R:      bytes.NewReader(b[len(head):]),
		Budget: source.NewBudget(source.Limits{}),
	}
}

// TestFileReader: an export is read message by message, then its bytes
// without what the messages gave; one cut short is noted; a JSON-lines
// log is marked and left to the next reader.
func TestFileReader(t *testing.T) {
	toks := tokens(t, 3)
	post := func(msg string) string {
		return `{"type":"post","post":{"team":"t","channel":"c","user":"u","message":"` + msg + `","create_at":1700000000000}}`
	}
	t.Run("mattermost", func(t *testing.T) {
		h := sourcetest.New()
		data := `{"type":"version","version":1}` + "\n" + post("use "+toks[0]) + "\n" + `{"type":"unknown","x":"` + toks[1] + `"}` + "\n"
		if err := FileReader().Open(t.Context(), fileInput("export.jsonl", data), h); err != nil {
			t.Fatal(err)
		}
		if got, want := h.Secrets(), toks[:2]; !slices.Equal(got, want) {
			t.Errorf("secrets %q, want %q", got, want)
		}
		if len(h.Scanned) != 1 || !h.Scanned[0].Bytes.Rescan || h.Scanned[0].Data != data {
			t.Errorf("scanned: %+v", h.Scanned)
		}
		if len(h.Warnings) != 0 {
			t.Errorf("warnings: %q", h.Warnings)
		}
	})
	t.Run("cut short", func(t *testing.T) {
		h := sourcetest.New()
		data := `{"id":"1","key":"OPS-1","fields":{"description":"` + toks[2]
		if err := FileReader().Open(t.Context(), fileInput("issue.json", data), h); err != nil {
			t.Fatal(err)
		}
		if len(h.Warnings) != 1 || !strings.HasSuffix(h.Warnings[0], "issue.json: not a well-formed jira-json export: its bytes were scanned as they are") {
			t.Errorf("warnings: %q", h.Warnings)
		}
		if got := h.Secrets(); !slices.Equal(got, toks[2:]) {
			t.Errorf("secrets %q", got)
		}
	})
	t.Run("json lines", func(t *testing.T) {
		h := sourcetest.New()
		in := fileInput("events.log", `{"a":1}`+"\n"+`{"a":2}`+"\n")
		if err := FileReader().Open(t.Context(), in, h); !errors.Is(err, source.ErrSkip) {
			t.Errorf("err = %v, want ErrSkip", err)
		}
		if !in.Item.Prov.JSONLines || len(h.Scanned)+len(h.Members) != 0 {
			t.Errorf("JSONLines %v, scanned %d, members %d", in.Item.Prov.JSONLines, len(h.Scanned), len(h.Members))
		}
	})
}

// TestSlackDir: an unpacked Slack export is one item, read channel by
// channel, then file by file as raw bytes.
func TestSlackDir(t *testing.T) {
	toks := tokens(t, 10)
	files := map[string]string{}
	for k, v := range slackFiles {
		files[k] = fill(v, toks)
	}
	dir := t.TempDir()
	writeTree(t, dir, files)
	if !SlackDir().SniffDir(dir) {
		t.Fatal("not sniffed")
	}
	empty := t.TempDir()
	writeTree(t, empty, map[string]string{"users.json": "[]"})
	if SlackDir().SniffDir(empty) {
		t.Error("users.json alone sniffed as an export")
	}
	h := sourcetest.New()
	in := &source.Input{Item: source.Item{Prov: source.FileProvenance("file", dir), Size: -1}, Path: dir, Budget: source.NewBudget(source.Limits{})}
	if err := SlackDir().OpenDir(t.Context(), in, h); err != nil {
		t.Fatal(err)
	}
	channels := map[string]bool{}
	for _, m := range h.Members {
		channels[m.Item.Prov.Attrs["channel"]] = true
		if m.Depth != 1 {
			t.Errorf("%s at depth %d", m.Item.Prov.Path, m.Depth)
		}
	}
	if !channels["#general"] {
		t.Errorf("channels %v", channels)
	}
	rescanned := 0
	for _, s := range h.Scanned {
		if s.Bytes.Rescan {
			rescanned++
		}
	}
	if rescanned != len(files) {
		t.Errorf("%d files rescanned, want %d", rescanned, len(files))
	}
}
