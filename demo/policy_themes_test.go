package demo

import (
	"strings"
	"testing"

	"github.com/govpulse/govpulse/events"
	"github.com/govpulse/govpulse/internal/catalogtest"
)

// TestPolicyThemesUseTheCatalogue: the shipped themes file reads, and
// every code in it is one the default catalogue has, so an edit that
// mistypes a code fails here rather than at ingest of the demo.
func TestPolicyThemesUseTheCatalogue(t *testing.T) {
	ts, err := parsePolicyThemes(policyThemesYAML)
	if err != nil {
		t.Fatal(err)
	}
	if len(ts) != 8 {
		t.Errorf("%d themes, want the seed report's 8", len(ts))
	}
	cat := catalogtest.Default(t)
	for _, th := range ts {
		for _, l := range []struct {
			list  string
			codes []string
		}{
			{events.ListPolicyCategories, th.Categories}, {events.ListIndustries, th.Industries},
			{events.ListEnterpriseSizes, th.Sizes}, {events.ListQualifications, th.Qualifications},
		} {
			for _, c := range l.codes {
				if !cat.InPolicyList(l.list, c) {
					t.Errorf("theme %s: %s %q is not in the catalogue", th.Name, l.list, c)
				}
			}
		}
		for _, iss := range th.Issuers {
			if !cat.HasDepartment(iss.Department) || iss.Name == "" || iss.Prefix == "" {
				t.Errorf("theme %s: issuer %+v: want a catalogue department with a name and a 文号 prefix", th.Name, iss)
			}
		}
	}
}

// TestParsePolicyThemesRefuses: a themes file with an unknown or repeated
// name, or a list the generator picks from left empty, is refused with
// what is wrong.
func TestParsePolicyThemesRefuses(t *testing.T) {
	theme := func(extra string) string {
		return "themes:\n  - name: a\n    categories: [x]\n    issuers: [{department: d, name: n, prefix: p}]\n" +
			"    subjects: [s]\n    industries: [c]\n    sizes: [small]\n    support: [s]\n    materials: [m]\n" +
			"    conditions: [c]\n    qa: [{q: q, a: a}]\n    clauses: [a, b, c, d, e, f]\n" + extra
	}
	if _, err := parsePolicyThemes([]byte(theme(""))); err != nil {
		t.Fatalf("a complete theme: %v", err)
	}
	for _, tc := range []struct{ name, yaml, want string }{
		{"unknown field", theme("    colour: red\n"), "colour"},
		{"repeated theme", theme("  - name: a\n"), `name "a"`},
		{"empty list", strings.Replace(theme(""), "subjects: [s]", "subjects: []", 1), "subjects is empty"},
		{"too few clauses", strings.Replace(theme(""), "[a, b, c, d, e, f]", "[a, b]", 1), "2 clauses"},
		{"no themes", "themes: []\n", "no themes"},
	} {
		_, err := parsePolicyThemes([]byte(tc.yaml))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v, want it to say %q", tc.name, err, tc.want)
		}
	}
}
