//go:build faults

package faults

import (
	"context"
	"testing"
	"time"
)

// TestFaultJetStreamCluster runs two govpulse instances on a three-node
// JetStream cluster with the batch stream replicated three times
// (GOVPULSE_NATS_REPLICAS=3), and kills the node leading the stream
// (SIGKILL) under load. The cluster elects another leader; ingest goes on
// through both instances, the consumers catch up without the lost node,
// and nothing is lost or counted twice. Both instances serve the same
// figures.
func TestFaultJetStreamCluster(t *testing.T) {
	const events = 60_000
	seed, evs, want := workload(t, events)
	nodes := startNATSCluster(t, 3)
	d, dbURL := natsDeployment(t, clusterURLs(nodes))
	d.env["GOVPULSE_NATS_REPLICAS"] = "3"
	gs := []*instance{d.startInstance("govpulse-a", nil), d.startInstance("govpulse-b", nil)}
	leader, replicas := streamLeader(t, nodes, "govpulse_batches")
	if replicas != 3 {
		t.Fatalf("the batch stream has %d replicas, want 3", replicas)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	l := &load{Batch: 500, Dups: 20, ResendEvery: 9, Seed: seed, Pace: 50 * time.Millisecond,
		URLs: func() []string { return []string{gs[0].URL, gs[1].URL} },
	}
	kill := l.ackedAtLeast(events / 3)
	start := time.Now()
	running := l.background(ctx, t, evs)
	running.until(ctx, t, kill, "a third of the events were stored")
	leader.Kill()
	t.Logf("killed %s, the stream's leader, after %d events", leader.Name, l.acked.Load())
	rep := running.wait()
	t.Logf("load of %d events took %s", events, time.Since(start).Round(time.Millisecond))
	var rest []*natsNode
	for _, n := range nodes {
		if n != leader {
			rest = append(rest, n)
		}
	}
	if now, _ := streamLeader(t, rest, "govpulse_batches"); now != nil {
		t.Logf("the stream's leader is now %s", now.Name)
	}
	verifyLoad(t, evs, rep)
	verifyLog(t, dbURL, evs, rep)
	apis := []*api{newAPI(t, gs[0].URL), newAPI(t, gs[1].URL)}
	waitFigures(t, dbURL, apis[0], want, 2*time.Minute)
	verifySettled(t, d, apis[0], want)
	verifyMetrics(t, evs, apis...)
	verifySameStats(t, apis...)
}
