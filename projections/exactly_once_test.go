package projections_test

import (
	"context"
	"errors"
	"math/rand/v2"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/govpulse/govpulse/bus"
	"github.com/govpulse/govpulse/events"
	"github.com/govpulse/govpulse/internal/bustest"
	"github.com/govpulse/govpulse/internal/pgtest"
	"github.com/govpulse/govpulse/postgres"
	"github.com/govpulse/govpulse/projections"
	"github.com/govpulse/govpulse/projections/read"
)

var readModelTables = []string{"case_stats", "license_stats", "lawsuit_stats"}

// totalsTables are the totals of those read models (WithTotals): the
// snapshots compare them too, as they are kept with their read models.
var totalsTables = []string{"case_stats_totals", "license_stats_totals"}

// startBus runs a Postgres bus with the consumers until the test ends.
func startBus(t *testing.T, pool *pgxpool.Pool, cs ...bus.Consumer) *bus.Bus {
	t.Helper()
	return bustest.Start(t, pool, bus.Config{Kind: bus.KindPostgres, PollInterval: 20 * time.Millisecond,
		MaxRetries: 20, RetryInterval: 50 * time.Millisecond}, cs...)
}

// liveReadModels starts a bus running the three read models on a fresh
// database and returns them, with an event store appending through it.
func liveReadModels(t *testing.T) (*pgxpool.Pool, []*projections.Projection, *postgres.EventStore) {
	t.Helper()
	pool := pgtest.NewPool(t)
	c, l, s := readModels(t)
	b := startBus(t, pool, c, l, s)
	return pool, []*projections.Projection{c, l, s}, &postgres.EventStore{Pool: pool, Outbox: b}
}

// waitCaughtUp waits until every named consumer has applied the log up to
// its head.
func waitCaughtUp(t *testing.T, pool *pgxpool.Pool, names ...string) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for {
		lags, err := postgres.ReadLag(context.Background(), pool, names)
		if err != nil {
			t.Fatal(err)
		}
		behind := slices.ContainsFunc(lags, func(l postgres.Lag) bool { return l.LagEvents > 0 })
		if !behind {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("consumers not caught up after 2 minutes: %+v", lags)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// reference applies the batches once, directly, to the read models of a
// fresh database and returns its tables' rows: what the live tables must
// equal.
func reference(t *testing.T, batches ...[]postgres.NewEvent) map[string][]string {
	t.Helper()
	pool := pgtest.NewPool(t)
	c, l, s := readModels(t)
	applyBatches(t, pool, []*projections.Projection{c, l, s}, batches...)
	return snapshot(t, pool)
}

func snapshot(t testing.TB, pool *pgxpool.Pool) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	for _, table := range slices.Concat(readModelTables, totalsTables) {
		out[table] = tableRows(t, pool, table)
	}
	return out
}

func compareSnapshots(t *testing.T, what string, got, want map[string][]string) {
	t.Helper()
	for _, table := range slices.Concat(readModelTables, totalsTables) {
		if !slices.Equal(got[table], want[table]) {
			t.Errorf("%s: %s differs (%d rows, want %d):\n%s", what, table, len(got[table]), len(want[table]),
				sliceDiff(got[table], want[table]))
		}
	}
}

// TestExactlyOnceUnderRedelivery: a batch the bus delivers twice (an ack
// lost, or the outbox republishing it) changes the read models once.
func TestExactlyOnceUnderRedelivery(t *testing.T) {
	pool := pgtest.NewPool(t)
	c, l, s := readModels(t)
	b := startBus(t, pool, c, l, s)
	store := &postgres.EventStore{Pool: pool, Outbox: b}
	rng := rand.New(rand.NewPCG(1, 2))
	first, marker := randomEvents(t, rng, "a", 300), randomEvents(t, rng, "b", 50)
	res, err := store.Append(context.Background(), testSource, first)
	if err != nil {
		t.Fatal(err)
	}
	waitCaughtUp(t, pool, "case_stats", "license_stats", "lawsuit_stats")
	// Deliver the same batch again, then a marker batch behind it.
	bustest.Restage(t, pool, b, res.Batch)
	if _, err := store.Append(context.Background(), testSource, marker); err != nil {
		t.Fatal(err)
	}
	waitCaughtUp(t, pool, "case_stats", "license_stats", "lawsuit_stats")
	time.Sleep(200 * time.Millisecond) // a late double application would show now
	compareSnapshots(t, "after redelivery", snapshot(t, pool), reference(t, first, marker))
}

// crashAfterWrite wraps a read model: while failing is set, its Apply
// writes and then fails, as a process dying between its writes and the
// checkpoint would.
type crashAfterWrite struct {
	*projections.Projection
	failing  atomic.Bool
	attempts atomic.Int64
}

func (c *crashAfterWrite) Apply(ctx context.Context, tx pgx.Tx, evs []events.Recorded) error {
	c.attempts.Add(1)
	if err := c.Projection.Apply(ctx, tx, evs); err != nil {
		return err
	}
	if c.failing.Load() {
		return errors.New("crash after write, before checkpoint")
	}
	return nil
}

// TestCrashBetweenApplyAndCheckpoint: a batch whose Apply wrote and then
// failed leaves nothing behind, and the retry applies it once.
func TestCrashBetweenApplyAndCheckpoint(t *testing.T) {
	pool := pgtest.NewPool(t)
	c, _, _ := readModels(t)
	crashing := &crashAfterWrite{Projection: c}
	crashing.failing.Store(true)
	b := startBus(t, pool, crashing)
	store := &postgres.EventStore{Pool: pool, Outbox: b}
	batch := randomEvents(t, rand.New(rand.NewPCG(3, 4)), "c", 200)
	if _, err := store.Append(context.Background(), testSource, batch); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(20 * time.Second)
	for crashing.attempts.Load() < 2 {
		if time.Now().After(deadline) {
			t.Fatal("the consumer was not tried twice in 20s")
		}
		time.Sleep(10 * time.Millisecond)
	}
	// Both failed attempts wrote rows; none may remain.
	var rows, checkpoints int
	if err := pool.QueryRow(context.Background(), `SELECT (SELECT count(*) FROM case_stats),
		(SELECT count(*) FROM consumer_batches WHERE consumer = 'case_stats')`).Scan(&rows, &checkpoints); err != nil {
		t.Fatal(err)
	}
	if rows != 0 || checkpoints != 0 {
		t.Fatalf("after failed applies: %d rows and %d checkpoints remain, want none", rows, checkpoints)
	}
	crashing.failing.Store(false)
	waitCaughtUp(t, pool, "case_stats")
	want := reference(t, batch)
	if got := tableRows(t, pool, "case_stats"); !slices.Equal(got, want["case_stats"]) {
		t.Errorf("case_stats after retry differs from one application:\n%s", sliceDiff(got, want["case_stats"]))
	}
	if err := pool.QueryRow(context.Background(), `SELECT count(*) FROM consumer_batches WHERE consumer = 'case_stats'`).Scan(&checkpoints); err != nil {
		t.Fatal(err)
	}
	if checkpoints != 1 {
		t.Errorf("%d checkpoints, want 1", checkpoints)
	}
}

// TestIngestTallyExactlyOnceUnderRedelivery: the tally counts a batch the
// bus delivers twice once, per source and type and per department.
func TestIngestTallyExactlyOnceUnderRedelivery(t *testing.T) {
	ctx := context.Background()
	pool := pgtest.NewPool(t)
	b := startBus(t, pool, projections.IngestTally{})
	store := &postgres.EventStore{Pool: pool, Outbox: b}
	rng := rand.New(rand.NewPCG(3, 4))
	first, marker := randomEvents(t, rng, "a", 300), randomEvents(t, rng, "b", 50)
	res, err := store.Append(ctx, testSource, first)
	if err != nil {
		t.Fatal(err)
	}
	waitCaughtUp(t, pool, "ingest_tally")
	bustest.Restage(t, pool, b, res.Batch)
	if _, err := store.Append(ctx, testSource, marker); err != nil {
		t.Fatal(err)
	}
	waitCaughtUp(t, pool, "ingest_tally")
	time.Sleep(200 * time.Millisecond) // a late double count would show now

	want := map[string]int64{}
	for _, e := range append(first, marker...) {
		want[e.Envelope.Type]++
	}
	rows, err := read.Tally(ctx, pool, read.TallyFilter{})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]int64{}
	for _, r := range rows {
		if r.Source != testSource {
			t.Errorf("tally row for source %q", r.Source)
		}
		got[r.Type] += r.Events
	}
	for typ, n := range want {
		if got[typ] != n {
			t.Errorf("tally for %s = %d, want %d", typ, got[typ], n)
		}
	}
	var perDept int64
	if err := pool.QueryRow(ctx, `SELECT sum(events) FROM ingest_department_last`).Scan(&perDept); err != nil {
		t.Fatal(err)
	}
	if perDept != 350 {
		t.Errorf("events by department = %d, want 350", perDept)
	}
}
