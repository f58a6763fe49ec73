package report

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/hfwarden/hfwarden/internal/finding"
)

// Fake secrets: long, distinctive strings so a leak is unambiguous.
const (
	hfSecret     = "hf_TESTSECRETdoNotLeakXXXXXXXXXXXXXXXXXX"
	openaiSecret = "sk-TESTSECRETdoNotLeakYYYYYYYYYYYYYYYYYY"
	splitSecret  = "hf_SPLITSECRETdoNotLeakZZZZZZZZZZZZZZZZ"
	binSecret    = "hf_BINSECRETdoNotLeakWWWWWWWWWWWWWWWWWWW"
)

var allSecrets = []string{hfSecret, openaiSecret, splitSecret, binSecret}

func intp(i int) *int { return &i }

// fixture returns findings covering every location shape: plain text, an
// encoded repeat of the same secret, a notebook, a binary file and a split
// token in an awkward path. Secrets are filled in, as a scanner run with
// --show-secrets would, so tests can check the writers drop them.
func fixture() []finding.Finding {
	hfFP := strings.Repeat("ab", 32)
	return []finding.Finding{
		{
			Rule: "hf-user-token", Description: "Hugging Face user access token",
			Fingerprint: hfFP, Redacted: "hf_TEST…XXXX", Secret: hfSecret,
			Confidence: "medium", Source: "file",
			Location: finding.Location{Path: "src/app.py", Line: 3, Column: 7, Offset: 40},
		},
		{
			Rule: "hf-user-token", Description: "Hugging Face user access token",
			Fingerprint: hfFP, Redacted: "hf_TEST…XXXX", Secret: hfSecret,
			Confidence: "high", Encodings: []string{"base64", "percent"}, Source: "file",
			Location: finding.Location{Path: "config/.env", Line: 1, Column: 1},
		},
		{
			Rule: "openai-api-key", Description: "OpenAI API key", Linked: true,
			Fingerprint: strings.Repeat("cd", 32), Redacted: "sk-TEST…YYYY", Secret: openaiSecret,
			Confidence: "high", Source: "notebook",
			Location: finding.Location{
				Path: "nb/analysis.ipynb", Line: 4, Column: 9, Offset: 120,
				Cell: intp(2), Output: intp(0), Field: "outputs",
				Chain: []string{"nb/analysis.ipynb", "cell 2", "output 0"},
			},
		},
		{
			Rule: "hf-org-token", Description: "Hugging Face organization token",
			Fingerprint: strings.Repeat("ef", 32), Redacted: "hf_BIN…WWWW", Secret: binSecret,
			Confidence: "low", Source: "file",
			Location: finding.Location{Path: "models/weights.bin", Offset: 4096},
		},
		{
			Rule: "hf-user-token", Description: "Hugging Face user access token",
			Fingerprint: strings.Repeat("12", 32), Redacted: "hf_SPLI…ZZZZ", Secret: splitSecret,
			Confidence: "medium", Source: "file", Split: true,
			Location: finding.Location{Path: "odd dir/a:b #1.py", Line: 10, Column: 5},
			Parts: []finding.Location{
				{Path: "odd dir/a:b #1.py", Line: 10, Column: 5},
				{Path: "odd dir/a:b #1.py", Line: 11, Column: 5},
				{Path: "odd dir/a:b #1.py", Line: 12, Column: 5},
			},
		},
	}
}

func fixtureStats() finding.Stats {
	return finding.Stats{Files: 42, Bytes: 123456, Findings: 5, Secrets: 4, Errors: 1,
		ErrorList: []string{"open secret.txt: permission denied"}, DurationSecs: 1.5}
}

func render(t *testing.T, f Format, findings []finding.Finding, stats finding.Stats, opt Options) string {
	t.Helper()
	var buf bytes.Buffer
	if err := Write(&buf, f, findings, stats, opt); err != nil {
		t.Fatalf("Write(%s): %v", f, err)
	}
	return buf.String()
}

func TestParseFormat(t *testing.T) {
	tests := []struct {
		in      string
		want    Format
		wantErr bool
	}{
		{"text", Text, false},
		{"json", JSON, false},
		{"jsonl", JSONL, false},
		{"sarif", SARIF, false},
		{"csv", CSV, false},
		{" SARIF ", SARIF, false},
		{"Json", JSON, false},
		{"", "", true},
		{"xml", "", true},
		{"json ld", "", true},
	}
	for _, tt := range tests {
		got, err := ParseFormat(tt.in)
		if (err != nil) != tt.wantErr || got != tt.want {
			t.Errorf("ParseFormat(%q) = %q, %v; want %q, error %v", tt.in, got, err, tt.want, tt.wantErr)
		}
		if err != nil {
			for _, f := range Formats() {
				if !strings.Contains(err.Error(), string(f)) {
					t.Errorf("ParseFormat(%q) error %q does not list %q", tt.in, err, f)
				}
			}
		}
	}
}

func TestWriteUnknownFormat(t *testing.T) {
	var buf bytes.Buffer
	if err := Write(&buf, Format("yaml"), fixture(), finding.Stats{}, Options{}); err == nil {
		t.Fatal("Write with unknown format succeeded")
	}
	if buf.Len() != 0 {
		t.Errorf("Write with unknown format wrote %q", buf.String())
	}
}

// failWriter fails every write, to check errors are returned, not dropped.
type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

func TestWriteReportsWriterErrors(t *testing.T) {
	for _, f := range Formats() {
		if err := Write(failWriter{}, f, fixture(), fixtureStats(), Options{}); err == nil {
			t.Errorf("Write(%s) to a failing writer returned nil", f)
		}
	}
}

func TestWriteDoesNotModifyInput(t *testing.T) {
	in := fixture()
	for _, f := range Formats() {
		render(t, f, in, fixtureStats(), Options{})
	}
	if !reflect.DeepEqual(in, fixture()) {
		t.Error("Write modified the caller's findings")
	}
}

func TestJSON(t *testing.T) {
	tests := []struct {
		name     string
		findings []finding.Finding
	}{
		{"nil", nil},
		{"empty", []finding.Finding{}},
		{"fixture", fixture()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := render(t, JSON, tt.findings, fixtureStats(), Options{})

			// Exactly one top-level object with exactly two keys.
			dec := json.NewDecoder(strings.NewReader(out))
			var top map[string]json.RawMessage
			if err := dec.Decode(&top); err != nil {
				t.Fatalf("decode: %v\n%s", err, out)
			}
			if _, err := dec.Token(); err != io.EOF {
				t.Fatalf("more than one JSON value in output (next: %v)", err)
			}
			if len(top) != 2 || top["findings"] == nil || top["stats"] == nil {
				t.Fatalf("top-level keys = %v, want findings and stats", keys(top))
			}
			var raw []map[string]json.RawMessage
			if err := json.Unmarshal(top["findings"], &raw); err != nil || raw == nil {
				t.Fatalf("findings is %s, want an array", top["findings"])
			}
			if len(raw) != len(tt.findings) {
				t.Fatalf("got %d findings, want %d", len(raw), len(tt.findings))
			}
			for i, r := range raw {
				if e := string(r["encodings"]); !strings.HasPrefix(e, "[") {
					t.Errorf("finding %d encodings = %s, want an array", i, e)
				}
				if _, ok := r["secret"]; ok {
					t.Errorf("finding %d has a secret without ShowSecrets", i)
				}
			}

			// Round trip: what comes back is the input minus secrets.
			var back jsonReport
			if err := json.Unmarshal([]byte(out), &back); err != nil {
				t.Fatal(err)
			}
			if want := prepare(tt.findings, Options{}); !reflect.DeepEqual(back.Findings, want) {
				t.Errorf("round trip findings:\n got %+v\nwant %+v", back.Findings, want)
			}
			if !reflect.DeepEqual(back.Stats, fixtureStats()) {
				t.Errorf("round trip stats: got %+v, want %+v", back.Stats, fixtureStats())
			}
		})
	}
}

func keys[V any](m map[string]V) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	return ks
}

func TestJSONL(t *testing.T) {
	tests := []struct {
		name     string
		findings []finding.Finding
	}{
		{"none", nil},
		{"one", fixture()[:1]},
		{"fixture", fixture()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := render(t, JSONL, tt.findings, fixtureStats(), Options{})
			if len(tt.findings) == 0 {
				if out != "" {
					t.Fatalf("output for no findings = %q, want empty", out)
				}
				return
			}
			if !strings.HasSuffix(out, "\n") {
				t.Error("output does not end in a newline")
			}
			lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
			if len(lines) != len(tt.findings) {
				t.Fatalf("got %d lines, want %d:\n%s", len(lines), len(tt.findings), out)
			}
			want := prepare(tt.findings, Options{})
			for i, line := range lines {
				var f finding.Finding
				if err := json.Unmarshal([]byte(line), &f); err != nil {
					t.Fatalf("line %d: %v: %s", i+1, err, line)
				}
				if !reflect.DeepEqual(f, want[i]) {
					t.Errorf("line %d = %+v, want %+v", i+1, f, want[i])
				}
				if strings.Contains(line, `"stats"`) || strings.Contains(line, `"findings"`) {
					t.Errorf("line %d is not a bare finding: %s", i+1, line)
				}
			}
		})
	}
}

func TestCSV(t *testing.T) {
	out := render(t, CSV, fixture(), fixtureStats(), Options{})
	rows, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if err != nil {
		t.Fatalf("parse CSV: %v\n%s", err, out)
	}
	wantHeader := []string{"rule", "linked", "fingerprint", "redacted", "confidence", "encodings",
		"source", "path", "line", "column", "cell", "output", "field", "chain", "split"}
	if !reflect.DeepEqual(rows[0], wantHeader) {
		t.Fatalf("header = %q, want %q", rows[0], wantHeader)
	}
	if len(rows) != 1+len(fixture()) {
		t.Fatalf("got %d rows, want %d", len(rows), 1+len(fixture()))
	}
	col := make(map[string]int)
	for i, h := range rows[0] {
		col[h] = i
	}
	tests := []struct {
		row         int // 1-based data row
		field, want string
	}{
		{1, "rule", "hf-user-token"},
		{1, "linked", "false"},
		{1, "encodings", ""},
		{1, "line", "3"},
		{1, "column", "7"},
		{1, "cell", ""},
		{2, "encodings", "base64+percent"},
		{2, "path", "config/.env"},
		{3, "linked", "true"},
		{3, "cell", "2"},
		{3, "output", "0"},
		{3, "field", "outputs"},
		{3, "chain", "nb/analysis.ipynb → cell 2 → output 0"},
		{4, "line", "0"},
		{5, "path", "odd dir/a:b #1.py"},
		{5, "split", "true"},
		{5, "redacted", "hf_SPLI…ZZZZ"},
	}
	for _, tt := range tests {
		if got := rows[tt.row][col[tt.field]]; got != tt.want {
			t.Errorf("row %d %s = %q, want %q", tt.row, tt.field, got, tt.want)
		}
	}

	empty := render(t, CSV, nil, finding.Stats{}, Options{})
	if rows, err := csv.NewReader(strings.NewReader(empty)).ReadAll(); err != nil || len(rows) != 1 {
		t.Errorf("CSV for no findings = %q (err %v), want just the header", empty, err)
	}
}

func TestTextGrouping(t *testing.T) {
	out := render(t, Text, fixture(), fixtureStats(), Options{})
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")

	var headers, occurrences []string
	for _, l := range lines[:len(lines)-1] {
		switch {
		case l == "":
		case strings.HasPrefix(l, "  "):
			occurrences = append(occurrences, l)
		default:
			headers = append(headers, l)
		}
	}
	// Two occurrences of the first HF token share one header.
	if len(headers) != 4 {
		t.Errorf("got %d secret headers, want 4:\n%s", len(headers), out)
	}
	if len(occurrences) != 5 {
		t.Errorf("got %d occurrence lines, want 5:\n%s", len(occurrences), out)
	}
	if n := strings.Count(out, "fingerprint abababababab"); n != 1 {
		t.Errorf("short fingerprint of the repeated secret appears %d times, want 1:\n%s", n, out)
	}
	if strings.Contains(out, strings.Repeat("ab", 7)) {
		t.Errorf("fingerprint not shortened to 12 hex digits:\n%s", out)
	}

	wantSubstrings := []string{
		"Hugging Face user access token [hf-user-token]  hf_TEST…XXXX  (fingerprint abababababab, confidence high)\n" +
			"  src/app.py:3:7 (confidence medium)\n" +
			"  config/.env:1:1 [base64 → percent]\n",
		"OpenAI API key [openai-api-key]",
		"confidence high; linked secret — rotate with the HF token)",
		"  nb/analysis.ipynb cell 2 output 0 line 4\n",
		"  models/weights.bin @offset 4096\n",
		"  odd dir/a:b #1.py:10:5 (split across 3 literals)\n",
	}
	for _, s := range wantSubstrings {
		if !strings.Contains(out, s) {
			t.Errorf("output lacks %q:\n%s", s, out)
		}
	}
	if got, want := lines[len(lines)-1], "5 occurrences of 4 secrets in 42 files (123456 bytes) in 1.50 s; 1 error"; got != want {
		t.Errorf("summary = %q, want %q", got, want)
	}
	// Only the linked secret carries the linked note.
	if n := strings.Count(out, "linked secret"); n != 1 {
		t.Errorf("linked note appears %d times, want 1", n)
	}
}

func TestTextNoFindings(t *testing.T) {
	tests := []struct {
		stats finding.Stats
		want  string
	}{
		{finding.Stats{Files: 3, Bytes: 99, DurationSecs: 0.25},
			"no secrets found in 3 files (99 bytes) in 0.25 s; 0 errors\n"},
		{finding.Stats{Files: 1, Bytes: 1, Errors: 2},
			"no secrets found in 1 file (1 byte) in 0.00 s; 2 errors\n"},
	}
	for _, tt := range tests {
		if got := render(t, Text, nil, tt.stats, Options{}); got != tt.want {
			t.Errorf("got %q, want %q", got, tt.want)
		}
	}
}

func TestSecretsHiddenUnlessShown(t *testing.T) {
	for _, f := range Formats() {
		for _, show := range []bool{false, true} {
			out := render(t, f, fixture(), fixtureStats(), Options{ShowSecrets: show})
			// Secrets are allowed only where the user asked for them and the
			// format has a place for them; SARIF and CSV never carry them.
			allowed := show && (f == Text || f == JSON || f == JSONL)
			for _, s := range allSecrets {
				if got := strings.Contains(out, s); got && !allowed {
					t.Errorf("%s (ShowSecrets=%v) leaks secret %q", f, show, s)
				} else if !got && allowed {
					t.Errorf("%s (ShowSecrets=%v) does not show secret %q", f, show, s)
				}
			}
		}
	}
}

// TestCSVEscapesControls: a hostile file, member or field name reaches a
// CSV cell with its control characters, C1 controls and bidi overrides
// written as escapes; before, scan -f csv wrote ESC and OSC raw.
func TestCSVEscapesControls(t *testing.T) {
	tests := []struct {
		name string
		loc  finding.Location
		col  int // index in csvHeader
		want string
	}{
		{"path CSI", finding.Location{Path: "evil\x1b[2J.txt"}, 7, `evil\x1b[2J.txt`},
		{"path OSC title", finding.Location{Path: "t\x1b]0;pwned\x07.env"}, 7, `t\x1b]0;pwned\a.env`},
		{"path newline", finding.Location{Path: "a\nb.txt"}, 7, `a\nb.txt`},
		{"path C1 CSI", finding.Location{Path: "c1\u009b2J.txt"}, 7, `c1\u009b2J.txt`},
		{"chain bidi", finding.Location{Path: "a.zip", Chain: []string{"a.zip", "x\u202etxt.exe"}}, 13, `a.zip → x\u202etxt.exe`},
		{"field", finding.Location{Path: "n.ipynb", Field: "f\x1b[31m"}, 12, `f\x1b[31m`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := render(t, CSV, []finding.Finding{{Rule: "hf-user-token", Fingerprint: strings.Repeat("ab", 32),
				Redacted: "hf_AbCd…WxYz", Confidence: "high", Source: "file", Location: tt.loc}}, finding.Stats{}, Options{})
			for _, bad := range []string{"\x1b", "\u009b", "\u202e", "\x07"} {
				if strings.Contains(out, bad) {
					t.Errorf("raw %q in the CSV: %q", bad, out)
				}
			}
			if strings.Count(out, "\n") != 2 {
				t.Errorf("want two records on two lines: %q", out)
			}
			rows, err := csv.NewReader(strings.NewReader(out)).ReadAll()
			if err != nil || len(rows) != 2 {
				t.Fatalf("parse CSV: %v %q", err, out)
			}
			if got := rows[1][tt.col]; got != tt.want {
				t.Errorf("cell %q, want %q", got, tt.want)
			}
		})
	}
}

func TestTextColor(t *testing.T) {
	findings := append(fixture(), finding.Finding{
		Rule: "hf-user-token", Description: "Hugging Face user access token",
		Fingerprint: strings.Repeat("99", 32), Redacted: "hf_EVIL…EVIL", Confidence: "high",
		// A hostile file name must not smuggle escapes to the terminal.
		Location: finding.Location{Path: "evil\x1b[2J\u202e.txt", Line: 1, Column: 1},
	})
	tests := []struct {
		name      string
		findings  []finding.Finding
		color     bool
		wantColor bool
	}{
		{"findings plain", findings, false, false},
		{"none plain", nil, false, false},
		{"findings color", findings, true, true},
		{"none color", nil, true, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := render(t, Text, tt.findings, fixtureStats(), Options{Color: tt.color})
			if got := strings.Contains(out, "\x1b["); got != tt.wantColor {
				t.Errorf("ANSI escapes present = %v, want %v:\n%q", got, tt.wantColor, out)
			}
			if strings.Contains(out, "\x1b[2J") || strings.Contains(out, "\u202e") {
				t.Errorf("hostile path reached the output unescaped:\n%q", out)
			}
			if tt.findings != nil && !strings.Contains(out, `evil\x1b[2J\u202e.txt:1:1`) {
				t.Errorf("hostile path not shown escaped:\n%q", out)
			}
		})
	}
}

// sarifSchemaURL is the id the bundled schema declares for itself.
const sarifSchemaURL = "https://raw.githubusercontent.com/schemastore/schemastore/master/src/schemas/json/sarif-2.1.0-rtm.5.json"

// noLoader refuses every URL, so compiling the schema can never reach the
// network or the file system: every $ref must resolve inside the bundle.
type noLoader struct{}

func (noLoader) Load(url string) (any, error) {
	return nil, errors.New("refusing to load " + url + " in tests")
}

func sarifValidator(t *testing.T) *jsonschema.Schema {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", "sarif-schema-2.1.0.json"))
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = f.Close() }() // opened read-only: closing it loses nothing
	doc, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		t.Fatal(err)
	}
	if id, _ := doc.(map[string]any)["id"].(string); id != sarifSchemaURL {
		t.Fatalf("schema id = %q, want %q", id, sarifSchemaURL)
	}
	c := jsonschema.NewCompiler()
	c.UseLoader(noLoader{})
	c.AssertFormat() // so artifact URIs are checked as uri-references
	if err := c.AddResource(sarifSchemaURL, doc); err != nil {
		t.Fatal(err)
	}
	sch, err := c.Compile(sarifSchemaURL)
	if err != nil {
		t.Fatal(err)
	}
	return sch
}

func validateSARIF(sch *jsonschema.Schema, data string) error {
	v, err := jsonschema.UnmarshalJSON(strings.NewReader(data))
	if err != nil {
		return err
	}
	return sch.Validate(v)
}

func TestSARIFValidates(t *testing.T) {
	sch := sarifValidator(t)
	tests := []struct {
		name     string
		findings []finding.Finding
		stats    finding.Stats
		opt      Options
	}{
		{"none", nil, finding.Stats{}, Options{}},
		{"fixture", fixture(), fixtureStats(), Options{ToolVersion: "1.2.3", ShowSecrets: true}},
		{"absolute and odd paths", []finding.Finding{
			{Rule: "hf-user-token", Fingerprint: "00", Location: finding.Location{Path: "/tmp/x y/ü.txt", Line: 1}},
			{Rule: "hf-user-token", Fingerprint: "01", Location: finding.Location{Path: "-", Line: 2, Column: 3}},
			{Rule: "hf-user-token", Fingerprint: "02", Location: finding.Location{Path: "C:x\\%y?#z", Line: 2}},
			{Rule: "hf-user-token", Fingerprint: "03", Location: finding.Location{Path: "bad\xffutf8", Offset: 0}},
		}, finding.Stats{Errors: 3, Warnings: []string{"skipped big file"}}, Options{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := render(t, SARIF, tt.findings, tt.stats, tt.opt)
			if err := validateSARIF(sch, out); err != nil {
				t.Errorf("SARIF does not validate: %v\n%s", err, out)
			}
		})
	}
}

func TestSARIFValidatorRejectsInvalid(t *testing.T) {
	sch := sarifValidator(t)
	valid := render(t, SARIF, fixture(), fixtureStats(), Options{})
	tests := []struct {
		name   string
		mutate func(log map[string]any)
	}{
		{"missing version", func(l map[string]any) { delete(l, "version") }},
		{"wrong version", func(l map[string]any) { l["version"] = "2.0.0" }},
		{"missing runs", func(l map[string]any) { delete(l, "runs") }},
		{"unknown top-level property", func(l map[string]any) { l["extra"] = true }},
		{"result without message", func(l map[string]any) {
			delete(firstResult(l), "message")
		}},
		{"zero startLine", func(l map[string]any) {
			loc := firstResult(l)["locations"].([]any)[0].(map[string]any)
			loc["physicalLocation"].(map[string]any)["region"].(map[string]any)["startLine"] = 0
		}},
		{"bad level", func(l map[string]any) { firstResult(l)["level"] = "fatal" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var log map[string]any
			if err := json.Unmarshal([]byte(valid), &log); err != nil {
				t.Fatal(err)
			}
			tt.mutate(log)
			data, err := json.Marshal(log)
			if err != nil {
				t.Fatal(err)
			}
			if err := validateSARIF(sch, string(data)); err == nil {
				t.Errorf("invalid SARIF (%s) passed validation", tt.name)
			}
		})
	}
}

func firstResult(log map[string]any) map[string]any {
	run := log["runs"].([]any)[0].(map[string]any)
	return run["results"].([]any)[0].(map[string]any)
}

// The subset of SARIF the content test inspects.
type sarifDoc struct {
	Schema  string `json:"$schema"`
	Version string `json:"version"`
	Runs    []struct {
		Tool struct {
			Driver struct {
				Name, InformationURI, Version string
				Rules                         []struct {
					ID                   string
					DefaultConfiguration struct{ Level string }
				}
			}
		}
		Results []struct {
			RuleID              string
			RuleIndex           int
			Level               string
			Message             struct{ Text string }
			PartialFingerprints map[string]string
			Properties          map[string]any
			Locations           []sarifTestLocation
			RelatedLocations    []sarifTestLocation
		}
	}
}

type sarifTestLocation struct {
	PhysicalLocation struct {
		ArtifactLocation struct{ URI string }
		Region           map[string]int64
	}
}

func TestSARIFContent(t *testing.T) {
	out := render(t, SARIF, fixture(), fixtureStats(), Options{ToolVersion: "1.2.3"})
	var doc sarifDoc
	if err := json.Unmarshal([]byte(out), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Schema != "https://json.schemastore.org/sarif-2.1.0.json" || doc.Version != "2.1.0" || len(doc.Runs) != 1 {
		t.Fatalf("bad envelope: %q %q, %d runs", doc.Schema, doc.Version, len(doc.Runs))
	}
	run := doc.Runs[0]
	d := run.Tool.Driver
	if d.Name != "hfwarden" || d.InformationURI != "https://github.com/hfwarden/hfwarden" || d.Version != "1.2.3" {
		t.Errorf("driver = %+v", d)
	}
	if len(d.Rules) != 3 {
		t.Fatalf("got %d rules, want 3 (one per distinct rule id)", len(d.Rules))
	}
	if len(run.Results) != len(fixture()) {
		t.Fatalf("got %d results, want %d", len(run.Results), len(fixture()))
	}
	for i, r := range run.Results {
		f := fixture()[i]
		if d.Rules[r.RuleIndex].ID != r.RuleID || r.RuleID != f.Rule {
			t.Errorf("result %d: ruleId %q, ruleIndex %d -> %q; want %q", i, r.RuleID, r.RuleIndex, d.Rules[r.RuleIndex].ID, f.Rule)
		}
		wantLevel := "error"
		if f.Linked {
			wantLevel = "warning"
		}
		if r.Level != wantLevel || d.Rules[r.RuleIndex].DefaultConfiguration.Level != wantLevel {
			t.Errorf("result %d level %q (rule default %q), want %q", i, r.Level, d.Rules[r.RuleIndex].DefaultConfiguration.Level, wantLevel)
		}
		if !strings.Contains(r.Message.Text, f.Redacted) {
			t.Errorf("result %d message %q lacks the redacted preview", i, r.Message.Text)
		}
		if r.PartialFingerprints["hfwarden/v1"] != f.Fingerprint {
			t.Errorf("result %d partialFingerprints = %v", i, r.PartialFingerprints)
		}
		if r.Properties["confidence"] != f.Confidence {
			t.Errorf("result %d confidence = %v, want %q", i, r.Properties["confidence"], f.Confidence)
		}
		if _, ok := r.Properties["encodings"].([]any); !ok {
			t.Errorf("result %d encodings = %v, want an array", i, r.Properties["encodings"])
		}
	}

	tests := []struct {
		result  int
		uri     string
		region  map[string]int64 // nil: no region
		related int
	}{
		{0, "src/app.py", map[string]int64{"startLine": 3, "startColumn": 7}, 0},
		{1, "config/.env", map[string]int64{"startLine": 1, "startColumn": 1}, 0},
		{2, "nb/analysis.ipynb", nil, 0}, // notebook lines are cell-relative
		{3, "models/weights.bin", map[string]int64{"byteOffset": 4096}, 0},
		{4, "odd%20dir/a%3Ab%20%231.py", map[string]int64{"startLine": 10, "startColumn": 5}, 2},
	}
	for _, tt := range tests {
		r := run.Results[tt.result]
		pl := r.Locations[0].PhysicalLocation
		if pl.ArtifactLocation.URI != tt.uri {
			t.Errorf("result %d uri = %q, want %q", tt.result, pl.ArtifactLocation.URI, tt.uri)
		}
		if !reflect.DeepEqual(pl.Region, tt.region) {
			t.Errorf("result %d region = %v, want %v", tt.result, pl.Region, tt.region)
		}
		if len(r.RelatedLocations) != tt.related {
			t.Errorf("result %d has %d related locations, want %d", tt.result, len(r.RelatedLocations), tt.related)
		}
	}
	nb := run.Results[2]
	if nb.Properties["cell"] != 2.0 || nb.Properties["output"] != 0.0 || !strings.Contains(nb.Message.Text, "cell 2 output 0 line 4") {
		t.Errorf("notebook result lacks its cell position: %+v", nb)
	}
	if got := run.Results[4].RelatedLocations[1].PhysicalLocation.Region["startLine"]; got != 12 {
		t.Errorf("last split part at line %d, want 12", got)
	}
}

func TestSARIFURI(t *testing.T) {
	tests := []struct{ in, want string }{
		{"a/b.py", "a/b.py"},
		{"./a/b.py", "a/b.py"},
		{"-", "-"},
		{"a b/c:d.txt", "a%20b/c%3Ad.txt"},
		{"données/é.txt", "donn%C3%A9es/%C3%A9.txt"},
		{"x?y#z%", "x%3Fy%23z%25"},
		{"/abs/p q.txt", "file:///abs/p%20q.txt"},
	}
	for _, tt := range tests {
		if got := sarifURI(tt.in); got != tt.want {
			t.Errorf("sarifURI(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestJSONEscapesTerminalControls: a file name with a bidi override or a
// C1 control (CSI) leaves JSON and JSONL as \uXXXX, never raw (encoding/json
// itself leaves them), and decodes back to the same name.
func TestJSONEscapesTerminalControls(t *testing.T) {
	const name = "d\u202eyp.txt\u009b31m"
	fs := fixture()
	fs[0].Location.Path = name
	for _, f := range []Format{JSON, JSONL} {
		out := render(t, f, fs, fixtureStats(), Options{})
		if strings.ContainsAny(out, "\u202e\u009b") || !strings.Contains(out, `d\u202eyp.txt\u009b31m`) {
			t.Errorf("%v: raw or missing escapes:\n%s", f, out)
		}
		first := strings.SplitN(out, "\n", 2)[0]
		if f == JSONL {
			var got finding.Finding
			if err := json.Unmarshal([]byte(first), &got); err != nil || got.Location.Path != name {
				t.Errorf("JSONL does not decode back: %q, %v", got.Location.Path, err)
			}
		}
	}
}
