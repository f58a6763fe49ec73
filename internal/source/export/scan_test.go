package export_test

import (
	"archive/zip"
	"bytes"
	"context"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/hfwarden/hfwarden/internal/scan"
	"github.com/hfwarden/hfwarden/internal/source"
	"github.com/hfwarden/hfwarden/internal/source/export"
)

// TestScanSlackZip runs the scanner over what ReadFS yields for a Slack
// export zip: the finding carries the message's place, author and time.
func TestScanSlackZip(t *testing.T) {
	// "hf_" and 34 letters, put together at run time.
	tok := "hf_" + strings.Repeat("QwErTyUiOpAsDfGhJk", 2)[:34]
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for name, data := range map[string]string{
		"users.json":              `[{"id":"U01","name":"alice"}]`,
		"channels.json":           `[{"id":"C01","name":"general"}]`,
		"general/2024-03-01.json": `[{"type":"message","user":"U01","text":"HF_TOKEN=` + tok + `","ts":"1709288430.000200"}]`,
	} {
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := io.WriteString(w, data); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	zr, err := zip.NewReader(bytes.NewReader(buf.Bytes()), int64(buf.Len()))
	if err != nil {
		t.Fatal(err)
	}
	if f := export.SniffFS(zr); f != export.FormatSlack {
		t.Fatalf("SniffFS = %v", f)
	}
	s := scan.New(scan.Options{Workers: 1})
	res, err := s.Scan(t.Context(), scan.Items(func(ctx context.Context, visit source.Visit) error {
		return export.ReadFS(ctx, export.FormatSlack, zr, source.FileProvenance("file", "slack.zip"), visit)
	}))
	findings := res.Findings
	if err != nil {
		t.Fatal(err)
	}
	if len(findings) != 1 {
		t.Fatalf("%d findings, want 1", len(findings))
	}
	f := findings[0]
	loc := f.Location
	if loc.Path != "slack.zip!general/2024-03-01.json" || loc.Field != "text" || loc.Attrs["channel"] != "#general" || loc.Attrs["user"] != "U01 (alice)" {
		t.Errorf("location %+v", loc)
	}
	if f.Time == nil || !f.Time.Equal(time.Unix(1709288430, 200000)) {
		t.Errorf("time %v", f.Time)
	}
	if f.Secret != "" || strings.Contains(f.Redacted, tok) {
		t.Error("the finding holds the raw token")
	}
}

// TestScanExportErrorNamesFileOnce: the scanner prefixes a reader's error
// with the file's path, so the reader's own message must not repeat it.
func TestScanExportErrorNamesFileOnce(t *testing.T) {
	for _, tc := range []struct{ name, data, says string }{
		{"gh_trunc.json", `[{"url":"https://api.github.com/repos/o/r/issues/comments/1","html_url":"https://github.com/o/r/issues/1#issuecomment-1",` +
			`"issue_url":"https://api.github.com/repos/o/r/issues/1","id":1,"user":{"login":"octocat","id":1},"body":"x"},`, "truncated JSON"},
		{"jira.xml", `<?xml version="1.0"?><rss version="0.92"><channel><item><key>A-1</key>`, "invalid XML"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := scan.New(scan.Options{Workers: 1})
			res, err := s.Scan(t.Context(), scan.Items(func(ctx context.Context, visit source.Visit) error {
				it := source.Item{Prov: source.FileProvenance("file", tc.name), Name: tc.name, Size: int64(len(tc.data))}
				return visit(ctx, it, strings.NewReader(tc.data))
			}))
			stats := res.Stats
			if err != nil {
				t.Fatal(err)
			}
			if len(stats.ErrorList) != 1 {
				t.Fatalf("errors %q, want one", stats.ErrorList)
			}
			msg := stats.ErrorList[0]
			if !strings.HasPrefix(msg, tc.name+": ") || strings.Count(msg, tc.name) != 1 || !strings.Contains(msg, tc.says) {
				t.Errorf("error %q: want %q named once, then %q", msg, tc.name, tc.says)
			}
		})
	}
}
