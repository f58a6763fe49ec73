//go:build linux

package cli_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// fsizeChildEnv carries, as a JSON array, the arguments a child test
// process runs hfwarden with under a file size limit.
const fsizeChildEnv = "HFWARDEN_TEST_FSIZE_ARGS"

// fsizeResultPrefix starts the line on which the child gives its result.
const fsizeResultPrefix = "fsize-result: "

// TestOutputWriteErrorReported: a report that cannot be written whole to
// its -o file is exit 2 with a one-line error, not a success with a cut
// report. The write fails past the file size limit (RLIMIT_FSIZE: EFBIG,
// as a full disk fails with ENOSPC), set in a child process since the
// limit holds for the whole process. Go ignores SIGXFSZ, so the write
// returns the error instead of the signal killing the process.
func TestOutputWriteErrorReported(t *testing.T) {
	if args := os.Getenv(fsizeChildEnv); args != "" {
		fsizeChild(t, args)
		return
	}
	tk := fakeTokens(t, 91, 1)[0]
	src := t.TempDir()
	write(t, filepath.Join(src, "app.py"), "TOKEN = \""+tk+"\"\n")
	dir := t.TempDir()
	db, key := filepath.Join(dir, "h.db"), filepath.Join(dir, "h.key")
	if r := runCLI(t, "", "scan", "--store", "-q", src, "--db", db, "--key-file", key); r.code != 1 {
		t.Fatalf("scan --store: exit %d\n%s", r.code, r.stderr)
	}
	out := filepath.Join(dir, "out")
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"scan text", []string{"scan", src, "-o", out}, "hfwarden: writing report: write " + out + ": file too large\n"},
		{"scan json", []string{"scan", "-f", "json", src, "-o", out}, "hfwarden: writing report: write " + out + ": file too large\n"},
		{"incident report", []string{"report", "1", "-f", "md", "--db", db, "--key-file", key, "-o", out}, "hfwarden: writing the report: write " + out + ": file too large\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if err := os.Remove(out); err != nil && !os.IsNotExist(err) {
				t.Fatal(err)
			}
			r := runFsizeChild(t, dir, tc.args)
			if r.Code != 2 || r.Stderr != tc.want || r.Stdout != "" {
				t.Errorf("exit %d, stdout %q, stderr %q; want exit 2 and %q", r.Code, r.Stdout, r.Stderr, tc.want)
			}
			if strings.Contains(r.Stderr, tk) {
				t.Errorf("the error shows the token: %s", r.Stderr)
			}
		})
	}
}

// fsizeResult is what the child reports of its hfwarden run.
type fsizeResult struct {
	Code           int
	Stdout, Stderr string
}

// runFsizeChild runs hfwarden with args in a child test process whose
// files cannot grow past 16 bytes, with its data and cache directories
// under dir.
func runFsizeChild(t *testing.T, dir string, args []string) fsizeResult {
	t.Helper()
	cmd := exec.CommandContext(t.Context(), os.Args[0], "-test.run=^TestOutputWriteErrorReported$", "-test.count=1")
	enc, err := json.Marshal(args)
	if err != nil {
		t.Fatal(err)
	}
	cmd.Env = append(os.Environ(), fsizeChildEnv+"="+string(enc),
		"XDG_DATA_HOME="+filepath.Join(dir, "data"), "XDG_CACHE_HOME="+filepath.Join(dir, "cache"))
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("child: %v\n%s%s", err, stdout.String(), stderr.String())
	}
	sc := bufio.NewScanner(&stdout)
	for sc.Scan() {
		if line, ok := strings.CutPrefix(sc.Text(), fsizeResultPrefix); ok {
			var r fsizeResult
			if err := json.Unmarshal([]byte(line), &r); err != nil {
				t.Fatal(err)
			}
			return r
		}
	}
	t.Fatalf("child gave no result:\n%s%s", stdout.String(), stderr.String())
	return fsizeResult{}
}

// fsizeChild is the child's side: it decodes the arguments, lowers the file size limit, runs
// hfwarden with args and prints the result on its standard output (a
// pipe, which the limit does not bound).
func fsizeChild(t *testing.T, enc string) {
	var args []string
	if err := json.Unmarshal([]byte(enc), &args); err != nil {
		t.Fatal(err)
	}
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_FSIZE, &lim); err != nil {
		t.Fatal(err)
	}
	lim.Cur = 16
	if err := syscall.Setrlimit(syscall.RLIMIT_FSIZE, &lim); err != nil {
		t.Fatal(err)
	}
	r := runCLI(t, "", args...)
	b, err := json.Marshal(fsizeResult{r.code, r.stdout, r.stderr})
	if err != nil {
		t.Fatal(err)
	}
	fmt.Println(fsizeResultPrefix + string(b))
}
