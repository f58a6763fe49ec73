package store

import (
	"strings"
	"testing"
	"time"

	"github.com/hfwarden/hfwarden/internal/audit"
	"github.com/hfwarden/hfwarden/internal/finding"
)

func TestAudits(t *testing.T) {
	each(t, func(t *testing.T, st Store, dsn string) {
		ctx := t.Context()
		res, err := st.RecordScan(ctx, "s", []finding.Finding{tokenFinding(fakeToken(newRand()), "a.py", 1)}, t0)
		if err != nil {
			t.Fatal(err)
		}
		id := res.Incidents[0]
		if r, _, err := st.Audit(ctx, id); err != nil || r != nil {
			t.Fatalf("no audit yet: %v %v", r, err)
		}
		when := t0.Add(2 * time.Hour)
		first := &audit.Report{Since: t0, Until: when, Owner: "alice", Checked: []string{"model/alice/m"}, Unpinned: []string{}, Findings: []audit.Finding{}}
		second := &audit.Report{Since: t0, Until: when.Add(time.Hour), Owner: "alice", Checked: []string{"model/alice/m", "space/alice/s"},
			Unpinned: []string{"space/alice/s"}, Findings: []audit.Finding{
				{Kind: audit.KindWebhook, Repo: "space/alice/s", Severity: audit.High, Evidence: "webhook w1 created"},
				{Kind: audit.KindCommitInWindow, Repo: "model/alice/m", Severity: audit.Medium, Evidence: "commit"},
			}}
		if err := st.SaveAudit(ctx, id, first, when); err != nil {
			t.Fatal(err)
		}
		if err := st.SaveAudit(ctx, id, second, when.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		got, at, err := st.Audit(ctx, id)
		if err != nil || got == nil {
			t.Fatalf("Audit: %v %v", got, err)
		}
		if !at.Equal(when.Add(time.Hour)) || len(got.Findings) != 2 || got.Findings[0].Kind != audit.KindWebhook || got.Unpinned[0] != "space/alice/s" {
			t.Fatalf("latest audit at %s: %+v", at, got)
		}
		ev, err := st.Events(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		var msgs []string
		for _, e := range ev {
			if e.Kind == "audit" {
				msgs = append(msgs, e.Message)
			}
		}
		if len(msgs) != 2 || !strings.Contains(msgs[1], "2 findings, 1 high or worse") || !strings.Contains(msgs[1], "(1 unpinned)") {
			t.Fatalf("audit events: %q", msgs)
		}
		if err := st.SaveAudit(ctx, id+1000, first, when); err == nil {
			t.Fatal("audit of a missing incident saved")
		}
		if err := st.SaveAudit(ctx, id, nil, when); err == nil {
			t.Fatal("nil audit saved")
		}
		// Audits survive reopening.
		closeStore(t, st)
		st2 := openTest(t, dsn)
		if r, _, err := st2.Audit(ctx, id); err != nil || r == nil || len(r.Findings) != 2 {
			t.Fatalf("after reopening: %v %v", r, err)
		}
	})
}
