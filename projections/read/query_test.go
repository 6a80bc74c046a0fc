package read

import (
	"context"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/govpulse/govpulse/internal/pgtest"
	"github.com/govpulse/govpulse/projections"
)

// TestTotalsQueryRefusesWhatTotalsCannotAnswer: a totals query bounded by
// days, grouped by a column the totals lack, or on a read model without
// totals is an error naming why, never a wrong sum.
func TestTotalsQueryRefusesWhatTotalsCannotAnswer(t *testing.T) {
	ctx := context.Background()
	day := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		run  func() error
		want string
	}{
		{func() error {
			_, err := Sums(ctx, nil, projections.CaseStats, Query{Totals: true, From: day})
			return err
		}, "totals hold no days"},
		{func() error {
			_, err := Sums(ctx, nil, projections.CaseStats, Query{Totals: true, GroupBy: []string{"item"}})
			return err
		}, `case_stats_totals: cannot group by "item"`},
		{func() error {
			_, err := Sums(ctx, nil, projections.CaseStats, Query{Totals: true, GroupBy: []string{"month"}})
			return err
		}, `cannot group by "month"`},
		{func() error {
			_, err := Sums(ctx, nil, projections.LawsuitStats, Query{Totals: true})
			return err
		}, "lawsuit_stats: no totals table"},
	} {
		if err := c.run(); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("got %v, want an error saying %q", err, c.want)
		}
	}
}

// TestTotalsQueryEqualsRowsQuery: on the same rows, a totals query
// answers what the rows query does, grouped by every key of the totals
// in either order (read as they are) or by fewer (summed), and filtered.
func TestTotalsQueryEqualsRowsQuery(t *testing.T) {
	ctx := context.Background()
	pool := pgtest.NewPool(t)
	if _, err := pool.Exec(ctx, `INSERT INTO license_stats VALUES
		('2025-05-06', 'business_license', 'qd-xzsp', 'shinan', 'enterprise', 4, 0, 3, 5, '{1,2,0,0,1,0,0,0,0,0,0,0}', 8, 4, 0, 0),
		('2025-05-07', 'business_license', 'qd-xzsp', 'laoshan', 'enterprise', 2, 1, 1, 2, '{0,1,0,0,0,0,0,0,0,0,0,0}', 3, 1, 1, 500),
		('2025-05-07', 'business_license', 'qd-scjg', 'shinan', 'individual_business', 1, 0, 1, 0, '{1,0,0,0,0,0,0,0,0,0,0,0}', 1, 1, 0, 0),
		('2025-06-01', 'construction_permit', 'qd-zjj', 'huangdao', 'enterprise', 3, 0, 0, 90, '{0,0,0,0,0,0,1,1,1,0,0,0}', 20, 3, 3, 90000)`); err != nil {
		t.Fatal(err)
	}
	if _, err := pool.Exec(ctx, projections.LicenseStats.Table().TotalsSQL()); err != nil {
		t.Fatal(err)
	}
	for _, q := range []Query{
		{GroupBy: []string{"license_type", "department"}},
		{GroupBy: []string{"department", "license_type"}, Measures: []string{"issued", "elapsed_wd_hist"}},
		{GroupBy: []string{"license_type"}},
		{GroupBy: []string{"department"}, Filters: map[string][]string{"license_type": {"business_license"}}},
		{},
	} {
		rows, err := LicenseStats(ctx, pool, q)
		if err != nil {
			t.Fatal(err)
		}
		q.Totals = true
		totals, err := LicenseStats(ctx, pool, q)
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) < 1 || !reflect.DeepEqual(totals, rows) {
			t.Errorf("%+v: totals answer\n%s\nrows answer\n%s", q, jsonOf(t, totals), jsonOf(t, rows))
		}
	}
}

// TestTotalsHistogramOfAnotherLengthIsAnError: a totals row whose
// histogram has more or fewer buckets than the read model's, or another
// shape, is refused naming the column, never read in part.
func TestTotalsHistogramOfAnotherLengthIsAnError(t *testing.T) {
	ctx := context.Background()
	pool := pgtest.NewPool(t)
	q := Query{Totals: true, GroupBy: []string{"license_type", "department"}, Measures: []string{"issued", "elapsed_wd_hist"}}
	for _, hist := range []string{"{1,2,0,0,1,0,0,0,0,0,0}", "{1,2,0,0,1,0,0,0,0,0,0,0,0}", "{}", "{{1,2,0,0,1,0},{0,0,0,0,0,0}}", "[0:11]={1,2,0,0,1,0,0,0,0,0,0,0}"} {
		if _, err := pool.Exec(ctx, `TRUNCATE license_stats_totals`); err != nil {
			t.Fatal(err)
		}
		if _, err := pool.Exec(ctx, `INSERT INTO license_stats_totals VALUES ('business_license', 'qd-xzsp', 4, 0, 3, 5, $1, 8, 4, 0, 0)`, hist); err != nil {
			t.Fatal(err)
		}
		gs, err := LicenseStats(ctx, pool, q)
		if err == nil || !strings.Contains(err.Error(), "histogram elapsed_wd_hist: want 12 buckets") {
			t.Errorf("histogram %s: got %v, %v; want an error naming the column and its 12 buckets", hist, jsonOf(t, gs), err)
		}
	}
	if _, err := pool.Exec(ctx, `UPDATE license_stats_totals SET elapsed_wd_hist = '{1,2,0,0,1,0,0,0,0,0,0,7}'`); err != nil {
		t.Fatal(err)
	}
	gs, err := LicenseStats(ctx, pool, q)
	if err != nil || len(gs) != 1 || gs[0].Issued != 4 || gs[0].P90WorkingDays == nil || *gs[0].P90WorkingDays <= 85 {
		t.Errorf("twelve buckets: got %s, %v; want the row read, its 7 licences past 120 days in the p90", jsonOf(t, gs), err)
	}
}

func jsonOf(t *testing.T, v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
