package browsertest

import (
	_ "embed"
	"fmt"
	"strings"
)

// axeSource is axe-core's axe.min.js from npm (axe/LICENSE: MPL-2.0);
// scripts/vendor-axe.sh replaces it with another version.
//
//go:embed axe/axe.min.js
var axeSource string

// Violation is one axe-core rule the page breaks.
type Violation struct {
	ID      string   `json:"id"`
	Impact  string   `json:"impact"` // minor, moderate, serious, critical
	Help    string   `json:"help"`
	Targets []string `json:"targets"` // CSS selectors of the offending nodes
}

func (v Violation) String() string {
	return fmt.Sprintf("%s (%s): %s at %s", v.ID, v.Impact, v.Help, strings.Join(v.Targets, ", "))
}

// Axe injects axe-core into the page and runs its WCAG 2.1 A and AA and
// best-practice rules, returning every violation.
func (p *Page) Axe() []Violation {
	p.t.Helper()
	if !Eval[bool](p, "typeof window.axe === 'object'") {
		Eval[bool](p, axeSource+"\n;true")
	}
	return Eval[[]Violation](p, `axe.run(document, {runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]}, resultTypes: ["violations"]})
  .then(r => r.violations.map(v => ({id: v.id, impact: v.impact || "", help: v.help, targets: v.nodes.map(n => n.target.join(" "))})))`)
}

// Serious keeps the serious and critical violations.
func Serious(vs []Violation) []Violation {
	var out []Violation
	for _, v := range vs {
		if v.Impact == "serious" || v.Impact == "critical" {
			out = append(out, v)
		}
	}
	return out
}
