package projections

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
)

// DomainCollector exports the read models as Prometheus metrics at scrape
// time, so every instance and every restart reports the same numbers.
// Labels are catalogue codes only (department, district, channel, mode,
// licence type, agency), never item, case or policy ids. Results are
// cached for CacheFor, and each scrape's queries are bounded by Timeout.
type DomainCollector struct {
	Pool     *pgxpool.Pool
	Timeout  time.Duration // default 5s
	CacheFor time.Duration // default 10s
	Logger   *slog.Logger

	mu       sync.Mutex
	cached   []prometheus.Metric
	cachedAt time.Time
}

var domainDescs = struct {
	casesFinished, casesOverdue, casesResult, casesAssisted      *prometheus.Desc
	caseWorkingDays, caseInstantSeconds                          *prometheus.Desc
	licensesIssued, licensesWithin1, licenseWorkingDays, licElec *prometheus.Desc
	hearings, headAppearances                                    *prometheus.Desc
	scrapeErrors                                                 *prometheus.Desc
}{
	casesFinished: prometheus.NewDesc("govpulse_cases_finished_total",
		"Administrative cases finished, by the day they finished (event time), summed over the read model.",
		[]string{"department", "district", "channel", "mode"}, nil),
	casesOverdue: prometheus.NewDesc("govpulse_cases_overdue_total",
		"Cases finished after more working days than promised.",
		[]string{"department", "district", "channel", "mode"}, nil),
	casesResult: prometheus.NewDesc("govpulse_cases_results_total",
		"Cases finished, by result (approved, rejected, withdrawn).",
		[]string{"department", "result"}, nil),
	casesAssisted: prometheus.NewDesc("govpulse_cases_assisted_total",
		"Cases finished with staff help (帮办代办).",
		[]string{"department"}, nil),
	caseWorkingDays: prometheus.NewDesc("govpulse_case_elapsed_workingdays",
		"Working days from acceptance to finish (holidays and make-up days counted as the State Council set them), of cases whose days are known.",
		[]string{"department", "channel", "mode"}, nil),
	caseInstantSeconds: prometheus.NewDesc("govpulse_case_instant_decision_seconds",
		"Seconds from acceptance to decision of instant-approval (秒批) cases.",
		[]string{"department"}, nil),
	licensesIssued: prometheus.NewDesc("govpulse_licenses_issued_total",
		"Licences and permits issued, by the day they were issued.",
		[]string{"license_type", "department"}, nil),
	licensesWithin1: prometheus.NewDesc("govpulse_licenses_within_one_workingday_total",
		"Licences issued within 1 working day of the application.",
		[]string{"license_type", "department"}, nil),
	licenseWorkingDays: prometheus.NewDesc("govpulse_license_elapsed_workingdays",
		"Working days from application to issue of licences whose days are known.",
		[]string{"license_type"}, nil),
	licElec: prometheus.NewDesc("govpulse_licenses_electronic_total",
		"Licences issued in electronic form.",
		[]string{"license_type", "department"}, nil),
	hearings: prometheus.NewDesc("govpulse_lawsuit_hearings_total",
		"Administrative lawsuit hearings held, by sued agency.",
		[]string{"agency"}, nil),
	headAppearances: prometheus.NewDesc("govpulse_lawsuit_head_appearances_total",
		"Hearings at which the agency's head or a deputy head appeared in court.",
		[]string{"agency"}, nil),
	scrapeErrors: prometheus.NewDesc("govpulse_read_model_scrape_error",
		"1 when the read model could not be read for this scrape (its metrics are missing).",
		[]string{"read_model"}, nil),
}

// Describe implements prometheus.Collector.
func (c *DomainCollector) Describe(ch chan<- *prometheus.Desc) {
	d := domainDescs
	for _, x := range []*prometheus.Desc{d.casesFinished, d.casesOverdue, d.casesResult, d.casesAssisted, d.caseWorkingDays,
		d.caseInstantSeconds, d.licensesIssued, d.licensesWithin1, d.licenseWorkingDays, d.licElec, d.hearings, d.headAppearances, d.scrapeErrors} {
		ch <- x
	}
}

// Collect implements prometheus.Collector.
func (c *DomainCollector) Collect(ch chan<- prometheus.Metric) {
	c.mu.Lock()
	defer c.mu.Unlock()
	cacheFor := c.CacheFor
	if cacheFor == 0 {
		cacheFor = 10 * time.Second
	}
	if c.cached == nil || time.Since(c.cachedAt) > cacheFor {
		c.cached, c.cachedAt = c.read(), time.Now()
	}
	for _, m := range c.cached {
		ch <- m
	}
}

// read queries every read model; a read model that fails is reported by
// govpulse_read_model_scrape_error and the others are still exported.
func (c *DomainCollector) read() []prometheus.Metric {
	timeout := c.Timeout
	if timeout == 0 {
		timeout = 5 * time.Second
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	models := []struct {
		name string
		read func(context.Context) ([]prometheus.Metric, error)
	}{
		{"case_stats", c.readCases},
		{"license_stats", c.readLicenses},
		{"lawsuit_stats", c.readLawsuits},
	}
	// The read models are read at once, each on a connection of its own:
	// a cold scrape waits for the slowest, not for all in turn.
	metrics := make([][]prometheus.Metric, len(models))
	errs := make([]error, len(models))
	var wg sync.WaitGroup
	for i, rm := range models {
		wg.Go(func() { metrics[i], errs[i] = rm.read(ctx) })
	}
	wg.Wait()
	var out []prometheus.Metric
	for i, rm := range models {
		failed := 0.0
		if errs[i] != nil {
			failed = 1
			if c.Logger != nil {
				c.Logger.Warn("metrics: read model not exported", "read_model", rm.name, "err", errs[i])
			}
		} else {
			out = append(out, metrics[i]...)
		}
		out = append(out, prometheus.MustNewConstMetric(domainDescs.scrapeErrors, prometheus.GaugeValue, failed, rm.name))
	}
	return out
}

func (c *DomainCollector) readCases(ctx context.Context) ([]prometheus.Metric, error) {
	d := domainDescs
	q := fmt.Sprintf(`SELECT department, district, channel, mode, sum(finished)::bigint, sum(overdue)::bigint,
		sum(approved)::bigint, sum(rejected)::bigint, sum(withdrawn)::bigint, sum(assisted)::bigint,
		sum(elapsed_wd_sum)::bigint, ARRAY[%s], sum(instant_ms_sum)::bigint, ARRAY[%s]
		FROM case_stats GROUP BY department, district, channel, mode`,
		bucketSums("elapsed_wd_hist", workingDayBuckets), bucketSums("instant_seconds_hist", instantSecondsBuckets))
	rows, err := c.Pool.Query(ctx, q)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	type hist struct {
		sum    int64
		counts []int64
	}
	type wdKey struct{ dept, channel, mode string }
	var out []prometheus.Metric
	results := map[string]*[4]int64{} // department → approved, rejected, withdrawn, assisted
	workingDays := map[wdKey]*hist{}
	instant := map[string]*hist{}
	add := func(h *hist, sum int64, counts []int64) {
		h.sum += sum
		if h.counts == nil {
			h.counts = make([]int64, len(counts))
		}
		for i, n := range counts {
			h.counts[i] += n
		}
	}
	for rows.Next() {
		var dept, district, channel, mode string
		var finished, overdue, elapsedSum, instantMs int64
		var r [4]int64
		var wdHist, instantHist []int64
		if err := rows.Scan(&dept, &district, &channel, &mode, &finished, &overdue, &r[0], &r[1], &r[2], &r[3],
			&elapsedSum, &wdHist, &instantMs, &instantHist); err != nil {
			return nil, err
		}
		out = append(out,
			prometheus.MustNewConstMetric(d.casesFinished, prometheus.CounterValue, float64(finished), dept, district, channel, mode),
			prometheus.MustNewConstMetric(d.casesOverdue, prometheus.CounterValue, float64(overdue), dept, district, channel, mode))
		if results[dept] == nil {
			results[dept] = &[4]int64{}
		}
		for i := range r {
			results[dept][i] += r[i]
		}
		k := wdKey{dept, channel, mode}
		if workingDays[k] == nil {
			workingDays[k] = &hist{}
		}
		add(workingDays[k], elapsedSum, wdHist)
		if instant[dept] == nil {
			instant[dept] = &hist{}
		}
		add(instant[dept], instantMs, instantHist)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	for dept, r := range results {
		out = append(out,
			prometheus.MustNewConstMetric(d.casesResult, prometheus.CounterValue, float64(r[0]), dept, "approved"),
			prometheus.MustNewConstMetric(d.casesResult, prometheus.CounterValue, float64(r[1]), dept, "rejected"),
			prometheus.MustNewConstMetric(d.casesResult, prometheus.CounterValue, float64(r[2]), dept, "withdrawn"),
			prometheus.MustNewConstMetric(d.casesAssisted, prometheus.CounterValue, float64(r[3]), dept))
	}
	for k, h := range workingDays {
		if m, ok := constHistogram(d.caseWorkingDays, h.counts, float64(h.sum), WorkingDayBounds(), k.dept, k.channel, k.mode); ok {
			out = append(out, m)
		}
	}
	for dept, h := range instant {
		if m, ok := constHistogram(d.caseInstantSeconds, h.counts, float64(h.sum)/1000, InstantSecondsBounds(), dept); ok {
			out = append(out, m)
		}
	}
	return out, nil
}

// bucketSums is the SQL summing each bucket of a histogram column by
// index: one pass over the rows (unnest-ing the arrays was 15 times slower
// on a year of data).
func bucketSums(column string, n int) string {
	sums := make([]string, n)
	for i := range sums {
		sums[i] = fmt.Sprintf("sum(%s[%d])::bigint", column, i+1)
	}
	return strings.Join(sums, ", ")
}

func (c *DomainCollector) readLicenses(ctx context.Context) ([]prometheus.Metric, error) {
	d := domainDescs
	var out []prometheus.Metric
	rows, err := c.Pool.Query(ctx, `SELECT license_type, department, sum(issued)::bigint, sum(within_1wd)::bigint, sum(electronic)::bigint
		FROM license_stats GROUP BY license_type, department`)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var typ, dept string
		var issued, within, electronic int64
		if err := rows.Scan(&typ, &dept, &issued, &within, &electronic); err != nil {
			rows.Close()
			return nil, err
		}
		out = append(out,
			prometheus.MustNewConstMetric(d.licensesIssued, prometheus.CounterValue, float64(issued), typ, dept),
			prometheus.MustNewConstMetric(d.licensesWithin1, prometheus.CounterValue, float64(within), typ, dept),
			prometheus.MustNewConstMetric(d.licElec, prometheus.CounterValue, float64(electronic), typ, dept))
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	hs, err := c.histograms(ctx, d.licenseWorkingDays, `SELECT license_type`, `license_stats`, `elapsed_wd_hist`,
		`sum(elapsed_wd_sum)::float8`, WorkingDayBounds(), 1)
	if err != nil {
		return nil, err
	}
	return append(out, hs...), nil
}

func (c *DomainCollector) readLawsuits(ctx context.Context) ([]prometheus.Metric, error) {
	d := domainDescs
	var out []prometheus.Metric
	rows, err := c.Pool.Query(ctx, `SELECT agency, sum(hearings)::bigint, sum(head_appearances)::bigint FROM lawsuit_stats GROUP BY agency`)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var agency string
		var hearings, heads int64
		if err := rows.Scan(&agency, &hearings, &heads); err != nil {
			rows.Close()
			return nil, err
		}
		out = append(out,
			prometheus.MustNewConstMetric(d.hearings, prometheus.CounterValue, float64(hearings), agency),
			prometheus.MustNewConstMetric(d.headAppearances, prometheus.CounterValue, float64(heads), agency))
	}
	return out, rows.Err()
}

// histograms turns a per-bucket histogram column into Prometheus
// histograms (cumulative buckets) grouped by the selected label columns.
// selectLabels is "SELECT col1, col2"; nLabels its column count.
func (c *DomainCollector) histograms(ctx context.Context, desc *prometheus.Desc, selectLabels, table, column, sumExpr string,
	bounds []float64, nLabels int) ([]prometheus.Metric, error) {
	groupBy := selectLabels[len("SELECT "):]
	q := fmt.Sprintf(`SELECT %s, %s, ARRAY[%s] FROM %s GROUP BY %s`,
		groupBy, sumExpr, bucketSums(column, len(bounds)+1), table, groupBy)
	rows, err := c.Pool.Query(ctx, q)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []prometheus.Metric
	for rows.Next() {
		labels := make([]string, nLabels)
		dest := make([]any, 0, nLabels+2)
		for i := range labels {
			dest = append(dest, &labels[i])
		}
		var sum float64
		var counts []int64
		dest = append(dest, &sum, &counts)
		if err := rows.Scan(dest...); err != nil {
			return nil, err
		}
		if m, ok := constHistogram(desc, counts, sum, bounds, labels...); ok {
			out = append(out, m)
		}
	}
	return out, rows.Err()
}

// constHistogram is a Prometheus histogram of per-bucket counts (the last
// is +Inf); ok is false when it counts nothing.
func constHistogram(desc *prometheus.Desc, counts []int64, sum float64, bounds []float64, labels ...string) (prometheus.Metric, bool) {
	buckets := make(map[float64]uint64, len(bounds))
	var cum uint64
	for i, b := range bounds {
		if i < len(counts) {
			cum += uint64(counts[i])
		}
		buckets[b] = cum
	}
	var total uint64
	for _, n := range counts {
		total += uint64(n)
	}
	if total == 0 {
		return nil, false
	}
	return prometheus.MustNewConstHistogram(desc, total, sum, buckets, labels...), true
}
