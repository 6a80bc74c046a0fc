package benchmark

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// CopyCeiling COPYs the same rows ingest would store into a scratch table
// shaped like events (no triggers, no outbox, no HTTP), batch rows per
// transaction: the ceiling for storing events on this machine.
func CopyCeiling(ctx context.Context, pool *pgxpool.Pool, evs []json.RawMessage, batch int) (Result, error) {
	if _, err := pool.Exec(ctx, `DROP TABLE IF EXISTS bench_copy_events;
		CREATE TABLE bench_copy_events (LIKE events INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING INDEXES)`); err != nil {
		return Result{}, fmt.Errorf("copy ceiling: %w", err)
	}
	defer pool.Exec(context.WithoutCancel(ctx), `DROP TABLE IF EXISTS bench_copy_events`) //nolint:errcheck
	rows := make([][]any, len(evs))
	now := time.Now()
	for i, e := range evs {
		rows[i] = []any{int64(i + 1), "bench", fmt.Sprintf("copy-%d", i), "govpulse.case.finished.v1", "qd-xzsp", now, string(e)}
	}
	start := time.Now()
	for i := 0; i < len(rows); i += batch {
		end := min(i+batch, len(rows))
		err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
			_, err := tx.CopyFrom(ctx, pgx.Identifier{"bench_copy_events"},
				[]string{"seq", "source", "id", "type", "department", "occurred_at", "envelope"}, pgx.CopyFromRows(rows[i:end]))
			return err
		})
		if err != nil {
			return Result{}, fmt.Errorf("copy ceiling: %w", err)
		}
	}
	return Result{Name: "copy ceiling", Events: len(rows), Elapsed: time.Since(start)}, nil
}
