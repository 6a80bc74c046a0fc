package collector

import (
	"context"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/govpulse/govpulse/postgres"
	"github.com/govpulse/govpulse/projections"
)

// Collector reads one group of metrics at scrape time.
//
// Describe sends every descriptor Update may use. Update sends the
// metrics, reading within ctx (the Exporter's timeout); an error means
// its metrics are missing from this scrape. It neither logs the error nor
// sends an invalid metric: the Exporter reports it.
type Collector interface {
	Describe(ch chan<- *prometheus.Desc)
	Update(ctx context.Context, ch chan<- prometheus.Metric) error
}

// Entry is one collector the Exporter runs.
type Entry struct {
	// Name is the collector's label on govpulse_scrape_collector_*.
	Name      string
	Collector Collector
	// CacheFor, when above 0, serves the collector's last metrics for that
	// long: the domain collectors sum whole read models.
	CacheFor time.Duration
	// ReadModel, when set, names the read model the collector exports;
	// its failures also show on govpulse_read_model_scrape_error.
	ReadModel string
}

// Exporter is a prometheus.Collector that runs its entries at scrape
// time, at most maxParallel at once, and reports each one's duration and
// success.
type Exporter struct {
	Entries []Entry
	// Timeout bounds each collector's Update; 0 means 5s.
	Timeout time.Duration
	// Logger receives one warning per failed Update; nil logs nothing.
	Logger *slog.Logger

	mu    sync.Mutex
	cache map[string]*result
}

// maxParallel bounds the collectors reading at once, so that a scrape
// takes few of the pool's connections from ingest and the consumers.
const maxParallel = 3

// result is one Update's outcome.
type result struct {
	metrics  []prometheus.Metric
	took     time.Duration
	err      error
	finished time.Time
}

var (
	durationDesc = desc("govpulse_scrape_collector_duration_seconds",
		"Seconds the collector's last read took.", "collector")
	successDesc = desc("govpulse_scrape_collector_success",
		"1 when the collector's last read succeeded, 0 when its metrics are missing.", "collector")
	readModelErrorDesc = desc("govpulse_read_model_scrape_error",
		"1 when the read model could not be read for this scrape (its metrics are missing).", "read_model")
)

// Describe implements prometheus.Collector.
func (e *Exporter) Describe(ch chan<- *prometheus.Desc) {
	ch <- durationDesc
	ch <- successDesc
	ch <- readModelErrorDesc
	for _, en := range e.Entries {
		en.Collector.Describe(ch)
	}
}

// Collect implements prometheus.Collector.
func (e *Exporter) Collect(ch chan<- prometheus.Metric) {
	results := make([]*result, len(e.Entries))
	sem := make(chan struct{}, maxParallel)
	var wg sync.WaitGroup
	// The entries start in their order (the slowest, case_stats, first),
	// not in whichever order their goroutines ran: a slow one starting
	// last kept the whole scrape waiting for it alone.
	for i, en := range e.Entries {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			results[i] = e.run(en)
		})
	}
	wg.Wait()
	for i, en := range e.Entries {
		r := results[i]
		success, failed := 1.0, 0.0
		if r.err != nil {
			success, failed = 0, 1
		} else {
			for _, m := range r.metrics {
				ch <- m
			}
		}
		ch <- prometheus.MustNewConstMetric(durationDesc, prometheus.GaugeValue, r.took.Seconds(), en.Name)
		ch <- prometheus.MustNewConstMetric(successDesc, prometheus.GaugeValue, success, en.Name)
		if en.ReadModel != "" {
			ch <- prometheus.MustNewConstMetric(readModelErrorDesc, prometheus.GaugeValue, failed, en.ReadModel)
		}
	}
}

// run returns the entry's cached result while it is fresh, or updates it.
func (e *Exporter) run(en Entry) *result {
	if en.CacheFor > 0 {
		e.mu.Lock()
		r := e.cache[en.Name]
		e.mu.Unlock()
		if r != nil && time.Since(r.finished) <= en.CacheFor {
			return r
		}
	}
	r := e.update(en)
	if en.CacheFor > 0 {
		e.mu.Lock()
		if e.cache == nil {
			e.cache = map[string]*result{}
		}
		e.cache[en.Name] = r
		e.mu.Unlock()
	}
	return r
}

func (e *Exporter) update(en Entry) *result {
	timeout := e.Timeout
	if timeout == 0 {
		timeout = 5 * time.Second
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	start := time.Now()
	ch := make(chan prometheus.Metric)
	done := make(chan []prometheus.Metric)
	go func() {
		var ms []prometheus.Metric
		for m := range ch {
			ms = append(ms, m)
		}
		done <- ms
	}()
	err := en.Collector.Update(ctx, ch)
	close(ch)
	r := &result{metrics: <-done, took: time.Since(start), err: err, finished: time.Now()}
	if err != nil && e.Logger != nil {
		e.Logger.Warn("metrics: collector failed; its metrics are missing from this scrape", "collector", en.Name, "err", err)
	}
	return r
}

// ReadModels are the entries of the read models' collectors: each reads
// its whole read model, so its metrics are cached for cacheFor.
func ReadModels(db postgres.Querier, cacheFor time.Duration) []Entry {
	return []Entry{
		{Name: "case_stats", ReadModel: "case_stats", Collector: Cases{DB: db}, CacheFor: cacheFor},
		{Name: "license_stats", ReadModel: "license_stats", Collector: Licenses{DB: db}, CacheFor: cacheFor},
		{Name: "lawsuit_stats", ReadModel: "lawsuit_stats", Collector: Lawsuits{DB: db}, CacheFor: cacheFor},
	}
}

// New is the Exporter of everything govpulse reads at scrape time: the
// read models (cached for 10s), the portal's usage (cached too), the ingest tally, the lag of the read
// models and of the other consumers named, and the events counted without
// working days.
func New(db postgres.Querier, readModels []*projections.Projection, otherConsumers []string, log *slog.Logger) *Exporter {
	names := slices.Clone(otherConsumers)
	for _, p := range readModels {
		names = append(names, p.Name())
	}
	// The two slowest to read, case_stats and the portal's usage, first
	// (Collect starts the entries in order).
	entries := slices.Insert(ReadModels(db, 10*time.Second), 1,
		Entry{Name: "portal_usage", ReadModel: "portal_views", Collector: Portal{DB: db}, CacheFor: 10 * time.Second})
	return &Exporter{Logger: log, Entries: append(entries,
		Entry{Name: "ingest", Collector: Ingest{DB: db}},
		Entry{Name: "projection_lag", Collector: Lag{DB: db, Consumers: names}},
		Entry{Name: "unknown_workingdays", Collector: UnknownWorkingDays{DB: db, ReadModels: readModels}},
	)}
}

// desc is a metric's descriptor, with no constant labels.
func desc(name, help string, labels ...string) *prometheus.Desc {
	return prometheus.NewDesc(name, help, labels, nil)
}

// describe sends descs: a Collector's Describe.
func describe(ch chan<- *prometheus.Desc, descs ...*prometheus.Desc) {
	for _, d := range descs {
		ch <- d
	}
}
