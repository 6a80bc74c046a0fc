package web

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/govpulse/govpulse/internal/routemetrics"
)

// newRequestMetrics count and time the portal's answers by route
// pattern (bounded: the routes of Handler), never by path or query.
func newRequestMetrics(reg prometheus.Registerer) (*routemetrics.Metrics, error) {
	return routemetrics.New(reg, routemetrics.Names{
		RequestsName: "govpulse_portal_http_requests_total", RequestsHelp: "Portal (政策通) pages, feeds and API answers, by route and status code.",
		DurationName: "govpulse_portal_http_request_duration_seconds", DurationHelp: "Time to answer a portal request, by route.",
		Buckets: []float64{.001, .0025, .005, .01, .02, .05, .1, .25, .5, 1, 2.5, 5},
	})
}
