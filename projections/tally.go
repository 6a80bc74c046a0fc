package projections

import (
	"context"
	"fmt"
	"time"
	_ "time/tzdata" // the tally's time zone must load on machines without tzdata

	"github.com/jackc/pgx/v5"

	"github.com/govpulse/govpulse/events"
)

// IngestTally counts stored events per day of recording, source and type.
// It is the first consumer of the bus and tells operators what arrived.
type IngestTally struct {
	// Location decides which day an event was recorded on; nil means
	// Asia/Shanghai.
	Location *time.Location
}

// Name is the tally's stable consumer name.
func (IngestTally) Name() string { return "ingest_tally" }

type tallyKey struct {
	day           string
	source, type_ string
}

// EnvelopeTypes is none: the tally counts the log's columns, never an
// envelope (bus.EnvelopeTypes).
func (IngestTally) EnvelopeTypes() []string { return []string{} }

// Apply adds a batch's events to the tally.
func (t IngestTally) Apply(ctx context.Context, tx pgx.Tx, evs []events.Recorded) error {
	loc := t.Location
	if loc == nil {
		var err error
		if loc, err = time.LoadLocation("Asia/Shanghai"); err != nil {
			return err
		}
	}
	counts := map[tallyKey]int64{}
	type last struct {
		at time.Time
		n  int64
	}
	depts := map[string]last{}
	for _, e := range evs {
		counts[tallyKey{e.RecordedAt.In(loc).Format(time.DateOnly), e.Source, e.Type}]++
		l := depts[e.Department]
		if e.RecordedAt.After(l.at) {
			l.at = e.RecordedAt
		}
		l.n++
		depts[e.Department] = l
	}
	days := make([]string, 0, len(counts))
	srcs := make([]string, 0, len(counts))
	types := make([]string, 0, len(counts))
	ns := make([]int64, 0, len(counts))
	for k, n := range counts {
		days, srcs, types, ns = append(days, k.day), append(srcs, k.source), append(types, k.type_), append(ns, n)
	}
	// Rows go in key order, so instances sharing the consumer group lock
	// them in the same order and never deadlock.
	// Both upserts go in one round trip.
	b := &pgx.Batch{}
	b.Queue(`INSERT INTO ingest_tally (day, source, type, events)
		SELECT * FROM unnest($1::date[], $2::text[], $3::text[], $4::bigint[]) ORDER BY 1, 2, 3
		ON CONFLICT (day, source, type) DO UPDATE SET events = ingest_tally.events + excluded.events`,
		days, srcs, types, ns)
	names := make([]string, 0, len(depts))
	ats := make([]time.Time, 0, len(depts))
	dns := make([]int64, 0, len(depts))
	for d, l := range depts {
		names, ats, dns = append(names, d), append(ats, l.at), append(dns, l.n)
	}
	b.Queue(`INSERT INTO ingest_department_last (department, last_recorded_at, events)
		SELECT * FROM unnest($1::text[], $2::timestamptz[], $3::bigint[]) ORDER BY 1
		ON CONFLICT (department) DO UPDATE SET
			last_recorded_at = greatest(ingest_department_last.last_recorded_at, excluded.last_recorded_at),
			events = ingest_department_last.events + excluded.events`, names, ats, dns)
	if err := tx.SendBatch(ctx, b).Close(); err != nil {
		return fmt.Errorf("ingest tally (by day, source and type, and by department): %w", err)
	}
	return nil
}
