package audit

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestReadAuditLog(t *testing.T) {
	tests := []struct {
		name, in string
		want     []LogEvent
		wantErr  string
	}{
		{name: "array", in: `[{"type":"repo.download","createdAt":"2026-03-01T10:00:00Z","actor":{"user":"mallory"},"repo":{"name":"acme/model"},"location":"NL"}]`,
			want: []LogEvent{{Type: "repo.download", Time: time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC), Actor: "mallory", Repo: "acme/model", Location: "NL"}}},
		{name: "data wrapper and epoch millis", in: `{"data":[{"action":"token.create","timestamp":1772359200000,"user":"alice","description":"created token ci"}]}`,
			want: []LogEvent{{Type: "token.create", Time: time.UnixMilli(1772359200000).UTC(), Actor: "alice", Detail: "created token ci"}}},
		{name: "ndjson", in: "{\"type\":\"a\",\"time\":\"2026-03-01T10:00:00Z\"}\n\n{\"type\":\"b\",\"date\":\"2026-03-01 11:00:00\"}\n",
			want: []LogEvent{{Type: "a", Time: time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)}, {Type: "b", Time: time.Date(2026, 3, 1, 11, 0, 0, 0, time.UTC)}}},
		{name: "empty", in: "  ", want: []LogEvent{}},
		{name: "no type", in: `[{"createdAt":"2026-03-01T10:00:00Z"}]`, wantErr: "entry 1: no event type"},
		{name: "bad time", in: `[{"type":"x","createdAt":"yesterday"}]`, wantErr: `unreadable time "yesterday"`},
		{name: "no time", in: `[{"type":"x"}]`, wantErr: "x: no time"},
		{name: "not json", in: `type,createdAt`, wantErr: "not JSON"},
		{name: "broken line", in: "{\"type\":\"a\",\"time\":\"2026-03-01T10:00:00Z\"}\n{oops\n", wantErr: "line 2: malformed JSON"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ReadAuditLog(strings.NewReader(tt.in))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != len(tt.want) {
				t.Fatalf("got %d events %+v, want %d", len(got), got, len(tt.want))
			}
			for i := range got {
				if got[i] != tt.want[i] {
					t.Errorf("event %d = %+v, want %+v", i, got[i], tt.want[i])
				}
			}
		})
	}
}

// TestRunFlagsAuditLogEvents ingests an export file and checks that only
// the window's events become findings, ranked by what they touch.
func TestRunFlagsAuditLogEvents(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t)
	since := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	until := since.Add(48 * time.Hour)
	path := filepath.Join(t.TempDir(), "export.json")
	export := `{"data":[
		{"type":"repo.download","createdAt":"2026-02-28T23:59:59Z","actor":"alice","repo":"alice/model"},
		{"type":"repo.download","createdAt":"2026-03-01T10:00:00Z","actor":"mallory","repo":"alice/model","location":"203.0.113.x"},
		{"type":"repo.update_settings","createdAt":"2026-03-01T11:00:00Z","actor":"alice","repo":"alice/model","description":"visibility public"},
		{"type":"token.create","createdAt":"2026-03-02T09:00:00Z","actor":"alice"},
		{"type":"org.view","createdAt":"2026-03-02T09:30:00Z","actor":"alice"},
		{"type":"repo.download","createdAt":"2026-03-04T00:00:00Z","actor":"alice","repo":"alice/model"}
	]}`
	if err := os.WriteFile(path, []byte(export), 0o600); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = f.Close() }() // opened read-only: closing it loses nothing
	events, err := ReadAuditLog(f)
	if err != nil {
		t.Fatal(err)
	}
	r, err := Run(ctx, Options{Client: e.c, Token: e.token, Since: since, Until: until, Owner: "alice", AuditLog: events})
	if err != nil {
		t.Fatal(err)
	}
	sev := map[string]string{}
	for _, f := range r.Findings {
		if f.Kind == KindAuditLogEvent {
			sev[f.Ref] = f.Severity
		}
	}
	want := map[string]string{"repo.download": Medium, "repo.update_settings": High, "token.create": High, "org.view": Low}
	if len(sev) != len(want) {
		t.Errorf("audit-log findings %v, want %v", sev, want)
	}
	for k, v := range want {
		if sev[k] != v {
			t.Errorf("%s: severity %q, want %q", k, sev[k], v)
		}
	}
	n := 0
	for _, f := range r.Findings {
		if f.Kind == KindAuditLogEvent {
			n++
			if f.Time.Before(since) || f.Time.After(until) {
				t.Errorf("event outside the window flagged: %+v", f)
			}
		}
	}
	if n != 4 {
		t.Errorf("%d audit-log findings, want 4", n)
	}
	var dl *Finding
	for i, f := range r.Findings {
		if f.Ref == "repo.download" {
			dl = &r.Findings[i]
		}
	}
	if dl == nil || dl.Repo != "alice/model" || !strings.Contains(dl.Evidence, "mallory") || !strings.Contains(dl.Evidence, "203.0.113.x") {
		t.Errorf("download finding = %+v", dl)
	}
}
