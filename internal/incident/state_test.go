package incident

import "testing"

// allStates is every state, in the order of the table below.
var allStates = []State{Open, RevokeRequested, Contained, Audited, Resolved, FalsePositive, AcceptedRisk}

// TestCanMoveEveryPair spells out the whole state machine, written here
// independently of transitions: every pair of states, allowed or not.
func TestCanMoveEveryPair(t *testing.T) {
	const (
		y = true
		n = false
	)
	// Rows are from, columns to, both in allStates order: open, revoke-
	// requested, contained, audited, resolved, false-positive, accepted-risk.
	table := map[State][]bool{
		Open:            {n, y, y, n, y, y, y},
		RevokeRequested: {y, n, y, n, y, y, y}, // resolved with a reason: the issuer confirmed it
		Contained:       {y, n, n, y, y, n, n},
		Audited:         {y, n, n, n, y, n, n},
		Resolved:        {y, n, n, n, n, n, n},
		FalsePositive:   {y, n, n, n, n, n, n},
		AcceptedRisk:    {y, n, n, n, n, n, n},
	}
	if len(table) != len(allStates) || len(transitions) != len(allStates) {
		t.Fatalf("%d rows, %d states in transitions, want %d", len(table), len(transitions), len(allStates))
	}
	for _, from := range allStates {
		for j, to := range allStates {
			if got := CanMove(from, to); got != table[from][j] {
				t.Errorf("CanMove(%s, %s) = %v, want %v", from, to, got, table[from][j])
			}
		}
	}
	// States nobody defined go nowhere and come from nowhere.
	for _, s := range allStates {
		if CanMove("reopened", s) || CanMove(s, "reopened") || CanMove("", s) {
			t.Errorf("a move with %s and an unknown state allowed", s)
		}
	}
}

// TestCheckMove: a refused move names both states; a move that closes an
// incident without fixing it (false positive, accepted risk) needs a
// reason; every other allowed move needs none.
func TestCheckMove(t *testing.T) {
	tests := []struct {
		from, to State
		reason   string
		wantErr  string // "" for no error
	}{
		{Open, RevokeRequested, "", ""},
		{Open, Contained, "", ""},
		{RevokeRequested, Contained, "", ""},
		{Contained, Audited, "", ""},
		{Audited, Resolved, "", ""},
		{Resolved, Open, "", ""},
		{Open, Resolved, "", ""},
		{Open, FalsePositive, "test fixture", ""},
		{Open, AcceptedRisk, "read-only token of a public mirror", ""},
		{RevokeRequested, FalsePositive, "documentation sample", ""},
		{Open, FalsePositive, "", "moving to false-positive needs a reason"},
		{Open, AcceptedRisk, "", "moving to accepted-risk needs a reason"},
		{RevokeRequested, AcceptedRisk, "", "moving to accepted-risk needs a reason"},
		{Contained, Open, "", ""},
		{Open, Audited, "", "an incident cannot go from open to audited"},
		{Resolved, Contained, "", "an incident cannot go from resolved to contained"},
		{Contained, FalsePositive, "it was real", "an incident cannot go from contained to false-positive"},
		{FalsePositive, AcceptedRisk, "why not", "an incident cannot go from false-positive to accepted-risk"},
		{Open, Open, "", "an incident cannot go from open to open"},
		{"bogus", Open, "", "an incident cannot go from bogus to open"},
	}
	for _, tt := range tests {
		err := CheckMove(tt.from, tt.to, tt.reason)
		switch {
		case tt.wantErr == "" && err != nil:
			t.Errorf("CheckMove(%s, %s, %q) = %v, want nil", tt.from, tt.to, tt.reason, err)
		case tt.wantErr != "" && (err == nil || err.Error() != tt.wantErr):
			t.Errorf("CheckMove(%s, %s, %q) = %v, want %q", tt.from, tt.to, tt.reason, err, tt.wantErr)
		}
		// CheckMove allows exactly what CanMove allows, given a reason.
		if tt.reason != "" && (err == nil) != CanMove(tt.from, tt.to) {
			t.Errorf("CheckMove(%s, %s) and CanMove disagree", tt.from, tt.to)
		}
	}
}

// TestByHandEveryPair: by hand is every allowed move except the two only
// revoke may state (revoke-requested, contained), which need the Hub's
// answer as proof.
func TestByHandEveryPair(t *testing.T) {
	for _, from := range allStates {
		for _, to := range allStates {
			want := CanMove(from, to) && to != Contained && to != RevokeRequested
			if got := ByHand(from, to); got != want {
				t.Errorf("ByHand(%s, %s) = %v, want %v", from, to, got, want)
			}
		}
	}
	// Every closed state can be reopened by hand.
	for _, s := range []State{Resolved, FalsePositive, AcceptedRisk, Audited, Contained} {
		if !ByHand(s, Open) {
			t.Errorf("%s cannot be reopened by hand", s)
		}
	}
}
