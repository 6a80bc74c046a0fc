package faults

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/govpulse/govpulse/postgres"
)

// load sends generated events the way department systems do: each system
// (source) sends its events in batches, one request at a time, repeats a
// few events it sent before (a system resending its recent history), puts
// the same event twice in a request now and then, sends a whole request
// again after it was answered (as if the answer had been lost), and
// retries a request that failed, on 503 and 429 after Retry-After, until
// it is answered 200. It checks every answer against what it knows. (A
// request never carries one event twice: govpulse refuses that with 422.)
type load struct {
	// Batch is how many new events go into one request; Dups how many
	// events the source sent before are repeated in it.
	Batch, Dups int
	// ResendEvery: every ResendEvery-th answered request is sent again,
	// whole; 0 never.
	ResendEvery int
	// URLs returns the instances to send to; a client moves on to the next
	// one when a request fails. Required.
	URLs func() []string
	// OnAck, if set, is called with the number of new events answered 200
	// so far, after every answered request.
	OnAck func(acked int64)
	// Pace, if set, is the least time between two requests of one source.
	Pace time.Duration
	// MaxRetryWait caps how long a client honours Retry-After, to keep
	// tests short; 0 means 1s.
	MaxRetryWait time.Duration
	// Seed drives the choice of repeated events.
	Seed uint64

	client *http.Client

	mu           sync.Mutex
	seq          map[string]int64 // event key → seq the server gave it
	statuses     map[int]int      // HTTP status → answers
	transport    int              // requests that got no answer
	retried      int              // requests sent more than once because of a failure
	resent       int              // answered requests sent again on purpose
	noRetryAfter int              // 503/429 answers without a usable Retry-After
	problems     []string         // answers that break a promise
	acked        atomic.Int64
}

// loadReport is what a load saw.
type loadReport struct {
	Requests, Retried, Resent, Transport, NoRetryAfter int
	Statuses                                           map[int]int
	Seq                                                map[string]int64
	Problems                                           []string
}

// run sends evs (each source's events in order) with one client per
// source and returns when every event was answered 200, ctx ends, or a
// client hits a problem it cannot get past.
func (l *load) run(ctx context.Context, t testing.TB, evs []genEvent) loadReport {
	t.Helper()
	l.client = &http.Client{Timeout: 60 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 4}}
	defer l.client.CloseIdleConnections()
	l.seq = map[string]int64{}
	l.statuses = map[int]int{}
	perSource := make([][]*genEvent, sourceCount)
	for i := range evs {
		perSource[evs[i].Source] = append(perSource[evs[i].Source], &evs[i])
	}
	var wg sync.WaitGroup
	for s := range sourceCount {
		wg.Add(1)
		go func() {
			defer wg.Done()
			l.runSource(ctx, s, perSource[s])
		}()
	}
	wg.Wait()
	l.mu.Lock()
	defer l.mu.Unlock()
	n := 0
	for _, c := range l.statuses {
		n += c
	}
	return loadReport{Requests: n + l.transport, Retried: l.retried, Resent: l.resent, Transport: l.transport,
		NoRetryAfter: l.noRetryAfter, Statuses: l.statuses, Seq: l.seq, Problems: l.problems}
}

func (l *load) problem(format string, args ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.problems) < 50 {
		l.problems = append(l.problems, fmt.Sprintf(format, args...))
	}
}

// request is one ingest request: its events, and which of them the source
// knows were stored before.
type request struct {
	source int
	evs    []*genEvent
	known  []bool // answered 200 in an earlier request
}

func (l *load) runSource(ctx context.Context, source int, evs []*genEvent) {
	r := rand.New(rand.NewPCG(l.Seed, uint64(source)))
	var sent []*genEvent // answered 200
	for n := 0; len(evs) > 0; n++ {
		if ctx.Err() != nil {
			l.problem("source %d: stopped with %d events unsent: %v", source, len(evs), ctx.Err())
			return
		}
		start := time.Now()
		k := min(l.Batch, len(evs))
		req := request{source: source}
		for _, e := range evs[:k] {
			req.evs = append(req.evs, e)
			req.known = append(req.known, false)
		}
		picked := map[*genEvent]bool{}
		for range min(l.Dups, len(sent)) {
			e := sent[r.IntN(len(sent))]
			if picked[e] {
				continue
			}
			picked[e] = true
			at := r.IntN(len(req.evs) + 1)
			req.evs = append(req.evs[:at], append([]*genEvent{e}, req.evs[at:]...)...)
			req.known = append(req.known[:at], append([]bool{true}, req.known[at:]...)...)
		}
		if !l.send(ctx, req, n, false) {
			return
		}
		if l.ResendEvery > 0 && n%l.ResendEvery == l.ResendEvery-1 {
			again := request{source: source, evs: req.evs, known: make([]bool, len(req.evs))}
			for i := range again.known {
				again.known[i] = true
			}
			l.mu.Lock()
			l.resent++
			l.mu.Unlock()
			if !l.send(ctx, again, n, true) {
				return
			}
		}
		sent = append(sent, evs[:k]...)
		evs = evs[k:]
		if l.Pace > 0 {
			select {
			case <-time.After(l.Pace - time.Since(start)):
			case <-ctx.Done():
			}
		}
	}
}

// send sends req until it is answered 200 and checks the answer; it
// reports whether the source may go on.
func (l *load) send(ctx context.Context, req request, n int, resend bool) bool {
	var body bytes.Buffer
	body.WriteByte('[')
	for i, e := range req.evs {
		if i > 0 {
			body.WriteByte(',')
		}
		body.Write(e.Raw)
	}
	body.WriteByte(']')
	maxWait := l.MaxRetryWait
	if maxWait == 0 {
		maxWait = time.Second
	}
	for attempt := 1; ; attempt++ {
		if ctx.Err() != nil {
			l.problem("source %d request %d: gave up after %d attempts: %v", req.source, n, attempt-1, ctx.Err())
			return false
		}
		if attempt == 2 {
			l.mu.Lock()
			l.retried++
			l.mu.Unlock()
		}
		urls := l.URLs()
		url := urls[(req.source+attempt)%len(urls)]
		status, respBody, header, err := l.post(ctx, url, req.source, body.Bytes())
		if err != nil {
			l.mu.Lock()
			l.transport++
			l.mu.Unlock()
			sleep(ctx, 50*time.Millisecond)
			continue
		}
		l.mu.Lock()
		l.statuses[status]++
		l.mu.Unlock()
		switch status {
		case http.StatusOK:
			l.check(req, n, attempt, resend, respBody)
			if l.OnAck != nil && !resend {
				fresh := 0
				for _, k := range req.known {
					if !k {
						fresh++
					}
				}
				l.OnAck(l.acked.Add(int64(fresh)))
			}
			return true
		case http.StatusServiceUnavailable, http.StatusTooManyRequests:
			secs, err := strconv.Atoi(header.Get("Retry-After"))
			if err != nil || secs < 1 {
				l.mu.Lock()
				l.noRetryAfter++
				l.mu.Unlock()
				secs = 1
			}
			sleep(ctx, min(time.Duration(secs)*time.Second, maxWait))
		default:
			l.problem("source %d request %d attempt %d to %s: HTTP %d: %.300s", req.source, n, attempt, url, status, respBody)
			if attempt >= 5 {
				return false
			}
			sleep(ctx, 200*time.Millisecond)
		}
	}
}

func (l *load) post(ctx context.Context, url string, source int, body []byte) (int, []byte, http.Header, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url+"/v1/events", bytes.NewReader(body))
	if err != nil {
		return 0, nil, nil, err
	}
	req.Header.Set("Authorization", "Bearer "+sourceToken(source))
	req.Header.Set("Content-Type", "application/cloudevents-batch+json")
	resp, err := l.client.Do(req)
	if err != nil {
		return 0, nil, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, nil, nil, err
	}
	return resp.StatusCode, b, resp.Header, nil
}

// check compares a 200 answer with what the source knows: events stored
// before are duplicates with the seq the event got when it was stored; a new event is accepted on the first
// attempt; on a retry the new events are either all accepted (the failed
// attempt stored nothing) or all duplicates (it stored everything), never
// a mix, which would mean a request half written. The answer decodes
// into postgres.AppendResult, whose counts and outcomes the server sends
// as they are (cmd/govpulse's tests hold the answer's documented shape).
func (l *load) check(req request, n, attempt int, resend bool, body []byte) {
	var a postgres.AppendResult
	if err := json.Unmarshal(body, &a); err != nil {
		l.problem("source %d request %d: answer is not JSON: %v: %.200s", req.source, n, err, body)
		return
	}
	if len(a.Events) != len(req.evs) {
		l.problem("source %d request %d: %d outcomes for %d events", req.source, n, len(a.Events), len(req.evs))
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	newStatus := map[string]int{}
	accepted, dups := 0, 0
	for i, o := range a.Events {
		e := req.evs[i]
		if o.Index != i || o.ID != e.ID {
			l.problems = append(l.problems, fmt.Sprintf("source %d request %d: outcome %d is %d/%s, want %d/%s", req.source, n, i, o.Index, o.ID, i, e.ID))
			return
		}
		switch o.Status {
		case "accepted":
			accepted++
		case "duplicate":
			dups++
		default:
			l.problems = append(l.problems, fmt.Sprintf("source %d request %d: event %s has status %q", req.source, n, e.ID, o.Status))
			return
		}
		if o.Seq <= 0 {
			l.problems = append(l.problems, fmt.Sprintf("source %d request %d: event %s has seq %d", req.source, n, e.ID, o.Seq))
		}
		if prev, ok := l.seq[e.key()]; ok && prev != o.Seq {
			l.problems = append(l.problems, fmt.Sprintf("event %s: answered seq %d, earlier %d: stored twice?", e.ID, o.Seq, prev))
		}
		l.seq[e.key()] = o.Seq
		if !req.known[i] {
			newStatus[o.Status]++
		} else if o.Status != "duplicate" {
			l.problems = append(l.problems, fmt.Sprintf("source %d request %d: event %s, stored before, answered %q, want duplicate", req.source, n, e.ID, o.Status))
		}
	}
	if a.Accepted != accepted || a.Duplicates != dups {
		l.problems = append(l.problems, fmt.Sprintf("source %d request %d: accepted %d duplicates %d, but outcomes say %d and %d", req.source, n, a.Accepted, a.Duplicates, accepted, dups))
	}
	switch {
	case resend:
	case attempt == 1 && newStatus["duplicate"] > 0:
		l.problems = append(l.problems, fmt.Sprintf("source %d request %d: %d new events answered duplicate on the first attempt", req.source, n, newStatus["duplicate"]))
	case attempt > 1 && newStatus["duplicate"] > 0 && newStatus["accepted"] > 0:
		l.problems = append(l.problems, fmt.Sprintf("source %d request %d: retry found %d of its new events stored and %d not: the failed attempt was half written", req.source, n, newStatus["duplicate"], newStatus["accepted"]))
	}
}

func sleep(ctx context.Context, d time.Duration) {
	if d <= 0 {
		return
	}
	select {
	case <-time.After(d):
	case <-ctx.Done():
	}
}

// ingestEach sends each source's events of evs to url as one request per
// source, in source order, and requires each to be answered 200 with every
// event accepted.
func ingestEach(t testing.TB, url string, evs []genEvent) {
	t.Helper()
	perSource := make([][]*genEvent, sourceCount)
	for i := range evs {
		perSource[evs[i].Source] = append(perSource[evs[i].Source], &evs[i])
	}
	l := &load{client: &http.Client{Timeout: time.Minute}}
	for s, group := range perSource {
		if len(group) == 0 {
			continue
		}
		var body bytes.Buffer
		body.WriteByte('[')
		for i, e := range group {
			if i > 0 {
				body.WriteByte(',')
			}
			body.Write(e.Raw)
		}
		body.WriteByte(']')
		status, resp, _, err := l.post(context.Background(), url, s, body.Bytes())
		if err != nil {
			t.Fatalf("ingest %d events of %s: %v", len(group), sourceName(s), err)
		}
		var a postgres.AppendResult
		if status != http.StatusOK || json.Unmarshal(resp, &a) != nil || a.Accepted != len(group) {
			t.Fatalf("ingest %d events of %s: HTTP %d: %.300s", len(group), sourceName(s), status, resp)
		}
	}
}

// runningLoad is a load running in the background while the test goroutine
// breaks things (which may fail the test, so it must not run elsewhere).
type runningLoad struct {
	done chan struct{}
	rep  loadReport
}

// background starts l on evs in a goroutine.
func (l *load) background(ctx context.Context, t testing.TB, evs []genEvent) *runningLoad {
	r := &runningLoad{done: make(chan struct{})}
	go func() {
		defer close(r.done)
		r.rep = l.run(ctx, t, evs)
	}()
	return r
}

// wait returns the load's report once it has ended.
func (r *runningLoad) wait() loadReport {
	<-r.done
	return r.rep
}

// until waits for the moment ch is closed; it fails the test if the load
// ends or ctx ends first.
func (r *runningLoad) until(ctx context.Context, t testing.TB, ch <-chan struct{}, what string) {
	t.Helper()
	select {
	case <-ch:
	case <-r.done:
		t.Fatalf("the load ended before %s: %v", what, r.rep.Problems)
	case <-ctx.Done():
		t.Fatalf("waiting for %s: %v", what, ctx.Err())
	}
}

// underFault runs l on evs in the background, with the four minutes a
// fault test's load may take, and calls fault on the test goroutine once
// at new events were stored (what says when that is, for a failure);
// then it waits for the load to end, logs how long it took and checks
// its replies with verifyLoad. fault breaks something while the load
// goes on and may wait on ctx, the load's deadline.
func (l *load) underFault(t testing.TB, evs []genEvent, at int64, what string, fault func(ctx context.Context)) loadReport {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	reached := l.ackedAtLeast(at)
	start := time.Now()
	running := l.background(ctx, t, evs)
	running.until(ctx, t, reached, what)
	fault(ctx)
	rep := running.wait()
	t.Logf("load of %d events took %s", len(evs), time.Since(start).Round(time.Millisecond))
	verifyLoad(t, evs, rep)
	return rep
}

// ackedAtLeast returns a channel closed once n new events were answered
// 200: the moment a test breaks something. It sets l.OnAck.
func (l *load) ackedAtLeast(n int64) <-chan struct{} {
	ch := make(chan struct{})
	var once sync.Once
	l.OnAck = func(acked int64) {
		if acked >= n {
			once.Do(func() { close(ch) })
		}
	}
	return ch
}
