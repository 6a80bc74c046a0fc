package projections

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/govpulse/govpulse/calendar"
)

// columnKind says how a read-model column is written and merged.
type columnKind int

const (
	keyDate columnKind = iota // part of the key: a date
	keyText                   // part of the key: a code
	sumInt                    // a bigint added on conflict
	sumHist                   // a bigint[] histogram added element-wise
)

type column struct {
	name string
	kind columnKind
	// buckets is a histogram's length.
	buckets int
	// codes names the catalogue list a key column's values come from
	// (list* in codes.go); empty for dates and fixed enums.
	codes string
}

// tableSpec describes a read-model table: its key columns, then its sums.
// Rows are written as []any in column order: time.Time for dates (UTC
// midnight), string for codes, int64 for sums, []int64 for histograms.
type tableSpec struct {
	columns []column
}

func (t tableSpec) names() []string {
	out := make([]string, len(t.columns))
	for i, c := range t.columns {
		out[i] = c.name
	}
	return out
}

// upsertSQL adds rows to table: one INSERT ... SELECT FROM unnest(...)
// whose conflicts add the sums (histograms element-wise). Histograms travel
// as their text form ("{1,0,2}") since unnest would flatten a 2-D array.
// Rows are written in key order, so that instances applying batches of the
// same read model at once lock shared rows in the same order instead of
// deadlocking.
func (t tableSpec) upsertSQL(table string) string {
	var params, selects, keys, sets []string
	for i, c := range t.columns {
		p := "$" + strconv.Itoa(i+1)
		switch c.kind {
		case keyDate:
			params = append(params, p+"::date[]")
			selects = append(selects, c.name)
			keys = append(keys, c.name)
		case keyText:
			params = append(params, p+"::text[]")
			selects = append(selects, c.name)
			keys = append(keys, c.name)
		case sumInt:
			params = append(params, p+"::bigint[]")
			selects = append(selects, c.name)
			sets = append(sets, fmt.Sprintf("%s = %s.%s + excluded.%s", c.name, table, c.name, c.name))
		case sumHist:
			params = append(params, p+"::text[]")
			selects = append(selects, c.name+"::bigint[]")
			elems := make([]string, c.buckets)
			for b := range c.buckets {
				elems[b] = fmt.Sprintf("%s.%s[%d] + excluded.%s[%d]", table, c.name, b+1, c.name, b+1)
			}
			sets = append(sets, fmt.Sprintf("%s = ARRAY[%s]", c.name, strings.Join(elems, ", ")))
		}
	}
	names := strings.Join(t.names(), ", ")
	return fmt.Sprintf(`INSERT INTO %s (%s) SELECT %s FROM unnest(%s) AS u(%s) ORDER BY %s ON CONFLICT (%s) DO UPDATE SET %s`,
		table, names, strings.Join(selects, ", "), strings.Join(params, ", "), names,
		strings.Join(keys, ", "), strings.Join(keys, ", "), strings.Join(sets, ", "))
}

// upsertArgs turns rows into upsertSQL's column arrays.
func (t tableSpec) upsertArgs(rows [][]any) []any {
	args := make([]any, len(t.columns))
	for i, c := range t.columns {
		switch c.kind {
		case keyDate:
			v := make([]time.Time, len(rows))
			for r, row := range rows {
				v[r] = row[i].(time.Time)
			}
			args[i] = v
		case keyText:
			v := make([]string, len(rows))
			for r, row := range rows {
				v[r] = row[i].(string)
			}
			args[i] = v
		case sumInt:
			v := make([]int64, len(rows))
			for r, row := range rows {
				v[r] = row[i].(int64)
			}
			args[i] = v
		case sumHist:
			v := make([]string, len(rows))
			for r, row := range rows {
				v[r] = histText(row[i].([]int64))
			}
			args[i] = v
		}
	}
	return args
}

// upsert adds rows to table in tx.
func (t tableSpec) upsert(ctx context.Context, tx pgx.Tx, table string, rows [][]any) error {
	if len(rows) == 0 {
		return nil
	}
	if _, err := tx.Exec(ctx, t.upsertSQL(table), t.upsertArgs(rows)...); err != nil {
		return fmt.Errorf("upsert %d rows into %s: %w", len(rows), table, err)
	}
	return nil
}

// copyInto writes rows into an empty table with COPY.
func (t tableSpec) copyInto(ctx context.Context, tx pgx.Tx, table string, rows [][]any) error {
	if len(rows) == 0 {
		return nil
	}
	if _, err := tx.CopyFrom(ctx, pgx.Identifier{table}, t.names(), pgx.CopyFromRows(rows)); err != nil {
		return fmt.Errorf("copy %d rows into %s: %w", len(rows), table, err)
	}
	return nil
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
