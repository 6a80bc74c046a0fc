// Package grafana builds govpulse's Grafana dashboards and Grafana-managed
// alert rules in Go with the grafana-foundation-sdk, from the target
// definitions, the metric names govpulse exports and the read models'
// views, and the provisioning files that load them (data sources,
// dashboard providers, alert rules). "govpulse dashboards" writes them
// (deploy/grafana).
//
// Live panels query Prometheus; event-time panels query PostgreSQL (the
// views of schema boards, as the read-only role govpulse_boards) through
// SQLQuery, a dataquery type the SDK lacks.
//
// No dashboard JSON is written by hand: change the builders here and run
// the command again. The same input gives the same bytes.
package grafana
