package targets

import (
	"maps"
	"math"
	"testing"
	"time"
)

func TestValue(t *testing.T) {
	// Working-day buckets: 0,1,2,3,5,10,20,35,60,85,120,+Inf.
	agg := Aggregate{
		Count: 12, Known: 10, ElapsedSum: 31,
		Hist:          []int64{2, 3, 1, 2, 0, 1, 0, 0, 0, 0, 1, 0}, // 0,0,1,1,1,2,3,3,10,~120
		PromisedCases: 8, PromisedElapsedSum: 24, PromisedLimitSum: 80,
		Overdue: 1, Instant: 4, InstantHist: []int64{1, 2, 0, 0, 1, 0, 0, 0}, Appearances: 0,
	}
	cases := []struct {
		m           Measure
		want        float64
		wantSamples int64
	}{
		{Measure{Kind: MeasureCount}, 12, 12},
		{Measure{Kind: MeasureShareWithinWorkingDays, WorkingDays: 1}, 0.5, 10},
		{Measure{Kind: MeasureShareWithinWorkingDays, WorkingDays: 3}, 0.8, 10},
		{Measure{Kind: MeasureShareWithinWorkingDays, WorkingDays: 85}, 0.9, 10},
		{Measure{Kind: MeasureAverageWorkingDays}, 3.1, 10},
		{Measure{Kind: MeasureSpeedup}, 0.7, 8},
		{Measure{Kind: MeasureOverdueShare}, 0.1, 10},
		{Measure{Kind: MeasureShareWithinSeconds, Seconds: 5}, 0.75, 4},
		{Measure{Kind: MeasureShareWithinSeconds, Seconds: 60}, 1, 4},
	}
	for _, c := range cases {
		tg := Target{Measure: c.m}
		got, samples, ok := tg.Value(agg)
		if !ok || math.Abs(got-c.want) > 1e-9 || samples != c.wantSamples {
			t.Errorf("%+v: got %v (%d samples, ok %v), want %v (%d)", c.m, got, samples, ok, c.want, c.wantSamples)
		}
	}
	hearings := Aggregate{Count: 4, Appearances: 3}
	if v, n, ok := (&Target{Measure: Measure{Kind: MeasureAppearanceRate}}).Value(hearings); !ok || v != 0.75 || n != 4 {
		t.Errorf("appearance rate = %v %d %v, want 0.75 over 4", v, n, ok)
	}
	if _, _, ok := (&Target{Measure: Measure{Kind: MeasureAverageWorkingDays}}).Value(Aggregate{}); ok {
		t.Error("average over nothing should not be ok")
	}
	assisted := &Target{Measure: Measure{Kind: MeasureRatio, Numerator: "assisted", Denominator: "finished"}}
	if v, n, ok := assisted.Value(Aggregate{Count: 99, Sums: map[string]int64{"assisted": 3, "finished": 12}}); !ok || v != 0.25 || n != 12 {
		t.Errorf("ratio = %v %d %v, want 0.25 over 12 (the denominator)", v, n, ok)
	}
	if _, n, ok := assisted.Value(Aggregate{Sums: map[string]int64{"assisted": 3, "finished": 0}}); ok || n != 0 {
		t.Errorf("ratio over a denominator of 0: %d samples, ok %v; want none, not ok", n, ok)
	}
	if _, _, ok := assisted.Value(Aggregate{}); ok {
		t.Error("ratio over no sums should not be ok")
	}
}

// Add sums the named sums and Scaled scales each as it does the fields,
// so that a ratio's projection follows the pace.
func TestAggregateSums(t *testing.T) {
	a := Aggregate{Count: 10, Sums: map[string]int64{"finished": 10, "assisted": 3}}
	a.Add(Aggregate{Count: 5, Sums: map[string]int64{"finished": 5, "rejected": 1}})
	a.Add(Aggregate{Count: 1}) // no sums: a department without rows
	if want := map[string]int64{"finished": 15, "assisted": 3, "rejected": 1}; !maps.Equal(a.Sums, want) || a.Count != 16 {
		t.Errorf("added: count %d, sums %v; want 16, %v", a.Count, a.Sums, want)
	}
	var empty Aggregate
	empty.Add(a)
	if !maps.Equal(empty.Sums, a.Sums) {
		t.Errorf("added to nothing: sums %v, want %v", empty.Sums, a.Sums)
	}
	empty.Sums["finished"] = 0
	if a.Sums["finished"] != 15 {
		t.Error("Add shares the added aggregate's sums instead of copying them")
	}
	s := a.Scaled(0.5)
	if want := map[string]int64{"finished": 8, "assisted": 2, "rejected": 1}; !maps.Equal(s.Sums, want) || s.Count != 8 {
		t.Errorf("scaled by 0.5: count %d, sums %v; want 8, %v (rounded as the fields are)", s.Count, s.Sums, want)
	}
	s.Sums["finished"] = 0
	if a.Sums["finished"] != 15 {
		t.Error("Scaled shares the sums of the aggregate it scales")
	}
	if (Aggregate{}).Scaled(2).Sums != nil {
		t.Error("scaled nothing has sums")
	}
}

func TestStatus(t *testing.T) {
	v := func(f float64) *float64 { return &f }
	atLeast := Target{Measure: Measure{Kind: MeasureSpeedup}, Comparator: ">=", Threshold: 0.7, MinSamples: 10}
	atMost := Target{Measure: Measure{Kind: MeasureAverageWorkingDays}, Comparator: "<=", Threshold: 3, MinSamples: 10}
	count := Target{Measure: Measure{Kind: MeasureCount}, Comparator: ">=", Threshold: 100}
	cases := []struct {
		name      string
		t         Target
		value     *float64
		samples   int64
		projected *float64
		open      bool
		want      string
	}{
		{"met", atLeast, v(0.71), 10, nil, false, StatusMet},
		{"exactly at threshold", atLeast, v(0.7), 10, nil, false, StatusMet},
		{"missed", atLeast, v(0.69), 10, nil, false, StatusMissed},
		{"too few samples", atLeast, v(0.1), 9, nil, false, StatusInsufficientData},
		{"nothing measured", atLeast, nil, 0, nil, false, StatusInsufficientData},
		{"at risk", atMost, v(2.9), 50, v(3.2), true, StatusAtRisk},
		{"missed beats projection", atMost, v(3.5), 50, v(2.5), true, StatusMissed},
		{"count on pace", count, v(40), 40, v(110), true, StatusMet},
		{"count behind pace", count, v(40), 40, v(90), true, StatusAtRisk},
		{"count short at the end", count, v(90), 90, nil, false, StatusMissed},
	}
	for _, c := range cases {
		if got := c.t.status(c.value, c.samples, c.projected, c.open); got != c.want {
			t.Errorf("%s: status = %s, want %s", c.name, got, c.want)
		}
	}
}

func TestResolve(t *testing.T) {
	loc, _ := time.LoadLocation("Asia/Shanghai")
	at := time.Date(2025, 5, 14, 0, 0, 0, 0, loc)
	d := func(s string) string { return s }
	cases := []struct {
		w                 Window
		from, to, through string
		total, elapsed    int
	}{
		{Window{Kind: WindowCalendarMonth}, d("2025-05-01"), d("2025-05-31"), d("2025-05-14"), 31, 14},
		{Window{Kind: WindowCalendarQuarter}, d("2025-04-01"), d("2025-06-30"), d("2025-05-14"), 91, 44},
		{Window{Kind: WindowCalendarYear}, d("2025-01-01"), d("2025-12-31"), d("2025-05-14"), 365, 134},
		{Window{Kind: WindowRolling, Days: 30}, d("2025-04-15"), d("2025-05-14"), d("2025-05-14"), 30, 30},
		{Window{Kind: WindowCampaign, From: "2025-01-01", To: "2025-03-31"}, d("2025-01-01"), d("2025-03-31"), d("2025-03-31"), 90, 90},
	}
	for _, c := range cases {
		s, ok := c.w.Resolve(at)
		if !ok {
			t.Errorf("%+v: not ok", c.w)
			continue
		}
		got := [3]string{s.From.Format(time.DateOnly), s.To.Format(time.DateOnly), s.Through.Format(time.DateOnly)}
		if got != [3]string{c.from, c.to, c.through} || s.DaysTotal() != c.total || s.DaysElapsed() != c.elapsed {
			t.Errorf("%+v: span %v total %d elapsed %d, want %s %s %s %d %d", c.w, got, s.DaysTotal(), s.DaysElapsed(), c.from, c.to, c.through, c.total, c.elapsed)
		}
	}
	if _, ok := (Window{Kind: WindowCampaign, From: "2025-06-01", To: "2025-12-31"}).Resolve(at); ok {
		t.Error("a campaign that has not begun resolved")
	}
}
