package projections

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/govpulse/govpulse/calendar"
	"github.com/govpulse/govpulse/events"
	"github.com/govpulse/govpulse/internal/pgtest"
)

// loadTestKey and loadTestSums are a read model's row for the load's
// tests: a date and two texts in the key, a sum and a histogram.
type loadTestKey struct {
	Day  calendar.Date `col:"day"`
	Code string        `col:"code"`
	Text string        `col:"text"`
}

type loadTestSums struct {
	N    int64    `col:"n"`
	Hist [3]int64 `col:"hist"`
}

// loadTestFold is a fold of the test model holding rows random keys:
// days from before 1970 to 2030, texts that byte order and a language's
// order tell apart (case, prefixes, punctuation, accents, Chinese).
func loadTestFold(rows int) *modelFold[loadTestKey, loadTestSums, events.CaseFinished] {
	m := Declare("load_test", 990, func(*Folding, events.CaseFinished, func(loadTestKey) *loadTestSums) error { return nil })
	f := m.newFold(nil)
	texts := []string{"", "a", "A", "a-b", "ab", "a b", "aB", "Z", "z", "é", "e", "f", "青岛", "青", "市南区", "item-10", "item-9", "item_1", "~"}
	rng := rand.New(rand.NewPCG(3, 4))
	for len(f.rows) < rows {
		d := time.Date(1960, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, rng.IntN(70*366))
		day := calendar.Date{Year: d.Year(), Month: d.Month(), Day: d.Day()}
		k := loadTestKey{Day: day, Code: texts[rng.IntN(len(texts))], Text: texts[rng.IntN(len(texts))] + texts[rng.IntN(len(texts))]}
		s := f.rowOf(k)
		s.N += rng.Int64N(1000)
		s.Hist[rng.IntN(3)]++
	}
	return f
}

// TestRowsByKeyInPostgresOrder: the rows a rebuild loads come in the
// order PostgreSQL's C collation sorts their keys (dates, then texts by
// their bytes), in pieces of the size asked for, and are the rows of
// rowValues, each once.
func TestRowsByKeyInPostgresOrder(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	pool := pgtest.NewPool(t)
	f := loadTestFold(3000)
	var got [][]any
	err := f.rowsByKey(7, func(rows [][]any) error {
		if len(rows) == 0 || len(rows) > 7 || len(rows) < 7 && len(got)+len(rows) != len(f.rows) {
			t.Errorf("a piece of %d rows after %d, of %d", len(rows), len(got), len(f.rows))
		}
		got = append(got, rows...)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	rowText := func(row []any) string { return fmt.Sprint(row...) }
	want := f.rowValues()
	wantTexts, gotTexts := make([]string, len(want)), make([]string, len(got))
	for i := range want {
		wantTexts[i] = rowText(want[i])
	}
	for i := range got {
		gotTexts[i] = rowText(got[i])
	}
	slices.Sort(wantTexts)
	slices.Sort(gotTexts)
	if !slices.Equal(gotTexts, wantTexts) {
		t.Fatalf("rowsByKey gave %d rows, rowValues %d, not the same", len(got), len(want))
	}

	if _, err := pool.Exec(ctx, `CREATE TABLE load_order (day date, code text, text text, pos int)`); err != nil {
		t.Fatal(err)
	}
	src := make([][]any, len(got))
	for i, row := range got {
		src[i] = []any{row[0], row[1], row[2], i}
	}
	if _, err := pool.CopyFrom(ctx, pgx.Identifier{"load_order"}, []string{"day", "code", "text", "pos"}, pgx.CopyFromRows(src)); err != nil {
		t.Fatal(err)
	}
	pos := pgtest.Strings(t, pool, `SELECT pos::text FROM load_order ORDER BY day, code COLLATE "C", text COLLATE "C"`)
	for i, p := range pos {
		if p != fmt.Sprint(i) {
			t.Fatalf("PostgreSQL puts row %s (%v) at %d", p, got[i], i)
		}
	}
}

// TestCopyIntoStopsOnFailure: a load whose rows fail to be made (a code
// not in the catalogue, found in a later piece) ends with that error
// without making the rest, one that the server refuses ends with the
// server's error, and neither leaves a table; one that succeeds writes
// every piece and the totals.
func TestCopyIntoStopsOnFailure(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	pool := pgtest.NewPool(t)
	f := loadTestFold(2000)
	tbl := f.m.table
	tbl.Totals = &Table{Name: "load_test_totals", Keys: []Column{tbl.Keys[1]}, Measures: tbl.Measures}
	if _, err := pool.Exec(ctx, `CREATE TABLE load_test (day date NOT NULL, code text NOT NULL, text text NOT NULL, n bigint NOT NULL, hist bigint[] NOT NULL);
		CREATE TABLE load_test_totals (code text NOT NULL, n bigint NOT NULL, hist bigint[] NOT NULL)`); err != nil {
		t.Fatal(err)
	}
	errMade := errors.New("a code not in the catalogue")
	load := func(table string, fail func(sent int) error) (int, int, error) {
		var sent int
		var n int
		err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
			if _, err := tx.Exec(ctx, `CREATE TABLE `+table+` (LIKE load_test INCLUDING ALL); CREATE TABLE `+tbl.totalsTable(table)+` (LIKE load_test_totals INCLUDING ALL)`); err != nil {
				return err
			}
			var err error
			n, err = tbl.copyInto(ctx, tx, table, func(send func([][]any) error) error {
				return f.rowsByKey(100, func(rows [][]any) error {
					if err := fail(sent); err != nil {
						return err
					}
					sent++
					return send(rows)
				})
			})
			return err
		})
		return n, sent, err
	}
	if _, sent, err := load("load_test_made", func(sent int) error {
		if sent == 3 {
			return errMade
		}
		return nil
	}); !errors.Is(err, errMade) || sent != 3 {
		t.Errorf("a failure making the 4th piece: %v after %d pieces; want the failure after 3", err, sent)
	}

	// A check the rows fail: the server refuses the first rows, and the
	// load ends with its refusal (the pieces still being sent give up).
	if _, err := pool.Exec(ctx, `ALTER TABLE load_test ADD CHECK (n < 0)`); err != nil {
		t.Fatal(err)
	}
	var pgErr *pgconn.PgError
	if _, _, err := load("load_test_refused", func(int) error { return nil }); !errors.As(err, &pgErr) || pgErr.Code != "23514" {
		t.Errorf("a load the server refuses: %v; want its check_violation", err)
	}
	if _, err := pool.Exec(ctx, `ALTER TABLE load_test DROP CONSTRAINT load_test_n_check`); err != nil {
		t.Fatal(err)
	}
	for _, table := range []string{"load_test_made", "load_test_refused"} {
		if got := pgtest.Strings(t, pool, `SELECT coalesce(to_regclass($1)::text, '')`, table); got[0] != "" {
			t.Errorf("a failed load left %s", got[0])
		}
	}

	n, sent, err := load("load_test_done", func(int) error { return nil })
	if err != nil || n != len(f.rows) || sent != 20 {
		t.Fatalf("load: %d rows in %d pieces, %v; want %d in 20", n, sent, err, len(f.rows))
	}
	got := pgtest.Strings(t, pool, `SELECT count(*)::text || ' ' || sum(n)::text FROM load_test_done`)
	var sum int64
	for _, s := range f.rows {
		sum += s.N
	}
	if want := fmt.Sprint(len(f.rows), " ", sum); got[0] != want {
		t.Errorf("loaded %s (rows, sum), want %s", got[0], want)
	}
	totals := pgtest.Strings(t, pool, `SELECT count(*)::text || ' ' || sum(n)::text FROM load_test_totals_done`)
	codes := map[string]bool{}
	for k := range f.rows {
		codes[k.Code] = true
	}
	if want := fmt.Sprint(len(codes), " ", sum); totals[0] != want {
		t.Errorf("loaded totals %s (rows, sum), want %s", totals[0], want)
	}
}
