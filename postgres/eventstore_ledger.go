package postgres

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/govpulse/govpulse/events"
)

// The consumer ledger, consumer_batches, records which batches of the log
// each consumer has applied. A consumer's writes and the record of its
// batch commit in one transaction (ApplyOnce), which is what makes a
// redelivered, replayed or re-forwarded batch take effect exactly once.
// Everything that reads or writes the ledger is in this file.

// ApplyFunc applies one batch's events, in log order, inside tx. It must
// not commit or roll back tx.
type ApplyFunc func(ctx context.Context, tx pgx.Tx, evs []events.Recorded) error

// ApplyOnce applies batch to consumer unless the ledger says it was applied
// before: in one transaction it records the batch, reads its events and
// calls apply, so that the writes and the record commit together or not
// at all. It reports whether apply ran (false for a batch applied before).
// The bus delivers every batch through it; tests that apply batches by
// hand call it too, so they apply exactly as the bus does.
func (s *EventStore) ApplyOnce(ctx context.Context, consumer string, batch events.Batch, apply ApplyFunc) (bool, error) {
	return s.ApplyOnceOf(ctx, consumer, batch, nil, apply)
}

// ApplyOnceOf is ApplyOnce for a consumer that reads the envelopes of
// envelopeTypes only (ReadBatchOf); nil reads every envelope.
func (s *EventStore) ApplyOnceOf(ctx context.Context, consumer string, batch events.Batch, envelopeTypes []string, apply ApplyFunc) (bool, error) {
	applied := false
	err := pgx.BeginFunc(ctx, s.Pool, func(tx pgx.Tx) error {
		fresh, err := RecordApplied(ctx, tx, consumer, batch)
		if err != nil || !fresh {
			return err
		}
		var evs []events.Recorded
		if envelopeTypes == nil {
			evs, err = s.ReadBatch(ctx, tx, batch)
		} else {
			evs, err = s.ReadBatchOf(ctx, tx, batch, envelopeTypes)
		}
		if err != nil {
			return err
		}
		if err := apply(ctx, tx, evs); err != nil {
			return err
		}
		applied = true
		return nil
	})
	if err != nil {
		return false, fmt.Errorf("consumer %s: batch %d-%d: %w", consumer, batch.First, batch.Last, err)
	}
	return applied, nil
}

// Ahead bounds how much ApplyAhead applies beyond the batch it was given.
type Ahead struct {
	// Batches is how many batches that follow it at most; 0 applies the
	// batch alone.
	Batches int
	// Events is how far past the batch's last event they may reach.
	Events int64
}

// ApplyAhead is ApplyOnceOf that also applies, in the same transaction,
// the batches that follow batch in the log (log_batches, within ahead) and
// that consumer has not applied yet: apply gets the events of all of them
// in log order, and each is recorded in the ledger, so its own delivery
// later is skipped. A consumer that has fallen behind catches up with one
// transaction for many batches instead of one for each. A batch that an
// instance sharing the consumer group is applying at the same moment waits
// for that instance's transaction and is then left to it.
//
// When applying them together fails for a reason other than the database
// being unreachable, batch is tried alone (ApplyOnceOf), so that a batch
// apply refuses fails on its own delivery and never holds back the batch
// before it. It returns how many batches it applied: 0 when batch was
// applied before.
func (s *EventStore) ApplyAhead(ctx context.Context, consumer string, batch events.Batch, read Reading, ahead Ahead, apply ApplyFunc) (int, error) {
	// A redelivery, or a batch applied ahead with an earlier one, is the
	// common case of a consumer that catches up: one round trip, no
	// transaction. A batch not found here is recorded in the transaction
	// below, which is what decides.
	var done bool
	if err := s.Pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM consumer_batches WHERE consumer = $1 AND first_seq = $2)`,
		consumer, batch.First).Scan(&done); err != nil {
		return 0, fmt.Errorf("consumer %s: batch %d-%d: read the ledger: %w", consumer, batch.First, batch.Last, err)
	}
	if done {
		return 0, nil
	}
	if ahead.Batches > 0 && ahead.Events > 0 {
		n, err := s.applyAhead(ctx, consumer, batch, read, ahead, apply)
		if err == nil || IsUnavailable(err) || ctx.Err() != nil {
			return n, err
		}
	}
	return s.applyAhead(ctx, consumer, batch, read, Ahead{}, apply)
}

// ApplyNext applies to consumer, in one transaction, the batches of the
// log after seq after that it has not applied, in log order and within
// ahead (at least the first of them): it records them in the ledger,
// reads their events and calls apply, as ApplyAhead does for the batches
// after a delivered one. A batch another transaction is recording at the
// same moment (a delivery, another instance) waits for it and is then
// left to it. It returns the batches applied (none when the consumer
// lacks none) and the last seq of the batches it looked at, where the
// next call may start. A consumer catching up on an append of its own
// process (package bus) applies through it: one transaction, no round
// trip to find the batches first.
func (s *EventStore) ApplyNext(ctx context.Context, consumer string, after int64, read Reading, ahead Ahead, apply ApplyFunc) ([]events.Batch, int64, error) {
	var batches []events.Batch
	through := after
	err := pgx.BeginFunc(ctx, s.Pool, func(tx pgx.Tx) error {
		// Recorded in seq order (instances sharing the group lock ledger
		// rows in one order); the last row is the furthest batch looked at.
		rows, err := tx.Query(ctx, `WITH next AS (SELECT first_seq, last_seq FROM log_batches b WHERE first_seq > $2
				AND NOT EXISTS (SELECT 1 FROM consumer_batches c WHERE c.consumer = $1 AND c.first_seq = b.first_seq)
				ORDER BY first_seq LIMIT $3),
			within AS (SELECT first_seq, last_seq FROM next WHERE last_seq <= (SELECT min(last_seq) FROM next) + $4),
			recorded AS (INSERT INTO consumer_batches (consumer, first_seq, last_seq)
				SELECT $1, first_seq, last_seq FROM within ORDER BY first_seq
				ON CONFLICT DO NOTHING
				RETURNING first_seq, last_seq)
			SELECT first_seq, last_seq FROM recorded
			UNION ALL SELECT 0, coalesce(max(last_seq), $2) FROM within`, consumer, after, max(ahead.Batches, 0)+1, max(ahead.Events, 0))
		if err != nil {
			return fmt.Errorf("record the batches after %d: %w", after, err)
		}
		if batches, err = collectBatches(rows, consumer); err != nil {
			return err
		}
		through, batches = batches[len(batches)-1].Last, batches[:len(batches)-1]
		if len(batches) == 0 {
			return nil
		}
		slices.SortFunc(batches, func(a, b events.Batch) int { return cmp.Compare(a.First, b.First) })
		evs, err := s.readBatches(ctx, tx, batches, read)
		if err != nil {
			return err
		}
		return apply(ctx, tx, evs)
	})
	if err != nil {
		return nil, after, fmt.Errorf("consumer %s: the batches after %d: %w", consumer, after, err)
	}
	return batches, through, nil
}

// Reading says which of a batch's events a consumer reads.
type Reading struct {
	// EnvelopeTypes, when not nil, are the types whose envelopes are read;
	// events of other types come without (nil). Nil reads every envelope.
	EnvelopeTypes []string
	// Only leaves out the events of types not in EnvelopeTypes
	// altogether: a consumer that folds those types alone gets nothing
	// else, and the database sends nothing else.
	Only bool
}

// applyAhead applies batch and the batches after it in one transaction.
func (s *EventStore) applyAhead(ctx context.Context, consumer string, batch events.Batch, read Reading, ahead Ahead, apply ApplyFunc) (int, error) {
	n := 0
	err := pgx.BeginFunc(ctx, s.Pool, func(tx pgx.Tx) error {
		fresh, err := RecordApplied(ctx, tx, consumer, batch)
		if err != nil || !fresh {
			return err
		}
		batches := []events.Batch{batch}
		if ahead.Batches > 0 {
			// The following batches the ledger lacks, recorded in seq order
			// (instances sharing the group lock ledger rows in one order).
			rows, err := tx.Query(ctx, `INSERT INTO consumer_batches (consumer, first_seq, last_seq)
				SELECT $1, first_seq, last_seq FROM (SELECT first_seq, last_seq FROM log_batches
					WHERE first_seq > $2 AND last_seq <= $2 + $4 ORDER BY first_seq LIMIT $3) AS next
				ORDER BY first_seq
				ON CONFLICT DO NOTHING
				RETURNING first_seq, last_seq`, consumer, batch.Last, ahead.Batches, ahead.Events)
			if err != nil {
				return fmt.Errorf("record the batches after it: %w", err)
			}
			more, err := collectBatches(rows, consumer)
			if err != nil {
				return err
			}
			batches = append(batches, more...)
			slices.SortFunc(batches, func(a, b events.Batch) int { return cmp.Compare(a.First, b.First) })
		}
		evs, err := s.readBatches(ctx, tx, batches, read)
		if err != nil {
			return err
		}
		if err := apply(ctx, tx, evs); err != nil {
			return err
		}
		n = len(batches)
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("consumer %s: batch %d-%d with the batches after it: %w", consumer, batch.First, batch.Last, err)
	}
	return n, nil
}

// readBatches reads the events of batches (sorted by seq, not
// overlapping) in log order with one query over the range they span, and
// refuses an answer that lacks any of their events.
func (s *EventStore) readBatches(ctx context.Context, tx pgx.Tx, batches []events.Batch, read Reading) ([]events.Recorded, error) {
	if recs, ok := s.Recent.read(batches, read); ok {
		return recs, nil
	}
	span := events.Batch{First: batches[0].First, Last: batches[len(batches)-1].Last}
	var recs []events.Recorded
	var err error
	switch {
	case read.EnvelopeTypes == nil:
		recs, err = readBatch(ctx, tx, span, selectRecorded+` WHERE seq BETWEEN $1 AND $2 ORDER BY seq`, span.First, span.Last)
	case read.Only:
		recs, err = readBatchOnly(ctx, tx, span, read.EnvelopeTypes)
	default:
		recs, err = readBatch(ctx, tx, span, selectRecordedOf+` WHERE seq BETWEEN $1 AND $2 ORDER BY seq`, span.First, span.Last, read.EnvelopeTypes)
	}
	if err != nil {
		return nil, err
	}
	if len(batches) == 1 {
		return recs, nil
	}
	// Drop the events between the batches (of batches applied before).
	out := recs[:0]
	i := 0
	for _, r := range recs {
		for i < len(batches) && r.Seq > batches[i].Last {
			i++
		}
		if i < len(batches) && r.Seq >= batches[i].First {
			out = append(out, r)
		}
	}
	return out, nil
}

// readBatchOnly reads the events of types in b, and, in the same round
// trip, counts b's events, refusing an answer that lacks any of them.
func readBatchOnly(ctx context.Context, tx pgx.Tx, b events.Batch, types []string) ([]events.Recorded, error) {
	var q pgx.Batch
	var n int
	q.Queue(`SELECT count(*) FROM events WHERE seq BETWEEN $1 AND $2`, b.First, b.Last).QueryRow(func(row pgx.Row) error { return row.Scan(&n) })
	var recs []events.Recorded
	q.Queue(selectRecorded+` WHERE seq BETWEEN $1 AND $2 AND type = ANY($3) ORDER BY seq`, b.First, b.Last, types).Query(func(rows pgx.Rows) error {
		var err error
		recs, err = scanRecorded(rows)
		return err
	})
	if err := tx.SendBatch(ctx, &q).Close(); err != nil {
		return nil, fmt.Errorf("read batch %d-%d: %w", b.First, b.Last, err)
	}
	if n != b.Count() {
		return nil, fmt.Errorf("read batch %d-%d: found %d events, want %d", b.First, b.Last, n, b.Count())
	}
	return recs, nil
}

// RecordApplied records in tx that consumer applied batch; it reports
// false when the ledger already holds the batch (nothing is written).
// Prefer ApplyOnce; this is for a caller that owns the transaction.
func RecordApplied(ctx context.Context, tx pgx.Tx, consumer string, batch events.Batch) (bool, error) {
	tag, err := tx.Exec(ctx, `INSERT INTO consumer_batches (consumer, first_seq, last_seq)
		VALUES ($1, $2, $3) ON CONFLICT DO NOTHING`, consumer, batch.First, batch.Last)
	if err != nil {
		return false, fmt.Errorf("record batch %d-%d as applied by %s: %w", batch.First, batch.Last, consumer, err)
	}
	return tag.RowsAffected() == 1, nil
}

// AppliedBatches returns every batch consumer has applied, in seq order.
func AppliedBatches(ctx context.Context, q Querier, consumer string) ([]events.Batch, error) {
	rows, err := q.Query(ctx, `SELECT first_seq, last_seq FROM consumer_batches WHERE consumer = $1 ORDER BY first_seq`, consumer)
	if err != nil {
		return nil, fmt.Errorf("read applied batches of %s: %w", consumer, err)
	}
	return collectBatches(rows, consumer)
}

// AppliedBatchesOutside returns the batches consumer has applied that
// start outside cover (sorted, merged seq ranges): past its end or inside
// its holes. Batches are applied roughly in log order, so the primary key
// finds them without reading every batch again; a caller that knows the
// batches inside cover drops the ones it has.
func AppliedBatchesOutside(ctx context.Context, q Querier, consumer string, cover []events.Batch) ([]events.Batch, error) {
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
	return collectBatches(rows, consumer)
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
func ReadLag(ctx context.Context, q Querier, names []string) ([]Lag, error) {
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

// ConsumerStatus is a consumer's lag plus how many batches it has applied,
// for GET /v1/projections.
type ConsumerStatus struct {
	Lag
	AppliedBatches int64 `json:"applied_batches"`
	// Rebuildable says whether the consumer's read model can be rebuilt.
	Rebuildable bool `json:"rebuildable"`
}

// ReadConsumerStatus returns the status of each named consumer. Counting
// applied batches reads each consumer's batch list, so it is for an
// operator's request, not for every scrape.
func ReadConsumerStatus(ctx context.Context, q Querier, names []string, rebuildable func(string) bool) ([]ConsumerStatus, error) {
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
	out := make([]ConsumerStatus, len(lags))
	for i, l := range lags {
		out[i] = ConsumerStatus{Lag: l, AppliedBatches: counts[l.Name], Rebuildable: rebuildable != nil && rebuildable(l.Name)}
	}
	return out, nil
}

// NextUnapplied returns the first batch of the log after seq after that
// consumer has not applied (false when it has applied every one). Appends
// commit in seq order (appendLock), so a batch found missing here is never
// preceded, past after, by one that commits later.
func NextUnapplied(ctx context.Context, q RowQuerier, consumer string, after int64) (events.Batch, bool, error) {
	var b events.Batch
	err := q.QueryRow(ctx, `SELECT first_seq, last_seq, source FROM log_batches b WHERE first_seq > $2
		AND NOT EXISTS (SELECT 1 FROM consumer_batches c WHERE c.consumer = $1 AND c.first_seq = b.first_seq)
		ORDER BY first_seq LIMIT 1`, consumer, after).Scan(&b.First, &b.Last, &b.Source)
	switch {
	case errors.Is(err, pgx.ErrNoRows):
		return events.Batch{}, false, nil
	case err != nil:
		return events.Batch{}, false, fmt.Errorf("find the next batch %s lacks: %w", consumer, err)
	}
	return b, true, nil
}

// LogBatchesHead is the last seq of the newest batch in log_batches (0
// when empty).
func LogBatchesHead(ctx context.Context, q RowQuerier) (int64, error) {
	var head int64
	if err := q.QueryRow(ctx, `SELECT coalesce(max(last_seq), 0) FROM log_batches`).Scan(&head); err != nil {
		return 0, fmt.Errorf("read the head of log_batches: %w", err)
	}
	return head, nil
}

// RowQuerier is a pool, a connection or a transaction, for one-row queries.
type RowQuerier interface {
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}
