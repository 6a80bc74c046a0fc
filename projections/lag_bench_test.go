package projections_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/govpulse/govpulse/bus"
	"github.com/govpulse/govpulse/internal/pgtest"
	"github.com/govpulse/govpulse/postgres"
)

// BenchmarkProjectionLag appends 5,000 events/s (250-event batches every
// 50 ms) through the Postgres bus with the three read models consuming for
// 15 s, and reports the lag of each applied batch: when its read-model
// transaction started minus when its events were recorded (p50, p99, max
// over all batches and read models).
//
//	go test -run x -bench ProjectionLag -benchtime 1x ./projections/
func BenchmarkProjectionLag(b *testing.B) {
	const (
		batch    = 250
		interval = 50 * time.Millisecond
		duration = 15 * time.Second
	)
	for b.Loop() {
		pool := pgtest.NewPool(b)
		c, l, s := readModels(b)
		ctx, cancel := context.WithCancel(context.Background())
		bs, err := bus.New(ctx, bus.Config{Kind: bus.KindPostgres}, &postgres.EventStore{Pool: pool}, quietLogger(), prometheus.NewRegistry())
		if err != nil {
			b.Fatal(err)
		}
		for _, p := range []bus.Consumer{c, l, s} {
			if err := bs.AddConsumer(p); err != nil {
				b.Fatal(err)
			}
		}
		done := make(chan error, 1)
		go func() { done <- bs.Run(ctx) }()
		<-bs.Running()
		store := &postgres.EventStore{Pool: pool, Outbox: bs}
		rng := rand.New(rand.NewPCG(21, 22))
		n := int(duration / interval)
		batches := make([][]postgres.NewEvent, n)
		for i := range batches {
			batches[i] = randomEvents(b, rng, fmt.Sprint("lag", i), batch)
		}
		tick := time.NewTicker(interval)
		for i := range batches {
			<-tick.C
			if _, err := store.Append(ctx, testSource, batches[i]); err != nil {
				b.Fatal(err)
			}
		}
		tick.Stop()
		deadline := time.Now().Add(60 * time.Second)
		for {
			var applied int
			if err := pool.QueryRow(ctx, `SELECT count(*) FROM consumer_batches`).Scan(&applied); err != nil {
				b.Fatal(err)
			}
			if applied == 3*n {
				break
			}
			if time.Now().After(deadline) {
				b.Fatalf("%d of %d batches applied after 60s", applied, 3*n)
			}
			time.Sleep(50 * time.Millisecond)
		}
		var p50, p99, worst float64
		if err := pool.QueryRow(ctx, `SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY lag),
				percentile_cont(0.99) WITHIN GROUP (ORDER BY lag), max(lag)
			FROM (SELECT extract(epoch FROM cb.applied_at - e.recorded_at)::float8 AS lag
				FROM consumer_batches cb JOIN events e ON e.seq = cb.first_seq) AS l`).Scan(&p50, &p99, &worst); err != nil {
			b.Fatal(err)
		}
		_ = bs.Close()
		cancel()
		<-done
		b.ReportMetric(p50, "p50_lag_s")
		b.ReportMetric(p99, "p99_lag_s")
		b.ReportMetric(worst, "max_lag_s")
		b.ReportMetric(float64(n*batch)/duration.Seconds(), "events/s")
	}
}
