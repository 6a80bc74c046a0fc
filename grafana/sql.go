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
	sql = strings.TrimSpace(sql)
	return dashboard.NewQueryVariableBuilder(name).
		Label(label).
		Datasource(pgDatasource()).
		Query(dashboard.StringOrMap{String: cog.ToPtr(sql)}).
		Definition(sql).
		Refresh(dashboard.VariableRefreshOnDashboardLoad).
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
