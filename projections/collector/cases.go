package collector

import (
	"context"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/govpulse/govpulse/events"
	"github.com/govpulse/govpulse/postgres"
	"github.com/govpulse/govpulse/projections"
	"github.com/govpulse/govpulse/projections/read"
)

// Cases exports case_stats: finished and overdue cases, results, assisted
// cases, and the working-day and instant-seconds histograms. Labels are
// catalogue codes only, never item or case ids.
type Cases struct {
	DB postgres.Querier
	// FromRows sums case_stats' rows instead of its totals
	// (case_stats_totals): the same metrics read the slow way, which the
	// tests compare them with.
	FromRows bool
}

var (
	casesFinishedDesc = desc("govpulse_cases_finished_total",
		"Administrative cases finished, by the day they finished (event time), summed over the read model.", "department", "district", "channel", "mode")
	casesOverdueDesc = desc("govpulse_cases_overdue_total",
		"Cases finished after more working days than promised.", "department", "district", "channel", "mode")
	casesResultDesc = desc("govpulse_cases_results_total",
		"Cases finished, by result (approved, rejected, withdrawn).", "department", "result")
	casesAssistedDesc = desc("govpulse_cases_assisted_total",
		"Cases finished with staff help (帮办代办).", "department")
	caseWorkingDaysDesc = desc("govpulse_case_elapsed_workingdays",
		"Working days from acceptance to finish (holidays and make-up days counted as the State Council set them), of cases whose days are known.", "department", "channel", "mode")
	caseInstantSecondsDesc = desc("govpulse_case_instant_decision_seconds",
		"Seconds from acceptance to decision of instant-approval (秒批) cases.", "department")
)

// Describe implements Collector.
func (c Cases) Describe(ch chan<- *prometheus.Desc) {
	describe(ch, casesFinishedDesc, casesOverdueDesc, casesResultDesc, casesAssistedDesc, caseWorkingDaysDesc, caseInstantSecondsDesc)
}

// Update implements Collector. It reads case_stats' totals once, grouped
// by the finest labels any case metric has (department, district,
// channel, mode: the totals' keys, so a row each), and sums the coarser
// groupings here. Summing the read model's own rows, a year of them, was
// most of a cold scrape.
func (c Cases) Update(ctx context.Context, ch chan<- prometheus.Metric) error {
	// Grouped by the labels in their names' order, the groups come in
	// the order the registry sorts the series in (byte order, as a C or
	// C.UTF-8 database sorts the codes), which it then finds sorted.
	gs, err := read.Sums(ctx, c.DB, projections.CaseStats, read.Query{GroupBy: []string{"channel", "department", "district", "mode"},
		Measures: []string{"finished", "overdue", "approved", "rejected", "withdrawn", "assisted",
			"instant_ms_sum", "instant_seconds_hist", "elapsed_wd_sum", "elapsed_wd_hist"}, Totals: !c.FromRows})
	if err != nil {
		return err
	}
	type wdKey struct{ dept, channel, mode string }
	byDept := map[string]*projections.CaseSums{}
	byWorkingDays := map[wdKey]*projections.CaseSums{}
	for _, g := range gs {
		// Finished and overdue, a series each for every group (most of
		// the scrape's), share one set of label pairs.
		labels, err := labelPairs(casesFinishedDesc, values(g.Key, "department", "district", "channel", "mode"))
		if err != nil {
			return err
		}
		ch <- newCounter(casesFinishedDesc, float64(g.Sums.Finished), labels)
		ch <- newCounter(casesOverdueDesc, float64(g.Sums.Overdue), labels)
		dept := g.Key["department"]
		d := byDept[dept]
		if d == nil {
			d = &projections.CaseSums{}
			byDept[dept] = d
		}
		d.Approved += g.Sums.Approved
		d.Rejected += g.Sums.Rejected
		d.Withdrawn += g.Sums.Withdrawn
		d.Assisted += g.Sums.Assisted
		d.InstantMs += g.Sums.InstantMs
		for i, n := range g.Sums.InstantHist {
			d.InstantHist[i] += n
		}
		k := wdKey{dept, g.Key["channel"], g.Key["mode"]}
		w := byWorkingDays[k]
		if w == nil {
			w = &projections.CaseSums{}
			byWorkingDays[k] = w
		}
		w.ElapsedSum += g.Sums.ElapsedSum
		for i, n := range g.Sums.ElapsedHist {
			w.ElapsedHist[i] += n
		}
	}
	for dept, s := range byDept {
		for result, n := range map[string]int64{events.ResultApproved: s.Approved, events.ResultRejected: s.Rejected, events.ResultWithdrawn: s.Withdrawn} {
			ch <- prometheus.MustNewConstMetric(casesResultDesc, prometheus.CounterValue, float64(n), dept, result)
		}
		ch <- prometheus.MustNewConstMetric(casesAssistedDesc, prometheus.CounterValue, float64(s.Assisted), dept)
		sendHistogram(ch, caseInstantSecondsDesc, s.InstantHist[:], float64(s.InstantMs)/1000, projections.InstantSecondsBounds(), dept)
	}
	for k, s := range byWorkingDays {
		sendHistogram(ch, caseWorkingDaysDesc, s.ElapsedHist[:], float64(s.ElapsedSum), projections.WorkingDayBounds(), k.dept, k.channel, k.mode)
	}
	return nil
}
