package bustest

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/govpulse/govpulse/bus"
	"github.com/govpulse/govpulse/events"
	"github.com/govpulse/govpulse/postgres"
	"github.com/govpulse/govpulse/projections/collector"
)

// Instance is a running bus and the registry its metrics are on.
type Instance struct {
	*bus.Bus
	Registry *prometheus.Registry
}

// Start builds a bus on pool with the consumers, runs it, and stops it when
// the test ends.
func Start(t testing.TB, pool *pgxpool.Pool, cfg bus.Config, cs ...bus.Consumer) *bus.Bus {
	t.Helper()
	return StartInstance(t, pool, cfg, cs...).Bus
}

// StartInstance is Start that also returns the bus's registry, for tests
// that count deliveries (Deliveries).
func StartInstance(t testing.TB, pool *pgxpool.Pool, cfg bus.Config, cs ...bus.Consumer) Instance {
	t.Helper()
	return StartOn(t, &postgres.EventStore{Pool: pool}, cfg, cs...)
}

// StartOn is StartInstance on the event store store, whose batches the
// consumers apply through it: a store that keeps its batches in memory
// (postgres.RecentBatches) hands them over as serve's does.
func StartOn(t testing.TB, store *postgres.EventStore, cfg bus.Config, cs ...bus.Consumer) Instance {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	reg := prometheus.NewRegistry()
	b, err := bus.New(ctx, cfg, store, slog.New(slog.NewTextHandler(io.Discard, nil)), reg)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	// The poison queue's gauges, exported as serve exports them.
	reg.MustRegister(&collector.Exporter{Entries: []collector.Entry{{Name: "poison_queue", Collector: b.Poison}}})
	for _, c := range cs {
		if err := b.AddConsumer(c); err != nil {
			cancel()
			t.Fatal(err)
		}
	}
	done := make(chan error, 1)
	go func() { done <- b.Run(ctx) }()
	select {
	case <-b.Running():
	case err := <-done:
		cancel()
		t.Fatalf("bus stopped: %v", err)
	case <-time.After(20 * time.Second):
		cancel()
		t.Fatal("bus not running after 20s")
	}
	t.Cleanup(func() {
		_ = b.Close()
		cancel()
		<-done
	})
	return Instance{Bus: b, Registry: reg}
}

// Deliveries returns how many batches the instance handed to consumer, by
// outcome (bus.OutcomeApplied, OutcomeSkipped, OutcomeFailed), from its
// govpulse_bus_batch_deliveries_total counter.
func (in Instance) Deliveries(t testing.TB, consumer string) map[string]int {
	t.Helper()
	mfs, err := in.Registry.Gather()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]int{}
	for _, mf := range mfs {
		if mf.GetName() != "govpulse_bus_batch_deliveries_total" {
			continue
		}
		for _, m := range mf.GetMetric() {
			labels := map[string]string{}
			for _, l := range m.GetLabel() {
				labels[l.GetName()] = l.GetValue()
			}
			if labels["consumer"] == consumer {
				out[labels["outcome"]] += int(m.GetCounter().GetValue())
			}
		}
	}
	return out
}

// Restage stages batch on b again, in a transaction of its own, as the
// forwarder does when it dies between publishing a batch and
// acknowledging its outbox row: the bus then carries the batch twice.
func Restage(t testing.TB, pool *pgxpool.Pool, b *bus.Bus, batch events.Batch) {
	t.Helper()
	err := pgx.BeginFunc(context.Background(), pool, func(tx pgx.Tx) error {
		var q pgx.Batch
		if err := b.Stage(context.Background(), &q, batch); err != nil {
			return err
		}
		return tx.SendBatch(context.Background(), &q).Close()
	})
	if err != nil {
		t.Fatal(err)
	}
}

// AppliedWhileRetried counts the batches consumer applied while the one
// batch in the poison queue was being retried: after its first failed try
// and before it was given up on. A failed batch must not hold up the
// batches behind it.
func AppliedWhileRetried(t testing.TB, pool *pgxpool.Pool, consumer string) int {
	t.Helper()
	var n int
	if err := pool.QueryRow(context.Background(), `SELECT count(*) FROM consumer_batches b, poison_messages p
		WHERE b.consumer = $1 AND b.applied_at > p.created_at AND b.applied_at < p.poisoned_at`, consumer).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// Total is the number of deliveries of all outcomes.
func Total(d map[string]int) int {
	n := 0
	for _, v := range d {
		n += v
	}
	return n
}
