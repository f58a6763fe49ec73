package source

import (
	"context"
	"sort"
)

// BatchBytes bounds the values a Batch searches together.
const BatchBytes = 256 << 10

// Batch searches many small values (a dataset's cells, a document's
// paragraphs) together: the detector runs over a batch of values joined
// by newlines, and only a value holding a match is handed to Found, which
// makes it an item of its own. Millions of values then cost a few
// detector calls, not an item each. The bytes of the other values are
// counted as read (Found's item counts its own).
type Batch[P any] struct {
	// Host runs the detector and counts bytes.
	Host Host
	// Found receives a value holding a match and its place; v is only
	// valid during the call. An error stops the batch's reader.
	Found func(ctx context.Context, place P, v []byte) error

	data []byte
	// ends[i] is where value i ends in data; places[i] is its place.
	ends   []int
	places []P
}

// Add adds one value, searching the batch first when it is full.
func (b *Batch[P]) Add(ctx context.Context, v []byte, place P) error {
	if len(v) == 0 {
		return nil
	}
	if len(b.data)+len(v) > BatchBytes && len(b.ends) > 0 {
		if err := b.Flush(ctx); err != nil {
			return err
		}
	}
	b.data = append(append(b.data, v...), '\n')
	b.ends = append(b.ends, len(b.data)-1)
	b.places = append(b.places, place)
	return nil
}

// Flush searches the values added since the last flush.
func (b *Batch[P]) Flush(ctx context.Context) error {
	defer func() {
		clear(b.places) // let go of what places hold
		b.data, b.ends, b.places = b.data[:0], b.ends[:0], b.places[:0]
	}()
	if len(b.ends) == 0 {
		return nil
	}
	ms, _ := b.Host.Detect(b.data, DetectPlain)
	found := int64(0)
	seen := map[int]bool{}
	for _, m := range ms {
		i := sort.SearchInts(b.ends, m.Start)
		if i >= len(b.ends) || seen[i] {
			continue
		}
		seen[i] = true
		start := 0
		if i > 0 {
			start = b.ends[i-1] + 1
		}
		v := b.data[start:b.ends[i]]
		found += int64(len(v))
		if err := b.Found(ctx, b.places[i], v); err != nil {
			b.Host.CountBytes(int64(len(b.data)-len(b.ends)) - found)
			return err
		}
	}
	b.Host.CountBytes(int64(len(b.data)-len(b.ends)) - found)
	return nil
}
