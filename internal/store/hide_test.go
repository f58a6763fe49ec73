package store

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/hfwarden/hfwarden/internal/finding"
	"github.com/hfwarden/hfwarden/internal/incident"
	"github.com/hfwarden/hfwarden/internal/secret"
)

// TestTypedTextHidesSecrets: a token typed where a name or a sentence is
// expected (a note, an assignee, an actor, a reason, a scan target) is
// stored as its label, never raw; before, `incidents assign 1 $T` and
// HFWARDEN_ACTOR=$T kept it in the store and showed it back.
func TestTypedTextHidesSecrets(t *testing.T) {
	each(t, func(t *testing.T, st Store, _ string) {
		ctx := t.Context()
		r := newRand()
		leaked, typed := fakeToken(r), fakeToken(r)
		res, err := st.RecordScan(ctx, "s", []finding.Finding{tokenFinding(leaked, "a", 1)}, t0)
		if err != nil {
			t.Fatal(err)
		}
		id := res.Incidents[0]
		steps := []struct {
			name string
			do   func() error
		}{
			{"note", func() error { return st.AddNote(ctx, id, "bob", "the token was "+typed, t0.Add(time.Minute)) }},
			{"assign", func() error { return st.Assign(ctx, id, "bob", typed, t0.Add(2*time.Minute)) }},
			{"actor", func() error { return st.AddNote(ctx, id, typed, "x", t0.Add(3*time.Minute)) }},
			{"reason", func() error {
				return st.Transition(ctx, id, incident.FalsePositive, "bob", "test key "+typed, t0.Add(4*time.Minute))
			}},
			{"target", func() error {
				return st.RecordScanRun(ctx, incident.ScanRun{ID: "s", At: t0, Kinds: []string{"file"}, Targets: []string{"d/backup_" + typed + ".txt"}})
			}},
		}
		for _, s := range steps {
			if err := s.do(); err != nil {
				t.Fatalf("%s: %v", s.name, err)
			}
		}
		in, _ := st.Incident(ctx, id)
		evs, _ := st.Events(ctx, id)
		runs, _ := st.ScanRuns(ctx, time.Time{})
		b, _ := json.Marshal([]any{in, evs, runs})
		if strings.Contains(string(b), typed) {
			t.Errorf("a typed token was stored raw: %s", b)
		}
		label := secret.Label(typed)
		if in.Assignee != label {
			t.Errorf("assignee %q, want %q", in.Assignee, label)
		}
		for _, want := range []string{"the token was " + label, "test key " + label, "d/backup_" + label + ".txt"} {
			if !strings.Contains(string(b), want) {
				t.Errorf("no %q in %s", want, b)
			}
		}
	})
}
