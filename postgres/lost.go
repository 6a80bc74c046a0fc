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
// It is the pool's tracer: it sees the end of every query, batch, COPY and
// prepare, and does nothing unless one failed on a connection now closed,
// for a reason IsUnavailable names.
type lostConnections struct {
	pool   atomic.Pointer[pgxpool.Pool]
	resets atomic.Int64
}

// seen resets the pool when err lost conn's connection.
func (l *lostConnections) seen(conn *pgx.Conn, err error) {
	if err == nil || !conn.IsClosed() || !IsUnavailable(err) {
		return
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) && pe.Code == "53300" { // too many connections: the others are fine
		return
	}
	if p := l.pool.Load(); p != nil {
		l.resets.Add(1)
		p.Reset()
	}
}

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

func (l *lostConnections) TraceCopyFromStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceCopyFromStartData) context.Context {
	return ctx
}

func (l *lostConnections) TraceCopyFromEnd(_ context.Context, conn *pgx.Conn, d pgx.TraceCopyFromEndData) {
	l.seen(conn, d.Err)
}

func (l *lostConnections) TracePrepareStart(ctx context.Context, _ *pgx.Conn, _ pgx.TracePrepareStartData) context.Context {
	return ctx
}

func (l *lostConnections) TracePrepareEnd(_ context.Context, conn *pgx.Conn, d pgx.TracePrepareEndData) {
	l.seen(conn, d.Err)
}
