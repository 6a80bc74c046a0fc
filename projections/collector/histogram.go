package collector

import (
	"fmt"
	"unicode/utf8"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
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

// counter is a constant counter whose label pairs (labelPairs) other
// metrics of the same labels share; prometheus.MustNewConstMetric builds
// them anew for each metric. Its value is built once too, as
// MustNewConstMetric's is: each scrape's Write only points at both.
type counter struct {
	desc   *prometheus.Desc
	labels []*dto.LabelPair
	value  float64
	dto    dto.Counter
}

func newCounter(desc *prometheus.Desc, value float64, labels []*dto.LabelPair) *counter {
	c := &counter{desc: desc, labels: labels, value: value}
	c.dto.Value = &c.value
	return c
}

// Desc implements prometheus.Metric.
func (c *counter) Desc() *prometheus.Desc { return c.desc }

// Write implements prometheus.Metric.
func (c *counter) Write(out *dto.Metric) error {
	out.Label = c.labels
	out.Counter = &c.dto
	return nil
}

// labelPairs are the label pairs of desc's variable labels with values,
// checked as prometheus.NewConstMetric checks them.
func labelPairs(desc *prometheus.Desc, values []string) ([]*dto.LabelPair, error) {
	for _, v := range values {
		if !utf8.ValidString(v) {
			return nil, fmt.Errorf("%s: label value %q is not valid UTF-8", desc, v)
		}
	}
	return prometheus.MakeLabelPairs(desc, values), nil
}
