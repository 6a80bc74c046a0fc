// Package httpapi is govpulse's HTTP API: event ingest (CloudEvents in
// structured and binary mode, read once with the strict reading), the log,
// the catalogue, the stats, the targets, the ingest tally, admin
// endpoints (rebuild, poison queue) and the operational endpoints
// (/healthz, /readyz, /metrics).
//
// Handlers depend on the small interfaces they need (needs.go), not on the
// store or the bus, and every error becomes its status and JSON body in
// one place (errors.go).
package httpapi
