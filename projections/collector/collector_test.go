package collector

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/govpulse/govpulse/internal/pgtest"
	"github.com/govpulse/govpulse/projections"
)

// TestDomainCollector exports hand-written read model rows and checks the
// sums, the cumulative histogram buckets and the labels.
func TestDomainCollector(t *testing.T) {
	ctx := context.Background()
	pool := pgtest.NewPool(t)
	// Two days of qd-gaj window cases: 3 cases at 0,1,1 working days and
	// 2 cases at 4 and 130 working days; one instant case of qd-rsj in 3 s.
	if _, err := pool.Exec(ctx, `INSERT INTO case_stats VALUES
		('2025-05-06', 'qd-gaj', 'shinan', 'window', 'standard', 'residence_permit', 3, 2, 1, 0, 1, 0, 0, 2, 30, 3, 2, 30, '{1,2,0,0,0,0,0,0,0,0,0,0}', 0, 0, '{0,0,0,0,0,0,0,0}'),
		('2025-05-07', 'qd-gaj', 'shinan', 'window', 'standard', 'residence_permit', 2, 1, 0, 1, 0, 0, 1, 134, 20, 2, 134, 20, '{0,0,0,0,1,0,0,0,0,0,0,1}', 0, 0, '{0,0,0,0,0,0,0,0}'),
		('2025-05-07', 'qd-rsj', 'licang', 'online', 'instant', 'employment_registration', 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, '{1,0,0,0,0,0,0,0,0,0,0,0}', 1, 3000, '{0,1,0,0,0,0,0,0}')`); err != nil {
		t.Fatal(err)
	}
	if _, err := pool.Exec(ctx, `INSERT INTO license_stats VALUES
		('2025-05-06', 'business_license', 'qd-xzsp', 'shinan', 'enterprise', 4, 0, 3, 5, '{1,2,0,0,1,0,0,0,0,0,0,0}', 8, 4, 0, 0)`); err != nil {
		t.Fatal(err)
	}
	if _, err := pool.Exec(ctx, `INSERT INTO lawsuit_stats VALUES
		('2025-05-10', 'qd-zrzy', 'qd-court-intermediate', 2, 2, 1, 1, 0),
		('2025-06-10', 'qd-zrzy', 'qd-court-shinan', 1, 0, 0, 0, 1)`); err != nil {
		t.Fatal(err)
	}
	fillTotals(t, pool, projections.CaseStats.Table(), projections.LicenseStats.Table())
	c := &Exporter{Entries: ReadModels(pool, 10*time.Second)}
	reg := prometheus.NewRegistry()
	reg.MustRegister(c)
	want := `
# HELP govpulse_cases_finished_total Administrative cases finished, by the day they finished (event time), summed over the read model.
# TYPE govpulse_cases_finished_total counter
govpulse_cases_finished_total{channel="online",department="qd-rsj",district="licang",mode="instant"} 1
govpulse_cases_finished_total{channel="window",department="qd-gaj",district="shinan",mode="standard"} 5
# HELP govpulse_cases_overdue_total Cases finished after more working days than promised.
# TYPE govpulse_cases_overdue_total counter
govpulse_cases_overdue_total{channel="online",department="qd-rsj",district="licang",mode="instant"} 0
govpulse_cases_overdue_total{channel="window",department="qd-gaj",district="shinan",mode="standard"} 1
# HELP govpulse_case_elapsed_workingdays Working days from acceptance to finish (holidays and make-up days counted as the State Council set them), of cases whose days are known.
# TYPE govpulse_case_elapsed_workingdays histogram
` + workingDaysText(`channel="online",department="qd-rsj",mode="instant"`, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1) +
		workingDaysText(`channel="window",department="qd-gaj",mode="standard"`, 136, 1, 3, 3, 3, 4, 4, 4, 4, 4, 4, 4, 5) +
		`# HELP govpulse_case_instant_decision_seconds Seconds from acceptance to decision of instant-approval (秒批) cases.
# TYPE govpulse_case_instant_decision_seconds histogram
govpulse_case_instant_decision_seconds_bucket{department="qd-rsj",le="1"} 0
govpulse_case_instant_decision_seconds_bucket{department="qd-rsj",le="5"} 1
govpulse_case_instant_decision_seconds_bucket{department="qd-rsj",le="10"} 1
govpulse_case_instant_decision_seconds_bucket{department="qd-rsj",le="30"} 1
govpulse_case_instant_decision_seconds_bucket{department="qd-rsj",le="60"} 1
govpulse_case_instant_decision_seconds_bucket{department="qd-rsj",le="300"} 1
govpulse_case_instant_decision_seconds_bucket{department="qd-rsj",le="3600"} 1
govpulse_case_instant_decision_seconds_bucket{department="qd-rsj",le="+Inf"} 1
govpulse_case_instant_decision_seconds_sum{department="qd-rsj"} 3
govpulse_case_instant_decision_seconds_count{department="qd-rsj"} 1
# HELP govpulse_licenses_within_one_workingday_total Licences issued within 1 working day of the application.
# TYPE govpulse_licenses_within_one_workingday_total counter
govpulse_licenses_within_one_workingday_total{department="qd-xzsp",license_type="business_license"} 3
# HELP govpulse_lawsuit_hearings_total Administrative lawsuit hearings held, by sued agency.
# TYPE govpulse_lawsuit_hearings_total counter
govpulse_lawsuit_hearings_total{agency="qd-zrzy"} 3
# HELP govpulse_lawsuit_head_appearances_total Hearings at which the agency's head or a deputy head appeared in court.
# TYPE govpulse_lawsuit_head_appearances_total counter
govpulse_lawsuit_head_appearances_total{agency="qd-zrzy"} 2
`
	names := []string{"govpulse_cases_finished_total", "govpulse_cases_overdue_total", "govpulse_case_elapsed_workingdays",
		"govpulse_case_instant_decision_seconds", "govpulse_licenses_within_one_workingday_total", "govpulse_lawsuit_hearings_total",
		"govpulse_lawsuit_head_appearances_total", "govpulse_read_model_scrape_error", "govpulse_scrape_collector_success"}
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want+statusText()), names...); err != nil {
		t.Error(err)
	}
	// Summing the read models' rows exports the same.
	rows := &Exporter{Entries: []Entry{{Name: "case_stats", ReadModel: "case_stats", Collector: Cases{DB: pool, FromRows: true}},
		{Name: "license_stats", ReadModel: "license_stats", Collector: Licenses{DB: pool, FromRows: true}},
		{Name: "lawsuit_stats", ReadModel: "lawsuit_stats", Collector: Lawsuits{DB: pool}}}}
	if err := testutil.CollectAndCompare(rows, strings.NewReader(want+statusText()), names...); err != nil {
		t.Errorf("from the rows: %v", err)
	}
	if n := testutil.CollectAndCount(c, "govpulse_scrape_collector_duration_seconds"); n != 3 {
		t.Errorf("%d collector durations, want one per read model", n)
	}
	// A read model that cannot be read is flagged; the others still export.
	if _, err := pool.Exec(ctx, `ALTER TABLE lawsuit_stats RENAME TO lawsuit_stats_gone`); err != nil {
		t.Fatal(err)
	}
	// Within CacheFor the last reading is served, the table unread.
	if n := testutil.CollectAndCount(c, "govpulse_lawsuit_hearings_total"); n != 1 {
		t.Errorf("cached hearings: %d series, want 1", n)
	}
	c = &Exporter{Entries: ReadModels(pool, 0)}
	if n := testutil.CollectAndCount(c, "govpulse_lawsuit_hearings_total"); n != 0 {
		t.Errorf("hearings exported from a missing table: %d series", n)
	}
	if n := testutil.CollectAndCount(c, "govpulse_licenses_issued_total"); n != 1 {
		t.Errorf("licences not exported while lawsuits fail: %d series", n)
	}
	if err := testutil.CollectAndCompare(c, strings.NewReader(statusText("lawsuit_stats")), "govpulse_read_model_scrape_error", "govpulse_scrape_collector_success"); err != nil {
		t.Error(err)
	}
}

// TestPortalCollector exports hand-written usage rows by document type,
// origin and category, never by policy; a view of a policy the policies
// read model lacks counts under document_type "unknown".
func TestPortalCollector(t *testing.T) {
	ctx := context.Background()
	pool := pgtest.NewPool(t)
	if _, err := pool.Exec(ctx, `INSERT INTO policies (policy_id, issuer, doc_number, doc_key, title, document_type, categories,
			published_at, effective_from, versions, current, last_seq, generation) VALUES
		('p-1', 'qd-xzsp', '青政办发〔2020〕1号', 'k1', '一', 'normative', '{enterprise_startup,tax_finance}', '2020-01-01', '2020-01-01', 1, '{}', 1, 1),
		('p-2', 'qd-swj', '青税发〔2021〕2号', 'k2', '二', 'notice', '{tax_finance}', '2021-01-01', '2021-01-01', 1, '{}', 2, 1)`); err != nil {
		t.Fatal(err)
	}
	if _, err := pool.Exec(ctx, `INSERT INTO portal_views VALUES
		('2025-05-06', 'p-1', 'search', 3), ('2025-05-07', 'p-1', 'search', 4), ('2025-05-07', 'p-1', 'home', 1),
		('2025-05-07', 'p-2', 'search', 10), ('2025-05-08', 'p-gone', 'direct', 2)`); err != nil {
		t.Fatal(err)
	}
	if _, err := pool.Exec(ctx, `INSERT INTO portal_searches VALUES
		('2025-05-06', '社保', 5, 1, 40), ('2025-05-07', '社保', 2, 0, 9), ('2025-05-07', '开公司', 3, 3, 0)`); err != nil {
		t.Fatal(err)
	}
	want := `
# HELP govpulse_portal_views_total Policy pages shown on the portal, by the policy's document type (unknown: not in the policies read model) and where the visitor came from (search, match, home, feed, direct).
# TYPE govpulse_portal_views_total counter
govpulse_portal_views_total{document_type="normative",origin="home"} 1
govpulse_portal_views_total{document_type="normative",origin="search"} 7
govpulse_portal_views_total{document_type="notice",origin="search"} 10
govpulse_portal_views_total{document_type="unknown",origin="direct"} 2
# HELP govpulse_portal_category_views_total Policy pages shown on the portal, by policy category; a policy of several categories counts in each.
# TYPE govpulse_portal_category_views_total counter
govpulse_portal_category_views_total{category="enterprise_startup"} 8
govpulse_portal_category_views_total{category="tax_finance"} 18
# HELP govpulse_portal_searches_total Searches the portal answered.
# TYPE govpulse_portal_searches_total counter
govpulse_portal_searches_total 10
# HELP govpulse_portal_zero_result_searches_total Searches the portal answered with no policy found.
# TYPE govpulse_portal_zero_result_searches_total counter
govpulse_portal_zero_result_searches_total 4
`
	fillTotals(t, pool, projections.PortalViews.Table())
	for _, fromRows := range []bool{false, true} {
		e := &Exporter{Entries: []Entry{{Name: "portal_usage", ReadModel: "portal_views", Collector: Portal{DB: pool, FromRows: fromRows}}}}
		if err := testutil.CollectAndCompare(e, strings.NewReader(want), "govpulse_portal_views_total", "govpulse_portal_category_views_total",
			"govpulse_portal_searches_total", "govpulse_portal_zero_result_searches_total"); err != nil {
			t.Errorf("from rows %t: %v", fromRows, err)
		}
	}
}

// statusText is what the Exporter says of the read models' collectors
// when those named failed.
func statusText(failed ...string) string {
	var errs, success strings.Builder
	for _, name := range []string{"case_stats", "lawsuit_stats", "license_stats"} {
		errFlag, okFlag := 0, 1
		if slices.Contains(failed, name) {
			errFlag, okFlag = 1, 0
		}
		fmt.Fprintf(&errs, "govpulse_read_model_scrape_error{read_model=%q} %d\n", name, errFlag)
		fmt.Fprintf(&success, "govpulse_scrape_collector_success{collector=%q} %d\n", name, okFlag)
	}
	return `# HELP govpulse_read_model_scrape_error 1 when the read model could not be read for this scrape (its metrics are missing).
# TYPE govpulse_read_model_scrape_error gauge
` + errs.String() + `# HELP govpulse_scrape_collector_success 1 when the collector's last read succeeded, 0 when its metrics are missing.
# TYPE govpulse_scrape_collector_success gauge
` + success.String()
}

// fillTotals fills the totals of the read models' hand-written rows, as
// the migration creating them does.
func fillTotals(t testing.TB, pool *pgxpool.Pool, tables ...*projections.Table) {
	t.Helper()
	for _, table := range tables {
		if _, err := pool.Exec(context.Background(), table.TotalsSQL()); err != nil {
			t.Fatal(err)
		}
	}
}

// workingDaysText is the text of one govpulse_case_elapsed_workingdays
// histogram of labels: its sum, then its cumulative buckets up to +Inf
// (the last, also its count).
func workingDaysText(labels string, sum int, cumulative ...int) string {
	var b strings.Builder
	for i, le := range append(strings.Fields("0 1 2 3 5 10 20 35 60 85 120"), "+Inf") {
		fmt.Fprintf(&b, "govpulse_case_elapsed_workingdays_bucket{%s,le=%q} %d\n", labels, le, cumulative[i])
	}
	fmt.Fprintf(&b, "govpulse_case_elapsed_workingdays_sum{%s} %d\n", labels, sum)
	fmt.Fprintf(&b, "govpulse_case_elapsed_workingdays_count{%s} %d\n", labels, cumulative[len(cumulative)-1])
	return b.String()
}
