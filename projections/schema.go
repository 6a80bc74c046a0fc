package projections

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/jackc/pgx/v5"

	"github.com/govpulse/govpulse/postgres"
)

// CheckTables compares each read model's declared table with the one the
// migrations made: every declared column exists with its type and NOT
// NULL, the table has no column the declaration lacks, and the key
// columns are its primary key; its totals table (WithTotals) likewise. A
// declaration changed without its migration (or the reverse) so stops
// start-up with a message naming the column, instead of failing every
// batch.
func CheckTables(ctx context.Context, db postgres.Querier, ps []*Projection) error {
	var errs []error
	for _, p := range ps {
		for _, t := range []*Table{p.table, p.table.Totals} {
			if t == nil {
				continue
			}
			if err := checkTable(ctx, db, t); err != nil {
				errs = append(errs, fmt.Errorf("read model %s does not match its table %s; write the migration that makes them agree: %w", p.name, t.Name, err))
			}
		}
	}
	return errors.Join(errs...)
}

func checkTable(ctx context.Context, db postgres.Querier, t *Table) error {
	rows, err := db.Query(ctx, `SELECT column_name::text, CASE WHEN data_type = 'ARRAY' THEN udt_name::text ELSE data_type::text END, is_nullable = 'YES'
		FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = $1`, t.Name)
	if err != nil {
		return err
	}
	type column struct {
		typ      string
		nullable bool
	}
	have := map[string]column{}
	var name string
	var c column
	if _, err := pgx.ForEachRow(rows, []any{&name, &c.typ, &c.nullable}, func() error { have[name] = c; return nil }); err != nil {
		return err
	}
	if len(have) == 0 {
		return fmt.Errorf("no table %s", t.Name)
	}
	var problems []string
	for _, d := range t.Columns() {
		want := map[ColumnKind]string{KeyDate: "date", KeyText: "text", SumInt: "bigint", SumHist: "_int8"}[d.Kind]
		got, ok := have[d.Name]
		switch {
		case !ok:
			problems = append(problems, fmt.Sprintf("column %s (%s) is declared but missing", d.Name, want))
		case got.typ != want:
			problems = append(problems, fmt.Sprintf("column %s is %s, declared %s", d.Name, got.typ, want))
		case got.nullable:
			problems = append(problems, fmt.Sprintf("column %s must be NOT NULL", d.Name))
		}
		delete(have, d.Name)
	}
	for _, n := range slices.Sorted(maps.Keys(have)) {
		problems = append(problems, fmt.Sprintf("column %s is not declared", n))
	}
	rows, err = db.Query(ctx, `SELECT a.attname::text FROM pg_index i
		JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey)
		WHERE i.indrelid = $1::regclass AND i.indisprimary ORDER BY array_position(i.indkey::int2[], a.attnum)`, t.Name)
	if err != nil {
		return err
	}
	pk, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return err
	}
	var keys []string
	for _, k := range t.Keys {
		keys = append(keys, k.Name)
	}
	if !slices.Equal(pk, keys) {
		problems = append(problems, fmt.Sprintf("primary key is (%s), declared (%s)", strings.Join(pk, ", "), strings.Join(keys, ", ")))
	}
	if len(problems) > 0 {
		return errors.New(strings.Join(problems, "; "))
	}
	return nil
}
