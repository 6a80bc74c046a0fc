package projections_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/govpulse/govpulse/internal/pgtest"
	"github.com/govpulse/govpulse/postgres"
	"github.com/govpulse/govpulse/projections"
)

func indexNames(t *testing.T, pool *pgxpool.Pool, table string) []string {
	t.Helper()
	rows, err := pool.Query(context.Background(), `SELECT indexname FROM pg_indexes WHERE tablename = $1 ORDER BY 1`, table)
	if err != nil {
		t.Fatal(err)
	}
	names, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	return names
}

// TestRebuildEqualsLive: rebuilding each read model from the log gives the
// live table row for row, keeps its index names, and reports what it read.
func TestRebuildEqualsLive(t *testing.T) {
	pool := pgtest.NewPool(t)
	c, l, s := readModels(t)
	ps := []*projections.Projection{c, l, s}
	b := startBus(t, pool, c, l, s)
	store := &postgres.EventStore{Pool: pool, Outbox: b}
	rng := rand.New(rand.NewPCG(5, 6))
	var total int
	for i := range 20 {
		n := 1 + rng.IntN(300)
		total += n
		if _, err := store.Append(context.Background(), testSource, randomEvents(t, rng, fmt.Sprint("r", i), n)); err != nil {
			t.Fatal(err)
		}
	}
	waitCaughtUp(t, pool, "case_stats", "license_stats", "lawsuit_stats")
	live := snapshot(t, pool)
	if len(live["case_stats"]) < 100 {
		t.Fatalf("only %d case rows: the stream is too small to compare", len(live["case_stats"]))
	}
	indexes := map[string][]string{}
	for _, table := range readModelTables {
		indexes[table] = indexNames(t, pool, table)
	}
	var folded int64
	for _, p := range ps {
		var calls int
		var last int64
		rep, err := p.Rebuild(context.Background(), pool, projections.RebuildOptions{
			ChunkEvents: 500, // several chunks and workers
			Progress:    func(done, total int64) { calls++; last = done },
		})
		if err != nil {
			t.Fatalf("rebuild %s: %v", p.Name(), err)
		}
		if rep.Batches != 20 || rep.LogEvents != int64(total) || rep.CaughtUp != 0 {
			t.Errorf("rebuild %s: report %+v, want 20 batches of %d log events, none caught up", p.Name(), rep, total)
		}
		if last != int64(total) || calls < 2 {
			t.Errorf("rebuild %s: progress ended at %d after %d calls, want %d", p.Name(), last, calls, total)
		}
		folded += rep.Events
	}
	if folded != int64(total) {
		t.Errorf("the rebuilds folded %d events, want every one of %d", folded, total)
	}
	compareSnapshots(t, "rebuilt", snapshot(t, pool), live)
	for _, table := range readModelTables {
		if got := indexNames(t, pool, table); !slices.Equal(got, indexes[table]) {
			t.Errorf("%s indexes after rebuild: %v, want %v", table, got, indexes[table])
		}
		var leftovers int
		if err := pool.QueryRow(context.Background(), `SELECT count(*) FROM pg_tables WHERE tablename = $1`, table+"_new").Scan(&leftovers); err != nil {
			t.Fatal(err)
		}
		if leftovers != 0 {
			t.Errorf("%s_new is left behind", table)
		}
	}
	// The live consumers keep working on the swapped-in tables.
	more := randomEvents(t, rng, "after", 200)
	if _, err := store.Append(context.Background(), testSource, more); err != nil {
		t.Fatal(err)
	}
	waitCaughtUp(t, pool, "case_stats", "license_stats", "lawsuit_stats")
	afterLive := snapshot(t, pool)
	for _, p := range ps {
		if _, err := p.Rebuild(context.Background(), pool, projections.RebuildOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	compareSnapshots(t, "rebuilt after more events", snapshot(t, pool), afterLive)
}

// TestRebuildWhileIngesting rebuilds the read models again and again while
// events keep arriving and the live consumers keep applying them. Had a
// swap lost a batch or applied one twice, the live tables would differ from
// a final rebuild, which replays exactly the batches recorded as applied.
func TestRebuildWhileIngesting(t *testing.T) {
	pool := pgtest.NewPool(t)
	c, l, s := readModels(t)
	ps := []*projections.Projection{c, l, s}
	b := startBus(t, pool, c, l, s)
	store := &postgres.EventStore{Pool: pool, Outbox: b}
	var wg sync.WaitGroup
	stop := make(chan struct{})
	var ingested int
	wg.Go(func() {
		rng := rand.New(rand.NewPCG(7, 8))
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			evs := randomEvents(t, rng, fmt.Sprint("w", i), 1+rng.IntN(100))
			if _, err := store.Append(context.Background(), testSource, evs); err != nil {
				t.Error(err)
				return
			}
			ingested += len(evs)
			time.Sleep(time.Duration(rng.IntN(5)) * time.Millisecond)
		}
	})
	var caughtUp int
	for round := range 4 {
		time.Sleep(150 * time.Millisecond)
		for _, p := range ps {
			rep, err := p.Rebuild(context.Background(), pool, projections.RebuildOptions{ChunkEvents: 300})
			if err != nil {
				t.Fatalf("round %d: rebuild %s: %v", round, p.Name(), err)
			}
			caughtUp += rep.CaughtUp
		}
	}
	close(stop)
	wg.Wait()
	waitCaughtUp(t, pool, "case_stats", "license_stats", "lawsuit_stats")
	live := snapshot(t, pool)
	for _, p := range ps {
		if _, err := p.Rebuild(context.Background(), pool, projections.RebuildOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	compareSnapshots(t, "live after rebuilds under ingest vs a final rebuild", live, snapshot(t, pool))
	var finished, hearings int64
	if err := pool.QueryRow(context.Background(), `SELECT (SELECT coalesce(sum(finished), 0) FROM case_stats)
		+ (SELECT coalesce(sum(issued), 0) FROM license_stats), (SELECT coalesce(sum(hearings), 0) FROM lawsuit_stats)`).Scan(&finished, &hearings); err != nil {
		t.Fatal(err)
	}
	if finished+hearings != int64(ingested) {
		t.Errorf("read models count %d events, %d were ingested", finished+hearings, ingested)
	}
	t.Logf("%d events ingested during 12 rebuilds; %d batches caught up before swaps", ingested, caughtUp)
}

// TestRebuildOneAtATime: a second rebuild of the same projection while one
// runs is refused, not run twice.
func TestRebuildOneAtATime(t *testing.T) {
	pool := pgtest.NewPool(t)
	c, _, _ := readModels(t)
	applyBatches(t, pool, []*projections.Projection{c}, randomEvents(t, rand.New(rand.NewPCG(9, 9)), "x", 500))
	// Hold the rebuild lock as a running rebuild would.
	conn, err := pool.Acquire(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Release()
	if _, err := conn.Exec(context.Background(), `SELECT pg_advisory_lock(7001201)`); err != nil {
		t.Fatal(err)
	}
	_, err = c.Rebuild(context.Background(), pool, projections.RebuildOptions{})
	if !errors.Is(err, projections.ErrRebuildRunning) {
		t.Fatalf("second rebuild: %v, want ErrRebuildRunning", err)
	}
	if _, err := conn.Exec(context.Background(), `SELECT pg_advisory_unlock(7001201)`); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Rebuild(context.Background(), pool, projections.RebuildOptions{}); err != nil {
		t.Fatalf("rebuild after the first finished: %v", err)
	}
}

// TestRebuildSwapWaitsForReaders: a reader in the middle of a transaction
// on the live table keeps it until it is done; the swap waits for it (and
// retries after its lock timeout) instead of failing the rebuild.
func TestRebuildSwapWaitsForReaders(t *testing.T) {
	pool := pgtest.NewPool(t)
	c, _, _ := readModels(t)
	applyBatches(t, pool, []*projections.Projection{c}, randomEvents(t, rand.New(rand.NewPCG(13, 14)), "y", 300))
	want := tableRows(t, pool, "case_stats")
	ctx := context.Background()
	reader, err := pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var before int
	if err := reader.QueryRow(ctx, `SELECT count(*) FROM case_stats`).Scan(&before); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		_, err := c.Rebuild(ctx, pool, projections.RebuildOptions{SwapLockTimeout: 300 * time.Millisecond})
		done <- err
	}()
	time.Sleep(500 * time.Millisecond) // past the first attempt's timeout
	var during int
	if err := reader.QueryRow(ctx, `SELECT count(*) FROM case_stats`).Scan(&during); err != nil {
		t.Fatal(err)
	}
	if during != before {
		t.Errorf("the reader saw %d rows during the rebuild, %d before", during, before)
	}
	select {
	case err := <-done:
		t.Fatalf("rebuild finished while a reader held the table: %v", err)
	default:
	}
	if err := reader.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatalf("rebuild after the reader finished: %v", err)
	}
	if got := tableRows(t, pool, "case_stats"); !slices.Equal(got, want) {
		t.Errorf("rebuilt table differs:\n%s", sliceDiff(got, want))
	}
}
