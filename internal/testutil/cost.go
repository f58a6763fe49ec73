package testutil

import (
	"runtime"
	"testing"
	"time"
)

// CheckCost runs fn and fails t if it uses more than maxCPU of CPU time or
// allocates more than maxAlloc bytes: how fuzz targets prove that work is
// bounded on any input. Time is the process's CPU time where the system
// tells it, so that a loaded machine does not fail it.
func CheckCost(t testing.TB, what string, maxCPU time.Duration, maxAlloc uint64, fn func()) {
	t.Helper()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	start := cpuTime()
	fn()
	elapsed := cpuTime() - start
	runtime.ReadMemStats(&after)
	if elapsed > maxCPU {
		t.Fatalf("%s took %v, more than %v", what, elapsed, maxCPU)
	}
	if n := after.TotalAlloc - before.TotalAlloc; n > maxAlloc {
		t.Fatalf("%s allocated %d bytes, more than %d", what, n, maxAlloc)
	}
}
