package projections_test

import (
	"testing"

	"github.com/govpulse/govpulse/projections"
)

func TestQuantile(t *testing.T) {
	wd := projections.WorkingDayBounds()
	counts := func(m map[int]int64) []int64 {
		h := make([]int64, len(wd)+1)
		for i, n := range m {
			h[i] = n
		}
		return h
	}
	for _, c := range []struct {
		name string
		q    float64
		h    []int64
		want float64
	}{
		{"all same day", 0.9, counts(map[int]int64{0: 10}), 0},
		{"one-value buckets are exact", 0.75, counts(map[int]int64{0: 1, 1: 1, 3: 2}), 3},
		{"the 2nd of 0,1,3,3", 0.5, counts(map[int]int64{0: 1, 1: 1, 3: 2}), 1},
		{"median of 0,1,1,2", 0.5, counts(map[int]int64{0: 1, 1: 2, 2: 1}), 1},
		// (3,5] holds 4 and 5: a rank at its end is 5.
		{"end of a wide bucket", 1, counts(map[int]int64{4: 3}), 5},
		// (85,120]: half-way over 86..120.
		{"inside a wide bucket", 0.5, counts(map[int]int64{10: 2}), 86 + 34*0.5},
		{"+Inf gives the last bound", 0.9, counts(map[int]int64{0: 1, 11: 9}), 120},
	} {
		got, ok := projections.Quantile(c.q, c.h, wd)
		if !ok || got != c.want {
			t.Errorf("%s: Quantile(%v) = %v, %t; want %v", c.name, c.q, got, ok, c.want)
		}
	}
	if _, ok := projections.Quantile(0.5, counts(nil), wd); ok {
		t.Error("empty histogram: ok")
	}
	secs := projections.InstantSecondsBounds()
	h := make([]int64, len(secs)+1)
	h[1] = 4 // four in (1,5]
	if got, _ := projections.QuantileContinuous(0.5, h, secs); got != 3 {
		t.Errorf("QuantileContinuous = %v, want 3", got)
	}
}
