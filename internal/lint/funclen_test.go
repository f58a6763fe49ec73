package lint

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// maxFuncLines is the longest a non-test function may be, from its func
// line to its closing brace: past it, a function does several things and
// is split.
const maxFuncLines = 150

// longFuncExceptions are the functions allowed to be longer, by file
// (slash-separated, from the module root) and name, each with its reason.
func longFuncExceptions() map[string]string {
	return map[string]string{
		// One case per pickle opcode: splitting the switch would scatter
		// the opcode table over functions without making any case simpler.
		"internal/artifact/pickle.go step": "the pickle opcode switch",
	}
}

// longFunc is a function over the bound.
type longFunc struct {
	key   string // "file name", as longFuncExceptions has it
	name  string // the function's, or "func literal"
	line  int
	lines int
}

// longFuncs lists the functions (declared or literal) of the Go source
// src, named file, longer than max lines.
func longFuncs(fset *token.FileSet, file string, src []byte, max int) ([]longFunc, error) {
	f, err := parser.ParseFile(fset, file, src, parser.SkipObjectResolution)
	if err != nil {
		return nil, err
	}
	var out []longFunc
	ast.Inspect(f, func(n ast.Node) bool {
		var body *ast.BlockStmt
		name := "func literal"
		switch fn := n.(type) {
		case *ast.FuncDecl:
			body, name = fn.Body, fn.Name.Name
		case *ast.FuncLit:
			body = fn.Body
		}
		if body == nil {
			return true
		}
		start := fset.Position(n.Pos()).Line
		if lines := fset.Position(body.End()).Line - start + 1; lines > max {
			out = append(out, longFunc{key: file + " " + name, name: name, line: start, lines: lines})
		}
		return true
	})
	return out, nil
}

func TestLongFuncs(t *testing.T) {
	body := func(n int) string { return strings.Repeat("\t_ = 0\n", n) }
	tests := []struct {
		name string
		src  string
		want []string
	}{
		{"short", "package p\nfunc f() {\n" + body(1) + "}\n", nil},
		{"at the bound", "package p\nfunc f() {\n" + body(3) + "}\n", nil},
		{"over the bound", "package p\nfunc f() {\n" + body(4) + "}\n", []string{"p.go f"}},
		{"method", "package p\ntype T int\nfunc (T) m() {\n" + body(4) + "}\n", []string{"p.go m"}},
		{"literal", "package p\nvar v = func() {\n" + body(4) + "}\n", []string{"p.go func literal"}},
		{"declaration without a body", "package p\nfunc f()\n", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// max 5: a function of 3 body lines is 5 lines, of 4 is 6.
			got, err := longFuncs(token.NewFileSet(), "p.go", []byte(tt.src), 5)
			if err != nil {
				t.Fatal(err)
			}
			var keys []string
			for _, g := range got {
				keys = append(keys, g.key)
			}
			if strings.Join(keys, "|") != strings.Join(tt.want, "|") {
				t.Errorf("long functions = %q, want %q", keys, tt.want)
			}
		})
	}
}

// TestFunctionLength fails for every non-test function of the module over
// maxFuncLines lines that is not a named exception, and for an exception
// that no longer needs to be one.
func TestFunctionLength(t *testing.T) {
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		t.Fatalf("module root not found: %v", err)
	}
	fset := token.NewFileSet()
	exceptions := longFuncExceptions()
	seen := map[string]bool{}
	files := 0
	err = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			n := d.Name()
			// testdata holds inputs and node_modules (the conformance
			// tests' npm packages) others' code, not the module's; a
			// directory with its own go.mod is another module.
			if p != root && (n == "testdata" || n == "vendor" || n == "node_modules" || strings.HasPrefix(n, ".") || strings.HasPrefix(n, "_")) {
				return filepath.SkipDir
			}
			if _, err := os.Stat(filepath.Join(p, "go.mod")); p != root && err == nil {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(p, ".go") || strings.HasSuffix(p, "_test.go") {
			return nil
		}
		rel, err := filepath.Rel(root, p)
		if err != nil {
			return err
		}
		src, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		files++
		long, err := longFuncs(fset, filepath.ToSlash(rel), src, maxFuncLines)
		if err != nil {
			return err
		}
		for _, f := range long {
			if _, ok := exceptions[f.key]; ok {
				seen[f.key] = true
				continue
			}
			t.Errorf("%s:%d: %s is %d lines, over %d: split it", filepath.ToSlash(rel), f.line, f.name, f.lines, maxFuncLines)
		}
		return nil
	})
	if err != nil {
		t.Fatalf("walking the module: %v", err)
	}
	if files < 50 {
		t.Fatalf("only %d Go files found under %s: not the module", files, root)
	}
	for k, why := range exceptions {
		if !seen[k] {
			t.Errorf("exception %q (%s) is not over %d lines any more: remove it", k, why, maxFuncLines)
		}
	}
}
