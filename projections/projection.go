package projections

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/govpulse/govpulse/calendar"
	"github.com/govpulse/govpulse/events"
)

// Projection is a read model: a bus.Consumer that folds the events of some
// types into one table, and that Rebuild can replay from the log into a
// fresh table. A Model's Projection method builds one.
//
// Apply takes the projection's swap lock in shared mode before it touches
// the table, so that a rebuild holding the lock exclusively sees every
// applied batch and no Apply runs while it swaps the tables (see Rebuild).
type Projection struct {
	// Catalog, when set, is the reference catalogue whose codes the read
	// model may hold: a batch with an event whose code it lacks is refused
	// with an *UnknownCodeError (and so goes to the poison queue), and a
	// rebuild of a log with such an event fails.
	Catalog *events.Catalog

	name    string
	types   []string
	table   *Table
	newFold func() fold
	// swapLock is the advisory lock Apply takes shared and the swap takes
	// exclusively; rebuildLock keeps two rebuilds of one projection apart.
	swapLock, rebuildLock int64
	log                   *slog.Logger

	// warned rate-limits the warning about unknown working days, which
	// would otherwise repeat for every batch once a year lacks data.
	warnMu sync.Mutex
	warned time.Time
}

// warnInterval is how often Apply repeats the unknown-working-days warning.
const warnInterval = time.Minute

// fold aggregates events in memory, by the table's key.
type fold interface {
	// add folds one event of the projection's types.
	add(e events.Recorded) error
	// addDecoded folds one event of the projection's types that
	// events.DecodeStored has read as ev, at its time in the log (the
	// only column of the log a fold reads besides the envelope).
	addDecoded(at time.Time, ev events.Event) error
	// rowValues returns the aggregated rows in the table's column order.
	rowValues() [][]any
	// rowsByKey calls yield with the rows of rowValues sorted by key,
	// size at a time, as a rebuild loads them; it stops at, and returns,
	// the first error of yield.
	rowsByKey(size int, yield func(rows [][]any) error) error
	// unknownYears counts events whose working days could not be counted,
	// by the first year the calendar had no data for.
	unknownYears() map[int]int64
}

// Name is the projection's stable consumer name, which is also its table.
func (p *Projection) Name() string { return p.name }

// Table is the read model's table.
func (p *Projection) Table() string { return p.name }

// Types are the event types the projection folds; it ignores the others.
func (p *Projection) Types() []string { return slices.Clone(p.types) }

// CountsWorkingDays says whether the table has an elapsed_unknown column.
func (p *Projection) CountsWorkingDays() bool {
	return p.table.HasColumn("elapsed_unknown")
}

// EnvelopeTypes are the types whose envelopes Apply reads (bus.EnvelopeTypes):
// the bus spares it the others'.
func (p *Projection) EnvelopeTypes() []string { return p.types }

// EventTypes are the types Apply folds (bus.EventTypes): the bus hands it
// only the events of those types, as Apply ignores the others.
func (p *Projection) EventTypes() []string { return p.types }

func (p *Projection) folds(typ string) bool { return slices.Contains(p.types, typ) }

// Apply folds a batch into the table: the batch is aggregated by key in
// memory, then written with one upsert.
func (p *Projection) Apply(ctx context.Context, tx pgx.Tx, evs []events.Recorded) error {
	f, err := p.foldEvents(evs)
	if err != nil {
		return err
	}
	if len(f.unknownYears()) > 0 && len(evs) > 0 {
		p.warnMu.Lock()
		due := time.Since(p.warned) >= warnInterval
		if due {
			p.warned = time.Now()
		}
		p.warnMu.Unlock()
		if due {
			p.warnUnknown(f, "batch", evs[0].Seq, evs[len(evs)-1].Seq)
		}
	}
	rows := f.rowValues()
	if err := p.checkCodes(rows); err != nil {
		if uc, ok := err.(*UnknownCodeError); ok {
			p.findUnknownCode(evs, uc)
		}
		return err
	}
	// The swap lock is taken in a round trip of its own, before the
	// upsert is sent (and for a batch without rows too, whose record in
	// the ledger a rebuild must see). Not in one pgx.Batch with the
	// upsert: pgx prepares a batch's statements before it runs any, and
	// preparing the INSERT already locks the table, so the apply would
	// hold the table and wait for the swap lock while a rebuild's swap
	// holds the swap lock and waits for the table: a deadlock
	// (TestRebuildWhileIngesting found it).
	if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock_shared($1)`, p.swapLock); err != nil {
		return fmt.Errorf("%s: take swap lock: %w", p.name, err)
	}
	return p.table.upsert(ctx, tx, p.name, rows)
}

// foldEvents folds the events of the projection's types.
func (p *Projection) foldEvents(evs []events.Recorded) (fold, error) {
	f := p.newFold()
	for _, e := range evs {
		if !p.folds(e.Type) {
			continue
		}
		if err := p.add(f, e); err != nil {
			return nil, fmt.Errorf("%s: event %d (%s %s): %w", p.name, e.Seq, e.Source, e.ID, err)
		}
	}
	return f, nil
}

// add folds one event into f. An event that an earlier, laxer version
// stored and whose JSON or data the strict reading refuses is not
// counted, live and in a rebuild alike; it is logged, and govpulse log
// check lists it.
func (p *Projection) add(f fold, e events.Recorded) error {
	return p.addDecoded(f, &e, nil, f.add(e))
}

// addDecoded is add for an event already read: it folds ev, the event e
// as events.DecodeStored read it, into f, or takes err, DecodeStored's
// refusal of it (or add's error), as add does.
func (p *Projection) addDecoded(f fold, e *events.Recorded, ev events.Event, err error) error {
	if err == nil && ev != nil {
		err = f.addDecoded(e.OccurredAt, ev)
	}
	if err == nil {
		return nil // before refused, whose address would put it on the heap for every event
	}
	var refused *events.StoredEventError
	if errors.As(err, &refused) {
		if p.log != nil {
			p.log.Warn("stored event refused by the strict reading; not counted (see govpulse log check)",
				"projection", p.name, "seq", e.Seq, "source", e.Source, "id", e.ID, "reason", refused.Error())
		}
		return nil
	}
	return err
}

// warnUnknown logs, for a batch (at most once a minute) or a rebuild, the events whose working
// days stayed unknown for want of holiday data.
func (p *Projection) warnUnknown(f fold, what string, first, last int64) {
	unknown := f.unknownYears()
	if len(unknown) == 0 || p.log == nil {
		return
	}
	years := slices.Sorted(maps.Keys(unknown))
	var n int64
	for _, c := range unknown {
		n += c
	}
	p.log.Warn("working days unknown: no holiday data for the year; counted in elapsed_unknown, add the year's calendar file and rebuild",
		"projection", p.name, what, fmt.Sprintf("%d-%d", first, last), "events", n, "years", years)
}

// ReadModels returns the read models govpulse keeps, on calendar cal:
// case_stats, license_stats, lawsuit_stats, and the portal's usage,
// portal_views and portal_searches.
func ReadModels(cal *calendar.Calendar, log *slog.Logger) []*Projection {
	return []*Projection{CaseStats.Projection(cal, log), LicenseStats.Projection(cal, log), LawsuitStats.Projection(cal, log),
		PortalViews.Projection(cal, log), PortalSearches.Projection(cal, log)}
}
