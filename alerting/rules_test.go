package alerting

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/govpulse/govpulse/alerting/alertingtest"
	"github.com/govpulse/govpulse/events"
	"github.com/govpulse/govpulse/internal/catalogtest"
	"github.com/govpulse/govpulse/targets"
)

// unitTestOptions are the options alerting/testdata/*.test.yml expect.
func unitTestOptions() Options {
	return Options{ExternalURL: "https://govpulse.example.gov.cn"}
}

func shippedCatalog(t *testing.T) *events.Catalog {
	t.Helper()
	cat := catalogtest.Default(t)
	return cat
}

func shippedTargets(t *testing.T) []targets.Target {
	t.Helper()
	ts, err := targets.Load("", shippedCatalog(t))
	if err != nil {
		t.Fatal(err)
	}
	return ts
}

// writeRules generates the rules for ts and writes them to dir/govpulse.yml.
func writeRules(t *testing.T, dir string, ts []targets.Target, o Options) string {
	t.Helper()
	rf, err := Rules(ts, o)
	return writeGenerated(t, filepath.Join(dir, "govpulse.yml"), rf, err, MarshalRules)
}

func TestShippedRulesPassPromtoolCheck(t *testing.T) {
	promtool := alertingtest.Tool(t, "promtool")
	for name, o := range map[string]Options{"defaults": {}, "unit-test": unitTestOptions(),
		"short": {MissedFor: time.Second, AtRiskFor: time.Second, PipelineFor: 1500 * time.Millisecond}} {
		t.Run(name, func(t *testing.T) {
			path := writeRules(t, t.TempDir(), shippedTargets(t), o)
			out := alertingtest.Run(t, promtool, "check", "rules", path)
			ts := shippedTargets(t)
			want := len(ts) + len(pipelineRules(DefaultOptions()))
			for _, tg := range ts {
				if tg.Window.Projects() {
					want++
				}
			}
			if !strings.Contains(out, "SUCCESS: "+strconv.Itoa(want)+" rules found") {
				t.Errorf("promtool check rules: want %d rules, got:\n%s", want, out)
			}
		})
	}
}

// Every measure, comparator and window kind gives rules promtool accepts.
func TestEveryKindOfTargetPassesPromtoolCheck(t *testing.T) {
	promtool := alertingtest.Tool(t, "promtool")
	const file = `targets:
  - {id: a_count, title: 件数, title_en: "Count {{ of }} cases", scope: {event_type: govpulse.case.finished.v1},
     measure: {kind: count}, comparator: ">", threshold: 100, window: {kind: calendar_year}}
  - {id: b_p90, title: 九十分位, title_en: P90, scope: {event_type: govpulse.license.issued.v1},
     measure: {kind: p90_working_days}, comparator: "<", threshold: 5, window: {kind: campaign, from: "2026-01-01", to: "2026-06-30"}, per_department: true}
  - {id: c_seconds, title: 秒批, title_en: Instant, scope: {event_type: govpulse.case.finished.v1, modes: [instant]},
     measure: {kind: share_within_seconds, seconds: 60}, comparator: ">=", threshold: 0.995, window: {kind: rolling, days: 7}, severity: critical}
  - {id: d_overdue, title: 超期, title_en: Overdue, scope: {event_type: govpulse.case.finished.v1},
     measure: {kind: overdue_share}, comparator: "<=", threshold: 0.02, window: {kind: calendar_quarter}}
  - {id: e_ratio, title: 电子证照, title_en: Electronic, scope: {event_type: govpulse.license.issued.v1},
     measure: {kind: ratio, numerator: electronic, denominator: issued}, comparator: ">=", threshold: 0.9, window: {kind: calendar_month}, per_department: true}
  - {id: f_ratio_over_1, title: 环节, title_en: Steps, scope: {event_type: govpulse.license.issued.v1},
     measure: {kind: ratio, numerator: steps_sum, denominator: issued}, comparator: "<", threshold: 1.5, window: {kind: rolling, days: 30}}
`
	ts, err := targets.Parse([]byte(file), shippedCatalog(t))
	if err != nil {
		t.Fatal(err)
	}
	path := writeRules(t, t.TempDir(), ts, Options{})
	alertingtest.Run(t, promtool, "check", "rules", path)
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		`Count {{ "{{" }} of }} cases`, // operator text cannot open a template action
		"90th percentile", "the campaign from 2026-01-01 to 2026-06-30", "by 2026-06-30",
		"share decided within 60 seconds", "99.5%", "the last 7 days", "this year", "above 100",
		"below 5 working days", "at most 2%", "this quarter",
		"for the ratio of electronic to issued over this month", "本月比率（electronic / issued）为", "at least 90%",
		"ratio of steps_sum to issued", "below 150%",
	} {
		if !bytes.Contains(b, []byte(want)) {
			t.Errorf("rules lack %q", want)
		}
	}
}

// The promtool unit tests in testdata run over the rules generated from
// the shipped targets.
func TestRulesUnitTests(t *testing.T) {
	promtool := alertingtest.Tool(t, "promtool")
	dir := t.TempDir()
	writeRules(t, dir, shippedTargets(t), unitTestOptions())
	tests, err := filepath.Glob(filepath.Join("testdata", "*.test.yml"))
	if err != nil || len(tests) == 0 {
		t.Fatalf("no testdata/*.test.yml (%v)", err)
	}
	var args []string
	for _, src := range tests {
		b, err := os.ReadFile(src)
		if err != nil {
			t.Fatal(err)
		}
		dst := filepath.Join(dir, filepath.Base(src))
		if err := os.WriteFile(dst, b, 0o644); err != nil {
			t.Fatal(err)
		}
		args = append(args, dst)
	}
	out := alertingtest.Run(t, promtool, append([]string{"test", "rules"}, args...)...)
	if got, want := strings.Count(out, "SUCCESS"), len(tests); got != want {
		t.Errorf("promtool test rules: %d of %d files succeeded:\n%s", got, want, out)
	}
}

func TestRuleExpressionsFollowTheDefinitions(t *testing.T) {
	rf, err := Rules(shippedTargets(t), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := []string{rf.Groups[0].Name, rf.Groups[1].Name}, []string{GroupTargets, GroupPipeline}; !slices.Equal(got, want) {
		t.Fatalf("groups = %v, want %v", got, want)
	}
	byKey := map[string]Rule{}
	for _, r := range rf.Groups[0].Rules {
		byKey[r.Alert+"/"+r.Labels[LabelTarget]] = r
	}
	for _, tc := range []struct {
		key, expr, severity, forDuration string
	}{
		{"GovpulseTargetMissed/window_cases_avg_3wd",
			`govpulse_target_value{target="window_cases_avg_3wd"} and on(target, department) govpulse_target_met{target="window_cases_avg_3wd"} == 0`,
			"warning", "10m"},
		{"GovpulseTargetAtRisk/window_cases_avg_3wd",
			`govpulse_target_value{target="window_cases_avg_3wd"} and on(target, department) govpulse_target_at_risk{target="window_cases_avg_3wd"} == 1`,
			"warning", "1h"},
		{"GovpulseTargetMissed/enterprise_setup_1wd",
			`govpulse_target_value{target="enterprise_setup_1wd"} and on(target, department) govpulse_target_met{target="enterprise_setup_1wd"} == 0`,
			"critical", "10m"},
		// Not per department: only the city-wide result alerts.
		{"GovpulseTargetMissed/overdue_share_city",
			`govpulse_target_value{target="overdue_share_city",department="all"} and on(target, department) govpulse_target_met{target="overdue_share_city",department="all"} == 0`,
			"warning", "10m"},
	} {
		r, ok := byKey[tc.key]
		if !ok {
			t.Errorf("no rule %s", tc.key)
			continue
		}
		if r.Expr != tc.expr {
			t.Errorf("%s expr:\n got %s\nwant %s", tc.key, r.Expr, tc.expr)
		}
		if r.Labels[LabelSeverity] != tc.severity || r.For != tc.forDuration {
			t.Errorf("%s: severity %q for %q, want %q for %q", tc.key, r.Labels[LabelSeverity], r.For, tc.severity, tc.forDuration)
		}
	}
	// Rolling windows have no end to project to.
	for _, id := range []string{"instant_approval_seconds", "overdue_share_city"} {
		if _, ok := byKey["GovpulseTargetAtRisk/"+id]; ok {
			t.Errorf("%s has a rolling window but an at-risk rule", id)
		}
	}

	pipeline := map[string]string{}
	for _, r := range rf.Groups[1].Rules {
		pipeline[r.Alert] = r.Expr
	}
	for name, want := range map[string]string{
		AlertIngestStalled:        "time() - max by (department) (govpulse_ingest_last_event_timestamp_seconds) > 259200",
		AlertProjectionLagHigh:    "max by (projection) (govpulse_projection_lag_seconds) > 600",
		AlertPoisonQueueNotEmpty:  "max(govpulse_bus_poison_queue_messages) > 0",
		AlertIngestRejectedRising: "sum by (source) (rate(govpulse_ingest_rejected_total[15m])) > 0.05",
		AlertTargetsNotEvaluated:  "time() - max(govpulse_target_last_evaluation_timestamp_seconds) > 600",
		AlertDown:                 `up{job="govpulse"} == 0`,
	} {
		if got := pipeline[name]; got != want {
			t.Errorf("%s expr:\n got %s\nwant %s", name, got, want)
		}
	}
}

func TestRulesAreDeterministic(t *testing.T) {
	ts := shippedTargets(t)
	a, err := Rules(ts, Options{})
	if err != nil {
		t.Fatal(err)
	}
	reversed := slices.Clone(ts)
	slices.Reverse(reversed)
	b, err := Rules(reversed, Options{})
	if err != nil {
		t.Fatal(err)
	}
	ya, _ := MarshalRules(a, "h")
	yb, _ := MarshalRules(b, "h")
	if !bytes.Equal(ya, yb) {
		t.Error("the order of the definitions changes the rule file")
	}
}

func TestRulesRefuseBadInput(t *testing.T) {
	ts := shippedTargets(t)
	if _, err := Rules(append(ts, ts[0]), Options{}); err == nil || !strings.Contains(err.Error(), "defined twice") {
		t.Errorf("duplicate target: err = %v", err)
	}
	for _, tc := range []struct {
		o    Options
		want string
	}{
		{Options{MissedFor: -time.Minute}, "--for"},
		{Options{StallAfter: time.Microsecond}, "--stall-after"},
		{Options{RejectedPerSecond: -1}, "--rejected-per-second"},
		{Options{Job: `govpulse"} or vector(1)`}, "--job"},
		{Options{ExternalURL: "govpulse.example"}, "--external-url"},
	} {
		_, err := Rules(ts, tc.o)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: err = %v, want one naming %s", tc.o, err, tc.want)
		}
	}
}

func TestPromDuration(t *testing.T) {
	for d, want := range map[time.Duration]string{
		0: "0s", time.Second: "1s", 10 * time.Minute: "10m", 72 * time.Hour: "72h",
		90 * time.Minute: "1h30m", 1500 * time.Millisecond: "1s500ms",
	} {
		if got := promDuration(d); got != want {
			t.Errorf("promDuration(%s) = %q, want %q", d, got, want)
		}
	}
}

func TestPercent(t *testing.T) {
	for v, want := range map[float64]string{0.99: "99%", 0.995: "99.5%", 1: "100%", 0.07: "7%", 0.02: "2%", 0: "0%"} {
		if got := percent(v); got != want {
			t.Errorf("percent(%v) = %q, want %q", v, got, want)
		}
	}
}
