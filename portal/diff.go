package portal

import (
	"strconv"
	"strings"
)

// PolicyFields are the fields of a policy a version may change, with their
// Chinese names, in the order a page lists changes. The one declaration
// that Diff and the pages derive from.
var PolicyFields = []struct {
	Name  string
	Label string
	value func(Policy) string
}{
	{"title", "标题", func(p Policy) string { return p.Title }},
	{"document_type", "文件类型", func(p Policy) string { return p.DocumentType }},
	{"categories", "政策类别", func(p Policy) string { return joinList(p.Categories) }},
	{"industries", "适用行业", func(p Policy) string { return joinList(p.Industries) }},
	{"enterprise_sizes", "企业规模", func(p Policy) string { return joinList(p.EnterpriseSizes) }},
	{"districts", "适用区域", func(p Policy) string { return joinList(p.Districts) }},
	{"written_at", "成文日期", func(p Policy) string { return p.WrittenAt.String() }},
	{"effective_from", "生效日期", func(p Policy) string { return p.EffectiveFrom.String() }},
	{"effective_to", "有效期至", func(p Policy) string { return p.EffectiveTo.String() }},
	{"body", "正文", func(p Policy) string { return p.Body }},
	{"criteria", "申报对象", func(p Policy) string { return p.Criteria.String() }},
	{"conditions", "申报条件", func(p Policy) string { return p.Conditions }},
	{"materials", "申报材料", func(p Policy) string { return strings.Join(p.Materials, "\n") }},
	{"support", "扶持标准", func(p Policy) string { return p.Support }},
	{"application_from", "申报开始", func(p Policy) string { return p.ApplicationFrom.String() }},
	{"application_to", "申报截止", func(p Policy) string { return p.ApplicationTo.String() }},
	{"how_to_apply", "申报方式", func(p Policy) string { return p.HowToApply }},
	{"contact", "联系方式", func(p Policy) string { return p.Contact }},
}

// FieldLabel returns the Chinese name of a policy field, or the name.
func FieldLabel(name string) string {
	for _, f := range PolicyFields {
		if f.Name == name {
			return f.Label
		}
	}
	return name
}

func joinList(l []string) string { return strings.Join(l, "、") }

// String describes the criteria in a stable, plain form (codes), for
// diffs.
func (c Criteria) String() string {
	var parts []string
	add := func(k string, l []string) {
		if len(l) > 0 {
			parts = append(parts, k+": "+joinList(l))
		}
	}
	add("industries", c.Industries)
	add("enterprise_sizes", c.EnterpriseSizes)
	add("districts", c.Districts)
	if c.MinYearsFounded != nil {
		parts = append(parts, "min_years_founded: "+strconv.Itoa(*c.MinYearsFounded))
	}
	if c.MaxYearsFounded != nil {
		parts = append(parts, "max_years_founded: "+strconv.Itoa(*c.MaxYearsFounded))
	}
	add("qualifications", c.Qualifications)
	return strings.Join(parts, "; ")
}

// Diff lists the fields that differ from old to new, in PolicyFields
// order; the body's change carries its paragraph diff.
func Diff(old, new Policy) []Change {
	var out []Change
	for _, f := range PolicyFields {
		o, n := f.value(old), f.value(new)
		if o == n {
			continue
		}
		c := Change{Field: f.Name, Label: f.Label, Old: o, New: n}
		if f.Name == "body" {
			c.Paragraphs = DiffParagraphs(o, n)
			c.Old, c.New = "", "" // the paragraphs say it
		}
		out = append(out, c)
	}
	return out
}

// Paragraphs splits a body into its non-blank paragraphs (lines).
func Paragraphs(body string) []string {
	var out []string
	for _, l := range strings.Split(body, "\n") {
		l = strings.TrimRight(l, "\r")
		if strings.TrimSpace(strings.ReplaceAll(l, "\u3000", " ")) != "" {
			out = append(out, l)
		}
	}
	return out
}

// DiffParagraphs compares two bodies paragraph by paragraph (a longest
// common subsequence), listing every paragraph of both in reading order.
func DiffParagraphs(old, new string) []ParagraphDiff {
	a, b := Paragraphs(old), Paragraphs(new)
	// lcs[i][j] is the LCS length of a[i:] and b[j:].
	lcs := make([][]int, len(a)+1)
	for i := range lcs {
		lcs[i] = make([]int, len(b)+1)
	}
	for i := len(a) - 1; i >= 0; i-- {
		for j := len(b) - 1; j >= 0; j-- {
			if a[i] == b[j] {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	var out []ParagraphDiff
	i, j := 0, 0
	for i < len(a) || j < len(b) {
		switch {
		case i < len(a) && j < len(b) && a[i] == b[j]:
			out = append(out, ParagraphDiff{ParagraphSame, a[i]})
			i++
			j++
		case i < len(a) && (j == len(b) || lcs[i+1][j] >= lcs[i][j+1]):
			out = append(out, ParagraphDiff{ParagraphRemoved, a[i]})
			i++
		default:
			out = append(out, ParagraphDiff{ParagraphAdded, b[j]})
			j++
		}
	}
	return out
}
