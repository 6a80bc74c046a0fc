package targets

import (
	"slices"
	"strings"
	"testing"

	"github.com/govpulse/govpulse/events"
	"github.com/govpulse/govpulse/internal/catalogtest"
	"github.com/govpulse/govpulse/projections"
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

func TestParseRatio(t *testing.T) {
	// target is a ratio target on event type with measure m and threshold.
	target := func(eventType, m, threshold string) string {
		return `targets:
  - id: r1
    title: 比率
    title_en: Ratio
    scope: {event_type: ` + eventType + `}
    measure: ` + m + `
    comparator: ">="
    threshold: ` + threshold + `
    window: {kind: calendar_month}
`
	}
	cat := catalogtest.Default(t)
	for _, ok := range []struct{ eventType, num, den, threshold string }{
		{events.TypeCaseFinished, "assisted", "finished", "0.5"},
		{events.TypeLicenseIssued, "electronic", "issued", "0.9"},
		{events.TypeLawsuitAppearance, "role_head", "hearings", "0.5"},
		// Steps per licence: a ratio passes 1 when its numerator is not
		// a part of its denominator.
		{events.TypeLicenseIssued, "steps_sum", "issued", "3"},
	} {
		ts, err := Parse([]byte(target(ok.eventType, "{kind: ratio, numerator: "+ok.num+", denominator: "+ok.den+"}", ok.threshold)), cat)
		if err != nil {
			t.Errorf("%s %s/%s: %v", ok.eventType, ok.num, ok.den, err)
			continue
		}
		if m := ts[0].Measure; m != (Measure{Kind: MeasureRatio, Numerator: ok.num, Denominator: ok.den}) || !m.IsShare() {
			t.Errorf("measure = %+v", m)
		}
	}

	// The valid names are the model's scalar sums, from its declaration.
	caseSums := strings.Join(projections.CaseStats.Table().Scalars(), ", ")
	licenceSums := strings.Join(projections.LicenseStats.Table().Scalars(), ", ")
	for _, want := range []string{"finished", "assisted", "rejected", "instant_ms_sum"} {
		if !slices.Contains(projections.CaseStats.Table().Scalars(), want) {
			t.Errorf("case_stats' scalar sums %s lack %s", caseSums, want)
		}
	}
	if strings.Contains(caseSums, "hist") {
		t.Errorf("case_stats' scalar sums %s include a histogram", caseSums)
	}
	cases := []struct {
		name, eventType, measure, want string
	}{
		{"unknown numerator", events.TypeCaseFinished, "{kind: ratio, numerator: helped, denominator: finished}",
			`line 2: target "r1": measure.numerator "helped": for govpulse.case.finished.v1 must be a sum of case_stats, one of ` + caseSums},
		{"unknown denominator", events.TypeCaseFinished, "{kind: ratio, numerator: assisted, denominator: cases}",
			`line 2: target "r1": measure.denominator "cases": for govpulse.case.finished.v1 must be a sum of case_stats, one of ` + caseSums},
		{"another model's sum", events.TypeLicenseIssued, "{kind: ratio, numerator: assisted, denominator: issued}",
			`line 2: target "r1": measure.numerator "assisted": for govpulse.license.issued.v1 must be a sum of license_stats, one of ` + licenceSums},
		{"histogram", events.TypeCaseFinished, "{kind: ratio, numerator: elapsed_wd_hist, denominator: finished}",
			`line 2: target "r1": measure.numerator "elapsed_wd_hist": a histogram, not one sum; for govpulse.case.finished.v1 must be one of ` + caseSums},
		{"no numerator", events.TypeCaseFinished, "{kind: ratio, denominator: finished}",
			`line 2: target "r1": measure.numerator is required for ratio: a sum of case_stats, one of ` + caseSums},
		{"no denominator", events.TypeLicenseIssued, "{kind: ratio, numerator: electronic}",
			`line 2: target "r1": measure.denominator is required for ratio: a sum of license_stats, one of ` + licenceSums},
		{"same sum", events.TypeCaseFinished, "{kind: ratio, numerator: finished, denominator: finished}",
			`line 2: target "r1": measure.numerator and measure.denominator are both "finished": a ratio of a sum to itself is always 1`},
		{"numerator on another kind", events.TypeCaseFinished, "{kind: overdue_share, numerator: overdue}",
			`line 2: target "r1": measure.numerator applies only to ratio`},
		{"denominator on another kind", events.TypeLawsuitAppearance, "{kind: appearance_rate, denominator: hearings}",
			`line 2: target "r1": measure.denominator applies only to ratio`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Parse([]byte(target(c.eventType, c.measure, "0.5")), cat)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("err = %v, want it to contain %q", err, c.want)
			}
		})
	}
}
