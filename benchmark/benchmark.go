package benchmark

import (
	"fmt"
	"sort"
	"time"
)

// Result is one measured run.
type Result struct {
	Name    string
	Events  int
	Elapsed time.Duration
	// Start is when the clock started.
	Start time.Time
}

// Rate is events per second.
func (r Result) Rate() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.Events) / r.Elapsed.Seconds()
}

func (r Result) String() string {
	return fmt.Sprintf("%s: %d events in %s = %.0f events/s", r.Name, r.Events, r.Elapsed.Round(time.Millisecond), r.Rate())
}

// Median returns the median rate of runs.
func Median(runs []Result) float64 {
	if len(runs) == 0 {
		return 0
	}
	rates := make([]float64, len(runs))
	for i, r := range runs {
		rates[i] = r.Rate()
	}
	sort.Float64s(rates)
	mid := len(rates) / 2
	if len(rates)%2 == 1 {
		return rates[mid]
	}
	return (rates[mid-1] + rates[mid]) / 2
}
