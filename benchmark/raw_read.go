package benchmark

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
)

// RawRead reads the whole log in seq order, chunk events at a time, the
// envelopes as bytes and nothing decoded: the ceiling of any replay of
// the log on this machine.
func RawRead(ctx context.Context, pool *pgxpool.Pool, chunk int) (Result, error) {
	start := time.Now()
	var after int64
	n := 0
	for {
		rows, err := pool.Query(ctx, `SELECT seq, envelope::text FROM events WHERE seq > $1 ORDER BY seq LIMIT $2`, after, chunk)
		if err != nil {
			return Result{}, fmt.Errorf("raw read: %w", err)
		}
		got := 0
		for rows.Next() {
			var env []byte
			if err := rows.Scan(&after, &env); err != nil {
				rows.Close()
				return Result{}, fmt.Errorf("raw read: %w", err)
			}
			got++
		}
		if err := rows.Err(); err != nil {
			return Result{}, fmt.Errorf("raw read: %w", err)
		}
		n += got
		if got < chunk {
			break
		}
	}
	return Result{Name: "raw read of the log", Events: n, Elapsed: time.Since(start), Start: start}, nil
}
