package projections

import "math"

// Histogram bucket bounds. Read models store per-bucket counts (not
// cumulative): bucket i counts values v with bound[i-1] < v <= bound[i],
// and one last bucket counts everything above the last bound (+Inf).
var (
	workingDayBounds     = [...]float64{0, 1, 2, 3, 5, 10, 20, 35, 60, 85, 120}
	instantSecondsBounds = [...]float64{1, 5, 10, 30, 60, 300, 3600}
)

// Bucket counts of the histograms, the +Inf bucket included.
const (
	WorkingDayBuckets     = len(workingDayBounds) + 1
	InstantSecondsBuckets = len(instantSecondsBounds) + 1
)

// WorkingDayBounds returns the finite upper bounds of the working-day
// histograms (elapsed_wd_hist), in order; a last +Inf bucket follows.
func WorkingDayBounds() []float64 { return workingDayBounds[:] }

// InstantSecondsBounds returns the finite upper bounds of the instant-mode
// seconds histogram (instant_seconds_hist); a last +Inf bucket follows.
func InstantSecondsBounds() []float64 { return instantSecondsBounds[:] }

// bucketOf is the index of the bucket v falls in.
func bucketOf(v float64, bounds []float64) int {
	for i, b := range bounds {
		if v <= b {
			return i
		}
	}
	return len(bounds)
}

// Quantile estimates the q-quantile (0 < q < 1) of values counted in a
// per-bucket histogram with the given finite bounds, for integer-valued
// data such as working days: within the bucket holding the rank it
// interpolates linearly over the integers the bucket can hold, so buckets
// one value wide (0, 1, 2, 3) are exact. A rank in the +Inf bucket gives
// the last finite bound, as Prometheus' histogram_quantile does. ok is
// false when the histogram is empty.
func Quantile(q float64, counts []int64, bounds []float64) (v float64, ok bool) {
	return interpolatedQuantile(q, counts, bounds, func(i int) float64 {
		if i == 0 {
			return bounds[0] // a bucket one value wide
		}
		return bounds[i-1] + 1
	})
}

// QuantileContinuous is Quantile for continuous values such as seconds:
// linear interpolation between the bucket's bounds (from 0 for the first),
// as Prometheus' histogram_quantile.
func QuantileContinuous(q float64, counts []int64, bounds []float64) (v float64, ok bool) {
	return interpolatedQuantile(q, counts, bounds, func(i int) float64 {
		if i == 0 {
			return 0
		}
		return bounds[i-1]
	})
}

// interpolatedQuantile finds the bucket holding the q-quantile's rank and interpolates
// linearly from lowest(i), the smallest value bucket i can hold, to its
// upper bound.
func interpolatedQuantile(q float64, counts []int64, bounds []float64, lowest func(i int) float64) (float64, bool) {
	var n int64
	for _, c := range counts {
		n += c
	}
	if n == 0 {
		return 0, false
	}
	rank := q * float64(n)
	var cum int64
	for i, c := range counts {
		if c == 0 || float64(cum+c) < rank {
			cum += c
			continue
		}
		if i >= len(bounds) {
			return bounds[len(bounds)-1], true
		}
		lo, hi := lowest(i), bounds[i]
		frac := (rank - float64(cum)) / float64(c)
		return lo + (hi-lo)*math.Max(0, frac), true
	}
	return bounds[len(bounds)-1], true
}
