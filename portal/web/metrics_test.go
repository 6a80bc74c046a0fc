package web

import (
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

func TestRequestMetricsByRoute(t *testing.T) {
	reg := prometheus.NewRegistry()
	h := newTestServer(t, newFixture(), &recorded{}, func(s *Server) { s.Registry = reg })
	for _, u := range []string{"/policies/qd-2020-12", "/policies/other-id", "/search?q=x", "/search?page=0", "/nowhere/at/all"} {
		get(t, h, u)
	}
	want := `
# HELP govpulse_portal_http_requests_total Portal (政策通) pages, feeds and API answers, by route and status code.
# TYPE govpulse_portal_http_requests_total counter
govpulse_portal_http_requests_total{code="200",route="GET /policies/{id}"} 1
govpulse_portal_http_requests_total{code="200",route="GET /search"} 1
govpulse_portal_http_requests_total{code="400",route="GET /search"} 1
govpulse_portal_http_requests_total{code="404",route="GET /policies/{id}"} 1
govpulse_portal_http_requests_total{code="404",route="other"} 1
`
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want), "govpulse_portal_http_requests_total"); err != nil {
		t.Error(err)
	}
	if n := testutil.CollectAndCount(reg, "govpulse_portal_http_request_duration_seconds"); n != 3 {
		t.Errorf("%d duration series, want 3 (one per route)", n)
	}
}
