package httpapi

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/govpulse/govpulse/events"
	"github.com/govpulse/govpulse/postgres"
	"github.com/govpulse/govpulse/sources"
)

// ingestResponse is the answer to a stored request.
type ingestResponse struct {
	Accepted   int                `json:"accepted"`
	Duplicates int                `json:"duplicates"`
	Events     []postgres.Outcome `json:"events"`
}

// handleIngest is POST /v1/events: authenticate, limit, decode, validate,
// authorise, then append all or nothing.
func (s *Server) handleIngest(w http.ResponseWriter, r *http.Request) {
	src, err := s.ingest(w, r)
	name := "unknown"
	if src != nil {
		name = src.Name
	}
	if err != nil {
		if e, internal := apiError(err); !internal {
			s.metrics.rejected.WithLabelValues(name, e.Code).Add(float64(max(len(e.Problems), 1)))
		}
		s.writeError(w, r, err)
	}
}

func (s *Server) ingest(w http.ResponseWriter, r *http.Request) (*sources.Source, error) {
	tok := bearer(r)
	if tok == "" {
		return nil, errorf(EUnauthorized, "missing token: send Authorization: Bearer <your source's token>")
	}
	src, ok := s.Sources.Authenticate(tok)
	if !ok {
		return nil, errorf(EUnauthorized, "unknown token")
	}
	if res := s.limiter(src.Name).Reserve(); res.Delay() > 0 {
		delay := res.Delay()
		res.Cancel()
		e := errorf(ERateLimited, fmt.Sprintf("source %s is over its rate of %.0f requests/s; retry after the Retry-After header", src.Name, s.Limits.RatePerSource))
		e.RetryAfter = delay
		return src, e
	}
	if err := checkContentType(r.Header); err != nil {
		return src, decodeError(err)
	}
	if r.ContentLength > s.Limits.MaxBodyBytes {
		return src, tooLarge(s.Limits.MaxBodyBytes)
	}
	release, err := s.ingestSlot(r.Context())
	if err != nil {
		return src, err
	}
	defer release()
	body, err := readBody(http.MaxBytesReader(w, r.Body, s.Limits.MaxBodyBytes), r.ContentLength)
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return src, tooLarge(s.Limits.MaxBodyBytes)
		}
		return src, errorf(EMalformed, "could not read the request body: "+err.Error())
	}
	envs, err := decodeIngest(r.Header, body)
	if err != nil {
		return src, decodeError(err)
	}
	if len(envs) > s.Limits.MaxBatchEvents {
		return src, errorf(ETooLarge, fmt.Sprintf("the batch has %d events; at most %d are allowed per request: split it", len(envs), s.Limits.MaxBatchEvents))
	}
	s.metrics.batchSize.Observe(float64(len(envs)))
	// Who may send what comes first: a sender learns nothing about events
	// it may not send.
	if forbidden := authorise(src, envs, events.IsBinaryMode(r.Header)); len(forbidden) > 0 {
		e := errorf(EForbidden, fmt.Sprintf("token of source %s may not send %d of these events; nothing was stored", src.Name, countEvents(forbidden)))
		e.Problems = forbidden
		return src, e
	}
	evs, problems := s.Validator.ValidateAll(envs)
	if len(problems) > 0 {
		e := errorf(EInvalid, fmt.Sprintf("%d problem(s) in %d event(s); nothing was stored", len(problems), countEvents(problems)))
		e.Problems = problems
		return src, e
	}
	if problems, err := checkPolicyRefs(r.Context(), s.Log, envs, evs); err != nil {
		return src, err
	} else if len(problems) > 0 {
		e := errorf(EInvalid, fmt.Sprintf("%d problem(s) in %d event(s); nothing was stored", len(problems), countEvents(problems)))
		e.Problems = problems
		return src, e
	}
	for i, ev := range evs {
		// Validation decoded what PeekDepartment read; check the decoded
		// value anyway, it is what gets stored.
		// Portal usage events speak for no department ("").
		if d := ev.Department(); d != "" && !src.MaySpeakFor(d) {
			return src, errorf(EForbidden, fmt.Sprintf("event %d: source %s may not send events for department %q", i, src.Name, d))
		}
	}
	// The payloads go with the events for the consumers of this process
	// (postgres.RecentBatches), in structured mode only: there what was
	// validated is the stored envelope's own bytes, which the log reading
	// reads to the same payload (events.FuzzIngestAgreesWithLog).
	binary := events.IsBinaryMode(r.Header)
	news := make([]postgres.NewEvent, len(envs))
	for i := range envs {
		news[i] = postgres.NewEvent{Envelope: envs[i], Department: evs[i].Department()}
		if !binary {
			news[i].Event = evs[i]
		}
	}
	res, err := s.Log.Append(r.Context(), src.Name, news)
	if err != nil {
		return src, err
	}
	s.metrics.appendSeconds.Observe(res.Took.Seconds())
	for i, o := range res.Events {
		s.metrics.events.WithLabelValues(src.Name, envs[i].Type, o.Status).Inc()
	}
	writeJSON(w, http.StatusOK, ingestResponse{Accepted: res.Accepted, Duplicates: res.Duplicates, Events: res.Events})
	return src, nil
}

// readBody reads a request body into a buffer of its own (the events
// decoded from it keep it), sized by the request's Content-Length (at
// most the body limit, checked before) when it has one, so that a large
// batch is not copied over and over as the buffer grows.
func readBody(body io.Reader, size int64) ([]byte, error) {
	buf := bytes.NewBuffer(make([]byte, 0, max(size, 0)+bytes.MinRead))
	_, err := buf.ReadFrom(body)
	return buf.Bytes(), err
}

func tooLarge(limit int64) *Error {
	return errorf(ETooLarge, fmt.Sprintf("the request body is larger than %d bytes; split the batch", limit))
}

// decodeError turns a decoding failure into a 400 or 415 with its place.
func decodeError(err error) *Error {
	var se *events.SyntaxError
	if errors.As(err, &se) {
		e := errorf(EMalformed, "malformed JSON: "+se.Error())
		offset := se.Offset
		e.Line, e.Column, e.Offset = se.Line, se.Column, &offset
		if se.Index >= 0 {
			e.Message = fmt.Sprintf("malformed JSON in event %d: %s; nothing was stored", se.Index, se.Error())
			e.Problems = []events.Problem{{Index: se.Index, Field: se.Field, Reason: se.Msg}}
		}
		return e
	}
	if e, ok := headerError(err); ok {
		return e
	}
	var ce *events.ContentTypeError
	if errors.As(err, &ce) {
		return errorf(EMediaType, ce.Error())
	}
	return errorf(EMalformed, err.Error())
}

// authorise lists every event the source may not send: another source's
// name, a type it may not send, or a department it may not speak for.
// binary says the event came in binary content mode, where the source is
// the ce-source header, so the problem names that header.
func authorise(src *sources.Source, envs []events.Envelope, binary bool) []events.Problem {
	var ps []events.Problem
	for i, env := range envs {
		if env.Source != src.Name {
			p := events.Problem{Index: i, ID: env.ID, Field: "source",
				Reason: fmt.Sprintf("this token belongs to source %q; events must carry \"source\": %q", src.Name, src.Name)}
			if binary {
				p.Field = "ce-source"
				p.Reason = fmt.Sprintf("this token belongs to source %q; the ce-source header must be %q", src.Name, src.Name)
			}
			ps = append(ps, p)
		}
		if _, known := events.DepartmentField(env.Type); known && !src.MaySend(env.Type) {
			ps = append(ps, events.Problem{Index: i, ID: env.ID, Field: "type",
				Reason: fmt.Sprintf("source %s may not send %s events", src.Name, env.Type)})
		}
		if field, d, ok := env.PeekDepartment(); ok && !src.MaySpeakFor(d) {
			ps = append(ps, events.Problem{Index: i, ID: env.ID, Field: "data." + field,
				Reason: fmt.Sprintf("source %s may not send events for department %q; it may for: %s", src.Name, d, strings.Join(src.Departments, ", "))})
		}
	}
	return ps
}

func countEvents(ps []events.Problem) int {
	seen := map[int]bool{}
	for _, p := range ps {
		seen[p.Index] = true
	}
	return len(seen)
}
