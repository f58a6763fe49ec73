package cli_test

import (
	"bytes"
	"encoding/base64"
	"encoding/csv"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/hfwarden/hfwarden/internal/cli"
	"github.com/hfwarden/hfwarden/internal/secret"
	"github.com/hfwarden/hfwarden/internal/testutil"
)

// fakeTokens returns n distinct fake tokens from seed (see testutil).
func fakeTokens(t testing.TB, seed uint64, n int) []string { return testutil.FakeTokens(t, seed, n) }

type result struct {
	code           int
	stdout, stderr string
}

// runCLI runs hfwarden in-process.
func runCLI(t testing.TB, stdin string, args ...string) result {
	t.Helper()
	var out, errb bytes.Buffer
	code := cli.Main(t.Context(), args, strings.NewReader(stdin), &out, &errb)
	return result{code, out.String(), errb.String()}
}

func write(t testing.TB, path, data string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
}

// fixture is a scanned tree holding known fake tokens.
type fixture struct {
	dir    string
	tokens []string // every raw token written
}

// newFixture writes a directory with a plain token (twice), a base64 one,
// a split one, a notebook, and a truncated notebook (which makes a warning).
func newFixture(t testing.TB) fixture {
	tk := fakeTokens(t, 1, 5)
	dir := t.TempDir()
	write(t, filepath.Join(dir, "app.py"), "HF_TOKEN = \""+tk[0]+"\"\nlogin(token=HF_TOKEN)\n")
	write(t, filepath.Join(dir, "copy", ".env"), "HF_TOKEN="+tk[0]+"\n")
	write(t, filepath.Join(dir, "deploy", "secret.yaml"), "kind: Secret\ndata:\n  HF_TOKEN: "+base64.StdEncoding.EncodeToString([]byte(tk[1]))+"\n")
	write(t, filepath.Join(dir, "split.js"), "const t = \""+tk[2][:9]+"\" +\n  \""+tk[2][9:]+"\";\n")
	write(t, filepath.Join(dir, "nb.ipynb"), `{"cells": [{"cell_type": "code", "metadata": {}, "outputs": [], "source": ["login(token=\"`+tk[3]+`\")\n"]}], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}`)
	write(t, filepath.Join(dir, "broken.ipynb"), `{"cells": [{"cell_type": "code", "source": ["login(token=\"`+tk[4]+`\")\n"`)
	return fixture{dir: dir, tokens: tk}
}

// fixtureFindings is how many findings newFixture yields.
const fixtureFindings = 6

func cleanDir(t testing.TB) string {
	dir := t.TempDir()
	write(t, filepath.Join(dir, "README.md"), "Set HF_TOKEN=hf_YOUR_TOKEN_HERE and call hf_hub_download.\n")
	return dir
}

func TestExitCodes(t *testing.T) {
	fx := newFixture(t)
	clean := cleanDir(t)
	missing := filepath.Join(clean, "does-not-exist")
	tests := []struct {
		name       string
		args       []string
		code       int
		stdoutHas  string // "" : no check; "-": must be empty
		stderrLine string // the single line stderr must start with
	}{
		{name: "clean", args: []string{"scan", "-q", clean}, code: 0, stdoutHas: "no secrets found", stderrLine: "-"},
		{name: "findings", args: []string{"scan", "-q", fx.dir}, code: 1, stdoutHas: "hf-user-token", stderrLine: "-"},
		{name: "exit-code 7", args: []string{"scan", "-q", "--exit-code", "7", fx.dir}, code: 7},
		{name: "exit-code 0 with findings", args: []string{"scan", "-q", "--exit-code", "0", fx.dir}, code: 0, stdoutHas: "hf-user-token"},
		{name: "exit-code 7 clean", args: []string{"scan", "--exit-code", "7", clean}, code: 0},
		{name: "unknown flag", args: []string{"scan", "--bogus", fx.dir}, code: 2, stdoutHas: "-", stderrLine: "hfwarden: unknown flag: --bogus"},
		{name: "unknown format", args: []string{"scan", "--format", "xml", fx.dir}, code: 2, stdoutHas: "-", stderrLine: `hfwarden: unknown output format "xml"`},
		{name: "exit-code out of range", args: []string{"scan", "--exit-code", "300", fx.dir}, code: 2, stdoutHas: "-", stderrLine: "hfwarden: --exit-code"},
		{name: "bad size", args: []string{"scan", "--max-file-size", "lots", fx.dir}, code: 2, stdoutHas: "-", stderrLine: "hfwarden: --max-file-size"},
		{name: "no path", args: []string{"scan"}, code: 2, stdoutHas: "-"},
		{name: "missing baseline", args: []string{"scan", "--baseline", missing, fx.dir}, code: 2, stdoutHas: "-", stderrLine: "hfwarden: baseline"},
		{name: "missing path, clean rest", args: []string{"scan", "-q", missing, clean}, code: 2, stdoutHas: "no secrets found"},
		// The rest of the scan is still reported, yet the exit status says
		// the scan is incomplete, whatever --exit-code says.
		{name: "missing path, findings", args: []string{"scan", "-q", missing, fx.dir}, code: 2, stdoutHas: "hf-user-token"},
		{name: "missing path, exit-code 0", args: []string{"scan", "-q", "--exit-code", "0", missing, fx.dir}, code: 2, stdoutHas: "hf-user-token"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := runCLI(t, "", tt.args...)
			if r.code != tt.code {
				t.Errorf("exit %d, want %d\nstdout: %s\nstderr: %s", r.code, tt.code, r.stdout, r.stderr)
			}
			switch tt.stdoutHas {
			case "":
			case "-":
				if r.stdout != "" {
					t.Errorf("stdout not empty: %q", r.stdout)
				}
			default:
				if !strings.Contains(r.stdout, tt.stdoutHas) {
					t.Errorf("stdout lacks %q:\n%s", tt.stdoutHas, r.stdout)
				}
			}
			switch tt.stderrLine {
			case "":
			case "-":
				if r.stderr != "" {
					t.Errorf("stderr not empty: %q", r.stderr)
				}
			default:
				if strings.Count(r.stderr, "\n") != 1 || !strings.HasPrefix(r.stderr, tt.stderrLine) {
					t.Errorf("stderr = %q, want one line starting %q", r.stderr, tt.stderrLine)
				}
			}
			if strings.Contains(tt.name, "missing path") && !strings.Contains(r.stderr, "does-not-exist: no such file or directory") {
				t.Errorf("stderr does not name the missing path: %q", r.stderr)
			}
		})
	}
}

// jsonFinding is the part of a JSON finding the tests look at; the raw map
// is kept to check which keys exist.
type jsonReport struct {
	Findings []map[string]any `json:"findings"`
	Stats    map[string]any   `json:"stats"`
}

func decodeOne(t testing.TB, s string, v any) {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(s))
	if err := dec.Decode(v); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, s)
	}
	var extra json.RawMessage
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		t.Fatalf("more than one JSON value: %v", err)
	}
}

// checkFindingShape checks the documented keys of a JSON finding.
func checkFindingShape(t testing.TB, f map[string]any) {
	t.Helper()
	for _, k := range []string{"rule", "fingerprint", "redacted", "confidence", "source"} {
		if s, ok := f[k].(string); !ok || s == "" {
			t.Errorf("finding %s = %#v, want a non-empty string", k, f[k])
		}
	}
	if fp, _ := f["fingerprint"].(string); len(fp) != 64 {
		t.Errorf("fingerprint %q is not 64 hex digits", fp)
	}
	if _, ok := f["encodings"].([]any); !ok {
		t.Errorf("encodings = %#v, want a list", f["encodings"])
	}
	loc, ok := f["location"].(map[string]any)
	if !ok {
		t.Fatalf("location = %#v", f["location"])
	}
	if p, _ := loc["path"].(string); p == "" {
		t.Errorf("location.path = %#v", loc["path"])
	}
	for _, k := range []string{"line", "column"} {
		if n, ok := loc[k].(float64); !ok || n < 1 {
			t.Errorf("location.%s = %#v, want a positive number", k, loc[k])
		}
	}
	if _, ok := f["secret"]; ok {
		t.Errorf("secret key present without --show-secrets")
	}
}

func TestJSONFormat(t *testing.T) {
	fx := newFixture(t)
	r := runCLI(t, "", "scan", "--format", "json", "-q", fx.dir)
	if r.code != 1 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	var top map[string]json.RawMessage
	decodeOne(t, r.stdout, &top)
	keys := make([]string, 0, len(top))
	for k := range top {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	if !slices.Equal(keys, []string{"findings", "stats"}) {
		t.Errorf("top-level keys %v, want findings and stats", keys)
	}
	var rep jsonReport
	decodeOne(t, r.stdout, &rep)
	if len(rep.Findings) != fixtureFindings {
		t.Fatalf("%d findings, want %d", len(rep.Findings), fixtureFindings)
	}
	byPath := map[string]map[string]any{}
	for _, f := range rep.Findings {
		checkFindingShape(t, f)
		loc := f["location"].(map[string]any)
		rel, _ := filepath.Rel(fx.dir, loc["path"].(string))
		byPath[filepath.ToSlash(rel)] = f
	}
	// Spot checks: the base64 one names its encoding, the notebook one its
	// cell, the split one its parts.
	if f := byPath["deploy/secret.yaml"]; f == nil || !slices.Equal(f["encodings"].([]any), []any{"base64"}) {
		t.Errorf("base64 finding %v", f)
	}
	if f := byPath["nb.ipynb"]; f == nil || f["source"] != "notebook" || f["location"].(map[string]any)["cell"] != 0.0 {
		t.Errorf("notebook finding %v", f)
	}
	if f := byPath["split.js"]; f == nil || f["split"] != true || len(f["parts"].([]any)) != 2 || f["confidence"] != "medium" {
		t.Errorf("split finding %v", f)
	}
	if f := byPath["app.py"]; f == nil || f["fingerprint"] != secret.Fingerprint(fx.tokens[0]) || f["redacted"] != secret.Redact(fx.tokens[0]) {
		t.Errorf("plain finding %v", f)
	}
	if rep.Stats["findings"] != float64(fixtureFindings) || rep.Stats["secrets"] != float64(len(fx.tokens)) || rep.Stats["files"] != 6.0 {
		t.Errorf("stats %v", rep.Stats)
	}
	if w, _ := rep.Stats["warnings"].([]any); len(w) != 1 {
		t.Errorf("stats.warnings %v, want one for broken.ipynb", rep.Stats["warnings"])
	}
}

func TestMachineFormats(t *testing.T) {
	fx := newFixture(t)
	t.Run("jsonl", func(t *testing.T) {
		r := runCLI(t, "", "scan", "-f", "jsonl", "-q", fx.dir)
		lines := strings.Split(strings.TrimSuffix(r.stdout, "\n"), "\n")
		if r.code != 1 || len(lines) != fixtureFindings {
			t.Fatalf("exit %d, %d lines:\n%s", r.code, len(lines), r.stdout)
		}
		for _, l := range lines {
			var f map[string]any
			decodeOne(t, l, &f)
			checkFindingShape(t, f)
		}
	})
	t.Run("csv", func(t *testing.T) {
		r := runCLI(t, "", "scan", "-f", "csv", "-q", fx.dir)
		rows, err := csv.NewReader(strings.NewReader(r.stdout)).ReadAll()
		if err != nil || r.code != 1 {
			t.Fatalf("exit %d, csv: %v\n%s", r.code, err, r.stdout)
		}
		if len(rows) != fixtureFindings+1 || rows[0][0] != "rule" || !slices.Contains(rows[0], "fingerprint") {
			t.Fatalf("rows %q", rows)
		}
		fp := slices.Index(rows[0], "fingerprint")
		for _, row := range rows[1:] {
			if len(row[fp]) != 64 {
				t.Errorf("row %q: bad fingerprint", row)
			}
		}
	})
	t.Run("sarif", func(t *testing.T) {
		r := runCLI(t, "", "scan", "-f", "sarif", "-q", fx.dir)
		var log struct {
			Version string `json:"version"`
			Runs    []struct {
				Results []struct {
					RuleID              string            `json:"ruleId"`
					PartialFingerprints map[string]string `json:"partialFingerprints"`
				} `json:"results"`
			} `json:"runs"`
		}
		decodeOne(t, r.stdout, &log)
		if r.code != 1 || log.Version != "2.1.0" || len(log.Runs) != 1 || len(log.Runs[0].Results) != fixtureFindings {
			t.Fatalf("exit %d, sarif %+v", r.code, log)
		}
		for _, res := range log.Runs[0].Results {
			if res.RuleID == "" || len(res.PartialFingerprints["hfwarden/v1"]) != 64 {
				t.Errorf("result %+v", res)
			}
		}
	})
}

// TestNoRawSecrets: whatever the format, raw tokens appear on neither
// stdout nor stderr unless --show-secrets is given (and never in CSV or
// SARIF, which are made to be shared).
func TestNoRawSecrets(t *testing.T) {
	fx := newFixture(t)
	missing := filepath.Join(fx.dir, "gone")
	for _, format := range []string{"text", "json", "jsonl", "csv", "sarif"} {
		for _, show := range []bool{false, true} {
			args := []string{"scan", "-f", format, fx.dir, missing}
			if show {
				args = append(args, "--show-secrets")
			}
			r := runCLI(t, "", args...)
			if r.code != 2 {
				t.Errorf("%s: exit %d, want 2 (missing path)", format, r.code)
			}
			if !strings.Contains(r.stderr, "warning") || !strings.Contains(r.stderr, "error") {
				t.Errorf("%s: stderr lacks the warning and error: %q", format, r.stderr)
			}
			for i, tok := range fx.tokens {
				if strings.Contains(r.stderr, tok) {
					t.Errorf("%s show=%v: token %d on stderr", format, show, i)
				}
				inOut := strings.Contains(r.stdout, tok)
				wantOut := show && (format == "text" || format == "json" || format == "jsonl")
				if inOut != wantOut {
					t.Errorf("%s show=%v: token %d on stdout: %v, want %v", format, show, i, inOut, wantOut)
				}
				if strings.Contains(r.stdout, tok[3:]) && !wantOut {
					t.Errorf("%s show=%v: token %d body on stdout", format, show, i)
				}
			}
		}
	}
}

func TestStdin(t *testing.T) {
	tk := fakeTokens(t, 2, 1)
	in := "line one\nexport HF_TOKEN=" + tk[0] + "\n"
	r := runCLI(t, in, "scan", "-f", "json", "-")
	if r.code != 1 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	var rep jsonReport
	decodeOne(t, r.stdout, &rep)
	if len(rep.Findings) != 1 {
		t.Fatalf("findings %v", rep.Findings)
	}
	f := rep.Findings[0]
	loc := f["location"].(map[string]any)
	if loc["path"] != "-" || f["source"] != "stdin" || loc["line"] != 2.0 || loc["column"] != 17.0 || f["fingerprint"] != secret.Fingerprint(tk[0]) {
		t.Errorf("finding %v", f)
	}
	if strings.Contains(r.stdout, tk[0]) {
		t.Error("raw token in output")
	}
	if r := runCLI(t, "nothing to see\n", "scan", "-"); r.code != 0 {
		t.Errorf("clean stdin: exit %d", r.code)
	}
}

func TestBaseline(t *testing.T) {
	fx := newFixture(t)
	dir := t.TempDir()
	for _, format := range []string{"json", "jsonl", "sarif"} {
		t.Run(format, func(t *testing.T) {
			base := filepath.Join(dir, "baseline."+format)
			if r := runCLI(t, "", "scan", "-q", "-f", format, "-o", base, fx.dir); r.code != 1 {
				t.Fatalf("first run: exit %d: %s", r.code, r.stderr)
			}
			r := runCLI(t, "", "scan", "-q", "-f", "json", "--baseline", base, fx.dir)
			if r.code != 0 {
				t.Fatalf("with baseline: exit %d: %s", r.code, r.stderr)
			}
			var rep jsonReport
			decodeOne(t, r.stdout, &rep)
			if len(rep.Findings) != 0 || rep.Stats["ignored"] != float64(fixtureFindings) {
				t.Errorf("findings %v, stats %v", rep.Findings, rep.Stats)
			}
		})
	}
	// A new secret is still reported against the old baseline.
	tk := fakeTokens(t, 3, 1)
	write(t, filepath.Join(fx.dir, "new.txt"), "token="+tk[0]+"\n")
	r := runCLI(t, "", "scan", "-q", "-f", "json", "--baseline", filepath.Join(dir, "baseline.json"), fx.dir)
	var rep jsonReport
	decodeOne(t, r.stdout, &rep)
	if r.code != 1 || len(rep.Findings) != 1 || rep.Findings[0]["fingerprint"] != secret.Fingerprint(tk[0]) {
		t.Errorf("exit %d, findings %v", r.code, rep.Findings)
	}
}

func TestOutputFile(t *testing.T) {
	fx := newFixture(t)
	out := filepath.Join(t.TempDir(), "report.json")
	r := runCLI(t, "", "scan", "-f", "json", "--output", out, fx.dir)
	if r.code != 1 || r.stdout != "" {
		t.Fatalf("exit %d, stdout %q", r.code, r.stdout)
	}
	if !strings.Contains(r.stderr, "report written to "+out) {
		t.Errorf("stderr %q", r.stderr)
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	var rep jsonReport
	decodeOne(t, string(data), &rep)
	if len(rep.Findings) != fixtureFindings {
		t.Errorf("%d findings in the file, want %d", len(rep.Findings), fixtureFindings)
	}
	if r := runCLI(t, "", "scan", "-o", filepath.Join(out, "not-a-dir", "x"), fx.dir); r.code != 2 {
		t.Errorf("unwritable output: exit %d", r.code)
	}
}

// TestOutputNotAFile: -o naming a symbolic link or a device is refused
// (exit 2, one line) and nothing is written through it.
func TestOutputNotAFile(t *testing.T) {
	fx := newFixture(t)
	dir := t.TempDir()
	real := filepath.Join(dir, "keep.txt")
	write(t, real, "keep me\n")
	link := filepath.Join(dir, "report.json")
	if err := os.Symlink(real, link); err != nil {
		t.Fatal(err)
	}
	for _, out := range []string{link, os.DevNull} {
		r := runCLI(t, "", "scan", "-f", "json", "-o", out, fx.dir)
		if r.code != 2 || !strings.Contains(r.stderr, "not a regular file") || strings.Count(r.stderr, "\n") != 1 || r.stdout != "" {
			t.Errorf("-o %s: %+v, want exit 2 with one line", out, r)
		}
	}
	if b, _ := os.ReadFile(real); string(b) != "keep me\n" {
		t.Errorf("written through the link: %q", b)
	}
}

func TestIgnoreFile(t *testing.T) {
	tk := fakeTokens(t, 4, 3)
	dir := t.TempDir()
	write(t, filepath.Join(dir, "a.txt"), "one="+tk[0]+"\ntwo="+tk[1]+"\n")
	write(t, filepath.Join(dir, "sub", "b.txt"), "one="+tk[0]+"\nthree="+tk[2]+"  # hfwarden:allow\n")

	scanJSON := func(args ...string) (result, jsonReport) {
		r := runCLI(t, "", append([]string{"scan", "-f", "json"}, args...)...)
		var rep jsonReport
		decodeOne(t, r.stdout, &rep)
		return r, rep
	}
	r, rep := scanJSON(dir)
	if r.code != 1 || len(rep.Findings) != 3 || rep.Stats["ignored"] != 1.0 {
		t.Fatalf("without ignore file: exit %d, %d findings, stats %v", r.code, len(rep.Findings), rep.Stats)
	}

	// .hfwarden-ignore in the scanned directory is found on its own.
	write(t, filepath.Join(dir, ".hfwarden-ignore"), "# fixtures\n"+secret.Fingerprint(tk[0])+"  # revoked\n"+
		secret.Fingerprint(tk[1])+" expires=2001-01-01\n")
	r, rep = scanJSON(dir)
	if r.code != 1 || len(rep.Findings) != 1 || rep.Findings[0]["fingerprint"] != secret.Fingerprint(tk[1]) || rep.Stats["ignored"] != 3.0 {
		t.Errorf("with ignore file: exit %d, findings %v, stats %v", r.code, rep.Findings, rep.Stats)
	}
	if !strings.Contains(r.stderr, "expired on 2001-01-01") {
		t.Errorf("no warning about the expired entry: %q", r.stderr)
	}
	// Scanning a subdirectory finds the parent's ignore file too.
	if r, rep = scanJSON(filepath.Join(dir, "sub")); r.code != 0 || len(rep.Findings) != 0 {
		t.Errorf("subdirectory: exit %d, findings %v", r.code, rep.Findings)
	}
	// --ignore-file overrides the one found.
	other := filepath.Join(t.TempDir(), "ignore")
	write(t, other, secret.Fingerprint(tk[1])+"\n")
	if r, rep = scanJSON("--ignore-file", other, dir); len(rep.Findings) != 2 {
		t.Errorf("--ignore-file: exit %d, findings %v", r.code, rep.Findings)
	}
	// A raw secret pasted into the ignore file is refused, without echoing it.
	bad := filepath.Join(t.TempDir(), "bad-ignore")
	write(t, bad, tk[2]+"\n")
	if r := runCLI(t, "", "scan", "--ignore-file", bad, dir); r.code != 2 || strings.Contains(r.stderr, tk[2]) {
		t.Errorf("bad ignore file: exit %d, stderr %q", r.code, r.stderr)
	}
}

func TestMaxFileSizeAndExclude(t *testing.T) {
	tk := fakeTokens(t, 5, 3)
	dir := t.TempDir()
	write(t, filepath.Join(dir, "small.env"), "HF_TOKEN="+tk[0]+"\n")
	write(t, filepath.Join(dir, "big.txt"), "HF_TOKEN="+tk[1]+"\n"+strings.Repeat("filler line\n", 100))
	write(t, filepath.Join(dir, "logs", "app.log"), "token="+tk[2]+"\n")
	tests := []struct {
		args    []string
		found   []string
		skipped float64
	}{
		{nil, []string{tk[1], tk[2], tk[0]}, 0},
		{[]string{"--max-file-size", "1KB"}, []string{tk[2], tk[0]}, 1},
		{[]string{"--max-file-size", "1.2KiB"}, []string{tk[2], tk[0]}, 1}, // big.txt is 1247 bytes
		{[]string{"--max-file-size", "1247"}, []string{tk[1], tk[2], tk[0]}, 0},
		{[]string{"--max-file-size", "1246"}, []string{tk[2], tk[0]}, 1},
		{[]string{"--max-file-size", "1kb"}, []string{tk[2], tk[0]}, 1},
		{[]string{"--exclude", "**/*.log"}, []string{tk[1], tk[0]}, 1},
		{[]string{"--exclude", "*.log", "--exclude", "small.env"}, []string{tk[1]}, 2},
		{[]string{"--exclude", "logs", "--max-file-size", "100"}, []string{tk[0]}, 1},
	}
	for _, tt := range tests {
		r := runCLI(t, "", append(append([]string{"scan", "-f", "json", "--show-secrets"}, tt.args...), dir)...)
		var rep jsonReport
		decodeOne(t, r.stdout, &rep)
		var got []string
		for _, f := range rep.Findings {
			got = append(got, f["secret"].(string))
		}
		if !slices.Equal(got, tt.found) || rep.Stats["skipped"] != tt.skipped {
			t.Errorf("%v: %d found, skipped %v; want %d, %v", tt.args, len(got), rep.Stats["skipped"], len(tt.found), tt.skipped)
		}
	}
}

func TestNoDecodeNoLinked(t *testing.T) {
	tk := fakeTokens(t, 6, 2)
	dir := t.TempDir()
	write(t, filepath.Join(dir, "s.yaml"), "data:\n  HF_TOKEN: "+base64.StdEncoding.EncodeToString([]byte(tk[0]))+"\n")
	write(t, filepath.Join(dir, "gh.env"), "GITHUB_TOKEN=ghp_"+tk[1][3:]+"42\n")
	count := func(args ...string) int {
		r := runCLI(t, "", append(append([]string{"scan", "-f", "jsonl", "-q"}, args...), dir)...)
		return strings.Count(r.stdout, "\n")
	}
	if n := count(); n != 2 {
		t.Errorf("default: %d findings, want 2", n)
	}
	if n := count("--no-decode"); n != 1 {
		t.Errorf("--no-decode: %d findings, want 1", n)
	}
	if n := count("--no-linked"); n != 1 {
		t.Errorf("--no-linked: %d findings, want 1", n)
	}
}
