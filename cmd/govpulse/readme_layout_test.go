package main

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

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
	err = filepath.WalkDir(repoRoot, func(path string, d fs.DirEntry, err error) error {
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
		rel = filepath.ToSlash(rel)
		if !named[rel] {
			t.Errorf("%s holds Go code (%s) but the README's layout table does not name it", rel, name)
			named[rel] = true // once per folder
		}
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

func isDir(path string) bool {
	fi, err := os.Stat(path)
	return err == nil && fi.IsDir()
}
