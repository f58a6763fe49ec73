//go:build !unix

package testutil

import "time"

// cpuTime stands in for the CPU time with the wall clock where the
// process's CPU time is not at hand.
func cpuTime() time.Duration { return time.Duration(time.Now().UnixNano()) }
