package detect

import (
	"bytes"
	"compress/gzip"
	"io"

	"github.com/klauspost/compress/zstd"
)

// Compressed data inside base64: Helm release secrets (base64 of base64 of
// gzip), gzip'd payloads in JSON and YAML, zstd blobs in configs. Such a
// run starts with the base64 of a magic number, "H4sI" for gzip and "KLUv"
// for zstd ("SDRz" and "S0xV" when encoded twice): only a run that starts
// so is decoded, and inflated within a small bound.

const (
	// inflateMax bounds what one compressed run inflates to.
	inflateMax = 1 << 20
	// inflateRatio bounds the inflated size against the compressed one,
	// so that a small bomb does not cost a full inflateMax each.
	inflateRatio = 200
	// compressedRunMax bounds the base64 characters of one run.
	compressedRunMax = 4 * inflateMax / 3
)

// handleB64Compressed decodes a base64 run that starts at p with the
// encoded magic number of gzip or zstd, or with the base64 of one of those
// (then the inner run is detected again, one level deeper).
func handleB64Compressed(d *Detector, data []byte, p, depth int, out *matches) {
	switch data[p] {
	case 's': // "H4sI"
		p -= 2
	case 'v': // "KLUv/"
		p -= 3
	}
	if p < 0 || p < out.decoded[decCompressed] || p > 0 && b64val[data[p-1]] != 0xff || p+8 > len(data) {
		return
	}
	var head [6]byte
	var acc uint32
	for i, c := range data[p : p+8] {
		if b64val[c] == 0xff {
			return
		}
		acc = acc<<6 | uint32(b64val[c])
		if i%4 == 3 {
			head[i/4*3], head[i/4*3+1], head[i/4*3+2] = byte(acc>>16), byte(acc>>8), byte(acc)
			acc = 0
		}
	}
	var codec string
	switch {
	case head[0] == 0x1f && head[1] == 0x8b && head[2] == 8:
		codec = "gzip"
	case head[0] == 0x28 && head[1] == 0xb5 && head[2] == 0x2f && head[3] == 0xfd:
		codec = "zstd"
	case bytes.HasPrefix(head[:], []byte("H4sI")) || bytes.HasPrefix(head[:], []byte("KLUv")):
		codec = "base64"
	default:
		return
	}
	if codec != "base64" && depth+2 > d.maxDep {
		return // base64 and the compression: two levels
	}
	e := p
	for e < len(data) && e-p < compressedRunMax && b64val[data[e]] != 0xff {
		e++
	}
	src := data[p:e]
	wrapped, pos := b64Wrapped(data, p, e, compressedRunMax)
	if wrapped != nil {
		src, e = wrapped, pos[len(pos)-1]+1
	}
	if !out.claim(decCompressed, p, e) {
		return
	}
	decoded, idx := b64Decode(src)
	if codec == "base64" {
		if pos != nil {
			for i, v := range idx {
				if v < len(pos) {
					idx[i] = pos[v] - p
				} else {
					idx[i] = e - p
				}
			}
		}
		mapDecoded(d, data, p, decoded, idx, "base64", depth, out)
		return
	}
	plain := inflate(codec, decoded)
	if len(plain) == 0 {
		return
	}
	var sub matches
	d.detect(plain, depth+2, &sub)
	// Offsets in inflated bytes map back to no character of the run:
	// every match is located at the run's start.
	for _, m := range sub.list {
		m.Encodings = append([]string{"base64", codec}, m.Encodings...)
		m.Start, m.End, m.Parts = p, e, nil
		out.list = append(out.list, m)
	}
}

// inflate decompresses src (gzip or zstd) up to inflateMax bytes and
// inflateRatio times its size. A stream cut short or corrupt gives what
// came before the damage: a truncated blob still holds its first lines.
func inflate(codec string, src []byte) []byte {
	limit := int64(min(inflateMax, inflateRatio*len(src)))
	var r io.Reader
	switch codec {
	case "gzip":
		zr, err := gzip.NewReader(bytes.NewReader(src))
		if err != nil {
			return nil
		}
		r = zr
	case "zstd":
		zr, err := zstd.NewReader(bytes.NewReader(src), zstd.WithDecoderConcurrency(1), zstd.WithDecoderLowmem(true),
			zstd.WithDecoderMaxWindow(8<<20), zstd.WithDecoderMaxMemory(16<<20))
		if err != nil {
			return nil
		}
		defer zr.Close()
		r = zr
	default:
		return nil
	}
	var buf bytes.Buffer
	_, _ = io.Copy(&buf, io.LimitReader(r, limit)) // damage ends the stream, see above
	return buf.Bytes()
}
