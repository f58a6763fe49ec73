package store

import (
	"bytes"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hfwarden/hfwarden/internal/assess"
	"github.com/hfwarden/hfwarden/internal/finding"
	"github.com/hfwarden/hfwarden/internal/incident"
	"github.com/hfwarden/hfwarden/internal/scan"
	"github.com/hfwarden/hfwarden/internal/seal"
	"github.com/hfwarden/hfwarden/internal/secret"
)

// backend is a database the tests run on: SQLite always, PostgreSQL when
// HFWARDEN_TEST_POSTGRES holds a URL.
type backend struct {
	name string
	// dsn returns a fresh, empty database for one test.
	dsn func(t *testing.T) string
}

// pgSkip is why the PostgreSQL half of a test did not run, and how to run
// it: a skipped backend must say so, not pass in silence.
const pgSkip = "SKIP PostgreSQL store tests: HFWARDEN_TEST_POSTGRES is unset; run them with HFWARDEN_TEST_POSTGRES=postgres://postgres@127.0.0.1:5432/test?sslmode=disable go test ./internal/store"

// TestMain says once per run, on standard output, that the PostgreSQL
// tests are skipped; each skipped subtest says it again with t.Skip.
func TestMain(m *testing.M) {
	if os.Getenv("HFWARDEN_TEST_POSTGRES") == "" {
		fmt.Println(pgSkip)
	}
	os.Exit(m.Run())
}

// backends lists SQLite and PostgreSQL; without HFWARDEN_TEST_POSTGRES the
// PostgreSQL backend skips its subtest, naming the variable.
func backends(t *testing.T) []backend {
	bs := []backend{{name: "sqlite", dsn: func(t *testing.T) string {
		return filepath.Join(t.TempDir(), "data", "hfwarden.db")
	}}}
	url := os.Getenv("HFWARDEN_TEST_POSTGRES")
	bs = append(bs, backend{name: "postgres", dsn: func(t *testing.T) string {
		if url == "" {
			t.Skip(pgSkip)
		}
		return pgSchema(t, url)
	}})
	return bs
}

// pgSchema creates a schema of its own for one test and returns a DSN
// whose search_path points at it; the schema is dropped afterwards.
func pgSchema(t *testing.T, url string) string {
	t.Helper()
	db, err := sql.Open("pgx", url)
	if err != nil {
		t.Fatal(err)
	}
	schema := fmt.Sprintf("hfw_test_%d_%d", time.Now().UnixNano(), rand.IntN(1e6))
	if _, err := db.Exec(`CREATE SCHEMA ` + schema); err != nil {
		_ = db.Close() // the CREATE error is the one to report
		t.Fatalf("creating schema: %v", err)
	}
	t.Cleanup(func() {
		if _, err := db.Exec(`DROP SCHEMA ` + schema + ` CASCADE`); err != nil {
			t.Errorf("dropping schema %s: %v", schema, err)
		}
		if err := db.Close(); err != nil {
			t.Errorf("closing the schema's connection: %v", err)
		}
	})
	sep := "?"
	if strings.Contains(url, "?") {
		sep = "&"
	}
	return url + sep + "search_path=" + schema
}

var testKey = bytes.Repeat([]byte{0x42}, seal.KeySize)

func testSealer(t *testing.T) *seal.Sealer {
	s, err := seal.New(testKey)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func openTest(t *testing.T, dsn string) Store {
	t.Helper()
	st, err := Open(t.Context(), dsn, testSealer(t))
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { closeStore(t, st) })
	return st
}

// closeStore closes st and fails the test if that fails. Closing twice
// is fine (a closed database closes again without error), so a test may
// close a store that openTest also closes at the end.
func closeStore(t *testing.T, st Store) {
	t.Helper()
	if err := st.Close(); err != nil {
		t.Errorf("closing the store: %v", err)
	}
}

// each runs fn on every backend with a fresh store.
func each(t *testing.T, fn func(t *testing.T, st Store, dsn string)) {
	for _, b := range backends(t) {
		t.Run(b.name, func(t *testing.T) {
			dsn := b.dsn(t)
			fn(t, openTest(t, dsn), dsn)
		})
	}
}

const letters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"

// fakeToken returns "hf_" and 34 random letters.
func fakeToken(r *rand.Rand) string {
	b := make([]byte, 34)
	for i := range b {
		b[i] = letters[r.IntN(len(letters))]
	}
	return "hf_" + string(b)
}

func newRand() *rand.Rand { return rand.New(rand.NewPCG(rand.Uint64(), rand.Uint64())) }

// tokenFinding makes a finding of tok at path:line. The scanner keeps the raw
// secret in an unexported field (finding.SetRawSecret); these tests pass it in
// Secret, which the store also accepts (and never stores in clear).
func tokenFinding(tok, path string, line int) finding.Finding {
	return finding.Finding{
		Rule: "hf-user-token", Description: "Hugging Face user access token",
		Fingerprint: secret.Fingerprint(tok), Redacted: secret.Redact(tok), Secret: tok,
		Confidence: "high", Source: "file", Encodings: []string{},
		Location: finding.Location{Path: path, Line: line, Column: 5},
	}
}

var t0 = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)

func TestRecordScan(t *testing.T) {
	each(t, func(t *testing.T, st Store, _ string) {
		ctx := t.Context()
		r := newRand()
		a, b, c := fakeToken(r), fakeToken(r), fakeToken(r)
		fs := []finding.Finding{
			tokenFinding(a, "app.py", 1), tokenFinding(a, "app.py", 7), tokenFinding(a, "cfg/.env", 2),
			tokenFinding(b, "nb.ipynb", 3), tokenFinding(c, "README.md", 9),
			tokenFinding(a, "app.py", 1), // the same place twice in one scan
		}
		res, err := st.RecordScan(ctx, "scan-1", fs, t0)
		if err != nil {
			t.Fatal(err)
		}
		if res.NewIncidents != 3 || res.NewOccurrences != 5 || len(res.Incidents) != 3 {
			t.Fatalf("first scan: %+v, want 3 incidents, 5 occurrences", res)
		}
		list, err := st.Incidents(ctx, incident.Filter{})
		if err != nil {
			t.Fatal(err)
		}
		if len(list) != 3 {
			t.Fatalf("%d incidents, want 3", len(list))
		}
		counts := map[string]int{}
		for _, in := range list {
			counts[in.Fingerprint] = in.Occurrences
			if in.State != incident.Open || !in.FirstSeen.Equal(t0) || !in.LastSeen.Equal(t0) {
				t.Errorf("incident %+v: want open, first/last seen %v", in, t0)
			}
			if in.Redacted == "" || strings.Contains(in.Redacted, a[5:20]) {
				t.Errorf("redacted preview %q", in.Redacted)
			}
		}
		want := map[string]int{secret.Fingerprint(a): 3, secret.Fingerprint(b): 1, secret.Fingerprint(c): 1}
		for fp, n := range want {
			if counts[fp] != n {
				t.Errorf("incident %s…: %d occurrences, want %d", fp[:8], counts[fp], n)
			}
		}

		// Rescanning the same places adds nothing.
		t1 := t0.Add(time.Hour)
		res, err = st.RecordScan(ctx, "scan-2", fs, t1)
		if err != nil {
			t.Fatal(err)
		}
		if res.NewIncidents != 0 || res.NewOccurrences != 0 || len(res.Incidents) != 3 {
			t.Fatalf("rescan: %+v, want nothing new", res)
		}
		ia, err := st.IncidentByFingerprint(ctx, secret.Fingerprint(a))
		if err != nil {
			t.Fatal(err)
		}
		if ia.Occurrences != 3 || !ia.LastSeen.Equal(t1) || !ia.FirstSeen.Equal(t0) {
			t.Fatalf("after rescan: occurrences %d, first %v, last %v", ia.Occurrences, ia.FirstSeen, ia.LastSeen)
		}

		// A new place adds one occurrence.
		res, err = st.RecordScan(ctx, "scan-3", []finding.Finding{tokenFinding(a, "other/app.py", 1), tokenFinding(a, "app.py", 1)}, t1)
		if err != nil {
			t.Fatal(err)
		}
		if res.NewIncidents != 0 || res.NewOccurrences != 1 || len(res.Incidents) != 1 || res.Incidents[0] != ia.ID {
			t.Fatalf("new place: %+v", res)
		}
		occs, err := st.Occurrences(ctx, ia.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(occs) != 4 {
			t.Fatalf("%d occurrences, want 4", len(occs))
		}
		if occs[3].Finding.Location.Path != "other/app.py" || occs[3].ScanID != "scan-3" || occs[0].ScanID != "scan-1" {
			t.Errorf("occurrences not oldest first: %+v", occs)
		}
		for _, o := range occs {
			if o.Finding.Secret != "" || o.Key != incident.OccurrenceKey(o.Finding) || o.IncidentID != ia.ID {
				t.Errorf("occurrence %+v: secret kept or key wrong", o)
			}
		}
		if got, _ := st.Incident(ctx, ia.ID); got.Occurrences != 4 {
			t.Errorf("counter %d, want 4", got.Occurrences)
		}
		evs, err := st.Events(ctx, ia.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(evs) < 1 || evs[0].Kind != "scan" || !strings.Contains(evs[0].Message, "scan-1") {
			t.Errorf("events %+v, want one scan event naming scan-1", evs)
		}
		// The rescan (scan-2) added nothing and logged nothing; scan-3
		// added a place and says so.
		if len(evs) != 2 || evs[1].Kind != "scan" || evs[1].Message != "1 new occurrence in scan scan-3" {
			t.Errorf("events %+v, want the first sighting and scan-3's new occurrence", evs)
		}
		if _, err := st.Incident(ctx, 999999); !errors.Is(err, ErrNotFound) {
			t.Errorf("missing incident: %v", err)
		}
	})
}

func TestExposureStart(t *testing.T) {
	each(t, func(t *testing.T, st Store, _ string) {
		ctx := t.Context()
		tok := fakeToken(newRand())
		at := func(d int) *time.Time { x := t0.AddDate(0, 0, d); return &x }
		fixed := func(x time.Time) *time.Time { return &x }
		steps := []struct {
			name     string
			time     *time.Time
			commit   *time.Time
			wantExpo *time.Time
		}{
			{"no evidence", nil, nil, nil},
			// Sentinels of "unknown" (reproducible builds, zip DOS time
			// zero, Go's zero time) are no exposure start.
			{"unix epoch", fixed(time.Unix(0, 0)), nil, nil},
			{"dos time zero commit", nil, fixed(time.Date(1980, 1, 1, 0, 0, 0, 0, time.UTC)), nil},
			{"zero time", fixed(time.Time{}), fixed(time.Date(1989, 12, 31, 23, 59, 59, 0, time.UTC)), nil},
			{"file time", at(-10), nil, at(-10)},
			{"earlier commit date", at(-5), at(-30), at(-30)},
			{"later evidence does not raise it", at(-1), at(-2), at(-30)},
			{"earliest of the two", at(-40), at(-35), at(-40)},
			{"a sentinel never lowers it", fixed(time.Unix(0, 0)), fixed(time.Unix(1, 0)), at(-40)},
		}
		for i, s := range steps {
			f := tokenFinding(tok, fmt.Sprintf("f%d.py", i), 1)
			f.Time, f.CommitDate = s.time, s.commit
			if _, err := st.RecordScan(ctx, "s", []finding.Finding{f}, t0); err != nil {
				t.Fatal(err)
			}
			in, err := st.IncidentByFingerprint(ctx, f.Fingerprint)
			if err != nil {
				t.Fatal(err)
			}
			switch {
			case s.wantExpo == nil && in.ExposureStart != nil,
				s.wantExpo != nil && (in.ExposureStart == nil || !in.ExposureStart.Equal(*s.wantExpo)):
				t.Errorf("%s: exposure start %v, want %v", s.name, in.ExposureStart, s.wantExpo)
			}
		}
	})
}

func TestTransitions(t *testing.T) {
	each(t, func(t *testing.T, st Store, _ string) {
		ctx := t.Context()
		tok := fakeToken(newRand())
		res, err := st.RecordScan(ctx, "s", []finding.Finding{tokenFinding(tok, "a", 1)}, t0)
		if err != nil {
			t.Fatal(err)
		}
		id := res.Incidents[0]
		steps := []struct {
			to      incident.State
			reason  string
			wantErr string
		}{
			{incident.Audited, "", "cannot go from open to audited"},
			{incident.FalsePositive, "", "needs a reason"},
			{incident.RevokeRequested, "token leaked in a public repo", ""},
			{incident.Resolved, "", "needs a reason: the issuer's confirmation"},
			{incident.Contained, "revoked on the Hub", ""},
			{incident.Audited, "no suspicious access", ""},
			{incident.Resolved, "", ""},
			{incident.Open, "seen again", ""},
			{incident.AcceptedRisk, "test token", ""},
		}
		from := incident.Open
		nOK := 0
		for i, s := range steps {
			at := t0.Add(time.Duration(i+1) * time.Minute)
			err := st.Transition(ctx, id, s.to, "alice", s.reason, at)
			if s.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), s.wantErr) {
					t.Fatalf("step %d %s → %s: error %v, want %q", i, from, s.to, err, s.wantErr)
				}
				continue
			}
			if err != nil {
				t.Fatalf("step %d %s → %s: %v", i, from, s.to, err)
			}
			nOK++
			in, _ := st.Incident(ctx, id)
			if in.State != s.to {
				t.Fatalf("state %s, want %s", in.State, s.to)
			}
			if s.to == incident.RevokeRequested && (in.RevokeRequestedAt == nil || !in.RevokeRequestedAt.Equal(at)) {
				t.Errorf("revoke requested at %v, want %v", in.RevokeRequestedAt, at)
			}
			if s.to == incident.Contained && (in.ContainedAt == nil || !in.ContainedAt.Equal(at)) {
				t.Errorf("contained at %v, want %v", in.ContainedAt, at)
			}
			evs, _ := st.Events(ctx, id)
			e := evs[len(evs)-1]
			if e.Kind != "transition" || e.From != from || e.To != s.to || e.Actor != "alice" || e.Message != s.reason || !e.At.Equal(at) {
				t.Errorf("event %+v, want %s → %s by alice: %q", e, from, s.to, s.reason)
			}
			from = s.to
		}
		evs, _ := st.Events(ctx, id)
		if len(evs) != 1+nOK {
			t.Errorf("%d events, want %d (refused moves log nothing)", len(evs), 1+nOK)
		}
		if err := st.Transition(ctx, 424242, incident.Resolved, "a", "", t0); !errors.Is(err, ErrNotFound) {
			t.Errorf("missing incident: %v", err)
		}
	})
}

// TestLiveAfterContainmentReopens: a live answer after the containment
// (through a scan or a verification) re-opens a contained, audited or
// resolved incident and clears its containment time; an answer from
// before it, an unknown or an invalid one, does not.
func TestLiveAfterContainmentReopens(t *testing.T) {
	each(t, func(t *testing.T, st Store, _ string) {
		ctx := t.Context()
		for _, tc := range []struct {
			name   string
			closed []incident.State // after contained
			v      finding.Verification
			viaRun bool
			reopen bool
		}{
			{"live after", nil, finding.Verification{Status: "live", Endpoint: "B", CheckedAt: t0.Add(time.Hour)}, false, true},
			{"live after, audited", []incident.State{incident.Audited}, finding.Verification{Status: "live", Endpoint: "B", CheckedAt: t0.Add(time.Hour)}, false, true},
			{"live after, resolved, by a scan", []incident.State{incident.Resolved}, finding.Verification{Status: "live", Endpoint: "B", CheckedAt: t0.Add(time.Hour)}, true, true},
			{"live before", nil, finding.Verification{Status: "live", Endpoint: "B", CheckedAt: t0.Add(time.Minute)}, false, false},
			{"unknown after", nil, finding.Verification{Status: "unknown", Endpoint: "B", CheckedAt: t0.Add(time.Hour)}, false, false},
			{"invalid after", nil, finding.Verification{Status: "invalid", Endpoint: "B", CheckedAt: t0.Add(time.Hour)}, false, false},
		} {
			t.Run(tc.name, func(t *testing.T) {
				tok := fakeToken(newRand())
				res, err := st.RecordScan(ctx, "s", []finding.Finding{tokenFinding(tok, "a", 1)}, t0)
				if err != nil {
					t.Fatal(err)
				}
				id := res.Incidents[0]
				contained := t0.Add(30 * time.Minute)
				for _, to := range append([]incident.State{incident.RevokeRequested, incident.Contained}, tc.closed...) {
					if err := st.Transition(ctx, id, to, "alice", "r", contained); err != nil {
						t.Fatal(err)
					}
				}
				if tc.viaRun {
					f := tokenFinding(tok, "a", 1)
					f.Verification = &tc.v
					_, err = st.RecordScan(ctx, "s2", []finding.Finding{f}, t0.Add(2*time.Hour))
				} else {
					err = st.RecordVerification(ctx, id, tc.v)
				}
				if err != nil {
					t.Fatal(err)
				}
				in, err := st.Incident(ctx, id)
				if err != nil {
					t.Fatal(err)
				}
				evs, _ := st.Events(ctx, id)
				last := evs[len(evs)-1]
				if tc.reopen {
					if in.State != incident.Open || in.ContainedAt != nil || last.To != incident.Open ||
						!strings.Contains(last.Message, "verified live again at B after containment") {
						t.Fatalf("not re-opened: %s contained %v, last event %+v", in.State, in.ContainedAt, last)
					}
					return
				}
				if in.State == incident.Open || in.ContainedAt == nil {
					t.Fatalf("re-opened: %s contained %v", in.State, in.ContainedAt)
				}
			})
		}
	})
}

func TestNotesAndAssign(t *testing.T) {
	each(t, func(t *testing.T, st Store, _ string) {
		ctx := t.Context()
		res, _ := st.RecordScan(ctx, "s", []finding.Finding{tokenFinding(fakeToken(newRand()), "a", 1)}, t0)
		id := res.Incidents[0]
		if err := st.AddNote(ctx, id, "bob", "asked the owner", t0.Add(time.Minute)); err != nil {
			t.Fatal(err)
		}
		if err := st.Assign(ctx, id, "bob", "carol", t0.Add(2*time.Minute)); err != nil {
			t.Fatal(err)
		}
		in, _ := st.Incident(ctx, id)
		if in.Assignee != "carol" {
			t.Errorf("assignee %q", in.Assignee)
		}
		evs, _ := st.Events(ctx, id)
		want := []struct{ kind, actor, msg string }{
			{"scan", "hfwarden", "first seen in scan s"},
			{"note", "bob", "asked the owner"},
			{"assign", "bob", "assigned to carol"},
		}
		if len(evs) != len(want) {
			t.Fatalf("events %+v", evs)
		}
		for i, w := range want {
			if evs[i].Kind != w.kind || evs[i].Actor != w.actor || evs[i].Message != w.msg {
				t.Errorf("event %d = %+v, want %+v", i, evs[i], w)
			}
		}
		if err := st.AddNote(ctx, 777777, "bob", "x", t0); !errors.Is(err, ErrNotFound) {
			t.Errorf("note on missing incident: %v", err)
		}
		if list, _ := st.Incidents(ctx, incident.Filter{Owner: "nobody"}); len(list) != 0 {
			t.Errorf("owner filter matched %d", len(list))
		}
	})
}

// TestStateUse records which repositories a token was meant for, on every
// backend: the latest statement is what the report reads.
func TestStateUse(t *testing.T) {
	each(t, func(t *testing.T, st Store, _ string) {
		ctx := t.Context()
		res, _ := st.RecordScan(ctx, "s", []finding.Finding{tokenFinding(fakeToken(newRand()), "a", 1)}, t0)
		id := res.Incidents[0]
		if err := st.StateUse(ctx, id, "bob", []string{"alice/model", "dataset:acme/data=read"}, t0.Add(time.Minute)); err != nil {
			t.Fatal(err)
		}
		if err := st.StateUse(ctx, id, "carol", []string{"alice/model=write"}, t0.Add(2*time.Minute)); err != nil {
			t.Fatal(err)
		}
		evs, _ := st.Events(ctx, id)
		if got := incident.UsedRepos(evs); len(got) != 1 || got[0] != "alice/model=write" {
			t.Errorf("used = %q, want the latest statement", got)
		}
		if e := evs[len(evs)-1]; e.Kind != incident.EventUsed || e.Actor != "carol" {
			t.Errorf("last event %+v", e)
		}
		if err := st.StateUse(ctx, id, "bob", []string{"not a repo"}, t0); err == nil {
			t.Error("a malformed repository was stored")
		}
		if err := st.StateUse(ctx, 777777, "bob", []string{"a/b"}, t0); !errors.Is(err, ErrNotFound) {
			t.Errorf("used on a missing incident: %v", err)
		}
	})
}

func TestVerificationHistory(t *testing.T) {
	each(t, func(t *testing.T, st Store, _ string) {
		ctx := t.Context()
		tok := fakeToken(newRand())
		f := tokenFinding(tok, "a", 1)
		f.Verification = &finding.Verification{Status: "live", Owner: "alice", CheckedAt: t0}
		res, err := st.RecordScan(ctx, "s1", []finding.Finding{f}, t0)
		if err != nil {
			t.Fatal(err)
		}
		id := res.Incidents[0]
		// The same (cached) answer reported by a later scan is not repeated.
		f.Verification = &finding.Verification{Status: "live", Owner: "alice", CheckedAt: t0, Cached: true}
		if _, err := st.RecordScan(ctx, "s2", []finding.Finding{f}, t0.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		if err := st.RecordVerification(ctx, id, finding.Verification{Status: "invalid", Reason: "401", CheckedAt: t0.Add(2 * time.Hour)}); err != nil {
			t.Fatal(err)
		}
		in, _ := st.Incident(ctx, id)
		if in.Verification == nil || in.Verification.Status != "invalid" || !in.Verification.CheckedAt.Equal(t0.Add(2*time.Hour)) {
			t.Errorf("latest verification %+v", in.Verification)
		}
		evs, _ := st.Events(ctx, id)
		var verifies []string
		for _, e := range evs {
			if e.Kind == "verify" {
				verifies = append(verifies, e.Message)
			}
		}
		if len(verifies) != 2 || !strings.HasPrefix(verifies[0], "live (owner alice)") || !strings.HasPrefix(verifies[1], "invalid: 401") {
			t.Errorf("verify events %q", verifies)
		}
		var n int
		s := st.(*sqlStore)
		if err := s.db.QueryRow(s.d.q(`SELECT count(*) FROM verifications WHERE incident_id = ?`), id).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != 2 {
			t.Errorf("%d verifications in the history, want 2", n)
		}
		// Each answer keeps the endpoint that gave it.
		if err := st.RecordVerification(ctx, id, finding.Verification{Status: "unknown", Reason: "{}", CheckedAt: t0.Add(3 * time.Hour), Endpoint: "http://x.test"}); err != nil {
			t.Fatal(err)
		}
		hist, err := st.Verifications(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if len(hist) != 3 || hist[0].Status != "live" || hist[2].Endpoint != "http://x.test" || !hist[2].CheckedAt.Equal(t0.Add(3*time.Hour)) || hist[0].Endpoint != "" {
			t.Errorf("history %+v", hist)
		}
		if in, _ := st.Incident(ctx, id); in.Verification.Endpoint != "http://x.test" {
			t.Errorf("latest verification %+v", in.Verification)
		}
	})
}

func TestAssessmentAndFilters(t *testing.T) {
	each(t, func(t *testing.T, st Store, _ string) {
		ctx := t.Context()
		r := newRand()
		var fs []finding.Finding
		for i := range 5 {
			fs = append(fs, tokenFinding(fakeToken(r), fmt.Sprintf("f%d", i), 1))
		}
		res, err := st.RecordScan(ctx, "s", fs, t0)
		if err != nil {
			t.Fatal(err)
		}
		created := time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)
		rep := &assess.Report{
			Status: "live", Fingerprint: fs[0].Fingerprint, Redacted: fs[0].Redacted, CheckedAt: t0, Endpoint: "https://huggingface.co",
			Owner: "alice", OwnerType: "user", Token: assess.Token{Name: "ci", Role: "write", CreatedAt: &created, Scopes: []string{}},
			Orgs:         []assess.Org{{Name: "acme", Role: "admin"}, {Name: "labs", Role: "read"}},
			Repos:        []assess.Repo{{ID: "acme/model", Type: "model", Owner: "acme", Private: true, Access: assess.Write, Basis: "org admin"}},
			Capabilities: []string{"inference"}, Severity: "critical", Reasons: []string{"write access to private repos"},
		}
		id := res.Incidents[0]
		if err := st.SaveAssessment(ctx, id, rep, t0.Add(time.Minute)); err != nil {
			t.Fatal(err)
		}
		rep2 := *rep
		rep2.Owner, rep2.Severity, rep2.Orgs = "bob", "low", []assess.Org{{Name: "labs", Role: "read"}}
		if err := st.SaveAssessment(ctx, res.Incidents[1], &rep2, t0.Add(time.Minute)); err != nil {
			t.Fatal(err)
		}
		in, err := st.Incident(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		gotJS, _ := json.Marshal(in.Assessment)
		wantJS, _ := json.Marshal(rep)
		if !bytes.Equal(gotJS, wantJS) {
			t.Errorf("assessment round trip:\n got %s\nwant %s", gotJS, wantJS)
		}
		if in.Severity != "critical" || in.Owner != "alice" || strings.Join(in.Orgs, ",") != "acme,labs" {
			t.Errorf("incident took severity %q owner %q orgs %v", in.Severity, in.Owner, in.Orgs)
		}
		if err := st.Transition(ctx, res.Incidents[2], incident.FalsePositive, "a", "example token", t0); err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct {
			name string
			f    incident.Filter
			want int
		}{
			{"all", incident.Filter{}, 5},
			{"limit", incident.Filter{Limit: 2}, 2},
			{"state open", incident.Filter{State: incident.Open}, 4},
			{"state false-positive", incident.Filter{State: incident.FalsePositive}, 1},
			{"severity", incident.Filter{Severity: "critical"}, 1},
			{"owner", incident.Filter{Owner: "bob"}, 1},
			{"org acme", incident.Filter{Org: "acme"}, 1},
			{"org labs", incident.Filter{Org: "labs"}, 2},
			{"org no prefix match", incident.Filter{Org: "lab"}, 0},
			{"org and severity", incident.Filter{Org: "labs", Severity: "low"}, 1},
		} {
			list, err := st.Incidents(ctx, c.f)
			if err != nil {
				t.Fatal(err)
			}
			if len(list) != c.want {
				t.Errorf("%s: %d incidents, want %d", c.name, len(list), c.want)
			}
		}
	})
}

func TestSecretSealed(t *testing.T) {
	each(t, func(t *testing.T, st Store, dsn string) {
		ctx := t.Context()
		r := newRand()
		a, b := fakeToken(r), fakeToken(r)
		res, err := st.RecordScan(ctx, "s", []finding.Finding{tokenFinding(a, "x", 1), tokenFinding(b, "y", 1)}, t0)
		if err != nil {
			t.Fatal(err)
		}
		for i, tok := range []string{a, b} {
			got, err := st.Secret(ctx, res.Incidents[i])
			if err != nil || got != tok {
				t.Fatalf("Secret = %q, %v; want the token", got, err)
			}
		}
		s := st.(*sqlStore)
		// Nothing in clear anywhere in the rows.
		var n int
		if err := s.db.QueryRow(s.d.q(`SELECT count(*) FROM occurrences WHERE finding LIKE ?`), "%"+a[3:]+"%").Scan(&n); err != nil || n != 0 {
			t.Errorf("occurrence JSON holds the secret (%d rows, %v)", n, err)
		}
		// A sealed secret moved to another row does not open.
		if _, err := s.db.Exec(s.d.q(`UPDATE incidents SET sealed_secret = (SELECT sealed_secret FROM incidents WHERE id = ?) WHERE id = ?`),
			res.Incidents[0], res.Incidents[1]); err != nil {
			t.Fatal(err)
		}
		if got, err := st.Secret(ctx, res.Incidents[1]); err == nil {
			t.Errorf("a swapped sealed secret opened: %q", got)
		}
		// Another key cannot open it, and a store is not opened with it:
		// it would seal new secrets under a second key.
		other, _ := seal.New(bytes.Repeat([]byte{1}, seal.KeySize))
		var fp string
		var sealed []byte
		if err := s.db.QueryRow(s.d.q(`SELECT fingerprint, sealed_secret FROM incidents WHERE id = ?`), res.Incidents[0]).Scan(&fp, &sealed); err != nil {
			t.Fatal(err)
		}
		if _, err := other.Open(sealed, []byte(fp)); err == nil {
			t.Error("another key opened the secret")
		}
		if st2, err := Open(ctx, dsn, other); !errors.Is(err, ErrWrongKey) {
			if err == nil {
				closeStore(t, st2)
			}
			t.Errorf("Open with another key: %v, want ErrWrongKey", err)
		}
		if s.d == sqlite {
			closeStore(t, st)
			for _, suffix := range []string{"", "-wal", "-shm"} {
				data, err := os.ReadFile(dsn + suffix)
				if err != nil {
					continue
				}
				for _, tok := range []string{a, b} {
					if bytes.Contains(data, []byte(tok)) || bytes.Contains(data, []byte(tok[3:])) {
						t.Errorf("%s holds a raw token", filepath.Base(dsn+suffix))
					}
				}
			}
			if fi, err := os.Stat(dsn); err == nil && fi.Mode().Perm()&0o077 != 0 {
				t.Errorf("database mode %04o, want private", fi.Mode().Perm())
			}
		}
	})
}

func TestScannerFindings(t *testing.T) {
	each(t, func(t *testing.T, st Store, dsn string) {
		ctx := t.Context()
		tok := fakeToken(newRand())
		dir := t.TempDir()
		if err := os.WriteFile(filepath.Join(dir, "app.py"), []byte("TOKEN = \""+tok+"\"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		scanned, err := scan.New(scan.Options{}).Scan(ctx, scan.Files([]string{dir}))
		fs := scanned.Findings
		if err != nil {
			t.Fatal(err)
		}
		if len(fs) != 1 || fs[0].Secret != "" || fs[0].RawSecret() != tok {
			t.Skipf("scanner gave %d findings; cannot test the raw-secret path", len(fs))
		}
		res, err := st.RecordScan(ctx, "s", fs, t0)
		if err != nil {
			t.Fatal(err)
		}
		if got, err := st.Secret(ctx, res.Incidents[0]); err != nil || got != tok {
			t.Fatalf("Secret = %q, %v", got, err)
		}
	})
}

func TestWithoutSealer(t *testing.T) {
	ctx := t.Context()
	st, err := Open(ctx, filepath.Join(t.TempDir(), "db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer closeStore(t, st)
	res, err := st.RecordScan(ctx, "s", []finding.Finding{tokenFinding(fakeToken(newRand()), "x", 1)}, t0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.Secret(ctx, res.Incidents[0]); !errors.Is(err, ErrNoSecret) {
		t.Errorf("Secret without a sealer: %v", err)
	}
}

// TestConcurrentScans runs two scans against the same database at once,
// through separate Store handles, with overlapping and distinct secrets and
// places: nothing may be lost or counted twice.
func TestConcurrentScans(t *testing.T) {
	for _, b := range backends(t) {
		t.Run(b.name, func(t *testing.T) {
			ctx := t.Context()
			dsn := b.dsn(t)
			r := newRand()
			shared := make([]string, 150)
			for i := range shared {
				shared[i] = fakeToken(r)
			}
			own := [2][]string{make([]string, 100), make([]string, 100)}
			for w := range own {
				for i := range own[w] {
					own[w][i] = fakeToken(r)
				}
			}
			// Each worker: 2,000 findings. Shared secrets at shared places
			// (identical keys in both workers) and at places of its own.
			var work [2][]finding.Finding
			keys := map[string]bool{}
			fps := map[string]bool{}
			for w := range 2 {
				for i := 0; len(work[w]) < 2000; i++ {
					var f finding.Finding
					switch i % 4 {
					case 0:
						f = tokenFinding(shared[i%len(shared)], fmt.Sprintf("shared/%d.py", i%300), 1)
					case 1:
						f = tokenFinding(shared[i%len(shared)], fmt.Sprintf("w%d/%d.py", w, i), 2)
					default:
						f = tokenFinding(own[w][i%len(own[w])], fmt.Sprintf("w%d/own/%d.py", w, i), 3)
					}
					work[w] = append(work[w], f)
					keys[incident.OccurrenceKey(f)] = true
					fps[f.Fingerprint] = true
				}
			}
			stores := [2]Store{openTest(t, dsn), openTest(t, dsn)}
			var (
				wg      sync.WaitGroup
				results [2][]ScanResult
				errs    [2]error
			)
			for w := range 2 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for lo := 0; lo < len(work[w]); lo += 250 {
						res, err := stores[w].RecordScan(ctx, fmt.Sprintf("scan-%d", w), work[w][lo:lo+250], t0)
						if err != nil {
							errs[w] = err
							return
						}
						results[w] = append(results[w], res)
					}
				}()
			}
			wg.Wait()
			for _, err := range errs {
				if err != nil {
					t.Fatal(err)
				}
			}
			newInc, newOcc := 0, 0
			for _, rs := range results {
				for _, r := range rs {
					newInc += r.NewIncidents
					newOcc += r.NewOccurrences
				}
			}
			if newInc != len(fps) || newOcc != len(keys) {
				t.Errorf("results say %d new incidents, %d new occurrences; want %d, %d", newInc, newOcc, len(fps), len(keys))
			}
			list, err := stores[0].Incidents(ctx, incident.Filter{})
			if err != nil {
				t.Fatal(err)
			}
			sum := 0
			for _, in := range list {
				sum += in.Occurrences
			}
			s := stores[0].(*sqlStore)
			var rows, scanEvents int
			if err := s.db.QueryRow(`SELECT count(*) FROM occurrences`).Scan(&rows); err != nil {
				t.Fatal(err)
			}
			// One first sighting per incident, whichever worker saw it
			// first (later batches log their new occurrences apart).
			if err := s.db.QueryRow(`SELECT count(*) FROM events WHERE kind = 'scan' AND message LIKE 'first seen%'`).Scan(&scanEvents); err != nil {
				t.Fatal(err)
			}
			if len(list) != len(fps) || sum != len(keys) || rows != len(keys) || scanEvents != len(fps) {
				t.Errorf("store holds %d incidents, counters sum %d, %d occurrence rows, %d scan events; want %d incidents, %d occurrences",
					len(list), sum, rows, scanEvents, len(fps), len(keys))
			}
		})
	}
}

func TestOpenConcurrentAndIdempotent(t *testing.T) {
	for _, b := range backends(t) {
		t.Run(b.name, func(t *testing.T) {
			ctx := t.Context()
			dsn := b.dsn(t)
			var wg sync.WaitGroup
			errs := make([]error, 6)
			for i := range errs {
				wg.Add(1)
				go func() {
					defer wg.Done()
					st, err := Open(ctx, dsn, testSealer(t))
					if err == nil {
						err = st.Close()
					}
					errs[i] = err
				}()
			}
			wg.Wait()
			for i, err := range errs {
				if err != nil {
					t.Fatalf("Open %d: %v", i, err)
				}
			}
			st := openTest(t, dsn)
			s := st.(*sqlStore)
			var n, v int
			if err := s.db.QueryRow(`SELECT count(*), max(version) FROM schema_migrations`).Scan(&n, &v); err != nil {
				t.Fatal(err)
			}
			if n != len(migrations) || v != SchemaVersion() {
				t.Errorf("schema_migrations: %d rows, version %d", n, v)
			}
		})
	}
}

// TestDefaultPath: the database file in the data directory the caller
// names (cli's TestDataDir checks how it finds that directory).
func TestDefaultPath(t *testing.T) {
	if got := DefaultPath("/xdg/data/hfwarden"); got != "/xdg/data/hfwarden/hfwarden.db" {
		t.Errorf("DefaultPath = %q", got)
	}
	for dsn, pg := range map[string]bool{"postgres://h/db": true, "postgresql://h/db": true, "/tmp/x.db": false, "postgres.db": false} {
		if IsPostgres(dsn) != pg {
			t.Errorf("IsPostgres(%q) = %v", dsn, !pg)
		}
	}
}

// TestScanEvents: every change a scan makes to an incident is logged, in
// order — the sighting before the verification it caused (in the log and
// in time), a later scan that adds places or moves the exposure start
// earlier, and nothing for a scan that changes nothing.
func TestScanEvents(t *testing.T) {
	each(t, func(t *testing.T, st Store, _ string) {
		ctx := t.Context()
		tok := fakeToken(newRand())
		day := func(d int) *time.Time { x := t0.AddDate(0, 0, d); return &x }
		f0 := tokenFinding(tok, "app.py", 1)
		// The Hub answered during the scan, a minute before it was recorded.
		f0.Verification = &finding.Verification{Status: "live", Owner: "alice", CheckedAt: t0.Add(-time.Minute)}
		at := func(f ...finding.Finding) []finding.Finding { return f }
		withTime := func(f finding.Finding, tm *time.Time) finding.Finding { f.Time = tm; f.Verification = nil; return f }
		steps := []struct {
			name     string
			findings []finding.Finding
			want     []string // the events this scan adds, kind: message
		}{
			{"first sighting, verified", at(f0), []string{"scan: first seen in scan s0",
				"verify: live (owner alice) (answered " + t0.Add(-time.Minute).Format(time.RFC3339) + ")"}},
			{"same place again", at(withTime(f0, nil)), nil},
			{"a new place", at(withTime(f0, nil), tokenFinding(tok, "b.py", 2)), []string{"scan: 1 new occurrence in scan s2"}},
			{"exposure start found", at(withTime(f0, day(-3))), []string{"scan: exposure start set to " + day(-3).Format(time.RFC3339Nano) + " in scan s3"}},
			{"two places, earlier start", at(withTime(tokenFinding(tok, "c.py", 1), day(-9)), tokenFinding(tok, "d.py", 1)),
				[]string{"scan: 2 new occurrences; exposure start moved to " + day(-9).Format(time.RFC3339Nano) + " (was " + day(-3).Format(time.RFC3339Nano) + ") in scan s4"}},
			{"later evidence moves nothing", at(withTime(f0, day(-1))), nil},
		}
		var id int64
		var seen int
		for i, s := range steps {
			res, err := st.RecordScan(ctx, fmt.Sprintf("s%d", i), s.findings, t0.Add(time.Duration(i)*time.Hour))
			if err != nil {
				t.Fatal(err)
			}
			id = res.Incidents[0]
			evs, err := st.Events(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, e := range evs[seen:] {
				got = append(got, e.Kind+": "+e.Message)
			}
			if strings.Join(got, "\n") != strings.Join(s.want, "\n") {
				t.Errorf("%s: events\n  %q\nwant\n  %q", s.name, got, s.want)
			}
			seen = len(evs)
			for j := 1; j < len(evs); j++ {
				if evs[j].At.Before(evs[j-1].At) || evs[j].ID <= evs[j-1].ID {
					t.Errorf("%s: event %d (%s at %v) is logged before event %d (%s at %v)", s.name,
						j, evs[j].Kind, evs[j].At, j-1, evs[j-1].Kind, evs[j-1].At)
				}
			}
		}
		// The answer keeps its own time in the incident and the history.
		in, _ := st.Incident(ctx, id)
		if in.Verification == nil || !in.Verification.CheckedAt.Equal(t0.Add(-time.Minute)) {
			t.Errorf("verification %+v, want checked a minute before t0", in.Verification)
		}
	})
}

// TestOccurrenceRepo: the same path and line of two git repositories are
// two occurrences; the same repository scanned again adds none.
func TestOccurrenceRepo(t *testing.T) {
	each(t, func(t *testing.T, st Store, _ string) {
		ctx := t.Context()
		tok := fakeToken(newRand())
		inRepo := func(repo string) finding.Finding {
			f := tokenFinding(tok, "train.py", 2)
			f.Source, f.Location.Repo, f.Location.Commit = "git", repo, "0123456789abcdef0123456789abcdef01234567"
			return f
		}
		res, err := st.RecordScan(ctx, "s1", []finding.Finding{inRepo("/srv/a"), inRepo("/srv/b")}, t0)
		if err != nil {
			t.Fatal(err)
		}
		if res.NewOccurrences != 2 {
			t.Fatalf("two repositories: %d new occurrences, want 2", res.NewOccurrences)
		}
		if res, err = st.RecordScan(ctx, "s2", []finding.Finding{inRepo("/srv/a")}, t0.Add(time.Hour)); err != nil || res.NewOccurrences != 0 {
			t.Fatalf("rescan of /srv/a: %+v %v, want nothing new", res, err)
		}
		occs, err := st.Occurrences(ctx, res.Incidents[0])
		if err != nil {
			t.Fatal(err)
		}
		repos := map[string]bool{}
		for _, o := range occs {
			repos[o.Finding.Location.Repo] = true
		}
		if len(occs) != 2 || !repos["/srv/a"] || !repos["/srv/b"] {
			t.Errorf("occurrences %+v, want one in /srv/a and one in /srv/b", occs)
		}
		// Without a repository the key is what it always was: stores
		// recorded before keep matching their rescans.
		plain := tokenFinding(tok, "train.py", 2)
		withEmpty := plain
		withEmpty.Location.Repo = ""
		if incident.OccurrenceKey(plain) != incident.OccurrenceKey(withEmpty) || incident.OccurrenceKey(inRepo("/srv/a")) == incident.OccurrenceKey(inRepo("/srv/b")) {
			t.Error("occurrence keys do not tell repositories apart")
		}
	})
}

// TestOwnerFromVerification: the account a live check answered for is the
// incident's owner until an assessment says more.
func TestOwnerFromVerification(t *testing.T) {
	each(t, func(t *testing.T, st Store, _ string) {
		ctx := t.Context()
		f := tokenFinding(fakeToken(newRand()), "a", 1)
		f.Verification = &finding.Verification{Status: "live", Owner: "bob", CheckedAt: t0}
		res, err := st.RecordScan(ctx, "s1", []finding.Finding{f}, t0)
		if err != nil {
			t.Fatal(err)
		}
		id := res.Incidents[0]
		owners := func() []string {
			t.Helper()
			list, err := st.Incidents(ctx, incident.Filter{Owner: "bob"})
			if err != nil {
				t.Fatal(err)
			}
			in, err := st.Incident(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			return []string{in.Owner, fmt.Sprint(len(list))}
		}
		if got := owners(); got[0] != "bob" || got[1] != "1" {
			t.Fatalf("after a live scan: owner %q, %s listed for --owner bob", got[0], got[1])
		}
		// An invalid answer names nobody: the owner stays.
		if err := st.RecordVerification(ctx, id, finding.Verification{Status: "invalid", CheckedAt: t0.Add(time.Hour)}); err != nil {
			t.Fatal(err)
		}
		if got := owners(); got[0] != "bob" {
			t.Fatalf("after invalid: owner %q", got[0])
		}
		// The assessment says more; a later check does not undo it.
		if err := st.SaveAssessment(ctx, id, &assess.Report{Status: "live", Owner: "acme-bot", Severity: "high"}, t0.Add(2*time.Hour)); err != nil {
			t.Fatal(err)
		}
		if err := st.RecordVerification(ctx, id, finding.Verification{Status: "live", Owner: "bob", CheckedAt: t0.Add(3 * time.Hour)}); err != nil {
			t.Fatal(err)
		}
		if got := owners(); got[0] != "acme-bot" || got[1] != "0" {
			t.Fatalf("after the assessment: owner %q, %s listed for bob", got[0], got[1])
		}
	})
}
