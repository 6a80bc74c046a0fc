package grafana

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/govpulse/govpulse/targets"
)

// sortedTargets returns the targets sorted by id, so the same definitions
// give the same boards whatever their order in the file.
func sortedTargets(ts []targets.Target) []targets.Target {
	s := slices.Clone(ts)
	slices.SortFunc(s, func(a, b targets.Target) int { return strings.Compare(a.ID, b.ID) })
	return s
}

// isWorkingDays reports whether a measure is a number of working days.
func isWorkingDays(kind string) bool {
	return kind == targets.MeasureAverageWorkingDays || kind == targets.MeasureP90WorkingDays
}

// measureUnit is the Grafana unit of a target's value.
func measureUnit(kind string) string {
	switch {
	case (targets.Measure{Kind: kind}).IsShare():
		return unitShare
	case isWorkingDays(kind):
		return unitWorkingDays
	}
	return unitCount
}

// percent writes a fraction as a percentage: 0.99 → "99%", 0.995 → "99.5%".
func percent(v float64) string {
	return strconv.FormatFloat(math.Round(v*1e6)/1e4, 'f', -1, 64) + "%"
}

func number(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

func plural(v float64) string {
	if v == 1 {
		return ""
	}
	return "s"
}

// thresholdText writes a target's threshold in its measure's unit.
func thresholdText(t targets.Target) string {
	switch {
	case t.Measure.IsShare():
		return percent(t.Threshold)
	case isWorkingDays(t.Measure.Kind):
		return number(t.Threshold) + " 个工作日 working day" + plural(t.Threshold)
	}
	return number(t.Threshold)
}

// comparatorText says a comparator in Chinese and English.
func comparatorText(c string) string {
	switch c {
	case ">=":
		return "不低于 at least"
	case ">":
		return "高于 above"
	case "<=":
		return "不高于 at most"
	case "<":
		return "低于 below"
	}
	return c
}

// measureText says what a target measures.
func measureText(m targets.Measure) string {
	switch m.Kind {
	case targets.MeasureCount:
		return "件数 count of events"
	case targets.MeasureShareWithinWorkingDays:
		if m.WorkingDays == 0 {
			return "当日办结占比 share done the same day"
		}
		return fmt.Sprintf("%s个工作日内办结占比 share done within %s working day%s", number(m.WorkingDays), number(m.WorkingDays), plural(m.WorkingDays))
	case targets.MeasureAverageWorkingDays:
		return "平均办理时间 average working days"
	case targets.MeasureP90WorkingDays:
		return "90%分位办理时间 90th percentile of working days"
	case targets.MeasureSpeedup:
		return "较承诺时限提速 speed-up against the promised limits"
	case targets.MeasureOverdueShare:
		return "超期办结占比 share finished after the promised limit"
	case targets.MeasureShareWithinSeconds:
		return fmt.Sprintf("%s秒内办结占比 share decided within %s second%s", number(m.Seconds), number(m.Seconds), plural(m.Seconds))
	case targets.MeasureAppearanceRate:
		return "负责人出庭应诉率 agency-head appearance rate"
	case targets.MeasureRatio:
		return fmt.Sprintf("比率（%s / %s） ratio of %s to %s", m.Numerator, m.Denominator, m.Numerator, m.Denominator)
	}
	return m.Kind
}

// windowText says over which days a target is measured.
func windowText(w targets.Window) string {
	switch w.Kind {
	case targets.WindowCalendarMonth:
		return "自然月 calendar month"
	case targets.WindowCalendarQuarter:
		return "自然季度 calendar quarter"
	case targets.WindowCalendarYear:
		return "自然年 calendar year"
	case targets.WindowCampaign:
		return fmt.Sprintf("攻坚期 campaign %s – %s", w.From, w.To)
	case targets.WindowRolling:
		return fmt.Sprintf("近%d天 the last %d days", w.Days, w.Days)
	}
	return w.Kind
}

// scopeText lists a target's scope filters, "all" for none.
func scopeText(s targets.Scope) string {
	parts := []string{s.EventType}
	for _, f := range []struct {
		name string
		vs   []string
	}{
		{"departments", s.Departments}, {"districts", s.Districts}, {"items", s.Items},
		{"modes", s.Modes}, {"channels", s.Channels}, {"license_types", s.LicenseTypes},
		{"holder_types", s.HolderTypes}, {"courts", s.Courts},
	} {
		if len(f.vs) > 0 {
			parts = append(parts, f.name+": "+strings.Join(f.vs, ", "))
		}
	}
	return strings.Join(parts, "; ")
}

// markdownEscaper keeps operator-written text literal in a markdown text
// panel (and inside a table cell).
var markdownEscaper = strings.NewReplacer(
	`\`, `\\`, "`", "\\`", "*", `\*`, "_", `\_`, "[", `\[`, "]", `\]`,
	"<", "&lt;", ">", "&gt;", "|", `\|`, "#", `\#`, "$", `\$`,
)

func md(s string) string {
	return markdownEscaper.Replace(strings.Join(strings.Fields(s), " "))
}

// targetMarkdown is the text panel of one target: what it is, in both
// languages, and the definition's comparator and threshold.
func targetMarkdown(t targets.Target) string {
	var b strings.Builder
	fmt.Fprintf(&b, "### %s\n\n**%s**\n\n", md(t.Title), md(t.TitleEN))
	if t.Description != "" {
		fmt.Fprintf(&b, "%s\n\n", md(t.Description))
	}
	departments := "每个部门及全市 each department and city-wide"
	if !t.PerDepartment {
		departments = "全市 city-wide"
	}
	severity := t.Severity
	if severity == "" {
		severity = "warning"
	}
	rows := [][2]string{
		{"指标 Measure", md(measureText(t.Measure))},
		{"比较 Comparator", fmt.Sprintf("`%s` %s", t.Comparator, comparatorText(t.Comparator))},
		{"阈值 Threshold", md(thresholdText(t))},
		{"窗口 Window", md(windowText(t.Window))},
		{"范围 Scope", md(scopeText(t.Scope))},
		{"告警 Alerts", md(departments) + ", " + md(severity)},
		{"最少样本 Min samples", strconv.FormatInt(t.MinSamples, 10)},
		{"id", "`" + t.ID + "`"},
	}
	b.WriteString("| | |\n|---|---|\n")
	for _, r := range rows {
		fmt.Fprintf(&b, "| %s | %s |\n", r[0], r[1])
	}
	return b.String()
}
