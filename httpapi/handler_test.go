package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/govpulse/govpulse/bus"
	"github.com/govpulse/govpulse/events"
	"github.com/govpulse/govpulse/httpapi"
	"github.com/govpulse/govpulse/internal/catalogtest"
	"github.com/govpulse/govpulse/postgres"
	"github.com/govpulse/govpulse/projections"
	"github.com/govpulse/govpulse/sources"
)

// These tests check the handlers' own rules (authentication, limits,
// validation, authorisation, how errors are answered) with no database:
// the API's dependencies are small interfaces (needs.go), and the stand-ins
// here record what reached them. The end-to-end tests in cmd/govpulse run
// the same rules against the real store, bus and read models.

const (
	handlerSourceToken = "handler-test-approval-token"
	handlerAdminToken  = "handler-test-admin-token"
	handlerSource      = "qd-approval-bureau"
)

// recordingLog is an EventLog that keeps what was appended, or fails
// every call with err.
type recordingLog struct {
	mu      sync.Mutex
	appends [][]postgres.NewEvent
	err     error
}

func (l *recordingLog) Append(_ context.Context, source string, evs []postgres.NewEvent) (postgres.AppendResult, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.err != nil {
		return postgres.AppendResult{}, l.err
	}
	l.appends = append(l.appends, evs)
	res := postgres.AppendResult{Accepted: len(evs)}
	for i, e := range evs {
		res.Events = append(res.Events, postgres.Outcome{Index: i, ID: e.Envelope.ID, Status: postgres.StatusAccepted, Seq: int64(i + 1)})
	}
	return res, nil
}

func (l *recordingLog) Read(context.Context, int64, int) ([]events.Recorded, error) {
	return nil, l.err
}

func (l *recordingLog) appended() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.appends)
}

// poisonQueue answers Replay with the error and message it holds.
type poisonQueue struct {
	msg bus.PoisonMessage
	err error
}

func (q poisonQueue) List(context.Context, bool, int) ([]bus.PoisonMessage, error) { return nil, q.err }
func (q poisonQueue) Replay(context.Context, int64) (bus.PoisonMessage, error)     { return q.msg, q.err }

// readModels has one read model whose rebuild fails with err.
type readModels struct{ err error }

func (readModels) Names() []string { return []string{"case_stats"} }
func (r readModels) Rebuild(context.Context, string) (projections.RebuildReport, error) {
	return projections.RebuildReport{}, r.err
}

type handlerServer struct {
	*httptest.Server
	log *recordingLog
}

// newHandlerServer serves the API on stand-ins; change adjusts the Server
// before Handler is called.
func newHandlerServer(t testing.TB, change func(*httpapi.Server)) handlerServer {
	t.Helper()
	cat := catalogtest.Default(t)
	srcs, err := sources.Parse([]byte(`sources:
  - name: qd-approval-bureau
    token_env: HANDLER_TOKEN
    departments: [qd-xzsp]
    event_types: ["govpulse.case.finished.v1"]
`), func(string) string { return handlerSourceToken }, cat)
	if err != nil {
		t.Fatal(err)
	}
	log := &recordingLog{}
	api := &httpapi.Server{
		Log:        log,
		Validator:  &events.Validator{Catalog: cat, Now: func() time.Time { return time.Date(2024, 3, 2, 12, 0, 0, 0, time.UTC) }},
		Catalog:    cat,
		Sources:    srcs,
		AdminToken: handlerAdminToken,
		Limits:     httpapi.Limits{MaxBodyBytes: 4096, MaxBatchEvents: 2, RatePerSource: 1000, RateBurst: 1000},
		Logger:     slog.New(slog.NewTextHandler(io.Discard, nil)),
		Registry:   prometheus.NewRegistry(),
	}
	if change != nil {
		change(api)
	}
	h, err := api.Handler()
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return handlerServer{Server: srv, log: log}
}

// caseEvent is the example case of the events package as source sends it.
func caseEvent(t *testing.T, id string, change func(data map[string]any)) map[string]any {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "events", "testdata", "case_finished.json"))
	if err != nil {
		t.Fatal(err)
	}
	var e map[string]any
	if err := json.Unmarshal(b, &e); err != nil {
		t.Fatal(err)
	}
	e["id"], e["source"] = id, handlerSource
	if change != nil {
		change(e["data"].(map[string]any))
	}
	return e
}

type answer struct {
	status int
	header http.Header
	body   map[string]any
}

func (s handlerServer) send(t *testing.T, method, path, token, contentType string, body []byte) answer {
	t.Helper()
	req, err := http.NewRequest(method, s.URL+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := s.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	a := answer{status: resp.StatusCode, header: resp.Header}
	if err := json.NewDecoder(resp.Body).Decode(&a.body); err != nil {
		t.Fatalf("%s %s: HTTP %d, body is not JSON: %v", method, path, resp.StatusCode, err)
	}
	return a
}

func (s handlerServer) ingest(t *testing.T, token string, evs ...map[string]any) answer {
	t.Helper()
	b, err := json.Marshal(evs)
	if err != nil {
		t.Fatal(err)
	}
	return s.send(t, http.MethodPost, "/v1/events", token, "application/cloudevents-batch+json", b)
}

// wantCode checks an answer's status and the {code, error} shape.
func wantCode(t *testing.T, what string, a answer, status int, code string) {
	t.Helper()
	if a.status != status || a.body["code"] != code || a.body["error"] == "" {
		t.Errorf("%s: HTTP %d %v; want %d with code %q and a message", what, a.status, a.body, status, code)
	}
}

func TestIngestRulesWithoutADatabase(t *testing.T) {
	s := newHandlerServer(t, nil)
	good := caseEvent(t, "h-1", nil)

	a := s.ingest(t, "", good)
	wantCode(t, "no token", a, http.StatusUnauthorized, httpapi.EUnauthorized)
	if a.header.Get("WWW-Authenticate") == "" {
		t.Error("401 without WWW-Authenticate")
	}
	wantCode(t, "unknown token", s.ingest(t, "not-a-token", good), http.StatusUnauthorized, httpapi.EUnauthorized)
	wantCode(t, "the admin token for ingest", s.ingest(t, handlerAdminToken, good), http.StatusUnauthorized, httpapi.EUnauthorized)
	wantCode(t, "three events, two allowed", s.ingest(t, handlerSourceToken, good, caseEvent(t, "h-2", nil), caseEvent(t, "h-3", nil)),
		http.StatusRequestEntityTooLarge, httpapi.ETooLarge)
	big := caseEvent(t, "h-big", func(d map[string]any) { d["case_id"] = strings.Repeat("x", 5000) })
	wantCode(t, "a body over the limit", s.ingest(t, handlerSourceToken, big), http.StatusRequestEntityTooLarge, httpapi.ETooLarge)
	wantCode(t, "malformed JSON", s.send(t, http.MethodPost, "/v1/events", handlerSourceToken, "application/cloudevents-batch+json", []byte(`[{"id":`)),
		http.StatusBadRequest, httpapi.EMalformed)
	wantCode(t, "a text/plain body", s.send(t, http.MethodPost, "/v1/events", handlerSourceToken, "text/plain", []byte(`[]`)),
		http.StatusUnsupportedMediaType, httpapi.EMediaType)

	a = s.ingest(t, handlerSourceToken, caseEvent(t, "h-other-dept", func(d map[string]any) { d["department"] = "qd-scjg" }))
	wantCode(t, "another department", a, http.StatusForbidden, httpapi.EForbidden)
	a = s.ingest(t, handlerSourceToken, good, caseEvent(t, "h-bad", func(d map[string]any) { d["channel"] = "pigeon" }))
	wantCode(t, "an invalid channel", a, http.StatusUnprocessableEntity, httpapi.EInvalid)
	if ps, _ := a.body["problems"].([]any); len(ps) != 1 || !strings.Contains(fmt.Sprint(ps[0]), "data.channel") {
		t.Errorf("problems = %v, want one naming data.channel", a.body["problems"])
	}
	if n := s.log.appended(); n != 0 {
		t.Fatalf("%d refused requests reached the event log", n)
	}

	a = s.ingest(t, handlerSourceToken, good)
	if a.status != http.StatusOK || a.body["accepted"] != float64(1) {
		t.Fatalf("a good event: HTTP %d %v", a.status, a.body)
	}
	if s.log.appended() != 1 || s.log.appends[0][0].Department != "qd-xzsp" || s.log.appends[0][0].Envelope.ID != "h-1" {
		t.Errorf("appended %+v, want the one event of qd-xzsp", s.log.appends)
	}
}

func TestIngestRateLimitWithoutADatabase(t *testing.T) {
	s := newHandlerServer(t, func(api *httpapi.Server) { api.Limits.RatePerSource, api.Limits.RateBurst = 0.001, 1 })
	if a := s.ingest(t, handlerSourceToken, caseEvent(t, "r-1", nil)); a.status != http.StatusOK {
		t.Fatalf("first request: HTTP %d %v", a.status, a.body)
	}
	a := s.ingest(t, handlerSourceToken, caseEvent(t, "r-2", nil))
	wantCode(t, "a request over the rate", a, http.StatusTooManyRequests, httpapi.ERateLimited)
	if a.header.Get("Retry-After") == "" {
		t.Error("429 without Retry-After")
	}
	if n := s.log.appended(); n != 1 {
		t.Errorf("%d requests reached the event log, want 1", n)
	}
}

// TestErrorsMappedOnce: what the dependencies fail with is answered by the
// one mapping in errors.go: an unreachable database 503 with Retry-After,
// domain errors by their code with their message (and what the handler
// adds), anything else a 500 that does not show the error.
func TestErrorsMappedOnce(t *testing.T) {
	unreachable := fmt.Errorf("append events: %w", &net.OpError{Op: "dial", Net: "tcp", Err: errors.New("connection refused")})
	poisoned := bus.PoisonMessage{ID: 7, Consumer: "case_stats"}
	for _, tc := range []struct {
		name      string
		change    func(*httpapi.Server, *recordingLog)
		method    string
		path      string
		token     string
		status    int
		code      string
		inBody    string
		notInBody string
	}{
		{name: "append while the database is away", change: func(_ *httpapi.Server, l *recordingLog) { l.err = unreachable },
			method: http.MethodPost, path: "/v1/events", token: handlerSourceToken, status: http.StatusServiceUnavailable, code: httpapi.EUnavailable, notInBody: "refused"},
		{name: "log read while the database is away", change: func(_ *httpapi.Server, l *recordingLog) { l.err = unreachable },
			method: http.MethodGet, path: "/v1/events", token: handlerAdminToken, status: http.StatusServiceUnavailable, code: httpapi.EUnavailable},
		{name: "a failure of the log", change: func(_ *httpapi.Server, l *recordingLog) { l.err = errors.New("disk on fire at sector 42") },
			method: http.MethodGet, path: "/v1/events", token: handlerAdminToken, status: http.StatusInternalServerError, code: httpapi.EInternal, notInBody: "sector 42"},
		{name: "replay of an unknown message", change: func(s *httpapi.Server, _ *recordingLog) {
			s.Poison = poisonQueue{err: fmt.Errorf("poison message 9: %w", bus.ErrPoisonNotFound)}
		}, method: http.MethodPost, path: "/v1/admin/poison/9/replay", token: handlerAdminToken, status: http.StatusNotFound, code: httpapi.ENotFound, inBody: "poison message 9"},
		{name: "a replay the consumer fails on", change: func(s *httpapi.Server, _ *recordingLog) {
			s.Poison = poisonQueue{msg: poisoned, err: fmt.Errorf("replay poison message 7: %w: item gone", bus.ErrReplayFailed)}
		}, method: http.MethodPost, path: "/v1/admin/poison/7/replay", token: handlerAdminToken, status: http.StatusConflict, code: httpapi.EConflict, inBody: `"replayed":false`},
		{name: "a rebuild already running", change: func(s *httpapi.Server, _ *recordingLog) {
			s.ReadModels = readModels{err: fmt.Errorf("rebuild case_stats: %w", projections.ErrRebuildRunning)}
		}, method: http.MethodPost, path: "/v1/admin/rebuild/case_stats", token: handlerAdminToken, status: http.StatusConflict, code: httpapi.EConflict, inBody: `"rebuilt":[]`},
		{name: "admin endpoint with a source token", method: http.MethodGet, path: "/v1/events", token: handlerSourceToken, status: http.StatusUnauthorized, code: httpapi.EUnauthorized},
		{name: "no such endpoint", method: http.MethodGet, path: "/v1/nothing", status: http.StatusNotFound, code: httpapi.ENotFound},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var log *recordingLog
			s := newHandlerServer(t, func(api *httpapi.Server) {
				log = api.Log.(*recordingLog)
				if tc.change != nil {
					tc.change(api, log)
				}
			})
			var body []byte
			if tc.method == http.MethodPost && tc.path == "/v1/events" {
				body, _ = json.Marshal([]any{caseEvent(t, "m-1", nil)})
			}
			a := s.send(t, tc.method, tc.path, tc.token, "application/cloudevents-batch+json", body)
			wantCode(t, tc.name, a, tc.status, tc.code)
			raw, _ := json.Marshal(a.body)
			if tc.inBody != "" && !strings.Contains(string(raw), tc.inBody) {
				t.Errorf("body %s lacks %s", raw, tc.inBody)
			}
			if tc.notInBody != "" && strings.Contains(string(raw), tc.notInBody) {
				t.Errorf("body %s shows %s", raw, tc.notInBody)
			}
			if tc.status == http.StatusServiceUnavailable && a.header.Get("Retry-After") == "" {
				t.Error("503 without Retry-After")
			}
		})
	}
}

func TestAdminDisabledWithoutAToken(t *testing.T) {
	s := newHandlerServer(t, func(api *httpapi.Server) { api.AdminToken = "" })
	wantCode(t, "admin endpoint, no admin token configured", s.send(t, http.MethodGet, "/v1/admin/poison", "anything", "", nil),
		http.StatusForbidden, httpapi.EForbidden)
}

// In binary content mode the source is the ce-source header, so a wrong
// one is reported by that name, not as the structured mode's "source".
func TestBinaryModeForbiddenNamesTheHeader(t *testing.T) {
	s := newHandlerServer(t, nil)
	data, err := json.Marshal(caseEvent(t, "h-bin-1", nil)["data"])
	if err != nil {
		t.Fatal(err)
	}
	req, err := http.NewRequest(http.MethodPost, s.URL+"/v1/events", bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range map[string]string{"Authorization": "Bearer " + handlerSourceToken, "Content-Type": "application/json",
		"ce-specversion": "1.0", "ce-id": "h-bin-1", "ce-source": "qd-someone-else", "ce-type": "govpulse.case.finished.v1",
		"ce-time": "2024-03-01T10:00:00+08:00"} {
		req.Header.Set(k, v)
	}
	resp, err := s.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body struct {
		Code     string
		Problems []struct{ Field, Reason string }
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusForbidden || body.Code != httpapi.EForbidden {
		t.Fatalf("HTTP %d %+v, want 403 forbidden", resp.StatusCode, body)
	}
	if len(body.Problems) == 0 || body.Problems[0].Field != "ce-source" || !strings.Contains(body.Problems[0].Reason, "ce-source header must be \"qd-approval-bureau\"") {
		t.Errorf("problems = %+v, want one naming the ce-source header", body.Problems)
	}
	if n := s.log.appended(); n != 0 {
		t.Errorf("%d appends, want none", n)
	}
}
