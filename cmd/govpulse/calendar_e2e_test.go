package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/govpulse/govpulse/calendar"
	"github.com/govpulse/govpulse/config"
	"github.com/govpulse/govpulse/internal/promtest"
)

// TestYearWithoutHolidayDataThenAdded: what an operator sees across a new
// year whose holiday notice is not in the data yet. Cases of that year are
// counted with unknown working days and the gauge shows where the data
// ends; once the year's file is put in GOVPULSE_CALENDAR_DIR and the read
// models are rebuilt, the working days are exact, holidays and make-up
// day included. The year is the first one after the shipped data, so the
// test means the same whichever years ship.
func TestYearWithoutHolidayDataThenAdded(t *testing.T) {
	shipped, err := calendar.Load(time.UTC, "")
	if err != nil {
		t.Fatal(err)
	}
	_, last := shipped.Years()
	year := last + 1
	loc := time.FixedZone("CST", 8*3600)
	now := func() time.Time { return time.Date(year, 7, 1, 12, 0, 0, 0, loc) }
	dir := t.TempDir()
	s := startServerAt(t, now, func(c *config.Config) { c.CalendarDir = dir })

	// Accepted on the first Monday of June, finished on the Wednesday a
	// week later: 7 weekdays after the day of acceptance.
	accepted := time.Date(year, 6, 1, 9, 0, 0, 0, loc)
	for accepted.Weekday() != time.Monday {
		accepted = accepted.AddDate(0, 0, 1)
	}
	finished := time.Date(accepted.Year(), accepted.Month(), accepted.Day()+9, 16, 0, 0, 0, loc)
	ev := caseFinished(t, approvalSource, "new-year-case")
	ev["time"] = finished.Format(time.RFC3339)
	ev.data()["accepted_at"] = accepted.Format(time.RFC3339)
	ev.data()["finished_at"] = finished.Format(time.RFC3339)
	ev.data()["promised_working_days"] = 10
	s.ingest(approvalToken, ev)
	s.waitProjections()

	type caseGroup struct {
		Finished       int64    `json:"finished"`
		ElapsedUnknown int64    `json:"elapsed_unknown"`
		AvgWorkingDays *float64 `json:"avg_working_days"`
	}
	stats := func() caseGroup {
		r := s.getOK(fmt.Sprintf("/v1/stats/cases?from=%d-01-01&to=%d-12-31", year, year), "")
		var a struct{ Groups []caseGroup }
		decodeInto(t, r, &a)
		if len(a.Groups) != 1 {
			t.Fatalf("stats: %s, want one group", r.Body)
		}
		return a.Groups[0]
	}
	if g := stats(); g.Finished != 1 || g.ElapsedUnknown != 1 || g.AvgWorkingDays != nil {
		t.Errorf("before the year's data: %+v, want 1 finished with unknown working days", g)
	}
	// The gauge the alert rules watch says where the data ends.
	sh, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Fatal(err)
	}
	gauge := s.metricSamples("govpulse_calendar_last_covered_day_timestamp_seconds")
	if got, want := gauge[promtest.Labels("year", strconv.Itoa(last))], float64(time.Date(last, 12, 31, 0, 0, 0, 0, sh).Unix()); got != want || len(gauge) != 1 {
		t.Errorf("calendar gauge = %v, want {year=%d} %v", gauge, last, want)
	}

	// The notice comes out: the Thursday and Friday are holidays, the
	// Saturday a make-up working day, as the State Council arranges them.
	day := func(offset int, off bool) map[string]any {
		return map[string]any{"name": "端午节", "date": accepted.AddDate(0, 0, offset).Format(time.DateOnly), "isOffDay": off}
	}
	file, err := json.Marshal(map[string]any{"year": year, "papers": []string{}, "days": []any{
		map[string]any{"name": "元旦", "date": fmt.Sprintf("%d-01-01", year), "isOffDay": true},
		day(3, true), day(4, true), day(5, false),
	}})
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("%d.json", year)), file, 0o600); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr bytes.Buffer
	getenv := func(k string) string {
		return map[string]string{"GOVPULSE_DATABASE_URL": s.DBURL, "GOVPULSE_CALENDAR_DIR": dir}[k]
	}
	if err := run(context.Background(), []string{"rebuild", "--quiet", "case_stats"}, getenv, &stdout, &stderr); err != nil {
		t.Fatalf("rebuild: %v\n%s", err, stderr.String())
	}
	// Tue, Wed, Sat (make-up), Mon, Tue, Wed: 6, where plain weekdays
	// would say 7.
	if g := stats(); g.Finished != 1 || g.ElapsedUnknown != 0 || g.AvgWorkingDays == nil || *g.AvgWorkingDays != 6 {
		t.Errorf("after adding %d and rebuilding: %+v, want 1 finished in exactly 6 working days", year, g)
	}
}
