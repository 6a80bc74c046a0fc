package read

import (
	"context"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgtype"

	"github.com/govpulse/govpulse/events"
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
	// Measures names the measures to sum; none means every one.
	Measures []string
	// Totals reads the model's totals table (projections.WithTotals)
	// instead of its rows: the same sums from far fewer rows, for a query
	// over the whole log (no From, To) that filters and groups only by
	// the totals' keys.
	Totals bool
}

// Group is one group of a read model's rows: its key (each group_by
// value by name) and the sums of its measures, each in its field of S
// (those not asked for are 0).
type Group[S any] struct {
	Key  map[string]string
	Sums S
}

// Sums answers q on the read model m, reading each measure by name into
// its field of S: the one reading of sums behind the stats API, the
// metrics collectors and the targets. A query without group_by over no
// rows gives one group of zeros.
func Sums[K comparable, S any, E events.Event](ctx context.Context, db postgres.Querier, m *projections.Model[K, S, E], q Query) ([]Group[S], error) {
	t := m.Table()
	table, dims := t.Name, t.Dimensions()
	if q.Totals {
		if t.Totals == nil {
			return nil, fmt.Errorf("read %s: no totals table", t.Name)
		}
		table, dims = t.Totals.Name, t.Totals.Dimensions()
		if !q.From.IsZero() || !q.To.IsZero() {
			return nil, fmt.Errorf("read %s: totals hold no days to bound", table)
		}
		for _, g := range q.GroupBy {
			if !slices.Contains(dims, g) {
				return nil, fmt.Errorf("read %s: cannot group by %q", table, g)
			}
		}
	}
	// Grouped by every key of the totals, each group is one row of them:
	// read as it is, no sums (which cost more than the reading).
	rowPerGroup := q.Totals && len(q.GroupBy) == len(dims) && !slices.ContainsFunc(dims, func(d string) bool {
		return !slices.Contains(q.GroupBy, d)
	})
	var measures []projections.Column
	if len(q.Measures) == 0 {
		measures = t.Measures
	}
	for _, name := range q.Measures {
		c, ok := t.Measure(name)
		if !ok {
			return nil, fmt.Errorf("read %s: no measure %q", t.Name, name)
		}
		measures = append(measures, c)
	}
	var exprs []string
	for _, c := range measures {
		switch {
		case rowPerGroup:
			// A histogram whole: subscripting each bucket in SQL cost the
			// server more than the rest of the query.
			exprs = append(exprs, c.Name)
		case c.Kind == projections.SumHist:
			exprs = append(exprs, histSums(c.Name, c.Buckets)...)
		default:
			exprs = append(exprs, sums(c.Name)...)
		}
	}
	sql, args, err := statsSQL(table, dims, q, exprs, !rowPerGroup)
	if err != nil {
		return nil, err
	}
	rows, err := db.Query(ctx, sql, args...)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", t.Name, err)
	}
	defer rows.Close()
	// Every row is scanned into the same key and sums (each scan sets
	// every field asked for; the others stay 0), then copied out.
	var out []Group[S]
	key := make([]string, len(q.GroupBy))
	var sums S
	dest := make([]any, 0, len(key)+len(exprs))
	for i := range key {
		dest = append(dest, &key[i])
	}
	for _, c := range measures {
		d := m.Dest(&sums, c)
		if rowPerGroup && c.Kind == projections.SumHist {
			d = []any{&histDest{name: c.Name, buckets: d}}
		}
		dest = append(dest, d...)
	}
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return nil, fmt.Errorf("read %s: %w", t.Name, err)
		}
		g := Group[S]{Key: make(map[string]string, len(key)), Sums: sums}
		for i, name := range q.GroupBy {
			g.Key[name] = key[i]
		}
		out = append(out, g)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read %s: %w", t.Name, err)
	}
	return out, nil
}

// TimeGroups are the group_by values besides dimensions.
func TimeGroups() []string { return []string{"day", "month"} }

// answer reads q's groups of m and turns each into an answer of the
// stats API with of.
func answer[K comparable, S any, E events.Event, G any](ctx context.Context, db postgres.Querier, m *projections.Model[K, S, E], q Query,
	of func(key map[string]string, s S) G) ([]G, error) {
	gs, err := Sums(ctx, db, m, q)
	if err != nil {
		return nil, err
	}
	out := make([]G, len(gs))
	for i, g := range gs {
		out[i] = of(g.Key, g.Sums)
	}
	return out, nil
}

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
// text), then measures; without aggregate, the rows are read ungrouped
// (each is a group already), in the same order.
func statsSQL(table string, dims []string, q Query, measures []string, aggregate bool) (string, []any, error) {
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
		if aggregate {
			sql += " GROUP BY " + strings.Join(pos, ", ")
		}
		sql += " ORDER BY " + strings.Join(pos, ", ")
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

// histDest scans a histogram column read whole (a bigint[]) into its
// buckets' fields of the sums (projections.Model.Dest), refusing an array
// of another length or shape, or NULL, rather than reading it partly.
type histDest struct {
	name    string
	buckets []any // *int64 each
}

// SetDimensions implements pgtype.ArraySetter.
func (h *histDest) SetDimensions(dims []pgtype.ArrayDimension) error {
	if len(dims) != 1 || dims[0].LowerBound != 1 || int(dims[0].Length) != len(h.buckets) {
		return fmt.Errorf("histogram %s: want %d buckets, got dimensions %v", h.name, len(h.buckets), dims)
	}
	return nil
}

// ScanIndex implements pgtype.ArraySetter.
func (h *histDest) ScanIndex(i int) any { return h.buckets[i] }

// ScanIndexType implements pgtype.ArraySetter.
func (h *histDest) ScanIndexType() any { return new(int64) }

func histSums(col string, buckets int) []string {
	out := make([]string, buckets)
	for i := range buckets {
		out[i] = fmt.Sprintf("coalesce(sum(%s[%d]), 0)::bigint", col, i+1)
	}
	return out
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
