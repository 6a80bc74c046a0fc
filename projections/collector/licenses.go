package collector

import (
	"context"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/govpulse/govpulse/postgres"
	"github.com/govpulse/govpulse/projections"
	"github.com/govpulse/govpulse/projections/read"
)

// Licenses exports license_stats: licences issued, issued within one
// working day, electronic, and the working-day histogram.
type Licenses struct {
	DB postgres.Querier
	// FromRows sums license_stats' rows instead of its totals
	// (license_stats_totals), as Cases.FromRows.
	FromRows bool
}

var (
	licensesIssuedDesc = desc("govpulse_licenses_issued_total",
		"Licences and permits issued, by the day they were issued.", "license_type", "department")
	licensesWithin1Desc = desc("govpulse_licenses_within_one_workingday_total",
		"Licences issued within 1 working day of the application.", "license_type", "department")
	licenseWorkingDaysDesc = desc("govpulse_license_elapsed_workingdays",
		"Working days from application to issue of licences whose days are known.", "license_type")
	licensesElectronicDesc = desc("govpulse_licenses_electronic_total",
		"Licences issued in electronic form.", "license_type", "department")
)

// Describe implements Collector.
func (c Licenses) Describe(ch chan<- *prometheus.Desc) {
	describe(ch, licensesIssuedDesc, licensesWithin1Desc, licenseWorkingDaysDesc, licensesElectronicDesc)
}

// Update implements Collector: it reads license_stats' totals, a row per
// licence type and department.
func (c Licenses) Update(ctx context.Context, ch chan<- prometheus.Metric) error {
	m := projections.LicenseStats
	gs, err := read.Sums(ctx, c.DB, m, read.Query{GroupBy: []string{"license_type", "department"},
		Measures: []string{"issued", "within_1wd", "electronic"}, Totals: !c.FromRows})
	if err != nil {
		return err
	}
	for _, g := range gs {
		labels := values(g.Key, "license_type", "department")
		ch <- prometheus.MustNewConstMetric(licensesIssuedDesc, prometheus.CounterValue, float64(g.Sums.Issued), labels...)
		ch <- prometheus.MustNewConstMetric(licensesWithin1Desc, prometheus.CounterValue, float64(g.Sums.Within1), labels...)
		ch <- prometheus.MustNewConstMetric(licensesElectronicDesc, prometheus.CounterValue, float64(g.Sums.Electronic), labels...)
	}
	gs, err = read.Sums(ctx, c.DB, m, read.Query{GroupBy: []string{"license_type"}, Measures: []string{"elapsed_wd_sum", "elapsed_wd_hist"},
		Totals: !c.FromRows})
	if err != nil {
		return err
	}
	for _, g := range gs {
		sendHistogram(ch, licenseWorkingDaysDesc, g.Sums.ElapsedHist[:], float64(g.Sums.ElapsedSum), projections.WorkingDayBounds(),
			g.Key["license_type"])
	}
	return nil
}
