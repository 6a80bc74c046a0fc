package routemetrics

import (
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Names are the two metrics' names, help texts and duration buckets.
type Names struct {
	RequestsName, RequestsHelp string
	DurationName, DurationHelp string
	Buckets                    []float64
}

// Metrics are a counter of answers by route and status code and a
// histogram of their durations by route.
type Metrics struct {
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
}

// New registers the metrics named n on reg.
func New(reg prometheus.Registerer, n Names) (*Metrics, error) {
	m := &Metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{Name: n.RequestsName, Help: n.RequestsHelp}, []string{"route", "code"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: n.DurationName, Help: n.DurationHelp, Buckets: n.Buckets}, []string{"route"}),
	}
	for _, c := range []prometheus.Collector{m.requests, m.duration} {
		if err := reg.Register(c); err != nil {
			return nil, err
		}
	}
	return m, nil
}

// Wrap counts and times every request that next answers by the route
// mux matches it to; a request no route but "/" matches is "other".
func (m *Metrics) Wrap(mux *http.ServeMux, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w, status: http.StatusOK}
		_, route := mux.Handler(r)
		if route == "" || route == "/" {
			route = "other"
		}
		next.ServeHTTP(sw, r)
		m.requests.WithLabelValues(route, strconv.Itoa(sw.status)).Inc()
		m.duration.WithLabelValues(route).Observe(time.Since(start).Seconds())
	})
}

// statusWriter remembers the status code written.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	w.status = code
	w.ResponseWriter.WriteHeader(code)
}
