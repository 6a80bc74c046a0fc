package projections

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/govpulse/govpulse/postgres"
)

// Lag is how far a consumer is behind the head of the log.
//
// It is measured from the batch reaching furthest into the log: LagEvents
// is the head's seq minus that batch's last seq, and LagSeconds the age of
// the first event after it (0 when caught up). A batch still missing below
// it (one in the poison queue, say) does not count as lag: the poison queue
// has its own gauge.
type Lag struct {
	Name           string     `json:"name"`
	LastAppliedSeq int64      `json:"last_applied_seq"`
	LastAppliedAt  *time.Time `json:"last_applied_at"` // when that batch was applied; null before the first
	HeadSeq        int64      `json:"head_seq"`
	LagEvents      int64      `json:"lag_events"`
	LagSeconds     float64    `json:"lag_seconds"`
}

// ReadLag returns the lag of each named consumer, in the order given. It
// costs a few index lookups per consumer, cheap enough for every scrape.
func ReadLag(ctx context.Context, q postgres.Querier, names []string) ([]Lag, error) {
	rows, err := q.Query(ctx, `SELECT c.name, coalesce(b.last_seq, 0), b.applied_at, h.seq,
			coalesce(extract(epoch FROM clock_timestamp() - e.recorded_at)::float8, 0)
		FROM unnest($1::text[]) WITH ORDINALITY AS c(name, i)
		CROSS JOIN (SELECT coalesce(max(seq), 0) AS seq FROM events) AS h
		LEFT JOIN LATERAL (SELECT last_seq, applied_at FROM consumer_batches
			WHERE consumer = c.name ORDER BY last_seq DESC LIMIT 1) AS b ON true
		LEFT JOIN events e ON e.seq = coalesce(b.last_seq, 0) + 1
		ORDER BY c.i`, names)
	if err != nil {
		return nil, fmt.Errorf("read projection lag: %w", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (Lag, error) {
		var l Lag
		err := r.Scan(&l.Name, &l.LastAppliedSeq, &l.LastAppliedAt, &l.HeadSeq, &l.LagSeconds)
		l.LagEvents = max(0, l.HeadSeq-l.LastAppliedSeq)
		l.LagSeconds = max(0, l.LagSeconds)
		return l, err
	})
	if err != nil {
		return nil, fmt.Errorf("read projection lag: %w", err)
	}
	return out, nil
}

// Status is a consumer's lag plus how many batches it has applied, for
// GET /v1/projections.
type Status struct {
	Lag
	AppliedBatches int64 `json:"applied_batches"`
	// Rebuildable says whether Rebuild can replay it (the read models).
	Rebuildable bool `json:"rebuildable"`
}

// ReadStatus returns the status of each named consumer. Counting applied
// batches reads each consumer's batch list, so it is for an operator's
// request, not for every scrape.
func ReadStatus(ctx context.Context, q postgres.Querier, names []string, rebuildable func(string) bool) ([]Status, error) {
	lags, err := ReadLag(ctx, q, names)
	if err != nil {
		return nil, err
	}
	rows, err := q.Query(ctx, `SELECT c.name, (SELECT count(*) FROM consumer_batches WHERE consumer = c.name)
		FROM unnest($1::text[]) AS c(name)`, names)
	if err != nil {
		return nil, fmt.Errorf("count applied batches: %w", err)
	}
	counts := map[string]int64{}
	var name string
	var n int64
	if _, err := pgx.ForEachRow(rows, []any{&name, &n}, func() error { counts[name] = n; return nil }); err != nil {
		return nil, fmt.Errorf("count applied batches: %w", err)
	}
	out := make([]Status, len(lags))
	for i, l := range lags {
		out[i] = Status{Lag: l, AppliedBatches: counts[l.Name], Rebuildable: rebuildable != nil && rebuildable(l.Name)}
	}
	return out, nil
}
