//go:build !(goexperiment.simd && amd64)

package detect

// scan reports every candidate position in data with the buckets it may
// belong to, in increasing order of position.
func (t *teddyTables) scan(data []byte, fn func(pos int, buckets uint8)) {
	t.scanScalar(data, 0, fn)
}
