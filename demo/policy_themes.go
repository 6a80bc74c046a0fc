package demo

import (
	"bytes"
	_ "embed"
	"errors"
	"fmt"
	"sync"

	"go.yaml.in/yaml/v3"
)

// The demo's policy documents are written from templates on the seed
// report's themes, in policy_themes.yaml: texts, not code, so that
// whoever edits them edits a list of sentences.

//go:embed policy_themes.yaml
var policyThemesYAML []byte

// policyTheme is one theme of the demo's policies.
type policyTheme struct {
	Name       string   `yaml:"name"` // for ids and streams
	Categories []string `yaml:"categories"`
	Issuers    []issuer `yaml:"issuers"`
	// Subjects are what documents of the theme are about, each fitting
	// every title form ("关于%s的若干措施", "%s管理办法", ...).
	Subjects   []string `yaml:"subjects"`
	Industries []string `yaml:"industries"` // GB/T 4754 sections the theme's policies address
	Sizes      []string `yaml:"sizes"`
	// Qualifications a theme's criteria may require.
	Qualifications []string `yaml:"qualifications"`
	// MaxYearsFounded, when above 0, limits the theme's support to young
	// companies (start-up policies).
	MaxYearsFounded int       `yaml:"max_years_founded"`
	Clauses         []string  `yaml:"clauses"` // body sentences; %s is the subject
	Support         []string  `yaml:"support"`
	Materials       []string  `yaml:"materials"`
	Conditions      []string  `yaml:"conditions"`
	QA              []themeQA `yaml:"qa"` // %s is the subject
}

// themeQA is a question of a theme's Q&A interpretation and its answer.
type themeQA struct {
	Q string `yaml:"q"`
	A string `yaml:"a"`
}

// issuer is a department with the 代字 of its documents' 文号.
type issuer struct {
	Department string `yaml:"department"`
	Name       string `yaml:"name"`
	Prefix     string `yaml:"prefix"` // e.g. 青审批发
}

// minClauses is the fewest body sentences a theme may have: a body takes
// its first sentence and up to five of the others.
const minClauses = 6

// policyThemes returns the themes of policy_themes.yaml. The file is
// compiled in and its test reads it, so a broken one is a build's bug:
// it panics.
var policyThemes = sync.OnceValue(func() []policyTheme {
	ts, err := parsePolicyThemes(policyThemesYAML)
	if err != nil {
		panic("demo: policy_themes.yaml: " + err.Error())
	}
	return ts
})

// parsePolicyThemes reads a themes file strictly: no unknown or repeated
// names, and every list the generator picks from filled.
func parsePolicyThemes(data []byte) ([]policyTheme, error) {
	var f struct {
		Themes []policyTheme `yaml:"themes"`
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&f); err != nil {
		return nil, err
	}
	if len(f.Themes) == 0 {
		return nil, errors.New("no themes")
	}
	seen := map[string]bool{}
	for i, th := range f.Themes {
		if th.Name == "" || seen[th.Name] {
			return nil, fmt.Errorf("theme %d: name %q is empty or repeated", i+1, th.Name)
		}
		seen[th.Name] = true
		for _, l := range []struct {
			name string
			n    int
		}{
			{"categories", len(th.Categories)}, {"issuers", len(th.Issuers)}, {"subjects", len(th.Subjects)},
			{"industries", len(th.Industries)}, {"sizes", len(th.Sizes)}, {"support", len(th.Support)},
			{"materials", len(th.Materials)}, {"conditions", len(th.Conditions)}, {"qa", len(th.QA)},
		} {
			if l.n == 0 {
				return nil, fmt.Errorf("theme %s: %s is empty", th.Name, l.name)
			}
		}
		if len(th.Clauses) < minClauses {
			return nil, fmt.Errorf("theme %s: %d clauses, want at least %d", th.Name, len(th.Clauses), minClauses)
		}
	}
	return f.Themes, nil
}
