package detect

import (
	"encoding/base64"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
)

// benchData mixes what the scanner reads most: code, logs and base64 image
// payloads, with one token.
func benchData(n int) []byte {
	r := rand.New(rand.NewPCG(1, 2))
	var sb strings.Builder
	img := make([]byte, 3<<10)
	for sb.Len() < n {
		switch r.IntN(3) {
		case 0:
			fmt.Fprintf(&sb, "    model = AutoModel.from_pretrained(repo_id, cache_dir=cache_dir, token=os.environ.get(\"HF_TOKEN\"))  # step %d\n", r.IntN(1000))
		case 1:
			fmt.Fprintf(&sb, "2026-11-01 12:00:%02d,123 INFO [train] step=%d loss=%0.4f lr=%g hf_hub_download done\n", r.IntN(60), r.IntN(10000), r.Float64(), r.Float64())
		default:
			for i := range img {
				img[i] = byte(r.Uint32())
			}
			sb.WriteString(`      "image/png": "` + base64.StdEncoding.EncodeToString(img) + "\",\n")
		}
	}
	sb.WriteString(tok1)
	return []byte(sb.String())
}

func BenchmarkDetect(b *testing.B) {
	data := benchData(8 << 20)
	d := New(Options{})
	b.SetBytes(int64(len(data)))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if ms := d.Detect(data); len(ms) != 1 {
			b.Fatalf("got %d matches", len(ms))
		}
	}
}

// BenchmarkPrefilter measures the prefilter alone on text without anchors.
func BenchmarkPrefilter(b *testing.B) {
	data := []byte(strings.Repeat("The quick brown fox jumps over the lazy dog; ", 1<<15))
	d := New(Options{})
	b.SetBytes(int64(len(data)))
	n := 0
	for i := 0; i < b.N; i++ {
		d.tables.scan(data, func(int, uint8) { n++ })
	}
}

// BenchmarkDense feeds inputs packed with encoded prefixes: the cost per
// byte must stay that of ordinary text (each byte decoded once per decoder
// and level), not grow with the density.
func BenchmarkDense(b *testing.B) {
	for _, tc := range []struct{ name, unit string }{
		{"base64", "aGZf"},
		{"percent", "%68%66%5F"},
		{"double-percent", "%2568"},
		{"escapes", `\x68\x66`},
		{"hex", "68665f"},
		{"hf", "hf_hf_"},
		{"aws", "AKIA"},
		{"entities", "&#104;&#102;"},
		{"named-entities", "&amp;f&lowbar;"},
		{"qp-soft-breaks", "hf=\r\n"},
		{"qp", "=3Dhf=5F"},
		{"base64-gzip", "H4sI SDRz "},
	} {
		data := []byte(strings.Repeat(tc.unit, (1<<20)/len(tc.unit)))
		d := New(Options{})
		b.Run(tc.name, func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			for i := 0; i < b.N; i++ {
				d.Detect(data)
			}
		})
	}
}
