package httpapi

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/govpulse/govpulse/bus"
	"github.com/govpulse/govpulse/events"
	"github.com/govpulse/govpulse/internal/jsonhttp"
	"github.com/govpulse/govpulse/postgres"
	"github.com/govpulse/govpulse/projections"
)

// Error codes a client can branch on, each with one HTTP status.
const (
	EInvalid      = "invalid"                // 422: events failed validation
	EMalformed    = "malformed"              // 400: not JSON, or a bad parameter
	EUnauthorized = "unauthorized"           // 401
	EForbidden    = "forbidden"              // 403
	ENotFound     = "not_found"              // 404
	EConflict     = "conflict"               // 409
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
	EConflict:     http.StatusConflict,
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
	// With adds members to the answer: what was done before the failure
	// (the read models rebuilt, the poison message as it now stands).
	With map[string]any `json:"-"`
}

func (e *Error) Error() string { return e.Message }

// MarshalJSON writes the error's members and With's.
func (e *Error) MarshalJSON() ([]byte, error) {
	type plain Error
	b, err := json.Marshal((*plain)(e))
	if err != nil || len(e.With) == 0 {
		return b, err
	}
	with, err := json.Marshal(e.With)
	if err != nil {
		return nil, err
	}
	return append(append(b[:len(b)-1], ','), with[1:]...), nil
}

func errorf(code, msg string) *Error { return &Error{Code: code, Message: msg} }

// domainErrors are the errors of the packages the API calls that a client
// must be told apart, with their codes.
var domainErrors = []struct {
	err  error
	code string
}{
	{bus.ErrPoisonNotFound, ENotFound},
	{bus.ErrReplayFailed, EConflict},
	{bus.ErrConsumerNotHere, EConflict},
	{projections.ErrRebuildRunning, EConflict},
}

// apiError maps err to what the client is answered, in one place: an
// *Error as it is; a domain error by its code, with its message; an
// unreachable database 503 with Retry-After; anything else a 500 whose
// details stay in the log (logged reports whether they must be logged).
func apiError(err error) (e *Error, internal bool) {
	var wm *withMembers
	if errors.As(err, &wm) {
		if e, internal = apiError(wm.error); !internal {
			e = &Error{Code: e.Code, Message: e.Message, Problems: e.Problems, RetryAfter: e.RetryAfter, With: wm.with}
		}
		return e, internal
	}
	if errors.As(err, &e) {
		return e, false
	}
	for _, d := range domainErrors {
		if errors.Is(err, d.err) {
			return errorf(d.code, err.Error()), false
		}
	}
	if postgres.IsUnavailable(err) {
		e = errorf(EUnavailable, "the database is unavailable; nothing was done, retry later")
		e.RetryAfter = 5 * time.Second
		return e, false
	}
	return errorf(EInternal, "internal error; the server log has the details"), true
}

// withMembers is an error whose answer carries more members beside code
// and error (unless it is an internal error).
type withMembers struct {
	error
	with map[string]any
}

func (w *withMembers) Unwrap() error { return w.error }

// answerWith returns err with members added to its answer.
func answerWith(err error, with map[string]any) error { return &withMembers{error: err, with: with} }

// writeError answers with err mapped by apiError, logging what the client
// is not told.
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	e, internal := apiError(err)
	switch {
	case internal:
		s.Logger.Error("request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	case e.Code == EUnavailable:
		s.Logger.Warn("request failed: database unavailable", "method", r.Method, "path", r.URL.Path, "err", err)
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

func writeJSON(w http.ResponseWriter, status int, v any) { jsonhttp.Write(w, status, v) }
