package projections_test

import (
	"context"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/govpulse/govpulse/internal/pgtest"
	"github.com/govpulse/govpulse/postgres"
	"github.com/govpulse/govpulse/projections"
	"github.com/govpulse/govpulse/projections/read"
)

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
	if err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		var q pgx.Batch
		if err := b.Stage(ctx, &q, res.Batch); err != nil {
			return err
		}
		return tx.SendBatch(ctx, &q).Close()
	}); err != nil {
		t.Fatal(err)
	}
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
