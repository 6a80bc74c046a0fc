package routemetrics

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
)

func TestWrapLabelsByRouteNotPath(t *testing.T) {
	reg := prometheus.NewRegistry()
	m, err := New(reg, Names{RequestsName: "t_requests_total", RequestsHelp: "r.", DurationName: "t_seconds", DurationHelp: "d.", Buckets: []float64{1}})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /items/{id}", func(w http.ResponseWriter, r *http.Request) {
		if r.PathValue("id") == "gone" {
			w.WriteHeader(http.StatusGone)
		}
	})
	mux.HandleFunc("/", http.NotFound)
	h := m.Wrap(mux, mux)
	for _, path := range []string{"/items/1", "/items/2", "/items/gone", "/elsewhere?x=1"} {
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, path, nil))
	}
	for _, c := range []struct {
		route, code string
		want        float64
	}{{"GET /items/{id}", "200", 2}, {"GET /items/{id}", "410", 1}, {"other", "404", 1}} {
		if got := testutil.ToFloat64(m.requests.WithLabelValues(c.route, c.code)); got != c.want {
			t.Errorf("requests{route=%q,code=%s} = %v, want %v", c.route, c.code, got, c.want)
		}
	}
	if n := testutil.CollectAndCount(m.requests); n != 3 {
		t.Errorf("%d request series, want 3 (one per route and code)", n)
	}
	if n := testutil.CollectAndCount(m.duration); n != 2 {
		t.Errorf("%d duration series, want 2 (one per route)", n)
	}
	if _, err := New(reg, Names{RequestsName: "t_requests_total", RequestsHelp: "r.", DurationName: "t_seconds", DurationHelp: "d."}); err == nil {
		t.Error("registering the same names twice: no error")
	}
}
