package web

import (
	"maps"
	"strconv"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/govpulse/govpulse/internal/promtest"
)

// TestRequestMetricsByRoute: every answer is counted once, under the route
// pattern that served it and its status code; a path no route serves
// counts as "other", so the labels stay bounded whatever is asked.
func TestRequestMetricsByRoute(t *testing.T) {
	reg := prometheus.NewRegistry()
	h := newTestServer(t, newFixture(), &recorded{}, func(s *Server) { s.Registry = reg })
	// Each request is counted under its route and the status it was
	// answered with.
	want := map[string]float64{}
	for _, rq := range []struct{ path, route string }{
		{"/policies/qd-2020-12", "GET /policies/{id}"}, // 200
		{"/policies/other-id", "GET /policies/{id}"},   // 404: no such policy
		{"/search?q=x", "GET /search"},                 // 200
		{"/search?page=0", "GET /search"},              // 400: pages start at 1
		{"/nowhere/at/all", "other"},                   // 404: no route
	} {
		resp, _ := get(t, h, rq.path)
		want[promtest.Labels("route", rq.route, "code", strconv.Itoa(resp.StatusCode))]++
	}
	got := promtest.Gather(t, reg)
	if c := got["govpulse_portal_http_requests_total"]; !maps.Equal(c, want) {
		t.Errorf("govpulse_portal_http_requests_total = %v, want %v", c, want)
	}
	if n := len(got["govpulse_portal_http_request_duration_seconds_count"]); n != 3 {
		t.Errorf("%d duration series, want 3 (one per route)", n)
	}
}
