package store

import (
	"context"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/hfwarden/hfwarden/internal/assess"
	"github.com/hfwarden/hfwarden/internal/detect"
	"github.com/hfwarden/hfwarden/internal/finding"
	"github.com/hfwarden/hfwarden/internal/incident"
	"github.com/hfwarden/hfwarden/internal/seal"
)

// sqlStore implements Store on SQLite and PostgreSQL.
type sqlStore struct {
	db     *sql.DB
	d      dialect
	sealer *seal.Sealer
	// det finds secrets in what people type (notes, reasons, assignees,
	// actors) and in scan targets, which are stored with each secret
	// replaced by its label: a token pasted there must not be kept raw.
	det *detect.Detector
}

// hide replaces the secrets in s by their labels (see det).
func (s *sqlStore) hide(text string) string {
	return s.det.Hide(text)
}

func (s *sqlStore) Close() error { return s.db.Close() }

const incidentCols = `id, fingerprint, rule, redacted, state, severity, owner, orgs, assignee,
	first_seen, last_seen, exposure_start, verification, revoke_requested_at, contained_at, occurrences`

type rowScanner interface{ Scan(...any) error }

func scanIncident(r rowScanner, extra ...any) (*incident.Incident, error) {
	var (
		in                              incident.Incident
		state                           string
		orgs, verif                     sql.NullString
		first, last, expo, revoke, cont nullTime
	)
	dest := append([]any{&in.ID, &in.Fingerprint, &in.Rule, &in.Redacted, &state, &in.Severity, &in.Owner,
		&orgs, &in.Assignee, &first, &last, &expo, &verif, &revoke, &cont, &in.Occurrences}, extra...)
	if err := r.Scan(dest...); err != nil {
		return nil, err
	}
	in.State = incident.State(state)
	in.FirstSeen, in.LastSeen = first.T, last.T
	in.ExposureStart, in.RevokeRequestedAt, in.ContainedAt = expo.ptr(), revoke.ptr(), cont.ptr()
	if orgs.Valid && orgs.String != "" {
		if err := json.Unmarshal([]byte(orgs.String), &in.Orgs); err != nil {
			return nil, fmt.Errorf("store: incident %d orgs: %w", in.ID, err)
		}
	}
	if verif.Valid && verif.String != "" {
		in.Verification = new(finding.Verification)
		if err := json.Unmarshal([]byte(verif.String), in.Verification); err != nil {
			return nil, fmt.Errorf("store: incident %d verification: %w", in.ID, err)
		}
	}
	return &in, nil
}

func (s *sqlStore) Incidents(ctx context.Context, f incident.Filter) ([]incident.Incident, error) {
	var (
		where []string
		args  []any
	)
	if f.State != "" {
		where, args = append(where, "state = ?"), append(args, string(f.State))
	}
	if f.Severity != "" {
		where, args = append(where, "severity = ?"), append(args, f.Severity)
	}
	if f.Owner != "" {
		where, args = append(where, "owner = ?"), append(args, f.Owner)
	}
	if f.Org != "" {
		where, args = append(where, "id IN (SELECT incident_id FROM incident_orgs WHERE org = ?)"), append(args, f.Org)
	}
	q := `SELECT ` + incidentCols + ` FROM incidents`
	if len(where) > 0 {
		q += ` WHERE ` + strings.Join(where, " AND ")
	}
	q += ` ORDER BY first_seen DESC, id DESC`
	if f.Limit > 0 {
		q += fmt.Sprintf(` LIMIT %d`, f.Limit)
	}
	rows, err := s.db.QueryContext(ctx, s.d.q(q), args...)
	if err != nil {
		return nil, fmt.Errorf("store: listing incidents: %w", err)
	}
	defer func() { _ = rows.Close() }() // rows.Err reports what reading met
	out := []incident.Incident{}
	for rows.Next() {
		in, err := scanIncident(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, *in)
	}
	return out, rows.Err()
}

func (s *sqlStore) incidentWhere(ctx context.Context, cond string, arg any) (*incident.Incident, error) {
	var (
		assessment sql.NullString
	)
	row := s.db.QueryRowContext(ctx, s.d.q(`SELECT `+incidentCols+`, assessment FROM incidents WHERE `+cond), arg)
	in, err := scanIncident(row, &assessment)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("store: reading incident: %w", err)
	}
	if assessment.Valid && assessment.String != "" {
		in.Assessment = new(assess.Report)
		if err := json.Unmarshal([]byte(assessment.String), in.Assessment); err != nil {
			return nil, fmt.Errorf("store: incident %d assessment: %w", in.ID, err)
		}
	}
	return in, nil
}

func (s *sqlStore) Incident(ctx context.Context, id int64) (*incident.Incident, error) {
	return s.incidentWhere(ctx, "id = ?", id)
}

func (s *sqlStore) IncidentByFingerprint(ctx context.Context, fingerprint string) (*incident.Incident, error) {
	return s.incidentWhere(ctx, "fingerprint = ?", fingerprint)
}

func (s *sqlStore) Occurrences(ctx context.Context, id int64) ([]incident.Occurrence, error) {
	rows, err := s.db.QueryContext(ctx, s.d.q(`SELECT o.id, o.incident_id, o.scan_id, o.seen_at, o.key, o.finding, i.fingerprint, i.redacted
		FROM occurrences o JOIN incidents i ON i.id = o.incident_id WHERE o.incident_id = ? ORDER BY o.id`), id)
	if err != nil {
		return nil, fmt.Errorf("store: listing occurrences: %w", err)
	}
	defer func() { _ = rows.Close() }() // rows.Err reports what reading met
	out := []incident.Occurrence{}
	for rows.Next() {
		var (
			o                     incident.Occurrence
			seen                  nullTime
			key                   []byte
			finding, fp, redacted string
		)
		if err := rows.Scan(&o.ID, &o.IncidentID, &o.ScanID, &seen, &key, &finding, &fp, &redacted); err != nil {
			return nil, err
		}
		o.SeenAt, o.Key = seen.T, hex.EncodeToString(key)
		if err := json.Unmarshal([]byte(finding), &o.Finding); err != nil {
			return nil, fmt.Errorf("store: occurrence %d: %w", o.ID, err)
		}
		if o.Finding.Fingerprint == "" {
			o.Finding.Fingerprint = fp
		}
		if o.Finding.Redacted == "" {
			o.Finding.Redacted = redacted
		}
		out = append(out, o)
	}
	return out, rows.Err()
}

func (s *sqlStore) Events(ctx context.Context, id int64) ([]incident.Event, error) {
	rows, err := s.db.QueryContext(ctx, s.d.q(`SELECT id, incident_id, at, actor, kind, from_state, to_state, message
		FROM events WHERE incident_id = ? ORDER BY id`), id)
	if err != nil {
		return nil, fmt.Errorf("store: listing events: %w", err)
	}
	defer func() { _ = rows.Close() }() // rows.Err reports what reading met
	out := []incident.Event{}
	for rows.Next() {
		var (
			e        incident.Event
			at       nullTime
			from, to string
		)
		if err := rows.Scan(&e.ID, &e.IncidentID, &at, &e.Actor, &e.Kind, &from, &to, &e.Message); err != nil {
			return nil, err
		}
		e.At, e.From, e.To = at.T, incident.State(from), incident.State(to)
		out = append(out, e)
	}
	return out, rows.Err()
}

func (s *sqlStore) Verifications(ctx context.Context, id int64) ([]finding.Verification, error) {
	rows, err := s.db.QueryContext(ctx, s.d.q(`SELECT checked_at, status, reason, owner, cached, endpoint
		FROM verifications WHERE incident_id = ? ORDER BY id`), id)
	if err != nil {
		return nil, fmt.Errorf("store: listing verifications: %w", err)
	}
	defer func() { _ = rows.Close() }() // rows.Err reports what reading met
	out := []finding.Verification{}
	for rows.Next() {
		var (
			v  finding.Verification
			at nullTime
		)
		if err := rows.Scan(&at, &v.Status, &v.Reason, &v.Owner, &v.Cached, &v.Endpoint); err != nil {
			return nil, err
		}
		v.CheckedAt = at.T
		out = append(out, v)
	}
	return out, rows.Err()
}

func (s *sqlStore) Secret(ctx context.Context, id int64) (string, error) {
	var (
		fp     string
		sealed []byte
	)
	err := s.db.QueryRowContext(ctx, s.d.q(`SELECT fingerprint, sealed_secret FROM incidents WHERE id = ?`), id).Scan(&fp, &sealed)
	if errors.Is(err, sql.ErrNoRows) {
		return "", ErrNotFound
	}
	if err != nil {
		return "", fmt.Errorf("store: reading secret: %w", err)
	}
	if len(sealed) == 0 {
		return "", ErrNoSecret
	}
	if s.sealer == nil {
		return "", fmt.Errorf("store: no key to unseal the secret of incident %d", id)
	}
	pt, err := s.sealer.Open(sealed, []byte(fp))
	if err != nil {
		return "", fmt.Errorf("store: incident %d: %w", id, err)
	}
	return string(pt), nil
}

// lockState reads an incident's state inside tx, locking its row on
// PostgreSQL (SQLite's write transaction already excludes other writers).
func (s *sqlStore) lockState(ctx context.Context, tx *sql.Tx, id int64) (incident.State, error) {
	q := `SELECT state FROM incidents WHERE id = ?`
	if s.d == postgres {
		q += ` FOR UPDATE`
	}
	var st string
	err := tx.QueryRowContext(ctx, s.d.q(q), id).Scan(&st)
	if errors.Is(err, sql.ErrNoRows) {
		return "", ErrNotFound
	}
	return incident.State(st), err
}

func (s *sqlStore) addEvent(ctx context.Context, tx *sql.Tx, e incident.Event) error {
	_, err := tx.ExecContext(ctx, s.d.q(`INSERT INTO events (incident_id, at, actor, kind, from_state, to_state, message)
		VALUES (?, ?, ?, ?, ?, ?, ?)`), e.IncidentID, s.d.t(e.At), s.hide(e.Actor), e.Kind, string(e.From), string(e.To), s.hide(e.Message))
	return err
}

func (s *sqlStore) Transition(ctx context.Context, id int64, to incident.State, actor, reason string, at time.Time) error {
	return s.withTx(ctx, func(tx *sql.Tx) error {
		from, err := s.lockState(ctx, tx, id)
		if err != nil {
			return err
		}
		if err := incident.CheckMove(from, to, reason); err != nil {
			return err
		}
		set := `state = ?`
		args := []any{string(to)}
		switch to {
		case incident.RevokeRequested:
			set += `, revoke_requested_at = ?`
			args = append(args, s.d.t(at))
		case incident.Contained:
			set += `, contained_at = ?`
			args = append(args, s.d.t(at))
		}
		if _, err := tx.ExecContext(ctx, s.d.q(`UPDATE incidents SET `+set+` WHERE id = ?`), append(args, id)...); err != nil {
			return err
		}
		return s.addEvent(ctx, tx, incident.Event{IncidentID: id, At: at, Actor: actor, Kind: "transition",
			From: from, To: to, Message: reason})
	})
}

func (s *sqlStore) AddNote(ctx context.Context, id int64, actor, text string, at time.Time) error {
	return s.withTx(ctx, func(tx *sql.Tx) error {
		if _, err := s.lockState(ctx, tx, id); err != nil {
			return err
		}
		return s.addEvent(ctx, tx, incident.Event{IncidentID: id, At: at, Actor: actor, Kind: "note", Message: text})
	})
}

func (s *sqlStore) StateUse(ctx context.Context, id int64, actor string, repos []string, at time.Time) error {
	msg, err := incident.UsedMessage(repos)
	if err != nil {
		return err
	}
	return s.withTx(ctx, func(tx *sql.Tx) error {
		if _, err := s.lockState(ctx, tx, id); err != nil {
			return err
		}
		return s.addEvent(ctx, tx, incident.Event{IncidentID: id, At: at, Actor: actor, Kind: incident.EventUsed, Message: msg})
	})
}

func (s *sqlStore) Assign(ctx context.Context, id int64, actor, assignee string, at time.Time) error {
	return s.withTx(ctx, func(tx *sql.Tx) error {
		if _, err := s.lockState(ctx, tx, id); err != nil {
			return err
		}
		assignee = s.hide(assignee)
		if _, err := tx.ExecContext(ctx, s.d.q(`UPDATE incidents SET assignee = ? WHERE id = ?`), assignee, id); err != nil {
			return err
		}
		msg := "assigned to " + assignee
		if assignee == "" {
			msg = "unassigned"
		}
		return s.addEvent(ctx, tx, incident.Event{IncidentID: id, At: at, Actor: actor, Kind: "assign", Message: msg})
	})
}

func (s *sqlStore) RecordVerification(ctx context.Context, id int64, v finding.Verification) error {
	return s.withTx(ctx, func(tx *sql.Tx) error {
		if _, err := s.lockState(ctx, tx, id); err != nil {
			return err
		}
		_, err := s.recordVerification(ctx, tx, id, v, true, time.Time{})
		return err
	})
}

// recordVerification sets the latest verification and appends it to the
// history. Unless always, an answer identical to the latest one (a cached
// answer reported again by a later scan) is not appended twice. The event
// is logged at the answer's time, or at notBefore when that is later: the
// time a scan recorded the answer, whose sighting is logged first.
func (s *sqlStore) recordVerification(ctx context.Context, tx *sql.Tx, id int64, v finding.Verification, always bool, notBefore time.Time) (bool, error) {
	if !always {
		var cur sql.NullString
		if err := tx.QueryRowContext(ctx, s.d.q(`SELECT verification FROM incidents WHERE id = ?`), id).Scan(&cur); err != nil {
			return false, err
		}
		if cur.Valid && cur.String != "" {
			var old finding.Verification
			if json.Unmarshal([]byte(cur.String), &old) == nil &&
				old.Status == v.Status && old.CheckedAt.Equal(v.CheckedAt) {
				return false, nil
			}
			// Never replace a newer answer with an older one.
			if json.Unmarshal([]byte(cur.String), &old) == nil && old.CheckedAt.After(v.CheckedAt) {
				return false, nil
			}
		}
	}
	js, err := json.Marshal(v)
	if err != nil {
		return false, err
	}
	if _, err := tx.ExecContext(ctx, s.d.q(`UPDATE incidents SET verification = ? WHERE id = ?`), string(js), id); err != nil {
		return false, err
	}
	// The account a live check answered for is the incident's owner
	// (for --owner, reports) until an assessment says more.
	if v.Status == "live" && v.Owner != "" {
		if _, err := tx.ExecContext(ctx, s.d.q(`UPDATE incidents SET owner = ? WHERE id = ? AND assessment IS NULL`), v.Owner, id); err != nil {
			return false, err
		}
	}
	cached := any(v.Cached)
	if s.d == sqlite {
		cached = 0
		if v.Cached {
			cached = 1
		}
	}
	if _, err := tx.ExecContext(ctx, s.d.q(`INSERT INTO verifications (incident_id, checked_at, status, reason, owner, cached, endpoint)
		VALUES (?, ?, ?, ?, ?, ?, ?)`), id, s.d.t(v.CheckedAt), v.Status, v.Reason, v.Owner, cached, v.Endpoint); err != nil {
		return false, err
	}
	msg := v.Status
	if v.Owner != "" {
		msg += " (owner " + v.Owner + ")"
	}
	if v.Reason != "" {
		msg += ": " + v.Reason
	}
	if v.Endpoint != "" {
		msg += " at " + v.Endpoint
	}
	if v.Cached {
		msg += " [cached]"
	}
	at := v.CheckedAt
	if at.IsZero() {
		at = time.Now()
	}
	if at.Before(notBefore) {
		at = notBefore
		if !v.CheckedAt.IsZero() {
			msg += " (answered " + v.CheckedAt.UTC().Format(time.RFC3339) + ")"
		}
	}
	if err := s.addEvent(ctx, tx, incident.Event{IncidentID: id, At: at, Actor: "hfwarden", Kind: "verify", Message: msg}); err != nil {
		return false, err
	}
	if v.Status == "live" {
		return true, s.reopenIfLive(ctx, tx, id, v, at)
	}
	return true, nil
}

// reopenIfLive re-opens a contained (audited, resolved) incident whose
// token answers live after the containment: the containment no longer
// holds, so revoke and --all-live act on it again and nothing reads it as
// confirmed. The containment time is cleared; the event log keeps it.
func (s *sqlStore) reopenIfLive(ctx context.Context, tx *sql.Tx, id int64, v finding.Verification, at time.Time) error {
	var state string
	var contained nullTime
	if err := tx.QueryRowContext(ctx, s.d.q(`SELECT state, contained_at FROM incidents WHERE id = ?`), id).Scan(&state, &contained); err != nil {
		return err
	}
	from := incident.State(state)
	if !contained.Valid || !v.CheckedAt.After(contained.T) ||
		(from != incident.Contained && from != incident.Audited && from != incident.Resolved) {
		return nil
	}
	if _, err := tx.ExecContext(ctx, s.d.q(`UPDATE incidents SET state = ?, contained_at = NULL WHERE id = ?`), string(incident.Open), id); err != nil {
		return err
	}
	where := v.Endpoint
	if where == "" {
		where = "an endpoint not recorded"
	}
	return s.addEvent(ctx, tx, incident.Event{IncidentID: id, At: at, Actor: "hfwarden", Kind: "transition",
		From: from, To: incident.Open, Message: "verified live again at " + where + " after containment (" + contained.T.Format(time.RFC3339) + ")"})
}

func (s *sqlStore) SaveAssessment(ctx context.Context, id int64, r *assess.Report, at time.Time) error {
	if r == nil {
		return errors.New("store: nil assessment")
	}
	js, err := json.Marshal(r)
	if err != nil {
		return err
	}
	orgs := make([]string, 0, len(r.Orgs))
	for _, o := range r.Orgs {
		orgs = append(orgs, o.Name)
	}
	orgsJS, _ := json.Marshal(orgs)
	return s.withTx(ctx, func(tx *sql.Tx) error {
		if _, err := s.lockState(ctx, tx, id); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, s.d.q(`UPDATE incidents SET assessment = ?, assessed_at = ?, severity = ?, owner = ?, orgs = ?
			WHERE id = ?`), string(js), s.d.t(at), r.Severity, r.Owner, string(orgsJS), id); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, s.d.q(`DELETE FROM incident_orgs WHERE incident_id = ?`), id); err != nil {
			return err
		}
		seen := map[string]bool{}
		for _, o := range orgs {
			if seen[o] {
				continue
			}
			seen[o] = true
			if _, err := tx.ExecContext(ctx, s.d.q(`INSERT INTO incident_orgs (incident_id, org) VALUES (?, ?)`), id, o); err != nil {
				return err
			}
		}
		msg := fmt.Sprintf("assessed: status %s, severity %s", r.Status, r.Severity)
		if r.Owner != "" {
			msg += ", owner " + r.Owner
		}
		if len(r.Repos) > 0 {
			msg += fmt.Sprintf(", %d repositories reachable", len(r.Repos))
		}
		return s.addEvent(ctx, tx, incident.Event{IncidentID: id, At: at, Actor: "hfwarden", Kind: "assess", Message: msg})
	})
}
