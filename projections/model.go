package projections

import (
	"cmp"
	"errors"
	"fmt"
	"log/slog"
	"reflect"
	"slices"
	"strings"
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
	// A row this version's strict reading accepted is read without
	// checking again what it passed (events.DecodeRecorded).
	ev, err := events.DecodeRecorded(e.Type, e.Reading, e.Envelope)
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

// appendRow makes the row of key k and sums s at the start of values,
// whose rest it returns. k is read in place, which spares boxing a
// copy of it for each row.
func (f *modelFold[K, S, E]) appendRow(values []any, k *K, s *S, boxes *keyBoxes) (row, rest []any) {
	t := f.m.table
	n := len(t.Keys) + len(t.Measures)
	row = t.keyValues(values[:0:n], reflect.ValueOf(k).Elem(), boxes)
	return t.sumValues(row, reflect.ValueOf(s).Elem()), values[n:]
}

// rowsByKey calls yield with the rows of rowValues, size at a time (the
// last call may have fewer), sorted by their key columns in column
// order, each as PostgreSQL's C collation orders it: dates by day, texts
// by their bytes (C.UTF-8 orders texts so too). A
// rebuild loads its rows so, as its read model's primary key is its key
// columns: the index build then finds the rows that the heap hands it in
// order already instead of sorting them (a database of another collation
// sorts them, as it would have anyway). The rows are made in that order
// too, so that their values lie in memory as the COPY reads them. It
// stops at, and returns, the first error of yield.
//
// Each key column's values are ranked among the column's distinct values
// (a few hundred days, a catalogue's codes), and the rows sorted by the
// ranks, column by column from the last, each a stable counting sort: a
// few passes over the rows instead of comparing their keys.
func (f *modelFold[K, S, E]) rowsByKey(size int, yield func(rows [][]any) error) error {
	t := f.m.table
	nk, n := len(t.Keys), len(f.rows)
	keys, sums := make([]K, 0, n), make([]*S, 0, n)
	// ranks holds each row's nk columns: first the number of the value in
	// the order its column's values were met, then its rank among them.
	ranks := make([]uint32, 0, n*nk)
	texts := make([]map[string]uint32, nk)
	days := make([]map[calendar.Date]uint32, nk)
	for c := range nk {
		texts[c], days[c] = map[string]uint32{}, map[calendar.Date]uint32{}
	}
	for k, s := range f.rows {
		keys, sums = append(keys, k), append(sums, s)
		v := reflect.ValueOf(&keys[len(keys)-1]).Elem()
		for c, col := range t.Keys {
			fv := v.Field(col.field)
			if col.Kind == KeyDate {
				ranks = append(ranks, metValue(days[c], *fv.Addr().Interface().(*calendar.Date)))
			} else {
				ranks = append(ranks, metValue(texts[c], fv.String()))
			}
		}
	}
	order := make([]int32, n)
	for i := range order {
		order[i] = int32(i)
	}
	sorted := make([]int32, n)
	for c := nk - 1; c >= 0; c-- {
		var rank []uint32
		if t.Keys[c].Kind == KeyDate {
			rank = rankMet(days[c], func(a, b calendar.Date) int {
				return cmp.Or(cmp.Compare(a.Year, b.Year), cmp.Compare(a.Month, b.Month), cmp.Compare(a.Day, b.Day))
			})
		} else {
			rank = rankMet(texts[c], strings.Compare)
		}
		// A stable counting sort of order by the column's ranks.
		at := make([]int, len(rank)+1)
		for i := c; i < len(ranks); i += nk {
			ranks[i] = rank[ranks[i]]
			at[ranks[i]+1]++
		}
		for r := 1; r < len(at); r++ {
			at[r] += at[r-1]
		}
		for _, i := range order {
			r := ranks[int(i)*nk+c]
			sorted[at[r]] = i
			at[r]++
		}
		order, sorted = sorted, order
	}
	var boxes keyBoxes
	for piece := range slices.Chunk(order, max(1, size)) {
		rows := make([][]any, 0, len(piece))
		values := make([]any, (nk+len(t.Measures))*len(piece))
		for _, i := range piece {
			var row []any
			row, values = f.appendRow(values, &keys[i], sums[i], &boxes)
			rows = append(rows, row)
		}
		if err := yield(rows); err != nil {
			return err
		}
	}
	return nil
}

// metValue numbers v in met in the order values are met.
func metValue[V comparable](met map[V]uint32, v V) uint32 {
	id, ok := met[v]
	if !ok {
		id = uint32(len(met))
		met[v] = id
	}
	return id
}

// rankMet returns, for each number metValue gave, its value's rank among
// the values of met in compare's order.
func rankMet[V comparable](met map[V]uint32, compare func(a, b V) int) []uint32 {
	values := make([]V, len(met))
	for v, id := range met {
		values[id] = v
	}
	byValue := make([]uint32, len(values))
	for i := range byValue {
		byValue[i] = uint32(i)
	}
	slices.SortFunc(byValue, func(a, b uint32) int { return compare(values[a], values[b]) })
	rank := make([]uint32, len(values))
	for r, id := range byValue {
		rank[id] = uint32(r)
	}
	return rank
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

// Scalars returns the row sums s's scalar (int64) measures by column
// name, read through the declaration as the upsert reads them: what a
// target's ratio divides, whatever measures the model declares.
func (m *Model[K, S, E]) Scalars(s *S) map[string]int64 {
	t := m.table
	values := t.sumValues(make([]any, 0, len(t.Measures)), reflect.ValueOf(s).Elem())
	out := make(map[string]int64, len(values))
	for i, c := range t.Measures {
		if c.Kind == SumInt {
			out[c.Name] = values[i].(int64)
		}
	}
	return out
}
