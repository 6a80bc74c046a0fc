package main

import (
	"fmt"
	"maps"
	"net/http"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/govpulse/govpulse/calendar"
	"github.com/govpulse/govpulse/config"
)

// recentWindowCase is a window case of department's item accepted on a working
// day some days ago and finished wd working days later.
func recentWindowCase(t *testing.T, cal *calendar.Calendar, id, department, item string, wd int) testEvent {
	t.Helper()
	loc := cal.Location()
	now := testNow().In(loc)
	// Count back to a working day that leaves room for wd more before today.
	accepted := time.Date(now.Year(), now.Month(), now.Day(), 9, 0, 0, 0, loc)
	for back := 0; ; back++ {
		accepted = accepted.AddDate(0, 0, -1)
		ok, err := cal.IsWorkingDay(cal.DateOf(accepted))
		if err != nil {
			t.Fatal(err)
		}
		if n, err := cal.WorkingDaysBetween(accepted, now); err == nil && ok && n > wd {
			break
		}
	}
	d, err := cal.AddWorkingDays(accepted, wd)
	if err != nil {
		t.Fatal(err)
	}
	finished := time.Date(d.Year, d.Month, d.Day, 15, 0, 0, 0, loc)
	e := caseFinished(t, hubSource, id)
	data := e.data()
	data["department"], data["item_code"], data["channel"], data["mode"] = department, item, "window", "standard"
	data["promised_working_days"] = 10
	data["accepted_at"] = accepted.Format(time.RFC3339)
	data["finished_at"] = finished.Format(time.RFC3339)
	e["time"] = data["finished_at"]
	return e
}

// TestServeTargetsAndMetrics: events folded by the read models move the
// targets API and the target gauges, and a real scrape of /metrics passes
// promtool check metrics.
// gajAndMzjCases are recent window cases: gaj of qd-gaj, each finished in
// 2 working days, then mzj of qd-mzj, each in 5.
func gajAndMzjCases(t *testing.T, gaj, mzj int) []testEvent {
	t.Helper()
	cal, err := calendar.Default()
	if err != nil {
		t.Fatal(err)
	}
	var evs []testEvent
	for i := range gaj {
		evs = append(evs, recentWindowCase(t, cal, fmt.Sprint("gaj-", i+1), "qd-gaj", "residence_permit", 2))
	}
	for i := range mzj {
		evs = append(evs, recentWindowCase(t, cal, fmt.Sprint("mzj-", i+1), "qd-mzj", "social_organization_registration", 5))
	}
	return evs
}

func TestServeTargetsAndMetrics(t *testing.T) {
	promtool, err := exec.LookPath("promtool")
	if err != nil {
		t.Fatal("promtool not found: install it with scripts/install-test-tools.sh (Debian package prometheus)")
	}
	file := filepath.Join(t.TempDir(), "targets.yaml")
	writeTestFile(t, file, windowAvgTargets("window_avg_3wd", 2))
	s := startServer(t, func(c *config.Config) {
		c.TargetsFile = file
		c.TargetsInterval = time.Second
	})
	// qd-gaj meets the target (2 working days), qd-mzj misses it (5).
	evs := append(gajAndMzjCases(t, 2, 2), licenseIssued(t, hubSource, "lic-1"), lawsuitAppearance(t, hubSource, "hearing-1"))
	if r := s.ingest(hubToken, evs...); r.Accepted == nil || *r.Accepted != len(evs) {
		t.Fatalf("ingest: %+v", r)
	}
	// The domain collectors serve a scrape's sums for a while (they read
	// whole read models): scrape only once every event is applied.
	s.waitProjections()

	type result struct {
		Target, Department, Status string
		Value                      *float64
		Samples                    int64
	}
	var got map[string]result
	deadline := time.Now().Add(applyWait)
	for {
		var body struct {
			Results []result `json:"results"`
		}
		decodeInto(t, s.get("/v1/targets", ""), &body)
		got = map[string]result{}
		for _, r := range body.Results {
			got[r.Department] = r
		}
		if got["qd-mzj"].Samples == 2 && got["qd-gaj"].Samples == 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("targets after %s: %+v", applyWait, got)
		}
		time.Sleep(100 * time.Millisecond)
	}
	want := map[string]struct {
		status string
		value  float64
	}{"qd-gaj": {"met", 2}, "qd-mzj": {"missed", 5}, "all": {"missed", 3.5}}
	for dept, w := range want {
		r := got[dept]
		if r.Status != w.status || r.Value == nil || *r.Value != w.value {
			t.Errorf("target for %s = %+v, want %s at %v", dept, r, w.status, w.value)
		}
	}
	var one struct {
		Results []result `json:"results"`
	}
	decodeInto(t, s.get("/v1/targets?department=qd-mzj", ""), &one)
	if len(one.Results) != 1 || one.Results[0].Department != "qd-mzj" {
		t.Errorf("?department=qd-mzj gave %+v", one.Results)
	}
	for _, bad := range []string{"?at=2026-13-01", "?department=nope", "?colour=red"} {
		if r := s.get("/v1/targets"+bad, ""); r.Status != http.StatusBadRequest {
			t.Errorf("GET /v1/targets%s: %s, want 400", bad, r)
		}
	}

	// The gauges follow the periodic evaluation.
	deadline = time.Now().Add(applyWait)
	for {
		met := s.metricSamples("govpulse_target_met")
		if met[`department="qd-mzj",target="window_avg_3wd"`] == 0 && met[`department="qd-gaj",target="window_avg_3wd"`] == 1 &&
			len(met) == 3 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("govpulse_target_met after %s: %v", applyWait, met)
		}
		time.Sleep(200 * time.Millisecond)
	}
	if v := s.metricSamples("govpulse_target_value")[`department="qd-mzj",target="window_avg_3wd"`]; v != 5 {
		t.Errorf("govpulse_target_value for qd-mzj = %v, want 5", v)
	}
	var hist struct {
		Changes []struct{ Target, Department, Status string } `json:"changes"`
	}
	decodeInto(t, s.get("/v1/targets/history?department=qd-mzj", ""), &hist)
	if len(hist.Changes) == 0 || hist.Changes[0].Status != "missed" {
		t.Errorf("history for qd-mzj = %+v", hist.Changes)
	}

	// Domain metrics from the read models, and the scrape is lint-clean.
	// Each read model applies on its own and the domain collector caches
	// its reads, so wait (bounded) for the values rather than read once.
	s.waitMetric("govpulse_case_elapsed_workingdays_count", `channel="window",department="qd-mzj",mode="standard"`, 2)
	s.waitMetric("govpulse_lawsuit_hearings_total", `agency="qd-zrzy"`, 1)
	s.waitMetric("govpulse_licenses_issued_total", `department="qd-xzsp",license_type="construction_permit"`, 1)
	scrape := s.get("/metrics", "")
	cmd := exec.Command(promtool, "check", "metrics")
	cmd.Stdin = strings.NewReader(string(scrape.Body))
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Errorf("promtool check metrics: %v\n%s", err, out)
	}
	for _, name := range []string{"govpulse_cases_finished_total", "govpulse_licenses_issued_total", "govpulse_target_threshold",
		"govpulse_ingest_last_event_timestamp_seconds", "govpulse_projection_lag_events"} {
		if !strings.Contains(string(scrape.Body), "\n"+name) {
			t.Errorf("/metrics lacks %s", name)
		}
	}
}

// TestServeRatioTarget: a target written in the targets file alone, as the
// ratio of two of case_stats' sums by name (assisted of finished), is
// answered by the server from the events it ingested, per department and
// city-wide.
func TestServeRatioTarget(t *testing.T) {
	file := filepath.Join(t.TempDir(), "targets.yaml")
	writeTestFile(t, file, `targets:
  - id: assisted_share
    title: 帮办代办占比
    title_en: Cases finished with staff help
    scope: {event_type: govpulse.case.finished.v1}
    measure: {kind: ratio, numerator: assisted, denominator: finished}
    comparator: ">="
    threshold: 0.5
    window: {kind: rolling, days: 30}
    per_department: true
    min_samples: 2
`)
	s := startServer(t, func(c *config.Config) { c.TargetsFile = file })
	// qd-gaj: 2 of its 3 cases assisted; qd-mzj: none of its 2.
	evs := gajAndMzjCases(t, 3, 2)
	evs[0].data()["assisted"], evs[1].data()["assisted"] = true, true
	if r := s.ingest(hubToken, evs...); r.Accepted == nil || *r.Accepted != len(evs) {
		t.Fatalf("ingest: %+v", r)
	}
	s.waitProjections()
	var body struct {
		Results []struct {
			Department, Status string
			Value              *float64
			Samples            int64
		} `json:"results"`
	}
	decodeInto(t, s.get("/v1/targets", ""), &body)
	got := map[string]string{}
	for _, r := range body.Results {
		v := "none"
		if r.Value != nil {
			v = strconv.FormatFloat(*r.Value, 'f', 4, 64)
		}
		got[r.Department] = fmt.Sprintf("%s %s of %d", r.Status, v, r.Samples)
	}
	want := map[string]string{"qd-gaj": "met 0.6667 of 3", "qd-mzj": "missed 0.0000 of 2", "all": "missed 0.4000 of 5"}
	if !maps.Equal(got, want) {
		t.Errorf("GET /v1/targets: %v, want %v", got, want)
	}
}
