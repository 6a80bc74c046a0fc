package demo

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/govpulse/govpulse/events"
)

// TestMeasureCountsWorkingDays checks Measure's arithmetic on a few events
// whose figures were worked out by hand with the 2025 holiday calendar.
func TestMeasureCountsWorkingDays(t *testing.T) {
	_, cal := fixtures(t)
	loc := cal.Location()
	at := func(s string) time.Time {
		tm, err := time.ParseInLocation("2006-01-02 15:04:05", s, loc)
		if err != nil {
			t.Fatal(err)
		}
		return tm
	}
	value := func(v float64) *float64 { return &v }
	windowCase := func(accepted, finished string) events.CaseFinished {
		return events.CaseFinished{ItemCode: "pension_transfer", DepartmentCode: "qd-rsj", District: "shinan",
			Channel: "window", Mode: "standard", AcceptedAt: at(accepted), FinishedAt: at(finished),
			PromisedWorkingDays: 10, Result: "approved"}
	}
	evs := []Event{
		// Friday to Monday across the make-up Sunday 2025-09-28: 2 working days.
		{Source: ServiceHub, ID: "w1", Data: windowCase("2025-09-26 10:00:00", "2025-09-29 11:00:00")},
		// Monday to Friday: 4 working days. With w1: average 3, promised
		// 10, 70% faster.
		{Source: ServiceHub, ID: "w2", Data: windowCase("2025-03-03 09:30:00", "2025-03-07 16:00:00")},
		{Source: ServiceHub, ID: "i1", Data: events.CaseFinished{ItemCode: "housing_fund_withdrawal", DepartmentCode: "qd-gjj",
			District: "laoshan", Channel: "mobile", Mode: "instant", AcceptedAt: at("2025-03-04 21:00:00"),
			FinishedAt: at("2025-03-04 21:00:30"), Result: "approved"}},
		// Accepted on a Saturday that is no working day; rejected; assisted.
		{Source: ServiceHub, ID: "s1", Data: events.CaseFinished{ItemCode: "gas_connection", DepartmentCode: "qd-gas",
			District: "jimo", Channel: "online", Mode: "standard", AcceptedAt: at("2025-03-08 10:00:00"),
			FinishedAt: at("2025-03-12 18:30:00"), PromisedWorkingDays: 6, Result: "rejected", Assisted: true}},
		// Friday 2025-01-24 to Monday 01-27 counts the make-up Sunday 01-26:
		// 2 working days, so not within 1.
		{Source: ServiceHub, ID: "l1", Data: events.LicenseIssued{LicenseType: "business_license", HolderType: "enterprise",
			DepartmentCode: "qd-xzsp", District: "shinan", AppliedAt: at("2025-01-24 10:00:00"), IssuedAt: at("2025-01-27 10:00:00"), Steps: 2}},
		{Source: ServiceHub, ID: "l2", Data: events.LicenseIssued{LicenseType: "business_license", HolderType: "enterprise",
			DepartmentCode: "qd-xzsp", District: "shinan", AppliedAt: at("2025-01-27 10:00:00"), IssuedAt: at("2025-01-27 15:00:00"), Steps: 4}},
		{Source: ServiceHub, ID: "p1", Data: events.LicenseIssued{LicenseType: "construction_permit", HolderType: "enterprise",
			DepartmentCode: "qd-xzsp", District: "jimo", AppliedAt: at("2025-05-06 10:00:00"), IssuedAt: at("2025-05-07 10:00:00"), Steps: 4, ContractValueCNY: value(1e8)}},
		{Source: ServiceHub, ID: "p2", Data: events.LicenseIssued{LicenseType: "construction_permit", HolderType: "enterprise",
			DepartmentCode: "qd-xzsp", District: "jimo", AppliedAt: at("2025-05-06 10:00:00"), IssuedAt: at("2025-05-07 10:00:00"), Steps: 4, ContractValueCNY: value(5e7)}},
		{Source: "qd-justice-bureau", ID: "h1", Data: events.LawsuitAppearance{Agency: "qd-zrzy", Court: "qd-court-railway",
			HearingAt: at("2025-04-10 09:00:00"), HeadAppeared: true, AppearedRole: "deputy_head"}},
		{Source: "qd-justice-bureau", ID: "h2", Data: events.LawsuitAppearance{Agency: "qd-zrzy", Court: "qd-court-railway",
			HearingAt: at("2025-04-11 09:00:00"), HeadAppeared: false, AppearedRole: "staff"}},
	}
	f, err := Measure(cal, evs)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name      string
		got, want float64
	}{
		{"events", float64(f.Events), 10},
		{"cases", float64(f.Cases), 4},
		{"licences", float64(f.Licences), 4},
		{"window cases", float64(f.WindowCases), 2},
		{"window average", f.WindowAverage(), 3},
		{"window promised average", f.WindowPromisedAverage(), 10},
		{"window speed-up", f.WindowSpeedup(), 0.7},
		{"instant cases", float64(f.InstantCases), 1},
		{"instant slowest", f.InstantMaxSeconds, 30},
		{"set-up within 1 share", f.SetUpWithin1Share(), 0.5},
		{"set-up steps", f.SetUpAverageSteps(), 3},
		{"permits", float64(f.Permits), 2},
		{"permit value", f.PermitValueCNY, 1.5e8},
		{"head appearance rate", f.HeadAppearanceRate(), 0.5},
		{"gas average", f.Connections["gas_connection"].Average(), 3}, // Sat → Wed: Mon, Tue, Wed
		{"accepted off working days", float64(f.AcceptedOffDays), 1},
		{"finished outside office hours", float64(f.FinishedOutsideHours), 1},
		{"rejected", float64(f.Rejected), 1},
		{"assisted", float64(f.Assisted), 1},
		{"by source hub", float64(f.BySource[ServiceHub]), 8},
	} {
		if diff := c.got - c.want; diff > 1e-9 || diff < -1e-9 {
			t.Errorf("%s = %v, want %v", c.name, c.got, c.want)
		}
	}
	var out bytes.Buffer
	if err := WriteChecks(&out, f.Checks(DefaultOptions())); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"50.0% of 2 business licences", "MISSED", "3.00 wd, promised 10.0"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("checks table lacks %q:\n%s", want, out.String())
		}
	}
}

func TestWriteTableAlignsChineseText(t *testing.T) {
	var out bytes.Buffer
	if err := writeTable(&out, [][]string{{"秒批", "x"}, {"abcd", "y"}}); err != nil {
		t.Fatal(err)
	}
	got, want := out.String(), "秒批  x\nabcd  y\n"
	if got != want {
		t.Errorf("got %q, want %q", got, want)
	}
}
