package store

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"runtime"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/hfwarden/hfwarden/internal/finding"
	"github.com/hfwarden/hfwarden/internal/incident"
	"github.com/hfwarden/hfwarden/internal/secret"
)

// group is one distinct secret of a scan.
type group struct {
	fp, rule, redacted string
	sealed             []byte
	exposure           *time.Time
	verification       *finding.Verification
	id                 int64
	isNew              bool
	added              int
	// moved is set when this scan lowered (or first set) the exposure
	// start of an incident recorded before; was is the start before.
	moved bool
	was   *time.Time
}

// occ is one place of a scan.
type occ struct {
	g            *group
	key          []byte // the 32 bytes of incident.OccurrenceKey
	source, path string
	finding      string
}

// batch is a scan's findings grouped for writing: groups and occurrences
// are sorted (by fingerprint, by key) so that concurrent writers lock rows
// in the same order.
type batch struct {
	order  []*group // first appearance order, for ScanResult.Incidents
	groups []*group // sorted by fingerprint
	occs   []occ    // sorted by key, distinct
}

// secretOf returns a finding's raw secret: the in-memory one, else the
// Secret field (set when the scan showed secrets).
func secretOf(f *finding.Finding) string {
	if s := f.RawSecret(); s != "" {
		return s
	}
	return f.Secret
}

func (s *sqlStore) prepareBatch(findings []finding.Finding) (*batch, error) {
	b := &batch{}
	byFP := map[string]*group{}
	fps := make([]string, len(findings))
	for i := range findings {
		f := &findings[i]
		raw := secretOf(f)
		fp := f.Fingerprint
		if fp == "" {
			if raw == "" {
				return nil, fmt.Errorf("store: finding %d has neither fingerprint nor secret", i)
			}
			fp = secret.Fingerprint(raw)
		}
		fps[i] = fp
		g := byFP[fp]
		if g == nil {
			g = &group{fp: fp, rule: f.Rule, redacted: f.Redacted}
			if g.redacted == "" && raw != "" {
				g.redacted = secret.Redact(raw)
			}
			byFP[fp] = g
			b.order = append(b.order, g)
		}
		if g.sealed == nil && raw != "" && s.sealer != nil {
			if secret.Fingerprint(raw) != fp {
				return nil, fmt.Errorf("store: finding %d: the secret does not match its fingerprint", i)
			}
			sealed, err := s.sealer.Seal([]byte(raw), []byte(fp))
			if err != nil {
				return nil, err
			}
			g.sealed = sealed
		}
		for _, t := range []*time.Time{f.Time, f.CommitDate} {
			// A sentinel time (1970 from a reproducible build, …) means
			// "unknown", never an exposure start.
			if t != nil && finding.KnownTime(*t) && (g.exposure == nil || t.Before(*g.exposure)) {
				tt := t.UTC()
				g.exposure = &tt
			}
		}
		if v := f.Verification; v != nil && (g.verification == nil || v.CheckedAt.After(g.verification.CheckedAt)) {
			g.verification = v
		}
	}
	b.groups = append([]*group(nil), b.order...)
	sort.Slice(b.groups, func(i, j int) bool { return b.groups[i].fp < b.groups[j].fp })

	// Keys and finding JSON (without the secret), in parallel: it is most
	// of the CPU work of a large scan.
	occs := make([]occ, len(findings))
	var (
		wg      sync.WaitGroup
		errOnce sync.Once
		jerr    error
	)
	workers := runtime.GOMAXPROCS(0)
	chunk := (len(findings) + workers - 1) / workers
	for lo := 0; lo < len(findings); lo += chunk {
		hi := min(lo+chunk, len(findings))
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := lo; i < hi; i++ {
				f := findings[i] // a copy: clear the shown secret
				f.Secret = ""
				f.Fingerprint = fps[i]
				key, _ := hex.DecodeString(incident.OccurrenceKey(f))
				// The fingerprint and preview are the incident's: they
				// are put back on reading.
				f.Fingerprint, f.Redacted = "", ""
				js, err := json.Marshal(&f)
				if err != nil {
					errOnce.Do(func() { jerr = err })
					return
				}
				occs[i] = occ{g: byFP[fps[i]], key: key, source: f.Source,
					path: f.Location.Path, finding: string(js)}
			}
		}()
	}
	wg.Wait()
	if jerr != nil {
		return nil, fmt.Errorf("store: encoding finding: %w", jerr)
	}
	sort.Slice(occs, func(i, j int) bool { return bytes.Compare(occs[i].key, occs[j].key) < 0 })
	b.occs = occs[:0]
	for i, o := range occs {
		if i > 0 && bytes.Equal(o.key, occs[i-1].key) {
			continue
		}
		b.occs = append(b.occs, o)
	}
	return b, nil
}

func (s *sqlStore) RecordScan(ctx context.Context, scanID string, findings []finding.Finding, at time.Time) (ScanResult, error) {
	res := ScanResult{Incidents: []int64{}}
	if len(findings) == 0 {
		return res, nil
	}
	b, err := s.prepareBatch(findings)
	if err != nil {
		return res, err
	}
	err = s.withTx(ctx, func(tx *sql.Tx) error {
		for _, g := range b.groups {
			g.id, g.isNew, g.added, g.moved, g.was = 0, false, 0, false, nil
		}
		record := s.recordSQLite
		if s.d == postgres {
			record = s.recordPostgres
		}
		if err := record(ctx, tx, scanID, b, at); err != nil {
			return err
		}
		// After the scan events: the verification a scan reports comes
		// after the sighting that caused it, in the log's order and in
		// time (the Hub answered during the scan, before the store
		// learnt of it at at; the answer keeps its own time).
		for _, g := range b.groups {
			if g.verification != nil {
				if _, err := s.recordVerification(ctx, tx, g.id, *g.verification, false, at); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		return res, fmt.Errorf("store: recording scan %s: %w", scanID, err)
	}
	for _, g := range b.order {
		res.Incidents = append(res.Incidents, g.id)
		if g.isNew {
			res.NewIncidents++
		}
		res.NewOccurrences += g.added
	}
	return res, nil
}

func scanMessage(scanID string) string { return "first seen in scan " + scanID }

// moves tells whether exposure start e lowers (or first sets) was. The
// dialect's precision counts: PostgreSQL keeps microseconds, so a start
// read back from it differs from the nanoseconds of the evidence by less
// than one without being a move.
func (d dialect) moves(e, was *time.Time) bool {
	if e == nil {
		return false
	}
	if was == nil {
		return true
	}
	if d == postgres {
		return was.Sub(*e) >= time.Microsecond
	}
	return e.Before(*was)
}

// updateMessage says what a scan changed on an incident recorded before:
// the occurrences it added and the exposure start it moved; "" when it
// changed neither (a rescan of the same places adds no event).
func updateMessage(scanID string, g *group) string {
	var parts []string
	switch {
	case g.added == 1:
		parts = append(parts, "1 new occurrence")
	case g.added > 1:
		parts = append(parts, fmt.Sprintf("%d new occurrences", g.added))
	}
	if g.moved {
		m := "exposure start moved to " + g.exposure.UTC().Format(time.RFC3339Nano)
		if g.was == nil {
			m = "exposure start set to " + g.exposure.UTC().Format(time.RFC3339Nano)
		} else {
			m += " (was " + g.was.UTC().Format(time.RFC3339Nano) + ")"
		}
		parts = append(parts, m)
	}
	if len(parts) == 0 {
		return ""
	}
	return strings.Join(parts, "; ") + " in scan " + scanID
}

func (s *sqlStore) recordSQLite(ctx context.Context, tx *sql.Tx, scanID string, b *batch, at time.Time) error {
	prep := func(q string) (*sql.Stmt, error) { return tx.PrepareContext(ctx, q) }
	sel, err := prep(`SELECT id, exposure_start FROM incidents WHERE fingerprint = ?`)
	if err != nil {
		return err
	}
	defer func() { _ = sel.Close() }() // the transaction closes it anyway
	ins, err := prep(`INSERT INTO incidents (fingerprint, rule, redacted, sealed_secret, state, first_seen, last_seen, exposure_start)
		VALUES (?, ?, ?, ?, 'open', ?, ?, ?)`)
	if err != nil {
		return err
	}
	defer func() { _ = ins.Close() }() // the transaction closes it anyway
	upd, err := prep(`UPDATE incidents SET last_seen = max(last_seen, ?1),
		exposure_start = coalesce(min(exposure_start, ?2), exposure_start, ?2),
		sealed_secret = coalesce(sealed_secret, ?3) WHERE id = ?4`)
	if err != nil {
		return err
	}
	defer func() { _ = upd.Close() }() // the transaction closes it anyway
	atS := s.d.t(at)
	for _, g := range b.groups {
		var sealed any
		if g.sealed != nil {
			sealed = g.sealed
		}
		var was nullTime
		err := sel.QueryRowContext(ctx, g.fp).Scan(&g.id, &was)
		switch {
		case err == sql.ErrNoRows:
			r, err := ins.ExecContext(ctx, g.fp, g.rule, g.redacted, sealed, atS, atS, s.d.tp(g.exposure))
			if err != nil {
				return err
			}
			if g.id, err = r.LastInsertId(); err != nil {
				return err
			}
			g.isNew = true
		case err != nil:
			return err
		default:
			g.was = was.ptr()
			g.moved = s.d.moves(g.exposure, g.was)
			if _, err := upd.ExecContext(ctx, atS, s.d.tp(g.exposure), sealed, g.id); err != nil {
				return err
			}
		}
	}
	// Occurrences go in multi-row statements: per-statement overhead is
	// most of the cost of single-row inserts. RETURNING lists the rows
	// actually inserted (not those already recorded).
	const per = 100
	occStmt := func(n int) string {
		var b strings.Builder
		b.WriteString(`INSERT INTO occurrences (incident_id, key, scan_id, seen_at, source, path, finding) VALUES `)
		for i := range n {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(`(?, ?, ?, ?, ?, ?, ?)`)
		}
		b.WriteString(` ON CONFLICT (key) DO NOTHING RETURNING incident_id`)
		return b.String()
	}
	full, err := prep(occStmt(per))
	if err != nil {
		return err
	}
	defer func() { _ = full.Close() }() // the transaction closes it anyway
	byID := make(map[int64]*group, len(b.groups))
	for _, g := range b.groups {
		byID[g.id] = g
	}
	args := make([]any, 0, 7*per)
	for lo := 0; lo < len(b.occs); lo += per {
		chunk := b.occs[lo:min(lo+per, len(b.occs))]
		args = args[:0]
		for _, o := range chunk {
			args = append(args, o.g.id, o.key, scanID, atS, o.source, o.path, o.finding)
		}
		var rows *sql.Rows
		if len(chunk) == per {
			rows, err = full.QueryContext(ctx, args...)
		} else {
			rows, err = tx.QueryContext(ctx, occStmt(len(chunk)), args...)
		}
		if err != nil {
			return err
		}
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				_ = rows.Close() // the Scan error is the one to report
				return err
			}
			if g := byID[id]; g != nil {
				g.added++
			}
		}
		_ = rows.Close() // every row was read: Err below says how reading ended
		if err := rows.Err(); err != nil {
			return err
		}
	}
	cnt, err := prep(`UPDATE incidents SET occurrences = occurrences + ? WHERE id = ?`)
	if err != nil {
		return err
	}
	defer func() { _ = cnt.Close() }() // the transaction closes it anyway
	ev, err := prep(`INSERT INTO events (incident_id, at, actor, kind, message) VALUES (?, ?, 'hfwarden', 'scan', ?)`)
	if err != nil {
		return err
	}
	defer func() { _ = ev.Close() }() // the transaction closes it anyway
	for _, g := range b.groups {
		if g.added > 0 {
			if _, err := cnt.ExecContext(ctx, g.added, g.id); err != nil {
				return err
			}
		}
		msg := updateMessage(scanID, g)
		if g.isNew {
			msg = scanMessage(scanID)
		}
		if msg != "" {
			if _, err := ev.ExecContext(ctx, g.id, atS, msg); err != nil {
				return err
			}
		}
	}
	return nil
}

// pgChunk bounds the rows sent in one statement.
const pgChunk = 5000

func (s *sqlStore) recordPostgres(ctx context.Context, tx *sql.Tx, scanID string, b *batch, at time.Time) error {
	at = at.UTC()
	byFP := make(map[string]*group, len(b.groups))
	for lo := 0; lo < len(b.groups); lo += pgChunk {
		gs := b.groups[lo:min(lo+pgChunk, len(b.groups))]
		fps, rules, reds, exps := make([]string, len(gs)), make([]string, len(gs)), make([]string, len(gs)), make([]string, len(gs))
		sealed := make([][]byte, len(gs))
		for i, g := range gs {
			byFP[g.fp] = g
			fps[i], rules[i], reds[i], sealed[i] = g.fp, g.rule, g.redacted, g.sealed
			if g.exposure != nil {
				exps[i] = g.exposure.Format(time.RFC3339Nano)
			}
		}
		// The exposure starts before the upsert, with the rows locked (in
		// fingerprint order, as the upsert locks them), so that the event
		// of a moved start is logged once even with concurrent scans.
		old, err := tx.QueryContext(ctx, `SELECT fingerprint, exposure_start FROM incidents
			WHERE fingerprint = ANY($1::text[]) ORDER BY fingerprint FOR UPDATE`, fps)
		if err != nil {
			return err
		}
		was := map[string]*time.Time{}
		for old.Next() {
			var (
				fp string
				t  nullTime
			)
			if err := old.Scan(&fp, &t); err != nil {
				_ = old.Close() // the Scan error is the one to report
				return err
			}
			was[fp] = t.ptr()
		}
		_ = old.Close() // every row was read: Err below says how reading ended
		if err := old.Err(); err != nil {
			return err
		}
		for _, g := range gs {
			if w, ok := was[g.fp]; ok {
				g.was = w
				g.moved = s.d.moves(g.exposure, w)
			}
		}
		rows, err := tx.QueryContext(ctx, `INSERT INTO incidents (fingerprint, rule, redacted, sealed_secret, state, first_seen, last_seen, exposure_start)
			SELECT u.fp, u.rule, u.red, u.sec, 'open', $5, $5, NULLIF(u.exp, '')::timestamptz
			FROM unnest($1::text[], $2::text[], $3::text[], $4::bytea[], $6::text[]) WITH ORDINALITY AS u(fp, rule, red, sec, exp, ord)
			ORDER BY u.ord
			ON CONFLICT (fingerprint) DO UPDATE SET
				last_seen = GREATEST(incidents.last_seen, EXCLUDED.last_seen),
				exposure_start = LEAST(incidents.exposure_start, EXCLUDED.exposure_start),
				sealed_secret = COALESCE(incidents.sealed_secret, EXCLUDED.sealed_secret)
			RETURNING id, fingerprint, (xmax = 0)`, fps, rules, reds, sealed, at, exps)
		if err != nil {
			return err
		}
		for rows.Next() {
			var (
				id    int64
				fp    string
				isNew bool
			)
			if err := rows.Scan(&id, &fp, &isNew); err != nil {
				_ = rows.Close() // the Scan error is the one to report
				return err
			}
			if g := byFP[fp]; g != nil {
				g.id, g.isNew = id, isNew
			}
		}
		_ = rows.Close() // every row was read: Err below says how reading ended
		if err := rows.Err(); err != nil {
			return err
		}
	}
	for lo := 0; lo < len(b.occs); lo += pgChunk {
		chunk := b.occs[lo:min(lo+pgChunk, len(b.occs))]
		ids := make([]int64, len(chunk))
		keys := make([][]byte, len(chunk))
		srcs, paths, fs := make([]string, len(chunk)), make([]string, len(chunk)), make([]string, len(chunk))
		byID := make(map[int64]*group)
		for i, o := range chunk {
			ids[i], keys[i], srcs[i], paths[i], fs[i] = o.g.id, o.key, o.source, o.path, o.finding
			byID[o.g.id] = o.g
		}
		rows, err := tx.QueryContext(ctx, `INSERT INTO occurrences (incident_id, key, scan_id, seen_at, source, path, finding)
			SELECT u.iid, u.k, $3, $4, u.src, u.p, u.f
			FROM unnest($1::bigint[], $2::bytea[], $5::text[], $6::text[], $7::text[]) WITH ORDINALITY AS u(iid, k, src, p, f, ord)
			ORDER BY u.ord
			ON CONFLICT (key) DO NOTHING
			RETURNING incident_id`, ids, keys, scanID, at, srcs, paths, fs)
		if err != nil {
			return err
		}
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				_ = rows.Close() // the Scan error is the one to report
				return err
			}
			if g := byID[id]; g != nil {
				g.added++
			}
		}
		_ = rows.Close() // every row was read: Err below says how reading ended
		if err := rows.Err(); err != nil {
			return err
		}
	}
	var (
		cntIDs, evIDs []int64
		cntN          []int64
		evMsgs        []string
	)
	for _, g := range b.groups {
		if g.added > 0 {
			cntIDs, cntN = append(cntIDs, g.id), append(cntN, int64(g.added))
		}
		msg := updateMessage(scanID, g)
		if g.isNew {
			g.moved, g.was = false, nil // a row this scan created
			msg = scanMessage(scanID)
		}
		if msg != "" {
			evIDs, evMsgs = append(evIDs, g.id), append(evMsgs, msg)
		}
	}
	if len(cntIDs) > 0 {
		if _, err := tx.ExecContext(ctx, `UPDATE incidents SET occurrences = incidents.occurrences + u.n
			FROM unnest($1::bigint[], $2::bigint[]) AS u(id, n) WHERE incidents.id = u.id`, cntIDs, cntN); err != nil {
			return err
		}
	}
	if len(evIDs) > 0 {
		if _, err := tx.ExecContext(ctx, `INSERT INTO events (incident_id, at, actor, kind, message)
			SELECT u.id, $2, 'hfwarden', 'scan', u.msg FROM unnest($1::bigint[], $3::text[]) WITH ORDINALITY AS u(id, msg, ord) ORDER BY u.ord`,
			evIDs, at, evMsgs); err != nil {
			return err
		}
	}
	return nil
}
