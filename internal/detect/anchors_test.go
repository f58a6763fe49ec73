package detect

import (
	"slices"
	"testing"
)

// TestAnchorsAsBuilt pins the compiled anchors: their patterns, kinds and
// order, and the prefilter buckets New assigns them. The bucket assignment
// is greedy in anchor order, so a change in either changes the prefilter's
// speed even when every detection test still passes. The base64 part also
// pins what base64Anchors derived before its loop was straightened out
// (staticcheck SA4004: only the first window of each stable run was ever
// used).
func TestAnchorsAsBuilt(t *testing.T) {
	type row struct {
		p0, p1, p2              string
		decoder, linked, base64 bool
	}
	want := []row{
		{"h", "f", "_", false, false, false},
		{"i", "_", "o", false, false, false},
		{"h", "f", "%", true, false, false},
		{"%", "6", "8", true, false, false},
		{"i", "%", "5", true, false, false},
		{"%", "6", "1", true, false, false},
		{"6", "1", "\\", true, false, false},
		{"6", "8", "\\", true, false, false},
		{"8", "6", "6", true, false, false},
		{"s", "k", "-", false, true, false},
		{"r", "8", "_", false, true, false},
		{"g", "h", "pousr", false, true, false},
		{"b", "_", "p", false, true, false},
		{"A", "KS", "I", false, true, false},
		{"nN", "dD", "bB", false, true, false},
		{"a", "G", "Z", true, false, true},
		{"Y", "U", "d", true, false, true},
		{"F", "H", "W", true, false, true},
		{"h", "R", "1", true, false, true},
		{"h", "m", "X", true, false, true},
		{"a", "G", "1", true, false, true},
		{"h", "t", "W", true, false, true},
		{"o", "b", "V", true, false, true},
		{"o", "Z", "l", true, false, true},
		{"b", "1", "p", true, false, true},
		{"9", "a", "b", true, false, true},
		{"v", "W", "m", true, false, true},
		{"Y", "X", "B", true, false, true},
		{"F", "w", "a", true, false, true},
		{"h", "c", "G", true, false, true},
		{"&", "#", "0", true, false, false},
		{"&", "#", "1", true, false, false},
		{"&", "#", "2", true, false, false},
		{"&", "#", "3", true, false, false},
		{"&", "#", "4", true, false, false},
		{"&", "#", "5", true, false, false},
		{"&", "#", "6", true, false, false},
		{"&", "#", "7", true, false, false},
		{"&", "#", "8", true, false, false},
		{"&", "#", "9", true, false, false},
		{"&", "#", "x", true, false, false},
		{"&", "#", "X", true, false, false},
		{"&", "a", "m", true, false, false},
		{"&", "l", "o", true, false, false},
		{"&", "U", "n", true, false, false},
		{"=", "3", "D", true, false, false},
		{"=", "5", "F", true, false, false},
		{"=", "\r", "\n", true, false, false},
		{"=", "\n", "f", true, false, false},
		{"=", "\n", "_", true, false, false},
		{"s", "I", "A", true, false, false},
		{"s", "I", "C", true, false, false},
		{"v", "/", "Q", true, false, false},
		{"v", "/", "S", true, false, false},
		{"v", "/", "U", true, false, false},
		{"v", "/", "W", true, false, false},
		{"v", "/", "Y", true, false, false},
		{"v", "/", "a", true, false, false},
		{"v", "/", "c", true, false, false},
		{"v", "/", "e", true, false, false},
		{"S", "D", "R", true, false, false},
		{"S", "0", "x", true, false, false},
	}
	var got []row
	for _, a := range allAnchors() {
		got = append(got, row{a.pat[0], a.pat[1], a.pat[2], a.decoder, a.linked, a.base64})
	}
	if !slices.Equal(got, want) {
		t.Errorf("anchors changed:\n got %v\nwant %v", got, want)
	}
	var buckets []uint8
	for _, a := range New(Options{}).anchors {
		buckets = append(buckets, a.bucket)
	}
	wantBuckets := []uint8{1, 2, 1, 4, 8, 4, 16, 16, 32, 64, 128, 4, 2, 16, 32, 8, 64, 128, 1, 1, 8, 1, 16, 128, 2, 64, 8, 32, 2, 1,
		4, 1, 4, 4, 4, 8, 32, 4, 4, 4, 4, 1, 64, 4, 4, 16, 16, 8, 1, 1, 64, 64, 8, 8, 8, 8, 8, 8, 8, 8, 32, 32}
	if !slices.Equal(buckets, wantBuckets) {
		t.Errorf("buckets changed: got %v, want %v", buckets, wantBuckets)
	}
}
