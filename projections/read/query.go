package read

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/govpulse/govpulse/postgres"
	"github.com/govpulse/govpulse/projections"
)

// Query selects and groups a read model's rows.
type Query struct {
	// From and To bound the day (of the event's own time, in the
	// calendar's zone), both inclusive; zero means open.
	From, To time.Time
	// Filters keeps rows whose dimension (a key of the model's
	// Dimensions) is one of the values.
	Filters map[string][]string
	// GroupBy lists dimensions, "day" or "month"; none gives one group.
	GroupBy []string
}

// Dimensions of each read model that the stats API filters and groups by.
var (
	caseDimensions    = []string{"department", "district", "channel", "mode", "item"}
	licenseDimensions = []string{"license_type", "department", "district", "holder_type"}
	lawsuitDimensions = []string{"agency", "court"}
)

// CaseDimensions are the case_stats columns the stats API filters and
// groups by.
func CaseDimensions() []string { return slices.Clone(caseDimensions) }

// LicenseDimensions are the license_stats columns the stats API filters
// and groups by.
func LicenseDimensions() []string { return slices.Clone(licenseDimensions) }

// LawsuitDimensions are the lawsuit_stats columns the stats API filters
// and groups by.
func LawsuitDimensions() []string { return slices.Clone(lawsuitDimensions) }

// TimeGroups are the group_by values besides dimensions.
func TimeGroups() []string { return []string{"day", "month"} }

// groupExpr returns the SQL for a group_by value; only whitelisted names
// reach SQL.
func groupExpr(dims []string, g string) (string, error) {
	switch {
	case g == "day":
		return `to_char(day, 'YYYY-MM-DD')`, nil
	case g == "month":
		return `to_char(day, 'YYYY-MM')`, nil
	case slices.Contains(dims, g):
		return g, nil
	}
	return "", fmt.Errorf("cannot group by %q", g)
}

// statsSQL builds the grouped query over table: group values first (as
// text), then measures.
func statsSQL(table string, dims []string, q Query, measures []string) (string, []any, error) {
	var where []string
	var args []any
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	if !q.From.IsZero() {
		where = append(where, "day >= "+arg(q.From)+"::date")
	}
	if !q.To.IsZero() {
		where = append(where, "day <= "+arg(q.To)+"::date")
	}
	for _, d := range dims { // whitelist order: the SQL text is stable
		if vs, ok := q.Filters[d]; ok && len(vs) > 0 {
			where = append(where, d+" = ANY("+arg(vs)+"::text[])")
		}
	}
	for d := range q.Filters {
		if !slices.Contains(dims, d) {
			return "", nil, fmt.Errorf("cannot filter by %q", d)
		}
	}
	var groups []string
	for _, g := range q.GroupBy {
		e, err := groupExpr(dims, g)
		if err != nil {
			return "", nil, err
		}
		groups = append(groups, e)
	}
	sel := append(slices.Clone(groups), measures...)
	sql := "SELECT " + strings.Join(sel, ", ") + " FROM " + table
	if len(where) > 0 {
		sql += " WHERE " + strings.Join(where, " AND ")
	}
	if len(groups) > 0 {
		var pos []string
		for i := range groups {
			pos = append(pos, strconv.Itoa(i+1))
		}
		sql += " GROUP BY " + strings.Join(pos, ", ") + " ORDER BY " + strings.Join(pos, ", ")
	}
	return sql, args, nil
}

// sums returns measures summing the columns, and for histograms each
// bucket, as bigint.
func sums(cols ...string) []string {
	out := make([]string, len(cols))
	for i, c := range cols {
		out[i] = "coalesce(sum(" + c + "), 0)::bigint"
	}
	return out
}

func histSums(col string, buckets int) []string {
	out := make([]string, buckets)
	for i := range buckets {
		out[i] = fmt.Sprintf("coalesce(sum(%s[%d]), 0)::bigint", col, i+1)
	}
	return out
}

// queryGroups runs a stats query and returns each group's key and its
// measures in order. A query without group_by over no rows gives one
// group of zeros.
func queryGroups(ctx context.Context, q postgres.Querier, table string, dims []string, sq Query, measures []string) ([]map[string]string, [][]int64, error) {
	sql, args, err := statsSQL(table, dims, sq, measures)
	if err != nil {
		return nil, nil, err
	}
	rows, err := q.Query(ctx, sql, args...)
	if err != nil {
		return nil, nil, fmt.Errorf("read %s: %w", table, err)
	}
	defer rows.Close()
	var keys []map[string]string
	var vals [][]int64
	for rows.Next() {
		key := make([]string, len(sq.GroupBy))
		v := make([]int64, len(measures))
		dest := make([]any, 0, len(key)+len(v))
		for i := range key {
			dest = append(dest, &key[i])
		}
		for i := range v {
			dest = append(dest, &v[i])
		}
		if err := rows.Scan(dest...); err != nil {
			return nil, nil, fmt.Errorf("read %s: %w", table, err)
		}
		k := make(map[string]string, len(key))
		for i, g := range sq.GroupBy {
			k[g] = key[i]
		}
		keys, vals = append(keys, k), append(vals, v)
	}
	if err := rows.Err(); err != nil {
		return nil, nil, fmt.Errorf("read %s: %w", table, err)
	}
	return keys, vals, nil
}

// ratio is a/b rounded to 4 decimals, nil when b is 0.
func ratio(a, b float64) *float64 {
	if b == 0 {
		return nil
	}
	return round4(a / b)
}

func round4(v float64) *float64 {
	r := math.Round(v*1e4) / 1e4
	return &r
}

func quantile(q float64, h []int64) *float64 {
	v, ok := projections.Quantile(q, h, projections.WorkingDayBounds())
	if !ok {
		return nil
	}
	return round4(v)
}

func quantileSeconds(q float64, h []int64) *float64 {
	v, ok := projections.QuantileContinuous(q, h, projections.InstantSecondsBounds())
	if !ok {
		return nil
	}
	return round4(v)
}
