package collector

import (
	"context"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/govpulse/govpulse/postgres"
)

// Lag exports each consumer's lag behind the log
// (govpulse_projection_lag_events, govpulse_projection_lag_seconds).
type Lag struct {
	DB postgres.Querier
	// Consumers are the names of the consumers to report.
	Consumers []string
}

var (
	lagEventsDesc = desc("govpulse_projection_lag_events",
		"Events between the head of the log and the last event the projection has applied.", "projection")
	lagSecondsDesc = desc("govpulse_projection_lag_seconds",
		"Age of the oldest event the projection has not applied yet past its last applied one; 0 when caught up.", "projection")
)

// Describe implements Collector.
func (c Lag) Describe(ch chan<- *prometheus.Desc) { describe(ch, lagEventsDesc, lagSecondsDesc) }

// Update implements Collector.
func (c Lag) Update(ctx context.Context, ch chan<- prometheus.Metric) error {
	lags, err := postgres.ReadLag(ctx, c.DB, c.Consumers)
	if err != nil {
		return err
	}
	for _, l := range lags {
		ch <- prometheus.MustNewConstMetric(lagEventsDesc, prometheus.GaugeValue, float64(l.LagEvents), l.Name)
		ch <- prometheus.MustNewConstMetric(lagSecondsDesc, prometheus.GaugeValue, l.LagSeconds, l.Name)
	}
	return nil
}
