// Package sqlitedb reads SQLite databases: browser and CLI caches, app
// state, notebooks' history, whatever a tool keeps in one file. Every
// text and blob value of every table row is an item of its own, located
// by table, column and row; then the file's bytes are scanned as they
// are, for what the tables no longer show (deleted rows, freelist pages).
package sqlitedb

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver

	"github.com/hfwarden/hfwarden/internal/source"
)

// Magic is the first 16 bytes of every SQLite 3 database file.
const Magic = "SQLite format 3\x00"

// maxValue bounds the bytes read of one value: SQLite allows a gigabyte.
// The rest of a longer value is still in the raw pass over the file.
const maxValue = 64 << 20

// Reader reads SQLite databases table by table. Findings in a value read
// "app.db!table/column/rowid" (a WITHOUT ROWID table has no rowid: its
// rows are "#N", the Nth in primary-key order): one place per value, in
// the same form as a member of an archive, so it reads on one line of
// text output and ignore patterns and baselines match it like any path.
// Views are not read (their rows are some table's), nor virtual tables
// (full-text indexes: their content is in their shadow tables, read as
// tables). A blob is handed on like a member, so a zip in a blob is
// opened; text is scanned as it is.
func Reader() source.Reader { return reader{} }

type reader struct{}

func (reader) Name() string                     { return "sqlite" }
func (reader) Container()                       {}
func (reader) Sniff(_ string, head []byte) bool { return bytes.HasPrefix(head, []byte(Magic)) }

func (reader) Open(ctx context.Context, in *source.Input, h source.Host) error {
	path := in.Item.Prov.Path
	file, raw, done, err := onDisk(in)
	if err != nil {
		h.Fail("%s: %v", path, err)
		return nil
	}
	defer done()
	before := h.Mark()
	read, errs := readDB(ctx, file, in, h)
	if ctx.Err() != nil {
		return ctx.Err()
	}
	for _, err := range errs {
		h.Fail("%s: %v; its bytes were scanned as they are", path, err)
	}
	// Then the bytes: a deleted row stays on its page or the freelist
	// until the space is reused, a value past maxValue is cut, and a
	// damaged page reads as no row at all.
	h.Scan(ctx, source.Bytes{Prov: in.Item.Prov, R: raw(), Binary: true,
		Except: h.FoundSince(before, path), Rescan: read})
	return nil
}

// onDisk returns the database as a file SQLite can open, and a reader of
// its bytes for the raw pass. A file read in place is opened where it
// is; a member or stdin is copied to a temporary file first, removed by
// done.
func onDisk(in *source.Input) (file string, raw func() io.Reader, done func(), err error) {
	if in.Path != "" && in.RA != nil {
		ra, size := in.RA, in.Item.Size
		return in.Path, func() io.Reader { return io.NewSectionReader(ra, 0, size) }, func() {}, nil
	}
	f, err := os.CreateTemp("", "hfwarden-sqlite-*.db")
	if err != nil {
		return "", nil, nil, fmt.Errorf("spooling the database: %w", err)
	}
	name := f.Name()
	remove := func() {
		_ = f.Close()       // only read after the copy
		_ = os.Remove(name) // a leftover in the temporary directory is no reason to fail
	}
	n, err := io.Copy(f, in.Whole())
	if err != nil {
		remove()
		return "", nil, nil, fmt.Errorf("spooling the database: %w", err)
	}
	return name, func() io.Reader { return io.NewSectionReader(f, 0, n) }, remove, nil
}

// fileURI is the URI that opens path read-only and immutable: SQLite
// then takes no lock, reads no journal or WAL and writes nothing, so a
// database in use by its program or on a read-only mount reads as it is.
func fileURI(path string) (string, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return "", err
	}
	p := filepath.ToSlash(abs)
	if !strings.HasPrefix(p, "/") {
		p = "/" + p // a drive letter: file:///C:/…
	}
	u := url.URL{Path: p}
	return "file://" + u.EscapedPath() + "?mode=ro&immutable=1", nil
}

// readDB reads every table of the database at file, value by value,
// going on past a table it cannot read (a damaged page). read tells
// whether any value was read (and so counted).
func readDB(ctx context.Context, file string, in *source.Input, h source.Host) (read bool, errs []error) {
	uri, err := fileURI(file)
	if err != nil {
		return false, []error{err}
	}
	db, err := sql.Open("sqlite", uri)
	if err != nil {
		return false, []error{err}
	}
	defer func() { _ = db.Close() }() // read-only: nothing to lose
	db.SetMaxOpenConns(1)
	tables, err := listTables(ctx, db)
	if err != nil {
		return false, []error{err}
	}
	r := &tableReader{db: db, in: in, h: h, visit: h.Visit(in.Budget, in.Depth+1)}
	for _, t := range tables {
		err := r.read(ctx, t)
		switch {
		case err == nil:
		case err == errStop: // warned of already
			return r.values > 0, errs
		case errors.Is(err, errStop):
			return r.values > 0, append(errs, err)
		case ctx.Err() != nil:
			return r.values > 0, errs
		default:
			errs = append(errs, fmt.Errorf("table %s: %w", t.name, err))
		}
	}
	return r.values > 0, errs
}

// table is one table to read.
type table struct {
	name      string
	withoutID bool
}

// listTables lists the ordinary and shadow tables of the main schema,
// in name order, without views and virtual tables, and without SQLite's
// own (the schema, sequences, statistics), whose text the raw pass reads.
func listTables(ctx context.Context, db *sql.DB) ([]table, error) {
	rows, err := db.QueryContext(ctx, `SELECT name, wr FROM pragma_table_list WHERE schema = 'main' AND type IN ('table', 'shadow') AND name NOT LIKE 'sqlite\_%' ESCAPE '\' ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("listing tables: %w", err)
	}
	defer func() { _ = rows.Close() }()
	var out []table
	for rows.Next() {
		var t table
		if err := rows.Scan(&t.name, &t.withoutID); err != nil {
			return nil, fmt.Errorf("listing tables: %w", err)
		}
		out = append(out, t)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("listing tables: %w", err)
	}
	return out, nil
}

// errStop ends the reading of a database: a limit was reached.
var errStop = errors.New("limit reached")

// tableReader reads tables' values into items.
type tableReader struct {
	db     *sql.DB
	in     *source.Input
	h      source.Host
	visit  source.Visit
	values int
}

// read hands every text and blob value of t on as an item.
func (r *tableReader) read(ctx context.Context, t table) error {
	cols, err := columns(ctx, r.db, t.name)
	if err != nil || len(cols) == 0 {
		return err
	}
	id := ""
	if !t.withoutID {
		id = rowidName(cols)
	}
	// One column at a time: a row's values are held one by one, not a
	// whole wide row (a row may hold a gigabyte).
	for _, c := range cols {
		if err := r.column(ctx, t.name, id, c); err != nil {
			return err
		}
	}
	return nil
}

// column hands on every text and blob value of column c of table tbl,
// its rows named by id (a rowid alias; empty: numbered in table order).
func (r *tableReader) column(ctx context.Context, tbl, id, c string) error {
	// Each value through substr: NULL for numbers, at most maxValue
	// bytes (or characters) of text and blobs, and an expression, which
	// the driver returns as stored rather than converting by declared
	// type (a DATETIME column's text to a time).
	sel := "NULL"
	if id != "" {
		sel = id
	}
	q := quote(c)
	rows, err := r.db.QueryContext(ctx, fmt.Sprintf("SELECT %s, CASE WHEN typeof(%s) IN ('text', 'blob') THEN substr(%s, 1, %d) END FROM %s", sel, q, q, maxValue, quote(tbl)))
	if err != nil {
		return err
	}
	defer func() { _ = rows.Close() }()
	var key, val any
	for n := 1; rows.Next(); n++ {
		if err := rows.Scan(&key, &val); err != nil {
			return err
		}
		row := "#" + strconv.Itoa(n)
		if v, ok := key.(int64); ok {
			row = strconv.FormatInt(v, 10)
		}
		if err := r.value(ctx, tbl, c, row, val); err != nil {
			return err
		}
	}
	return rows.Err()
}

// value hands one value on: text as a text item, a blob as a member the
// registry opens by its bytes.
func (r *tableReader) value(ctx context.Context, tbl, col, row string, v any) error {
	var data []byte
	text := false
	switch v := v.(type) {
	case string:
		data, text = []byte(v), true
	case []byte:
		data = v
	default:
		return nil
	}
	if len(data) == 0 {
		return nil
	}
	if r.values >= r.in.Budget.Limits.MaxMembers {
		r.h.Warn("%s: more than %d values: the rest was scanned as raw bytes", r.in.Item.Prov.Path, r.in.Budget.Limits.MaxMembers)
		return errStop
	}
	r.values++
	it := source.Item{
		Prov: r.in.Item.Prov.With("sqlite", tbl+"/"+col+"/"+row),
		Name: col,
		Size: int64(len(data)),
		Text: text,
	}
	// The budget counts what the database expands to, as an archive's
	// members: a guard's error ends the reading.
	var gerr error
	g := &errReader{r: r.in.Budget.Guard(bytes.NewReader(data), nil), err: &gerr}
	if err := r.visit(ctx, it, g); err != nil {
		return err
	}
	if gerr != nil {
		return fmt.Errorf("%w: %v", errStop, gerr)
	}
	return nil
}

// errReader remembers the first error other than io.EOF its reader gave.
type errReader struct {
	r   io.Reader
	err *error
}

func (e *errReader) Read(p []byte) (int, error) {
	n, err := e.r.Read(p)
	if err != nil && err != io.EOF && *e.err == nil {
		*e.err = err
	}
	return n, err
}

// columns lists the columns of table tbl (not hidden or generated ones,
// which hold no stored value of their own).
func columns(ctx context.Context, db *sql.DB, tbl string) ([]string, error) {
	rows, err := db.QueryContext(ctx, "SELECT name FROM pragma_table_info(?)", tbl)
	if err != nil {
		return nil, err
	}
	defer func() { _ = rows.Close() }()
	var out []string
	for rows.Next() {
		var c string
		if err := rows.Scan(&c); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// rowidName returns a name of the rowid that no column of cols takes, ""
// if all three do.
func rowidName(cols []string) string {
	for _, id := range []string{"rowid", "_rowid_", "oid"} {
		taken := false
		for _, c := range cols {
			if strings.EqualFold(c, id) {
				taken = true
				break
			}
		}
		if !taken {
			return id
		}
	}
	return ""
}

// quote quotes an SQL identifier.
func quote(name string) string { return `"` + strings.ReplaceAll(name, `"`, `""`) + `"` }
