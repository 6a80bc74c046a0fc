package postgres_test

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/govpulse/govpulse/internal/pgtest"
	"github.com/govpulse/govpulse/postgres"
)

// TestPoolStartsAfreshWhenTheServerEndsItsConnections: when the server
// ends every connection of the pool (as a restart does), at most the one
// request that meets a dead connection fails; the idle ones it ended are
// not handed to the requests after it.
func TestPoolStartsAfreshWhenTheServerEndsItsConnections(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	url := pgtest.NewDatabase(t)
	pool, err := postgres.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	const idle = 4
	conns := make([]*pgxpool.Conn, idle)
	for i := range conns {
		if conns[i], err = pool.Acquire(ctx); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range conns {
		c.Release()
	}
	if n := pool.Stat().IdleConns(); n != idle {
		t.Fatalf("%d idle connections, want %d", n, idle)
	}

	admin := pgtest.Connect(t, pgtest.ServerURL())
	db := pool.Config().ConnConfig.Database
	if _, err := admin.Exec(ctx, `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1`, db); err != nil {
		t.Fatal(err)
	}
	for {
		var left int
		if err := admin.QueryRow(ctx, `SELECT count(*) FROM pg_stat_activity WHERE datname = $1`, db).Scan(&left); err != nil {
			t.Fatal(err)
		}
		if left == 0 {
			break
		}
		if ctx.Err() != nil {
			t.Fatalf("%d backends of %s still there after pg_terminate_backend", left, db)
		}
		time.Sleep(5 * time.Millisecond)
	}

	// The first request may meet a dead connection (unless the pool pinged
	// it first, having found it idle for over a second); it must be
	// "unavailable", so the client is told to retry.
	var one int
	if err := pool.QueryRow(ctx, `SELECT 1`).Scan(&one); err != nil {
		if !postgres.IsUnavailable(err) {
			t.Fatalf("first request after the server ended the connections: %v, want an unavailable error", err)
		}
		t.Logf("first request: %v", err)
	}
	for i := range idle {
		if err := pool.QueryRow(ctx, `SELECT 1`).Scan(&one); err != nil {
			t.Fatalf("request %d after the first: %v (a dead idle connection was handed out again)", i+1, err)
		}
	}
}
