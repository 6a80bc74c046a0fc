package projections

import (
	"context"
	"fmt"
	"slices"

	"github.com/jackc/pgx/v5"

	"github.com/govpulse/govpulse/events"
	"github.com/govpulse/govpulse/postgres"
)

// appliedSet is a set of batches a consumer has applied, by first seq.
type appliedSet map[int64]int64

func (s appliedSet) addAll(bs []events.Batch) {
	for _, b := range bs {
		s[b.First] = b.Last
	}
}

// intervals returns the seq ranges the set covers, sorted and merged.
func (s appliedSet) intervals() []events.Batch {
	return mergeRanges(s.batches())
}

func (s appliedSet) batches() []events.Batch {
	out := make([]events.Batch, 0, len(s))
	for f, l := range s {
		out = append(out, events.Batch{First: f, Last: l})
	}
	slices.SortFunc(out, func(a, b events.Batch) int { return int(a.First - b.First) })
	return out
}

// mergeRanges sorts seq ranges and merges adjacent and overlapping ones.
func mergeRanges(bs []events.Batch) []events.Batch {
	bs = slices.Clone(bs)
	slices.SortFunc(bs, func(a, b events.Batch) int { return int(a.First - b.First) })
	var out []events.Batch
	for _, b := range bs {
		if n := len(out); n > 0 && b.First <= out[n-1].Last+1 {
			out[n-1].Last = max(out[n-1].Last, b.Last)
			continue
		}
		out = append(out, events.Batch{First: b.First, Last: b.Last})
	}
	return out
}

// rangeEvents is the number of log positions the ranges cover.
func rangeEvents(bs []events.Batch) int64 {
	var n int64
	for _, b := range bs {
		n += b.Last - b.First + 1
	}
	return n
}

// appliedBatches returns every batch consumer has applied, in seq order.
func appliedBatches(ctx context.Context, q postgres.Querier, consumer string) ([]events.Batch, error) {
	rows, err := q.Query(ctx, `SELECT first_seq, last_seq FROM consumer_batches WHERE consumer = $1 ORDER BY first_seq`, consumer)
	if err != nil {
		return nil, fmt.Errorf("read applied batches of %s: %w", consumer, err)
	}
	return collectBatches(rows, consumer)
}

// batchesNotIn returns the batches consumer has applied that known lacks.
// Batches are applied roughly in log order, so it asks only for batches
// past known's last seq or inside its holes, which the primary key finds
// without reading every batch again.
func batchesNotIn(ctx context.Context, q postgres.Querier, consumer string, known appliedSet) ([]events.Batch, error) {
	cover := known.intervals()
	var after int64
	var holeLo, holeHi []int64
	for _, c := range cover {
		if c.First > after+1 {
			holeLo, holeHi = append(holeLo, after+1), append(holeHi, c.First-1)
		}
		after = c.Last
	}
	rows, err := q.Query(ctx, `SELECT first_seq, last_seq FROM consumer_batches WHERE consumer = $1 AND first_seq > $2
		UNION ALL
		SELECT b.first_seq, b.last_seq FROM unnest($3::bigint[], $4::bigint[]) AS h(lo, hi)
		JOIN consumer_batches b ON b.consumer = $1 AND b.first_seq BETWEEN h.lo AND h.hi
		ORDER BY 1`, consumer, after, holeLo, holeHi)
	if err != nil {
		return nil, fmt.Errorf("read new batches of %s: %w", consumer, err)
	}
	bs, err := collectBatches(rows, consumer)
	if err != nil {
		return nil, err
	}
	out := bs[:0]
	for _, b := range bs {
		if _, dup := known[b.First]; !dup {
			out = append(out, b)
		}
	}
	return out, nil
}

func collectBatches(rows pgx.Rows, consumer string) ([]events.Batch, error) {
	bs, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (events.Batch, error) {
		var b events.Batch
		err := r.Scan(&b.First, &b.Last)
		return b, err
	})
	if err != nil {
		return nil, fmt.Errorf("read applied batches of %s: %w", consumer, err)
	}
	return bs, nil
}
