package targets

import (
	"context"
	"maps"
	"math"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/govpulse/govpulse/internal/catalogtest"
	"github.com/govpulse/govpulse/internal/pgtest"
	"github.com/govpulse/govpulse/internal/promtest"
)

// caseRow inserts one case_stats row: n window cases of department on day,
// each taking wd working days against a promise of 10.
func caseRow(t *testing.T, pool *pgxpool.Pool, day, department string, n, wd int64) {
	t.Helper()
	hist := make([]int64, 12)
	bounds := []int64{0, 1, 2, 3, 5, 10, 20, 35, 60, 85, 120}
	i := len(bounds)
	for j, b := range bounds {
		if wd <= b {
			i = j
			break
		}
	}
	hist[i] = n
	_, err := pool.Exec(context.Background(), `INSERT INTO case_stats VALUES ($1, $2, 'shinan', 'window', 'standard', 'residence_permit',
		$3, $3, 0, 0, 0, 0, 0, $4, $5, $3, $4, $5, $6, 0, 0, '{0,0,0,0,0,0,0,0}')`,
		day, department, n, n*wd, n*10, hist)
	if err != nil {
		t.Fatal(err)
	}
}

// byTargetAndDepartment keys results by "target/department".
func byTargetAndDepartment(rs []Result) map[string]Result {
	got := map[string]Result{}
	for _, r := range rs {
		got[r.Target+"/"+r.Department] = r
	}
	return got
}

// checkResult checks the result got[key]: its status, value (NaN for no
// value) and samples.
func checkResult(t *testing.T, got map[string]Result, key, status string, value float64, samples int64) {
	t.Helper()
	r, ok := got[key]
	if !ok {
		t.Errorf("no result for %s", key)
		return
	}
	v := math.NaN()
	if r.Value != nil {
		v = *r.Value
	}
	sameValue := math.IsNaN(v) == math.IsNaN(value) && (math.IsNaN(v) || math.Abs(v-value) <= 1e-9)
	if r.Status != status || !sameValue || r.Samples != samples {
		t.Errorf("%s = %s %v (%d samples), want %s %v (%d)", key, r.Status, v, r.Samples, status, value, samples)
	}
}

func TestEvaluateOnReadModels(t *testing.T) {
	ctx := context.Background()
	pool := pgtest.NewPool(t)
	loc, _ := time.LoadLocation("Asia/Shanghai")
	src := `targets:
  - id: window_avg
    title: 窗口平均3个工作日
    title_en: Window cases in 3 working days on average
    scope: {event_type: govpulse.case.finished.v1, channels: [window]}
    measure: {kind: average_working_days}
    comparator: "<="
    threshold: 3
    window: {kind: calendar_month}
    per_department: true
    min_samples: 10
  - id: hearings
    title: 负责人出庭
    title_en: Heads appear
    scope: {event_type: govpulse.lawsuit.appearance.v1}
    measure: {kind: appearance_rate}
    comparator: ">="
    threshold: 1
    window: {kind: rolling, days: 30}
    per_department: true
    min_samples: 1
`
	ts, err := Parse([]byte(src), catalogtest.Default(t))
	if err != nil {
		t.Fatal(err)
	}
	// May 2025, evaluated on the 20th: qd-gaj takes 2 working days
	// (meets), qd-mzj 5 (misses), qd-jtj has too few cases; an April row
	// is outside the window. In the last 14 days qd-rsj slows from 1 to 9
	// days: met so far, but at risk by the end of the month.
	caseRow(t, pool, "2025-05-02", "qd-gaj", 30, 2)
	caseRow(t, pool, "2025-05-03", "qd-mzj", 20, 5)
	caseRow(t, pool, "2025-05-05", "qd-jtj", 5, 9)
	caseRow(t, pool, "2025-04-30", "qd-gaj", 100, 60)
	caseRow(t, pool, "2025-05-01", "qd-rsj", 200, 1)
	caseRow(t, pool, "2025-05-14", "qd-rsj", 60, 9)
	if _, err := pool.Exec(ctx, `INSERT INTO lawsuit_stats VALUES
		('2025-05-10', 'qd-zrzy', 'qd-court-intermediate', 2, 2, 1, 1, 0),
		('2025-05-11', 'qd-gaj', 'qd-court-shinan', 3, 2, 2, 0, 1)`); err != nil {
		t.Fatal(err)
	}

	at := time.Date(2025, 5, 20, 0, 0, 0, 0, loc)
	rs, err := Evaluate(ctx, pool, ts, at, "")
	if err != nil {
		t.Fatal(err)
	}
	got := byTargetAndDepartment(rs)
	check := func(key, status string, value float64, samples int64) {
		t.Helper()
		checkResult(t, got, key, status, value, samples)
	}
	check("window_avg/qd-gaj", StatusMet, 2, 30)
	check("window_avg/qd-mzj", StatusMissed, 5, 20)
	check("window_avg/qd-jtj", StatusInsufficientData, 9, 5)
	check("window_avg/qd-rsj", StatusAtRisk, 740.0/260, 260)
	// City-wide: (60+100+45+740)/(30+20+5+260) = 945/315 = 3, met on the
	// threshold, but at risk at qd-rsj's recent pace.
	check("window_avg/all", StatusAtRisk, 3, 315)
	check("hearings/qd-zrzy", StatusMet, 1, 2)
	check("hearings/qd-gaj", StatusMissed, 2.0/3, 3)
	check("hearings/all", StatusMissed, 4.0/5, 5)
	if w := got["window_avg/qd-gaj"].Window; w != (ResultWindow{Kind: "calendar_month", From: "2025-05-01", To: "2025-05-31", Through: "2025-05-20"}) {
		t.Errorf("window = %+v", w)
	}
	// qd-rsj's pace over 14 days (05-07..20): 60 cases, 540 days; 11 days
	// remain → +47 cases, +424 days.
	if p := got["window_avg/qd-rsj"].Projected; p == nil || math.Abs(*p-(740.0+424)/(260+47)) > 0.01 {
		t.Errorf("projected = %v", p)
	}
	if got["hearings/qd-gaj"].Projected != nil {
		t.Error("a rolling window should have no projection")
	}

	// One department only.
	only, err := Evaluate(ctx, pool, ts, at, "qd-mzj")
	if err != nil || len(only) != 1 || only[0].Department != "qd-mzj" {
		t.Errorf("Evaluate(qd-mzj) = %+v, %v", only, err)
	}

	// The evaluator records status changes and exports gauges.
	e := &Evaluator{Pool: pool, Targets: ts, Location: loc, Now: func() time.Time { return at.Add(10 * time.Hour) }}
	if _, err := e.EvaluateNow(ctx); err != nil {
		t.Fatal(err)
	}
	caseRow(t, pool, "2025-05-13", "qd-mzj", 200, 1) // qd-mzj recovers: (100+200)/220
	if _, err := e.EvaluateNow(ctx); err != nil {
		t.Fatal(err)
	}
	hist, err := History(ctx, pool, "window_avg", "qd-mzj", 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(hist) != 2 || hist[0].Status != StatusMet || hist[0].PreviousStatus == nil || *hist[0].PreviousStatus != StatusMissed || hist[1].PreviousStatus != nil {
		t.Errorf("history = %+v", hist)
	}
	// govpulse_target_met: 1 met (at risk included), 0 missed, and no
	// series for a department without a result or with too few samples.
	reg := prometheus.NewRegistry()
	reg.MustRegister(e)
	met := func(target, dept string) string { return promtest.Labels("target", target, "department", dept) }
	want := map[string]float64{
		met("hearings", "all"): 0, met("hearings", "qd-gaj"): 0, met("hearings", "qd-zrzy"): 1,
		met("window_avg", "all"): 1, met("window_avg", "qd-gaj"): 1, met("window_avg", "qd-mzj"): 1, met("window_avg", "qd-rsj"): 1,
	}
	if got := promtest.Gather(t, reg)["govpulse_target_met"]; !maps.Equal(got, want) {
		t.Errorf("govpulse_target_met = %v, want %v", got, want)
	}
}
