package benchmark

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
)

// LagResult is the lag of every batch of a sustained ingest: from the
// ingest's 200 answer (the batch is stored) until the benchmark saw every
// consumer's record of having applied it.
type LagResult struct {
	// Rate is the events per second actually sent.
	Rate          float64
	P50, P99, Max time.Duration
	Batches       int
}

// SustainedIngest sends evs to baseURL at rate events per second, in
// batches of size from as many clients as it takes (one request per tick,
// never waiting for the previous one), and measures each batch's lag until
// all of consumers have applied it, polling consumer_batches every
// pollEvery (the resolution of the figure).
func SustainedIngest(ctx context.Context, baseURL, token string, pool *pgxpool.Pool, consumers []string,
	evs []json.RawMessage, rate float64, size int, pollEvery time.Duration) (LagResult, error) {
	bodies := Batches(evs, size)
	interval := time.Duration(float64(time.Second) * float64(size) / rate)
	client := &http.Client{Timeout: 2 * time.Minute, Transport: &http.Transport{MaxIdleConnsPerHost: 64}}

	var (
		mu      sync.Mutex
		answers = map[int64]time.Time{} // first seq → answered
		seen    = map[int64]time.Time{} // first seq → seen applied everywhere
		errOnce sync.Once
		sendErr error
	)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	fail := func(err error) { errOnce.Do(func() { sendErr = err; cancel() }) }

	// The watcher notes when each batch is applied by every consumer. It
	// asks only past the prefix of the log seen whole (the log has no gaps).
	watchDone := make(chan struct{})
	stopWatch := make(chan struct{})
	go func() {
		defer close(watchDone)
		var prefix int64
		lastOf := map[int64]int64{}
		t := time.NewTicker(pollEvery)
		defer t.Stop()
		for {
			rows, err := pool.Query(ctx, `SELECT first_seq, max(last_seq) FROM consumer_batches WHERE consumer = ANY($1) AND first_seq > $2
				GROUP BY first_seq HAVING count(*) = $3`, consumers, prefix, len(consumers))
			now := time.Now()
			if err == nil {
				var f, l int64
				mu.Lock()
				for rows.Next() {
					if rows.Scan(&f, &l) == nil {
						if _, ok := seen[f]; !ok {
							seen[f] = now
							lastOf[f] = l
						}
					}
				}
				mu.Unlock()
				rows.Close()
				for {
					l, ok := lastOf[prefix+1]
					if !ok {
						break
					}
					prefix = l
				}
			}
			select {
			case <-stopWatch:
				return
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
	}()

	start := time.Now()
	tick := time.NewTicker(interval)
	var wg sync.WaitGroup
	for _, body := range bodies {
		select {
		case <-ctx.Done():
		case <-tick.C:
		}
		if ctx.Err() != nil {
			break
		}
		wg.Add(1)
		go func(body []byte) {
			defer wg.Done()
			msg, err := post(ctx, client, baseURL+"/v1/events", token, body)
			if err != nil {
				fail(err)
				return
			}
			at := time.Now()
			var a ingestAnswer
			if err := json.Unmarshal(msg, &a); err != nil || len(a.Events) == 0 {
				fail(fmt.Errorf("ingest answer: %v: %.200s", err, msg))
				return
			}
			first := a.Events[0].Seq
			for _, e := range a.Events {
				first = min(first, e.Seq)
			}
			mu.Lock()
			answers[first] = at
			mu.Unlock()
		}(body)
	}
	tick.Stop()
	wg.Wait()
	sendTook := time.Since(start)
	// Wait until the watcher has seen every batch.
	deadline := time.Now().Add(2 * time.Minute)
	for ctx.Err() == nil {
		mu.Lock()
		done := len(answers) == len(bodies) && allSeen(answers, seen)
		mu.Unlock()
		if done {
			break
		}
		if time.Now().After(deadline) {
			fail(fmt.Errorf("not every batch applied by every consumer 2 minutes after the last was sent"))
			break
		}
		time.Sleep(pollEvery)
	}
	close(stopWatch)
	<-watchDone
	if ctx.Err() != nil {
		errOnce.Do(func() { sendErr = ctx.Err() })
		return LagResult{}, sendErr
	}
	lags := make([]float64, 0, len(answers))
	for f, at := range answers {
		lags = append(lags, max(0, seen[f].Sub(at).Seconds()))
	}
	q := func(p float64) time.Duration { return time.Duration(quantile(lags, p) * float64(time.Second)) }
	return LagResult{
		Rate: float64(len(evs)) / sendTook.Seconds(),
		P50:  q(0.5), P99: q(0.99), Max: q(1), Batches: len(lags),
	}, nil
}

func allSeen(answers, seen map[int64]time.Time) bool {
	for f := range answers {
		if _, ok := seen[f]; !ok {
			return false
		}
	}
	return true
}
