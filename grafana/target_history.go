package grafana

import (
	"fmt"
	"strings"

	"github.com/grafana/grafana-foundation-sdk/go/cog"
	"github.com/grafana/grafana-foundation-sdk/go/common"
	"github.com/grafana/grafana-foundation-sdk/go/dashboard"
	"github.com/grafana/grafana-foundation-sdk/go/statetimeline"

	"github.com/govpulse/govpulse/targets"
)

// statusCodes number the statuses for panels that need a number (a state
// timeline's series); statusCodeMappings name them again.
var statusCodes = []struct {
	status, text, color string
}{
	{targets.StatusMissed, "未达标 missed", colorRed},
	{targets.StatusMet, "达标 met", colorGreen},
	{targets.StatusAtRisk, "有风险 at risk", colorOrange},
	{targets.StatusInsufficientData, "数据不足 insufficient data", colorBlue},
}

// statusCodeSQL is the CASE expression turning col's status into its code.
func statusCodeSQL(col string) string {
	var b strings.Builder
	b.WriteString("CASE " + col)
	for i, c := range statusCodes {
		fmt.Fprintf(&b, " WHEN '%s' THEN %d", c.status, i)
	}
	b.WriteString(" END")
	return b.String()
}

func statusCodeMappings() []dashboard.ValueMapping {
	vs := make([]valueText, len(statusCodes))
	for i, c := range statusCodes {
		vs[i] = valueText{fmt.Sprint(i), c.text, c.color}
	}
	return mappings(vs...)
}

// targetStatusRows adds the targets board's rows from PostgreSQL: every
// result's status now (target_status) and how the statuses changed over
// the time range (target_status_history), for the departments chosen.
func (g *generator) targetStatusRows(b *dashboard.DashboardBuilder) {
	dept := matchesVar("department", "department")
	b.WithRow(dashboard.NewRowBuilder("状态与历史 Status and history (PostgreSQL)"))
	b.WithPanel(g.statusNowTable(dept, "Every target's status now per department (target_status, \"all\" is city-wide): since when it holds, the value and threshold at the last evaluation, the samples and the window they come from."))
	b.WithPanel(g.statusTimeline(dept, "target || ' · ' || department",
		"Each result's status over the time range, from the changes recorded in target_status_history: one lane per target and department (all = city-wide)."))
	b.WithPanel(sqlSeries("状态变化 Status changes", "How many results changed status in each interval, by the status they changed to: a burst of misses after an upload shows here.", unitCount).
		Span(24).
		DrawStyle(common.GraphDrawStyleBars).
		FillOpacity(70).
		Stacking(common.NewStackingConfigBuilder().Mode(common.StackingModeNormal)).
		WithTarget(sqlQuery("A", SQLFormatTimeSeries, fmt.Sprintf(`
SELECT $__timeGroupAlias(changed_at, $__interval),
  count(*) FILTER (WHERE status = '%s') AS "转为未达标 became missed",
  count(*) FILTER (WHERE status = '%s') AS "转为有风险 became at risk",
  count(*) FILTER (WHERE status = '%s') AS "转为达标 became met",
  count(*) FILTER (WHERE status = '%s') AS "转为数据不足 became insufficient data"
FROM %s
WHERE %s
GROUP BY 1
ORDER BY 1`, targets.StatusMissed, targets.StatusAtRisk, targets.StatusMet, targets.StatusInsufficientData,
			view("target_status_history"), and("$__timeFilter(changed_at)", dept)))))
}

// targetKeyColumns shows a table's target and department columns by
// their names.
func (g *generator) targetKeyColumns(p *tableBuilder) {
	p.WithOverride(column("target", "目标 Target", "", g.names[codeTarget], false))
	p.WithOverride(column("department", "部门 Department", "", g.names[codeDepartment], false))
}

// resultColumns heads a table's columns of a target result's value,
// threshold and samples.
func resultColumns(p *tableBuilder, value, threshold, samples string) {
	p.WithOverride(column(value, "当前值 Value", "", nil, false))
	p.WithOverride(column(threshold, "阈值 Threshold", "", nil, false))
	p.WithOverride(column(samples, "样本 Samples", unitCount, nil, false))
}

// statusNowTable lists target_status for the results cond selects.
func (g *generator) statusNowTable(cond, description string) cog.Builder[dashboard.Panel] {
	p := sqlTable("目标状态 Target status now", description).
		WithTarget(sqlQuery("A", SQLFormatTable, fmt.Sprintf(`
SELECT target, department, status, value, threshold, samples, window_from, window_to, since, evaluated_at
FROM %s
WHERE %s
ORDER BY %s, target, department`, view("target_status"), cond, statusCodeSQL("status")))).
		Filterable(true).
		Decimals(3)
	g.targetKeyColumns(p)
	p.WithOverride(column("status", "状态 Status", "", statusTextMappings, true))
	resultColumns(p, "value", "threshold", "samples")
	p.WithOverride(column("window_from", "窗口起 Window from", "", nil, false))
	p.WithOverride(column("window_to", "窗口止 Window to", "", nil, false))
	p.WithOverride(column("since", "起始 Since", "dateTimeAsIso", nil, false))
	p.WithOverride(column("evaluated_at", "评估于 Evaluated", "dateTimeFromNow", nil, false))
	return p
}

// statusTimeline draws the status history of the results cond selects,
// one lane per lane expression.
func (g *generator) statusTimeline(cond, lane, description string) cog.Builder[dashboard.Panel] {
	return panel(statetimeline.NewPanelBuilder(), "状态历史 Status history", description, pgDatasource(), 10, 24).
		ShowValue(common.VisibilityModeNever).
		MergeValues(true).
		Mappings(statusCodeMappings()).
		Thresholds(steps(colorText)).
		Legend(common.NewVizLegendOptionsBuilder().
			DisplayMode(common.LegendDisplayModeList).
			Placement(common.LegendPlacementBottom).
			ShowLegend(true)).
		WithTarget(sqlQuery("A", SQLFormatTimeSeries, fmt.Sprintf(`
SELECT changed_at AS time, %s AS metric, %s AS status
FROM %s
WHERE %s
ORDER BY 1`, lane, statusCodeSQL("status"), view("target_status_history"), and("$__timeFilter(changed_at)", cond))))
}
