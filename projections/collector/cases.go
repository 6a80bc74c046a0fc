package collector

import (
	"context"

	"github.com/jackc/pgx/v5"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/govpulse/govpulse/postgres"
	"github.com/govpulse/govpulse/projections"
)

// Cases exports case_stats: finished and overdue cases, results, assisted
// cases, and the working-day and instant-seconds histograms. Labels are
// catalogue codes only, never item or case ids.
type Cases struct {
	DB postgres.Querier
}

var (
	casesFinishedDesc = prometheus.NewDesc("govpulse_cases_finished_total",
		"Administrative cases finished, by the day they finished (event time), summed over the read model.",
		[]string{"department", "district", "channel", "mode"}, nil)
	casesOverdueDesc = prometheus.NewDesc("govpulse_cases_overdue_total",
		"Cases finished after more working days than promised.",
		[]string{"department", "district", "channel", "mode"}, nil)
	casesResultDesc = prometheus.NewDesc("govpulse_cases_results_total",
		"Cases finished, by result (approved, rejected, withdrawn).",
		[]string{"department", "result"}, nil)
	casesAssistedDesc = prometheus.NewDesc("govpulse_cases_assisted_total",
		"Cases finished with staff help (帮办代办).",
		[]string{"department"}, nil)
	caseWorkingDaysDesc = prometheus.NewDesc("govpulse_case_elapsed_workingdays",
		"Working days from acceptance to finish (holidays and make-up days counted as the State Council set them), of cases whose days are known.",
		[]string{"department", "channel", "mode"}, nil)
	caseInstantSecondsDesc = prometheus.NewDesc("govpulse_case_instant_decision_seconds",
		"Seconds from acceptance to decision of instant-approval (秒批) cases.",
		[]string{"department"}, nil)
)

// Describe implements Collector.
func (c Cases) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{casesFinishedDesc, casesOverdueDesc, casesResultDesc, casesAssistedDesc,
		caseWorkingDaysDesc, caseInstantSecondsDesc} {
		ch <- d
	}
}

// Update implements Collector.
func (c Cases) Update(ctx context.Context, ch chan<- prometheus.Metric) error {
	rows, err := c.DB.Query(ctx, `SELECT department, district, channel, mode, sum(finished)::bigint, sum(overdue)::bigint
		FROM case_stats GROUP BY department, district, channel, mode`)
	if err != nil {
		return err
	}
	var dept, district, channel, mode string
	var finished, overdue int64
	_, err = pgx.ForEachRow(rows, []any{&dept, &district, &channel, &mode, &finished, &overdue}, func() error {
		ch <- prometheus.MustNewConstMetric(casesFinishedDesc, prometheus.CounterValue, float64(finished), dept, district, channel, mode)
		ch <- prometheus.MustNewConstMetric(casesOverdueDesc, prometheus.CounterValue, float64(overdue), dept, district, channel, mode)
		return nil
	})
	if err != nil {
		return err
	}
	rows, err = c.DB.Query(ctx, `SELECT department, sum(approved)::bigint, sum(rejected)::bigint, sum(withdrawn)::bigint, sum(assisted)::bigint
		FROM case_stats GROUP BY department`)
	if err != nil {
		return err
	}
	var approved, rejected, withdrawn, assisted int64
	_, err = pgx.ForEachRow(rows, []any{&dept, &approved, &rejected, &withdrawn, &assisted}, func() error {
		ch <- prometheus.MustNewConstMetric(casesResultDesc, prometheus.CounterValue, float64(approved), dept, "approved")
		ch <- prometheus.MustNewConstMetric(casesResultDesc, prometheus.CounterValue, float64(rejected), dept, "rejected")
		ch <- prometheus.MustNewConstMetric(casesResultDesc, prometheus.CounterValue, float64(withdrawn), dept, "withdrawn")
		ch <- prometheus.MustNewConstMetric(casesAssistedDesc, prometheus.CounterValue, float64(assisted), dept)
		return nil
	})
	if err != nil {
		return err
	}
	if err := histograms(ctx, c.DB, ch, caseWorkingDaysDesc, `SELECT department, channel, mode`, `case_stats`, `elapsed_wd_hist`,
		`sum(elapsed_wd_sum)::float8`, projections.WorkingDayBounds(), 3); err != nil {
		return err
	}
	return histograms(ctx, c.DB, ch, caseInstantSecondsDesc, `SELECT department`, `case_stats`, `instant_seconds_hist`,
		`sum(instant_ms_sum)::float8 / 1000`, projections.InstantSecondsBounds(), 1)
}
