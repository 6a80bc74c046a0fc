// Package collector exports what the database holds as Prometheus metrics
// at scrape time, in the shape of postgres_exporter: one Collector per
// file, each reading one group of metrics (a read model, the ingest
// tally, the consumers' lag), and one Exporter that runs them, bounds
// each scrape by a timeout, caches what is costly to read, and reports
// each collector's duration and success. The error convention: a
// Collector's Update returns its error and sends nothing invalid; the
// Exporter logs it once and reports the collector as failed, and the
// other collectors' metrics are still exported.
package collector
