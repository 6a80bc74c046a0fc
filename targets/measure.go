package targets

import (
	"github.com/govpulse/govpulse/projections"
)

// Aggregate is what the read models hold for one scope, department and
// span: the sums every measure is computed from.
type Aggregate struct {
	// Count is the events in scope: cases finished, licences issued or
	// hearings held.
	Count int64
	// Known is the cases or licences whose working days are known.
	Known      int64
	ElapsedSum int64
	Hist       []int64 // per-bucket counts of elapsed working days
	// PromisedCases, PromisedElapsedSum and PromisedLimitSum cover cases
	// with a promise > 0 (the speedup's terms).
	PromisedCases      int64
	PromisedElapsedSum int64
	PromisedLimitSum   int64
	Overdue            int64
	Instant            int64
	InstantHist        []int64 // per-bucket counts of instant-mode seconds
	Appearances        int64
	// Sums is every scalar sum of the read model by column name (what a
	// ratio divides), read from its declaration rather than field by
	// field, so that a measure added to the model is here too.
	Sums map[string]int64
}

// Add adds b to a.
func (a *Aggregate) Add(b Aggregate) {
	a.Count += b.Count
	a.Known += b.Known
	a.ElapsedSum += b.ElapsedSum
	a.Hist = addHist(a.Hist, b.Hist)
	a.PromisedCases += b.PromisedCases
	a.PromisedElapsedSum += b.PromisedElapsedSum
	a.PromisedLimitSum += b.PromisedLimitSum
	a.Overdue += b.Overdue
	a.Instant += b.Instant
	a.InstantHist = addHist(a.InstantHist, b.InstantHist)
	a.Appearances += b.Appearances
	for name, v := range b.Sums {
		if a.Sums == nil {
			a.Sums = make(map[string]int64, len(b.Sums))
		}
		a.Sums[name] += v
	}
}

// Scaled returns a with every sum multiplied by f (for projecting a pace
// forward); counts are rounded.
func (a Aggregate) Scaled(f float64) Aggregate {
	s := func(v int64) int64 { return int64(float64(v)*f + 0.5) }
	sh := func(h []int64) []int64 {
		out := make([]int64, len(h))
		for i, v := range h {
			out[i] = s(v)
		}
		return out
	}
	var sums map[string]int64
	if a.Sums != nil {
		sums = make(map[string]int64, len(a.Sums))
		for name, v := range a.Sums {
			sums[name] = s(v)
		}
	}
	return Aggregate{
		Count: s(a.Count), Known: s(a.Known), ElapsedSum: s(a.ElapsedSum), Hist: sh(a.Hist),
		PromisedCases: s(a.PromisedCases), PromisedElapsedSum: s(a.PromisedElapsedSum), PromisedLimitSum: s(a.PromisedLimitSum),
		Overdue: s(a.Overdue), Instant: s(a.Instant), InstantHist: sh(a.InstantHist), Appearances: s(a.Appearances),
		Sums: sums,
	}
}

func addHist(a, b []int64) []int64 {
	if len(b) > len(a) {
		a = append(a, make([]int64, len(b)-len(a))...)
	}
	for i, v := range b {
		a[i] += v
	}
	return a
}

// Value computes the target's measure on agg: the value, the samples it
// rests on, and whether there was anything to measure.
func (t *Target) Value(agg Aggregate) (value float64, samples int64, ok bool) {
	ratio := func(num, den int64) (float64, int64, bool) {
		if den == 0 {
			return 0, 0, false
		}
		return float64(num) / float64(den), den, true
	}
	switch t.Measure.Kind {
	case MeasureCount:
		return float64(agg.Count), agg.Count, true
	case MeasureShareWithinWorkingDays:
		return ratio(cumulative(agg.Hist, projections.WorkingDayBounds(), t.Measure.WorkingDays), agg.Known)
	case MeasureAverageWorkingDays:
		return ratio(agg.ElapsedSum, agg.Known)
	case MeasureP90WorkingDays:
		v, ok := projections.Quantile(0.9, agg.Hist, projections.WorkingDayBounds())
		return v, agg.Known, ok
	case MeasureSpeedup:
		if agg.PromisedLimitSum == 0 {
			return 0, 0, false
		}
		return 1 - float64(agg.PromisedElapsedSum)/float64(agg.PromisedLimitSum), agg.PromisedCases, true
	case MeasureOverdueShare:
		return ratio(agg.Overdue, agg.Known)
	case MeasureShareWithinSeconds:
		return ratio(cumulative(agg.InstantHist, projections.InstantSecondsBounds(), t.Measure.Seconds), agg.Instant)
	case MeasureAppearanceRate:
		return ratio(agg.Appearances, agg.Count)
	case MeasureRatio:
		return ratio(agg.Sums[t.Measure.Numerator], agg.Sums[t.Measure.Denominator])
	}
	return 0, 0, false
}

// cumulative counts the values ≤ bound in a per-bucket histogram; bound is
// one of bounds.
func cumulative(hist []int64, bounds []float64, bound float64) int64 {
	var n int64
	for i, b := range bounds {
		if i >= len(hist) || b > bound {
			break
		}
		n += hist[i]
	}
	return n
}

// Meets reports whether value satisfies the target's comparator and
// threshold.
func (t *Target) Meets(value float64) bool {
	const eps = 1e-9 // shares like 0.7 computed from sums must not miss by rounding
	switch t.Comparator {
	case ">=":
		return value >= t.Threshold-eps
	case ">":
		return value > t.Threshold
	case "<=":
		return value <= t.Threshold+eps
	case "<":
		return value < t.Threshold
	}
	return false
}
