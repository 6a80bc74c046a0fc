package projections

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/govpulse/govpulse/internal/periodic"
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
	s := t.newTotalsSum(len(rows)/4 + 1)
	s.add(rows)
	return s.rows()
}

// totalsSum sums rows of a table into its totals, a piece of rows at a
// time (a rebuild's load sums the pieces as they are sent).
type totalsSum struct {
	t     *Table
	index map[string]int
	out   [][]any
	// sums and summed hold each total's int64 measures while they are
	// added, boxed into its row once at the end: boxing each partial sum
	// would allocate for every row.
	sums   [][]int64
	summed [][]bool
	key    []byte
}

// newTotalsSum starts the totals of t with room for about n of them.
func (t *Table) newTotalsSum(n int) *totalsSum {
	return &totalsSum{t: t, index: make(map[string]int, n)}
}

// add adds rows (in t's column order) to the totals.
func (s *totalsSum) add(rows [][]any) {
	t := s.t
	tt := t.Totals
	nk, ntk := len(t.Keys), len(tt.Keys)
	for _, row := range rows {
		s.key = s.key[:0]
		for _, c := range tt.Keys {
			s.key = append(s.key, row[c.field].(string)...)
			s.key = append(s.key, 0)
		}
		j, ok := s.index[string(s.key)]
		if !ok {
			j = len(s.out)
			s.index[string(s.key)] = j
			total := make([]any, 0, ntk+len(t.Measures))
			for _, c := range tt.Keys {
				total = append(total, row[c.field])
			}
			sum, is := make([]int64, len(row)-nk), make([]bool, len(row)-nk)
			for m, v := range row[nk:] {
				switch v := v.(type) {
				case []int64:
					total = append(total, slices.Clone(v))
				case int64:
					sum[m], is[m] = v, true
					total = append(total, nil)
				default:
					total = append(total, v)
				}
			}
			s.out, s.sums, s.summed = append(s.out, total), append(s.sums, sum), append(s.summed, is)
			continue
		}
		total := s.out[j][ntk:]
		for m, v := range row[nk:] {
			switch v := v.(type) {
			case int64:
				s.sums[j][m] += v
			case []int64:
				h := total[m].([]int64)
				for b := range h {
					h[b] += v[b]
				}
			}
		}
	}
}

// rows returns the totals, in the totals' column order; s is not added
// to after.
func (s *totalsSum) rows() [][]any {
	ntk := len(s.t.Totals.Keys)
	for j, total := range s.out {
		for m, is := range s.summed[j] {
			if is {
				total[ntk+m] = s.sums[j][m]
			}
		}
	}
	return s.out
}

// queueUpsert queues on b the upsert of rows into table and, when t has
// totals, of their sums into its totals table: one round trip for both.
func (t *Table) queueUpsert(b *pgx.Batch, table string, rows [][]any) {
	b.Queue(t.upsertSQL(table), t.upsertArgs(rows)...)
	if t.Totals != nil {
		b.Queue(t.Totals.upsertSQL(t.totalsTable(table)), t.Totals.upsertArgs(t.totalRows(rows))...)
	}
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

// VacuumTotals keeps the totals tables of ps small until ctx ends: every
// interval it vacuums each one holding at least as many dead row
// versions as live ones (and 1,000). Each batch updates a totals row it
// touches, so without it a table of 1,349 rows reached 2,000 pages (16 MB)
// over the demo year, all read by every scrape: autovacuum comes by
// rarely on a busy server, and pruning dead versions as pages are read
// stops while any write transaction of the cluster runs long. VACUUM
// frees them by this database's own horizon, and SKIP_LOCKED leaves a
// table another instance is vacuuming. Failures are logged, never fatal.
func VacuumTotals(ctx context.Context, pool *pgxpool.Pool, ps []*Projection, interval time.Duration, log *slog.Logger) {
	var tables []string
	for _, p := range ps {
		if p.table.Totals != nil {
			tables = append(tables, p.table.Totals.Name)
		}
	}
	if len(tables) == 0 {
		return
	}
	periodic.Run(ctx, interval, func() {
		for _, table := range tables {
			if err := vacuumIfBloated(ctx, pool, table); err != nil && ctx.Err() == nil && log != nil {
				log.Warn("totals: vacuum failed; will try again", "table", table, "err", err)
			}
		}
	})
}

// vacuumIfBloated vacuums table when its dead row versions are at least
// its live ones and 1,000 (as the statistics collector counts them).
func vacuumIfBloated(ctx context.Context, pool *pgxpool.Pool, table string) error {
	var dead, live int64
	err := pool.QueryRow(ctx, `SELECT n_dead_tup, n_live_tup FROM pg_stat_user_tables
		WHERE relid = to_regclass($1)`, table).Scan(&dead, &live)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return nil
	case err != nil:
		return err
	case dead < 1000 || dead < live:
		return nil
	}
	_, err = pool.Exec(ctx, `VACUUM (SKIP_LOCKED) `+pgx.Identifier{table}.Sanitize())
	return err
}
