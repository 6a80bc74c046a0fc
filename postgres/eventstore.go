package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/govpulse/govpulse/events"
)

// appendLock serialises appends so that sequence numbers become visible in
// order: a reader that has seen seq N will never later find a smaller one.
const appendLock = 7_001_002

// Outbox stages a batch for delivery inside the transaction that appends it,
// so a batch is published if and only if its events are stored: Stage
// queues the statements that stage it on q, which the append sends in its
// transaction, with its other writes, in one round trip.
type Outbox interface {
	Stage(ctx context.Context, q *pgx.Batch, b events.Batch) error
}

// AppendListener is implemented by an Outbox that wants to know, once an
// append has committed, the batch it stored: the bus wakes the consumers
// running in this process, which then need not wait for its delivery.
type AppendListener interface {
	Appended(b events.Batch)
}

// NewEvent is a validated event ready to be appended.
type NewEvent struct {
	Envelope   events.Envelope
	Department string
	// Event, when not nil, is the payload the strict reading gave for
	// Envelope.Raw: the append keeps it in Recent for the consumers here
	// (a batch is kept only when every new event has it).
	Event events.Event
}

// Outcome says what happened to one event of an append.
type Outcome struct {
	Index int    `json:"index"`
	ID    string `json:"id"`
	// Status is "accepted" or "duplicate".
	Status string `json:"status"`
	// Seq is the event's position in the log (the earlier one's for a
	// duplicate).
	Seq int64 `json:"seq"`
}

// Outcome statuses.
const (
	StatusAccepted  = "accepted"
	StatusDuplicate = "duplicate"
)

// AppendResult reports an append: counts, each event's outcome, and the
// batch staged on the bus (zero when every event was a duplicate).
type AppendResult struct {
	Accepted   int           `json:"accepted"`
	Duplicates int           `json:"duplicates"`
	Events     []Outcome     `json:"events"`
	Batch      events.Batch  `json:"-"`
	Took       time.Duration `json:"-"`
	// recorded are the new events as the log holds them, for Recent; nil
	// when not kept.
	recorded []events.Recorded
}

// EventStore is the append-only event log.
type EventStore struct {
	Pool   *pgxpool.Pool
	Outbox Outbox
	// Recent, when set, keeps the batches this store appends, decoded,
	// for the consumers of this process to apply without reading them back
	// (readBatches); serve sets it when consumers run here.
	Recent *RecentBatches
}

// Append stores the events of one source that are not yet stored, all or
// nothing, and stages the new ones on the outbox in the same transaction.
// Events whose (source, id) is already stored are reported as duplicates.
func (s *EventStore) Append(ctx context.Context, source string, evs []NewEvent) (AppendResult, error) {
	start := time.Now()
	res := AppendResult{Events: make([]Outcome, len(evs))}
	ids := make([]string, len(evs))
	for i, e := range evs {
		if e.Envelope.Source != source {
			return res, fmt.Errorf("append: event %d has source %q, batch is for %q", i, e.Envelope.Source, source)
		}
		ids[i] = e.Envelope.ID
	}
	// First the duplicates are looked up before the append lock is taken,
	// so the lookup does not hold up other appends; an event of the same
	// source and id that another append stores meanwhile makes the COPY
	// fail on the unique key, and the append is done again with the
	// lookup under the lock.
	err := s.append(ctx, source, evs, ids, false, &res)
	if isDuplicateKey(err) {
		res = AppendResult{Events: make([]Outcome, len(evs))}
		err = s.append(ctx, source, evs, ids, true, &res)
	}
	res.Took = time.Since(start)
	if err != nil {
		return AppendResult{}, fmt.Errorf("append events: %w", err)
	}
	// Kept before the listener hears of it, so a catch-up finds it.
	s.Recent.put(res.Batch, res.recorded)
	res.recorded = nil
	if l, ok := s.Outbox.(AppendListener); ok && res.Accepted > 0 {
		l.Appended(res.Batch)
	}
	return res, nil
}

// append is one try of Append: in one transaction, the duplicates (looked
// up after the append lock when locked is set, before it otherwise), the
// lock and the head in one round trip, the COPY of the new events, then
// the batch's record in log_batches and on the outbox in one more.
func (s *EventStore) append(ctx context.Context, source string, evs []NewEvent, ids []string, locked bool, res *AppendResult) error {
	return pgx.BeginFunc(ctx, s.Pool, func(tx pgx.Tx) error {
		var q pgx.Batch
		stored := make(map[string]int64)
		dups := func() {
			q.Queue(`SELECT id, seq FROM events WHERE source = $1 AND id = ANY($2)`, source, ids).Query(func(rows pgx.Rows) error {
				var id string
				var seq int64
				_, err := pgx.ForEachRow(rows, []any{&id, &seq}, func() error {
					stored[id] = seq
					return nil
				})
				return err
			})
		}
		if !locked {
			dups()
		}
		q.Queue(`SELECT pg_advisory_xact_lock($1)`, appendLock)
		if locked {
			dups()
		}
		var head int64
		// now() is what recorded_at defaults to in this transaction.
		var now time.Time
		q.Queue(`SELECT coalesce(max(seq), 0), now() FROM events`).QueryRow(func(row pgx.Row) error { return row.Scan(&head, &now) })
		if err := tx.SendBatch(ctx, &q).Close(); err != nil {
			return err
		}
		next := head + 1
		copyRows := make([][]any, 0, len(evs))
		keep := s.Recent != nil
		var recorded []events.Recorded
		if keep {
			recorded = make([]events.Recorded, 0, len(evs))
		}
		for i, e := range evs {
			env := e.Envelope
			if seq, dup := stored[env.ID]; dup {
				res.Events[i] = Outcome{Index: i, ID: env.ID, Status: StatusDuplicate, Seq: seq}
				res.Duplicates++
				continue
			}
			res.Events[i] = Outcome{Index: i, ID: env.ID, Status: StatusAccepted, Seq: next}
			copyRows = append(copyRows, []any{next, env.Source, env.ID, env.Type, e.Department, env.Time, string(env.Raw), int16(env.Reading)})
			if keep = keep && e.Event != nil; keep {
				recorded = append(recorded, events.Recorded{Seq: next, Source: env.Source, ID: env.ID, Type: env.Type,
					Department: e.Department, OccurredAt: asStored(env.Time), RecordedAt: now, Envelope: env.Raw, Reading: env.Reading, Decoded: e.Event})
			}
			next++
		}
		if keep {
			res.recorded = recorded
		}
		res.Accepted = len(copyRows)
		if res.Accepted == 0 {
			return nil
		}
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{"events"},
			[]string{"seq", "source", "id", "type", "department", "occurred_at", "envelope", "reading"},
			pgx.CopyFromRows(copyRows)); err != nil {
			return err
		}
		res.Batch = events.Batch{First: head + 1, Last: next - 1, Source: source}
		q = pgx.Batch{}
		q.Queue(`INSERT INTO log_batches (first_seq, last_seq, source) VALUES ($1, $2, $3)`, res.Batch.First, res.Batch.Last, res.Batch.Source)
		if s.Outbox != nil {
			if err := s.Outbox.Stage(ctx, &q, res.Batch); err != nil {
				return fmt.Errorf("stage batch on outbox: %w", err)
			}
		}
		if err := tx.SendBatch(ctx, &q).Close(); err != nil {
			return fmt.Errorf("record batch %d-%d and stage it on the outbox: %w", res.Batch.First, res.Batch.Last, err)
		}
		return nil
	})
}

// asStored is t as a timestamptz column gives it back: pgx sends whole
// microseconds (the nanoseconds cut off) and reads them as local time.
func asStored(t time.Time) time.Time {
	return time.UnixMicro(t.Unix()*1_000_000 + int64(t.Nanosecond())/1000)
}

// isDuplicateKey reports whether err is a violation of the log's unique
// (source, id).
func isDuplicateKey(err error) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && pgErr.Code == "23505" && pgErr.ConstraintName == "events_source_id_key"
}

// Read returns up to limit events after seq, in log order.
func (s *EventStore) Read(ctx context.Context, after int64, limit int) ([]events.Recorded, error) {
	rows, err := s.Pool.Query(ctx, selectRecorded+` WHERE seq > $1 ORDER BY seq LIMIT $2`, after, limit)
	if err != nil {
		return nil, fmt.Errorf("read events: %w", err)
	}
	return scanRecorded(rows)
}

// ReadBatch returns the events of a batch, in log order.
func (s *EventStore) ReadBatch(ctx context.Context, q Querier, b events.Batch) ([]events.Recorded, error) {
	return readBatch(ctx, q, b, selectRecorded+` WHERE seq BETWEEN $1 AND $2 ORDER BY seq`, b.First, b.Last)
}

// ReadBatchOf is ReadBatch reading the envelopes of events of types only:
// every event of the batch is returned, those of other types without an
// envelope (nil). A consumer that folds a few types reads batches this way
// and spares the database and itself the envelopes it would skip.
func (s *EventStore) ReadBatchOf(ctx context.Context, q Querier, b events.Batch, types []string) ([]events.Recorded, error) {
	return readBatch(ctx, q, b, selectRecordedOf+` WHERE seq BETWEEN $1 AND $2 ORDER BY seq`, b.First, b.Last, types)
}

// selectRecordedOf is selectRecorded with the envelopes of the types in $3 only.
const selectRecordedOf = `SELECT seq, source, id, type, department, occurred_at, recorded_at,
	CASE WHEN type = ANY($3) THEN envelope::text END FROM events`

// readBatch runs sql, a query for the events of batch b, and refuses an
// answer that lacks any of them.
func readBatch(ctx context.Context, q Querier, b events.Batch, sql string, args ...any) ([]events.Recorded, error) {
	rows, err := q.Query(ctx, sql, args...)
	if err != nil {
		return nil, fmt.Errorf("read batch %d-%d: %w", b.First, b.Last, err)
	}
	recs, err := scanRecorded(rows)
	if err != nil {
		return nil, err
	}
	if len(recs) != b.Count() {
		return nil, fmt.Errorf("read batch %d-%d: found %d events, want %d", b.First, b.Last, len(recs), b.Count())
	}
	return recs, nil
}

// Head returns the sequence number of the newest event (0 when empty).
func (s *EventStore) Head(ctx context.Context) (int64, error) {
	var head int64
	err := s.Pool.QueryRow(ctx, `SELECT coalesce(max(seq), 0) FROM events`).Scan(&head)
	if err != nil {
		return 0, fmt.Errorf("read log head: %w", err)
	}
	return head, nil
}

// Querier is what ReadBatch needs: a pool, a connection or a transaction.
type Querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

const selectRecorded = `SELECT seq, source, id, type, department, occurred_at, recorded_at, envelope::text FROM events`

func scanRecorded(rows pgx.Rows) ([]events.Recorded, error) {
	defer rows.Close()
	var out []events.Recorded
	for rows.Next() {
		var r events.Recorded
		// Scanned into bytes straight away: one copy of the envelope, not two.
		if err := rows.Scan(&r.Seq, &r.Source, &r.ID, &r.Type, &r.Department, &r.OccurredAt, &r.RecordedAt, (*[]byte)(&r.Envelope)); err != nil {
			return nil, fmt.Errorf("scan event: %w", err)
		}
		out = append(out, r)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read events: %w", err)
	}
	return out, nil
}

// ReadRange returns the events with seq in lo..hi whose type is one of
// types, in no particular order (a fold of sums needs none, and sorting
// would slow a rebuild), with the columns a fold needs (seq, source, id,
// type, occurred_at, envelope, reading; folds by the time attribute read
// occurred_at, as live ones do). A rebuild reads the log through it.
func ReadRange(ctx context.Context, q Querier, lo, hi int64, types []string) ([]events.Recorded, error) {
	rows, err := q.Query(ctx, `SELECT seq, source, id, type, occurred_at, envelope::text, reading FROM events
		WHERE seq BETWEEN $1 AND $2 AND type = ANY($3)`, lo, hi, types)
	if err != nil {
		return nil, fmt.Errorf("read events %d-%d: %w", lo, hi, err)
	}
	defer rows.Close()
	var out []events.Recorded
	for rows.Next() {
		var e events.Recorded
		if err := rows.Scan(&e.Seq, &e.Source, &e.ID, &e.Type, &e.OccurredAt, &e.Envelope, &e.Reading); err != nil {
			return nil, fmt.Errorf("read events %d-%d: %w", lo, hi, err)
		}
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read events %d-%d: %w", lo, hi, err)
	}
	return out, nil
}
