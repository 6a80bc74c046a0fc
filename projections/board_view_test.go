package projections_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/govpulse/govpulse/postgres"
	"github.com/govpulse/govpulse/projections"
)

// boardRows reads the boards' view of table as the boards' role, rows as
// sorted JSON text like tableRows.
func boardRows(ctx context.Context, pool *pgxpool.Pool, table string) ([]string, error) {
	var out []string
	err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, "SET LOCAL ROLE "+postgres.BoardsRole); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `SELECT row_to_json(t)::text FROM `+pgx.Identifier{postgres.BoardsSchema, table}.Sanitize()+` t`)
		if err != nil {
			return err
		}
		out, err = pgx.CollectRows(rows, pgx.RowTo[string])
		return err
	})
	slices.Sort(out)
	return out, err
}

// tablesAndViews waits until the live consumers have applied the log,
// then reads each read model (snapshot) and its boards view as the
// boards' role reads it; when says at what point, for errors.
func tablesAndViews(t *testing.T, pool *pgxpool.Pool, when string) (tables, views map[string][]string) {
	t.Helper()
	waitCaughtUp(t, pool, "case_stats", "license_stats", "lawsuit_stats")
	tables, views = snapshot(t, pool), map[string][]string{}
	for _, table := range readModelTables {
		got, err := boardRows(context.Background(), pool, table)
		if err != nil {
			t.Fatalf("boards.%s%s: %v", table, when, err)
		}
		views[table] = got
	}
	return tables, views
}

// A board's query names boards.<table>; a rebuild swaps the table under
// it. Readers as the boards' role keep reading while the rebuilds run,
// see the same rows after each swap, and see what the live consumers add
// to the swapped-in table afterwards.
func TestRebuildKeepsTheBoardsViewsOnTheLiveTables(t *testing.T) {
	pool, ps, store := liveReadModels(t)
	rng := rand.New(rand.NewPCG(9, 10))
	for i := range 5 {
		if _, err := store.Append(context.Background(), testSource, randomEvents(t, rng, fmt.Sprint("v", i), 200)); err != nil {
			t.Fatal(err)
		}
	}
	before, views := tablesAndViews(t, pool, "")
	for _, table := range readModelTables {
		if got := views[table]; len(got) == 0 || !slices.Equal(got, before[table]) {
			t.Fatalf("boards.%s has %d rows, %s has %d", table, len(got), table, len(before[table]))
		}
	}

	// Readers as the boards' role, all through the rebuilds.
	ctx, stop := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	defer wg.Wait() // also when a rebuild fails the test
	defer stop()
	reads := make([]int, len(readModelTables))
	for i, table := range readModelTables {
		wg.Go(func() {
			for ctx.Err() == nil {
				got, err := boardRows(ctx, pool, table)
				if ctx.Err() != nil {
					return
				}
				if err != nil {
					t.Errorf("reading boards.%s during a rebuild: %v", table, err)
					return
				}
				if !slices.Equal(got, before[table]) {
					t.Errorf("boards.%s during a rebuild: %d rows, want the same %d", table, len(got), len(before[table]))
					return
				}
				reads[i]++
			}
		})
	}
	for range 2 {
		for _, p := range ps {
			if _, err := p.Rebuild(context.Background(), pool, projections.RebuildOptions{}); err != nil {
				t.Fatalf("rebuild %s: %v", p.Name(), err)
			}
		}
	}
	stop()
	wg.Wait()
	for i, n := range reads {
		if n < 2 {
			t.Errorf("boards.%s was read only %d times during the rebuilds", readModelTables[i], n)
		}
	}

	// The live consumers now write the swapped-in tables; the views show it.
	if _, err := store.Append(context.Background(), testSource, randomEvents(t, rng, "after", 300)); err != nil {
		t.Fatal(err)
	}
	after, views := tablesAndViews(t, pool, " after the rebuilds")
	for _, table := range readModelTables {
		if got := views[table]; !slices.Equal(got, after[table]) || slices.Equal(got, before[table]) {
			t.Errorf("boards.%s after the rebuilds and more events: %d rows; the table has %d (%d before)", table, len(got), len(after[table]), len(before[table]))
		}
	}
}
