package httpapi_test

import (
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/govpulse/govpulse/httpapi"
)

// BenchmarkMetrics serves GET /metrics, gzipped as Prometheus asks for
// it, of about as many series as govpulse's on a year of demo data
// (2,700 case counters of four labels, 95 histograms of twelve buckets:
// 5,400 lines, 530 kB of text): what each scrape pays after the
// collectors, to gather, encode and compress.
func BenchmarkMetrics(b *testing.B) {
	reg := prometheus.NewRegistry()
	finished := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "bench_cases_finished_total", Help: "Cases finished."},
		[]string{"department", "district", "channel", "mode"})
	overdue := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "bench_cases_overdue_total", Help: "Cases overdue."},
		[]string{"department", "district", "channel", "mode"})
	days := prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "bench_case_elapsed_workingdays", Help: "Working days.",
		Buckets: []float64{0, 1, 2, 3, 5, 10, 20, 35, 60, 85, 120}}, []string{"department", "channel", "mode"})
	reg.MustRegister(finished, overdue, days)
	for i := range 1349 {
		labels := []string{fmt.Sprintf("qd-dept%02d", i%20), fmt.Sprintf("district-%02d", i/20%15), []string{"window", "online", "mobile", "hub"}[i%4], []string{"standard", "instant", "assisted"}[i%3]}
		// Values that vary as a year's do, which compress as a year's.
		finished.WithLabelValues(labels...).Add(float64(rand.Uint64N(200_000)))
		overdue.WithLabelValues(labels...).Add(float64(rand.Uint64N(500)))
		if i < 95 {
			for range 400 {
				days.WithLabelValues(labels[0], labels[2], labels[3]).Observe(float64(rand.Uint64N(130)))
			}
		}
	}
	srv := newHandlerServer(b, func(s *httpapi.Server) { s.Registry = reg })
	h := srv.Config.Handler
	req := httptest.NewRequest(http.MethodGet, "/metrics", nil)
	req.Header.Set("Accept-Encoding", "gzip")
	b.ReportAllocs()
	for b.Loop() {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		if w.Code != http.StatusOK || w.Header().Get("Content-Encoding") != "gzip" {
			b.Fatalf("HTTP %d, Content-Encoding %q", w.Code, w.Header().Get("Content-Encoding"))
		}
		b.ReportMetric(float64(w.Body.Len()), "gzip-bytes")
	}
}
