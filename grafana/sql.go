package grafana

import (
	"fmt"
	"strings"

	"github.com/grafana/grafana-foundation-sdk/go/cog"
	"github.com/grafana/grafana-foundation-sdk/go/common"
	"github.com/grafana/grafana-foundation-sdk/go/dashboard"

	"github.com/govpulse/govpulse/postgres"
)

// PostgresDatasourceUID is the uid of the PostgreSQL data source the
// event-time panels query, as the read-only role postgres.BoardsRole;
// the provisioning file writes it under this uid.
const PostgresDatasourceUID = "govpulse-postgres"

func pgDatasource() common.DataSourceRef {
	return common.DataSourceRef{Type: cog.ToPtr(PostgresDatasourceType), Uid: cog.ToPtr(PostgresDatasourceUID)}
}

// view is the boards' view of a read-model table: boards name the views,
// which survive a rebuild's table swap, never the tables.
func view(table string) string { return postgres.BoardsSchema + "." + table }

// sqlQuery is a raw SQL query of the PostgreSQL data source.
func sqlQuery(refID string, format SQLFormat, sql string) *SQLQueryBuilder {
	return NewSQLQueryBuilder().
		Datasource(pgDatasource()).
		RefId(refID).
		Format(format).
		RawSql(strings.TrimSpace(sql))
}

// zone writes SQL for the days of the read models: a day column holds the
// date in the zone events are counted in (GOVPULSE_TIME_ZONE), and a board
// draws it at that day's midnight there.
type zone string

func (z zone) literal() string { return "'" + strings.ReplaceAll(string(z), "'", "''") + "'" }

// day is the start of the day in col as a timestamp.
func (z zone) day(col string) string {
	return fmt.Sprintf("%s::timestamp AT TIME ZONE %s", col, z.literal())
}

// month is the start of the month of the day in col as a timestamp.
func (z zone) month(col string) string {
	return fmt.Sprintf("date_trunc('month', %s)::timestamp AT TIME ZONE %s", col, z.literal())
}

// dayFilter keeps the days whose start is in the dashboard's time range.
// (Grafana's macros take no parentheses in their argument.)
func (z zone) dayFilter(col string) string {
	return fmt.Sprintf("$__timeFilter(%s)", z.day(col))
}

// matchesVar filters col by a multi-value variable whose "All" is ".*":
// Grafana writes the chosen values as a regular expression.
func matchesVar(col, variable string) string {
	return fmt.Sprintf("%s ~ '^(${%s:regex})$'", col, variable)
}

// equalsVar filters col by a single-value variable, quoted as an SQL string.
func equalsVar(col, variable string) string {
	return fmt.Sprintf("%s = ${%s:sqlstring}", col, variable)
}

// and joins conditions.
func and(conds ...string) string { return strings.Join(conds, "\n  AND ") }

// share is a ratio of two sums as a float, NULL when the denominator is 0.
func share(num, den string) string {
	return fmt.Sprintf("sum(%s)::float8 / nullif(sum(%s), 0)", num, den)
}

// sqlVariable is a query variable whose options are the rows of an SQL
// query on the PostgreSQL data source.
func sqlVariable(name, label, sql string) *dashboard.QueryVariableBuilder {
	return queryVariable(pgDatasource(), name, label, strings.TrimSpace(sql)).
		Refresh(dashboard.VariableRefreshOnDashboardLoad)
}

// queryVariable is a variable whose options are what query q returns
// from the data source ds, sorted.
func queryVariable(ds common.DataSourceRef, name, label, q string) *dashboard.QueryVariableBuilder {
	return dashboard.NewQueryVariableBuilder(name).
		Label(label).
		Datasource(ds).
		Query(dashboard.StringOrMap{String: cog.ToPtr(q)}).
		Definition(q).
		Sort(dashboard.VariableSortAlphabeticalAsc)
}

// multi makes a variable multi-valued with an "All" matching every value,
// for matchesVar.
func multi(v *dashboard.QueryVariableBuilder) *dashboard.QueryVariableBuilder {
	return v.Multi(true).
		IncludeAll(true).
		AllValue(".*").
		Current(dashboard.VariableOption{
			Selected: cog.ToPtr(true),
			Text:     dashboard.StringOrArrayOfString{ArrayOfString: []string{"All"}},
			Value:    dashboard.StringOrArrayOfString{ArrayOfString: []string{"$__all"}},
		})
}

// perPeriod is the SQL of an event-time series: each of exprs
// ("expression AS name") over the rows of table that filter keeps, per
// period (zone.day or zone.month of the day column) and, when by is set,
// per value of the column by (a label of the series).
func perPeriod(period, table, filter, by string, exprs ...string) string {
	sel, group := period+" AS time", "1"
	if by != "" {
		sel, group = sel+", "+by, "1, 2"
	}
	return fmt.Sprintf("SELECT %s,\n  %s\nFROM %s\nWHERE %s\nGROUP BY %s\nORDER BY 1",
		sel, strings.Join(exprs, ",\n  "), view(table), filter, group)
}

// overRange is the SQL of a stat: expr over the rows of table that filter
// keeps, as the one column value.
func overRange(table, filter, expr string) string {
	return fmt.Sprintf("SELECT %s AS value\nFROM %s\nWHERE %s", expr, view(table), filter)
}

// sqlStat is a stat panel of one SQL value.
func sqlStat(title, description, unit, sql string) *statBuilder {
	return statPanel(title, description, unit).
		Datasource(pgDatasource()).
		ColorMode(common.BigValueColorModeNone).
		WithTarget(sqlQuery("A", SQLFormatTable, sql))
}

// targetLine draws th on a time series as a dashed line: where a value
// crosses it, it changes from meeting the target to missing it.
func targetLine(p *timeseriesBuilder, th dashboard.ThresholdsConfig) *timeseriesBuilder {
	return p.Thresholds(thresholds(th)).
		ThresholdsStyle(common.NewGraphThresholdsStyleConfigBuilder().Mode(common.GraphThresholdsStyleModeDashed))
}
