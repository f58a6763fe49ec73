// Command hfwarden finds leaked Hugging Face tokens and runs the incident
// that follows. See the README for the commands.
package main

import (
	"context"
	"os"
	"os/signal"
	"runtime/debug"
	"runtime/pprof"

	"github.com/hfwarden/hfwarden/internal/cli"
)

func main() {
	// hfwarden's heap is small and short-lived (reusable read buffers, a
	// few matches): collect less often than the default, unless GOGC says.
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(400)
	}
	// HFWARDEN_CPUPROFILE=FILE writes a CPU profile, for performance work.
	if p := os.Getenv("HFWARDEN_CPUPROFILE"); p != "" {
		if f, err := os.Create(p); err == nil {
			if pprof.StartCPUProfile(f) == nil {
				defer pprof.StopCPUProfile()
			}
		}
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	code := cli.Main(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	if code != 0 {
		pprof.StopCPUProfile()
		os.Exit(code)
	}
}
