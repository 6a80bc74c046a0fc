package httpapi

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/govpulse/govpulse/internal/routemetrics"
)

type metrics struct {
	routes        *routemetrics.Metrics
	events        *prometheus.CounterVec
	rejected      *prometheus.CounterVec
	batchSize     prometheus.Histogram
	appendSeconds prometheus.Histogram
}

func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	routes, err := routemetrics.New(reg, routemetrics.Names{
		RequestsName: "govpulse_http_requests_total", RequestsHelp: "HTTP requests answered, by route and status code.",
		DurationName: "govpulse_http_request_duration_seconds", DurationHelp: "Time to answer an HTTP request, by route.",
		Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
	})
	if err != nil {
		return nil, err
	}
	m := &metrics{
		routes: routes,
		events: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "govpulse_ingest_events_total",
			Help: "Events in valid ingest requests, by source, type and outcome (accepted or duplicate).",
		}, []string{"source", "type", "outcome"}),
		rejected: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "govpulse_ingest_rejected_total",
			Help: "Problems found in rejected ingest requests (one per problem, or one per request without a problem list), by source and reason.",
		}, []string{"source", "reason"}),
		batchSize: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "govpulse_ingest_batch_events",
			Help:    "Events per decoded ingest request.",
			Buckets: []float64{1, 10, 50, 100, 250, 500, 1000, 2500, 5000, 10000},
		}),
		appendSeconds: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "govpulse_ingest_append_duration_seconds",
			Help:    "Time to append one request's events to the log, including the outbox write and commit.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5},
		}),
	}
	for _, c := range []prometheus.Collector{m.events, m.rejected, m.batchSize, m.appendSeconds} {
		if err := reg.Register(c); err != nil {
			return nil, err
		}
	}
	return m, nil
}
