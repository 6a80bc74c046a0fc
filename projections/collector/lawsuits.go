package collector

import (
	"context"

	"github.com/jackc/pgx/v5"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/govpulse/govpulse/postgres"
)

// Lawsuits exports lawsuit_stats: hearings and head appearances by agency.
type Lawsuits struct {
	DB postgres.Querier
}

var (
	hearingsDesc = prometheus.NewDesc("govpulse_lawsuit_hearings_total",
		"Administrative lawsuit hearings held, by sued agency.",
		[]string{"agency"}, nil)
	headAppearancesDesc = prometheus.NewDesc("govpulse_lawsuit_head_appearances_total",
		"Hearings at which the agency's head or a deputy head appeared in court.",
		[]string{"agency"}, nil)
)

// Describe implements Collector.
func (c Lawsuits) Describe(ch chan<- *prometheus.Desc) {
	ch <- hearingsDesc
	ch <- headAppearancesDesc
}

// Update implements Collector.
func (c Lawsuits) Update(ctx context.Context, ch chan<- prometheus.Metric) error {
	rows, err := c.DB.Query(ctx, `SELECT agency, sum(hearings)::bigint, sum(head_appearances)::bigint FROM lawsuit_stats GROUP BY agency`)
	if err != nil {
		return err
	}
	var agency string
	var hearings, heads int64
	_, err = pgx.ForEachRow(rows, []any{&agency, &hearings, &heads}, func() error {
		ch <- prometheus.MustNewConstMetric(hearingsDesc, prometheus.CounterValue, float64(hearings), agency)
		ch <- prometheus.MustNewConstMetric(headAppearancesDesc, prometheus.CounterValue, float64(heads), agency)
		return nil
	})
	return err
}
