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
		io.WriteString(w, data)
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
	findings, _, err := s.RunItems(context.Background(), func(ctx context.Context, visit source.Visit) error {
		return export.ReadFS(ctx, export.FormatSlack, zr, source.FileProvenance("file", "slack.zip"), visit)
	})
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
