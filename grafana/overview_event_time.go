package grafana

import (
	"fmt"

	"github.com/grafana/grafana-foundation-sdk/go/cog"
	"github.com/grafana/grafana-foundation-sdk/go/common"
	"github.com/grafana/grafana-foundation-sdk/go/dashboard"

	"github.com/govpulse/govpulse/targets"
)

// overviewCaseFilter keeps the case_stats rows of the days in the time
// range and of the departments, districts and channels chosen.
func (g *generator) overviewCaseFilter() string {
	return and(g.zone.dayFilter("day"),
		matchesVar("department", "department"), matchesVar("district", "district"), matchesVar("channel", "channel"))
}

// overviewByEventDate adds the overview's row of event-time panels, from
// the read models in PostgreSQL: what the reform office reports, by when
// cases were finished, not by when they were uploaded.
func (g *generator) overviewByEventDate(b *dashboard.DashboardBuilder) {
	filter := g.overviewCaseFilter()
	b.WithRow(dashboard.NewRowBuilder("按事件日期 By event date (PostgreSQL)"))
	b.WithPanel(barSeries("按月办结 Cases finished by month", "Cases finished per month, by the date they were finished (event time, from the read model case_stats), and how many of them after their promised limit.", unitCount).
		WithTarget(sqlQuery("A", SQLFormatTimeSeries, perPeriod(g.zone.month("day"), "case_stats", filter, "",
			`sum(finished) AS "办结 finished"`, `sum(overdue) AS "超期 overdue"`))))
	b.WithPanel(sqlSeries("按月办理时长 Working days by month", "Average working days from acceptance to finish of the cases finished each month (by finishing date), beside the average promised limit of the cases that had one.", unitWorkingDays).
		Decimals(1).
		WithTarget(sqlQuery("A", SQLFormatTimeSeries, perPeriod(g.zone.month("day"), "case_stats", filter, "",
			share("elapsed_wd_sum", "finished - elapsed_unknown")+` AS "平均办理 average"`,
			share("promised_limit_sum", "promised_cases")+` AS "平均承诺 promised"`))))
	b.WithPanel(g.departmentsTable(filter))
	b.WithPanel(g.statusChangesTable(matchesVarOrCityWide("department", "department")))
}

// departmentsTable sums each department's cases over the time range by
// event date; a department's name opens its own board.
func (g *generator) departmentsTable(filter string) cog.Builder[dashboard.Panel] {
	overdueSteps, desc := g.marked(overdueShare,
		"Each department's cases finished in the time range (by finishing date): overdue share, average working days, speed-up against the promised limits (1 − Σ elapsed / Σ promised) and instant approvals. Click a department for its board.")
	p := sqlTable("各部门（按事件日期） Departments by event date", desc).
		WithTarget(sqlQuery("A", SQLFormatTable, fmt.Sprintf(`
SELECT department,
  sum(finished) AS finished,
  %s AS overdue_share,
  %s AS avg_working_days,
  1 - %s AS speedup,
  sum(instant) AS instant
FROM %s
WHERE %s
GROUP BY department
ORDER BY finished DESC`, share("overdue", "finished"), share("elapsed_wd_sum", "finished - elapsed_unknown"),
			share("promised_elapsed_sum", "promised_limit_sum"), view("case_stats"), filter))).
		Decimals(2)
	p.WithOverride(linkedColumn("department", "部门 Department", g.names[codeDepartment], drillDown("部门看板 Department board", UIDDepartment, "department")))
	p.WithOverride(column("finished", "办结 Finished", unitCount, nil, false))
	p.WithOverride(coloredColumn("overdue_share", "超期率 Overdue share", unitShare, overdueSteps))
	p.WithOverride(column("avg_working_days", "平均工作日 Avg working days", unitWorkingDays, nil, false))
	p.WithOverride(column("speedup", "提速 Speed-up", unitShare, nil, false))
	p.WithOverride(column("instant", "秒批 Instant", unitCount, nil, false))
	return p
}

// statusChangesTable lists the latest changes of target status recorded
// in target_status_history within the time range, for the departments
// cond selects.
func (g *generator) statusChangesTable(cond string) cog.Builder[dashboard.Panel] {
	p := sqlTable("目标状态变化 Target status changes", "Every change of a target's status govpulse recorded in the time range (target_status_history), newest first: when it changed, from what to what, and the value, threshold and samples at that evaluation. \"all\" is the city-wide result.").
		Height(8).
		WithTarget(sqlQuery("A", SQLFormatTable, fmt.Sprintf(`
SELECT changed_at AS time, target, department, previous_status, status, value, threshold, samples
FROM %s
WHERE %s
ORDER BY changed_at DESC, id DESC
LIMIT 200`, view("target_status_history"), and("$__timeFilter(changed_at)", cond)))).
		Decimals(3)
	p.WithOverride(column("time", "时间 Changed at", "dateTimeAsIso", nil, false))
	g.targetKeyColumns(p)
	p.WithOverride(column("previous_status", "原状态 From", "", statusTextMappings, true))
	p.WithOverride(column("status", "新状态 To", "", statusTextMappings, true))
	resultColumns(p, "value", "threshold", "samples")
	return p
}

// matchesVarOrCityWide is matchesVar that also keeps the city-wide
// results (department "all").
func matchesVarOrCityWide(col, variable string) string {
	return fmt.Sprintf("%s ~ '^(${%s:regex}|%s)$'", col, variable, targets.CityWide)
}

// statusTextMappings name the statuses target_status records.
var statusTextMappings = mappings(
	valueText{targets.StatusMet, "达标 met", colorGreen},
	valueText{targets.StatusMissed, "未达标 missed", colorRed},
	valueText{targets.StatusAtRisk, "有风险 at risk", colorOrange},
	valueText{targets.StatusInsufficientData, "数据不足 insufficient data", colorBlue},
)

// sqlSeries is a time series panel on the PostgreSQL data source.
func sqlSeries(title, description, unit string) *timeseriesBuilder {
	return timeseriesPanel(title, description, unit).Datasource(pgDatasource())
}

// barSeries draws an SQL time series as bars, one per period.
func barSeries(title, description, unit string) *timeseriesBuilder {
	return sqlSeries(title, description, unit).
		DrawStyle(common.GraphDrawStyleBars).
		FillOpacity(70).
		BarAlignment(common.BarAlignmentAfter)
}

// sqlTable is a table panel on the PostgreSQL data source.
func sqlTable(title, description string) *tableBuilder {
	return tablePanel(title, description).Datasource(pgDatasource())
}

// linkedColumn is a column whose cells link to another board.
func linkedColumn(name, header string, maps []dashboard.ValueMapping, links []map[string]any) (dashboard.MatcherConfig, []dashboard.DynamicConfigValue) {
	m, props := column(name, header, "", maps, false)
	return m, append(props, dashboard.DynamicConfigValue{Id: "links", Value: links})
}

// coloredColumn is a column whose cells are coloured by th.
func coloredColumn(name, header, unit string, th dashboard.ThresholdsConfig) (dashboard.MatcherConfig, []dashboard.DynamicConfigValue) {
	m, props := column(name, header, unit, nil, true)
	return m, append(props, dashboard.DynamicConfigValue{Id: "thresholds", Value: th})
}
