package projections_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/govpulse/govpulse/internal/catalogtest"
	"github.com/govpulse/govpulse/internal/pgtest"
	"github.com/govpulse/govpulse/projections"
)

// indexDefs returns the definitions of table's indexes, their names
// included, in the order of their names.
func indexDefs(t *testing.T, pool *pgxpool.Pool, table string) []string {
	return pgtest.Strings(t, pool, `SELECT indexdef FROM pg_indexes WHERE tablename = $1 ORDER BY indexname`, table)
}

// TestRebuildEqualsLive: rebuilding each read model from the log gives the
// live table row for row, keeps its indexes as they were (names and
// definitions; the second time, with the statistics of the first, the
// partial index of the unknown elapsed days made before the COPY), and
// reports what it read.
func TestRebuildEqualsLive(t *testing.T) {
	pool, ps, store := liveReadModels(t)
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
		indexes[table] = indexDefs(t, pool, table)
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
		if got := indexDefs(t, pool, table); !slices.Equal(got, indexes[table]) {
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
	if sparse := pgtest.Strings(t, pool, `SELECT (c.reltuples * 100 < t.reltuples)::text FROM pg_class c, pg_class t
		WHERE c.oid = 'case_stats_elapsed_unknown'::regclass AND t.oid = 'case_stats'::regclass`); len(sparse) != 1 || sparse[0] != "true" {
		t.Errorf("case_stats_elapsed_unknown holds a hundredth of the rows or more (%v): the rebuild builds it after the COPY, untested", sparse)
	}
	// All of them at once, with one pass over the log.
	var calls int
	var last int64
	reps, err := projections.RebuildAll(context.Background(), pool, ps, projections.RebuildOptions{
		ChunkEvents: 700,
		Progress:    func(done, total int64) { calls++; last = done },
	})
	if err != nil {
		t.Fatal(err)
	}
	folded = 0
	for i, rep := range reps {
		if rep.Projection != ps[i].Name() || rep.Batches != 21 || rep.LogEvents != int64(total+len(more)) || rep.Rows == 0 {
			t.Errorf("rebuild all: report %d %+v, want %s with 21 batches of %d log events", i, rep, ps[i].Name(), total+len(more))
		}
		folded += rep.Events
	}
	if len(reps) != len(ps) || folded != int64(total+len(more)) {
		t.Errorf("rebuild all: %d reports folding %d events, want %d folding %d", len(reps), folded, len(ps), total+len(more))
	}
	if last != int64(total+len(more)) || calls < 2 {
		t.Errorf("rebuild all: progress ended at %d after %d calls, want %d", last, calls, total+len(more))
	}
	compareSnapshots(t, "all rebuilt after more events", snapshot(t, pool), afterLive)
	for _, table := range readModelTables {
		if got := indexDefs(t, pool, table); !slices.Equal(got, indexes[table]) {
			t.Errorf("%s indexes after rebuilding all: %v, want %v", table, got, indexes[table])
		}
	}
	if _, err := projections.RebuildAll(context.Background(), pool, []*projections.Projection{ps[0], ps[0]}, projections.RebuildOptions{}); err == nil {
		t.Error("rebuilding one read model twice at once was not refused")
	}
}

// TestRebuildAllReplaysEachModelsBatches: in the one pass of RebuildAll,
// each read model folds exactly the batches recorded for it, when they
// differ (a model that has not applied a batch yet gets it later, live),
// chunks straddling the gaps included.
func TestRebuildAllReplaysEachModelsBatches(t *testing.T) {
	pool := pgtest.NewPool(t)
	c, l, s := readModels(t)
	rng := rand.New(rand.NewPCG(21, 22))
	all := []*projections.Projection{c, l, s}
	applyBatches(t, pool, all, randomEvents(t, rng, "a", 300))
	applyBatches(t, pool, []*projections.Projection{c, s}, randomEvents(t, rng, "b", 200))
	applyBatches(t, pool, []*projections.Projection{l}, randomEvents(t, rng, "c", 200))
	applyBatches(t, pool, all, randomEvents(t, rng, "d", 300))
	want := snapshot(t, pool)
	reps, err := projections.RebuildAll(context.Background(), pool, all, projections.RebuildOptions{ChunkEvents: 150, Workers: 3})
	if err != nil {
		t.Fatal(err)
	}
	compareSnapshots(t, "rebuilt all vs applied", snapshot(t, pool), want)
	for i, wantLog := range []int64{800, 800, 800} {
		if reps[i].LogEvents != wantLog || reps[i].Batches != 3 {
			t.Errorf("%s: report %+v, want 3 batches of %d log events", reps[i].Projection, reps[i], wantLog)
		}
	}
	// One by one, the same.
	for _, p := range all {
		if _, err := p.Rebuild(context.Background(), pool, projections.RebuildOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	compareSnapshots(t, "rebuilt one by one vs applied", snapshot(t, pool), want)
}

// TestRebuildWhileIngesting rebuilds the read models again and again while
// events keep arriving and the live consumers keep applying them. Had a
// swap lost a batch or applied one twice, the live tables would differ from
// a final rebuild, which replays exactly the batches recorded as applied.
func TestRebuildWhileIngesting(t *testing.T) {
	pool, ps, store := liveReadModels(t)
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
		if round%2 == 1 { // all at once, with one pass over the log
			reps, err := projections.RebuildAll(context.Background(), pool, ps, projections.RebuildOptions{ChunkEvents: 300})
			if err != nil {
				t.Fatalf("round %d: rebuild all: %v", round, err)
			}
			for _, rep := range reps {
				caughtUp += rep.CaughtUp
			}
			continue
		}
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
// on the live table keeps it until it is done; the swap waits for it,
// retrying after each lock timeout and letting the live consumer apply
// batches in between, instead of failing the rebuild; the batch applied
// meanwhile goes in with the swap's own catch-up. Every wait has a
// deadline and the reader is rolled back whatever happens.
func TestRebuildSwapWaitsForReaders(t *testing.T) {
	pool := pgtest.NewPool(t)
	retries := &messageCounter{substring: "retrying"}
	c := projections.CaseStats.Projection(catalogtest.Calendar(t), slog.New(retries))
	ps := []*projections.Projection{c}
	rng := rand.New(rand.NewPCG(13, 14))
	applyBatches(t, pool, ps, randomEvents(t, rng, "y", 300))
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	reader, err := pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer reader.Rollback(context.WithoutCancel(ctx)) //nolint:errcheck // a no-op once committed
	var before int
	if err := reader.QueryRow(ctx, `SELECT count(*) FROM case_stats`).Scan(&before); err != nil {
		t.Fatal(err)
	}
	done := make(chan rebuildResult, 1)
	go func() {
		rep, err := c.Rebuild(ctx, pool, projections.RebuildOptions{SwapLockTimeout: 100 * time.Millisecond})
		done <- rebuildResult{rep, err}
	}()
	waitFor(t, ctx, "two swap attempts timing out on the reader's lock", func() bool { return retries.count() >= 2 })
	var during int
	if err := reader.QueryRow(ctx, `SELECT count(*) FROM case_stats`).Scan(&during); err != nil {
		t.Fatal(err)
	}
	if during != before {
		t.Errorf("the reader saw %d rows during the rebuild, %d before", during, before)
	}
	select {
	case r := <-done:
		t.Fatalf("rebuild finished while a reader held the table: %v", r.err)
	default:
	}
	applyBatches(t, pool, ps, randomEvents(t, rng, "z", 50))
	want := tableRows(t, pool, "case_stats")
	if err := reader.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	var r rebuildResult
	select {
	case r = <-done:
	case <-ctx.Done():
		t.Fatal("the rebuild still waits after the reader finished")
	}
	if r.err != nil {
		t.Fatalf("rebuild after the reader finished: %v", r.err)
	}
	if r.rep.CaughtUp != 1 || r.rep.Batches != 2 {
		t.Errorf("rebuild replayed %d batches, %d of them caught up; want 2 and the one applied during the swap", r.rep.Batches, r.rep.CaughtUp)
	}
	if got := tableRows(t, pool, "case_stats"); !slices.Equal(got, want) {
		t.Errorf("rebuilt table differs:\n%s", sliceDiff(got, want))
	}
}

// TestRebuildSwapGivesUp: a swap that cannot get its locks gives up when
// SwapWait or the caller's context ends, and leaves the live table as it
// was.
func TestRebuildSwapGivesUp(t *testing.T) {
	pool := pgtest.NewPool(t)
	retries := &messageCounter{substring: "retrying"}
	c := projections.CaseStats.Projection(catalogtest.Calendar(t), slog.New(retries))
	applyBatches(t, pool, []*projections.Projection{c}, randomEvents(t, rand.New(rand.NewPCG(15, 16)), "g", 200))
	want := tableRows(t, pool, "case_stats")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	reader, err := pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer reader.Rollback(context.WithoutCancel(ctx)) //nolint:errcheck
	if _, err := reader.Exec(ctx, `SELECT count(*) FROM case_stats`); err != nil {
		t.Fatal(err)
	}
	_, err = c.Rebuild(ctx, pool, projections.RebuildOptions{SwapLockTimeout: 100 * time.Millisecond, SwapWait: time.Second})
	if err == nil || !strings.Contains(err.Error(), "gave up waiting for the locks") {
		t.Errorf("rebuild with SwapWait 1s behind a reader: %v, want it to give up", err)
	}
	// The caller's context ends the wait too.
	callerCtx, stop := context.WithCancel(ctx)
	done := make(chan rebuildResult, 1)
	go func() {
		rep, err := c.Rebuild(callerCtx, pool, projections.RebuildOptions{SwapLockTimeout: 100 * time.Millisecond})
		done <- rebuildResult{rep, err}
	}()
	seen := retries.count()
	waitFor(t, ctx, "a swap attempt timing out on the reader's lock", func() bool {
		if len(done) > 0 {
			r := <-done
			t.Fatalf("rebuild ended before its caller gave up: %v", r.err)
		}
		return retries.count() > seen
	})
	stop()
	select {
	case r := <-done:
		if !errors.Is(r.err, context.Canceled) {
			t.Errorf("rebuild whose caller gave up: %v, want context.Canceled", r.err)
		}
	case <-ctx.Done():
		t.Fatal("the rebuild did not stop when its caller's context ended")
	}
	if err := reader.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if got := tableRows(t, pool, "case_stats"); !slices.Equal(got, want) {
		t.Errorf("live table changed by rebuilds that gave up:\n%s", sliceDiff(got, want))
	}
}

// TestRebuildCatchesUpBatchesAppliedWhileItReplays: a batch the live
// consumer applies while the rebuild replays the log is caught up before
// the swap, so the rebuilt table has it.
func TestRebuildCatchesUpBatchesAppliedWhileItReplays(t *testing.T) {
	pool := pgtest.NewPool(t)
	c, _, _ := readModels(t)
	ps := []*projections.Projection{c}
	rng := rand.New(rand.NewPCG(17, 18))
	applyBatches(t, pool, ps, randomEvents(t, rng, "r", 500))
	late := randomEvents(t, rng, "late", 50)
	var once sync.Once
	rep, err := c.Rebuild(context.Background(), pool, projections.RebuildOptions{
		ChunkEvents: 100,
		// Called on the rebuild's goroutine while it replays.
		Progress: func(done, total int64) {
			if done > 0 {
				once.Do(func() { applyBatches(t, pool, ps, late) })
			}
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if rep.CaughtUp != 1 || rep.Batches != 2 {
		t.Errorf("rebuild replayed %d batches, %d of them caught up; want 2 and the late one", rep.Batches, rep.CaughtUp)
	}
	want := snapshot(t, pool)
	// A rebuild of the same log from scratch agrees with the caught-up one.
	if _, err := c.Rebuild(context.Background(), pool, projections.RebuildOptions{}); err != nil {
		t.Fatal(err)
	}
	compareSnapshots(t, "caught-up rebuild vs a rebuild from scratch", want, snapshot(t, pool))
	var late0 int64
	if err := pool.QueryRow(context.Background(), `SELECT count(*) FROM consumer_batches WHERE consumer = 'case_stats'`).Scan(&late0); err != nil {
		t.Fatal(err)
	}
	if late0 != 2 {
		t.Errorf("%d batches recorded, want 2", late0)
	}
}

type rebuildResult struct {
	rep projections.RebuildReport
	err error
}

// messageCounter is a slog.Handler counting the records whose message
// contains substring.
type messageCounter struct {
	substring string
	n         atomic.Int64
}

func (h *messageCounter) Enabled(context.Context, slog.Level) bool { return true }
func (h *messageCounter) Handle(_ context.Context, r slog.Record) error {
	if strings.Contains(r.Message, h.substring) {
		h.n.Add(1)
	}
	return nil
}
func (h *messageCounter) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h *messageCounter) WithGroup(string) slog.Handler      { return h }
func (h *messageCounter) count() int64                       { return h.n.Load() }

// waitFor polls cond until it holds, failing the test when ctx ends first.
func waitFor(t *testing.T, ctx context.Context, what string, cond func() bool) {
	t.Helper()
	for !cond() {
		select {
		case <-ctx.Done():
			t.Fatalf("waiting for %s: %v", what, ctx.Err())
		case <-time.After(20 * time.Millisecond):
		}
	}
}
