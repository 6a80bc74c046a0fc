package projections

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5"
)

// WithTotals declares the read model's totals table, <name>_totals: the
// model's sums over every day and every key column not named in keys (text
// key columns of the model, in the totals' column order), one row per
// combination of their values. The metrics read it instead of summing
// the whole read model: a few hundred rows rather than a year's.
//
// It is written with the read model, never on its own: each batch's
// upsert adds the batch's rows, summed per totals key, to it in the same
// transaction (so it is exactly once with the read model), and a rebuild
// loads, catches up and swaps a fresh copy with the fresh read model.
// CheckTables checks it like the read model's table. WithTotals panics on
// a key that is not a text key column, as Declare does on a declaration
// it cannot read.
func (m *Model[K, S, E]) WithTotals(keys ...string) *Model[K, S, E] {
	t := m.table
	tt := &Table{Name: t.Name + "_totals", Measures: t.Measures}
	for _, name := range keys {
		c, ok := t.Key(name)
		if !ok || c.Kind != KeyText || slices.ContainsFunc(tt.Keys, func(k Column) bool { return k.Name == name }) {
			panic(fmt.Sprintf("read model %s: totals key %q is not a text key column (once)", t.Name, name))
		}
		tt.Keys = append(tt.Keys, c) // c.field: its place in the read model's rows
	}
	if len(tt.Keys) == 0 {
		panic(fmt.Sprintf("read model %s: totals need at least one key column", t.Name))
	}
	t.Totals = tt
	return m
}

// tableNames are the names of t's tables, its own and its totals', each
// with suffix (a rebuild's fresh tables are the live names + "_new").
func (t *Table) tableNames(suffix string) []string {
	out := []string{t.Name + suffix}
	if t.Totals != nil {
		out = append(out, t.Totals.Name+suffix)
	}
	return out
}

// totalsTable is the totals table that goes with table, t's live table
// or a copy of it named with a suffix (case_stats_new:
// case_stats_totals_new).
func (t *Table) totalsTable(table string) string {
	return t.Totals.Name + strings.TrimPrefix(table, t.Name)
}

// totalRows sums rows of t (in t's column order) per totals key, in the
// totals' column order. Histograms are copied, never shared with rows.
func (t *Table) totalRows(rows [][]any) [][]any {
	tt := t.Totals
	nk := len(t.Keys)
	index := make(map[string]int, len(rows)/4+1)
	var out [][]any
	var key strings.Builder
	for _, row := range rows {
		key.Reset()
		for _, c := range tt.Keys {
			key.WriteString(row[c.field].(string))
			key.WriteByte(0)
		}
		j, ok := index[key.String()]
		if !ok {
			j = len(out)
			index[key.String()] = j
			total := make([]any, 0, len(tt.Keys)+len(t.Measures))
			for _, c := range tt.Keys {
				total = append(total, row[c.field])
			}
			for _, v := range row[nk:] {
				if h, ok := v.([]int64); ok {
					v = slices.Clone(h)
				}
				total = append(total, v)
			}
			out = append(out, total)
			continue
		}
		total := out[j][len(tt.Keys):]
		for m, v := range row[nk:] {
			switch v := v.(type) {
			case int64:
				total[m] = total[m].(int64) + v
			case []int64:
				h := total[m].([]int64)
				for b := range h {
					h[b] += v[b]
				}
			}
		}
	}
	return out
}

// queueUpsert queues on b the upsert of rows into table and, when t has
// totals, of their sums into its totals table: one round trip for both.
func (t *Table) queueUpsert(b *pgx.Batch, table string, rows [][]any) {
	b.Queue(t.upsertSQL(table), t.upsertArgs(rows)...)
	if t.Totals != nil {
		b.Queue(t.Totals.upsertSQL(t.totalsTable(table)), t.Totals.upsertArgs(t.totalRows(rows))...)
	}
}

// copyTotals COPYs the sums of rows into the (empty) totals table of
// table, when t has totals.
func (t *Table) copyTotals(ctx context.Context, tx pgx.Tx, table string, rows [][]any) error {
	if t.Totals == nil {
		return nil
	}
	return t.Totals.copyInto(ctx, tx, t.totalsTable(table), t.totalRows(rows))
}

// TotalsQuery is the SELECT that sums t's rows into its totals, column
// for column (each named as in the totals table): what the migration
// creating a totals table ran on the rows already there, and what the
// tests compare the kept totals with.
func (t *Table) TotalsQuery() string {
	tt := t.Totals
	var keys, sums []string
	for _, c := range tt.Keys {
		keys = append(keys, c.Name)
	}
	for _, c := range tt.Measures {
		if c.Kind == SumHist {
			elems := make([]string, c.Buckets)
			for b := range elems {
				elems[b] = fmt.Sprintf("sum(%s[%d])", c.Name, b+1)
			}
			sums = append(sums, "ARRAY["+strings.Join(elems, ", ")+"]::bigint[] AS "+c.Name)
		} else {
			sums = append(sums, "sum("+c.Name+")::bigint AS "+c.Name)
		}
	}
	k := strings.Join(keys, ", ")
	return fmt.Sprintf(`SELECT %s, %s FROM %s GROUP BY %s`, k, strings.Join(sums, ", "), t.Name, k)
}

// TotalsSQL fills t's empty totals table with TotalsQuery.
func (t *Table) TotalsSQL() string {
	return fmt.Sprintf(`INSERT INTO %s (%s) %s`, t.Totals.Name, strings.Join(t.Totals.names(), ", "), t.TotalsQuery())
}
