// Package httpapi is govpulse's HTTP API: event ingest, the log, the
// catalogue, the ingest tally, admin endpoints and the operational
// endpoints (/healthz, /readyz, /metrics).
package httpapi

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/govpulse/govpulse/events"
)

// Error codes a client can branch on, each with one HTTP status.
const (
	EInvalid      = "invalid"                // 422: events failed validation
	EMalformed    = "malformed"              // 400: not JSON, or a bad parameter
	EUnauthorized = "unauthorized"           // 401
	EForbidden    = "forbidden"              // 403
	ENotFound     = "not_found"              // 404
	ETooLarge     = "too_large"              // 413
	EMediaType    = "unsupported_media_type" // 415
	ERateLimited  = "rate_limited"           // 429
	EUnavailable  = "unavailable"            // 503
	EInternal     = "internal"               // 500
	// Errors net/http answers before a handler runs (JSONErrorListener).
	EExpectation      = "expectation_failed"         // 417
	EHeaderTooLarge   = "header_too_large"           // 431
	ENotImplemented   = "not_implemented"            // 501
	EVersionNotServed = "http_version_not_supported" // 505
)

var statusOf = map[string]int{
	EInvalid:      http.StatusUnprocessableEntity,
	EMalformed:    http.StatusBadRequest,
	EUnauthorized: http.StatusUnauthorized,
	EForbidden:    http.StatusForbidden,
	ENotFound:     http.StatusNotFound,
	ETooLarge:     http.StatusRequestEntityTooLarge,
	EMediaType:    http.StatusUnsupportedMediaType,
	ERateLimited:  http.StatusTooManyRequests,
	EUnavailable:  http.StatusServiceUnavailable,
	EInternal:     http.StatusInternalServerError,

	EExpectation:      http.StatusExpectationFailed,
	EHeaderTooLarge:   http.StatusRequestHeaderFieldsTooLarge,
	ENotImplemented:   http.StatusNotImplemented,
	EVersionNotServed: http.StatusHTTPVersionNotSupported,
}

// Error is an API error: a code, a message for people, and for rejected
// events the list of problems.
type Error struct {
	Code       string           `json:"code"`
	Message    string           `json:"error"`
	Problems   []events.Problem `json:"problems,omitempty"`
	Line       int              `json:"line,omitempty"`
	Column     int              `json:"column,omitempty"`
	Offset     *int             `json:"offset,omitempty"` // a pointer: byte 0 is a place too
	RetryAfter time.Duration    `json:"-"`
}

func (e *Error) Error() string { return e.Message }

func errorf(code, msg string) *Error { return &Error{Code: code, Message: msg} }

// writeError answers with err; anything that is not an *Error is an
// internal error whose details stay in the log.
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	var e *Error
	if !errors.As(err, &e) {
		s.Logger.Error("request failed", "method", r.Method, "path", r.URL.Path, "err", err)
		e = errorf(EInternal, "internal error; the server log has the details")
	}
	if e.Code == EUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="govpulse"`)
	}
	if e.RetryAfter > 0 {
		secs := int(e.RetryAfter.Round(time.Second) / time.Second)
		if secs < 1 {
			secs = 1
		}
		w.Header().Set("Retry-After", strconv.Itoa(secs))
	}
	writeJSON(w, statusOf[e.Code], e)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(true)
	_ = enc.Encode(v)
}
