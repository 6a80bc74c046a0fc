package postgres_test

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/govpulse/govpulse/internal/pgtest"
	"github.com/govpulse/govpulse/postgres"
)

// idle is how many idle connections the pools of these tests start with.
const idle = 4

// poolWithIdle opens a pool on a fresh database with n idle connections.
func poolWithIdle(t *testing.T, ctx context.Context, n int) *pgxpool.Pool {
	t.Helper()
	pool, err := postgres.Open(ctx, pgtest.NewDatabase(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	conns := make([]*pgxpool.Conn, n)
	for i := range conns {
		if conns[i], err = pool.Acquire(ctx); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range conns {
		c.Release()
	}
	if got := pool.Stat().IdleConns(); got != int32(n) {
		t.Fatalf("%d idle connections, want %d", got, n)
	}
	return pool
}

// TestPoolStartsAfreshWhenTheServerEndsItsConnections: when the server
// ends every connection of the pool (as a restart does), at most the one
// request that meets a dead connection fails; the idle ones it ended are
// not handed to the requests after it.
func TestPoolStartsAfreshWhenTheServerEndsItsConnections(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	pool := poolWithIdle(t, ctx, idle)

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

// TestPoolKeepsItsConnectionsWhenAQueryTimesOut: a query that runs past
// its deadline ends its own connection only; the pool keeps the others.
func TestPoolKeepsItsConnectionsWhenAQueryTimesOut(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	pool := poolWithIdle(t, ctx, idle)
	short, stop := context.WithTimeout(ctx, 100*time.Millisecond)
	defer stop()
	if _, err := pool.Exec(short, `SELECT pg_sleep(5)`); err == nil {
		t.Fatal("pg_sleep(5) within 100 ms succeeded")
	}
	if n := pool.Stat().IdleConns(); n < idle-1 {
		t.Fatalf("%d idle connections after one query timed out, want at least %d: the pool was reset", n, idle-1)
	}
}
