package projections

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
)

// IngestCollector exports, per department, when its last event was stored
// and how many were, from the ingest tally; alerts use it to tell when a
// department's ingestion has stalled.
type IngestCollector struct {
	Pool *pgxpool.Pool
	// Timeout bounds the scrape's query; 0 means 5s.
	Timeout time.Duration
}

var (
	descDeptLast = prometheus.NewDesc("govpulse_ingest_last_event_timestamp_seconds",
		"When the department's newest event was stored (Unix time).", []string{"department"}, nil)
	descDeptEvents = prometheus.NewDesc("govpulse_ingest_department_events_total",
		"Events stored for the department since the log began.", []string{"department"}, nil)
)

// Describe implements prometheus.Collector.
func (c IngestCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- descDeptLast
	ch <- descDeptEvents
}

// Collect implements prometheus.Collector.
func (c IngestCollector) Collect(ch chan<- prometheus.Metric) {
	timeout := c.Timeout
	if timeout == 0 {
		timeout = 5 * time.Second
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	rows, err := c.Pool.Query(ctx, `SELECT department, last_recorded_at, events FROM ingest_department_last`)
	if err != nil {
		ch <- prometheus.NewInvalidMetric(descDeptLast, err)
		return
	}
	defer rows.Close()
	for rows.Next() {
		var dept string
		var at time.Time
		var n int64
		if err := rows.Scan(&dept, &at, &n); err != nil {
			ch <- prometheus.NewInvalidMetric(descDeptLast, err)
			return
		}
		ch <- prometheus.MustNewConstMetric(descDeptLast, prometheus.GaugeValue, float64(at.UnixMilli())/1000, dept)
		ch <- prometheus.MustNewConstMetric(descDeptEvents, prometheus.CounterValue, float64(n), dept)
	}
	if err := rows.Err(); err != nil {
		ch <- prometheus.NewInvalidMetric(descDeptLast, err)
	}
}
