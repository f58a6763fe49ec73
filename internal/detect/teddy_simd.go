//go:build goexperiment.simd && amd64

package detect

import (
	bits64 "math/bits"
	"simd/archsimd"
	"unsafe"
)

// The CPU does not change under a running process: read its features once.
var (
	hasAVX2   = archsimd.X86.AVX2()
	hasAVX512 = archsimd.X86.AVX512()
)

// scan reports every candidate position in data with the buckets it may
// belong to, in increasing order of position.
func (t *teddyTables) scan(data []byte, fn func(pos int, buckets uint8)) {
	if hasAVX512 && len(data) >= 128 {
		t.scan512(data, fn)
		return
	}
	if !hasAVX2 || len(data) < 64 {
		t.scanScalar(data, 0, fn)
		return
	}
	var lo, hi [3]archsimd.Int8x32
	for k := 0; k < 3; k++ {
		var l, h [32]uint8
		copy(l[:16], t.lo[k][:])
		copy(l[16:], t.lo[k][:])
		copy(h[:16], t.hi[k][:])
		copy(h[16:], t.hi[k][:])
		lo[k] = archsimd.LoadUint8x32(&l).AsInt8x32()
		hi[k] = archsimd.LoadUint8x32(&h).AsInt8x32()
	}
	lo0, lo1, lo2 := lo[0].AsUint8x32(), lo[1].AsUint8x32(), lo[2].AsUint8x32()
	hi0, hi1, hi2 := hi[0].AsUint8x32(), hi[1].AsUint8x32(), hi[2].AsUint8x32()
	nib := archsimd.BroadcastUint8x32(0x0f)
	zero := archsimd.BroadcastUint8x32(0)
	e0, e1, e2 := &t.exact[0], &t.exact[1], &t.exact[2]
	var buf [32]uint8
	i := 0
	for ; i+34 <= len(data); i += 32 {
		base := unsafe.Pointer(&data[i])
		v0 := archsimd.LoadUint8x32((*[32]uint8)(base))
		v1 := archsimd.LoadUint8x32((*[32]uint8)(unsafe.Add(base, 1)))
		v2 := archsimd.LoadUint8x32((*[32]uint8)(unsafe.Add(base, 2)))
		m := lo0.PermuteOrZeroGrouped(v0.And(nib).AsInt8x32()).
			And(hi0.PermuteOrZeroGrouped(v0.AsUint16x16().ShiftAllRight(4).AsUint8x32().And(nib).AsInt8x32()))
		m = m.And(lo1.PermuteOrZeroGrouped(v1.And(nib).AsInt8x32())).
			And(hi1.PermuteOrZeroGrouped(v1.AsUint16x16().ShiftAllRight(4).AsUint8x32().And(nib).AsInt8x32()))
		m = m.And(lo2.PermuteOrZeroGrouped(v2.And(nib).AsInt8x32())).
			And(hi2.PermuteOrZeroGrouped(v2.AsUint16x16().ShiftAllRight(4).AsUint8x32().And(nib).AsInt8x32()))
		bits := m.NotEqual(zero).ToBits()
		if bits == 0 {
			continue
		}
		m.Store(&buf)
		for bits != 0 {
			p := bits64.TrailingZeros32(bits)
			bits &= bits - 1
			// Nibble products over-approximate: confirm with exact tables.
			if b := buf[p] & e0[data[i+p]] & e1[data[i+p+1]] & e2[data[i+p+2]]; b != 0 {
				fn(i+p, b)
			}
		}
	}
	t.scanScalar(data, i, fn)
}

// scan512 is scan with 64-byte vectors.
func (t *teddyTables) scan512(data []byte, fn func(pos int, buckets uint8)) {
	var tab [6]archsimd.Uint8x64
	for k := 0; k < 3; k++ {
		var l, h [64]uint8
		for j := 0; j < 4; j++ {
			copy(l[16*j:], t.lo[k][:])
			copy(h[16*j:], t.hi[k][:])
		}
		tab[2*k] = archsimd.LoadUint8x64(&l)
		tab[2*k+1] = archsimd.LoadUint8x64(&h)
	}
	lo0, hi0, lo1, hi1, lo2, hi2 := tab[0], tab[1], tab[2], tab[3], tab[4], tab[5]
	nib := archsimd.BroadcastUint8x64(0x0f)
	zero := archsimd.BroadcastUint8x64(0)
	e0, e1, e2 := &t.exact[0], &t.exact[1], &t.exact[2]
	var buf [64]uint8
	i := 0
	for ; i+66 <= len(data); i += 64 {
		// Loads through array pointers: the loop bound already keeps them
		// in range, and slice loads cost a bounds check each.
		base := unsafe.Pointer(&data[i])
		v0 := archsimd.LoadUint8x64((*[64]uint8)(base))
		v1 := archsimd.LoadUint8x64((*[64]uint8)(unsafe.Add(base, 1)))
		v2 := archsimd.LoadUint8x64((*[64]uint8)(unsafe.Add(base, 2)))
		m := lo0.PermuteOrZeroGrouped(v0.And(nib).AsInt8x64()).
			And(hi0.PermuteOrZeroGrouped(v0.AsUint16x32().ShiftAllRight(4).AsUint8x64().And(nib).AsInt8x64()))
		m = m.And(lo1.PermuteOrZeroGrouped(v1.And(nib).AsInt8x64())).
			And(hi1.PermuteOrZeroGrouped(v1.AsUint16x32().ShiftAllRight(4).AsUint8x64().And(nib).AsInt8x64()))
		m = m.And(lo2.PermuteOrZeroGrouped(v2.And(nib).AsInt8x64())).
			And(hi2.PermuteOrZeroGrouped(v2.AsUint16x32().ShiftAllRight(4).AsUint8x64().And(nib).AsInt8x64()))
		bits := m.NotEqual(zero).ToBits()
		if bits == 0 {
			continue
		}
		m.Store(&buf)
		for bits != 0 {
			p := bits64.TrailingZeros64(bits)
			bits &= bits - 1
			if b := buf[p] & e0[data[i+p]] & e1[data[i+p+1]] & e2[data[i+p+2]]; b != 0 {
				fn(i+p, b)
			}
		}
	}
	t.scanScalar(data, i, fn)
}
