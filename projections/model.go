package projections

import (
	"errors"
	"fmt"
	"log/slog"
	"reflect"
	"time"

	"github.com/govpulse/govpulse/calendar"
	"github.com/govpulse/govpulse/events"
)

// Model declares a read model once. Its key struct K's fields are the
// table's key columns, its sums struct S's fields the measures, E is the
// event type it folds, and its fold function says how one event adds to
// its row. The rest derives from it: the upsert of a batch and the COPY
// of a rebuild, the check of the table against the migrations
// (CheckTables), the by-name reading of sums (package read) that the
// stats API, the metrics collectors and the targets share.
type Model[K comparable, S any, E events.Event] struct {
	table                 *Table
	typ                   string
	fold                  func(f *Folding, e E, row func(K) *S) error
	swapLock, rebuildLock int64
}

// Declare declares the read model name (its table and its stable
// consumer name) folding events of type E with fold, which adds one event
// to the sums of its key's row (row creates a row of zeros). lock is the
// model's advisory lock: Apply and the rebuild's swap share it, and
// lock+100 keeps two rebuilds apart.
//
// Columns come from the fields' `col` tags, in field order, keys first.
// A key field is a calendar.Date (a date column) or a string (a text
// column; a `codes` tag names the CodeList its values come from). A sums
// field is an int64 (a bigint summed) or an [N]int64 (a bigint[]
// histogram of N buckets summed bucket by bucket). Declare panics on a
// declaration it cannot read.
func Declare[K comparable, S any, E events.Event](name string, lock int64, fold func(f *Folding, e E, row func(K) *S) error) *Model[K, S, E] {
	var e E
	return &Model[K, S, E]{
		table: tableOf(name, reflect.TypeFor[K](), reflect.TypeFor[S]()),
		typ:   e.EventType(), fold: fold, swapLock: lock, rebuildLock: lock + 100,
	}
}

// Name is the read model's name: its table and its consumer name.
func (m *Model[K, S, E]) Name() string { return m.table.Name }

// Table is the read model's table.
func (m *Model[K, S, E]) Table() *Table { return m.table }

// Projection is the read model as a bus consumer, folding on calendar cal
// (its zone sets an event's day; its holiday data the working days).
func (m *Model[K, S, E]) Projection(cal *calendar.Calendar, log *slog.Logger) *Projection {
	return &Projection{
		name: m.table.Name, types: []string{m.typ}, table: m.table,
		newFold:  func() fold { return m.newFold(cal) },
		swapLock: m.swapLock, rebuildLock: m.rebuildLock, log: log,
	}
}

func (m *Model[K, S, E]) newFold(cal *calendar.Calendar) *modelFold[K, S, E] {
	f := &modelFold[K, S, E]{m: m, folding: Folding{Calendar: cal}, rows: map[K]*S{}}
	f.row = f.rowOf
	return f
}

// Folding is what a fold function may use besides the event.
type Folding struct {
	Calendar *calendar.Calendar
	// at is the time attribute of the event being folded, as the log
	// recorded it.
	at time.Time
	// unknown counts events whose working days could not be counted, by
	// the first year the calendar had no data for.
	unknown map[int]int64
}

// EventTime is the time attribute of the event being folded: when it
// happened, for events whose data carries no time (the portal's usage).
func (f *Folding) EventTime() time.Time { return f.at }

// Day is the day of t in the calendar's zone.
func (f *Folding) Day(t time.Time) calendar.Date { return f.Calendar.DateOf(t) }

// WorkingDays counts the working days from from to to. known is false
// when the calendar has no holiday data for a year they span: the event
// is then recorded for the warning (and govpulse_projection_unknown_
// workingdays_events) and the fold counts it in elapsed_unknown instead.
func (f *Folding) WorkingDays(from, to time.Time) (days int64, known bool, err error) {
	n, err := f.Calendar.WorkingDaysBetween(from, to)
	if err == nil {
		return int64(n), true, nil
	}
	// Declared past the common case: errors.As takes its address, which
	// would put it on the heap for every event folded.
	var missing *calendar.MissingYearError
	switch {
	case errors.As(err, &missing):
		if f.unknown == nil {
			f.unknown = map[int]int64{}
		}
		f.unknown[missing.Year]++
		return 0, false, nil
	default:
		return 0, false, err
	}
}

// modelFold is a Model's fold: its rows in memory, by key.
type modelFold[K comparable, S any, E events.Event] struct {
	m       *Model[K, S, E]
	folding Folding
	rows    map[K]*S
	row     func(K) *S // rowOf, bound once
}

func (f *modelFold[K, S, E]) rowOf(k K) *S {
	s := f.rows[k]
	if s == nil {
		s = new(S)
		f.rows[k] = s
	}
	return s
}

func (f *modelFold[K, S, E]) add(e events.Recorded) error {
	if e.Decoded != nil {
		// Ingest's reading of these bytes, which is DecodeStored's.
		return f.addDecoded(e.OccurredAt, e.Decoded)
	}
	ev, err := events.DecodeStored(e.Type, e.Envelope)
	if err != nil {
		return err
	}
	return f.addDecoded(e.OccurredAt, ev)
}

func (f *modelFold[K, S, E]) addDecoded(at time.Time, ev events.Event) error {
	typed, ok := ev.(E)
	if !ok {
		return fmt.Errorf("decoded %T, want a %T", ev, typed)
	}
	f.folding.at = at
	return f.m.fold(&f.folding, typed, f.row)
}

// reserve makes room for n rows in an empty fold.
func (f *modelFold[K, S, E]) reserve(n int) {
	if len(f.rows) == 0 && n > 0 {
		f.rows = make(map[K]*S, n)
	}
}

func (f *modelFold[K, S, E]) rowValues() [][]any {
	t := f.m.table
	n := len(t.Keys) + len(t.Measures)
	out := make([][]any, 0, len(f.rows))
	// The rows share one backing array, and their keys' boxed values
	// (rows repeat a few hundred days and codes): a rebuild's fold holds
	// a year's rows, and an allocation for each row and each of its keys
	// was a fifth of its allocations.
	values := make([]any, n*len(f.rows))
	var boxes keyBoxes
	for k, s := range f.rows {
		row := t.keyValues(values[:0:n], reflect.ValueOf(k), &boxes)
		values = values[n:]
		out = append(out, t.sumValues(row, reflect.ValueOf(s).Elem()))
	}
	return out
}

func (f *modelFold[K, S, E]) unknownYears() map[int]int64 { return f.folding.unknown }

// Dest returns scan targets for measure c of the row sums s: its field,
// or each bucket of a histogram, in order. Package read scans sums by
// name with it.
func (m *Model[K, S, E]) Dest(s *S, c Column) []any {
	f := reflect.ValueOf(s).Elem().Field(c.field)
	if c.Kind != SumHist {
		return []any{f.Addr().Interface()}
	}
	out := make([]any, c.Buckets)
	for b := range out {
		out[b] = f.Index(b).Addr().Interface()
	}
	return out
}
