package collector

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/govpulse/govpulse/postgres"
	"github.com/govpulse/govpulse/projections"
)

// UnknownWorkingDays exports the events each read model counted without
// working days for want of holiday data
// (govpulse_projection_unknown_workingdays_events).
type UnknownWorkingDays struct {
	DB         postgres.Querier
	ReadModels []*projections.Projection
}

var unknownDesc = desc("govpulse_projection_unknown_workingdays_events",
	"Events a read model counted without working days because the calendar has no holiday data for their year; add the year and rebuild.", "projection")

// Describe implements Collector.
func (c UnknownWorkingDays) Describe(ch chan<- *prometheus.Desc) { ch <- unknownDesc }

// Update implements Collector.
func (c UnknownWorkingDays) Update(ctx context.Context, ch chan<- prometheus.Metric) error {
	for _, p := range c.ReadModels {
		if !p.CountsWorkingDays() {
			continue
		}
		// The partial index on elapsed_unknown > 0 keeps this small.
		rows, err := c.DB.Query(ctx, fmt.Sprintf(`SELECT coalesce(sum(elapsed_unknown), 0)::bigint FROM %s WHERE elapsed_unknown > 0`, p.Table()))
		if err != nil {
			return fmt.Errorf("%s: %w", p.Name(), err)
		}
		n, err := pgx.CollectExactlyOneRow(rows, pgx.RowTo[int64])
		if err != nil {
			return fmt.Errorf("%s: %w", p.Name(), err)
		}
		ch <- prometheus.MustNewConstMetric(unknownDesc, prometheus.GaugeValue, float64(n), p.Name())
	}
	return nil
}
