//go:build faults

package faults

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

	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	l := &load{Batch: 500, Dups: 20, ResendEvery: 9, Seed: seed, Pace: 50 * time.Millisecond, URLs: urls}
	kill := l.ackedAtLeast(events / 2)
	start := time.Now()
	running := l.background(ctx, t, evs)
	running.until(ctx, t, kill, "half the events were stored")
	dead.Store(true)
	gs[2].Kill()
	t.Logf("killed %s after %d events", gs[2].name, l.acked.Load())
	rep := running.wait()
	t.Logf("load of %d events through 3 instances, one killed half-way, took %s", events, time.Since(start).Round(time.Millisecond))
	verifyLoad(t, evs, rep)
	verifyLog(t, dbURL, evs, rep)
	live := []*api{newAPI(t, gs[0].URL), newAPI(t, gs[1].URL)}
	waitFigures(t, dbURL, live[0], want, 2*time.Minute)
	verifySettled(t, d, live[0], want)
	verifyMetrics(t, evs, live...)
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
