package detect

import "math/bits"

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

func trailingZeros32(x uint32) int { return bits.TrailingZeros32(x) }

// assignBuckets spreads anchors over the eight buckets so that the
// prefilter lets few positions through. Anchors sharing a bucket widen its
// nibble sets to their product, so each anchor goes, greedily, to the bucket
// whose estimated pass rate (over printable ASCII, each byte equally
// likely) it raises least.
func assignBuckets(anchors []anchor) {
	var lo, hi [8][3]uint16 // nibble sets as bit masks
	rate := func(l, h [3]uint16) float64 {
		r := 1.0
		for k := 0; k < 3; k++ {
			n := 0
			for c := 0x20; c < 0x7f; c++ {
				if l[k]&(1<<(c&15)) != 0 && h[k]&(1<<(c>>4)) != 0 {
					n++
				}
			}
			r *= float64(n) / 95
		}
		return r
	}
	for i := range anchors {
		a := &anchors[i]
		var al, ah [3]uint16
		for k := 0; k < 3; k++ {
			for j := 0; j < len(a.pat[k]); j++ {
				al[k] |= 1 << (a.pat[k][j] & 15)
				ah[k] |= 1 << (a.pat[k][j] >> 4)
			}
		}
		best, bestCost := 0, 2.0
		for b := 0; b < 8; b++ {
			var nl, nh [3]uint16
			for k := 0; k < 3; k++ {
				nl[k], nh[k] = lo[b][k]|al[k], hi[b][k]|ah[k]
			}
			cost := rate(nl, nh)
			if lo[b][0] != 0 {
				cost -= rate(lo[b], hi[b])
			}
			if cost < bestCost {
				best, bestCost = b, cost
			}
		}
		for k := 0; k < 3; k++ {
			lo[best][k] |= al[k]
			hi[best][k] |= ah[k]
		}
		a.bucket = 1 << best
	}
}
