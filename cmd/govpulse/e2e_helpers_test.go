package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/govpulse/govpulse/config"
	"github.com/govpulse/govpulse/internal/pgtest"
	"github.com/govpulse/govpulse/internal/promtest"
)

// Tokens of the sources every end-to-end server knows (see testSourcesYAML).
const (
	adminToken    = "e2e-admin-token-0123456789"
	approvalToken = "e2e-approval-token-0001"
	justiceToken  = "e2e-justice-token-0002"
	hubToken      = "e2e-service-hub-token-0003"
	utilityToken  = "e2e-utilities-token-0004"
)

// Source names; each is also the CloudEvents "source" its events carry.
const (
	approvalSource = "qd-approval-bureau"
	justiceSource  = "qd-justice-bureau"
	hubSource      = "qd-service-hub"
	utilitySource  = "qd-utilities"
)

// Event types, spelled out so that a renamed constant breaks the tests.
const (
	typeCase    = "govpulse.case.finished.v1"
	typeLicense = "govpulse.license.issued.v1"
	typeLawsuit = "govpulse.lawsuit.appearance.v1"
)

// Content types of the ingest API.
const (
	ctSingle = "application/cloudevents+json"
	ctBatch  = "application/cloudevents-batch+json"
)

const testSourcesYAML = `sources:
  - name: qd-approval-bureau
    token_env: E2E_TOKEN_APPROVAL
    departments: [qd-xzsp, qd-scjg]
    event_types: ["govpulse.case.finished.v1", "govpulse.license.issued.v1"]
  - name: qd-justice-bureau
    token_env: E2E_TOKEN_JUSTICE
    departments: ["*"]
    event_types: ["govpulse.lawsuit.appearance.v1"]
  - name: qd-service-hub
    token_env: E2E_TOKEN_HUB
    departments: ["*"]
    event_types: ["*"]
  - name: qd-utilities
    token_env: E2E_TOKEN_UTILITIES
    departments: [qd-gas, qd-water, qd-power]
    event_types: ["govpulse.case.finished.v1"]
`

var testEnv = map[string]string{
	"E2E_TOKEN_APPROVAL":  approvalToken,
	"E2E_TOKEN_JUSTICE":   justiceToken,
	"E2E_TOKEN_HUB":       hubToken,
	"E2E_TOKEN_UTILITIES": utilityToken,
}

// testNow is every end-to-end server's clock: a Monday in a year with
// holiday data, after the demo year, so no test depends on today's date.
func testNow() time.Time { return time.Date(2026, 3, 2, 12, 0, 0, 0, time.FixedZone("CST", 8*3600)) }

// testServer is a real Main serving on 127.0.0.1:0 against a fresh database.
type testServer struct {
	t      *testing.T
	Main   *Main
	URL    string
	DBURL  string
	client *http.Client
}

// startServer opens a Main with the test sources, an admin token and a
// fresh database; configure adjusts the configuration first. The server
// closes when the test ends.
func startServer(t *testing.T, configure ...func(*config.Config)) *testServer {
	t.Helper()
	return startServerAt(t, testNow, configure...)
}

// startServerAt is startServer with the clock now.
func startServerAt(t *testing.T, now func() time.Time, configure ...func(*config.Config)) *testServer {
	t.Helper()
	return startServerOn(t, pgtest.NewDatabase(t), now, configure...)
}

// startServerOn is startServerAt on the database at dbURL, for a test
// that restarts a server on the same database.
func startServerOn(t *testing.T, dbURL string, now func() time.Time, configure ...func(*config.Config)) *testServer {
	t.Helper()
	dir := t.TempDir()
	sourcesFile := filepath.Join(dir, "sources.yaml")
	writeTestFile(t, sourcesFile, testSourcesYAML)
	m := NewMain()
	m.Config.DatabaseURL = dbURL
	m.Config.HTTPAddr = "127.0.0.1:0"
	m.Config.SourcesFile = sourcesFile
	m.Config.AdminToken = adminToken
	m.Config.ShutdownTimeout = 10 * time.Second
	for _, f := range configure {
		f(&m.Config)
	}
	m.Getenv = func(k string) string { return testEnv[k] }
	m.Now = now
	lw := &testLogWriter{t: t}
	m.Logger = slog.New(slog.NewTextHandler(lw, &slog.HandlerOptions{Level: slog.LevelWarn}))

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if err := m.Open(ctx); err != nil {
		if m.pool != nil {
			_ = m.Close()
		}
		t.Fatalf("open: %v", err)
	}
	t.Cleanup(func() {
		if err := m.Close(); err != nil {
			t.Errorf("close: %v", err)
		}
		lw.stop()
	})
	return &testServer{
		t:      t,
		Main:   m,
		URL:    m.URL(),
		DBURL:  dbURL,
		client: &http.Client{Timeout: 30 * time.Second},
	}
}

// testLogWriter sends the server's log to the test log until the test ends,
// so that a failing test shows what the server said.
type testLogWriter struct {
	mu      sync.Mutex
	t       *testing.T
	stopped bool
}

func (w *testLogWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.stopped {
		w.t.Log("server: " + strings.TrimRight(string(p), "\n"))
	}
	return len(p), nil
}

func (w *testLogWriter) stop() {
	w.mu.Lock()
	w.stopped = true
	w.mu.Unlock()
}

// reply is an HTTP answer with its body read.
type reply struct {
	Status int
	Header http.Header
	Body   []byte
}

func (r reply) String() string { return fmt.Sprintf("HTTP %d: %s", r.Status, r.Body) }

// do sends a request and reads the answer; token may be empty.
func (s *testServer) do(method, path, token, contentType string, body io.Reader) reply {
	s.t.Helper()
	req, err := http.NewRequest(method, s.URL+path, body)
	if err != nil {
		s.t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := s.client.Do(req)
	if err != nil {
		s.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		s.t.Fatalf("%s %s: read body: %v", method, path, err)
	}
	return reply{Status: resp.StatusCode, Header: resp.Header, Body: b}
}

func (s *testServer) get(path, token string) reply {
	s.t.Helper()
	return s.do(http.MethodGet, path, token, "", nil)
}

// getOK is get for an answer that must be 200 OK; any other fails the test.
func (s *testServer) getOK(path, token string) reply {
	s.t.Helper()
	r := s.get(path, token)
	if r.Status != http.StatusOK {
		s.t.Fatalf("GET %s: %s", path, r)
	}
	return r
}

// post sends raw bytes to POST /v1/events.
func (s *testServer) post(token, contentType string, body []byte) reply {
	s.t.Helper()
	return s.do(http.MethodPost, "/v1/events", token, contentType, bytes.NewReader(body))
}

// postEvents sends one event as application/cloudevents+json, or several
// as a batch.
func (s *testServer) postEvents(token string, evs ...testEvent) reply {
	s.t.Helper()
	if len(evs) == 1 {
		return s.post(token, ctSingle, mustJSON(s.t, evs[0]))
	}
	return s.post(token, ctBatch, mustJSON(s.t, evs))
}

// ingest posts events and requires a 200, returning the decoded answer.
func (s *testServer) ingest(token string, evs ...testEvent) ingestReply {
	s.t.Helper()
	r := s.postEvents(token, evs...)
	if r.Status != http.StatusOK {
		s.t.Fatalf("ingest %d event(s): want 200, got %s", len(evs), r)
	}
	var got ingestReply
	decodeInto(s.t, r, &got)
	return got
}

// ingestReply is the documented answer to a stored request.
type ingestReply struct {
	Accepted   *int `json:"accepted"`
	Duplicates *int `json:"duplicates"`
	Events     []struct {
		Index  int    `json:"index"`
		ID     string `json:"id"`
		Status string `json:"status"`
		Seq    int64  `json:"seq"`
	} `json:"events"`
}

// errorReply is the documented error body.
type errorReply struct {
	Code     string    `json:"code"`
	Message  string    `json:"error"`
	Problems []problem `json:"problems"`
	Line     int       `json:"line"`
	Column   int       `json:"column"`
	Offset   *int      `json:"offset"`
}

type problem struct {
	Index  int    `json:"index"`
	ID     string `json:"id"`
	Field  string `json:"field"`
	Reason string `json:"reason"`
}

// wantError checks an error answer's status and code and returns its body.
func wantError(t *testing.T, r reply, status int, code string) errorReply {
	t.Helper()
	if r.Status != status {
		t.Fatalf("want HTTP %d (%s), got %s", status, code, r)
	}
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("error Content-Type = %q, want application/json", ct)
	}
	var e errorReply
	decodeInto(t, r, &e)
	if e.Code != code {
		t.Errorf("code = %q, want %q (body %s)", e.Code, code, r.Body)
	}
	if e.Message == "" {
		t.Errorf("error message is empty (body %s)", r.Body)
	}
	return e
}

// wantRetryAfter checks that the answer has a Retry-After of whole
// seconds, at least 1.
func wantRetryAfter(t *testing.T, r reply) int {
	t.Helper()
	v := r.Header.Get("Retry-After")
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		t.Errorf("Retry-After = %q, want a whole number of seconds ≥ 1", v)
	}
	return n
}

func decodeInto(t *testing.T, r reply, v any) {
	t.Helper()
	if err := json.Unmarshal(r.Body, v); err != nil {
		t.Fatalf("decode %T from %s: %v", v, r, err)
	}
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// testEvent is a CloudEvent as a JSON object, free to be broken by a test.
type testEvent map[string]any

// data returns the event's data object.
func (e testEvent) data() map[string]any { return e["data"].(map[string]any) }

// loadExample reads an example event from events/testdata and makes it
// come from source with the given id.
func loadExample(t *testing.T, file, source, id string) testEvent {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "events", "testdata", file))
	if err != nil {
		t.Fatal(err)
	}
	var e testEvent
	if err := json.Unmarshal(b, &e); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	e["source"] = source
	e["id"] = id
	return e
}

func caseFinished(t *testing.T, source, id string) testEvent {
	t.Helper()
	return loadExample(t, "case_finished.json", source, id)
}

func licenseIssued(t *testing.T, source, id string) testEvent {
	t.Helper()
	return loadExample(t, "license_issued.json", source, id)
}

func lawsuitAppearance(t *testing.T, source, id string) testEvent {
	t.Helper()
	return loadExample(t, "lawsuit_appearance.json", source, id)
}

// logEvent is one entry of GET /v1/events.
type logEvent struct {
	Seq        int64           `json:"seq"`
	Source     string          `json:"source"`
	ID         string          `json:"id"`
	Type       string          `json:"type"`
	Department string          `json:"department"`
	Event      json.RawMessage `json:"event"`
}

type logPage struct {
	Events    []logEvent `json:"events"`
	NextAfter *int64     `json:"next_after"`
	Count     *int       `json:"count"`
}

// readPage reads one page of the log with the admin token.
func (s *testServer) readPage(after int64, limit int) logPage {
	s.t.Helper()
	r := s.getOK(fmt.Sprintf("/v1/events?after=%d&limit=%d", after, limit), adminToken)
	var p logPage
	decodeInto(s.t, r, &p)
	if p.Count == nil || p.NextAfter == nil {
		s.t.Fatalf("read log: count or next_after missing in %s", r.Body)
	}
	if *p.Count != len(p.Events) {
		s.t.Fatalf("read log: count = %d, but %d events", *p.Count, len(p.Events))
	}
	return p
}

// readLog reads the whole log, page by page, following next_after.
func (s *testServer) readLog(pageSize int) []logEvent {
	s.t.Helper()
	var all []logEvent
	var after int64
	for {
		p := s.readPage(after, pageSize)
		if len(p.Events) == 0 {
			if *p.NextAfter != after {
				s.t.Fatalf("empty page after %d has next_after %d", after, *p.NextAfter)
			}
			return all
		}
		if len(p.Events) > pageSize {
			s.t.Fatalf("page after %d has %d events, limit was %d", after, len(p.Events), pageSize)
		}
		if last := p.Events[len(p.Events)-1].Seq; *p.NextAfter != last {
			s.t.Fatalf("next_after = %d, want the page's last seq %d", *p.NextAfter, last)
		}
		all = append(all, p.Events...)
		after = *p.NextAfter
	}
}

// tallyKey sums the tally over days: a test may run across midnight.
type tallyKey struct{ Source, Type string }

type tallyReply struct {
	Rows []struct {
		Day    string `json:"day"`
		Source string `json:"source"`
		Type   string `json:"type"`
		Events int64  `json:"events"`
	} `json:"rows"`
	Total *int64 `json:"total"`
}

// tally reads GET /v1/ingest/tally with token and sums it per source and type.
func (s *testServer) tally(token string) (map[tallyKey]int64, int64) {
	s.t.Helper()
	r := s.getOK("/v1/ingest/tally", token)
	var tr tallyReply
	decodeInto(s.t, r, &tr)
	if tr.Total == nil {
		s.t.Fatalf("tally: no total in %s", r.Body)
	}
	got := map[tallyKey]int64{}
	var sum int64
	for _, row := range tr.Rows {
		if _, err := time.Parse(time.DateOnly, row.Day); err != nil {
			s.t.Errorf("tally row day %q is not YYYY-MM-DD", row.Day)
		}
		got[tallyKey{row.Source, row.Type}] += row.Events
		sum += row.Events
	}
	if sum != *tr.Total {
		s.t.Errorf("tally total = %d, rows sum to %d", *tr.Total, sum)
	}
	return got, sum
}

// applyWait bounds how long a test waits for the consumers to apply what
// it sent. The Postgres bus (watermill-sql) delivers only rows older than
// the oldest transaction running on the whole server, so on a shared,
// loaded server delivery can stall for tens of seconds; the wait is long
// for that and still bounded, so a test never hangs.
const applyWait = 90 * time.Second

// waitForCondition polls cond until it holds, failing the test, with
// what it waited for, when within passes first.
func waitForCondition(t testing.TB, what string, within time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("not within %s: %s", within, what)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// waitUntil waits up to applyWait for cond.
func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	waitForCondition(t, what, applyWait, cond)
}

// waitTally polls the tally until it equals want, for at most 10s, and then
// checks once more a moment later that it did not overshoot.
func (s *testServer) waitTally(token string, want map[tallyKey]int64) {
	s.t.Helper()
	deadline := time.Now().Add(applyWait)
	var got map[tallyKey]int64
	for {
		got, _ = s.tally(token)
		if equalCounts(got, want) {
			break
		}
		for k, n := range got {
			if n > want[k] {
				s.t.Fatalf("tally counts %s/%s %d times, want %d: counted twice?\n got %v\nwant %v", k.Source, k.Type, n, want[k], got, want)
			}
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("tally after %s:\n got %v\nwant %v", applyWait, got, want)
		}
		time.Sleep(50 * time.Millisecond)
	}
	// A redelivered batch would be counted again shortly after; give the
	// consumer a few poll intervals to show it.
	time.Sleep(300 * time.Millisecond)
	if got, _ = s.tally(token); !equalCounts(got, want) {
		s.t.Fatalf("tally moved past the expected counts:\n got %v\nwant %v", got, want)
	}
}

func equalCounts(got, want map[tallyKey]int64) bool {
	if len(got) != len(want) {
		return false
	}
	for k, v := range want {
		if got[k] != v {
			return false
		}
	}
	return true
}

// metricSamples scrapes /metrics and returns the samples of one metric
// (a histogram's as name_bucket, name_sum, name_count), keyed by their
// labels as promtest.Labels writes them.
func (s *testServer) metricSamples(name string) map[string]float64 {
	s.t.Helper()
	return promtest.Parse(s.t, s.getOK("/metrics", "").Body)[name]
}

// waitMetric polls /metrics until the sample of name with labels equals
// want, failing after applyWait (the domain collector caches its reads for
// 10 s, and the consumers may be slow to apply).
func (s *testServer) waitMetric(name, labels string, want float64) {
	s.t.Helper()
	deadline := time.Now().Add(applyWait)
	for {
		got, ok := s.metricSamples(name)[labels]
		if ok && got == want {
			return
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("%s{%s} = %v (present %v) after %s, want %v", name, labels, got, ok, applyWait, want)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// windowAvgTargets is a targets file with one target a test can move with
// a few cases: window cases averaging at most 3 working days over the last
// 30 days, per department, from minSamples cases.
func windowAvgTargets(id string, minSamples int) string {
	return fmt.Sprintf(`targets:
  - id: %s
    title: 窗口业务平均3个工作日办结
    title_en: Window cases finished in 3 working days on average
    scope:
      event_type: govpulse.case.finished.v1
      channels: [window]
    measure: {kind: average_working_days}
    comparator: "<="
    threshold: 3
    window: {kind: rolling, days: 30}
    per_department: true
    min_samples: %d
`, id, minSamples)
}

// withServeEnv sets the serve settings named by environment variable
// through config.Register, as "govpulse serve" would read them, and fails
// when Config has no such setting.
func withServeEnv(t *testing.T, env map[string]string) func(*config.Config) {
	return func(c *config.Config) {
		t.Helper()
		fs := flag.NewFlagSet("e2e", flag.ContinueOnError)
		if err := c.Register(fs, func(k string) string { return env[k] }); err != nil {
			t.Fatal(err)
		}
		for k := range env {
			known := false
			fs.VisitAll(func(f *flag.Flag) { known = known || strings.Contains(f.Usage, "(env "+k+")") })
			if !known {
				t.Fatalf("config.Config has no setting read from %s: govpulse serve cannot be given it yet (the target evaluator's wiring adds it)", k)
			}
		}
	}
}

// windowCase is a standard window case of dept accepted and finished at
// the given times, sent by the approval bureau.
func windowCase(t *testing.T, dept, id string, accepted, finished time.Time) testEvent {
	t.Helper()
	e := caseFinished(t, approvalSource, id)
	e["time"] = finished.Format(time.RFC3339)
	d := e.data()
	d["case_id"] = strings.ToUpper(id)
	d["department"] = dept
	d["item_code"] = itemOf[dept]
	d["channel"] = "window"
	d["mode"] = "standard"
	d["promised_working_days"] = 20
	d["accepted_at"] = accepted.Format(time.RFC3339)
	d["finished_at"] = finished.Format(time.RFC3339)
	return e
}

// writeTestFile writes content to path, readable by the test's user only.
func writeTestFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}
