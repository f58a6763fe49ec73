package incidentreport

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/hfwarden/hfwarden/internal/audit"
)

func TestFromAudit(t *testing.T) {
	at := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	since := at.Add(-48 * time.Hour)
	bad := &audit.Report{Since: since, Until: at, Checked: []string{"model/a/m", "space/a/s"}, Unpinned: []string{"space/a/s"},
		Findings: []audit.Finding{
			{Kind: audit.KindCommitInWindow, Repo: "model/a/m", Severity: audit.Medium, Evidence: "commit 1234 \"Update\""},
			{Kind: "unsafe-pickle", Repo: "model/a/m", Severity: audit.Critical, Evidence: "pytorch_model.bin imports posix.system"},
		}, Warnings: []string{"model/a/x: listing refs: 403"}}
	// Nothing could be read (the token was revoked): not done.
	blind := &audit.Report{Since: since, Until: at, Checked: []string{}, Findings: []audit.Finding{},
		Warnings: []string{"model/a/m: listing refs: 401", "listing webhooks: 401"}}
	clean := &audit.Report{Since: since, Until: at, Checked: []string{"model/a/m"}, Findings: []audit.Finding{}}
	tests := []struct {
		name       string
		r          *audit.Report
		status     string
		firstLine  string
		inSummary  []string
		findingsNo int
	}{
		{"findings", bad, StatusAttention, "[critical] unsafe-pickle model/a/m: pytorch_model.bin imports posix.system",
			[]string{"2 repositories checked", "1 unpinned (space/a/s)", "2 findings, 1 high or worse", "1 checks could not run"}, 3},
		{"nothing checked", blind, StatusPending, "", []string{"0 repositories checked", "2 checks could not run", "owner's token"}, 2},
		{"clean", clean, StatusDone, "", []string{"1 repositories checked", "no findings"}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sec := FromAudit(tt.r, at)
			if len(sec.Findings) != tt.findingsNo {
				t.Fatalf("findings %q", sec.Findings)
			}
			if tt.firstLine != "" && sec.Findings[0] != tt.firstLine {
				t.Errorf("first line %q, want %q", sec.Findings[0], tt.firstLine)
			}
			for _, s := range tt.inSummary {
				if !strings.Contains(sec.Summary, s) {
					t.Errorf("summary %q lacks %q", sec.Summary, s)
				}
			}
			d := fresh()
			d.Audit = sec
			// Contained within the audit's window: the audit covers it.
			contained := since.Add(time.Hour)
			d.Incident.ContainedAt = &contained
			v := build(d)
			if st := v.Checklist[4]; st.Status != tt.status {
				t.Errorf("step 5 = %+v, want %s", st, tt.status)
			}
			var html, md bytes.Buffer
			if err := HTML(&html, d); err != nil {
				t.Fatal(err)
			}
			if err := Markdown(&md, d); err != nil {
				t.Fatal(err)
			}
			for _, out := range []string{html.String(), md.String()} {
				if !strings.Contains(out, "Audit") || (tt.firstLine != "" && !strings.Contains(out, "unsafe-pickle")) {
					t.Errorf("audit section missing from output")
				}
			}
			if !strings.Contains(html.String(), `data-status="`+tt.status+`"`) {
				t.Errorf("HTML checklist lacks status %s", tt.status)
			}
		})
	}
	if FromAudit(nil, at) != nil {
		t.Error("FromAudit(nil) is not nil")
	}
}
