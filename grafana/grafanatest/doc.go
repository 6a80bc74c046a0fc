// Package grafanatest takes generated Grafana boards apart for tests and
// does what Grafana would do with their queries, so that a test can run
// them against the real Prometheus and PostgreSQL: it lists every query,
// variable and link of a board, interpolates template variables as
// Grafana's frontend does, expands the PostgreSQL data source's macros
// ($__timeFilter, $__timeGroupAlias, $__unixEpochFilter, …) as its backend
// does, names the metrics a PromQL expression uses, and has Prometheus'
// own promtool parse PromQL.
//
// A missing promtool fails the test with the command that installs it;
// tests never skip for want of the tool.
package grafanatest
