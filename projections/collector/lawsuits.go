package collector

import (
	"context"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/govpulse/govpulse/postgres"
	"github.com/govpulse/govpulse/projections"
	"github.com/govpulse/govpulse/projections/read"
)

// Lawsuits exports lawsuit_stats: hearings and head appearances by agency.
type Lawsuits struct {
	DB postgres.Querier
}

var (
	hearingsDesc = desc("govpulse_lawsuit_hearings_total",
		"Administrative lawsuit hearings held, by sued agency.", "agency")
	headAppearancesDesc = desc("govpulse_lawsuit_head_appearances_total",
		"Hearings at which the agency's head or a deputy head appeared in court.", "agency")
)

// Describe implements Collector.
func (c Lawsuits) Describe(ch chan<- *prometheus.Desc) {
	describe(ch, hearingsDesc, headAppearancesDesc)
}

// Update implements Collector.
func (c Lawsuits) Update(ctx context.Context, ch chan<- prometheus.Metric) error {
	gs, err := read.Sums(ctx, c.DB, projections.LawsuitStats, read.Query{GroupBy: []string{"agency"},
		Measures: []string{"hearings", "head_appearances"}})
	if err != nil {
		return err
	}
	for _, g := range gs {
		ch <- prometheus.MustNewConstMetric(hearingsDesc, prometheus.CounterValue, float64(g.Sums.Hearings), g.Key["agency"])
		ch <- prometheus.MustNewConstMetric(headAppearancesDesc, prometheus.CounterValue, float64(g.Sums.HeadAppearances), g.Key["agency"])
	}
	return nil
}
