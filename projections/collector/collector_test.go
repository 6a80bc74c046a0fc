package collector

import (
	"bytes"
	"compress/gzip"
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/prometheus/common/expfmt"

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
govpulse_case_elapsed_workingdays_bucket{channel="online",department="qd-rsj",mode="instant",le="0"} 1
govpulse_case_elapsed_workingdays_bucket{channel="online",department="qd-rsj",mode="instant",le="1"} 1
govpulse_case_elapsed_workingdays_bucket{channel="online",department="qd-rsj",mode="instant",le="2"} 1
govpulse_case_elapsed_workingdays_bucket{channel="online",department="qd-rsj",mode="instant",le="3"} 1
govpulse_case_elapsed_workingdays_bucket{channel="online",department="qd-rsj",mode="instant",le="5"} 1
govpulse_case_elapsed_workingdays_bucket{channel="online",department="qd-rsj",mode="instant",le="10"} 1
govpulse_case_elapsed_workingdays_bucket{channel="online",department="qd-rsj",mode="instant",le="20"} 1
govpulse_case_elapsed_workingdays_bucket{channel="online",department="qd-rsj",mode="instant",le="35"} 1
govpulse_case_elapsed_workingdays_bucket{channel="online",department="qd-rsj",mode="instant",le="60"} 1
govpulse_case_elapsed_workingdays_bucket{channel="online",department="qd-rsj",mode="instant",le="85"} 1
govpulse_case_elapsed_workingdays_bucket{channel="online",department="qd-rsj",mode="instant",le="120"} 1
govpulse_case_elapsed_workingdays_bucket{channel="online",department="qd-rsj",mode="instant",le="+Inf"} 1
govpulse_case_elapsed_workingdays_sum{channel="online",department="qd-rsj",mode="instant"} 0
govpulse_case_elapsed_workingdays_count{channel="online",department="qd-rsj",mode="instant"} 1
govpulse_case_elapsed_workingdays_bucket{channel="window",department="qd-gaj",mode="standard",le="0"} 1
govpulse_case_elapsed_workingdays_bucket{channel="window",department="qd-gaj",mode="standard",le="1"} 3
govpulse_case_elapsed_workingdays_bucket{channel="window",department="qd-gaj",mode="standard",le="2"} 3
govpulse_case_elapsed_workingdays_bucket{channel="window",department="qd-gaj",mode="standard",le="3"} 3
govpulse_case_elapsed_workingdays_bucket{channel="window",department="qd-gaj",mode="standard",le="5"} 4
govpulse_case_elapsed_workingdays_bucket{channel="window",department="qd-gaj",mode="standard",le="10"} 4
govpulse_case_elapsed_workingdays_bucket{channel="window",department="qd-gaj",mode="standard",le="20"} 4
govpulse_case_elapsed_workingdays_bucket{channel="window",department="qd-gaj",mode="standard",le="35"} 4
govpulse_case_elapsed_workingdays_bucket{channel="window",department="qd-gaj",mode="standard",le="60"} 4
govpulse_case_elapsed_workingdays_bucket{channel="window",department="qd-gaj",mode="standard",le="85"} 4
govpulse_case_elapsed_workingdays_bucket{channel="window",department="qd-gaj",mode="standard",le="120"} 4
govpulse_case_elapsed_workingdays_bucket{channel="window",department="qd-gaj",mode="standard",le="+Inf"} 5
govpulse_case_elapsed_workingdays_sum{channel="window",department="qd-gaj",mode="standard"} 136
govpulse_case_elapsed_workingdays_count{channel="window",department="qd-gaj",mode="standard"} 5
# HELP govpulse_case_instant_decision_seconds Seconds from acceptance to decision of instant-approval (秒批) cases.
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

var updateGolden = flag.Bool("update", false, "rewrite testdata/domain_metrics.txt.gz from what the collectors export now")

// TestDomainMetricsUnchanged exports generated read models of many
// groups (loadDemoSized) and compares every domain family, as /metrics
// serves it in text, with testdata/domain_metrics.txt.gz (690 kB of text,
// zcat shows it): what the collectors exported before they were made
// faster. Label sets, values,
// help texts and order must stay byte for byte what the targets, boards
// and alert rules read; the collectors' own timings are left out.
func TestDomainMetricsUnchanged(t *testing.T) {
	pool := pgtest.NewPool(t)
	loadDemoSized(t, pool, 3)
	e := &Exporter{Entries: append(ReadModels(pool, 0), Entry{Name: "portal_usage", ReadModel: "portal_views", Collector: Portal{DB: pool}})}
	reg := prometheus.NewPedanticRegistry()
	reg.MustRegister(e)
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var got bytes.Buffer
	for _, mf := range mfs {
		if mf.GetName() == "govpulse_scrape_collector_duration_seconds" {
			continue
		}
		if _, err := expfmt.MetricFamilyToText(&got, mf); err != nil {
			t.Fatal(err)
		}
	}
	golden := filepath.Join("testdata", "domain_metrics.txt.gz")
	if *updateGolden {
		var gz bytes.Buffer
		w := gzip.NewWriter(&gz)
		_, _ = w.Write(got.Bytes()) // into memory: cannot fail
		_ = w.Close()
		if err := os.WriteFile(golden, gz.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	gz, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	var want []byte
	r, err := gzip.NewReader(bytes.NewReader(gz))
	if err == nil {
		want, err = io.ReadAll(r)
	}
	if err != nil {
		t.Fatalf("%s: %v", golden, err)
	}
	if n := bytes.Count(want, []byte("\n")); n < 5000 {
		t.Fatalf("%s holds %d lines, want the thousands of series of a demo-sized year", golden, n)
	}
	if !bytes.Equal(got.Bytes(), want) {
		gl, wl := strings.Split(got.String(), "\n"), strings.Split(string(want), "\n")
		for i := range min(len(gl), len(wl)) {
			if gl[i] != wl[i] {
				t.Fatalf("the domain metrics differ from %s first at line %d:\n got %s\nwant %s", golden, i+1, gl[i], wl[i])
			}
		}
		t.Fatalf("the domain metrics differ from %s in length: %d lines, want %d", golden, len(gl), len(wl))
	}
}
