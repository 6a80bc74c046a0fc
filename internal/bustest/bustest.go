// Package bustest runs a real govpulse bus for tests.
package bustest

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/govpulse/govpulse/bus"
)

// Start builds a bus on pool with the consumers, runs it, and stops it when
// the test ends.
func Start(t testing.TB, pool *pgxpool.Pool, cfg bus.Config, cs ...bus.Consumer) *bus.Bus {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	b, err := bus.New(ctx, cfg, pool, slog.New(slog.NewTextHandler(io.Discard, nil)), prometheus.NewRegistry())
	if err != nil {
		cancel()
		t.Fatal(err)
	}
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
	return b
}
