package export

import (
	"bytes"
	"context"
	"errors"
	"io"
	"io/fs"
	"path"
	"strings"
	"time"

	"github.com/hfwarden/hfwarden/internal/source"
)

// stepName splits a log file name of an Actions archive, "1_Set up
// job.txt", into its title ("Set up job"); ok is false for other names.
func stepName(name string) (title string, ok bool) {
	base, isTxt := strings.CutSuffix(name, ".txt")
	num, title, found := strings.Cut(base, "_")
	if !isTxt || !found || num == "" || title == "" {
		return "", false
	}
	for _, c := range num {
		if c < '0' || c > '9' {
			return "", false
		}
	}
	return title, true
}

// logTime parses the timestamp that starts a line of an Actions log,
// "2024-01-02T03:04:05.1234567Z ".
func logTime(head []byte) (time.Time, bool) {
	head = bytes.TrimPrefix(head, []byte(utf8BOM))
	end := bytes.IndexByte(head, ' ')
	if end < len("2006-01-02T15:04:05Z") || end > 40 {
		return time.Time{}, false
	}
	t, err := time.Parse(time.RFC3339Nano, string(head[:end]))
	if err != nil {
		return time.Time{}, false
	}
	return t.UTC(), true
}

// utf8BOM starts some exports and every Actions log.
const utf8BOM = "\xEF\xBB\xBF"

// readActions reads a GitHub Actions log archive: "job/N_step.txt" files
// are yielded one item per step, with the job and step as attributes and
// the time of the step's first line. The archive's top-level "N_job.txt"
// files hold the whole log of a job, steps and the lines outside any step
// (post-job cleanup, the runner's own messages) alike: they are yielded
// too, with the job alone as attribute. A secret in a step is then found
// twice, once in each file, and each finding names a place that holds it.
// Other files are yielded as they are.
func readActions(ctx context.Context, fsys fs.FS, prov source.Provenance, visit source.Visit) error {
	e := &emitter{visit: visit}
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			e.member(prov.Path+"!"+p, err)
			return nil
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		if !d.Type().IsRegular() {
			return nil
		}
		dir, name := path.Split(p)
		dir = strings.TrimSuffix(dir, "/")
		title, ok := stepName(name)
		q := prov.With("actions", p)
		switch {
		case ok && dir == "":
			q = q.Attr("job", title)
		case ok && !strings.Contains(dir, "/"):
			q = q.Attr("job", dir).Attr("step", title)
		default:
			return rawFile(ctx, e, fsys, q, p, d)
		}
		return actionsLog(ctx, e, fsys, q, p, d)
	})
	return e.done(err)
}

// actionsLog yields one log file, timed by its first line.
func actionsLog(ctx context.Context, e *emitter, fsys fs.FS, prov source.Provenance, p string, d fs.DirEntry) error {
	f, err := fsys.Open(p)
	if err != nil {
		e.member(prov.Path, err)
		return nil
	}
	defer func() { _ = f.Close() }() // opened read-only: closing it loses nothing
	head := make([]byte, 64)
	n, err := io.ReadFull(f, head)
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) {
		e.member(prov.Path, err)
		return nil
	}
	head = head[:n]
	if t, ok := logTime(head); ok {
		prov.Time = t
	}
	size := int64(-1)
	if info, err := d.Info(); err == nil {
		size = info.Size()
	}
	it := source.Item{Prov: prov, Name: path.Base(p), Size: size}
	return e.item(ctx, it, io.MultiReader(bytes.NewReader(head), f))
}
