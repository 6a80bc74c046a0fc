package collector

import (
	"github.com/prometheus/client_golang/prometheus"
)

// sendHistogram sends a Prometheus histogram (cumulative buckets) of the
// per-bucket counts a read model keeps; nothing when they are all 0.
func sendHistogram(ch chan<- prometheus.Metric, desc *prometheus.Desc, counts []int64, sum float64, bounds []float64, labels ...string) {
	buckets := make(map[float64]uint64, len(bounds))
	var cum uint64
	for i, b := range bounds {
		if i < len(counts) {
			cum += uint64(counts[i])
		}
		buckets[b] = cum
	}
	var total uint64
	for _, n := range counts {
		total += uint64(n)
	}
	if total == 0 {
		return
	}
	ch <- prometheus.MustNewConstHistogram(desc, total, sum, buckets, labels...)
}

// values returns the named values of a group's key, in order: a metric's
// label values.
func values(key map[string]string, names ...string) []string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = key[n]
	}
	return out
}
