package artifact

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/bits"
	"slices"
	"strings"
)

// maxSafetensorsHeader bounds the JSON header, as the reference reader does.
const maxSafetensorsHeader = 100 << 20

// dtypeBits is the size of one element of a safetensors dtype; known is
// false for a dtype the format does not define.
func dtypeBits(dtype string) (bits uint64, known bool) {
	switch dtype {
	case "F64", "I64", "U64", "C64":
		return 64, true
	case "F32", "I32", "U32":
		return 32, true
	case "F16", "BF16", "I16", "U16":
		return 16, true
	case "I8", "U8", "BOOL", "F8_E4M3", "F8_E5M2", "F8_E8M0":
		return 8, true
	case "F6_E2M3", "F6_E3M2":
		return 6, true
	case "F4":
		return 4, true
	}
	return 0, false
}

// tensorInfo is one tensor's entry in the header.
type tensorInfo struct {
	name       string
	begin, end uint64
}

// CheckSafetensors validates a safetensors file and reports what is wrong
// with it as findings of kind KindBadSafetensors: the 8-byte little-endian
// header size (at most 100 MB and within the file), the JSON header
// (tensors with dtype, shape and data_offsets, an optional __metadata__ of
// strings, no duplicate names), known dtypes, each tensor's shape matching
// its byte span, and spans inside the data area without overlaps or gaps.
// Findings carry no Path; Inspect fills it in. err is only for r failing.
func CheckSafetensors(r io.ReaderAt, size int64) ([]Finding, error) {
	c := &stChecker{}
	if size < 8 {
		c.add(SeverityHigh, 0, "file is %d bytes, shorter than the 8-byte header size", size)
		return c.findings, nil
	}
	var hb [8]byte
	if _, err := r.ReadAt(hb[:], 0); err != nil {
		return nil, fmt.Errorf("reading safetensors header size: %w", err)
	}
	n := binary.LittleEndian.Uint64(hb[:])
	switch {
	case n > maxSafetensorsHeader:
		c.add(SeverityHigh, 0, "header size %d is over the %d-byte limit", n, maxSafetensorsHeader)
		return c.findings, nil
	case n > uint64(size-8):
		c.add(SeverityHigh, 0, "header size %d runs past the end of the %d-byte file", n, size)
		return c.findings, nil
	}
	header := make([]byte, n)
	if _, err := r.ReadAt(header, 8); err != nil && !(errors.Is(err, io.EOF) && len(header) == 0) {
		return nil, fmt.Errorf("reading safetensors header: %w", err)
	}
	c.checkHeader(header, uint64(size-8)-n)
	return c.findings, nil
}

// stChecker collects findings about one safetensors file.
type stChecker struct {
	findings []Finding
}

// maxSafetensorsFindings keeps a hostile header from making a huge report.
const maxSafetensorsFindings = 100

func (c *stChecker) add(sev string, off int64, format string, args ...any) {
	switch {
	case len(c.findings) < maxSafetensorsFindings:
		c.findings = append(c.findings, Finding{Kind: KindBadSafetensors, Severity: sev, Detail: fmt.Sprintf(format, args...), Offset: off})
	case len(c.findings) == maxSafetensorsFindings:
		c.findings = append(c.findings, Finding{Kind: KindBadSafetensors, Severity: SeverityLow, Detail: "more problems not listed", Offset: off})
	}
}

// checkHeader checks the JSON header against a data area of dataSize bytes.
func (c *stChecker) checkHeader(header []byte, dataSize uint64) {
	const hoff = 8 // offsets in findings are file offsets
	if len(header) == 0 || header[0] != '{' {
		c.add(SeverityHigh, hoff, "header does not start with '{'")
		return
	}
	dec := json.NewDecoder(bytes.NewReader(header))
	dec.UseNumber()
	if _, err := dec.Token(); err != nil {
		c.add(SeverityHigh, hoff, "header is not JSON: %v", err)
		return
	}
	names := map[string]bool{}
	var tensors []tensorInfo
	for dec.More() {
		at := hoff + dec.InputOffset()
		tok, err := dec.Token()
		if err != nil {
			c.add(SeverityHigh, at, "header is not JSON: %v", err)
			return
		}
		name, _ := tok.(string)
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			c.add(SeverityHigh, at, "header is not JSON: %v", err)
			return
		}
		if names[name] {
			// Readers disagree on which entry wins: a way to show one
			// tensor to a reviewer and load another.
			c.add(SeverityHigh, at, "duplicate entry %s", printable(name))
			continue
		}
		names[name] = true
		if name == "__metadata__" {
			c.checkMetadata(raw, at)
			continue
		}
		if t, ok := c.checkTensor(name, raw, at); ok {
			tensors = append(tensors, t)
		}
	}
	if _, err := dec.Token(); err != nil {
		c.add(SeverityHigh, hoff, "header is not JSON: %v", err)
		return
	}
	// The writer pads the header with spaces; anything else is smuggled.
	if rest := header[dec.InputOffset():]; len(bytes.TrimRight(rest, " \t\r\n")) > 0 {
		c.add(SeverityMedium, hoff+dec.InputOffset(), "%d bytes after the header's JSON object", len(rest))
	}
	c.checkLayout(tensors, dataSize, hoff+int64(len(header)))
}

func (c *stChecker) checkMetadata(raw json.RawMessage, at int64) {
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		c.add(SeverityMedium, at, "__metadata__ is not an object of strings")
		return
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		if _, ok := m[k].(string); !ok {
			c.add(SeverityMedium, at, "__metadata__ value %s is not a string", printable(k))
		}
	}
}

// checkTensor checks one tensor entry and returns its span when usable.
func (c *stChecker) checkTensor(name string, raw json.RawMessage, at int64) (tensorInfo, bool) {
	pn := printable(name)
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(raw, &fields); err != nil {
		c.add(SeverityHigh, at, "tensor %s is not an object", pn)
		return tensorInfo{}, false
	}
	for k := range fields {
		if k != "dtype" && k != "shape" && k != "data_offsets" {
			c.add(SeverityLow, at, "tensor %s has unknown field %s", pn, printable(k))
		}
	}
	var dtype string
	var shape []uint64
	var offs []uint64
	if err := json.Unmarshal(fields["dtype"], &dtype); err != nil {
		c.add(SeverityHigh, at, "tensor %s has no string dtype", pn)
		return tensorInfo{}, false
	}
	if err := json.Unmarshal(fields["shape"], &shape); err != nil || fields["shape"] == nil {
		c.add(SeverityHigh, at, "tensor %s has no shape of non-negative integers", pn)
		return tensorInfo{}, false
	}
	if err := json.Unmarshal(fields["data_offsets"], &offs); err != nil || len(offs) != 2 {
		c.add(SeverityHigh, at, "tensor %s has no data_offsets pair of non-negative integers", pn)
		return tensorInfo{}, false
	}
	t := tensorInfo{name: name, begin: offs[0], end: offs[1]}
	if t.begin > t.end {
		c.add(SeverityHigh, at, "tensor %s data_offsets [%d, %d] run backwards", pn, t.begin, t.end)
		return tensorInfo{}, false
	}
	elemBits, known := dtypeBits(dtype)
	if !known {
		c.add(SeverityMedium, at, "tensor %s has unknown dtype %s", pn, printable(dtype))
	}
	if known {
		n, ok := uint64(1), true
		for _, d := range shape {
			var hi uint64
			if hi, n = bits.Mul64(n, d); hi != 0 {
				ok = false
				break
			}
		}
		hi, nbits := bits.Mul64(n, elemBits)
		span := t.end - t.begin
		switch {
		case !ok || hi != 0:
			c.add(SeverityHigh, at, "tensor %s shape %v overflows", pn, shape)
		case (nbits+7)/8 != span:
			c.add(SeverityMedium, at, "tensor %s is %s%v: %d bits, but data_offsets span %d bytes", pn, dtype, shape, nbits, span)
		}
	}
	return t, true
}

// checkLayout checks that tensors tile the data area.
func (c *stChecker) checkLayout(ts []tensorInfo, dataSize uint64, dataStart int64) {
	slices.SortFunc(ts, func(a, b tensorInfo) int {
		if a.begin != b.begin {
			if a.begin < b.begin {
				return -1
			}
			return 1
		}
		return strings.Compare(a.name, b.name)
	})
	var covered uint64 // end of the data seen so far
	for _, t := range ts {
		pn := printable(t.name)
		if t.end > dataSize {
			c.add(SeverityHigh, dataStart, "tensor %s data_offsets [%d, %d] run past the %d-byte data area", pn, t.begin, t.end, dataSize)
			// Judge the part inside, so that one bad entry is one finding.
			t.begin, t.end = min(t.begin, dataSize), dataSize
		}
		switch {
		case t.begin < covered && t.begin != t.end:
			c.add(SeverityHigh, dataStart+int64(t.begin), "tensor %s data_offsets [%d, %d] overlap another tensor", pn, t.begin, t.end)
		case t.begin > covered:
			c.add(SeverityLow, dataStart+int64(covered), "%d unused bytes before tensor %s", t.begin-covered, pn)
		}
		covered = max(covered, t.end)
	}
	if covered < dataSize {
		c.add(SeverityLow, dataStart+int64(covered), "%d bytes after the last tensor", dataSize-covered)
	}
}
