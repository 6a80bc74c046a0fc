package httpapi

import (
	"context"
	"crypto/subtle"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"golang.org/x/time/rate"

	"github.com/govpulse/govpulse/events"
	"github.com/govpulse/govpulse/sources"
)

// Limits bound what one request and one source may send.
type Limits struct {
	MaxBodyBytes   int64
	MaxBatchEvents int
	// RatePerSource is requests per second per source; RateBurst how many
	// may come at once.
	RatePerSource float64
	RateBurst     int
	// MaxInflight is how many ingest requests are read and processed at
	// once; 0 means 4 per core. InflightWait is how long one beyond waits
	// for its turn before a 503; 0 means 10s (inflight.go).
	MaxInflight  int
	InflightWait time.Duration
}

// Server serves the API. Fill the fields, then call Handler. A test may
// leave out what the endpoints it calls do not use; without Readiness,
// /readyz answers 503.
type Server struct {
	// Log is where events are appended and read back.
	Log        EventLog
	Validator  *events.Validator
	Catalog    *events.Catalog
	Sources    *sources.Registry
	Poison     PoisonQueue
	Readiness  Readiness
	Stats      Stats
	Targets    Targets
	ReadModels ReadModels
	// Consumers names every bus consumer whose progress GET
	// /v1/projections shows, besides the read models.
	Consumers  []string
	AdminToken string
	Limits     Limits
	Logger     *slog.Logger
	Registry   *prometheus.Registry

	metrics  *metrics
	limiters sync.Map      // source name → *rate.Limiter
	slots    chan struct{} // ingest requests in flight (inflight.go)
}

// Handler builds the routes and registers the API's metrics.
func (s *Server) Handler() (http.Handler, error) {
	m, err := newMetrics(s.Registry)
	if err != nil {
		return nil, err
	}
	s.metrics = m
	s.slots = newIngestSlots(s.Limits.MaxInflight)
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1/events", s.handleIngest)
	mux.HandleFunc("GET /v1/events", s.admin(s.handleReadEvents))
	mux.HandleFunc("GET /v1/catalog", s.handleCatalog)
	mux.HandleFunc("GET /v1/ingest/tally", s.handleTally)
	mux.HandleFunc("GET /v1/admin/poison", s.admin(s.handlePoisonList))
	mux.HandleFunc("POST /v1/admin/poison/{id}/replay", s.admin(s.handlePoisonReplay))
	mux.HandleFunc("GET /v1/stats/cases", s.handleCaseStats)
	mux.HandleFunc("GET /v1/stats/licenses", s.handleLicenseStats)
	mux.HandleFunc("GET /v1/stats/lawsuits", s.handleLawsuitStats)
	mux.HandleFunc("GET /v1/projections", s.handleProjections)
	mux.HandleFunc("GET /v1/targets", s.handleTargets)
	mux.HandleFunc("GET /v1/targets/history", s.handleTargetHistory)
	mux.HandleFunc("GET /v1/targets/definitions", s.handleTargetDefinitions)
	mux.HandleFunc("POST /v1/admin/rebuild/{name}", s.admin(s.handleRebuild))
	mux.HandleFunc("GET /healthz", s.handleHealth)
	mux.HandleFunc("GET /readyz", s.handleReady)
	mux.Handle("GET /metrics", fastGzip(promhttp.HandlerFor(s.Registry, promhttp.HandlerOpts{
		Registry: s.Registry, Timeout: 10 * time.Second,
		// One collector failing (a read model being swapped, say) must not
		// hide every other metric.
		ErrorHandling: promhttp.ContinueOnError,
	})))
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		s.writeError(w, r, errorf(ENotFound, "no such endpoint: "+r.Method+" "+r.URL.Path))
	})
	// Every request is counted and timed by the route it matched.
	return s.metrics.routes.Wrap(mux, s.strictQuery(mux)), nil
}

// bearer returns the request's bearer token.
func bearer(r *http.Request) string {
	h := r.Header.Get("Authorization")
	if len(h) > 7 && strings.EqualFold(h[:7], "bearer ") {
		return strings.TrimSpace(h[7:])
	}
	return ""
}

// isAdmin reports whether the request carries the admin token.
func (s *Server) isAdmin(r *http.Request) bool {
	tok := bearer(r)
	return s.AdminToken != "" && tok != "" && subtle.ConstantTimeCompare([]byte(tok), []byte(s.AdminToken)) == 1
}

// admin guards an endpoint with the admin token.
func (s *Server) admin(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		switch {
		case s.AdminToken == "":
			s.writeError(w, r, errorf(EForbidden, "admin endpoints are disabled: set GOVPULSE_ADMIN_TOKEN"))
		case bearer(r) == "":
			s.writeError(w, r, errorf(EUnauthorized, "this endpoint needs the admin token: Authorization: Bearer <token>"))
		case !s.isAdmin(r):
			s.writeError(w, r, errorf(EUnauthorized, "the token is not the admin token"))
		default:
			h(w, r)
		}
	}
}

// limiter returns the source's rate limiter.
func (s *Server) limiter(source string) *rate.Limiter {
	if l, ok := s.limiters.Load(source); ok {
		return l.(*rate.Limiter)
	}
	l, _ := s.limiters.LoadOrStore(source, rate.NewLimiter(rate.Limit(s.Limits.RatePerSource), s.Limits.RateBurst))
	return l.(*rate.Limiter)
}

func (s *Server) handleHealth(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

// handleReady reports what Readiness checks (the database, the schema,
// the bus).
func (s *Server) handleReady(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 3*time.Second)
	defer cancel()
	checks, ok := map[string]string{"service": "not configured"}, false
	if s.Readiness != nil {
		checks, ok = s.Readiness.Ready(ctx)
	}
	status := http.StatusOK
	if !ok {
		status = http.StatusServiceUnavailable
		w.Header().Set("Retry-After", "5")
	}
	writeJSON(w, status, map[string]any{"ready": ok, "checks": checks})
}

func (s *Server) handleCatalog(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Cache-Control", "public, max-age=300")
	writeJSON(w, http.StatusOK, s.Catalog)
}
