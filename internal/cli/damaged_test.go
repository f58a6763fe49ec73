package cli_test

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
)

// TestDamagedZipMember: a zip member whose header declares less than its
// data holds is scanned whole, and the run says so: one error line on
// standard error, stats.errors in the JSON report, exit status 2 — never
// "0 errors".
func TestDamagedZipMember(t *testing.T) {
	tok := fakeTokens(t, 77, 1)[0]
	var body bytes.Buffer
	for j := range 3000 {
		fmt.Fprintf(&body, "%d %x\n", j, uint64(j*j)*2654435761)
	}
	body.WriteString("HF_TOKEN=" + tok + "\n") // past the declared size
	var zb bytes.Buffer
	zw := zip.NewWriter(&zb)
	w, err := zw.Create("a.env")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write(body.Bytes()); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	z := zb.Bytes()
	cd := bytes.LastIndex(z, []byte("PK\x01\x02"))
	binary.LittleEndian.PutUint32(z[cd+24:], 64) // declared uncompressed size
	dir := t.TempDir()
	write(t, filepath.Join(dir, "bundle.zip"), string(z))

	r := runCLI(t, "", "scan", "-f", "json", dir)
	if r.code != 2 {
		t.Fatalf("exit %d, want 2: %s", r.code, r.stderr)
	}
	var errLines []string
	for _, l := range strings.Split(strings.TrimSpace(r.stderr), "\n") {
		if strings.HasPrefix(l, "hfwarden: error:") {
			errLines = append(errLines, l)
		}
	}
	if len(errLines) != 1 || !strings.Contains(errLines[0], "bundle.zip!a.env") || strings.Contains(r.stderr, tok) {
		t.Errorf("stderr %q: want one error line naming the member", r.stderr)
	}
	var rep jsonReport
	decodeOne(t, r.stdout, &rep)
	if rep.Stats["errors"] != float64(1) || len(rep.Findings) != 1 {
		t.Errorf("stats %v, %d findings: want 1 error and the token past the declared size", rep.Stats, len(rep.Findings))
	}
}
