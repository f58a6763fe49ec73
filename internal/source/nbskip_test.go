package source

import (
	"strings"
	"testing"
)

func TestImageSkipper(t *testing.T) {
	tests := []struct {
		name, in string
		want     string // the bytes left to scan, joined
	}{
		{"string payload", `{"a": "x", "image/png": "iVBORhf_secret", "text/plain": "y"}`, `{"a": "x", "image/png", "text/plain": "y"}`},
		{"list payload", `"image/jpeg": ["AAA\n", "BBB"], "k": 1`, `"image/jpeg", "k": 1`},
		{"escaped quote is not a key", `"src": "x = \"image/png\": \"data\""`, `"src": "x = \"image/png\": \"data\""`},
		{"no images", `{"cells": []}`, `{"cells": []}`},
		{"key then other value", `"image/png": null, "z"`, `"image/png"null, "z"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var sb strings.Builder
			ImageSkipper{}.Segments([]byte(tt.in), len(tt.in), func(s, e int) { sb.WriteString(tt.in[s:e]) })
			if sb.String() != tt.want {
				t.Errorf("scanned %q, want %q", sb.String(), tt.want)
			}
		})
	}
}

// TestImageSkipperResume checks that the state handed over at snap lets
// the next (overlapping) chunk continue: chunk boundaries inside a payload
// and between key and value.
func TestImageSkipperResume(t *testing.T) {
	doc := `{"text": "a", "image/png": "` + strings.Repeat("Q", 100) + `", "text/plain": "tail"}`
	for cut := 1; cut < len(doc)-1; cut++ {
		for _, overlap := range []int{0, 5} {
			snap := max(0, cut-overlap)
			var sb strings.Builder
			st := ImageSkipper{}.Segments([]byte(doc[:cut]), snap, func(s, e int) {
				if s < snap {
					sb.WriteString(doc[s:min(e, snap)])
				}
			})
			st.Segments([]byte(doc[snap:]), len(doc), func(s, e int) { sb.WriteString(doc[snap+s : snap+e]) })
			got := sb.String()
			// A chunk that starts inside the key cannot know it: then the
			// payload is scanned, which is harmless. Elsewhere it is skipped.
			key := strings.Index(doc, `"image/png"`)
			keyCut := snap > key && snap < key+len(`"image/png"`)
			if (!keyCut && strings.Contains(got, "QQQQQQQQQQ")) || !strings.Contains(got, `"text/plain": "tail"}`) || !strings.HasPrefix(got, `{"text": "a"`) {
				t.Fatalf("cut %d overlap %d: scanned %q", cut, overlap, got)
			}
		}
	}
}
