package read

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// TallyRow is one line of the tally.
type TallyRow struct {
	Day    string `json:"day"`
	Source string `json:"source"`
	Type   string `json:"type"`
	Events int64  `json:"events"`
}

// TallyFilter narrows ReadTally; empty fields match everything.
type TallyFilter struct {
	From, To string // YYYY-MM-DD, inclusive
	Source   string
	Type     string
}

// Tally returns the tally's rows, ordered by day, source and type.
func Tally(ctx context.Context, pool *pgxpool.Pool, f TallyFilter) ([]TallyRow, error) {
	rows, err := pool.Query(ctx, `SELECT day::text, source, type, events FROM ingest_tally
		WHERE ($1 = '' OR day >= NULLIF($1, '')::date) AND ($2 = '' OR day <= NULLIF($2, '')::date)
		  AND ($3 = '' OR source = $3) AND ($4 = '' OR type = $4)
		ORDER BY day, source, type`, f.From, f.To, f.Source, f.Type)
	if err != nil {
		return nil, fmt.Errorf("read ingest tally: %w", err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowToStructByPos[TallyRow])
	if err != nil {
		return nil, fmt.Errorf("read ingest tally: %w", err)
	}
	return out, nil
}
