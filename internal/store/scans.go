package store

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/hfwarden/hfwarden/internal/incident"
)

// RecordScanRun keeps one scan run; kinds are stored comma-separated,
// targets as JSON.
func (s *sqlStore) RecordScanRun(ctx context.Context, r incident.ScanRun) error {
	if r.ID == "" {
		return fmt.Errorf("store: a scan run needs an id")
	}
	hidden := make([]string, len(r.Targets))
	for i, t := range r.Targets {
		hidden[i] = s.hide(t)
	}
	targets, err := json.Marshal(hidden)
	if err != nil {
		return fmt.Errorf("store: encoding the targets of scan %s: %w", r.ID, err)
	}
	complete := any(r.Complete)
	if s.d == sqlite {
		complete = 0
		if r.Complete {
			complete = 1
		}
	}
	_, err = s.db.ExecContext(ctx, s.d.q(`INSERT INTO scans (id, at, kinds, targets, complete) VALUES (?, ?, ?, ?, ?)
		ON CONFLICT (id) DO UPDATE SET at = excluded.at, kinds = excluded.kinds, targets = excluded.targets, complete = excluded.complete`),
		r.ID, s.d.t(r.At), strings.Join(r.Kinds, ","), string(targets), complete)
	if err != nil {
		return fmt.Errorf("store: recording scan run %s: %w", r.ID, err)
	}
	return nil
}

func (s *sqlStore) ScanRuns(ctx context.Context, since time.Time) ([]incident.ScanRun, error) {
	rows, err := s.db.QueryContext(ctx, s.d.q(`SELECT id, at, kinds, targets, complete FROM scans WHERE at >= ? ORDER BY at, id`), s.d.t(since))
	if err != nil {
		return nil, fmt.Errorf("store: listing scan runs: %w", err)
	}
	defer func() { _ = rows.Close() }() // rows.Err reports what reading met
	out := []incident.ScanRun{}
	for rows.Next() {
		var (
			r              incident.ScanRun
			at             nullTime
			kinds, targets string
			complete       any
		)
		if err := rows.Scan(&r.ID, &at, &kinds, &targets, &complete); err != nil {
			return nil, fmt.Errorf("store: reading scan runs: %w", err)
		}
		r.At = at.T
		if kinds != "" {
			r.Kinds = strings.Split(kinds, ",")
		}
		if err := json.Unmarshal([]byte(targets), &r.Targets); err != nil {
			return nil, fmt.Errorf("store: scan run %s targets: %w", r.ID, err)
		}
		switch c := complete.(type) {
		case bool:
			r.Complete = c
		case int64:
			r.Complete = c != 0
		}
		out = append(out, r)
	}
	return out, rows.Err()
}
