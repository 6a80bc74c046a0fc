package demo

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/govpulse/govpulse/events"
)

// ingestPeer is an HTTP peer speaking govpulse's ingest protocol, whose
// answers a test scripts: answer returns a status (after setting headers)
// for request n (counted from 1), -1 when it answered itself, or 0 to store
// the batch.
type ingestPeer struct {
	t      *testing.T
	tokens map[string]string // token → source
	answer func(n int, w http.ResponseWriter) int

	mu       sync.Mutex
	requests []time.Time
	stored   map[string]int // source/id → times stored
}

func newIngestPeer(t *testing.T, tokens map[string]string, answer func(int, http.ResponseWriter) int) (*ingestPeer, string) {
	p := &ingestPeer{t: t, answer: answer, stored: map[string]int{}, tokens: map[string]string{}}
	for src, tok := range tokens {
		p.tokens[tok] = src
	}
	srv := httptest.NewServer(p)
	t.Cleanup(srv.Close)
	return p, srv.URL
}

func (p *ingestPeer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/readyz" {
		w.WriteHeader(http.StatusOK)
		return
	}
	if r.Method != http.MethodPost || r.URL.Path != "/v1/events" {
		http.NotFound(w, r)
		return
	}
	p.mu.Lock()
	p.requests = append(p.requests, time.Now())
	n := len(p.requests)
	p.mu.Unlock()
	switch status := p.answer(n, w); {
	case status < 0:
		return
	case status > 0:
		w.WriteHeader(status)
		return
	}
	if ct := r.Header.Get("Content-Type"); ct != events.ContentTypeBatch {
		p.t.Errorf("Content-Type = %q, want %s", ct, events.ContentTypeBatch)
	}
	body, _ := io.ReadAll(r.Body)
	envs, err := events.DecodeRequest(body, events.ContentTypeBatch)
	if err != nil {
		p.t.Errorf("decode batch: %v", err)
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	src := p.tokens[strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")]
	p.mu.Lock()
	accepted, dups := 0, 0
	for _, e := range envs {
		if e.Source != src {
			p.t.Errorf("event %s of source %s came with the token of %q", e.ID, e.Source, src)
		}
		k := e.Source + "/" + e.ID
		if p.stored[k] > 0 {
			dups++
		} else {
			accepted++
		}
		p.stored[k]++
	}
	p.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	fmt.Fprintf(w, `{"accepted":%d,"duplicates":%d,"events":[]}`, accepted, dups)
}

func demoTokens() map[string]string {
	tokens := map[string]string{}
	for _, s := range Systems() {
		tokens[s.Name] = "token-of-" + s.Name
	}
	return tokens
}

func smallDemo(t *testing.T) []Event {
	o := DefaultOptions()
	o.Scale = 0.01
	return generate(t, o)
}

func TestSenderDeliversEveryEventOnceInBatchesPerSystem(t *testing.T) {
	evs := smallDemo(t)
	peer, url := newIngestPeer(t, demoTokens(), func(int, http.ResponseWriter) int { return 0 })
	counted := &countingProgress{}
	s := &Sender{URL: url, Tokens: demoTokens(), Batch: 100, Concurrency: 3, Progress: counted}
	res, err := s.Send(context.Background(), evs)
	if err != nil {
		t.Fatal(err)
	}
	if res.Events != len(evs) || res.Accepted != len(evs) || res.Duplicates != 0 {
		t.Errorf("result %+v, want %d events all accepted", res, len(evs))
	}
	if len(peer.stored) != len(evs) {
		t.Errorf("peer stored %d distinct events, want %d", len(peer.stored), len(evs))
	}
	for k, n := range peer.stored {
		if n != 1 {
			t.Errorf("%s stored %d times", k, n)
		}
	}
	if counted.total() != len(evs) {
		t.Errorf("progress counted %d events, want %d", counted.total(), len(evs))
	}
	if res.Batches < len(evs)/100 {
		t.Errorf("%d requests for %d events in batches of 100", res.Batches, len(evs))
	}
	// Again: every event is a duplicate now.
	res, err = s.Send(context.Background(), evs)
	if err != nil {
		t.Fatal(err)
	}
	if res.Accepted != 0 || res.Duplicates != len(evs) {
		t.Errorf("second send: %d accepted, %d duplicates; want 0 and %d", res.Accepted, res.Duplicates, len(evs))
	}
}

type countingProgress struct {
	mu sync.Mutex
	n  int
}

func (c *countingProgress) Add(n int) error {
	c.mu.Lock()
	c.n += n
	c.mu.Unlock()
	return nil
}

func (c *countingProgress) total() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n
}

func TestSenderHonoursRetryAfter(t *testing.T) {
	evs := smallDemo(t)[:50]
	peer, url := newIngestPeer(t, demoTokens(), func(n int, w http.ResponseWriter) int {
		switch n {
		case 1:
			w.Header().Set("Retry-After", "1")
			return http.StatusTooManyRequests
		case 2:
			w.Header().Set("Retry-After", "1")
			return http.StatusServiceUnavailable
		case 3:
			return http.StatusBadGateway // no Retry-After: backoff
		}
		return 0
	})
	s := &Sender{URL: url, Tokens: demoTokens(), Batch: 1000, Concurrency: 1, MinBackoff: 10 * time.Millisecond}
	res, err := s.Send(context.Background(), evs)
	if err != nil {
		t.Fatal(err)
	}
	if res.Retries != 3 {
		t.Errorf("retries = %d, want 3", res.Retries)
	}
	if res.Accepted != len(evs) {
		t.Errorf("accepted = %d, want %d", res.Accepted, len(evs))
	}
	// The requests after a Retry-After of 1 second must wait for it.
	for i := 1; i <= 2; i++ {
		if gap := peer.requests[i].Sub(peer.requests[i-1]); gap < 900*time.Millisecond {
			t.Errorf("request %d came %v after a Retry-After of 1s", i+1, gap)
		}
	}
}

func TestSenderRetriesNetworkErrors(t *testing.T) {
	evs := smallDemo(t)[:20]
	_, url := newIngestPeer(t, demoTokens(), func(n int, w http.ResponseWriter) int {
		if n == 1 { // drop the connection without an answer
			conn, _, err := w.(http.Hijacker).Hijack()
			if err != nil {
				t.Fatal(err)
			}
			conn.Close()
			return -1
		}
		return 0
	})
	s := &Sender{URL: url, Tokens: demoTokens(), Concurrency: 1, MinBackoff: 10 * time.Millisecond}
	res, err := s.Send(context.Background(), evs)
	if err != nil {
		t.Fatal(err)
	}
	if res.Retries != 1 || res.Accepted != len(evs) {
		t.Errorf("result %+v, want 1 retry and %d accepted", res, len(evs))
	}
}

func TestSenderStopsAtARefusedBatch(t *testing.T) {
	evs := smallDemo(t)
	var problems []events.Problem
	for i := range 7 {
		problems = append(problems, events.Problem{Index: i, ID: fmt.Sprintf("e%d", i), Field: "data.district", Reason: `unknown district code "atlantis"`})
	}
	body, _ := json.Marshal(map[string]any{"code": "invalid", "error": "7 problem(s) in 7 event(s); nothing was stored", "problems": problems})
	peer, url := newIngestPeer(t, demoTokens(), func(n int, w http.ResponseWriter) int {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusUnprocessableEntity)
		w.Write(body)
		return -1
	})
	s := &Sender{URL: url, Tokens: demoTokens(), Batch: 100, Concurrency: 1}
	res, err := s.Send(context.Background(), evs)
	var rej *RejectedError
	if !errors.As(err, &rej) {
		t.Fatalf("error %v, want a *RejectedError", err)
	}
	if rej.Status != 422 || rej.Code != "invalid" || len(rej.Problems) != 7 {
		t.Errorf("refusal %+v, want 422 invalid with 7 problems", rej)
	}
	msg := err.Error()
	for _, want := range []string{"HTTP 422 (invalid)", "event 0 (id e0): data.district: unknown district", "event 4 (id e4)", "and 2 more problem(s)"} {
		if !strings.Contains(msg, want) {
			t.Errorf("message lacks %q:\n%s", want, msg)
		}
	}
	if strings.Contains(msg, "id e5") {
		t.Errorf("message lists more than %d problems:\n%s", maxProblemsShown, msg)
	}
	if res.Events != 0 || res.Retries != 0 {
		t.Errorf("result %+v, want nothing stored and no retries", res)
	}
	if n := len(peer.requests); n != 1 {
		t.Errorf("%d requests after a refusal, want 1", n)
	}
}

func TestSenderNeedsEveryToken(t *testing.T) {
	tokens := demoTokens()
	delete(tokens, "qd-utilities")
	_, err := (&Sender{URL: "http://127.0.0.1:1", Tokens: tokens}).Send(context.Background(), smallDemo(t))
	if err == nil || !strings.Contains(err.Error(), "qd-utilities (GOVPULSE_TOKEN_QD_UTILITIES)") {
		t.Errorf("error %v, want one naming qd-utilities and its variable", err)
	}
}

func TestSenderSaysWhenNothingListens(t *testing.T) {
	srv := httptest.NewServer(http.NotFoundHandler())
	url := srv.URL
	srv.Close()
	_, err := (&Sender{URL: url, Tokens: demoTokens()}).Send(context.Background(), smallDemo(t))
	if err == nil || !strings.Contains(err.Error(), "cannot reach govpulse") {
		t.Errorf("error %v, want 'cannot reach govpulse'", err)
	}
}

func TestRetryAfter(t *testing.T) {
	now := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	for v, want := range map[string]time.Duration{
		"":                              0,
		"3":                             3 * time.Second,
		"-5":                            0,
		"soon":                          0,
		"86400":                         maxRetryAfter,
		"Sat, 01 Mar 2025 12:00:10 GMT": 10 * time.Second,
	} {
		if got := retryAfter(v, now); got != want {
			t.Errorf("retryAfter(%q) = %v, want %v", v, got, want)
		}
	}
}
