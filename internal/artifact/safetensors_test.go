package artifact

import (
	"bytes"
	"encoding/binary"
	"strconv"
	"strings"
	"testing"
)

// stFile builds a safetensors file from a raw JSON header and a data area.
func stFile(header string, data int) []byte {
	b := binary.LittleEndian.AppendUint64(nil, uint64(len(header)))
	b = append(b, header...)
	return append(b, make([]byte, data)...)
}

func TestCheckSafetensors(t *testing.T) {
	type want struct{ severity, detail string }
	cases := []struct {
		name string
		in   []byte
		want []want
	}{
		{
			name: "valid with metadata and padding",
			in:   stFile(`{"__metadata__":{"format":"pt"},"w":{"dtype":"F32","shape":[2,2],"data_offsets":[0,16]},"b":{"dtype":"BF16","shape":[3],"data_offsets":[16,22]}}   `, 22),
		},
		{
			name: "scalar and empty tensors",
			in:   stFile(`{"s":{"dtype":"I64","shape":[],"data_offsets":[0,8]},"e":{"dtype":"F16","shape":[0,4],"data_offsets":[8,8]}}`, 8),
		},
		{
			name: "sub-byte dtype",
			in:   stFile(`{"q":{"dtype":"F4","shape":[4],"data_offsets":[0,2]}}`, 2),
		},
		{
			name: "shorter than the size",
			in:   []byte{1, 2, 3},
			want: []want{{SeverityHigh, "shorter than the 8-byte header size"}},
		},
		{
			name: "header size past the end",
			in:   append(binary.LittleEndian.AppendUint64(nil, 1000), "{}"...),
			want: []want{{SeverityHigh, "runs past the end"}},
		},
		{
			name: "header size over the limit",
			in:   append(binary.LittleEndian.AppendUint64(nil, 1<<40), "{}"...),
			want: []want{{SeverityHigh, "over the"}},
		},
		{
			name: "not JSON",
			in:   stFile(`{"a":`, 0),
			want: []want{{SeverityHigh, "header is not JSON"}},
		},
		{
			name: "not an object",
			in:   stFile(`[1,2]`, 0),
			want: []want{{SeverityHigh, "does not start with '{'"}},
		},
		{
			name: "duplicate tensor",
			in:   stFile(`{"w":{"dtype":"U8","shape":[2],"data_offsets":[0,2]},"w":{"dtype":"U8","shape":[2],"data_offsets":[2,4]}}`, 4),
			want: []want{{SeverityHigh, "duplicate entry w"}, {SeverityLow, "2 bytes after the last tensor"}},
		},
		{
			name: "overlap",
			in:   stFile(`{"a":{"dtype":"U8","shape":[4],"data_offsets":[0,4]},"b":{"dtype":"U8","shape":[2],"data_offsets":[2,4]}}`, 4),
			want: []want{{SeverityHigh, "tensor b data_offsets [2, 4] overlap another tensor"}},
		},
		{
			name: "out of the data area",
			in:   stFile(`{"a":{"dtype":"U8","shape":[8],"data_offsets":[0,8]}}`, 4),
			want: []want{{SeverityHigh, "run past the 4-byte data area"}},
		},
		{
			name: "backwards offsets",
			in:   stFile(`{"a":{"dtype":"U8","shape":[0],"data_offsets":[4,0]}}`, 4),
			want: []want{{SeverityHigh, "run backwards"}, {SeverityLow, "4 bytes after"}},
		},
		{
			name: "shape does not match the span",
			in:   stFile(`{"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}`, 8),
			want: []want{{SeverityMedium, "tensor a is F32[3]: 96 bits, but data_offsets span 8 bytes"}},
		},
		{
			name: "shape overflows",
			in:   stFile(`{"a":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,8]}}`, 8),
			want: []want{{SeverityHigh, "overflows"}},
		},
		{
			name: "negative shape",
			in:   stFile(`{"a":{"dtype":"F32","shape":[-1],"data_offsets":[0,8]}}`, 8),
			want: []want{{SeverityHigh, "no shape of non-negative integers"}, {SeverityLow, "8 bytes after"}},
		},
		{
			name: "unknown dtype and field",
			in:   stFile(`{"a":{"dtype":"Q7","shape":[1],"data_offsets":[0,1],"x":1}}`, 1),
			want: []want{{SeverityLow, "unknown field x"}, {SeverityMedium, "unknown dtype Q7"}},
		},
		{
			name: "missing data_offsets",
			in:   stFile(`{"a":{"dtype":"U8","shape":[1]}}`, 1),
			want: []want{{SeverityHigh, "no data_offsets pair"}, {SeverityLow, "1 bytes after"}},
		},
		{
			name: "metadata must be strings",
			in:   stFile(`{"__metadata__":{"a":"x","n":5}}`, 0),
			want: []want{{SeverityMedium, "__metadata__ value n is not a string"}},
		},
		{
			name: "gap between tensors",
			in:   stFile(`{"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1]},"b":{"dtype":"U8","shape":[1],"data_offsets":[3,4]}}`, 4),
			want: []want{{SeverityLow, "2 unused bytes before tensor b"}},
		},
		{
			name: "something after the JSON",
			in:   stFile(`{}  evil`, 0),
			want: []want{{SeverityMedium, "bytes after the header's JSON object"}},
		},
		{
			name: "hostile tensor name is quoted",
			in:   stFile("{\"a\\u001b[31m\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,2]}}", 2),
			want: []want{{SeverityMedium, `tensor "a\x1b[31m" is U8[1]`}},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			fs, err := CheckSafetensors(bytes.NewReader(c.in), int64(len(c.in)))
			if err != nil {
				t.Fatalf("CheckSafetensors: %v", err)
			}
			if len(fs) != len(c.want) {
				t.Fatalf("findings = %+v, want %d", fs, len(c.want))
			}
			for i, w := range c.want {
				if fs[i].Kind != KindBadSafetensors || fs[i].Severity != w.severity || !strings.Contains(fs[i].Detail, w.detail) {
					t.Errorf("finding %d = %+v, want %+v", i, fs[i], w)
				}
			}
		})
	}
}

func TestCheckSafetensorsBoundsFindings(t *testing.T) {
	var sb strings.Builder
	sb.WriteString("{")
	for i := range 500 {
		if i > 0 {
			sb.WriteString(",")
		}
		sb.WriteString(`"t` + strconv.Itoa(i) + `":{"dtype":"Q","shape":[1],"data_offsets":[0,1]}`)
	}
	sb.WriteString("}")
	in := stFile(sb.String(), 1)
	fs, err := CheckSafetensors(bytes.NewReader(in), int64(len(in)))
	if err != nil {
		t.Fatal(err)
	}
	if len(fs) != maxSafetensorsFindings+1 || fs[len(fs)-1].Detail != "more problems not listed" {
		t.Errorf("got %d findings, last %+v", len(fs), fs[len(fs)-1])
	}
}

func TestDtypeBits(t *testing.T) {
	cases := []struct {
		dtype string
		bits  uint64
		known bool
	}{
		{"F64", 64, true}, {"C64", 64, true}, {"BF16", 16, true}, {"BOOL", 8, true},
		{"F8_E8M0", 8, true}, {"F6_E3M2", 6, true}, {"F4", 4, true}, {"f32", 0, false}, {"", 0, false},
	}
	for _, c := range cases {
		if bits, known := dtypeBits(c.dtype); bits != c.bits || known != c.known {
			t.Errorf("dtypeBits(%q) = %d, %v; want %d, %v", c.dtype, bits, known, c.bits, c.known)
		}
	}
}
