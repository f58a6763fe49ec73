package source

import "bytes"

// ImageSkipper finds, in the raw JSON of a notebook read chunk by chunk,
// the runs of bytes outside image payloads ("image/png": "iVBOR…" or a list
// of such lines). Images are most of a notebook's bytes and never hold a
// credential worth reporting: the cell-by-cell reading skips them too.
type ImageSkipper struct {
	// closer is the byte that ends the payload being skipped ('"' or ']'),
	// or 0 outside a payload.
	closer byte
	// key is set between an image key and its value.
	key bool
}

var imageKey = []byte(`"image/`)

// Segments calls fn with each run [start, end) of data outside image
// payloads, in order. It returns the skipper's state at offset snap, where
// the next chunk of the stream starts, to resume from there. Scanning too
// much is harmless, skipping too much is not: anything it is unsure of
// (a key cut by the chunk's end, an escaped quote) it leaves to be scanned.
func (k ImageSkipper) Segments(data []byte, snap int, fn func(start, end int)) ImageSkipper {
	var at ImageSkipper
	atSet := false
	// move records a change of state at position p.
	move := func(p int, next ImageSkipper) {
		if !atSet && p > snap {
			at, atSet = k, true
		}
		k = next
	}
	pos := 0
	for pos < len(data) {
		switch {
		case k.closer != 0: // inside a payload: find its end
			i := bytes.IndexByte(data[pos:], k.closer)
			if i < 0 {
				pos = len(data)
				continue
			}
			pos += i + 1
			move(pos, ImageSkipper{})
		case k.key: // after the key: the value opens with " or [
			for pos < len(data) && (data[pos] == ' ' || data[pos] == '\n' || data[pos] == '\r' || data[pos] == '\t' || data[pos] == ':') {
				pos++
			}
			if pos >= len(data) {
				continue
			}
			next := ImageSkipper{}
			switch data[pos] {
			case '"':
				next.closer = '"'
			case '[':
				next.closer = ']'
			default:
				move(pos, next)
				continue
			}
			pos++
			move(pos, next)
		default:
			i := bytes.Index(data[pos:], imageKey)
			if i < 0 {
				fn(pos, len(data))
				pos = len(data)
				continue
			}
			start := pos + i
			end := start + len(imageKey)
			q := bytes.IndexByte(data[end:], '"') // the key's closing quote
			if q < 0 || (start > 0 && data[start-1] == '\\') || q > 64 {
				// Not a key (escaped, too long) or cut short: scan it.
				fn(pos, end)
				pos = end
				continue
			}
			fn(pos, end+q+1)
			pos = end + q + 1
			move(pos, ImageSkipper{key: true})
		}
	}
	if !atSet {
		at = k
	}
	return at
}
