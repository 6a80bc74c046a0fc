package projections_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/govpulse/govpulse/internal/pgtest"
	"github.com/govpulse/govpulse/postgres"
	"github.com/govpulse/govpulse/projections"
)

// benchEvents is the size of the benchmark's log.
const benchEvents = 200_000

// benchLog fills a fresh database with benchEvents valid events (70% cases,
// 20% licences, 10% hearings) appended in batches of 1,000, each batch
// recorded as applied by every read model, as the live consumers would
// have.
func benchLog(b *testing.B) *pgxpool.Pool {
	b.Helper()
	pool := pgtest.NewPool(b)
	ctx := context.Background()
	store := &postgres.EventStore{Pool: pool}
	rng := rand.New(rand.NewPCG(11, 12))
	for i := 0; i < benchEvents; i += 1000 {
		res, err := store.Append(ctx, testSource, randomEvents(b, rng, fmt.Sprint("b", i), 1000))
		if err != nil {
			b.Fatal(err)
		}
		for _, name := range readModelTables {
			if _, err := pool.Exec(ctx, `INSERT INTO consumer_batches (consumer, first_seq, last_seq) VALUES ($1, $2, $3)`,
				name, res.Batch.First, res.Batch.Last); err != nil {
				b.Fatal(err)
			}
		}
	}
	if _, err := pool.Exec(ctx, `VACUUM ANALYZE events`); err != nil {
		b.Fatal(err)
	}
	return pool
}

// BenchmarkRebuild measures rebuilding the read models from a log of
// 200,000 events, beside the raw sequential read of the same log (the
// ceiling) in the same run:
//
//	go test -run x -bench Rebuild -count 5 ./projections/
//
// events/s is log events per second for raw_read, one_by_one (every read
// model, one Rebuild after the other) and all (RebuildAll: every read
// model with one pass over the log), and the events a model folded per
// second for a single model.
func BenchmarkRebuild(b *testing.B) {
	pool := benchLog(b)
	ctx := context.Background()
	c, l, s := readModels(b)

	b.Run("raw_read", func(b *testing.B) {
		for b.Loop() {
			var after int64
			n := 0
			for {
				rows, err := pool.Query(ctx, `SELECT seq, envelope FROM events WHERE seq > $1 ORDER BY seq LIMIT 50000`, after)
				if err != nil {
					b.Fatal(err)
				}
				got := 0
				for rows.Next() {
					var env []byte
					if err := rows.Scan(&after, &env); err != nil {
						b.Fatal(err)
					}
					got++
				}
				if err := rows.Err(); err != nil {
					b.Fatal(err)
				}
				n += got
				if got == 0 {
					break
				}
			}
			if n != benchEvents {
				b.Fatalf("read %d events, want %d", n, benchEvents)
			}
		}
		b.ReportMetric(float64(benchEvents*b.N)/b.Elapsed().Seconds(), "events/s")
	})
	for _, p := range []*projections.Projection{c, l, s} {
		b.Run(p.Name(), func(b *testing.B) {
			var folded int64
			for b.Loop() {
				rep, err := p.Rebuild(ctx, pool, projections.RebuildOptions{})
				if err != nil {
					b.Fatal(err)
				}
				folded += rep.Events
			}
			b.ReportMetric(float64(folded)/b.Elapsed().Seconds(), "events/s")
		})
	}
	b.Run("one_by_one", func(b *testing.B) {
		for b.Loop() {
			for _, p := range []*projections.Projection{c, l, s} {
				if _, err := p.Rebuild(ctx, pool, projections.RebuildOptions{}); err != nil {
					b.Fatal(err)
				}
			}
		}
		b.ReportMetric(float64(benchEvents*b.N)/b.Elapsed().Seconds(), "events/s")
	})
	b.Run("all", func(b *testing.B) {
		for b.Loop() {
			if _, err := projections.RebuildAll(ctx, pool, []*projections.Projection{c, l, s}, projections.RebuildOptions{}); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(benchEvents*b.N)/b.Elapsed().Seconds(), "events/s")
	})
}
