package export

import (
	"archive/zip"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/hfwarden/hfwarden/internal/source"
	"github.com/hfwarden/hfwarden/internal/testutil"
)

// tokens returns n distinct fake tokens that the detector accepts (see
// testutil: made at run time, never committed).
func tokens(t testing.TB, n int) []string { return testutil.FakeTokens(t, 0xe4907+uint64(n), n) }

// got is an item as a visit received it, with its bytes.
type got struct {
	source.Item
	data string
}

// collect returns a visit that records every item, and the records.
func collect(t testing.TB) (source.Visit, *[]got) {
	var items []got
	return func(ctx context.Context, it source.Item, r io.Reader) error {
		b, err := io.ReadAll(r)
		if err != nil {
			t.Errorf("reading %s: %v", it.Prov.Path, err)
		}
		items = append(items, got{Item: it, data: string(b)})
		return nil
	}, &items
}

// find returns the item whose bytes hold needle, failing if there is not
// exactly one.
func find(t testing.TB, items []got, needle string) got {
	t.Helper()
	var hits []got
	for _, it := range items {
		if strings.Contains(it.data, needle) {
			hits = append(hits, it)
		}
	}
	if len(hits) != 1 {
		var paths []string
		for _, h := range hits {
			paths = append(paths, h.Prov.Path+"@"+h.Prov.Field)
		}
		t.Fatalf("%d items hold the needle, want 1: %v", len(hits), paths)
	}
	return hits[0]
}

// writeTree writes files (slash-separated relative names) under dir.
func writeTree(t testing.TB, dir string, files map[string]string) {
	t.Helper()
	for name, data := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// zipTree writes files into a zip archive on disk and opens it.
func zipTree(t testing.TB, files map[string]string) *zip.Reader {
	t.Helper()
	p := filepath.Join(t.TempDir(), "export.zip")
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	zw := zip.NewWriter(f)
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		w, err := zw.Create(n)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := io.WriteString(w, files[n]); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	zr, err := zip.OpenReader(p)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = zr.Close() }) // opened read-only: closing it loses nothing
	return &zr.Reader
}

// memberErrors returns the *source.MemberErrors joined in err, and the
// other errors.
func memberErrors(err error) (members []*source.MemberError, others []error) {
	if err == nil {
		return nil, nil
	}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		for _, e := range j.Unwrap() {
			m, o := memberErrors(e)
			members, others = append(members, m...), append(others, o...)
		}
		return members, others
	}
	var me *source.MemberError
	if errors.As(err, &me) {
		return []*source.MemberError{me}, nil
	}
	return nil, []error{err}
}

// fill replaces the placeholders TOKEN0, TOKEN1, … in s by toks.
func fill(s string, toks []string) string {
	for i := len(toks) - 1; i >= 0; i-- {
		s = strings.ReplaceAll(s, "TOKEN"+strconv.Itoa(i), toks[i])
	}
	return s
}

// noSecretIn fails if err's message holds one of the tokens.
func noSecretIn(t testing.TB, err error, toks []string) {
	t.Helper()
	if err == nil {
		return
	}
	for _, tok := range toks {
		if strings.Contains(err.Error(), tok) {
			t.Errorf("error message holds a token: %v", err)
		}
	}
}
