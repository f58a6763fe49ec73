package store

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/hfwarden/hfwarden/internal/pin"
)

func TestPins(t *testing.T) {
	each(t, func(t *testing.T, st Store, dsn string) {
		ctx := t.Context()
		if ps, err := st.Pins(ctx); err != nil || len(ps) != 0 {
			t.Fatalf("empty store: %v %v", ps, err)
		}
		if _, ok, err := st.Pin(ctx, "model", "a/b"); ok || err != nil {
			t.Fatalf("missing pin: %v %v", ok, err)
		}
		at := time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)
		model := pin.Manifest{Repo: "z/model", Type: "model", Revision: "main", Commit: strings.Repeat("a", 40), PinnedAt: at,
			Files: []pin.File{
				{Path: "weights.bin", BlobID: strings.Repeat("1", 40), LFSSHA256: strings.Repeat("f", 64), Size: 1 << 30},
				{Path: "README.md", BlobID: strings.Repeat("2", 40), Size: 12},
			}}
		data := pin.Manifest{Repo: "a/data", Type: "dataset", Revision: "v1", Commit: strings.Repeat("b", 40), PinnedAt: at, Files: []pin.File{}}
		same := pin.Manifest{Repo: "z/model", Type: "space", Revision: "main", Commit: strings.Repeat("c", 40), PinnedAt: at, Files: []pin.File{}}
		for _, m := range []pin.Manifest{model, data, same} {
			if err := st.SavePin(ctx, m); err != nil {
				t.Fatal(err)
			}
		}
		got, ok, err := st.Pin(ctx, "model", "z/model")
		if err != nil || !ok {
			t.Fatalf("Pin: %v %v", ok, err)
		}
		want := model
		want.Files = []pin.File{model.Files[1], model.Files[0]} // stored sorted by path
		if !reflect.DeepEqual(*got, want) {
			t.Fatalf("Pin:\n%+v\nwant\n%+v", *got, want)
		}

		// Saving again replaces the pin of the same type and repository only.
		moved := model
		moved.Commit = strings.Repeat("d", 40)
		moved.PinnedAt = at.Add(time.Hour)
		moved.Files = model.Files[1:]
		if err := st.SavePin(ctx, moved); err != nil {
			t.Fatal(err)
		}
		all, err := st.Pins(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var keys []string
		for _, m := range all {
			keys = append(keys, m.Type+" "+m.Repo+" "+m.Commit[:1])
		}
		if want := []string{"dataset a/data b", "model z/model d", "space z/model c"}; !reflect.DeepEqual(keys, want) {
			t.Fatalf("Pins: %v, want %v", keys, want)
		}
		if m := all[1]; len(m.Files) != 1 || !m.PinnedAt.Equal(moved.PinnedAt) {
			t.Fatalf("replaced pin: %+v", m)
		}

		if err := st.SavePin(ctx, pin.Manifest{Repo: "x/y", Type: "model"}); err == nil {
			t.Fatal("a pin without a commit was saved")
		}

		// Pins survive reopening.
		closeStore(t, st)
		st2 := openTest(t, dsn)
		if ps, err := st2.Pins(ctx); err != nil || len(ps) != 3 {
			t.Fatalf("after reopening: %d pins, %v", len(ps), err)
		}
	})
}
