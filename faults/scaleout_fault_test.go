//go:build faults

package faults

// The fault tests of several govpulse instances on one log at once: scaled
// out on one NATS JetStream, and on a JetStream cluster losing the node
// that leads the batch stream.

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"
)

// TestFaultScaleOut runs three govpulse instances on one PostgreSQL and
// one NATS JetStream: the load goes through all three, the consumers of
// each read model share the work as one consumer group, and one instance
// is killed (SIGKILL) half-way and stays down. The other two carry on;
// the log, read models, tally and targets are exact; both serve the same
// domain metrics, stats and targets; every target status change is
// recorded once though every instance evaluates the targets. The killed
// instance, started again, serves the same figures.
func TestFaultScaleOut(t *testing.T) {
	const events = 90_000
	seed, evs, want := workload(t, events)
	node := startNATS(t)
	d, dbURL := natsDeployment(t, node.URL())
	var gs []*instance
	for i := range 3 {
		gs = append(gs, d.startInstance(fmt.Sprintf("govpulse-%c", 'a'+i), nil))
	}
	var dead atomic.Bool // gs[2] was killed
	urls := func() []string {
		if dead.Load() {
			return []string{gs[0].URL, gs[1].URL}
		}
		return []string{gs[0].URL, gs[1].URL, gs[2].URL}
	}

	l := &load{Batch: 500, Dups: 20, ResendEvery: 9, Seed: seed, Pace: 50 * time.Millisecond, URLs: urls}
	rep := l.underFault(t, evs, events/2, "half the events were stored", func(context.Context) {
		dead.Store(true)
		gs[2].Kill()
		t.Logf("killed %s of the 3 instances after %d events", gs[2].name, l.acked.Load())
	})
	verifyLog(t, dbURL, evs, rep)
	live := []*api{newAPI(t, gs[0].URL), newAPI(t, gs[1].URL)}
	verifyServed(t, d, dbURL, evs, want, 2*time.Minute, live...)
	verifySameStats(t, live...)
	verifyWorkShared(t, live...)
	verifyTargetHistory(t, dbURL)

	gs[2].Start()
	all := append(live, newAPI(t, gs[2].URL))
	verifyMetrics(t, evs, all...)
	verifySameStats(t, all...)
}

// verifyWorkShared checks that every instance applied batches of each read
// model: the consumer group spreads the work instead of one instance doing
// it all.
func verifyWorkShared(t testing.TB, apis ...*api) {
	t.Helper()
	for _, a := range apis {
		m := a.metrics("govpulse_bus_handler_execution_time_seconds_count")
		for _, h := range []string{"ingest_tally", "case_stats", "license_stats", "lawsuit_stats"} {
			key := fmt.Sprintf(`govpulse_bus_handler_execution_time_seconds_count{handler_name=%q,success="true"}`, h)
			if m[key] == 0 {
				t.Errorf("%s applied no batch of %s: %v", a.url, h, m)
			} else {
				t.Logf("%s applied %v batches of %s", a.url, m[key], h)
			}
		}
	}
}

// verifyTargetHistory checks that each change of a target's status is
// recorded once: every history row changes the status, and starts from
// the status the previous row ended with.
func verifyTargetHistory(t testing.TB, dbURL string) {
	t.Helper()
	rows := queryRows(t, dbURL, `SELECT id::text, concat_ws('|', target, department, coalesce(previous_status, '-'), status)
		FROM target_status_history`)
	type change struct {
		id             int64
		previous, next string
	}
	chains := map[string][]change{}
	for id, v := range rows {
		var c change
		fmt.Sscan(id, &c.id)
		var target, dept string
		parts := splitN(v, 4)
		target, dept, c.previous, c.next = parts[0], parts[1], parts[2], parts[3]
		chains[target+"|"+dept] = append(chains[target+"|"+dept], c)
	}
	bad := 0
	for k, cs := range chains {
		sortChanges(cs, func(c change) int64 { return c.id })
		prev := "-"
		for _, c := range cs {
			if c.previous != prev || c.previous == c.next {
				if bad++; bad <= 5 {
					t.Errorf("target history %s: change %s → %s after %s: recorded twice?", k, c.previous, c.next, prev)
				}
			}
			prev = c.next
		}
	}
	if bad == 0 {
		t.Logf("target history: %d changes over %d targets × departments, each recorded once", len(rows), len(chains))
	}
}

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

	l := &load{Batch: 500, Dups: 20, ResendEvery: 9, Seed: seed, Pace: 50 * time.Millisecond,
		URLs: func() []string { return []string{gs[0].URL, gs[1].URL} },
	}
	rep := l.underFault(t, evs, events/3, "a third of the events were stored", func(context.Context) {
		leader.Kill()
		t.Logf("killed %s, the stream's leader, after %d events", leader.Name, l.acked.Load())
	})
	var rest []*natsNode
	for _, n := range nodes {
		if n != leader {
			rest = append(rest, n)
		}
	}
	if now, _ := streamLeader(t, rest, "govpulse_batches"); now != nil {
		t.Logf("the stream's leader is now %s", now.Name)
	}
	verifyLog(t, dbURL, evs, rep)
	apis := []*api{newAPI(t, gs[0].URL), newAPI(t, gs[1].URL)}
	verifyServed(t, d, dbURL, evs, want, 2*time.Minute, apis...)
	verifySameStats(t, apis...)
}
