package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" database/sql driver
	sqlitedrv "modernc.org/sqlite"     // registers the "sqlite" database/sql driver
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/hfwarden/hfwarden/internal/detect"
	"github.com/hfwarden/hfwarden/internal/safefile"
	"github.com/hfwarden/hfwarden/internal/seal"
)

// ErrNotFound is returned for an incident that does not exist.
var ErrNotFound = errors.New("store: no such incident")

// ErrNoSecret is returned by Secret when the incident's secret was never
// recorded (its findings came without the raw secret, or the store was
// opened without a sealer).
var ErrNoSecret = errors.New("store: the incident's secret was not recorded")

// DefaultPath is where the embedded SQLite database lives by default in
// hfwarden's data directory dataDir, which the caller finds (cli reads
// $XDG_DATA_HOME and the home directory: the store reads no environment).
func DefaultPath(dataDir string) string {
	return filepath.Join(dataDir, "hfwarden.db")
}

// ErrNoStore is returned by OpenReadOnly when there is no store to read:
// no SQLite file, or a PostgreSQL database hfwarden never set up.
var ErrNoStore = errors.New("store: no store")

// ErrWrongKey is returned by Open when the sealer cannot open the secrets
// already in the store: sealing new ones with it would leave the store
// holding secrets under two keys, some of them unreadable.
var ErrWrongKey = errors.New("store: the sealing key does not open the secrets already in this store (wrong --key-file or $HFWARDEN_KEY?)")

// DSN is a parsed --db value.
type DSN struct {
	// Postgres is set for a PostgreSQL URL, held in URL with its scheme in
	// lower case; otherwise Path is the SQLite file.
	Postgres bool
	URL      string
	Path     string
}

// ParseDSN reads a store location: a SQLite file path, "sqlite://PATH"
// (or "sqlite:PATH"), or a "postgres://" / "postgresql://" URL, schemes in
// any case. Anything else that starts like a URL scheme ("mysql://x",
// "http://…", "foo:bar") is refused rather than taken for a file name, so
// that a mistyped URL does not silently create a SQLite file. The error
// names the scheme only: the rest may hold a password. An empty dsn is
// refused: the caller substitutes its default (DefaultPath) first.
func ParseDSN(dsn string) (DSN, error) {
	if dsn == "" {
		return DSN{}, errors.New("store: no database named")
	}
	scheme, rest, ok := cutScheme(dsn)
	if !ok {
		if t := strings.TrimSpace(dsn); t != dsn {
			if scheme, _, ok := cutScheme(t); ok {
				// " postgres://…" pasted with a space: taken as a file
				// name it would create a directory named like a URL.
				return DSN{}, fmt.Errorf("store: the database URL (%s:…) has spaces around it: remove them", scheme)
			}
		}
		return DSN{Path: dsn}, nil
	}
	switch strings.ToLower(scheme) {
	case "postgres", "postgresql":
		return DSN{Postgres: true, URL: strings.ToLower(scheme) + ":" + escapeUserinfo(rest)}, nil
	case "sqlite", "sqlite3":
		path := strings.TrimPrefix(rest, "//")
		if path == "" {
			return DSN{}, fmt.Errorf("store: %s: URL without a file path", scheme)
		}
		return DSN{Path: path}, nil
	}
	return DSN{}, fmt.Errorf("store: unsupported database %q: give a SQLite file path, sqlite://PATH or postgres://…", scheme+":")
}

// escapeUserinfo percent-encodes the user name and password of
// "//user:pass@host/…" taking the authority's LAST '@' as the end of the
// password, so that a password holding a raw '@' is neither cut short
// (the driver would take its tail for the host, and echo it in a
// "lookup" error) nor shown. Anything else is returned as it is.
func escapeUserinfo(rest string) string {
	if !strings.HasPrefix(rest, "//") {
		return rest
	}
	auth, tail := rest[2:], ""
	if i := strings.IndexAny(auth, "/?#"); i >= 0 {
		auth, tail = auth[:i], auth[i:]
	}
	at := strings.LastIndex(auth, "@")
	if at < 0 {
		return rest
	}
	info, host := auth[:at], auth[at+1:]
	user, pass, hasPass := strings.Cut(info, ":")
	user, pass = unescapeLoose(user), unescapeLoose(pass)
	ui := url.User(user)
	if hasPass {
		ui = url.UserPassword(user, pass)
	}
	return "//" + ui.String() + "@" + host + tail
}

// unescapeLoose decodes %XX escapes, keeping text that is not a valid
// escape as it is (a raw '%' in a password).
func unescapeLoose(s string) string {
	if u, err := url.PathUnescape(s); err == nil {
		return u
	}
	return s
}

// pgSecrets returns what must not appear in an error about a PostgreSQL
// URL: its password, raw and encoded, and each '@'-separated piece of it
// (a driver that split it there may show a piece as a host name).
func pgSecrets(dsn string) []string {
	u, err := url.Parse(dsn)
	if err != nil || u.User == nil {
		return nil
	}
	pass, ok := u.User.Password()
	if !ok || pass == "" {
		return nil
	}
	out := []string{pass, url.QueryEscape(pass), url.PathEscape(pass)}
	for _, p := range strings.Split(pass, "@") {
		if len(p) >= 3 {
			out = append(out, p)
		}
	}
	return out
}

// scrubbedError is an error whose text has a URL's password removed; it
// still unwraps to the original, for errors.Is.
type scrubbedError struct {
	err error
	msg string
}

func (e *scrubbedError) Error() string { return e.msg }
func (e *scrubbedError) Unwrap() error { return e.err }

// scrub hides the password of dsn in err's text: the driver builds its
// messages from the connection string, and what hfwarden prints must not
// depend on what the driver chose to echo.
func scrub(err error, dsn string) error {
	secrets := pgSecrets(dsn)
	if err == nil || len(secrets) == 0 {
		return err
	}
	msg := err.Error()
	for _, s := range secrets {
		msg = strings.ReplaceAll(msg, s, "***")
	}
	if msg == err.Error() {
		return err
	}
	return &scrubbedError{err: err, msg: msg}
}

// cutScheme splits "scheme:rest" when dsn starts with a URL scheme
// (RFC 3986: a letter, then letters, digits, '+', '-', '.'). A single
// letter before ":\" or ":/" is a Windows drive, not a scheme.
func cutScheme(dsn string) (scheme, rest string, ok bool) {
	for i := 0; i < len(dsn); i++ {
		c := dsn[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z':
		case i > 0 && (c >= '0' && c <= '9' || c == '+' || c == '-' || c == '.'):
		case i > 0 && c == ':':
			rest = dsn[i+1:]
			if i == 1 && (strings.HasPrefix(rest, `\`) || strings.HasPrefix(rest, "/")) {
				return "", "", false
			}
			return dsn[:i], rest, true
		default:
			return "", "", false
		}
	}
	return "", "", false
}

// IsPostgres tells whether a DSN names a PostgreSQL database.
func IsPostgres(dsn string) bool {
	d, err := ParseDSN(dsn)
	return err == nil && d.Postgres
}

// Open opens (creating and migrating as needed) the store named by dsn
// (see ParseDSN): PostgreSQL, or a SQLite file whose directory is created,
// mode 0700. Secrets are sealed with sealer; with a nil sealer, secrets are
// not kept at all and Secret returns ErrNoSecret. A sealer that cannot open
// a secret already stored is refused with ErrWrongKey before it seals
// anything. Open is idempotent and safe to call from several processes at
// once.
func Open(ctx context.Context, dsn string, sealer *seal.Sealer) (Store, error) {
	loc, err := ParseDSN(dsn)
	if err != nil {
		return nil, err
	}
	var db *sql.DB
	var d dialect
	if loc.Postgres {
		d = postgres
		db, err = sql.Open("pgx", loc.URL)
		if err != nil {
			return nil, fmt.Errorf("store: %w", scrub(err, loc.URL))
		}
		db.SetMaxOpenConns(16)
		db.SetMaxIdleConns(4)
	} else {
		d = sqlite
		dsn = loc.Path
		if strings.ContainsAny(dsn, "?#") {
			return nil, fmt.Errorf("store: database path %q must not contain '?' or '#'", dsn)
		}
		// SQLite would open a FIFO or device and block on it, or write
		// into it: only a regular file (or none yet) is a database.
		if fi, err := os.Stat(dsn); err == nil && !fi.Mode().IsRegular() {
			return nil, fmt.Errorf("store: %s is %s, not a regular file", dsn, safefile.Describe(fi.Mode()))
		}
		if err := os.MkdirAll(filepath.Dir(dsn), 0o700); err != nil {
			return nil, fmt.Errorf("store: %w", err)
		}
		// The page size only takes on a new database, and must come
		// before WAL mode (the driver applies _pragma before
		// _journal_mode). Larger pages and a larger checkpoint interval
		// mean fewer, larger writes when recording big scans.
		db, err = sql.Open("sqlite", dsn+"?_pragma=busy_timeout(10000)&_pragma=page_size(16384)"+
			"&_pragma=cache_size(-65536)&_pragma=wal_autocheckpoint(4096)&_pragma=journal_size_limit(67108864)"+
			"&_journal_mode=WAL&_foreign_keys=1&_synchronous=NORMAL&_txlock=immediate")
		if err != nil {
			return nil, fmt.Errorf("store: %w", err)
		}
		// WAL allows readers beside the one writer; writes take the
		// database lock at BEGIN (IMMEDIATE) so they queue instead of
		// failing to upgrade a read lock.
		db.SetMaxOpenConns(4)
		db.SetMaxIdleConns(4)
		db.SetConnMaxIdleTime(time.Minute)
	}
	s := &sqlStore{db: db, d: d, sealer: sealer, det: detect.New(detect.Options{})}
	if err := s.migrate(ctx); err != nil {
		_ = db.Close() // the error that stopped the open is the one to report
		return nil, scrub(err, loc.URL)
	}
	if err := s.checkKey(ctx); err != nil {
		_ = db.Close() // the error that stopped the open is the one to report
		return nil, scrub(err, loc.URL)
	}
	if d == sqlite {
		// Keep the database file private: it holds sealed secrets and
		// what they can reach.
		_ = os.Chmod(dsn, 0o600)
	}
	return s, nil
}

// Exists tells, creating and writing nothing, whether dsn holds an
// hfwarden store: nil when it does (at any schema version), ErrNoStore when
// there is none, another error when it cannot be told.
func Exists(ctx context.Context, dsn string) error {
	st, err := OpenReadOnly(ctx, dsn, nil)
	switch {
	case err == nil:
		return st.Close()
	case errors.Is(err, errOldSchema):
		return nil // there, only older: Open migrates it
	}
	return err
}

// OpenExisting is Open for commands that work on incidents already
// recorded: when dsn holds no store it creates nothing (no file, no
// directory, no schema) and returns ErrNoStore.
func OpenExisting(ctx context.Context, dsn string, sealer *seal.Sealer) (Store, error) {
	if err := Exists(ctx, dsn); err != nil {
		return nil, err
	}
	return Open(ctx, dsn, sealer)
}

// OpenReadOnly opens an existing store for reading: it creates nothing
// (no file, no directory, no schema) and writes nothing, so it works on a
// database file or directory the user cannot write. ErrNoStore says there
// is no store at dsn. A store whose schema is older than this hfwarden
// must be opened once with Open to migrate it. The sealer may be nil.
func OpenReadOnly(ctx context.Context, dsn string, sealer *seal.Sealer) (Store, error) {
	loc, err := ParseDSN(dsn)
	if err != nil {
		return nil, err
	}
	if loc.Postgres {
		// The session refuses writes too, whatever a caller tries.
		sep := "?"
		if strings.Contains(loc.URL, "?") {
			sep = "&"
		}
		db, err := sql.Open("pgx", loc.URL+sep+"default_transaction_read_only=on")
		if err != nil {
			return nil, fmt.Errorf("store: %w", scrub(err, loc.URL))
		}
		db.SetMaxOpenConns(4)
		s := &sqlStore{db: db, d: postgres, sealer: sealer, det: detect.New(detect.Options{})}
		if err := s.checkSchema(ctx); err != nil {
			_ = db.Close() // the error that stopped the open is the one to report
			return nil, scrub(err, loc.URL)
		}
		return s, nil
	}
	if strings.ContainsAny(loc.Path, "?#") {
		return nil, fmt.Errorf("store: database path %q must not contain '?' or '#'", loc.Path)
	}
	fi, err := os.Stat(loc.Path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, ErrNoStore
	}
	if err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	if !fi.Mode().IsRegular() {
		// A FIFO would block SQLite's open: refused like a directory.
		return nil, fmt.Errorf("store: %s is %s, not a regular file", loc.Path, safefile.Describe(fi.Mode()))
	}
	abs, err := filepath.Abs(loc.Path)
	if err != nil {
		return nil, fmt.Errorf("store: %w", err)
	}
	uri := (&url.URL{Scheme: "file", Path: filepath.ToSlash(abs)}).String()
	// mode=ro first: it sees a WAL file's newest commits. Without write
	// access to the directory SQLite cannot make the shared-memory file a
	// WAL database needs, so fall back to immutable, which reads the
	// database file alone (a cleanly closed store has no WAL left).
	var last error
	for _, mode := range []string{"mode=ro", "mode=ro&immutable=1"} {
		db, err := sql.Open("sqlite", uri+"?"+mode+"&_pragma=busy_timeout(10000)&_pragma=query_only(1)&_foreign_keys=1")
		if err != nil {
			return nil, fmt.Errorf("store: %w", err)
		}
		db.SetMaxOpenConns(4)
		db.SetMaxIdleConns(4)
		db.SetConnMaxIdleTime(time.Minute)
		s := &sqlStore{db: db, d: sqlite, sealer: sealer, det: detect.New(detect.Options{})}
		if last = s.checkSchema(ctx); last == nil {
			return s, nil
		}
		_ = db.Close() // the error that stopped the open is the one to report
		if errors.Is(last, ErrNoStore) || errors.Is(last, errOldSchema) {
			break
		}
	}
	return nil, last
}

// errOldSchema marks a store that needs migrating before it can be read.
var errOldSchema = errors.New("store: the store's schema is older than this hfwarden")

// checkSchema confirms, without writing, that the database holds an
// hfwarden store at the current schema version.
func (s *sqlStore) checkSchema(ctx context.Context) error {
	var v sql.NullInt64
	err := s.db.QueryRowContext(ctx, `SELECT max(version) FROM schema_migrations`).Scan(&v)
	if err != nil {
		if s.d == sqlite && strings.Contains(err.Error(), "no such table") {
			return ErrNoStore
		}
		var pe *pgconn.PgError
		if errors.As(err, &pe) && pe.Code == "42P01" { // undefined_table
			return ErrNoStore
		}
		return fmt.Errorf("store: reading the schema version: %w", err)
	}
	if !v.Valid {
		return ErrNoStore
	}
	if int(v.Int64) < SchemaVersion() {
		return fmt.Errorf("%w (version %d, want %d): run a command that writes to it (e.g. hfwarden scan --store) to migrate it", errOldSchema, v.Int64, SchemaVersion())
	}
	return nil
}

// checkKey opens one sealed secret with the store's sealer, if there is
// one: a key that cannot open it is the wrong key.
func (s *sqlStore) checkKey(ctx context.Context) error {
	if s.sealer == nil {
		return nil
	}
	var fp string
	var sealed []byte
	err := s.db.QueryRowContext(ctx, `SELECT fingerprint, sealed_secret FROM incidents WHERE sealed_secret IS NOT NULL ORDER BY id LIMIT 1`).Scan(&fp, &sealed)
	if errors.Is(err, sql.ErrNoRows) {
		return nil // nothing sealed yet: any key is the store's key
	}
	if err != nil {
		return fmt.Errorf("store: checking the sealing key: %w", err)
	}
	if _, err := s.sealer.Open(sealed, []byte(fp)); err != nil {
		return ErrWrongKey
	}
	return nil
}

type dialect int

const (
	sqlite dialect = iota
	postgres
)

// q rewrites ? placeholders as $n for PostgreSQL. Queries must not hold
// '?' elsewhere.
func (d dialect) q(query string) string {
	if d != postgres {
		return query
	}
	var b strings.Builder
	n := 0
	for _, r := range query {
		if r == '?' {
			n++
			fmt.Fprintf(&b, "$%d", n)
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// timeFormat is how SQLite stores times: fixed width and UTC, so text
// comparison and min/max order them correctly.
const timeFormat = "2006-01-02T15:04:05.000000000Z"

// t converts a time to a query argument.
func (d dialect) t(t time.Time) any {
	if d == postgres {
		return t.UTC()
	}
	return t.UTC().Format(timeFormat)
}

// tp converts an optional time to a query argument.
func (d dialect) tp(t *time.Time) any {
	if t == nil {
		return nil
	}
	return d.t(*t)
}

// nullTime scans a time stored by either dialect.
type nullTime struct {
	T     time.Time
	Valid bool
}

func (n *nullTime) Scan(v any) error {
	switch x := v.(type) {
	case nil:
		*n = nullTime{}
		return nil
	case time.Time:
		*n = nullTime{x.UTC(), true}
		return nil
	case string:
		return n.parse(x)
	case []byte:
		return n.parse(string(x))
	}
	return fmt.Errorf("store: cannot scan %T as a time", v)
}

func (n *nullTime) parse(s string) error {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return fmt.Errorf("store: bad time %q: %w", s, err)
	}
	*n = nullTime{t.UTC(), true}
	return nil
}

func (n nullTime) ptr() *time.Time {
	if !n.Valid {
		return nil
	}
	t := n.T
	return &t
}

// migration is one numbered schema change; sql holds one statement per
// element, per dialect.
type migration struct {
	version int
	sqlite  []string
	pg      []string
}

var migrations = []migration{
	{
		version: 1,
		sqlite: []string{
			`CREATE TABLE incidents (
				id INTEGER PRIMARY KEY AUTOINCREMENT,
				fingerprint TEXT NOT NULL UNIQUE,
				rule TEXT NOT NULL DEFAULT '',
				redacted TEXT NOT NULL DEFAULT '',
				sealed_secret BLOB,
				state TEXT NOT NULL DEFAULT 'open',
				severity TEXT NOT NULL DEFAULT '',
				owner TEXT NOT NULL DEFAULT '',
				orgs TEXT,
				assignee TEXT NOT NULL DEFAULT '',
				first_seen TEXT NOT NULL,
				last_seen TEXT NOT NULL,
				exposure_start TEXT,
				verification TEXT,
				revoke_requested_at TEXT,
				contained_at TEXT,
				occurrences INTEGER NOT NULL DEFAULT 0,
				assessment TEXT,
				assessed_at TEXT
			)`,
			`CREATE INDEX incidents_first_seen ON incidents (first_seen, id)`,
			`CREATE INDEX incidents_state ON incidents (state, first_seen)`,
			`CREATE INDEX incidents_severity ON incidents (severity, first_seen)`,
			`CREATE INDEX incidents_owner ON incidents (owner)`,
			`CREATE TABLE incident_orgs (
				incident_id INTEGER NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
				org TEXT NOT NULL,
				PRIMARY KEY (org, incident_id)
			)`,
			`CREATE TABLE occurrences (
				id INTEGER PRIMARY KEY AUTOINCREMENT,
				incident_id INTEGER NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
				key BLOB NOT NULL UNIQUE,
				scan_id TEXT NOT NULL,
				seen_at TEXT NOT NULL,
				source TEXT NOT NULL DEFAULT '',
				path TEXT NOT NULL DEFAULT '',
				finding TEXT NOT NULL
			)`,
			`CREATE INDEX occurrences_incident ON occurrences (incident_id, id)`,
			`CREATE TABLE events (
				id INTEGER PRIMARY KEY AUTOINCREMENT,
				incident_id INTEGER NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
				at TEXT NOT NULL,
				actor TEXT NOT NULL DEFAULT '',
				kind TEXT NOT NULL,
				from_state TEXT NOT NULL DEFAULT '',
				to_state TEXT NOT NULL DEFAULT '',
				message TEXT NOT NULL DEFAULT ''
			)`,
			`CREATE INDEX events_incident ON events (incident_id, id)`,
			`CREATE TABLE verifications (
				id INTEGER PRIMARY KEY AUTOINCREMENT,
				incident_id INTEGER NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
				checked_at TEXT NOT NULL,
				status TEXT NOT NULL,
				reason TEXT NOT NULL DEFAULT '',
				owner TEXT NOT NULL DEFAULT '',
				cached INTEGER NOT NULL DEFAULT 0
			)`,
			`CREATE INDEX verifications_incident ON verifications (incident_id, id)`,
		},
		pg: []string{
			`CREATE TABLE incidents (
				id BIGSERIAL PRIMARY KEY,
				fingerprint TEXT COLLATE "C" NOT NULL UNIQUE,
				rule TEXT NOT NULL DEFAULT '',
				redacted TEXT NOT NULL DEFAULT '',
				sealed_secret BYTEA,
				state TEXT NOT NULL DEFAULT 'open',
				severity TEXT NOT NULL DEFAULT '',
				owner TEXT NOT NULL DEFAULT '',
				orgs TEXT,
				assignee TEXT NOT NULL DEFAULT '',
				first_seen TIMESTAMPTZ NOT NULL,
				last_seen TIMESTAMPTZ NOT NULL,
				exposure_start TIMESTAMPTZ,
				verification TEXT,
				revoke_requested_at TIMESTAMPTZ,
				contained_at TIMESTAMPTZ,
				occurrences INTEGER NOT NULL DEFAULT 0,
				assessment TEXT,
				assessed_at TIMESTAMPTZ
			)`,
			`CREATE INDEX incidents_first_seen ON incidents (first_seen, id)`,
			`CREATE INDEX incidents_state ON incidents (state, first_seen)`,
			`CREATE INDEX incidents_severity ON incidents (severity, first_seen)`,
			`CREATE INDEX incidents_owner ON incidents (owner)`,
			`CREATE TABLE incident_orgs (
				incident_id BIGINT NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
				org TEXT NOT NULL,
				PRIMARY KEY (org, incident_id)
			)`,
			`CREATE TABLE occurrences (
				id BIGSERIAL PRIMARY KEY,
				incident_id BIGINT NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
				key BYTEA NOT NULL UNIQUE,
				scan_id TEXT NOT NULL,
				seen_at TIMESTAMPTZ NOT NULL,
				source TEXT NOT NULL DEFAULT '',
				path TEXT NOT NULL DEFAULT '',
				finding TEXT NOT NULL
			)`,
			`CREATE INDEX occurrences_incident ON occurrences (incident_id, id)`,
			`CREATE TABLE events (
				id BIGSERIAL PRIMARY KEY,
				incident_id BIGINT NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
				at TIMESTAMPTZ NOT NULL,
				actor TEXT NOT NULL DEFAULT '',
				kind TEXT NOT NULL,
				from_state TEXT NOT NULL DEFAULT '',
				to_state TEXT NOT NULL DEFAULT '',
				message TEXT NOT NULL DEFAULT ''
			)`,
			`CREATE INDEX events_incident ON events (incident_id, id)`,
			`CREATE TABLE verifications (
				id BIGSERIAL PRIMARY KEY,
				incident_id BIGINT NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
				checked_at TIMESTAMPTZ NOT NULL,
				status TEXT NOT NULL,
				reason TEXT NOT NULL DEFAULT '',
				owner TEXT NOT NULL DEFAULT '',
				cached BOOLEAN NOT NULL DEFAULT FALSE
			)`,
			`CREATE INDEX verifications_incident ON verifications (incident_id, id)`,
		},
	},
	{
		// Integrity pins: one manifest per repository; files as JSON.
		version: 2,
		sqlite: []string{
			`CREATE TABLE pins (
				repo_type TEXT NOT NULL,
				repo TEXT NOT NULL,
				revision TEXT NOT NULL,
				commit_id TEXT NOT NULL,
				pinned_at TEXT NOT NULL,
				files TEXT NOT NULL,
				PRIMARY KEY (repo_type, repo)
			)`,
		},
		pg: []string{
			`CREATE TABLE pins (
				repo_type TEXT NOT NULL,
				repo TEXT NOT NULL,
				revision TEXT NOT NULL,
				commit_id TEXT NOT NULL,
				pinned_at TIMESTAMPTZ NOT NULL,
				files TEXT NOT NULL,
				PRIMARY KEY (repo_type, repo)
			)`,
		},
	},
	{
		// Post-exposure audits: every run kept, as JSON, per incident.
		version: 3,
		sqlite: []string{
			`CREATE TABLE audits (
				id INTEGER PRIMARY KEY AUTOINCREMENT,
				incident_id INTEGER NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
				at TEXT NOT NULL,
				report TEXT NOT NULL
			)`,
			`CREATE INDEX audits_incident ON audits (incident_id, id)`,
		},
		pg: []string{
			`CREATE TABLE audits (
				id BIGSERIAL PRIMARY KEY,
				incident_id BIGINT NOT NULL REFERENCES incidents (id) ON DELETE CASCADE,
				at TIMESTAMPTZ NOT NULL,
				report TEXT NOT NULL
			)`,
			`CREATE INDEX audits_incident ON audits (incident_id, id)`,
		},
	},
	{
		// Scan runs: what each recorded scan walked (kinds of source and
		// targets), found something or not, so that "searched, token
		// absent" differs from "not searched".
		version: 4,
		sqlite: []string{
			`CREATE TABLE scans (
				id TEXT PRIMARY KEY,
				at TEXT NOT NULL,
				kinds TEXT NOT NULL,
				targets TEXT NOT NULL,
				complete INTEGER NOT NULL DEFAULT 0
			)`,
			`CREATE INDEX scans_at ON scans (at)`,
		},
		pg: []string{
			`CREATE TABLE scans (
				id TEXT PRIMARY KEY,
				at TIMESTAMPTZ NOT NULL,
				kinds TEXT NOT NULL,
				targets TEXT NOT NULL,
				complete BOOLEAN NOT NULL DEFAULT FALSE
			)`,
			`CREATE INDEX scans_at ON scans (at)`,
		},
	},
	{
		// The Hub that gave each verification: a live answer of one
		// endpoint is not erased by another endpoint's answer.
		version: 5,
		sqlite:  []string{`ALTER TABLE verifications ADD COLUMN endpoint TEXT NOT NULL DEFAULT ''`},
		pg:      []string{`ALTER TABLE verifications ADD COLUMN endpoint TEXT NOT NULL DEFAULT ''`},
	},
}

// migrate applies the migrations not yet applied, each in a transaction,
// under a lock so that concurrent Opens wait for one another.
func (s *sqlStore) migrate(ctx context.Context) error {
	for _, m := range migrations {
		err := s.withTx(ctx, func(tx *sql.Tx) error {
			if s.d == postgres {
				// Serialise migrations per database; the lock ends with the
				// transaction. Creating schema_migrations under the lock
				// avoids concurrent CREATE TABLE IF NOT EXISTS races.
				if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(7355608130001)`); err != nil {
					return err
				}
			}
			// On SQLite the transaction is BEGIN IMMEDIATE: it holds the
			// write lock already.
			if _, err := tx.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
				version INTEGER PRIMARY KEY, applied_at TEXT NOT NULL)`); err != nil {
				return err
			}
			var n int
			if err := tx.QueryRowContext(ctx, s.d.q(`SELECT count(*) FROM schema_migrations WHERE version = ?`), m.version).Scan(&n); err != nil {
				return err
			}
			if n > 0 {
				return nil
			}
			stmts := m.sqlite
			if s.d == postgres {
				stmts = m.pg
			}
			for _, st := range stmts {
				if _, err := tx.ExecContext(ctx, st); err != nil {
					return fmt.Errorf("migration %d: %w", m.version, err)
				}
			}
			_, err := tx.ExecContext(ctx, s.d.q(`INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)`),
				m.version, time.Now().UTC().Format(time.RFC3339))
			return err
		})
		if err != nil {
			return fmt.Errorf("store: migrating: %w", err)
		}
	}
	return nil
}

// SchemaVersion is the latest migration's number.
func SchemaVersion() int { return migrations[len(migrations)-1].version }

// withTx runs fn in a transaction, retrying a few times when PostgreSQL
// reports a deadlock or a serialisation failure (SQLite waits on its busy
// timeout instead).
func (s *sqlStore) withTx(ctx context.Context, fn func(*sql.Tx) error) error {
	for attempt := 0; ; attempt++ {
		err := s.tryTx(ctx, fn)
		var pe *pgconn.PgError
		if err != nil && attempt < 5 && errors.As(err, &pe) && (pe.Code == "40P01" || pe.Code == "40001") {
			time.Sleep(time.Duration(attempt+1) * 20 * time.Millisecond)
			continue
		}
		// SQLite answers SQLITE_BUSY at once, without its busy timeout,
		// where waiting could deadlock (a connection whose snapshot a
		// schema change made stale, the WAL switch of a new database
		// opened by several processes): starting again is safe.
		var se *sqlitedrv.Error
		if err != nil && attempt < 20 && errors.As(err, &se) && se.Code()&0xff == sqlite3.SQLITE_BUSY {
			select {
			case <-ctx.Done():
				return err
			case <-time.After(time.Duration(attempt+1) * 10 * time.Millisecond):
			}
			continue
		}
		return err
	}
}

func (s *sqlStore) tryTx(ctx context.Context, fn func(*sql.Tx) error) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(tx); err != nil {
		// fn's error is the one to report; a failed rollback leaves
		// nothing behind either (the transaction ends with the connection).
		_ = tx.Rollback()
		return err
	}
	return tx.Commit()
}
