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

// HTTPIngest posts evs to a running govpulse at baseURL in batches of size
// from clients concurrent clients, and stops the clock when the ingest
// tally (read from pool) has applied every event of source: stored
// durably, published through the outbox and consumed exactly once.
func HTTPIngest(ctx context.Context, baseURL, token, source string, pool *pgxpool.Pool, evs []json.RawMessage, size, clients int) (Result, error) {
	bodies := Batches(evs, size)
	before, err := tallied(ctx, pool, source)
	if err != nil {
		return Result{}, err
	}
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
				if err := post(ctx, client, baseURL+"/v1/events", token, body); err != nil {
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
	deadline := time.Now().Add(5 * time.Minute)
	for {
		n, err := tallied(ctx, pool, source)
		if err != nil {
			return Result{}, err
		}
		if n-before >= int64(len(evs)) {
			break
		}
		if time.Now().After(deadline) {
			return Result{}, fmt.Errorf("tally has %d of %d events after 5 minutes", n-before, len(evs))
		}
		time.Sleep(5 * time.Millisecond)
	}
	return Result{Name: fmt.Sprintf("HTTP ingest, %d-event batches, to tally", size), Events: len(evs), Elapsed: time.Since(start), Start: start}, nil
}

func post(ctx context.Context, client *http.Client, url, token string, body []byte) error {
	for attempt := 0; ; attempt++ {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
		if err != nil {
			return err
		}
		req.Header.Set("Content-Type", events.ContentTypeBatch)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := client.Do(req)
		if err != nil {
			return err
		}
		msg, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		switch {
		case resp.StatusCode == http.StatusOK:
			return nil
		case (resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable) && attempt < 20:
			time.Sleep(100 * time.Millisecond)
		default:
			return fmt.Errorf("ingest: HTTP %d: %.300s", resp.StatusCode, msg)
		}
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
