package benchmark

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/govpulse/govpulse/events"
)

// Applied reports whether the consumers have applied everything sent.
type Applied func(ctx context.Context) (bool, error)

// HTTPIngest posts evs to a running govpulse at baseURL in batches of size
// from clients concurrent clients, and stops the clock when applied says
// the consumers have applied every event: stored durably, published
// through the outbox and consumed exactly once.
func HTTPIngest(ctx context.Context, baseURL, token string, evs []json.RawMessage, size, clients int, applied Applied) (Result, error) {
	bodies := Batches(evs, size)
	client := &http.Client{Timeout: 2 * time.Minute, Transport: &http.Transport{MaxIdleConnsPerHost: clients}}
	start := time.Now()
	work := make(chan []byte)
	errs := make(chan error, clients)
	var wg sync.WaitGroup
	for c := 0; c < clients; c++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for body := range work {
				if _, err := post(ctx, client, baseURL+"/v1/events", token, body); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	for _, b := range bodies {
		select {
		case work <- b:
		case err := <-errs:
			close(work)
			return Result{}, err
		}
	}
	close(work)
	wg.Wait()
	select {
	case err := <-errs:
		return Result{}, err
	default:
	}
	if err := applied.Wait(ctx, 5*time.Minute); err != nil {
		return Result{}, err
	}
	return Result{Name: fmt.Sprintf("HTTP ingest, %d-event batches", size), Events: len(evs), Elapsed: time.Since(start), Start: start}, nil
}

// Wait polls applied every 5 ms until it says yes or timeout passes.
func (applied Applied) Wait(ctx context.Context, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		ok, err := applied(ctx)
		if err != nil || ok {
			return err
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("consumers have not applied every event after %s", timeout)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(5 * time.Millisecond):
		}
	}
}

// ingestAnswer is the part of a 200 answer the benchmark reads.
type ingestAnswer struct {
	Events []struct {
		Seq int64 `json:"seq"`
	} `json:"events"`
}

// post sends one batch, retrying on 429 and 503, and returns the answer.
func post(ctx context.Context, client *http.Client, url, token string, body []byte) ([]byte, error) {
	for attempt := 0; ; attempt++ {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
		if err != nil {
			return nil, err
		}
		req.Header.Set("Content-Type", events.ContentTypeBatch)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := client.Do(req)
		if err != nil {
			return nil, err
		}
		msg, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		switch {
		case resp.StatusCode == http.StatusOK:
			return msg, nil
		case (resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable) && attempt < 20:
			time.Sleep(100 * time.Millisecond)
		default:
			return nil, fmt.Errorf("ingest: HTTP %d: %.300s", resp.StatusCode, msg)
		}
	}
}

// TallyHas is Applied for the ingest tally: it has counted n events of
// source more than it had when TallyHas was called.
func TallyHas(ctx context.Context, pool *pgxpool.Pool, source string, n int) (Applied, error) {
	before, err := tallied(ctx, pool, source)
	if err != nil {
		return nil, err
	}
	return func(ctx context.Context) (bool, error) {
		got, err := tallied(ctx, pool, source)
		return got-before >= int64(n), err
	}, nil
}

// EveryConsumerHas is Applied for every consumer: each of consumers has
// applied batches up to the head of the log, with no batch missing below.
func EveryConsumerHas(pool *pgxpool.Pool, consumers []string) Applied {
	return func(ctx context.Context) (bool, error) {
		var behind int
		err := pool.QueryRow(ctx, `SELECT count(*) FROM unnest($1::text[]) AS c(name)
			WHERE (SELECT coalesce(sum(last_seq - first_seq + 1), 0) FROM consumer_batches b WHERE b.consumer = c.name)
			   < (SELECT coalesce(max(seq), 0) FROM events)`, consumers).Scan(&behind)
		return behind == 0, err
	}
}

func tallied(ctx context.Context, pool *pgxpool.Pool, source string) (int64, error) {
	var n int64
	err := pool.QueryRow(ctx, `SELECT coalesce(sum(events), 0) FROM ingest_tally WHERE source = $1`, source).Scan(&n)
	if err != nil {
		return 0, fmt.Errorf("read tally: %w", err)
	}
	return n, nil
}
