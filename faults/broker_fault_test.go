//go:build faults

package faults

import (
	"context"
	"testing"
	"time"
)

// TestFaultBrokerDown stops NATS (SIGKILL) in the middle of a load with
// GOVPULSE_BUS=nats and keeps it down for a while. Ingest keeps answering
// 200 meanwhile (the outbox in PostgreSQL holds the batches); when NATS is
// back the consumers catch up, and nothing is lost or counted twice, and
// no batch was given up on (the poison queue is empty).
func TestFaultBrokerDown(t *testing.T) {
	const events = 60_000
	// Longer than a handler's retries last (6 attempts, each waiting 10s for
	// NATS to answer, with backoff): a batch the forwarder could not
	// publish used to go to the poison queue then.
	const down = 75 * time.Second
	seed, evs, want := workload(t, events)
	node := startNATS(t)
	d, dbURL := natsDeployment(t, node.URL())
	g := d.startInstance("govpulse", nil)

	l := &load{Batch: 500, Dups: 20, ResendEvery: 9, Seed: seed, Pace: 100 * time.Millisecond,
		URLs: func() []string { return []string{g.URL} },
	}
	var duringOutage int64
	rep := l.underFault(t, evs, events/4, "a quarter of the events were stored", func(ctx context.Context) {
		node.Kill()
		before := l.acked.Load()
		t.Logf("NATS killed after %d events", before)
		sleep(ctx, down)
		duringOutage = l.acked.Load() - before
		node.Start()
		t.Logf("NATS started again after %s; %d events were accepted meanwhile", down, duringOutage)
	})
	if duringOutage == 0 {
		t.Errorf("no event was accepted while NATS was down: ingest should not need the broker")
	}
	verifyLog(t, dbURL, evs, rep)
	verifyServed(t, d, dbURL, evs, want, 2*time.Minute, newAPI(t, g.URL))
}
