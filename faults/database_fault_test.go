//go:build faults

package faults

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"
	"time"
)

// TestFaultDatabase restarts PostgreSQL (a cluster the test owns) in the
// middle of a load, with an immediate shutdown as in a crash, and keeps
// it down for longer than a consumer's retries last. While it is down,
// ingest answers 503 with Retry-After and /readyz is false; no request is
// half written; when it is back everything recovers without an operator:
// nothing lands in the poison queue, the log holds every event once, and
// the read models, tally and targets are exact.
func TestFaultDatabase(t *testing.T) {
	const events = 60_000
	const down = 8 * time.Second // a consumer retries a batch for about 6s
	seed, evs, want := workload(t, events)
	pg := newPGCluster(t)
	dbURL := pg.URL("govpulse_faults")
	d := newDeployment(t, dbURL)
	g := d.startInstance("govpulse", nil)
	client := &http.Client{Timeout: 5 * time.Second}

	l := &load{Batch: 500, Dups: 20, ResendEvery: 9, Seed: seed,
		URLs: func() []string { return []string{g.URL} },
	}
	// /readyz while the database is down: 503 with "ready": false, or not.
	var notReady, other int
	rep := l.underFault(t, evs, events/3, "a third of the events were stored", func(ctx context.Context) {
		pg.Crash()
		t.Logf("PostgreSQL stopped (immediate shutdown) after %d events", l.acked.Load())
		for end := time.Now().Add(down); time.Now().Before(end); sleep(ctx, 200*time.Millisecond) {
			status, body, _, err := httpDo(ctx, client, http.MethodGet, g.URL+"/readyz", "")
			var r struct {
				Ready *bool `json:"ready"`
			}
			if err == nil && status == http.StatusServiceUnavailable && json.Unmarshal(body, &r) == nil && r.Ready != nil && !*r.Ready {
				notReady++
			} else {
				other++
				t.Logf("/readyz while the database is down: %d %s %v", status, body, err)
			}
		}
		pg.Start()
		t.Logf("PostgreSQL started again after %s", down)
	})
	if rep.Statuses[http.StatusServiceUnavailable] == 0 {
		t.Errorf("no ingest request was answered 503 while the database was down")
	}
	if notReady == 0 || other > 0 {
		t.Errorf("/readyz while the database was down: %d times 503 not ready, %d times something else", notReady, other)
	}
	for k := range rep.Statuses {
		if k != http.StatusOK && k != http.StatusServiceUnavailable {
			t.Errorf("ingest answered %d %d times: only 200 and 503 are expected", k, rep.Statuses[k])
		}
	}
	g.WaitReady(time.Minute)
	verifyLog(t, dbURL, evs, rep)
	verifyServed(t, d, dbURL, evs, want, 2*time.Minute, newAPI(t, g.URL))
}
