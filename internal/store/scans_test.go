package store

import (
	"reflect"
	"testing"
	"time"

	"github.com/hfwarden/hfwarden/internal/incident"
)

// TestScanRuns: a scan is recorded whatever it found, and listed from a
// time on, oldest first; recording the same id again replaces it.
func TestScanRuns(t *testing.T) {
	each(t, func(t *testing.T, st Store, _ string) {
		ctx := t.Context()
		runs := []incident.ScanRun{
			{ID: "s1", At: t0, Kinds: []string{"file"}, Targets: []string{"src"}, Complete: true},
			{ID: "s2", At: t0.Add(time.Hour), Kinds: []string{"git"}, Targets: []string{"/srv/a", "https://example.com/b.git"}, Complete: true},
			{ID: "s3", At: t0.Add(2 * time.Hour), Kinds: []string{"image"}, Targets: []string{"acme/app:1"}},
		}
		for _, r := range runs {
			if err := st.RecordScanRun(ctx, r); err != nil {
				t.Fatal(err)
			}
		}
		again := runs[2]
		again.Complete = true
		if err := st.RecordScanRun(ctx, again); err != nil {
			t.Fatal(err)
		}
		cases := []struct {
			since time.Time
			want  []incident.ScanRun
		}{
			{t0.Add(-time.Hour), []incident.ScanRun{runs[0], runs[1], again}},
			{t0.Add(time.Hour), []incident.ScanRun{runs[1], again}},
			{t0.Add(3 * time.Hour), []incident.ScanRun{}},
		}
		for _, c := range cases {
			got, err := st.ScanRuns(ctx, c.since)
			if err != nil {
				t.Fatal(err)
			}
			for i := range got {
				got[i].At = got[i].At.UTC()
			}
			if !reflect.DeepEqual(got, c.want) {
				t.Errorf("since %v:\n got %+v\nwant %+v", c.since, got, c.want)
			}
		}
		if err := st.RecordScanRun(ctx, incident.ScanRun{}); err == nil {
			t.Error("a scan run without an id was accepted")
		}
	})
}
