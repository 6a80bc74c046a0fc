package postgres

import (
	"context"
	"errors"
	"sync/atomic"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

// lostConnections resets the pool when one of its connections is lost to
// the server going away: a restart or a terminated backend ends every
// connection of the pool at once, but the pool finds each idle one dead
// only when a request uses it (or, idle for over a second, pings it), so
// one lost connection would otherwise leave its idle siblings to fail one
// request each. After a reset the next request dials afresh, and gets
// "unavailable" only while the server is really down.
//
// It is the pool's tracer: it sees the end of every query and batch, and
// does nothing unless one failed on a connection now closed, for a reason
// IsUnavailable names other than a timeout or a cancellation.
type lostConnections struct {
	pool atomic.Pointer[pgxpool.Pool]
}

// seen resets the pool when err lost conn's connection to the server: a
// connection ended for an error of its own (a query's deadline or
// cancellation, which close it too) says nothing of the others.
func (l *lostConnections) seen(conn *pgx.Conn, err error) {
	if err == nil || !conn.IsClosed() || !IsUnavailable(err) || pgconn.Timeout(err) ||
		errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) && pe.Code == "53300" { // too many connections: the others are fine
		return
	}
	if p := l.pool.Load(); p != nil {
		p.Reset()
	}
}

// Every use of a pooled connection starts with a query (a transaction
// with its BEGIN) or a batch, so these two see the first failure on a
// connection the server ended; a COPY or a prepare only ever follows one.

func (l *lostConnections) TraceQueryStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceQueryStartData) context.Context {
	return ctx
}

func (l *lostConnections) TraceQueryEnd(_ context.Context, conn *pgx.Conn, d pgx.TraceQueryEndData) {
	l.seen(conn, d.Err)
}

func (l *lostConnections) TraceBatchStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceBatchStartData) context.Context {
	return ctx
}

func (l *lostConnections) TraceBatchQuery(context.Context, *pgx.Conn, pgx.TraceBatchQueryData) {}

func (l *lostConnections) TraceBatchEnd(_ context.Context, conn *pgx.Conn, d pgx.TraceBatchEndData) {
	l.seen(conn, d.Err)
}
