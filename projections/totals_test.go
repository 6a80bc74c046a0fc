package projections_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/govpulse/govpulse/events"
	"github.com/govpulse/govpulse/internal/catalogtest"
	"github.com/govpulse/govpulse/internal/pgtest"
	"github.com/govpulse/govpulse/postgres"
	"github.com/govpulse/govpulse/projections"
)

// summedRows is what a read model's totals must hold: its rows summed by
// the totals' keys (TotalsQuery), as tableRows gives a table's rows.
func summedRows(t testing.TB, pool *pgxpool.Pool, table *projections.Table) []string {
	t.Helper()
	out := pgtest.Strings(t, pool, `SELECT row_to_json(t)::text FROM (`+table.TotalsQuery()+`) t`)
	slices.Sort(out)
	return out
}

// declaredRows are table's rows with its declared columns in declaration
// order, as TotalsQuery gives them: a column a migration added (always
// last in the table) compares wherever its field is declared.
func declaredRows(t testing.TB, pool *pgxpool.Pool, table *projections.Table) []string {
	t.Helper()
	var cols []string
	for _, c := range table.Columns() {
		cols = append(cols, c.Name)
	}
	out := pgtest.Strings(t, pool, `SELECT row_to_json(t)::text FROM (SELECT `+strings.Join(cols, ", ")+` FROM `+table.Name+`) t`)
	slices.Sort(out)
	return out
}

// checkTotals compares each totals table with its read model summed.
func checkTotals(t *testing.T, what string, pool *pgxpool.Pool, tables ...*projections.Table) {
	t.Helper()
	for _, table := range tables {
		got, want := declaredRows(t, pool, table.Totals), summedRows(t, pool, table)
		if len(want) == 0 {
			t.Fatalf("%s: %s is empty: nothing to compare", what, table.Name)
		}
		if !slices.Equal(got, want) {
			t.Errorf("%s: %s is not %s summed (%d rows, want %d):\n%s", what, table.Totals.Name, table.Name, len(got), len(want),
				sliceDiff(got, want))
		}
	}
}

// TestTotalsAreTheirReadModelsSummed applies batches, some twice, to the
// read models with totals: each totals table equals its read model summed
// by the totals' keys, after every batch and after rebuilds, which leave
// no fresh copy behind and keep the totals' index names.
func TestTotalsAreTheirReadModelsSummed(t *testing.T) {
	ctx := context.Background()
	pool := pgtest.NewPool(t)
	c, l, s := readModels(t)
	v, _ := portalReadModels(t)
	ps := []*projections.Projection{c, l, s, v}
	tables := []*projections.Table{projections.CaseStats.Table(), projections.LicenseStats.Table(), projections.PortalViews.Table()}
	rng := rand.New(rand.NewPCG(11, 12))
	origins := []string{"search", "match", "home", "feed", "direct"}
	var batches [][]postgres.NewEvent
	for i := range 12 {
		b := randomEvents(t, rng, fmt.Sprint("t", i), 1+rng.IntN(250))
		for j := range 1 + rng.IntN(40) {
			b = append(b, viewEvent(t, fmt.Sprintf("tv%d-%d", i, j), fmt.Sprintf("2025-03-%02dT10:00:00+08:00", 1+rng.IntN(28)),
				fmt.Sprint("p-", rng.IntN(6)), origins[rng.IntN(len(origins))]))
		}
		batches = append(batches, b)
		if i%4 == 3 {
			batches = append(batches, b) // again: a duplicate batch adds nothing
		}
	}
	for i, b := range batches {
		applyBatches(t, pool, ps, b)
		if i%5 == 0 {
			checkTotals(t, fmt.Sprint("after batch ", i), pool, tables...)
		}
	}
	checkTotals(t, "applied", pool, tables...)
	live := map[string][]string{}
	indexes := map[string][]string{}
	for _, table := range tables {
		live[table.Totals.Name] = tableRows(t, pool, table.Totals.Name)
		indexes[table.Totals.Name] = indexDefs(t, pool, table.Totals.Name)
	}
	for _, p := range ps {
		if _, err := p.Rebuild(ctx, pool, projections.RebuildOptions{ChunkEvents: 300}); err != nil {
			t.Fatalf("rebuild %s: %v", p.Name(), err)
		}
	}
	checkTotals(t, "rebuilt", pool, tables...)
	for _, table := range tables {
		name := table.Totals.Name
		if got := tableRows(t, pool, name); !slices.Equal(got, live[name]) {
			t.Errorf("rebuilt %s differs from the live one:\n%s", name, sliceDiff(got, live[name]))
		}
		if got := indexDefs(t, pool, name); !slices.Equal(got, indexes[name]) {
			t.Errorf("%s indexes after rebuild: %v, want %v", name, got, indexes[name])
		}
		var leftovers int
		if err := pool.QueryRow(ctx, `SELECT count(*) FROM pg_tables WHERE tablename = $1`, name+"_new").Scan(&leftovers); err != nil {
			t.Fatal(err)
		}
		if leftovers != 0 {
			t.Errorf("%s_new is left behind", name)
		}
	}
	// Applies go on into the swapped-in totals.
	applyBatches(t, pool, ps, randomEvents(t, rng, "after", 300))
	checkTotals(t, "applied after the rebuilds", pool, tables...)
}

// TestTotalsMigrationSumsTheRowsThere: migration 050, run on read models
// that hold rows already (a database upgraded to it), fills the totals
// tables with what applying the batches would have kept, in every column
// it makes (a measure a later migration adds is that migration's).
func TestTotalsMigrationSumsTheRowsThere(t *testing.T) {
	ctx := context.Background()
	pool := pgtest.NewPool(t)
	c, l, s := readModels(t)
	v, _ := portalReadModels(t)
	rng := rand.New(rand.NewPCG(13, 14))
	b := randomEvents(t, rng, "m", 400)
	for j := range 50 {
		b = append(b, viewEvent(t, fmt.Sprint("mv", j), "2025-04-01T10:00:00+08:00", fmt.Sprint("p-", j%7), "search"))
	}
	applyBatches(t, pool, []*projections.Projection{c, l, s, v}, b)
	tables := []string{"case_stats_totals", "license_stats_totals", "portal_views_totals"}
	for _, name := range tables {
		if _, err := pool.Exec(ctx, `CREATE TABLE `+name+`_kept AS TABLE `+name); err != nil {
			t.Fatal(err)
		}
	}
	ms, err := postgres.Migrations()
	if err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(ms, func(m postgres.Migration) bool { return m.Version == 50 })
	if i < 0 {
		t.Fatal("no migration 050")
	}
	if _, err := pool.Exec(ctx, `DROP TABLE `+strings.Join(tables, ", ")); err != nil {
		t.Fatal(err)
	}
	if _, err := pool.Exec(ctx, ms[i].SQL); err != nil {
		t.Fatalf("migration %s: %v", ms[i].Name, err)
	}
	for _, name := range tables {
		cols := pgtest.Strings(t, pool, `SELECT column_name::text FROM information_schema.columns
			WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position`, name)
		kept := pgtest.Strings(t, pool, `SELECT row_to_json(t)::text FROM (SELECT `+strings.Join(cols, ", ")+` FROM `+name+`_kept) t`)
		slices.Sort(kept)
		if got := tableRows(t, pool, name); len(got) == 0 || !slices.Equal(got, kept) {
			t.Errorf("%s after migration 050: %d rows, want the %d applying kept:\n%s", name, len(got), len(kept), sliceDiff(got, kept))
		}
	}
}

// TestVacuumTotalsVacuumsBloatedTotals: batches leave dead row versions
// in the totals they update; VacuumTotals vacuums a totals table once it
// holds more dead versions than live ones (and 1,000), and leaves the
// others alone.
func TestVacuumTotalsVacuumsBloatedTotals(t *testing.T) {
	pool := pgtest.NewPool(t)
	c, l, s := readModels(t)
	ps := []*projections.Projection{c, l, s}
	rng := rand.New(rand.NewPCG(15, 16))
	// A transaction holding an xid keeps the updates' old row versions
	// from being pruned as the batches read the pages, as a long write
	// transaction anywhere on the server would: they stay until a vacuum.
	holder, err := pool.Begin(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := holder.Exec(context.Background(), `SELECT txid_current()`); err != nil {
		t.Fatal(err)
	}
	for i := range 60 {
		applyBatches(t, pool, ps, randomEvents(t, rng, fmt.Sprint("vac", i), 60))
	}
	if err := holder.Rollback(context.Background()); err != nil {
		t.Fatal(err)
	}
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); projections.VacuumTotals(ctx, pool, ps, 20*time.Millisecond, quietLogger()) }()
	defer func() { stop(); <-done }()
	vacuums := func(table string) (n int64) {
		if err := pool.QueryRow(context.Background(), `SELECT vacuum_count FROM pg_stat_user_tables WHERE relname = $1`, table).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	wait, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	waitFor(t, wait, "case_stats_totals vacuumed", func() bool { return vacuums("case_stats_totals") > 0 })
	if n := vacuums("license_stats_totals"); n != 0 {
		t.Errorf("license_stats_totals (2 rows, fewer than 1,000 dead) vacuumed %d times", n)
	}
	checkTotals(t, "vacuumed", pool, projections.CaseStats.Table(), projections.LicenseStats.Table())
}

// BenchmarkApplyTotals applies batches of about 700 case events (1,000
// log events) to case_stats in a transaction each, as the bus does: with
// its totals ("totals") and without them ("rows", the same declaration
// without WithTotals), so that the totals' cost on the apply path shows
// beside a baseline of the same run.
//
//	go test -run x -bench ApplyTotals -count 5 ./projections/
func BenchmarkApplyTotals(b *testing.B) {
	ctx := context.Background()
	pool := pgtest.NewPool(b)
	store := &postgres.EventStore{Pool: pool}
	rng := rand.New(rand.NewPCG(31, 32))
	var batches [][]events.Recorded
	for i := range 20 {
		res, err := store.Append(ctx, testSource, randomEvents(b, rng, fmt.Sprint("bench", i), 1000))
		if err != nil {
			b.Fatal(err)
		}
		evs, err := postgres.ReadRange(ctx, pool, res.Batch.First, res.Batch.Last, []string{events.TypeCaseFinished})
		if err != nil {
			b.Fatal(err)
		}
		batches = append(batches, evs)
	}
	cal := catalogtest.Calendar(b)
	rowsOnly := projections.Declare("case_stats", 7_001_101, projections.FoldCase).Projection(cal, quietLogger())
	withTotals := projections.CaseStats.Projection(cal, quietLogger())
	for _, v := range []struct {
		name string
		p    *projections.Projection
	}{{"rows", rowsOnly}, {"totals", withTotals}} {
		b.Run(v.name, func(b *testing.B) {
			var i int
			for b.Loop() {
				if err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error { return v.p.Apply(ctx, tx, batches[i%len(batches)]) }); err != nil {
					b.Fatal(err)
				}
				i++
			}
		})
	}
}
