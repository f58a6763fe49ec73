package export

import (
	"bytes"
	"context"
	"errors"
	"fmt"
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
// the time of the step's first line. The archive's top-level
// "N_job.txt" files hold the whole log of a job again; one is yielded
// only when the job has no directory of steps, so that a secret in a step
// is not reported twice. Other files are yielded as they are.
func readActions(ctx context.Context, fsys fs.FS, prov source.Provenance, visit source.Visit) error {
	e := &emitter{visit: visit}
	hasSteps := map[string]bool{}
	root, err := fs.ReadDir(fsys, ".")
	if err != nil {
		return fmt.Errorf("listing the archive: %w", err)
	}
	for _, d := range root {
		if !d.IsDir() {
			continue
		}
		ents, err := fs.ReadDir(fsys, d.Name())
		if err != nil {
			e.member(prov.Path+"!"+d.Name(), err)
			continue
		}
		for _, f := range ents {
			if _, ok := stepName(f.Name()); ok && f.Type().IsRegular() {
				hasSteps[d.Name()] = true
				break
			}
		}
	}
	err = fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
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
			if hasSteps[title] {
				return nil
			}
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
	defer f.Close()
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
