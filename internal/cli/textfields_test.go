package cli

import (
	"strings"
	"testing"
	"time"

	"github.com/hfwarden/hfwarden/internal/assess"
	"github.com/hfwarden/hfwarden/internal/audit"
	"github.com/hfwarden/hfwarden/internal/finding"
	"github.com/hfwarden/hfwarden/internal/incident"
	"github.com/hfwarden/hfwarden/internal/pin"
)

// forged is a data field that, printed raw, would end its line and start
// a forged one.
const forged = "x\n  FORGED LINE\r\tz"

// TestTextFieldsKeepTheirLine: each text writer prints a newline, carriage
// return or tab in a data field (a Hub name, a file path, a commit
// author, a pin diff) escaped, so that the layout has exactly its own
// lines and no line begins with the forged text.
func TestTextFieldsKeepTheirLine(t *testing.T) {
	now := time.Date(2026, 2, 6, 10, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name  string
		lines int // the layout's own
		write func(*strings.Builder)
	}{
		{"incidents show", 10, func(b *strings.Builder) {
			in := &incident.Incident{ID: 1, Redacted: "hf_ab…yz", Rule: "hf-user-token", Owner: "al" + forged, Assignee: forged,
				State: incident.Open, FirstSeen: now, Verification: &finding.Verification{Status: "live", Reason: forged, CheckedAt: now}}
			occ := []incident.Occurrence{{ID: 1, Finding: finding.Finding{Source: "file", Location: finding.Location{Path: forged + ".env", Line: 1, Column: 3}}}}
			ev := []incident.Event{{At: now, Actor: forged, Kind: "note", Message: forged}}
			incident.WriteText(b, in, occ, ev, nil)
		}},
		{"assess", 13, func(b *strings.Builder) {
			assess.WriteText(b, &assess.Report{Status: "live", Redacted: "hf_ab…yz", Severity: "high", Owner: "carol", Fullname: "Carol" + forged,
				Email: forged, Reasons: []string{forged}, Orgs: []assess.Org{{Name: forged, Role: "admin"}},
				Repos: []assess.Repo{{ID: "carol/" + forged, Type: "model", Access: "write"}}})
		}},
		{"audit", 2, func(b *strings.Builder) {
			audit.WriteText(b, &audit.Report{Since: now, Until: now, Checked: []string{"model/carol/m"},
				Findings: []audit.Finding{{Kind: "new-commit", Repo: "model/carol/m", Severity: "high", Evidence: "commit by mallory" + forged, Author: "mallory" + forged}}})
		}},
		{"verify-pin", 3, func(b *strings.Builder) {
			pin.WriteResults(b, []pin.Result{
				{Type: "model", Repo: "carol/m", Revision: "main", Diffs: []pin.Diff{{Kind: pin.Added, Path: forged, Got: forged}}},
				{Type: "model", Repo: "carol/" + forged, Error: forged},
			})
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var b strings.Builder
			tc.write(&b)
			out := b.String()
			if strings.Contains(out, "\r") || strings.Contains(out, "\n  FORGED") {
				t.Errorf("a field broke its line:\n%s", out)
			}
			if !strings.Contains(out, `\n  FORGED LINE\r\tz`) {
				t.Errorf("the field is not shown escaped:\n%s", out)
			}
			if got := strings.Count(out, "\n"); got != tc.lines {
				t.Errorf("%d lines, want the layout's %d:\n%s", got, tc.lines, out)
			}
		})
	}
}
