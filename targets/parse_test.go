package targets

import (
	"strings"
	"testing"

	"github.com/govpulse/govpulse/internal/catalogtest"
)

func TestDefaultTargets(t *testing.T) {
	ts, err := Default(catalogtest.Default(t))
	if err != nil {
		t.Fatal(err)
	}
	// The seed report's figures, each a shipped target.
	want := map[string]struct {
		kind       string
		comparator string
		threshold  float64
	}{
		"enterprise_setup_1wd":         {MeasureShareWithinWorkingDays, ">=", 0.99},
		"construction_approval_85wd":   {MeasureShareWithinWorkingDays, ">=", 1},
		"head_court_appearance_100":    {MeasureAppearanceRate, ">=", 1},
		"window_cases_avg_3wd":         {MeasureAverageWorkingDays, "<=", 3},
		"window_cases_speedup_70":      {MeasureSpeedup, ">=", 0.7},
		"real_estate_registration_3wd": {MeasureShareWithinWorkingDays, ">=", 0.95},
		"gas_connection_6wd":           {MeasureAverageWorkingDays, "<=", 6},
		"water_connection_3wd":         {MeasureAverageWorkingDays, "<=", 3},
		"power_connection_12wd":        {MeasureAverageWorkingDays, "<=", 12},
		"instant_approval_seconds":     {MeasureShareWithinSeconds, ">=", 0.99},
	}
	for id, w := range want {
		tg, err := Find(ts, id)
		if err != nil {
			t.Errorf("shipped targets lack %s", id)
			continue
		}
		if tg.Measure.Kind != w.kind || tg.Comparator != w.comparator || tg.Threshold != w.threshold {
			t.Errorf("%s = %s %s %v, want %s %s %v", id, tg.Measure.Kind, tg.Comparator, tg.Threshold, w.kind, w.comparator, w.threshold)
		}
	}
	if tg, _ := Find(ts, "window_cases_avg_3wd"); tg.Severity != "warning" {
		t.Errorf("default severity = %q, want warning", tg.Severity)
	}
}

func TestParseErrors(t *testing.T) {
	base := `targets:
  - id: t1
    title: 标题
    title_en: Title
    scope: {event_type: govpulse.case.finished.v1}
    measure: {kind: average_working_days}
    comparator: "<="
    threshold: 3
    window: {kind: calendar_month}
`
	cases := []struct {
		name, from, to, want string
	}{
		{"unknown field", "    threshold: 3\n", "    threshhold: 3\n", "line 8: field threshhold not found"},
		{"bad id", "id: t1", "id: T-1", `line 2: target "T-1": id must be lower-case`},
		{"no title", "    title: 标题\n", "", "title is required"},
		{"unknown event type", "govpulse.case.finished.v1", "govpulse.case.done.v1", `scope.event_type "govpulse.case.done.v1"`},
		{"measure for another type", "kind: average_working_days", "kind: appearance_rate", `measure.kind "appearance_rate": for govpulse.case.finished.v1 must be one of`},
		{"working days not a bound", "kind: average_working_days}", "kind: share_within_working_days, working_days: 4}", "measure.working_days 4: must be a histogram bound"},
		{"seconds on wrong measure", "kind: average_working_days}", "kind: average_working_days, seconds: 60}", "measure.seconds applies only to share_within_seconds"},
		{"comparator", `comparator: "<="`, `comparator: "=<"`, `comparator "=<"`},
		{"ratio over 1", "kind: average_working_days}\n    comparator: \"<=\"\n    threshold: 3", "kind: overdue_share}\n    comparator: \"<=\"\n    threshold: 2", "threshold 2: a overdue_share is between 0 and 1"},
		{"window kind", "kind: calendar_month", "kind: monthly", `window.kind "monthly"`},
		{"rolling without days", "kind: calendar_month", "kind: rolling", "window.days 0: a rolling window needs 1 to 3660 days"},
		{"campaign order", "{kind: calendar_month}", "{kind: campaign, from: 2025-12-01, to: 2025-01-01}", "to (2025-01-01) is before from (2025-12-01)"},
		{"unknown item", "scope: {event_type: govpulse.case.finished.v1}", "scope: {event_type: govpulse.case.finished.v1, items: [nope]}", `scope.items: unknown code "nope"`},
		{"filter for another type", "scope: {event_type: govpulse.case.finished.v1}", "scope: {event_type: govpulse.case.finished.v1, courts: [qd-court-shinan]}", "scope.courts does not apply to govpulse.case.finished.v1"},
		{"severity", "    window: {kind: calendar_month}\n", "    window: {kind: calendar_month}\n    severity: page\n", `severity "page"`},
	}
	cat := catalogtest.Default(t)
	if _, err := Parse([]byte(base), cat); err != nil {
		t.Fatalf("base file: %v", err)
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			src := strings.Replace(base, c.from, c.to, 1)
			if src == base {
				t.Fatalf("replacement %q not found", c.from)
			}
			_, err := Parse([]byte(src), cat)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("err = %v, want it to contain %q", err, c.want)
			}
		})
	}
	dup := base + strings.TrimPrefix(base, "targets:\n")
	if _, err := Parse([]byte(dup), cat); err == nil || !strings.Contains(err.Error(), `line 10: target "t1": id already used on line 2`) {
		t.Errorf("duplicate id: err = %v", err)
	}
	if _, err := Parse([]byte("targets: []\n"), cat); err == nil || !strings.Contains(err.Error(), "no targets") {
		t.Errorf("empty file: err = %v", err)
	}
}
