package projections_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/govpulse/govpulse/events"
	"github.com/govpulse/govpulse/internal/pgtest"
	"github.com/govpulse/govpulse/postgres"
	"github.com/govpulse/govpulse/projections"
)

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
	cal := testCalendar(b)
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
