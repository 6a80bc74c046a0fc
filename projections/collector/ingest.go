package collector

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/govpulse/govpulse/postgres"
)

// Ingest exports, per department, when its last event was stored and how
// many were, from the ingest tally; alerts use it to tell when a
// department's ingestion has stalled.
type Ingest struct {
	DB postgres.Querier
}

var (
	deptLastDesc = desc("govpulse_ingest_last_event_timestamp_seconds",
		"When the department's newest event was stored (Unix time).", "department")
	deptEventsDesc = desc("govpulse_ingest_department_events_total",
		"Events stored for the department since the log began.", "department")
)

// Describe implements Collector.
func (c Ingest) Describe(ch chan<- *prometheus.Desc) { describe(ch, deptLastDesc, deptEventsDesc) }

// Update implements Collector.
func (c Ingest) Update(ctx context.Context, ch chan<- prometheus.Metric) error {
	rows, err := c.DB.Query(ctx, `SELECT department, last_recorded_at, events FROM ingest_department_last`)
	if err != nil {
		return err
	}
	var dept string
	var at time.Time
	var n int64
	_, err = pgx.ForEachRow(rows, []any{&dept, &at, &n}, func() error {
		ch <- prometheus.MustNewConstMetric(deptLastDesc, prometheus.GaugeValue, float64(at.UnixMilli())/1000, dept)
		ch <- prometheus.MustNewConstMetric(deptEventsDesc, prometheus.CounterValue, float64(n), dept)
		return nil
	})
	return err
}
