// Package routemetrics counts and times HTTP answers by the route
// pattern that a ServeMux chose for each request (a bounded set), never
// by the raw path or query. The ingest API and the portal use it, each
// with its own metric names.
package routemetrics
