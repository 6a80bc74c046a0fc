package targets

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/govpulse/govpulse/internal/catalogtest"
	"github.com/govpulse/govpulse/internal/pgtest"
	"github.com/govpulse/govpulse/projections"
)

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
	ctx := context.Background()
	pool := pgtest.NewPool(t)
	loc, _ := time.LoadLocation("Asia/Shanghai")
	src := `targets:
  - id: assisted_half
    title: 帮办代办过半
    title_en: Half the cases assisted
    scope: {event_type: govpulse.case.finished.v1}
    measure: {kind: ratio, numerator: assisted, denominator: finished}
    comparator: ">="
    threshold: 0.5
    window: {kind: calendar_month}
    per_department: true
    min_samples: 10
  - id: rejected_few
    title: 不予许可率不超过10%
    title_en: At most 10% of cases rejected
    scope: {event_type: govpulse.case.finished.v1}
    measure: {kind: ratio, numerator: rejected, denominator: finished}
    comparator: "<="
    threshold: 0.1
    window: {kind: rolling, days: 30}
  - id: electronic_licences
    title: 电子证照九成
    title_en: Nine in ten licences electronic
    scope: {event_type: govpulse.license.issued.v1}
    measure: {kind: ratio, numerator: electronic, denominator: issued}
    comparator: ">="
    threshold: 0.9
    window: {kind: calendar_month}
    per_department: true
    min_samples: 5
  - id: head_in_person
    title: 正职出庭
    title_en: Heads in person
    scope: {event_type: govpulse.lawsuit.appearance.v1}
    measure: {kind: ratio, numerator: role_head, denominator: head_appearances}
    comparator: ">="
    threshold: 0.5
    window: {kind: rolling, days: 30}
    per_department: true
`
	ts, err := Parse([]byte(src), catalogtest.Default(t))
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
