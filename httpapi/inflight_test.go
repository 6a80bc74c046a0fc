package httpapi_test

import (
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/govpulse/govpulse/httpapi"
	"github.com/govpulse/govpulse/internal/catalogtest"
	"github.com/govpulse/govpulse/sources"
)

// An ingest request beyond MaxInflight waits, body unread, and gets 503
// with Retry-After once InflightWait is over; a finished request frees its
// slot for the next.
func TestIngestRequestsInFlightAreBounded(t *testing.T) {
	cat := catalogtest.Default(t)
	const token = "inflight-test-token-0001"
	srcs, err := sources.Parse([]byte("sources:\n  - name: qd-service-hub\n    token_env: T\n    departments: [\"*\"]\n    event_types: [\"*\"]\n"),
		func(string) string { return token }, cat)
	if err != nil {
		t.Fatal(err)
	}
	api := &httpapi.Server{Catalog: cat, Sources: srcs, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Registry: prometheus.NewRegistry(),
		Limits: httpapi.Limits{MaxBodyBytes: 1 << 20, MaxBatchEvents: 10, RatePerSource: 1000, RateBurst: 1000, MaxInflight: 1, InflightWait: 200 * time.Millisecond}}
	h, err := api.Handler()
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	defer srv.Close()
	post := func(body io.Reader) (*http.Response, error) {
		req, err := http.NewRequest(http.MethodPost, srv.URL+"/v1/events", body)
		if err != nil {
			return nil, err
		}
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Content-Type", "application/cloudevents+json")
		return http.DefaultClient.Do(req)
	}

	// The first request holds the only slot while its body trickles in.
	pr, pw := io.Pipe()
	first := make(chan *http.Response, 1)
	go func() {
		resp, err := post(pr)
		if err != nil {
			t.Error(err)
		}
		first <- resp
	}()
	if _, err := pw.Write([]byte(`{"specversion":`)); err != nil {
		t.Fatal(err)
	}
	// The write returns once the client has it, not once the handler runs:
	// wait (bounded) until the first request holds the slot.
	deadline := time.Now().Add(30 * time.Second)
	for api.IngestInFlight() != 1 {
		if time.Now().After(deadline) {
			t.Fatal("the first request holds no ingest slot after 30s")
		}
		time.Sleep(5 * time.Millisecond)
	}
	resp, err := post(strings.NewReader(`{}`))
	if err != nil {
		t.Fatal(err)
	}
	var e struct{ Code string }
	_ = json.NewDecoder(resp.Body).Decode(&e)
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable || e.Code != "unavailable" || resp.Header.Get("Retry-After") == "" {
		t.Errorf("second request = %d %q Retry-After %q, want 503 unavailable with Retry-After", resp.StatusCode, e.Code, resp.Header.Get("Retry-After"))
	}

	pw.Close() // the first body ends, malformed
	select {
	case r := <-first:
		if r == nil {
			t.Fatal("first request failed")
		}
		r.Body.Close()
		if r.StatusCode != http.StatusBadRequest {
			t.Errorf("first request = %d, want 400 (its body is cut short)", r.StatusCode)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("first request did not finish")
	}
	resp, err = post(strings.NewReader(`{}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode == http.StatusServiceUnavailable {
		t.Errorf("third request = 503: the first request's slot was not freed")
	}
}
