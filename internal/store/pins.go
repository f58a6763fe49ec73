package store

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	"github.com/hfwarden/hfwarden/internal/pin"
)

// SavePin stores m, replacing the pin of the same type and repository.
func (s *sqlStore) SavePin(ctx context.Context, m pin.Manifest) error {
	if m.Repo == "" || m.Type == "" || m.Commit == "" {
		return fmt.Errorf("store: saving pin %q: repo, type and commit are required", m.Repo)
	}
	files := slices.Clone(m.Files)
	if files == nil {
		files = []pin.File{}
	}
	slices.SortFunc(files, func(a, b pin.File) int { return cmp.Compare(a.Path, b.Path) })
	js, err := json.Marshal(files)
	if err != nil {
		return fmt.Errorf("store: saving pin %s: %w", m.Repo, err)
	}
	_, err = s.db.ExecContext(ctx, s.d.q(`INSERT INTO pins (repo_type, repo, revision, commit_id, pinned_at, files)
		VALUES (?, ?, ?, ?, ?, ?)
		ON CONFLICT (repo_type, repo) DO UPDATE SET revision = excluded.revision, commit_id = excluded.commit_id,
			pinned_at = excluded.pinned_at, files = excluded.files`),
		m.Type, m.Repo, m.Revision, m.Commit, s.d.t(m.PinnedAt), string(js))
	if err != nil {
		return fmt.Errorf("store: saving pin %s: %w", m.Repo, err)
	}
	return nil
}

const pinColumns = `repo_type, repo, revision, commit_id, pinned_at, files`

// Pins lists every pin, sorted by type then repository.
func (s *sqlStore) Pins(ctx context.Context) ([]pin.Manifest, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT `+pinColumns+` FROM pins ORDER BY repo_type, repo`)
	if err != nil {
		return nil, fmt.Errorf("store: listing pins: %w", err)
	}
	defer func() { _ = rows.Close() }() // rows.Err reports what reading met
	var out []pin.Manifest
	for rows.Next() {
		m, err := scanPin(rows)
		if err != nil {
			return nil, fmt.Errorf("store: listing pins: %w", err)
		}
		out = append(out, *m)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store: listing pins: %w", err)
	}
	return out, nil
}

// Pin returns the pin of one repository.
func (s *sqlStore) Pin(ctx context.Context, typ, repo string) (*pin.Manifest, bool, error) {
	row := s.db.QueryRowContext(ctx, s.d.q(`SELECT `+pinColumns+` FROM pins WHERE repo_type = ? AND repo = ?`), typ, repo)
	m, err := scanPin(row)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("store: reading pin %s %s: %w", typ, repo, err)
	}
	return m, true, nil
}

func scanPin(r interface{ Scan(...any) error }) (*pin.Manifest, error) {
	var (
		m     pin.Manifest
		at    nullTime
		files string
	)
	if err := r.Scan(&m.Type, &m.Repo, &m.Revision, &m.Commit, &at, &files); err != nil {
		return nil, err
	}
	m.PinnedAt = at.T
	if err := json.Unmarshal([]byte(files), &m.Files); err != nil {
		return nil, fmt.Errorf("pin %s: bad files: %w", m.Repo, err)
	}
	return &m, nil
}
