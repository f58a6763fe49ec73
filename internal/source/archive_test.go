package source

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/binary"
	"io"
	"strings"
	"testing"
)

// TestReadZipDamaged: ReadZip says a zip is damaged when a member cannot
// be located or its data does not match its header, and only then: a
// bomb stopped by the ratio limit, or an intact archive, is not damage.
func TestReadZipDamaged(t *testing.T) {
	build := func(method uint16, data []byte) []byte {
		var b bytes.Buffer
		w := zip.NewWriter(&b)
		f, err := w.CreateHeader(&zip.FileHeader{Name: "m.txt", Method: method})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.Write(data); err != nil {
			t.Fatal(err)
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		return b.Bytes()
	}
	// central returns the offset of the (only) central directory header.
	central := func(z []byte) int {
		i := bytes.LastIndex(z, []byte("PK\x01\x02"))
		if i < 0 {
			t.Fatal("no central directory header")
		}
		return i
	}
	text := []byte(strings.Repeat("a line of plain text\n", 12))
	tests := []struct {
		name   string
		z      func() []byte
		lim    Limits
		wantD  bool
		wantEr bool
	}{
		{"intact stored", func() []byte { return build(zip.Store, text) }, Limits{}, false, false},
		{"intact deflated", func() []byte { return build(zip.Deflate, text) }, Limits{}, false, false},
		{"stored size understated", func() []byte {
			z := build(zip.Store, text)
			c := central(z)
			binary.LittleEndian.PutUint32(z[c+20:], 10)
			binary.LittleEndian.PutUint32(z[c+24:], 10)
			return z
		}, Limits{}, true, false},
		{"bad local header offset", func() []byte {
			z := build(zip.Store, text)
			binary.LittleEndian.PutUint32(z[central(z)+42:], 99999)
			return z
		}, Limits{}, true, true},
		{"bomb is no damage", func() []byte {
			return build(zip.Deflate, bytes.Repeat([]byte{'0'}, 4<<20))
		}, Limits{MaxRatio: 2, RatioFloor: 1024}, false, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			z := tc.z()
			zr, err := zip.NewReader(bytes.NewReader(z), int64(len(z)))
			if err != nil {
				t.Fatal(err)
			}
			var readErr error
			visit := func(ctx context.Context, it Item, r io.Reader) error {
				_, readErr = io.Copy(io.Discard, r)
				return nil
			}
			damaged, err := ReadZip(t.Context(), zr, Provenance{Path: "a.zip"}, NewBudget(tc.lim), visit)
			if damaged != tc.wantD {
				t.Errorf("damaged %v, want %v (read error %v, error %v)", damaged, tc.wantD, readErr, err)
			}
			if (err != nil) != tc.wantEr {
				t.Errorf("error %v, want one: %v", err, tc.wantEr)
			}
			if tc.name == "bomb is no damage" && readErr == nil {
				t.Errorf("the bomb was read whole: the ratio limit did not stop it")
			}
		})
	}
}
