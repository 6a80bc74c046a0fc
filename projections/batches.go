package projections

import (
	"context"
	"slices"

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

// batchesNotIn returns the batches consumer has applied that known lacks
// (the ledger's reads are in postgres/eventstore_ledger.go).
func batchesNotIn(ctx context.Context, q postgres.Querier, consumer string, known appliedSet) ([]events.Batch, error) {
	bs, err := postgres.AppliedBatchesOutside(ctx, q, consumer, known.intervals())
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
