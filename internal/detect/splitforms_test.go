package detect

import (
	"bytes"
	"context"
	"encoding/json"
	"os/exec"
	"regexp"
	"strings"
	"testing"
	"time"
)

// splitCase is a token written in pieces: each want piece (the first
// holds "hf_") must be reported as a part at its place in the input, in
// order; none means no match at all.
type splitCase struct {
	name   string
	input  string
	pieces []string
}

// splitCases are the split forms of the languages of ML code, and the
// look-alikes that must not be joined. a and b cut tok1 after "hf_" and 9
// more characters; c, d and e cut it in three.
func splitCases() []splitCase {
	a, b := tok1[:12], tok1[12:]
	c, d, e := tok1[:8], tok1[8:20], tok1[20:]
	p := func(s ...string) []string { return s }
	return []splitCase{
		// Python.
		{"py implicit concatenation in parentheses", "tok = (\n    \"" + a + "\"\n    \"" + b + "\"\n)\n", p(a, b)},
		{"py join of a list", `tok = "".join(["` + a + `", "` + b + `"])`, p(a, b)},
		{"py join of a tuple", `tok = ''.join(('` + a + `', '` + b + `'))`, p(a, b)},
		{"py join across lines with comments", "tok = \"\".join([\n    \"" + c + "\",  # one\n    \"" + d + "\",\n    \"" + e + "\",\n])\n", p(c, d, e)},
		{"py join, token inside the first element", `h = "".join(["Bearer ` + a + `", "` + b + `"])`, p(a, b)},
		{"py format", `tok = "{}{}".format("` + a + `", "` + b + `")`, p(a, b)},
		{"py format, three", `tok = "{}{}{}".format("` + c + `", "` + d + `", "` + e + `")`, p(c, d, e)},
		{"py percent", `tok = "%s%s" % ("` + a + `", "` + b + `")`, p(a, b)},
		{"py plus and line continuation", "tok = \"" + a + "\" + \\\n    \"" + b + "\"\n", p(a, b)},
		{"py literal continued by a backslash", "tok = \"" + a + "\\\n" + b + "\"\n", p(a, b)},
		{"py raw and f prefixes", "tok = (r\"" + a + "\"\n       f\"" + b + "\")\n", p(a, b)},
		// JavaScript and TypeScript.
		{"js plus across lines", "const t = \"" + a + "\" +\n  \"" + b + "\";\n", p(a, b)},
		{"js array join", `const t = ["` + a + `", "` + b + `"].join("");`, p(a, b)},
		{"js array join, single quotes", `const t = ['` + c + `', '` + d + `', '` + e + `'].join('');`, p(c, d, e)},
		{"js template of literals", "const t = `${\"" + a + "\"}${'" + b + "'}`;", p(a, b)},
		{"js template with text", "const t = `${\"" + a + "\"}" + b + "`;", p(a, b)},
		{"js concat method", `const t = "` + a + `".concat("` + b + `");`, p(a, b)},
		{"js concat chained", `const t = "` + c + `".concat("` + d + `").concat('` + e + `');`, p(c, d, e)},
		{"js concat of arguments", `const t = "".concat("` + c + `", "` + d + `", "` + e + `");`, p(c, d, e)},
		// Shell.
		{"sh adjacent double quotes", `TOKEN="` + a + `""` + b + `"`, p(a, b)},
		{"sh unquoted then single-quoted", "TOKEN=" + a + "'" + b + "'\n", p(a, b)},
		{"sh quoted then unquoted", "TOKEN=\"" + a + "\"" + b + "\n", p(a, b)},
		{"sh three glued pieces", "export TOKEN=" + c + "\"" + d + "\"'" + e + "'\n", p(c, d, e)},
		{"sh quotes and a line continuation", "TOKEN=\"" + a + "\"\\\n\"" + b + "\"\n", p(a, b)},
		{"sh unquoted line continuation", "TOKEN=" + a + "\\\n" + b + "\n", p(a, b)},
		{"sh printf", "printf %s%s " + a + " " + b + " | tee /dev/null\n", p(a, b)},
		{"sh printf -v", "printf -v TOKEN '%s%s' " + a + " \"" + b + "\"\n", p(a, b)},
		{"sh printf in a substitution, format reused", "TOKEN=$(printf '%s' " + c + " '" + d + "' " + e + ")\n", p(c, d, e)},
		{"sh printf, quoted first argument", "printf \"%s%s\" \"" + a + "\" " + b + "\n", p(a, b)},
		// Go.
		{"go plus across lines", "tok := \"" + a + "\" +\n\t\"" + b + "\"\n", p(a, b)},
		{"go strings.Join", "tok := strings.Join([]string{\"" + a + "\", `" + b + "`}, \"\")\n", p(a, b)},
		{"go strings.Join across lines", "tok := strings.Join([]string{\n\t\"" + c + "\",\n\t\"" + d + "\",\n\t\"" + e + "\",\n}, \"\")\n", p(c, d, e)},
		{"go Sprintf", `tok := fmt.Sprintf("%s%s", "` + a + `", "` + b + `")`, p(a, b)},
		{"go Sprintf %v", `tok := fmt.Sprintf("%v%s%v", "` + c + `", "` + d + `", "` + e + `")`, p(c, d, e)},
		{"go Sprint", `tok := fmt.Sprint("` + a + `", "` + b + `")`, p(a, b)},
		// YAML.
		{"yaml double-quoted, escaped line break", "env:\n  token: \"" + a + "\\\n    " + b + "\"\n", p(a, b)},
		{"yaml double-quoted, CRLF", "token: \"" + a + "\\\r\n  " + b + "\"\r\n", p(a, b)},

		// Look-alikes: nothing is joined.
		{"prefix plus a variable", `tok = "hf_" + suffix`, nil},
		{"piece plus a variable", `tok = "` + a + `" + rest`, nil},
		{"join with a variable", `tok = "".join(["` + a + `", rest])`, nil},
		{"join with a separator", `tok = ", ".join(["` + a + `", "` + b + `"])`, nil},
		{"join with a space", `tok = " ".join(("` + a + `", "` + b + `"))`, nil},
		{"list not joined", `parts = ["` + a + `", "` + b + `"]`, nil},
		{"tuple not joined", `parts = ("` + a + `", "` + b + `")`, nil},
		{"call that does not join", `f("` + a + `", "` + b + `")`, nil},
		{"join of a list that goes on", `tok = "".join(["` + a + `", "` + b + `", "_x"])`, nil},
		{"last element too long", `tok = "".join(["` + a + `", "` + b + `Qz"])`, nil},
		{"format with text between", `tok = "{}-{}".format("` + a + `", "` + b + `")`, nil},
		{"format with one placeholder", `tok = "{}".format("` + a + `", "` + b + `")`, nil},
		{"percent with a space", `tok = "%s %s" % ("` + a + `", "` + b + `")`, nil},
		{"js join with a comma", `t = ["` + a + `", "` + b + `"].join(",")`, nil},
		{"js join, default separator", `t = ["` + a + `", "` + b + `"].join()`, nil},
		{"js template with an expression", "t = `${\"" + a + "\"}${rest}`", nil},
		{"js template glued on the left", "t = `x${\"" + a + "\"}${\"" + b + "\"}`", nil},
		{"js concat of a variable", `t = "` + a + `".concat(rest)`, nil},
		{"js concat on a non-empty receiver", `t = "x".concat("` + a + `", "` + b + `")`, nil},
		{"go join with a separator", `t := strings.Join([]string{"` + a + `", "` + b + `"}, ",")`, nil},
		{"go Sprintf with text", `t := fmt.Sprintf("%s/%s", "` + a + `", "` + b + `")`, nil},
		{"go Sprintf, count differs", `t := fmt.Sprintf("%s", "` + a + `", "` + b + `")`, nil},
		{"go Println", `fmt.Println("` + a + `", "` + b + `")`, nil},
		{"sh printf with a space", "printf '%s %s' " + a + " " + b + "\n", nil},
		{"sh echo", "echo " + a + " " + b + "\n", nil},
		{"sh printf, argument goes on", "printf %s%s " + a + " " + b + "_x\n", nil},
		{"sh word goes on", "TOKEN=" + a + "'" + b + "'_x\n", nil},
		{"sh word too long", "TOKEN=" + a + "'" + b + "'Qz\n", nil},
		{"continued literal goes on", "t = \"" + a + "\\\n" + b + "_x\"\n", nil},
		{"continued literal, escape of a letter", "t = \"" + a + "\\\n" + b + "\\x41\"\n", nil},
		{"yaml folded", "token: >-\n  " + a + "\n  " + b + "\n", nil},
		{"yaml literal", "token: |\n  " + a + "\n  " + b + "\n", nil},
		{"yaml plain multi-line", "token: " + a + "\n  " + b + "\n", nil},
		{"yaml double-quoted, unescaped line break", "token: \"" + a + "\n  " + b + "\"\n", nil},
		{"concatenation goes on past a token", `t = "` + a + `" + "` + b + `" + "extra"` + "\n", nil},
		{"implicit concatenation goes on", "t = (\"" + a + "\"\n     \"" + b + "\"\n     \"Qz\")\n", nil},
		{"short pieces", `"".join(["hf_abcDefGhi", "JklMnoPqr"])`, nil},
		{"placeholder pieces", `"".join(["hf_xxxxxxxxxxxx", "xxxxxxxxxxxxxxxxxxxxxx"])`, nil},
	}
}

func TestSplitForms(t *testing.T) {
	d := New(Options{})
	for _, tt := range splitCases() {
		t.Run(tt.name, func(t *testing.T) {
			got := d.Detect([]byte(tt.input))
			if tt.pieces == nil {
				if len(got) != 0 {
					t.Fatalf("unexpected matches %+v", got)
				}
				return
			}
			if len(got) != 1 || got[0].Secret != tok1 || got[0].Confidence != Medium {
				t.Fatalf("got %+v, want %s with medium confidence", got, tok1)
			}
			m := got[0]
			if len(m.Parts) != len(tt.pieces) {
				t.Fatalf("parts %+v, want %d", m.Parts, len(tt.pieces))
			}
			at := 0
			for i, piece := range tt.pieces {
				k := strings.Index(tt.input[at:], piece)
				if k < 0 {
					t.Fatalf("piece %d not in the input", i)
				}
				want := Span{at + k, at + k + len(piece)}
				if m.Parts[i] != want {
					t.Errorf("part %d at %v (%q), want %v", i, m.Parts[i], tt.input[m.Parts[i].Start:m.Parts[i].End], want)
				}
				at = want.End
			}
			if m.Start != m.Parts[0].Start || m.End != m.Parts[len(m.Parts)-1].End {
				t.Errorf("span %d-%d, want the parts' %d-%d", m.Start, m.End, m.Parts[0].Start, m.Parts[len(m.Parts)-1].End)
			}
		})
	}
}

// TestSplitFormsWholeTokens checks that a join of whole tokens reports
// each token once, on its own, and never a token glued from two; and that
// a whole token in a folded or quoted multi-line scalar is found as it is.
func TestSplitFormsWholeTokens(t *testing.T) {
	d := New(Options{})
	for _, in := range []string{
		"token: >-\n  " + tok1 + "\n",
		"token: >\n  " + tok1 + "\n  more text\n",
		"token: \"" + tok1 + "\\\n  \"\n",
		"token: \"x\\\n  " + tok1 + "\"\n",
	} {
		got := d.Detect([]byte(in))
		if len(got) != 1 || got[0].Secret != tok1 || got[0].Parts != nil || got[0].Confidence != High {
			t.Errorf("%q: got %+v, want %s whole", in, got, tok1)
		}
	}
	for _, in := range []string{
		`"".join(["` + tok1 + `", "` + tok2 + `"])`,
		`["` + tok1 + `", "` + tok2 + `"].join("")`,
		`strings.Join([]string{"` + tok1 + `", "` + tok2 + `"}, "")`,
		"printf %s%s " + tok1 + " " + tok2 + "\n",
		`"".join(["` + tok1[:12] + `", "` + tok2[:25] + `"])`,
	} {
		got := d.Detect([]byte(in))
		for _, m := range got {
			if m.Parts != nil || (m.Secret != tok1 && m.Secret != tok2) {
				t.Errorf("%s: joined %+v", in, m)
			}
		}
	}
}

// splitTemplates are split forms with \x01 and \x02 where the two pieces
// of a token go.
var splitTemplates = []string{
	"t = (\"\x01\"\n     \"\x02\")\n",
	"t = \"\".join([\"\x01\", \"\x02\"])\n",
	"t = \"{}{}\".format(\"\x01\", '\x02')\n",
	"t = \"%s%s\" % (\"\x01\", \"\x02\")\n",
	"t = \"\x01\\\n\x02\"\n",
	"const t = [\"\x01\", \"\x02\"].join(\"\");\n",
	"const t = `${\"\x01\"}${\"\x02\"}`;\n",
	"const t = \"\x01\".concat(\"\x02\");\n",
	"TOKEN=\x01'\x02'\n",
	"TOKEN=\"\x01\"\x02\n",
	"printf %s%s \x01 \x02\n",
	"t := strings.Join([]string{\"\x01\", \"\x02\"}, \"\")\n",
	"t := fmt.Sprintf(\"%s%s\", \"\x01\", \"\x02\")\n",
	"token: \"\x01\\\n  \x02\"\n",
}

// FuzzSplitForms checks that split forms never panic, that every part of
// a split match lies in the input and that the parts spell the secret,
// and that a token cut at any point past its "hf_" is found in every form.
func FuzzSplitForms(f *testing.F) {
	for i, c := range splitCases() {
		f.Add([]byte(c.input), uint8(i), uint8(i))
	}
	d := New(Options{})
	f.Fuzz(func(t *testing.T, raw []byte, form, cut uint8) {
		for _, m := range d.Detect(raw) {
			if m.Start < 0 || m.End > len(raw) || m.Start >= m.End {
				t.Fatalf("span out of range: %+v", m)
			}
			if m.Parts == nil || m.Encodings != nil {
				continue
			}
			var sb strings.Builder
			for _, p := range m.Parts {
				if p.Start < m.Start || p.End > m.End || p.Start >= p.End {
					t.Fatalf("part %v out of %d-%d", p, m.Start, m.End)
				}
				sb.Write(raw[p.Start:p.End])
			}
			if sb.String() != m.Secret {
				t.Fatalf("parts do not spell the secret: %+v", m)
			}
		}
		at := 4 + int(cut)%(len(tok1)-4) // both pieces non-empty
		tpl := splitTemplates[int(form)%len(splitTemplates)]
		input := strings.NewReplacer("\x01", tok1[:at], "\x02", tok1[at:]).Replace(tpl)
		input = string(raw) + "\n" + input
		for _, m := range d.Detect([]byte(input)) {
			if m.Secret == tok1 {
				return
			}
		}
		t.Fatalf("%s cut at %d not found in %q", tok1, at, input)
	})
}

// BenchmarkSplitTriggers feeds code dense with short hf_ literals, each of
// which starts a look for a split form that fails.
func BenchmarkSplitTriggers(b *testing.B) {
	unit := "kw[\"hf_token\"] = os.environ.get(\"hf_home\", \"\"); f(\"hf_x\", y) # printf %s hf_a b\n"
	data := []byte(strings.Repeat(unit, (1<<20)/len(unit)))
	d := New(Options{})
	b.SetBytes(int64(len(data)))
	for i := 0; i < b.N; i++ {
		d.Detect(data)
	}
}

// evaluators print, as a JSON array, the value each program of a JSON array
// read on standard input builds (null when it does not run): the token's
// variable for Python and JavaScript, the first value for YAML.
var evaluators = map[string][]string{
	"py": {"python3", "-c", `import sys, json
out = []
for src in json.load(sys.stdin):
    ns = {}
    try:
        exec(src, ns)
        out.append(ns.get("tok", ns.get("h")))
    except Exception:
        out.append(None)
json.dump(out, sys.stdout)`},
	"js": {"node", "-e", `const vm = require("vm");
const out = JSON.parse(require("fs").readFileSync(0, "utf8")).map((src) => {
  const ctx = {};
  try { vm.runInNewContext(src + "\n;__r = t;", ctx); return ctx.__r; } catch (e) { return null; }
});
process.stdout.write(JSON.stringify(out));`},
	"yaml": {"python3", "-c", `import sys, json, yaml
out = []
for src in json.load(sys.stdin):
    d = yaml.safe_load(src)
    while isinstance(d, dict):
        d = list(d.values())[0]
    out.append(d)
json.dump(out, sys.stdout)`},
	"sh": {"bash", "-c", `while IFS= read -r -d '' src; do
  v=$(bash -c "$src"$'\n''printf %s "${TOKEN-}"' 2>/dev/null) || v=
  printf '%s\0' "$v"
done`},
}

// evaluate runs the programs in lang's interpreter and returns what each
// builds, or skips the test when the interpreter is missing.
func evaluate(t *testing.T, lang string, progs []string) []*string {
	t.Helper()
	r := evaluators[lang]
	if _, err := exec.LookPath(r[0]); err != nil {
		t.Skipf("%s not installed", r[0])
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, r[0], r[1:]...)
	if lang == "sh" {
		cmd.Stdin = strings.NewReader(strings.Join(progs, "\x00") + "\x00")
	} else {
		in, _ := json.Marshal(progs)
		cmd.Stdin = bytes.NewReader(in)
	}
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s: %v", r[0], err)
	}
	var vals []*string
	if lang == "sh" {
		for _, v := range strings.Split(strings.TrimSuffix(string(out), "\x00"), "\x00") {
			vals = append(vals, &v)
		}
	} else if err := json.Unmarshal(out, &vals); err != nil {
		t.Fatalf("%s printed %q: %v", r[0], out, err)
	}
	if len(vals) != len(progs) {
		t.Fatalf("%s: %d values for %d programs", r[0], len(vals), len(progs))
	}
	return vals
}

// TestSplitFormsEvaluate runs the cases of TestSplitForms in their
// languages' interpreters, where installed (python3 and its yaml module,
// node, bash): the forms that are joined must build the token, and the
// look-alikes that run must not build it as a word of its own.
func TestSplitFormsEvaluate(t *testing.T) {
	byLang := map[string][]splitCase{}
	for _, tt := range splitCases() {
		lang, _, _ := strings.Cut(tt.name, " ")
		if _, ok := evaluators[lang]; ok {
			byLang[lang] = append(byLang[lang], tt)
		}
	}
	word := regexp.MustCompile(`(^|\W)` + tok1 + `(\W|$)`)
	for lang, cases := range byLang {
		t.Run(lang, func(t *testing.T) {
			progs := make([]string, len(cases))
			for i, c := range cases {
				progs[i] = c.input
			}
			for i, v := range evaluate(t, lang, progs) {
				c := cases[i]
				switch {
				case c.pieces == nil && v != nil && word.MatchString(*v):
					t.Errorf("%s: a look-alike builds the token", c.name)
				case c.pieces != nil && (v == nil || !word.MatchString(*v)):
					t.Errorf("%s: builds %v, not the token", c.name, v)
				}
			}
		})
	}
}
