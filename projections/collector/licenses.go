package collector

import (
	"context"

	"github.com/jackc/pgx/v5"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/govpulse/govpulse/postgres"
	"github.com/govpulse/govpulse/projections"
)

// Licenses exports license_stats: licences issued, issued within one
// working day, electronic, and the working-day histogram.
type Licenses struct {
	DB postgres.Querier
}

var (
	licensesIssuedDesc = prometheus.NewDesc("govpulse_licenses_issued_total",
		"Licences and permits issued, by the day they were issued.",
		[]string{"license_type", "department"}, nil)
	licensesWithin1Desc = prometheus.NewDesc("govpulse_licenses_within_one_workingday_total",
		"Licences issued within 1 working day of the application.",
		[]string{"license_type", "department"}, nil)
	licenseWorkingDaysDesc = prometheus.NewDesc("govpulse_license_elapsed_workingdays",
		"Working days from application to issue of licences whose days are known.",
		[]string{"license_type"}, nil)
	licensesElectronicDesc = prometheus.NewDesc("govpulse_licenses_electronic_total",
		"Licences issued in electronic form.",
		[]string{"license_type", "department"}, nil)
)

// Describe implements Collector.
func (c Licenses) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{licensesIssuedDesc, licensesWithin1Desc, licenseWorkingDaysDesc, licensesElectronicDesc} {
		ch <- d
	}
}

// Update implements Collector.
func (c Licenses) Update(ctx context.Context, ch chan<- prometheus.Metric) error {
	rows, err := c.DB.Query(ctx, `SELECT license_type, department, sum(issued)::bigint, sum(within_1wd)::bigint, sum(electronic)::bigint
		FROM license_stats GROUP BY license_type, department`)
	if err != nil {
		return err
	}
	var typ, dept string
	var issued, within, electronic int64
	_, err = pgx.ForEachRow(rows, []any{&typ, &dept, &issued, &within, &electronic}, func() error {
		ch <- prometheus.MustNewConstMetric(licensesIssuedDesc, prometheus.CounterValue, float64(issued), typ, dept)
		ch <- prometheus.MustNewConstMetric(licensesWithin1Desc, prometheus.CounterValue, float64(within), typ, dept)
		ch <- prometheus.MustNewConstMetric(licensesElectronicDesc, prometheus.CounterValue, float64(electronic), typ, dept)
		return nil
	})
	if err != nil {
		return err
	}
	return histograms(ctx, c.DB, ch, licenseWorkingDaysDesc, `SELECT license_type`, `license_stats`, `elapsed_wd_hist`,
		`sum(elapsed_wd_sum)::float8`, projections.WorkingDayBounds(), 1)
}
