package incident

import (
	"strings"
	"testing"
	"time"

	"github.com/hfwarden/hfwarden/internal/finding"
)

func TestLiveAt(t *testing.T) {
	t0 := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	at := func(m int) time.Time { return t0.Add(time.Duration(m) * time.Minute) }
	v := func(status, ep string, m int) finding.Verification {
		return finding.Verification{Status: status, Endpoint: ep, CheckedAt: at(m)}
	}
	contained := at(5)
	for _, tc := range []struct {
		name      string
		contained *time.Time
		history   []finding.Verification
		want      []string // endpoints live
	}{
		{"none", nil, nil, nil},
		{"live", nil, []finding.Verification{v("live", "A", 1)}, []string{"A"}},
		{"unknown does not erase live", nil, []finding.Verification{v("live", "A", 1), v("unknown", "A", 2)}, []string{"A"}},
		{"unknown elsewhere does not erase live", nil, []finding.Verification{v("live", "A", 1), v("unknown", "X", 2)}, []string{"A"}},
		{"invalid elsewhere does not erase live", nil, []finding.Verification{v("live", "A", 1), v("invalid", "X", 2)}, []string{"A"}},
		{"invalid at the same endpoint does", nil, []finding.Verification{v("live", "A", 1), v("invalid", "A", 2)}, nil},
		{"live again", nil, []finding.Verification{v("live", "A", 1), v("invalid", "A", 2), v("live", "A", 3)}, []string{"A"}},
		{"out of order", nil, []finding.Verification{v("invalid", "A", 2), v("live", "A", 1)}, nil},
		{"two endpoints", nil, []finding.Verification{v("live", "B", 1), v("live", "A", 2)}, []string{"A", "B"}},
		{"contained after", &contained, []finding.Verification{v("live", "A", 1), v("live", "B", 2)}, nil},
		{"live after containment", &contained, []finding.Verification{v("live", "A", 1), v("live", "B", 6)}, []string{"B"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := LiveAt(&Incident{ContainedAt: tc.contained}, tc.history)
			var eps []string
			for _, g := range got {
				eps = append(eps, g.Endpoint)
			}
			if len(eps) != len(tc.want) {
				t.Fatalf("live at %v, want %v", eps, tc.want)
			}
			for i := range eps {
				if eps[i] != tc.want[i] {
					t.Fatalf("live at %v, want %v", eps, tc.want)
				}
			}
		})
	}
}

func TestHandMovesNeverContain(t *testing.T) {
	for _, to := range []State{Contained, RevokeRequested} {
		for from := range transitions {
			if ByHand(from, to) {
				t.Errorf("%s → %s allowed by hand", from, to)
			}
		}
	}
	if !ByHand(Open, AcceptedRisk) || !ByHand(Contained, Resolved) {
		t.Error("ordinary moves refused by hand")
	}
}

func TestCheckMoveReasons(t *testing.T) {
	for _, tc := range []struct {
		from, to State
		reason   string
		ok       bool
	}{
		{Open, Resolved, "", true},
		{Contained, Resolved, "", true},
		{Open, AcceptedRisk, "", false},
		{Open, AcceptedRisk, "kept on purpose", true},
		// Closing without hfwarden's proof must say why.
		{RevokeRequested, Resolved, "", false},
		{RevokeRequested, Resolved, "  ", false},
		{RevokeRequested, Resolved, "confirmed at github", true},
		{RevokeRequested, Audited, "confirmed", false},
	} {
		err := CheckMove(tc.from, tc.to, tc.reason)
		if (err == nil) != tc.ok {
			t.Errorf("%s → %s (reason %q): %v, want ok=%v", tc.from, tc.to, tc.reason, err, tc.ok)
		}
	}
}

func TestProvesContainment(t *testing.T) {
	t0 := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	at := func(m int) time.Time { return t0.Add(time.Duration(m) * time.Minute) }
	v := func(status, ep string, m int) finding.Verification {
		return finding.Verification{Status: status, Endpoint: ep, CheckedAt: at(m)}
	}
	for _, tc := range []struct {
		name    string
		history []finding.Verification
		earlier time.Time
		ok      bool
		why     string
	}{
		{"live here", []finding.Verification{v("live", "A", 1)}, time.Time{}, true, ""},
		{"live elsewhere only", []finding.Verification{v("live", "B", 1)}, time.Time{}, false, "never saw"},
		{"rejected here before", []finding.Verification{v("live", "B", 1), v("invalid", "A", 2)}, time.Time{}, false, "rejected the token before"},
		{"live then rejected here", []finding.Verification{v("live", "A", 1), v("invalid", "A", 2)}, time.Time{}, false, "rejected the token before"},
		{"unknown here", []finding.Verification{v("unknown", "A", 1)}, time.Time{}, false, "never saw"},
		{"live here only after the request", []finding.Verification{v("live", "A", 11)}, time.Time{}, false, "never saw"},
		// An earlier request of the same response took effect there.
		{"live before an earlier request", []finding.Verification{v("live", "A", 1), v("invalid", "A", 3)}, at(2), true, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ok, why := ProvesContainment(&Incident{}, tc.history, "A", at(10), tc.earlier)
			if ok != tc.ok || !strings.Contains(why, tc.why) {
				t.Fatalf("proves %v (%q), want %v (%q)", ok, why, tc.ok, tc.why)
			}
		})
	}
}
