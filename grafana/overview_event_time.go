package grafana

import (
	"fmt"
	"strings"

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
	m, props := linkedColumn("department", "部门 Department", g.names[codeDepartment], drillDown("部门看板 Department board", UIDDepartment, "department"))
	return g.caseTable("各部门（按事件日期） Departments by event date",
		"Each department's cases finished in the time range (by finishing date): overdue share, average working days, speed-up against the promised limits (1 − Σ elapsed / Σ promised) and instant approvals. Click a department for its board.",
		"department", filter, "ORDER BY finished DESC", m, props,
		caseFinished, caseOverdueShare, caseAvgWorkingDays, caseSpeedup, caseInstant)
}

// caseTable is a table of the case_stats rows matching filter summed by
// the column key, which keyMatcher and keyProps show, then one column per
// measure; order ends the query (ORDER BY, LIMIT). The description gets
// the overdue-share target's marks, which colour the marked measures.
func (g *generator) caseTable(title, description, key, filter, order string, keyMatcher dashboard.MatcherConfig,
	keyProps []dashboard.DynamicConfigValue, measures ...caseMeasure) *tableBuilder {
	overdueSteps, desc := g.marked(overdueShare, description)
	p := sqlTable(title, desc).
		WithTarget(sqlQuery("A", SQLFormatTable, fmt.Sprintf("\nSELECT %s,\n%s\nFROM %s\nWHERE %s\nGROUP BY %s\n%s",
			key, caseMeasuresSQL(measures), view("case_stats"), filter, key, order))).
		Decimals(2)
	p.WithOverride(keyMatcher, keyProps)
	withCaseMeasures(p, overdueSteps, measures)
	return p
}

// caseMeasure is a column the case tables sum from case_stats: its SQL
// and how it is shown, declared once for every table that shows it.
type caseMeasure struct {
	name, sql, header, unit string
	// marked cells are coloured by the overdue-share target's marks.
	marked bool
}

var (
	caseFinished       = caseMeasure{name: "finished", sql: "sum(finished)", header: "办结 Finished", unit: unitCount}
	caseAvgWorkingDays = caseMeasure{name: "avg_working_days", sql: share("elapsed_wd_sum", "finished - elapsed_unknown"), header: "平均工作日 Avg working days", unit: unitWorkingDays}
	caseAvgPromised    = caseMeasure{name: "avg_promised", sql: share("promised_limit_sum", "promised_cases"), header: "平均承诺 Avg promised", unit: unitWorkingDays}
	caseOverdueShare   = caseMeasure{name: "overdue_share", sql: share("overdue", "finished"), header: "超期率 Overdue share", unit: unitShare, marked: true}
	// caseSpeedup is 1 − Σ elapsed / Σ promised.
	caseSpeedup = caseMeasure{name: "speedup", sql: "1 - " + share("promised_elapsed_sum", "promised_limit_sum"), header: "提速 Speed-up", unit: unitShare}
	caseInstant = caseMeasure{name: "instant", sql: "sum(instant)", header: "秒批 Instant", unit: unitCount}
)

// caseMeasuresSQL is the SELECT list of ms, one a line.
func caseMeasuresSQL(ms []caseMeasure) string {
	lines := make([]string, len(ms))
	for i, m := range ms {
		lines[i] = "  " + m.sql + " AS " + m.name
	}
	return strings.Join(lines, ",\n")
}

// withCaseMeasures adds the columns of ms to p in order, the marked ones
// coloured by overdueSteps.
func withCaseMeasures(p *tableBuilder, overdueSteps dashboard.ThresholdsConfig, ms []caseMeasure) {
	for _, m := range ms {
		if m.marked {
			p.WithOverride(coloredColumn(m.name, m.header, m.unit, overdueSteps))
		} else {
			p.WithOverride(column(m.name, m.header, m.unit, nil, false))
		}
	}
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
