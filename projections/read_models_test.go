package projections_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/govpulse/govpulse/internal/catalogtest"
	"github.com/govpulse/govpulse/internal/pgtest"
	"github.com/govpulse/govpulse/postgres"
	"github.com/govpulse/govpulse/projections"
)

const (
	wdBuckets = 12 // 0,1,2,3,5,10,20,35,60,85,120,+Inf
	sBuckets  = 8  // 1,5,10,30,60,300,3600,+Inf
)

// TestCaseStatsArithmetic folds a small stream whose figures are counted by
// hand from the State Council's holiday notices.
func TestCaseStatsArithmetic(t *testing.T) {
	pool := pgtest.NewPool(t)
	cases, _, _ := readModels(t)
	instant := func(d map[string]any) {
		d["item_code"], d["mode"], d["channel"], d["promised_working_days"] = "enterprise_establishment_instant", "instant", "online", 0
	}
	applyBatches(t, pool, []*projections.Projection{cases},
		[]postgres.NewEvent{
			// Same day: 0 working days.
			caseEvent(t, "c1", "2024-03-01T09:00:00+08:00", "2024-03-01T16:30:00+08:00", nil),
			// Friday to Monday: 1 working day; rejected, assisted.
			caseEvent(t, "c2", "2024-03-01T10:00:00+08:00", "2024-03-04T11:00:00+08:00", func(d map[string]any) {
				d["result"], d["assisted"] = "rejected", true
			}),
			// Spring Festival 2024: Thu 02-08 to Mon 02-19. Working days
			// after the 8th: Fri 02-09, Sun 02-18 (make-up), Mon 02-19 = 3;
			// 02-10..02-17 are the holiday. Promised 1: overdue.
			caseEvent(t, "c3", "2024-02-08T09:00:00+08:00", "2024-02-19T10:00:00+08:00", nil),
			// Finished 23:30 UTC on 03-01, which is Saturday 03-02 in
			// Shanghai: it lands on 03-02, and took 0 working days.
			caseEvent(t, "c4", "2024-03-01T01:00:00Z", "2024-03-01T23:30:00Z", nil),
		},
		[]postgres.NewEvent{
			// 2027 has no holiday data yet: counted, working days unknown.
			caseEvent(t, "c5", "2026-12-30T09:00:00+08:00", "2027-01-05T10:00:00+08:00", func(d map[string]any) {
				d["result"] = "withdrawn"
			}),
			// Nor has 2018 (accepted before the calendar starts).
			caseEvent(t, "c6", "2018-12-28T09:00:00+08:00", "2019-01-03T10:00:00+08:00", nil),
			// Instant mode: 7.25 s and 20 min, both the same day.
			caseEvent(t, "c7", "2024-03-05T10:00:00+08:00", "2024-03-05T10:00:07.25+08:00", instant),
			caseEvent(t, "c8", "2024-03-05T10:00:00+08:00", "2024-03-05T10:20:00+08:00", instant),
			// Lands on c1's row. Thu 02-01 to Fri 03-01, promised 10:
			// 02-02, 02-04 (make-up Sunday), 02-05..09 = 7; 02-18 = 8;
			// 02-19..23 = 13; 02-26..03-01 = 18 working days, overdue.
			caseEvent(t, "c9", "2024-02-01T09:00:00+08:00", "2024-03-01T09:30:00+08:00", func(d map[string]any) {
				d["promised_working_days"] = 10
			}),
		},
	)
	rows := rowsByKey(t, pool, "case_stats", "day", "department", "district", "channel", "mode", "item")
	if len(rows) != 7 {
		t.Errorf("got %d rows, want 7", len(rows))
	}
	std := "|qd-xzsp|shinan|window|standard|enterprise_establishment"
	zero := map[string]any{"instant": 0, "instant_ms_sum": 0, "instant_seconds_hist": hist(sBuckets, nil)}
	with := func(a, b map[string]any) map[string]any {
		out := map[string]any{}
		for k, v := range a {
			out[k] = v
		}
		for k, v := range b {
			out[k] = v
		}
		return out
	}
	wantRow(t, rows, "2024-03-01"+std, with(zero, map[string]any{
		"finished": 2, "approved": 2, "rejected": 0, "withdrawn": 0, "assisted": 0,
		"elapsed_unknown": 0, "overdue": 1, "elapsed_wd_sum": 18, "promised_wd_sum": 11,
		"promised_cases": 2, "promised_elapsed_sum": 18, "promised_limit_sum": 11,
		"elapsed_wd_hist": hist(wdBuckets, map[int]int{0: 1, 6: 1}),
	}))
	wantRow(t, rows, "2024-03-04"+std, with(zero, map[string]any{
		"finished": 1, "approved": 0, "rejected": 1, "assisted": 1, "overdue": 0,
		"elapsed_wd_sum": 1, "promised_wd_sum": 1, "promised_cases": 1,
		"elapsed_wd_hist": hist(wdBuckets, map[int]int{1: 1}),
	}))
	wantRow(t, rows, "2024-02-19"+std, with(zero, map[string]any{
		"finished": 1, "overdue": 1, "elapsed_wd_sum": 3, "promised_elapsed_sum": 3, "promised_limit_sum": 1,
		"elapsed_wd_hist": hist(wdBuckets, map[int]int{3: 1}),
	}))
	wantRow(t, rows, "2024-03-02"+std, map[string]any{
		"finished": 1, "overdue": 0, "elapsed_wd_sum": 0,
		"elapsed_wd_hist": hist(wdBuckets, map[int]int{0: 1}),
	})
	for _, day := range []string{"2027-01-05", "2019-01-03"} {
		wantRow(t, rows, day+std, map[string]any{
			"finished": 1, "elapsed_unknown": 1, "overdue": 0, "elapsed_wd_sum": 0,
			"promised_wd_sum": 1, "promised_cases": 0, "promised_limit_sum": 0,
			"elapsed_wd_hist": hist(wdBuckets, nil),
		})
	}
	wantRow(t, rows, "2027-01-05"+std, map[string]any{"withdrawn": 1, "approved": 0})
	wantRow(t, rows, "2024-03-05|qd-xzsp|shinan|online|instant|enterprise_establishment_instant", map[string]any{
		"finished": 2, "overdue": 0, "elapsed_wd_sum": 0, "promised_wd_sum": 0, "promised_cases": 0,
		"elapsed_wd_hist":      hist(wdBuckets, map[int]int{0: 2}),
		"instant":              2,
		"instant_ms_sum":       7250 + 1200000,
		"instant_seconds_hist": hist(sBuckets, map[int]int{2: 1, 6: 1}),
	})
}

// TestLicenseStatsArithmetic folds licences, including a construction
// permit across the 2019 National Day week.
func TestLicenseStatsArithmetic(t *testing.T) {
	pool := pgtest.NewPool(t)
	_, licenses, _ := readModels(t)
	permit := func(applied, issued string, steps int, value float64, electronic bool) func(d map[string]any) {
		return func(d map[string]any) {
			d["license_type"], d["district"], d["steps"] = "construction_permit", "huangdao", steps
			d["contract_value_cny"], d["electronic"] = value, electronic
		}
	}
	applyBatches(t, pool, []*projections.Projection{licenses},
		[]postgres.NewEvent{
			licenseEvent(t, "l1", "2024-03-01T09:00:00+08:00", "2024-03-01T15:00:00+08:00", func(d map[string]any) {
				d["electronic"] = true
			}),
			licenseEvent(t, "l2", "2024-03-01T09:00:00+08:00", "2024-03-04T09:00:00+08:00", func(d map[string]any) {
				d["steps"] = 2
			}),
			// Fri 2019-09-27 to Mon 10-14: 09-29 (make-up Sunday), 09-30,
			// 10-08..10-11, 10-12 (make-up Saturday), 10-14 = 8 working days.
			licenseEvent(t, "l3", "2019-09-27T09:00:00+08:00", "2019-10-14T10:00:00+08:00",
				permit("", "", 4, 104860000.29, true)),
		},
		[]postgres.NewEvent{
			// Same row as l3: 10-09, 10-10, 10-11, 10-12, 10-14 = 5.
			licenseEvent(t, "l4", "2019-10-08T09:00:00+08:00", "2019-10-14T17:00:00+08:00",
				permit("", "", 1, 0.1, false)),
			licenseEvent(t, "l5", "2026-12-31T09:00:00+08:00", "2027-01-04T10:00:00+08:00", nil),
		},
	)
	rows := rowsByKey(t, pool, "license_stats", "day", "license_type", "department", "district", "holder_type")
	if len(rows) != 4 {
		t.Errorf("got %d rows, want 4", len(rows))
	}
	wantRow(t, rows, "2024-03-01|business_license|qd-xzsp|shinan|enterprise", map[string]any{
		"issued": 1, "elapsed_unknown": 0, "within_1wd": 1, "elapsed_wd_sum": 0,
		"elapsed_wd_hist": hist(wdBuckets, map[int]int{0: 1}),
		"steps_sum":       1, "electronic": 1, "contracts": 0, "contract_value_fen": 0,
	})
	wantRow(t, rows, "2024-03-04|business_license|qd-xzsp|shinan|enterprise", map[string]any{
		"issued": 1, "within_1wd": 1, "elapsed_wd_sum": 1,
		"elapsed_wd_hist": hist(wdBuckets, map[int]int{1: 1}),
		"steps_sum":       2, "electronic": 0,
	})
	wantRow(t, rows, "2019-10-14|construction_permit|qd-xzsp|huangdao|enterprise", map[string]any{
		"issued": 2, "within_1wd": 0, "elapsed_wd_sum": 13,
		"elapsed_wd_hist": hist(wdBuckets, map[int]int{4: 1, 5: 1}),
		"steps_sum":       5, "electronic": 1, "contracts": 2, "contract_value_fen": 10486000029 + 10,
	})
	wantRow(t, rows, "2027-01-04|business_license|qd-xzsp|shinan|enterprise", map[string]any{
		"issued": 1, "elapsed_unknown": 1, "within_1wd": 0, "elapsed_wd_sum": 0,
		"elapsed_wd_hist": hist(wdBuckets, nil), "steps_sum": 1,
	})
}

// TestLawsuitStatsArithmetic counts hearings and who appeared.
func TestLawsuitStatsArithmetic(t *testing.T) {
	pool := pgtest.NewPool(t)
	_, _, lawsuits := readModels(t)
	applyBatches(t, pool, []*projections.Projection{lawsuits},
		[]postgres.NewEvent{
			hearingEvent(t, "1", "2024-04-10T14:00:00+08:00", nil),
			hearingEvent(t, "2", "2024-04-10T15:00:00+08:00", func(d map[string]any) { d["appeared_role"] = "deputy_head" }),
		},
		[]postgres.NewEvent{
			hearingEvent(t, "3", "2024-04-10T16:00:00+08:00", func(d map[string]any) {
				d["appeared_role"], d["head_appeared"] = "staff", false
			}),
			// 20:00 UTC is 04:00 the next day in Shanghai.
			hearingEvent(t, "4", "2024-04-10T20:00:00Z", nil),
		},
	)
	rows := rowsByKey(t, pool, "lawsuit_stats", "day", "agency", "court")
	if len(rows) != 2 {
		t.Errorf("got %d rows, want 2", len(rows))
	}
	wantRow(t, rows, "2024-04-10|qd-zrzy|qd-court-intermediate", map[string]any{
		"hearings": 3, "head_appearances": 2, "role_head": 1, "role_deputy_head": 1, "role_staff": 1,
	})
	wantRow(t, rows, "2024-04-11|qd-zrzy|qd-court-intermediate", map[string]any{
		"hearings": 1, "head_appearances": 1, "role_head": 1, "role_deputy_head": 0, "role_staff": 0,
	})
}

// TestLateEventsLandOnTheirOwnDay: events that arrive late and out of order
// are added to the day they happened, next to what that day already had.
func TestLateEventsLandOnTheirOwnDay(t *testing.T) {
	pool := pgtest.NewPool(t)
	cases, _, lawsuits := readModels(t)
	ps := []*projections.Projection{cases, lawsuits}
	applyBatches(t, pool, ps,
		[]postgres.NewEvent{
			caseEvent(t, "may-1", "2024-05-10T09:00:00+08:00", "2024-05-10T10:00:00+08:00", nil),
			caseEvent(t, "mar-1", "2024-03-01T09:00:00+08:00", "2024-03-01T10:00:00+08:00", nil),
		},
		// Months later, a department uploads a backlog: March and 2023.
		[]postgres.NewEvent{
			caseEvent(t, "may-2", "2024-05-10T09:00:00+08:00", "2024-05-10T11:00:00+08:00", nil),
			caseEvent(t, "mar-2", "2024-03-01T09:00:00+08:00", "2024-03-01T12:00:00+08:00", nil),
			caseEvent(t, "old-1", "2023-06-01T09:00:00+08:00", "2023-06-02T12:00:00+08:00", nil),
			hearingEvent(t, "old-h", "2023-06-02T09:00:00+08:00", nil),
		},
		[]postgres.NewEvent{
			caseEvent(t, "mar-3", "2024-03-01T09:00:00+08:00", "2024-03-01T12:00:00+08:00", nil),
		},
	)
	rows := rowsByKey(t, pool, "case_stats", "day")
	for day, want := range map[string]int{"2024-05-10": 2, "2024-03-01": 3, "2023-06-02": 1} {
		wantRow(t, rows, day, map[string]any{"finished": want})
	}
	if len(rows) != 3 {
		t.Errorf("got %d case rows, want 3", len(rows))
	}
	wantRow(t, rowsByKey(t, pool, "lawsuit_stats", "day"), "2023-06-02", map[string]any{"hearings": 1})
}

// TestDeclarationsMatchTheMigrations: every read model's declaration, its
// totals table's too, agrees with the table the migrations make, and a
// table that drifted from its declaration is named with the column.
func TestDeclarationsMatchTheMigrations(t *testing.T) {
	type drift struct{ sql, want string }
	for _, tc := range []struct {
		table string // the table the drifts change, named in the error
		on    string // how the error names it
		// The boards' view of case_stats would keep its columns from
		// changing: dropped first.
		dropView bool
		drifts   []drift // applied in turn, each checked
	}{
		{"case_stats", "read model case_stats", true, []drift{
			{`ALTER TABLE case_stats ADD COLUMN extra bigint NOT NULL DEFAULT 0`, "column extra is not declared"},
			{`ALTER TABLE case_stats DROP COLUMN extra, DROP COLUMN overdue`, "column overdue (bigint) is declared but missing"},
			{`ALTER TABLE case_stats ADD COLUMN overdue text NOT NULL DEFAULT ''`, "column overdue is text, declared bigint"},
			{`ALTER TABLE case_stats DROP COLUMN overdue, ADD COLUMN overdue bigint`, "column overdue must be NOT NULL"},
			{`ALTER TABLE case_stats ALTER COLUMN overdue SET NOT NULL, DROP CONSTRAINT case_stats_pkey, ADD PRIMARY KEY (day, department)`,
				"primary key is (day, department), declared (day, department, district, channel, mode, item)"},
		}},
		{"case_stats_totals", "case_stats_totals", false, []drift{
			{`ALTER TABLE case_stats_totals DROP COLUMN overdue`, "column overdue (bigint) is declared but missing"},
		}},
	} {
		t.Run(tc.table, func(t *testing.T) {
			ctx := context.Background()
			pool := pgtest.NewPool(t)
			models := projections.ReadModels(catalogtest.Calendar(t), quietLogger())
			if err := projections.CheckTables(ctx, pool, models); err != nil {
				t.Fatal(err)
			}
			if tc.dropView {
				if _, err := pool.Exec(ctx, `DROP VIEW `+postgres.BoardsSchema+`.`+tc.table); err != nil {
					t.Fatal(err)
				}
			}
			for _, d := range tc.drifts {
				if _, err := pool.Exec(ctx, d.sql); err != nil {
					t.Fatal(err)
				}
				err := projections.CheckTables(ctx, pool, models)
				if err == nil || !strings.Contains(err.Error(), tc.on) || !strings.Contains(err.Error(), d.want) {
					t.Errorf("after %s: got %v, want an error on %s saying %q", d.sql, err, tc.table, d.want)
				}
			}
		})
	}
}

// TestApplyRefusesCodesTheCatalogueLacks: a read model with a catalogue
// refuses a batch holding a code the catalogue does not list, naming the
// code and the event, and writes nothing of it; a rebuild of a log with
// such an event fails the same way; without the code the batch applies.
func TestApplyRefusesCodesTheCatalogueLacks(t *testing.T) {
	ctx := context.Background()
	pool := pgtest.NewPool(t)
	cat := catalogtest.Default(t)
	cases, licenses, lawsuits := readModels(t)
	for _, p := range []*projections.Projection{cases, licenses, lawsuits} {
		p.Catalog = cat
	}
	store := &postgres.EventStore{Pool: pool}
	for _, tc := range []struct {
		p     *projections.Projection
		ev    postgres.NewEvent
		field string
	}{
		{cases, caseEvent(t, "c-gone", "2024-03-01T09:00:00+08:00", "2024-03-01T16:30:00+08:00", func(d map[string]any) { d["item_code"] = "gone_item" }), `item "gone_item"`},
		{cases, caseEvent(t, "c-zone", "2024-03-01T09:00:00+08:00", "2024-03-01T16:30:00+08:00", func(d map[string]any) { d["district"] = "gone-zone" }), `district "gone-zone"`},
		{licenses, licenseEvent(t, "l-gone", "2024-03-01T09:00:00+08:00", "2024-03-01T16:30:00+08:00", func(d map[string]any) { d["license_type"] = "gone_permit" }), `licence type "gone_permit"`},
		{lawsuits, hearingEvent(t, "h-gone", "2024-03-01T09:00:00+08:00", func(d map[string]any) { d["court"] = "gone-court" }), `court "gone-court"`},
	} {
		ok := caseEvent(t, "ok-"+tc.ev.Envelope.ID, "2024-03-01T09:00:00+08:00", "2024-03-01T16:30:00+08:00", nil)
		res, err := store.Append(ctx, testSource, []postgres.NewEvent{ok, tc.ev})
		if err != nil {
			t.Fatal(err)
		}
		_, err = store.ApplyOnce(ctx, tc.p.Name(), res.Batch, tc.p.Apply)
		var uc *projections.UnknownCodeError
		if !errors.As(err, &uc) || !strings.Contains(err.Error(), tc.field) || !strings.Contains(err.Error(), "id "+tc.ev.Envelope.ID) {
			t.Errorf("%s: Apply = %v; want an UnknownCodeError naming %s and the event", tc.p.Name(), err, tc.field)
		}
	}
	if rows := tableRows(t, pool, "case_stats"); len(rows) != 0 {
		t.Errorf("a refused batch wrote %d rows", len(rows))
	}

	// A batch applied before the code left the catalogue makes a rebuild
	// fail, naming the code, instead of silently dropping it.
	cases.Catalog = nil
	applyBatches(t, pool, []*projections.Projection{cases}, []postgres.NewEvent{
		caseEvent(t, "c-old", "2024-03-01T09:00:00+08:00", "2024-03-01T16:30:00+08:00", func(d map[string]any) { d["item_code"] = "old_item" }),
	})
	cases.Catalog = cat
	if _, err := cases.Rebuild(ctx, pool, projections.RebuildOptions{}); err == nil || !strings.Contains(err.Error(), `item "old_item"`) {
		t.Errorf("rebuild over an unknown code: %v", err)
	}
	applyBatches(t, pool, []*projections.Projection{cases}, []postgres.NewEvent{
		caseEvent(t, "c-new", "2024-03-01T09:00:00+08:00", "2024-03-01T16:30:00+08:00", nil),
	})
}
