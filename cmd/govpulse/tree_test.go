package main

import (
	"go/parser"
	"go/token"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// The tests in this file hold what the repository says about its own tree
// (the README's layout table, the Makefile's fuzz targets) to the tree.

// TestReadmeLayoutMatchesTheTree: the README's Layout table names every
// folder that holds Go code, and every path it names exists, so a new
// package cannot land unexplained and a moved one cannot leave the table
// pointing at nothing.
func TestReadmeLayoutMatchesTheTree(t *testing.T) {
	readme, err := os.ReadFile(filepath.Join(repoRoot, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	section := markdownSection(string(readme), "## Layout")
	if section == "" {
		t.Fatal("README.md has no ## Layout section")
	}
	named := map[string]bool{}
	for _, m := range regexp.MustCompile("`([a-z][a-z0-9_./-]*)/?`").FindAllStringSubmatch(section, -1) {
		p := strings.TrimSuffix(m[1], "/")
		if strings.Contains(p, ".") || !strings.Contains(m[0], "/") && !isDir(filepath.Join(repoRoot, p)) {
			continue // a file, a command or a word in backquotes, not a folder
		}
		named[p] = true
	}
	for p := range named {
		if !isDir(filepath.Join(repoRoot, p)) {
			t.Errorf("the README's layout names %s/, which does not exist", p)
		}
	}
	walkGoFiles(t, func(dir, name string) {
		if !named[dir] {
			t.Errorf("%s holds Go code (%s) but the README's layout table does not name it", dir, name)
			named[dir] = true // once per folder
		}
	})
}

// TestEveryPackageSaysItsJobInDocGo: every package keeps its package
// comment, the sentence saying what it is for, in its doc.go, and in no
// other file, so a reader finds it in one place and a package cannot land
// without one.
func TestEveryPackageSaysItsJobInDocGo(t *testing.T) {
	docs := map[string][]string{} // folder → the non-test files with a package comment
	code := map[string]bool{}     // folders with non-test Go files
	walkGoFiles(t, func(dir, name string) {
		if strings.HasSuffix(name, "_test.go") {
			return
		}
		code[dir] = true
		f, err := parser.ParseFile(token.NewFileSet(), filepath.Join(repoRoot, dir, name), nil, parser.PackageClauseOnly|parser.ParseComments)
		if err != nil {
			t.Fatal(err)
		}
		if f.Doc != nil {
			docs[dir] = append(docs[dir], name)
		}
	})
	for _, dir := range slices.Sorted(maps.Keys(code)) {
		if got := docs[dir]; !slices.Equal(got, []string{"doc.go"}) {
			t.Errorf("%s: package comment in %v, want it in doc.go alone", dir, got)
		}
	}
}

// TestMakeFuzzRunsEveryFuzzTarget: the Makefile's FUZZ_TARGETS lists every
// fuzz target in the tree, and only those, so a new target cannot be left
// out of `make fuzz` (and so out of CI) unnoticed.
func TestMakeFuzzRunsEveryFuzzTarget(t *testing.T) {
	mk, err := os.ReadFile(filepath.Join(repoRoot, "Makefile"))
	if err != nil {
		t.Fatal(err)
	}
	listed := makeList(string(mk), "FUZZ_TARGETS")
	if listed == nil {
		t.Fatal("the Makefile has no FUZZ_TARGETS := list")
	}
	fuzzFunc := regexp.MustCompile(`(?m)^func (Fuzz\w+)\(`)
	var found []string
	walkGoFiles(t, func(dir, name string) {
		if !strings.HasSuffix(name, "_test.go") {
			return
		}
		src, err := os.ReadFile(filepath.Join(repoRoot, dir, name))
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range fuzzFunc.FindAllSubmatch(src, -1) {
			found = append(found, dir+":"+string(f[1]))
		}
	})
	for _, f := range found {
		if !slices.Contains(listed, f) {
			t.Errorf("fuzz target %s is not in the Makefile's FUZZ_TARGETS, so make fuzz never runs it", f)
		}
	}
	for _, l := range listed {
		if !slices.Contains(found, l) {
			t.Errorf("the Makefile's FUZZ_TARGETS lists %s, which is no fuzz target in the tree", l)
		}
	}
}

// walkGoFiles calls f with the folder (relative to the repository, with
// slashes) and name of every Go file in the tree, passing over hidden
// folders, testdata, node_modules and bin.
func walkGoFiles(t *testing.T, f func(dir, name string)) {
	t.Helper()
	err := filepath.WalkDir(repoRoot, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		name := d.Name()
		if d.IsDir() && path != repoRoot && (strings.HasPrefix(name, ".") || name == "testdata" || name == "node_modules" || name == "bin") {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(name, ".go") {
			return nil
		}
		rel, err := filepath.Rel(repoRoot, filepath.Dir(path))
		if err != nil {
			return err
		}
		f(filepath.ToSlash(rel), name)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// markdownSection is the text of the section that starts with the line
// heading, up to the next heading of the same level.
func markdownSection(doc, heading string) string {
	start := strings.Index(doc, "\n"+heading+"\n")
	if start < 0 {
		return ""
	}
	rest := doc[start+len(heading)+2:]
	if end := strings.Index(rest, "\n## "); end >= 0 {
		rest = rest[:end]
	}
	return rest
}

// makeList is the words of a Makefile variable set with `name := …`,
// continued over the lines that end in a backslash.
func makeList(mk, name string) []string {
	var words []string
	in := false
	for line := range strings.Lines(mk) {
		line = strings.TrimRight(line, "\n")
		if !in {
			rest, ok := strings.CutPrefix(line, name+" :=")
			if !ok {
				continue
			}
			in, line = true, rest
		}
		more := strings.HasSuffix(line, "\\")
		words = append(words, strings.Fields(strings.TrimSuffix(line, "\\"))...)
		if !more {
			break
		}
	}
	return words
}

func isDir(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.IsDir()
}
