package projections

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/govpulse/govpulse/calendar"
)

// ColumnKind says how a read-model column is written and merged.
type ColumnKind int

// The kinds of column, from the Go type of a key's or sums' field.
const (
	KeyDate ColumnKind = iota // calendar.Date in the key: a date column
	KeyText                   // string in the key: a text column holding a code
	SumInt                    // int64 in the sums: a bigint added on conflict
	SumHist                   // [N]int64 in the sums: a bigint[] histogram added bucket by bucket
)

// Column is one column of a read model's table.
type Column struct {
	Name string
	Kind ColumnKind
	// Buckets is a histogram's length.
	Buckets int
	// Codes is where a text key's values come from (nil for none).
	Codes *CodeList

	field int // the field's index in the key or sums struct
}

// Table is a read model's table as its declaration gives it: its key
// columns, then its measures, in column order. Rows are written as []any
// in that order: time.Time for dates (UTC midnight), string for codes,
// int64 for sums, []int64 for histograms.
type Table struct {
	Name     string
	Keys     []Column
	Measures []Column
	// Totals, when set, is the read model's totals table (WithTotals),
	// written with every upsert and COPY of this table.
	Totals *Table
}

// Columns returns the key columns, then the measures.
func (t *Table) Columns() []Column { return slices.Concat(t.Keys, t.Measures) }

// Dimensions are the text key columns: what the stats API filters and
// groups by, and metrics take as labels.
func (t *Table) Dimensions() []string { return namesOf(t.Keys, KeyText) }

// Scalars names the scalar (int64) measures, in column order: the sums
// a target's ratio may divide (histograms are not one number).
func (t *Table) Scalars() []string { return namesOf(t.Measures, SumInt) }

// namesOf names the columns of cols of kind, in order.
func namesOf(cols []Column, kind ColumnKind) []string {
	var out []string
	for _, c := range cols {
		if c.Kind == kind {
			out = append(out, c.Name)
		}
	}
	return out
}

// Key returns the key column named name.
func (t *Table) Key(name string) (Column, bool) {
	i := slices.IndexFunc(t.Keys, func(c Column) bool { return c.Name == name })
	if i < 0 {
		return Column{}, false
	}
	return t.Keys[i], true
}

// Measure returns the measure named name.
func (t *Table) Measure(name string) (Column, bool) {
	i := slices.IndexFunc(t.Measures, func(c Column) bool { return c.Name == name })
	if i < 0 {
		return Column{}, false
	}
	return t.Measures[i], true
}

// HasColumn reports whether the table has a column named name.
func (t *Table) HasColumn(name string) bool {
	_, key := t.Key(name)
	_, measure := t.Measure(name)
	return key || measure
}

func (t *Table) names() []string {
	cols := t.Columns()
	out := make([]string, len(cols))
	for i, c := range cols {
		out[i] = c.Name
	}
	return out
}

var dateType = reflect.TypeFor[calendar.Date]()

// tableOf reads a table's columns from the `col` tags of the key struct
// K and the sums struct S; a declaration it cannot read panics, as a
// program that declares a read model wrongly cannot start.
func tableOf(name string, key, sums reflect.Type) *Table {
	t := &Table{Name: name}
	fields := func(st reflect.Type, what string, kind func(reflect.StructField) (Column, bool)) []Column {
		if st.Kind() != reflect.Struct {
			panic(fmt.Sprintf("read model %s: the %s must be a struct, not %s", name, what, st))
		}
		var out []Column
		for i := range st.NumField() {
			f := st.Field(i)
			c, ok := kind(f)
			c.Name, c.field = f.Tag.Get("col"), i
			if !ok || c.Name == "" {
				panic(fmt.Sprintf("read model %s: %s field %s (%s) needs a `col` tag and a column type", name, what, f.Name, f.Type))
			}
			out = append(out, c)
		}
		return out
	}
	t.Keys = fields(key, "key", func(f reflect.StructField) (Column, bool) {
		switch {
		case f.Type == dateType:
			return Column{Kind: KeyDate}, true
		case f.Type.Kind() == reflect.String:
			c := Column{Kind: KeyText}
			if list := f.Tag.Get("codes"); list != "" {
				l, ok := codeLists[list]
				if !ok {
					panic(fmt.Sprintf("read model %s: key field %s: no code list %q", name, f.Name, list))
				}
				c.Codes = &l
			}
			return c, true
		}
		return Column{}, false
	})
	t.Measures = fields(sums, "sums", func(f reflect.StructField) (Column, bool) {
		switch {
		case f.Type.Kind() == reflect.Int64:
			return Column{Kind: SumInt}, true
		case f.Type.Kind() == reflect.Array && f.Type.Elem().Kind() == reflect.Int64:
			return Column{Kind: SumHist, Buckets: f.Type.Len()}, true
		}
		return Column{}, false
	})
	return t
}

// keyValues appends the key struct k's values in column order, boxed
// once per value by boxes. A k that is addressable has its dates read
// through their address, which spares boxing a copy of each.
func (t *Table) keyValues(row []any, k reflect.Value, boxes *keyBoxes) []any {
	for _, c := range t.Keys {
		f := k.Field(c.field)
		if c.Kind == KeyDate {
			if f.CanAddr() {
				row = append(row, boxes.day(*f.Addr().Interface().(*calendar.Date)))
			} else {
				row = append(row, boxes.day(f.Interface().(calendar.Date)))
			}
		} else {
			row = append(row, boxes.text(f.String()))
		}
	}
	return row
}

// keyBoxes are the key values of a set of rows as interface values, each
// boxed once: rows share their days and codes, and boxing a time.Time or
// a string allocates.
type keyBoxes struct {
	days  map[calendar.Date]any
	texts map[string]any
}

// day is the date column's value of d.
func (b *keyBoxes) day(d calendar.Date) any {
	v, ok := b.days[d]
	if !ok {
		if b.days == nil {
			b.days = map[calendar.Date]any{}
		}
		v = dayValue(d)
		b.days[d] = v
	}
	return v
}

// text is the text column's value of s.
func (b *keyBoxes) text(s string) any {
	v, ok := b.texts[s]
	if !ok {
		if b.texts == nil {
			b.texts = map[string]any{}
		}
		v = s
		// Texts that are not codes (a search's query) can be as many as
		// the rows: past a code list's size they are boxed each time.
		if len(b.texts) < maxKeyBoxes {
			b.texts[s] = v
		}
	}
	return v
}

// maxKeyBoxes bounds the texts keyBoxes keeps.
const maxKeyBoxes = 4096

// sumValues appends the sums s's values (s addressable) in column order;
// histograms share s's memory.
func (t *Table) sumValues(row []any, s reflect.Value) []any {
	for _, c := range t.Measures {
		f := s.Field(c.field)
		if c.Kind == SumHist {
			row = append(row, f.Slice(0, c.Buckets).Interface().([]int64))
		} else {
			row = append(row, f.Int())
		}
	}
	return row
}

// upsertSQL adds rows to table: one INSERT ... SELECT FROM unnest(...)
// whose conflicts add the sums (histograms element-wise). Histograms travel
// as their text form ("{1,0,2}") since unnest would flatten a 2-D array.
// Rows are written in key order, so that instances applying batches of the
// same read model at once lock shared rows in the same order instead of
// deadlocking.
func (t *Table) upsertSQL(table string) string {
	var params, selects, keys, sets []string
	for i, c := range t.Columns() {
		p := "$" + strconv.Itoa(i+1)
		switch c.Kind {
		case KeyDate:
			params = append(params, p+"::date[]")
			selects = append(selects, c.Name)
			keys = append(keys, c.Name)
		case KeyText:
			params = append(params, p+"::text[]")
			selects = append(selects, c.Name)
			keys = append(keys, c.Name)
		case SumInt:
			params = append(params, p+"::bigint[]")
			selects = append(selects, c.Name)
			sets = append(sets, fmt.Sprintf("%s = %s.%s + excluded.%s", c.Name, table, c.Name, c.Name))
		case SumHist:
			params = append(params, p+"::text[]")
			selects = append(selects, c.Name+"::bigint[]")
			elems := make([]string, c.Buckets)
			for b := range c.Buckets {
				elems[b] = fmt.Sprintf("%s.%s[%d] + excluded.%s[%d]", table, c.Name, b+1, c.Name, b+1)
			}
			sets = append(sets, fmt.Sprintf("%s = ARRAY[%s]", c.Name, strings.Join(elems, ", ")))
		}
	}
	names := strings.Join(t.names(), ", ")
	return fmt.Sprintf(`INSERT INTO %s (%s) SELECT %s FROM unnest(%s) AS u(%s) ORDER BY %s ON CONFLICT (%s) DO UPDATE SET %s`,
		table, names, strings.Join(selects, ", "), strings.Join(params, ", "), names,
		strings.Join(keys, ", "), strings.Join(keys, ", "), strings.Join(sets, ", "))
}

// upsertArgs turns rows into upsertSQL's column arrays.
func (t *Table) upsertArgs(rows [][]any) []any {
	cols := t.Columns()
	args := make([]any, len(cols))
	for i, c := range cols {
		switch c.Kind {
		case KeyDate:
			args[i] = column[time.Time](rows, i)
		case KeyText:
			args[i] = column[string](rows, i)
		case SumInt:
			args[i] = column[int64](rows, i)
		case SumHist:
			v := make([]string, len(rows))
			for r, row := range rows {
				v[r] = histText(row[i].([]int64))
			}
			args[i] = v
		}
	}
	return args
}

// column is the i-th value of every row.
func column[T any](rows [][]any, i int) []T {
	v := make([]T, len(rows))
	for r, row := range rows {
		v[r] = row[i].(T)
	}
	return v
}

// upsert adds rows to table in tx, and their sums to its totals table
// (WithTotals), in one round trip.
func (t *Table) upsert(ctx context.Context, tx pgx.Tx, table string, rows [][]any) error {
	if len(rows) == 0 {
		return nil
	}
	b := &pgx.Batch{}
	t.queueUpsert(b, table, rows)
	if err := tx.SendBatch(ctx, b).Close(); err != nil {
		return fmt.Errorf("upsert %d rows into %s: %w", len(rows), table, err)
	}
	return nil
}

// copyInto writes the rows that each sends into table, created empty in
// tx, with COPY, and their sums into its totals table (WithTotals),
// created empty in tx as well, and returns how many rows it wrote. The
// rows travel in PostgreSQL's binary format, which copyInto encodes
// itself from the columns' kinds (date, text, bigint, bigint[];
// CheckTables holds the tables to them) as the connection sends it.
//
// each runs beside the COPY and hands it the rows a piece at a time
// with send, so that the server writes the first pieces while the next
// are made; send fails once the COPY has failed. An error of each fails
// the COPY, and copyInto returns it. The totals are summed from the
// pieces while the server writes the rows, and copied after them.
//
// The tables are written FREEZE (their rows frozen and their pages
// all-visible, which tx having created them allows), so that the first
// readers after the swap do not write every page again to set its hint
// bits.
func (t *Table) copyInto(ctx context.Context, tx pgx.Tx, table string, each func(send func(rows [][]any) error) error) (int, error) {
	copying, cancel := context.WithCancel(ctx)
	defer cancel()
	pieces := make(chan [][]any, 2)
	var toSum chan [][]any
	var totals *totalsSum
	summed := make(chan struct{})
	if t.Totals != nil {
		toSum = make(chan [][]any, 2)
		totals = t.newTotalsSum(0)
		go func() {
			defer close(summed)
			for rows := range toSum {
				totals.add(rows)
			}
		}()
	} else {
		close(summed)
	}
	var (
		eachErr error
		rows    int
	)
	made := make(chan struct{})
	go func() {
		defer close(made)
		defer close(pieces)
		if toSum != nil {
			defer close(toSum)
		}
		eachErr = each(func(piece [][]any) error {
			if len(piece) == 0 {
				return nil
			}
			rows += len(piece)
			if toSum != nil {
				toSum <- piece
			}
			select {
			case pieces <- piece:
				return nil
			case <-copying.Done():
				return context.Cause(copying)
			}
		})
	}()
	r := &copyReader{ctx: copying, cols: t.Columns(), pieces: pieces, made: made, err: &eachErr, refused: make(chan error, 1)}
	_, err := tx.Conn().PgConn().CopyFrom(ctx, r, t.copySQL(table))
	cancel()
	<-made
	<-summed
	if eachErr != nil && !errors.Is(eachErr, context.Canceled) {
		return 0, eachErr
	}
	select {
	case e := <-r.refused:
		err = e
	default:
	}
	if err != nil {
		return 0, fmt.Errorf("copy %d rows into %s: %w", rows, table, err)
	}
	if t.Totals == nil {
		return rows, nil
	}
	sums := totals.rows()
	_, err = t.Totals.copyInto(ctx, tx, t.totalsTable(table), func(send func([][]any) error) error { return send(sums) })
	return rows, err
}

// copySQL is the COPY statement of copyInto into table.
func (t *Table) copySQL(table string) string {
	cols := make([]string, 0, len(t.Keys)+len(t.Measures))
	for _, n := range t.names() {
		cols = append(cols, pgx.Identifier{n}.Sanitize())
	}
	return fmt.Sprintf(`COPY %s (%s) FROM STDIN (FORMAT binary, FREEZE)`, pgx.Identifier{table}.Sanitize(), strings.Join(cols, ", "))
}

// copyReader is the binary COPY data of the rows that arrive on pieces,
// encoded a piece at a time as it is read. It ends when pieces is closed
// (made is closed after it, and err then holds the error of the rows'
// maker) or ctx ends.
type copyReader struct {
	ctx       context.Context
	cols      []Column
	pieces    <-chan [][]any
	made      <-chan struct{}
	err       *error
	rows      [][]any // the piece being encoded
	buf       []byte
	off       int
	started   bool
	ended     bool
	encodeErr error
	// refused has the value that could not be encoded, for copyInto
	// (which CopyFrom may leave before the reading ends).
	refused   chan error
	pieceSize int
}

// pgEpochDays is 2000-01-01, where PostgreSQL counts dates from, in days
// from 1970-01-01.
const pgEpochDays = 10957

// int8OID is bigint's type: the element type of a bigint[] in binary.
const int8OID = 20

func (r *copyReader) Read(p []byte) (int, error) {
	for r.off >= len(r.buf) {
		if r.ended {
			if r.encodeErr != nil {
				return 0, r.encodeErr
			}
			return 0, io.EOF
		}
		if len(r.rows) == 0 && r.started {
			select {
			case rows, ok := <-r.pieces:
				if !ok {
					<-r.made
					if err := *r.err; err != nil {
						r.ended, r.buf = true, r.buf[:0]
						return 0, err
					}
				}
				r.rows = rows
			case <-r.ctx.Done():
				return 0, context.Cause(r.ctx)
			}
		}
		r.fill()
	}
	n := copy(p, r.buf[r.off:])
	r.off += n
	return n, nil
}

// fill encodes the header the first time, then the rows of the piece in
// hand, at least pieceSize bytes of them, and the trailer once the
// pieces have ended (no rows in hand after the first time).
func (r *copyReader) fill() {
	if r.pieceSize == 0 {
		r.pieceSize = 64 << 10
	}
	b := r.buf[:0]
	r.off = 0
	if !r.started {
		r.started = true
		b = append(b, "PGCOPY\n\xff\r\n\x00"...)
		b = binary.BigEndian.AppendUint32(b, 0) // flags
		b = binary.BigEndian.AppendUint32(b, 0) // header extension
		r.buf = b
		return
	}
	if len(r.rows) == 0 {
		r.buf = binary.BigEndian.AppendUint16(b, 0xffff) // the trailer
		r.ended = true
		return
	}
	for len(r.rows) > 0 && len(b) < r.pieceSize {
		row := r.rows[0]
		r.rows = r.rows[1:]
		b = binary.BigEndian.AppendUint16(b, uint16(len(r.cols)))
		for i, c := range r.cols {
			var err error
			if b, err = appendBinary(b, c, row[i]); err != nil {
				// Stop here: the server refuses the short data, and
				// copyInto reports why.
				r.encodeErr, r.ended, r.buf = err, true, b[:0]
				r.refused <- err
				return
			}
		}
	}
	r.buf = b
}

// appendBinary appends v, the value of column c as rowValues gives it, as
// a field of binary COPY: its length, then its bytes.
func appendBinary(b []byte, c Column, v any) ([]byte, error) {
	switch c.Kind {
	case KeyDate:
		if d, ok := v.(time.Time); ok {
			days := d.Unix()/86400 - pgEpochDays
			if d.Unix()%86400 < 0 {
				days-- // before 1970: the division rounded up
			}
			b = binary.BigEndian.AppendUint32(b, 4)
			return binary.BigEndian.AppendUint32(b, uint32(int32(days))), nil
		}
	case KeyText:
		if s, ok := v.(string); ok {
			b = binary.BigEndian.AppendUint32(b, uint32(len(s)))
			return append(b, s...), nil
		}
	case SumInt:
		if n, ok := v.(int64); ok {
			b = binary.BigEndian.AppendUint32(b, 8)
			return binary.BigEndian.AppendUint64(b, uint64(n)), nil
		}
	case SumHist:
		if h, ok := v.([]int64); ok {
			b = binary.BigEndian.AppendUint32(b, uint32(20+12*len(h)))
			b = binary.BigEndian.AppendUint32(b, 1) // dimensions
			b = binary.BigEndian.AppendUint32(b, 0) // no nulls
			b = binary.BigEndian.AppendUint32(b, int8OID)
			b = binary.BigEndian.AppendUint32(b, uint32(len(h)))
			b = binary.BigEndian.AppendUint32(b, 1) // lower bound
			for _, n := range h {
				b = binary.BigEndian.AppendUint32(b, 8)
				b = binary.BigEndian.AppendUint64(b, uint64(n))
			}
			return b, nil
		}
	}
	return b, fmt.Errorf("column %s: a %T, not the column's kind of value", c.Name, v)
}

func histText(h []int64) string {
	b := make([]byte, 0, 4*len(h)+2)
	b = append(b, '{')
	for i, v := range h {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendInt(b, v, 10)
	}
	return string(append(b, '}'))
}

// dayValue is a date as pgx writes it to a date column.
func dayValue(d calendar.Date) time.Time {
	return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, time.UTC)
}
