package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/hfwarden/hfwarden/internal/audit"
	"github.com/hfwarden/hfwarden/internal/incident"
)

// SaveAudit keeps r as the incident's latest audit and logs an "audit"
// event summarising it.
func (s *sqlStore) SaveAudit(ctx context.Context, id int64, r *audit.Report, at time.Time) error {
	if r == nil {
		return errors.New("store: nil audit")
	}
	js, err := json.Marshal(r)
	if err != nil {
		return fmt.Errorf("store: encoding audit of incident %d: %w", id, err)
	}
	return s.withTx(ctx, func(tx *sql.Tx) error {
		if _, err := s.lockState(ctx, tx, id); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, s.d.q(`INSERT INTO audits (incident_id, at, report) VALUES (?, ?, ?)`),
			id, s.d.t(at), string(js)); err != nil {
			return fmt.Errorf("store: saving audit of incident %d: %w", id, err)
		}
		msg := fmt.Sprintf("audited %d repositories (%d unpinned): %d findings, %d high or worse",
			len(r.Checked), len(r.Unpinned), len(r.Findings), r.AtLeast(audit.High))
		if len(r.Warnings) > 0 {
			msg += fmt.Sprintf(", %d not checked", len(r.Warnings))
		}
		return s.addEvent(ctx, tx, incident.Event{IncidentID: id, At: at, Actor: "hfwarden", Kind: "audit", Message: msg})
	})
}

// Audit returns the incident's latest audit, or nil.
func (s *sqlStore) Audit(ctx context.Context, id int64) (*audit.Report, time.Time, error) {
	var (
		js string
		at nullTime
	)
	err := s.db.QueryRowContext(ctx, s.d.q(`SELECT report, at FROM audits WHERE incident_id = ? ORDER BY id DESC LIMIT 1`), id).Scan(&js, &at)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, time.Time{}, nil
	}
	if err != nil {
		return nil, time.Time{}, fmt.Errorf("store: reading audit of incident %d: %w", id, err)
	}
	var r audit.Report
	if err := json.Unmarshal([]byte(js), &r); err != nil {
		return nil, time.Time{}, fmt.Errorf("store: incident %d audit: %w", id, err)
	}
	return &r, at.T, nil
}
