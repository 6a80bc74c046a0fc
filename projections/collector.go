package projections

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/govpulse/govpulse/postgres"
)

// LagCollector exports, at scrape time, each consumer's lag behind the log
// (govpulse_projection_lag_events, govpulse_projection_lag_seconds) and the
// events each read model counted without working days for want of holiday
// data (govpulse_projection_unknown_workingdays_events).
type LagCollector struct {
	pool       *pgxpool.Pool
	consumers  []string
	readModels []*Projection
	timeout    time.Duration

	lagEvents, lagSeconds, unknown *prometheus.Desc
}

// NewLagCollector reports the lag of the named consumers and of the read
// models; each scrape's queries are bounded by timeout.
func NewLagCollector(pool *pgxpool.Pool, readModels []*Projection, otherConsumers []string, timeout time.Duration) *LagCollector {
	names := append([]string{}, otherConsumers...)
	for _, p := range readModels {
		names = append(names, p.Name())
	}
	return &LagCollector{
		pool: pool, consumers: names, readModels: readModels, timeout: timeout,
		lagEvents: prometheus.NewDesc("govpulse_projection_lag_events",
			"Events between the head of the log and the last event the projection has applied.",
			[]string{"projection"}, nil),
		lagSeconds: prometheus.NewDesc("govpulse_projection_lag_seconds",
			"Age of the oldest event the projection has not applied yet past its last applied one; 0 when caught up.",
			[]string{"projection"}, nil),
		unknown: prometheus.NewDesc("govpulse_projection_unknown_workingdays_events",
			"Events a read model counted without working days because the calendar has no holiday data for their year; add the year and rebuild.",
			[]string{"projection"}, nil),
	}
}

// Describe implements prometheus.Collector.
func (c *LagCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.lagEvents
	ch <- c.lagSeconds
	ch <- c.unknown
}

// Collect implements prometheus.Collector.
func (c *LagCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), c.timeout)
	defer cancel()
	lags, err := postgres.ReadLag(ctx, c.pool, c.consumers)
	if err != nil {
		ch <- prometheus.NewInvalidMetric(c.lagEvents, err)
		ch <- prometheus.NewInvalidMetric(c.lagSeconds, err)
	}
	for _, l := range lags {
		ch <- prometheus.MustNewConstMetric(c.lagEvents, prometheus.GaugeValue, float64(l.LagEvents), l.Name)
		ch <- prometheus.MustNewConstMetric(c.lagSeconds, prometheus.GaugeValue, l.LagSeconds, l.Name)
	}
	for _, p := range c.readModels {
		if !p.countsWorkingDays() {
			continue
		}
		var n int64
		// The partial index on elapsed_unknown > 0 keeps this small.
		err := c.pool.QueryRow(ctx, fmt.Sprintf(`SELECT coalesce(sum(elapsed_unknown), 0)::bigint FROM %s WHERE elapsed_unknown > 0`, p.Table())).Scan(&n)
		if err != nil {
			ch <- prometheus.NewInvalidMetric(c.unknown, fmt.Errorf("%s: %w", p.Name(), err))
			continue
		}
		ch <- prometheus.MustNewConstMetric(c.unknown, prometheus.GaugeValue, float64(n), p.Name())
	}
}
