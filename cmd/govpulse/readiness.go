package main

import (
	"context"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/govpulse/govpulse/bus"
	"github.com/govpulse/govpulse/postgres"
)

// readiness is what /readyz checks: the database answers and has every
// migration, and the bus is connected and running.
type readiness struct {
	pool *pgxpool.Pool
	bus  *bus.Bus
}

// Ready implements httpapi.Readiness.
func (r readiness) Ready(ctx context.Context) (map[string]string, bool) {
	checks := map[string]string{}
	ok := true
	fail := func(name, why string) { checks[name] = why; ok = false }
	if err := r.pool.Ping(ctx); err != nil {
		fail("database", "unreachable: "+err.Error())
	} else {
		checks["database"] = "ok"
		if n, err := postgres.Pending(ctx, r.pool); err != nil {
			fail("migrations", err.Error())
		} else if n > 0 {
			fail("migrations", "pending: run govpulse migrate")
		} else {
			checks["migrations"] = "ok"
		}
	}
	switch err := r.bus.Connected(); {
	case err != nil:
		fail("bus", err.Error())
	case !r.bus.IsRunning():
		fail("bus", "router not running")
	default:
		checks["bus"] = "ok (" + r.bus.Kind() + ")"
	}
	return checks, ok
}
