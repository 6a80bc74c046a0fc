package targets

import (
	"context"
	"fmt"
	"maps"
	"math"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/govpulse/govpulse/internal/catalogtest"
	"github.com/govpulse/govpulse/internal/pgtest"
	"github.com/govpulse/govpulse/internal/promtest"
	"github.com/govpulse/govpulse/projections"
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

// results are evaluation results by "target/department".
type results map[string]Result

// evaluated evaluates ts on the read models of pool for the date at.
func evaluated(t *testing.T, pool *pgxpool.Pool, ts []Target, at time.Time) results {
	t.Helper()
	rs, err := Evaluate(context.Background(), pool, ts, at, "")
	if err != nil {
		t.Fatal(err)
	}
	got := results{}
	for _, r := range rs {
		got[r.Target+"/"+r.Department] = r
	}
	return got
}

// checker checks the result of a key: its status, value (NaN for no
// value) and samples.
func (got results) checker(t *testing.T) func(key, status string, value float64, samples int64) {
	return func(key, status string, value float64, samples int64) {
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
	got := evaluated(t, pool, ts, at)
	check := got.checker(t)
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

// insertRow inserts one row of a read model's table by its declaration:
// the key columns from key, the sums named in sums, every other sum 0
// and every histogram zeros.
func insertRow(t *testing.T, pool *pgxpool.Pool, table *projections.Table, key map[string]string, sums map[string]int64) {
	t.Helper()
	var names, params []string
	var args []any
	for _, c := range table.Columns() {
		switch c.Kind {
		case projections.KeyDate, projections.KeyText:
			v, ok := key[c.Name]
			if !ok {
				t.Fatalf("insertRow %s: no key %s", table.Name, c.Name)
			}
			args = append(args, v)
		case projections.SumInt:
			args = append(args, sums[c.Name])
		case projections.SumHist:
			args = append(args, make([]int64, c.Buckets))
		}
		names, params = append(names, c.Name), append(params, "$"+strconv.Itoa(len(args)))
	}
	sql := fmt.Sprintf("INSERT INTO %s (%s) VALUES (%s)", table.Name, strings.Join(names, ", "), strings.Join(params, ", "))
	if _, err := pool.Exec(context.Background(), sql, args...); err != nil {
		t.Fatal(err)
	}
}

// A ratio target divides two of its read model's sums by name, per
// department and city-wide, on each read model.
func TestEvaluateRatioOnReadModels(t *testing.T) {
	pool := pgtest.NewPool(t)
	loc, _ := time.LoadLocation("Asia/Shanghai")
	ts, err := Load(filepath.Join("testdata", "ratios.yaml"), catalogtest.Default(t))
	if err != nil {
		t.Fatal(err)
	}
	cases := projections.CaseStats.Table()
	caseKey := func(day, department string) map[string]string {
		return map[string]string{"day": day, "department": department, "district": "shinan", "channel": "window", "mode": "standard", "item": "residence_permit"}
	}
	// May 2025, evaluated on the 20th. Assisted: qd-gaj 30 of 40 (meets),
	// qd-mzj 5 of 20 (misses), qd-jtj 4 of 4 (too few); an April row
	// lies outside both windows. qd-rsj assisted all 100 cases on the
	// 1st and none of 60 on the 14th: 100/160 so far, but at that pace
	// 11 more days add 47 unassisted cases, 100/207 by the end of the
	// month.
	insertRow(t, pool, cases, caseKey("2025-05-02", "qd-gaj"), map[string]int64{"finished": 40, "assisted": 30, "rejected": 2})
	insertRow(t, pool, cases, caseKey("2025-05-03", "qd-mzj"), map[string]int64{"finished": 20, "assisted": 5, "rejected": 10})
	insertRow(t, pool, cases, caseKey("2025-05-05", "qd-jtj"), map[string]int64{"finished": 4, "assisted": 4})
	insertRow(t, pool, cases, caseKey("2025-04-10", "qd-gaj"), map[string]int64{"finished": 100, "rejected": 100})
	insertRow(t, pool, cases, caseKey("2025-05-01", "qd-rsj"), map[string]int64{"finished": 100, "assisted": 100})
	insertRow(t, pool, cases, caseKey("2025-05-14", "qd-rsj"), map[string]int64{"finished": 60})
	licences := projections.LicenseStats.Table()
	licenceKey := func(day, department string) map[string]string {
		return map[string]string{"day": day, "license_type": "business_license", "department": department, "district": "shinan", "holder_type": "enterprise"}
	}
	insertRow(t, pool, licences, licenceKey("2025-05-06", "qd-scjg"), map[string]int64{"issued": 10, "electronic": 10})
	insertRow(t, pool, licences, licenceKey("2025-05-07", "qd-zrzy"), map[string]int64{"issued": 10, "electronic": 5})
	insertRow(t, pool, licences, licenceKey("2025-05-08", "qd-gaj"), map[string]int64{"issued": 3})
	// qd-zrzy's head appeared in person at 1 of 2 appearances; qd-gaj's
	// head or deputy never appeared: nothing to divide.
	lawsuits := projections.LawsuitStats.Table()
	insertRow(t, pool, lawsuits, map[string]string{"day": "2025-05-10", "agency": "qd-zrzy", "court": "qd-court-intermediate"},
		map[string]int64{"hearings": 2, "head_appearances": 2, "role_head": 1, "role_deputy_head": 1})
	insertRow(t, pool, lawsuits, map[string]string{"day": "2025-05-11", "agency": "qd-gaj", "court": "qd-court-shinan"},
		map[string]int64{"hearings": 3, "role_staff": 3})

	got := evaluated(t, pool, ts, time.Date(2025, 5, 20, 0, 0, 0, 0, loc))
	check := got.checker(t)
	check("assisted_half/qd-gaj", StatusMet, 0.75, 40)
	check("assisted_half/qd-mzj", StatusMissed, 0.25, 20)
	check("assisted_half/qd-jtj", StatusInsufficientData, 1, 4)
	check("assisted_half/qd-rsj", StatusAtRisk, 100.0/160, 160)
	// City-wide: 139 of 224, and at qd-rsj's pace 139 of 271: still met.
	check("assisted_half/all", StatusMet, 139.0/224, 224)
	if p := got["assisted_half/qd-rsj"].Projected; p == nil || math.Abs(*p-100.0/207) > 1e-9 {
		t.Errorf("assisted_half/qd-rsj projected = %v, want 100/207", p)
	}
	if p := got["assisted_half/all"].Projected; p == nil || math.Abs(*p-139.0/271) > 1e-9 {
		t.Errorf("assisted_half/all projected = %v, want 139/271", p)
	}
	// Rejected over the last 30 days (the April row is older): 12 of 224
	// city-wide; qd-mzj's half is computed but alerts no one.
	check("rejected_few/all", StatusMet, 12.0/224, 224)
	check("rejected_few/qd-mzj", StatusMissed, 0.5, 20)
	if got["rejected_few/qd-mzj"].Alerting || !got["rejected_few/all"].Alerting {
		t.Error("rejected_few is not per department: only its city-wide result alerts")
	}
	check("electronic_licences/qd-scjg", StatusMet, 1, 10)
	check("electronic_licences/qd-zrzy", StatusMissed, 0.5, 10)
	check("electronic_licences/qd-gaj", StatusInsufficientData, 0, 3)
	check("electronic_licences/all", StatusMissed, 15.0/23, 23)
	check("head_in_person/qd-zrzy", StatusMet, 0.5, 2)
	check("head_in_person/qd-gaj", StatusInsufficientData, math.NaN(), 0)
	check("head_in_person/all", StatusMet, 0.5, 2)
	if m := got["electronic_licences/all"].Measure; m.Numerator != "electronic" || m.Denominator != "issued" {
		t.Errorf("result measure = %+v, want the ratio's sums", m)
	}
}
