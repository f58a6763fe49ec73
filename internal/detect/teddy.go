package detect

// teddyTables drive the prefilter. An anchor is three byte sets; a position
// p is a candidate for the anchors in bucket b when data[p+k] is in the k-th
// set of some anchor of bucket b, for k = 0, 1, 2.
//
// The vectorised scan (teddy_simd.go) looks bytes up by their low and high
// nibbles (the "Teddy" technique from Hyperscan), which over-approximates a
// byte set by the product of its nibble sets; the exact check happens in
// anchor.at. The scalar scan uses exact 256-entry tables.
type teddyTables struct {
	lo, hi [3][16]uint8
	exact  [3][256]uint8
}

func buildTeddy(anchors []anchor) *teddyTables {
	t := &teddyTables{}
	for _, a := range anchors {
		for k := 0; k < 3; k++ {
			for i := 0; i < len(a.pat[k]); i++ {
				c := a.pat[k][i]
				t.lo[k][c&15] |= a.bucket
				t.hi[k][c>>4] |= a.bucket
				t.exact[k][c] |= a.bucket
			}
		}
	}
	return t
}

// scanScalar reports candidates in data[from:] with the exact tables.
func (t *teddyTables) scanScalar(data []byte, from int, fn func(pos int, buckets uint8)) {
	e0, e1, e2 := &t.exact[0], &t.exact[1], &t.exact[2]
	for i := from; i+2 < len(data); i++ {
		m := e0[data[i]]
		if m == 0 {
			continue
		}
		if m &= e1[data[i+1]] & e2[data[i+2]]; m != 0 {
			fn(i, m)
		}
	}
}

// byteWeight models how often each byte occurs in what hfwarden reads:
// half text and code (English letter frequencies, lower case ten times as
// common as upper, code punctuation) and half base64 payloads (uniform over
// the alphabet). Only its rough shape matters: it steers assignBuckets.
var byteWeight = func() (w [256]float64) {
	text := map[byte]float64{' ': 15, 'e': 9, 't': 6.5, 'a': 6, 'o': 6, 'i': 5.5, 'n': 5.5, 's': 5, 'r': 5,
		'h': 4, 'l': 3.5, 'd': 3, 'c': 2.5, 'u': 2.5, 'm': 2, 'p': 2, 'f': 2, 'g': 1.7, 'w': 1.5, 'y': 1.5,
		'b': 1.2, 'v': 1, 'k': 0.7, 'x': 0.3, 'j': 0.3, 'q': 0.2, 'z': 0.2, '\n': 3, '_': 2, '.': 1.5, '"': 1.5,
		'(': 1, ')': 1, '=': 1, ',': 1, ':': 0.8, '-': 0.5, '/': 0.5, '\'': 0.5, '[': 0.3, ']': 0.3,
		'{': 0.2, '}': 0.2, '%': 0.05, '\\': 0.1}
	for c := byte('0'); c <= '9'; c++ {
		text[c] = 0.5
	}
	for c := byte('a'); c <= 'z'; c++ {
		text[c-'a'+'A'] = text[c] / 10
	}
	// Summed in byte order, not map order: a float sum depends on its
	// order, and assignBuckets must give the same buckets every run.
	var freq [256]float64
	for c, v := range text {
		freq[c] = v
	}
	sum := 0.0
	for _, v := range freq {
		sum += v
	}
	for c, v := range freq {
		w[c] += 0.5 * v / sum
	}
	for _, c := range []byte("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/") {
		w[c] += 0.5 / 64
	}
	return w
}()

// assignBuckets spreads anchors over the eight buckets so that the
// prefilter lets few positions through. Anchors sharing a bucket widen its
// byte sets to their product, so each anchor goes, greedily, to the bucket
// whose estimated pass rate (under byteWeight) it raises least.
func assignBuckets(anchors []anchor) {
	var sets [8][3][256]bool
	used := [8]bool{}
	rate := func(b *[3][256]bool) float64 {
		r := 1.0
		for k := 0; k < 3; k++ {
			p := 0.0
			for c := 0; c < 256; c++ {
				if b[k][c] {
					p += byteWeight[c]
				}
			}
			r *= p
		}
		return r
	}
	for i := range anchors {
		a := &anchors[i]
		best, bestCost := 0, 2.0
		for b := 0; b < 8; b++ {
			next := sets[b]
			for k := 0; k < 3; k++ {
				for j := 0; j < len(a.pat[k]); j++ {
					next[k][a.pat[k][j]] = true
				}
			}
			cost := rate(&next)
			if used[b] {
				cost -= rate(&sets[b])
			}
			if cost < bestCost {
				best, bestCost = b, cost
			}
		}
		for k := 0; k < 3; k++ {
			for j := 0; j < len(a.pat[k]); j++ {
				sets[best][k][a.pat[k][j]] = true
			}
		}
		used[best] = true
		a.bucket = 1 << best
	}
}
