// Command layout checks the house rules that gofmt and vet do not: no
// non-test Go file over 400 lines and no function over 80 lines. It prints
// each offender and exits 1 if there is one.
package main

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

const (
	maxFileLines = 400
	maxFuncLines = 80
)

func main() {
	root := "."
	if len(os.Args) > 1 {
		root = os.Args[1]
	}
	bad := 0
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && path != root && strings.HasPrefix(d.Name(), ".") {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		bad += check(path)
		return nil
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, "layout:", err)
		os.Exit(2)
	}
	if bad > 0 {
		os.Exit(1)
	}
}

// check reports the file's offences and returns how many there were.
func check(path string) int {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
	if err != nil {
		fmt.Fprintln(os.Stderr, "layout:", err)
		return 1
	}
	bad := 0
	if n := fset.File(f.Pos()).LineCount(); n > maxFileLines {
		fmt.Printf("%s: %d lines (at most %d: split it by what it holds)\n", path, n, maxFileLines)
		bad++
	}
	ast.Inspect(f, func(n ast.Node) bool {
		fn, ok := n.(*ast.FuncDecl)
		if !ok || fn.Body == nil {
			return true
		}
		lines := fset.Position(fn.End()).Line - fset.Position(fn.Pos()).Line + 1
		if lines > maxFuncLines {
			fmt.Printf("%s:%d: func %s is %d lines (at most %d)\n", path, fset.Position(fn.Pos()).Line, fn.Name.Name, lines, maxFuncLines)
			bad++
		}
		return false
	})
	return bad
}
