package finding

import (
	"context"
	"errors"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// TestReadersDoNotLinkTheEngine: what only reads findings links this
// package, not the scan engine and, through it, go-containerregistry
// (some 250 packages) and the archive and git readers. A new import of
// internal/scan in one of these packages fails here.
func TestReadersDoNotLinkTheEngine(t *testing.T) {
	const mod = "github.com/hfwarden/hfwarden/internal/"
	banned := []string{"github.com/google/go-containerregistry", mod + "scan"}
	for _, pkg := range []string{"report", "incident", "assess", "store", "incidentreport", "audit", "finding"} {
		t.Run(pkg, func(t *testing.T) {
			t.Parallel()
			ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
			defer cancel()
			out, err := exec.CommandContext(ctx, "go", "list", "-deps", mod+pkg).Output()
			if err != nil {
				var stderr string
				if ee := (*exec.ExitError)(nil); errors.As(err, &ee) {
					stderr = string(ee.Stderr)
				}
				t.Fatalf("go list -deps %s: %v %s", pkg, err, stderr)
			}
			deps := strings.Fields(string(out))
			if len(deps) == 0 || deps[len(deps)-1] != mod+pkg {
				t.Fatalf("go list -deps %s printed %d packages, not ending with the package itself", pkg, len(deps))
			}
			for _, b := range banned {
				var linked []string
				for _, d := range deps {
					if d == b || strings.HasPrefix(d, b+"/") {
						linked = append(linked, d)
					}
				}
				if len(linked) > 0 {
					t.Errorf("%s links %d packages of %s, e.g. %s", pkg, len(linked), b, linked[0])
				}
			}
		})
	}
}
