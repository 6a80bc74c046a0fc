package demo

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/govpulse/govpulse/events"
)

// Progress is told how many events each stored batch carried. A
// *progressbar.ProgressBar is one.
type Progress interface {
	Add(n int) error
}

// Sender delivers events to govpulse's ingest API (POST /v1/events) as the
// department systems would: each system's events in batches with its own
// token, several requests at once, retrying with backoff when the server
// says it is busy (429, 503, honouring Retry-After), fails (5xx) or cannot
// be reached, and stopping at the first batch it refuses (other 4xx).
type Sender struct {
	// URL is govpulse's base URL, e.g. http://127.0.0.1:8080.
	URL string
	// Tokens maps each sending system (the events' source) to its token.
	Tokens map[string]string
	// Batch is the most events per request; 0 means 1000.
	Batch int
	// Concurrency is how many requests are in flight at once; 0 means 4.
	Concurrency int
	// Client sends the requests; nil means one with a 2-minute timeout.
	Client *http.Client
	// Progress, if not nil, is told of every stored batch.
	Progress Progress
	// Logger notes retries; nil means no log.
	Logger *slog.Logger
	// MaxAttempts is how often one batch is tried; 0 means 10.
	MaxAttempts int
	// MinBackoff and MaxBackoff bound the wait between attempts when the
	// server names none; 0 means 500ms and 30s.
	MinBackoff, MaxBackoff time.Duration
	// ReadyTimeout is how long Send waits for GET /readyz to answer 200
	// before sending; 0 means 30s.
	ReadyTimeout time.Duration
}

// Result tallies what a Send did.
type Result struct {
	Events     int // events sent and stored (accepted or duplicate)
	Batches    int // requests that succeeded
	Accepted   int // events stored for the first time
	Duplicates int // events the log already had
	Retries    int // attempts repeated after 429, 503, 5xx or network errors
	Elapsed    time.Duration
}

// Rate is stored events per second.
func (r Result) Rate() float64 { return Rate(r.Events, r.Elapsed) }

// String summarises r in one line for people.
func (r Result) String() string {
	return fmt.Sprintf("%s events in %s (%s events/s; %d requests, %d retries): %s accepted, %s duplicates",
		thousands(r.Events), r.Elapsed.Round(time.Millisecond), thousands(int(r.Rate())),
		r.Batches, r.Retries, thousands(r.Accepted), thousands(r.Duplicates))
}

// RejectedError says govpulse refused a batch with a 4xx answer that
// retrying cannot fix: invalid events (422), a token not allowed to send
// them (403), an unknown token (401), a batch too large (413), ...
type RejectedError struct {
	Source   string
	Events   int // events in the refused batch
	Status   int
	Code     string
	Message  string
	Problems []events.Problem
}

// maxProblemsShown is how many of a refusal's problems Error lists.
const maxProblemsShown = 5

// Error says what was refused and lists the first problems, each with the
// event's index in the batch, its id, the field and the reason.
func (e *RejectedError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "govpulse refused a batch of %d events from %s: HTTP %d", e.Events, e.Source, e.Status)
	if e.Code != "" {
		fmt.Fprintf(&b, " (%s)", e.Code)
	}
	if e.Message != "" {
		b.WriteString(": " + e.Message)
	}
	for i, p := range e.Problems {
		if i == maxProblemsShown {
			fmt.Fprintf(&b, "\n  ... and %d more problem(s)", len(e.Problems)-i)
			break
		}
		fmt.Fprintf(&b, "\n  event %d (id %s): %s: %s", p.Index, p.ID, p.Field, p.Reason)
	}
	return b.String()
}

// batch is one request's worth of one system's events.
type batch struct {
	source string
	events []Event
}

// Send delivers evs and returns what was stored. It first waits for the
// server to be ready, and fails before sending anything if a system with
// events has no token. On error the Result counts what was stored until then.
//
// Events that refer to earlier ones (a policy's amendments, extensions,
// interpretations and repeal refer to its publication, and ingest refuses
// them before it) go first, in their order, one request at a time; the
// others follow, several requests at once.
func (s *Sender) Send(ctx context.Context, evs []Event) (Result, error) {
	start := time.Now()
	var ordered, rest []Event
	for _, e := range evs {
		if _, ok := e.Data.(events.PolicyEvent); ok {
			ordered = append(ordered, e)
		} else {
			rest = append(rest, e)
		}
	}
	first, err := s.batches(ordered)
	if err != nil {
		return Result{}, err
	}
	then, err := s.batches(rest)
	if err != nil {
		return Result{}, err
	}
	if err := s.waitReady(ctx); err != nil {
		return Result{}, err
	}
	res, err := s.sendBatches(ctx, first, 1)
	if err == nil {
		var more Result
		more, err = s.sendBatches(ctx, then, cmpOr(s.Concurrency, 4))
		res.add(more)
	}
	res.Elapsed = time.Since(start)
	return res, err
}

func (r *Result) add(o Result) {
	r.Events += o.Events
	r.Batches += o.Batches
	r.Accepted += o.Accepted
	r.Duplicates += o.Duplicates
	r.Retries += o.Retries
}

// sendBatches posts batches with concurrency requests in flight.
func (s *Sender) sendBatches(ctx context.Context, batches []batch, concurrency int) (Result, error) {
	total := 0
	for _, b := range batches {
		total += len(b.events)
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		mu       sync.Mutex
		res      Result
		firstErr error
		wg       sync.WaitGroup
	)
	queue := make(chan batch)
	for range concurrency {
		wg.Go(func() {
			for b := range queue {
				reply, retries, err := s.post(ctx, b)
				mu.Lock()
				res.Retries += retries
				if err != nil {
					if firstErr == nil && ctx.Err() == nil {
						firstErr = err
					}
					cancel()
				} else {
					res.Batches++
					res.Events += len(b.events)
					res.Accepted += reply.Accepted
					res.Duplicates += reply.Duplicates
				}
				mu.Unlock()
				if err == nil && s.Progress != nil {
					_ = s.Progress.Add(len(b.events))
				}
			}
		})
	}
feed:
	for _, b := range batches {
		select {
		case queue <- b:
		case <-ctx.Done():
			break feed
		}
	}
	close(queue)
	wg.Wait()
	if firstErr == nil {
		firstErr = context.Cause(ctx)
		if errors.Is(firstErr, context.Canceled) && res.Events == total {
			firstErr = nil // our own cancel after the last batch
		}
	}
	return res, firstErr
}

func cmpOr(n, def int) int {
	if n <= 0 {
		return def
	}
	return n
}

// batches splits evs by source, in their order, into requests of at most
// Batch events, and interleaves the systems so that all of them send
// throughout, as they would in a city.
func (s *Sender) batches(evs []Event) ([]batch, error) {
	size := cmpOr(s.Batch, 1000)
	bySource := map[string][]Event{}
	var order []string
	for _, e := range evs {
		if _, seen := bySource[e.Source]; !seen {
			order = append(order, e.Source)
		}
		bySource[e.Source] = append(bySource[e.Source], e)
	}
	slices.Sort(order)
	var missing []string
	for _, src := range order {
		if s.Tokens[src] == "" {
			env := "its token"
			for _, sys := range Systems() {
				if sys.Name == src {
					env = sys.TokenEnv
				}
			}
			missing = append(missing, fmt.Sprintf("%s (%s)", src, env))
		}
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("no token for %s: set the variables, or point --sources-env at a file with them such as examples/demo.env", strings.Join(missing, ", "))
	}
	var out []batch
	for more := true; more; {
		more = false
		for _, src := range order {
			rest := bySource[src]
			if len(rest) == 0 {
				continue
			}
			n := min(size, len(rest))
			out = append(out, batch{source: src, events: rest[:n]})
			bySource[src] = rest[n:]
			more = true
		}
	}
	return out, nil
}

func (s *Sender) client() *http.Client {
	if s.Client != nil {
		return s.Client
	}
	return &http.Client{Timeout: 2 * time.Minute}
}

func (s *Sender) log() *slog.Logger {
	if s.Logger != nil {
		return s.Logger
	}
	return slog.New(slog.DiscardHandler)
}

// waitReady polls GET /readyz until it answers 200. A server that cannot
// be reached at all fails at once: it is most likely not started.
func (s *Sender) waitReady(ctx context.Context) error {
	url := strings.TrimRight(s.URL, "/") + "/readyz"
	deadline := time.Now().Add(cmpDuration(s.ReadyTimeout, 30*time.Second))
	for {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			return fmt.Errorf("govpulse URL %q: %w", s.URL, err)
		}
		resp, err := s.client().Do(req)
		if err != nil {
			if ctx.Err() != nil {
				return context.Cause(ctx)
			}
			return fmt.Errorf("cannot reach govpulse at %s (is it running? start it with `govpulse serve` or `make run`): %w", s.URL, err)
		}
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
		resp.Body.Close()
		if resp.StatusCode == http.StatusOK {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("govpulse at %s is not ready: GET /readyz answers HTTP %d: %s", s.URL, resp.StatusCode, strings.TrimSpace(string(body)))
		}
		if err := sleep(ctx, time.Second); err != nil {
			return err
		}
	}
}

func cmpDuration(d, def time.Duration) time.Duration {
	if d <= 0 {
		return def
	}
	return d
}

// ingestReply is the answer to a stored request.
type ingestReply struct {
	Accepted   int `json:"accepted"`
	Duplicates int `json:"duplicates"`
}

// errorReply is govpulse's error body.
type errorReply struct {
	Code     string           `json:"code"`
	Message  string           `json:"error"`
	Problems []events.Problem `json:"problems"`
}

// post sends one batch, retrying what may pass on a later attempt, and
// returns the answer and the number of retries.
func (s *Sender) post(ctx context.Context, b batch) (ingestReply, int, error) {
	body, err := json.Marshal(b.events)
	if err != nil {
		return ingestReply{}, 0, fmt.Errorf("encode batch from %s: %w", b.source, err)
	}
	url := strings.TrimRight(s.URL, "/") + "/v1/events"
	attempts := cmpOr(s.MaxAttempts, 10)
	for attempt := 1; ; attempt++ {
		out, why, err := s.attempt(ctx, url, b, body)
		if err != nil || why == "" {
			return out.reply, attempt - 1, err
		}
		if attempt == attempts {
			return ingestReply{}, attempt - 1, fmt.Errorf("batch of %d events from %s: gave up after %d attempts; last: %s", len(b.events), b.source, attempts, why)
		}
		delay := out.after
		if delay <= 0 {
			delay = s.backoff(attempt)
		}
		s.log().Info("retrying batch", "source", b.source, "events", len(b.events), "attempt", attempt, "wait", delay, "reason", why)
		if err := sleep(ctx, delay); err != nil {
			return ingestReply{}, attempt, err
		}
	}
}

// outcome of one attempt: the reply when stored, or how long the server
// asked us to wait.
type attemptOutcome struct {
	reply ingestReply
	after time.Duration
}

// attempt makes one request. It returns why to retry ("" when done), or an
// error that ends the batch.
func (s *Sender) attempt(ctx context.Context, url string, b batch, body []byte) (attemptOutcome, string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return attemptOutcome{}, "", fmt.Errorf("govpulse URL %q: %w", s.URL, err)
	}
	req.Header.Set("Content-Type", events.ContentTypeBatch)
	req.Header.Set("Authorization", "Bearer "+s.Tokens[b.source])
	req.Header.Set("User-Agent", "govpulse-demo")
	resp, err := s.client().Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return attemptOutcome{}, "", context.Cause(ctx)
		}
		return attemptOutcome{}, "network error: " + err.Error(), nil
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if err != nil {
		return attemptOutcome{}, "reading the answer: " + err.Error(), nil
	}
	switch {
	case resp.StatusCode == http.StatusOK:
		var r ingestReply
		if err := json.Unmarshal(data, &r); err != nil {
			return attemptOutcome{}, "", fmt.Errorf("batch from %s: unreadable answer %q: %w", b.source, truncate(data), err)
		}
		if r.Accepted+r.Duplicates != len(b.events) {
			return attemptOutcome{}, "", fmt.Errorf("batch of %d events from %s: govpulse answered %d accepted + %d duplicates", len(b.events), b.source, r.Accepted, r.Duplicates)
		}
		return attemptOutcome{reply: r}, "", nil
	case resp.StatusCode == http.StatusTooManyRequests, resp.StatusCode == http.StatusServiceUnavailable:
		return attemptOutcome{after: retryAfter(resp.Header.Get("Retry-After"), time.Now())},
			fmt.Sprintf("HTTP %d: %s", resp.StatusCode, truncate(data)), nil
	case resp.StatusCode >= 500:
		return attemptOutcome{}, fmt.Sprintf("HTTP %d: %s", resp.StatusCode, truncate(data)), nil
	}
	rej := &RejectedError{Source: b.source, Events: len(b.events), Status: resp.StatusCode}
	var e errorReply
	if json.Unmarshal(data, &e) == nil && (e.Code != "" || e.Message != "") {
		rej.Code, rej.Message, rej.Problems = e.Code, e.Message, e.Problems
	} else {
		rej.Message = truncate(data)
	}
	return attemptOutcome{}, "", rej
}

// maxRetryAfter caps how long one Retry-After makes the demo wait.
const maxRetryAfter = 5 * time.Minute

// retryAfter reads a Retry-After header: seconds, or an HTTP date. It is 0
// when absent or unreadable.
func retryAfter(v string, now time.Time) time.Duration {
	if v == "" {
		return 0
	}
	var d time.Duration
	if secs, err := strconv.Atoi(strings.TrimSpace(v)); err == nil {
		d = time.Duration(secs) * time.Second
	} else if t, err := http.ParseTime(v); err == nil {
		d = t.Sub(now)
	}
	return min(max(d, 0), maxRetryAfter)
}

// backoff is the wait before attempt+1 when the server named none:
// doubling from MinBackoff up to MaxBackoff, with jitter so that
// concurrent senders spread out.
func (s *Sender) backoff(attempt int) time.Duration {
	lo, hi := cmpDuration(s.MinBackoff, 500*time.Millisecond), cmpDuration(s.MaxBackoff, 30*time.Second)
	d := lo << min(attempt-1, 20)
	if d > hi || d <= 0 {
		d = hi
	}
	return d/2 + rand.N(d/2+1)
}

func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return context.Cause(ctx)
	}
}

func truncate(b []byte) string {
	s := strings.TrimSpace(string(b))
	if len(s) > 300 {
		s = s[:300] + "…"
	}
	return s
}
