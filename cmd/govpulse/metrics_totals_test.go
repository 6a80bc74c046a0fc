package main

import (
	"bytes"
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/prometheus/common/expfmt"

	"github.com/govpulse/govpulse/projections/collector"
)

// domainMetrics are the metric families the read models' collectors and
// the portal's export.
var domainMetrics = []string{
	"govpulse_cases_finished_total", "govpulse_cases_overdue_total", "govpulse_cases_results_total", "govpulse_cases_assisted_total",
	"govpulse_case_elapsed_workingdays", "govpulse_case_instant_decision_seconds",
	"govpulse_licenses_issued_total", "govpulse_licenses_within_one_workingday_total", "govpulse_license_elapsed_workingdays",
	"govpulse_licenses_electronic_total", "govpulse_lawsuit_hearings_total", "govpulse_lawsuit_head_appearances_total",
	"govpulse_portal_views_total", "govpulse_portal_category_views_total", "govpulse_portal_searches_total",
	"govpulse_portal_zero_result_searches_total",
}

// TestMetricsFromTotalsEqualFromRows loads a small demo year through the
// ingest API: the domain metrics /metrics serves, read from the read
// models' totals tables, are exactly those the collectors compute from the
// read models' own rows (what /metrics read before the totals existed),
// and so they stay after `govpulse rebuild`.
func TestMetricsFromTotalsEqualFromRows(t *testing.T) {
	ctx := context.Background()
	srv := startServer(t, useDemoSources(t))
	env := demoTokens()
	env["GOVPULSE_DEMO_URL"] = srv.URL
	getenv := func(k string) string { return env[k] }
	var stdout, stderr bytes.Buffer
	if err := run(ctx, []string{"demo", "--scale", "0.02", "--batch", "250", "--sources-env", ""}, getenv, &stdout, &stderr); err != nil {
		t.Fatalf("demo: %v\nstdout:\n%s\nstderr:\n%s", err, &stdout, &stderr)
	}
	srv.waitProjections()
	pool, err := pgxpool.New(ctx, srv.DBURL)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	fromRows := &collector.Exporter{Entries: []collector.Entry{
		{Name: "case_stats", Collector: collector.Cases{DB: pool, FromRows: true}},
		{Name: "license_stats", Collector: collector.Licenses{DB: pool, FromRows: true}},
		{Name: "lawsuit_stats", Collector: collector.Lawsuits{DB: pool}},
		{Name: "portal_usage", Collector: collector.Portal{DB: pool, FromRows: true}},
	}}
	want, err := testutil.CollectAndFormat(fromRows, expfmt.TypeTextPlain, domainMetrics...)
	if err != nil {
		t.Fatal(err)
	}
	for _, family := range domainMetrics {
		if !bytes.Contains(want, []byte("\n"+family)) {
			t.Fatalf("the demo's read models export no %s:\n%s", family, want)
		}
	}

	r := srv.get("/metrics", "")
	if r.Status != http.StatusOK {
		t.Fatalf("metrics: %s", r)
	}
	if err := testutil.CollectAndCompare(fromRows, bytes.NewReader(r.Body), domainMetrics...); err != nil {
		t.Errorf("/metrics from the totals differs from the read models' rows summed: %v", err)
	}

	stdout.Reset()
	stderr.Reset()
	if err := run(ctx, []string{"rebuild"}, func(k string) string { return map[string]string{"GOVPULSE_DATABASE_URL": srv.DBURL}[k] }, &stdout, &stderr); err != nil {
		t.Fatalf("govpulse rebuild: %v\n%s", err, &stderr)
	}
	for _, name := range []string{"case_stats", "license_stats", "portal_views"} {
		if !strings.Contains(stdout.String(), "rebuilt "+name+":") {
			t.Errorf("rebuild output lacks %s: %s", name, &stdout)
		}
	}
	// Fresh collectors, not the server's cache: the swapped-in totals.
	fromTotals := &collector.Exporter{Entries: append(collector.ReadModels(pool, 0),
		collector.Entry{Name: "portal_usage", Collector: collector.Portal{DB: pool}})}
	if err := testutil.CollectAndCompare(fromTotals, bytes.NewReader(want), domainMetrics...); err != nil {
		t.Errorf("after the rebuild, the totals differ from the read models' rows summed before it: %v", err)
	}
}
