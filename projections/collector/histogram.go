package collector

import (
	"context"
	"fmt"
	"strings"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/govpulse/govpulse/postgres"
)

// histograms turns a per-bucket histogram column into Prometheus
// histograms (cumulative buckets) grouped by the selected label columns.
// selectLabels is "SELECT col1, col2"; nLabels its column count.
func histograms(ctx context.Context, db postgres.Querier, ch chan<- prometheus.Metric, desc *prometheus.Desc,
	selectLabels, table, column, sumExpr string, bounds []float64, nLabels int) error {
	groupBy := selectLabels[len("SELECT "):]
	// Summing each bucket by index is one pass over the rows; unnest-ing
	// the arrays was 15 times slower on a year of data.
	buckets := make([]string, len(bounds)+1)
	for i := range buckets {
		buckets[i] = fmt.Sprintf("sum(%s[%d])::bigint", column, i+1)
	}
	q := fmt.Sprintf(`SELECT %s, %s, ARRAY[%s] FROM %s GROUP BY %s`,
		groupBy, sumExpr, strings.Join(buckets, ", "), table, groupBy)
	rows, err := db.Query(ctx, q)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		labels := make([]string, nLabels)
		dest := make([]any, 0, nLabels+2)
		for i := range labels {
			dest = append(dest, &labels[i])
		}
		var sum float64
		var counts []int64
		dest = append(dest, &sum, &counts)
		if err := rows.Scan(dest...); err != nil {
			return err
		}
		if m, ok := histogram(desc, counts, sum, bounds, labels); ok {
			ch <- m
		}
	}
	return rows.Err()
}

// histogram is a Prometheus histogram of per-bucket counts; ok is false
// when the counts are all 0.
func histogram(desc *prometheus.Desc, counts []int64, sum float64, bounds []float64, labels []string) (prometheus.Metric, bool) {
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
		return nil, false
	}
	return prometheus.MustNewConstHistogram(desc, total, sum, buckets, labels...), true
}
