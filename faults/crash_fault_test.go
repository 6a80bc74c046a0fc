//go:build faults

package faults

import (
	"context"
	"math/rand/v2"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/govpulse/govpulse/internal/pgtest"
)

// TestFaultCrash sends 200,000 events, with duplicates, repeats and
// retries, while govpulse is killed with SIGKILL at random moments (12
// times, mid-request and mid-batch) and restarted. Afterwards every event
// answered 200 is in the log exactly once, the read models equal the
// generator's own figures and a rebuild from the log, and the tally and
// the targets are exact.
func TestFaultCrash(t *testing.T) {
	const events, kills = 200_000, 12
	seed, evs, want := workload(t, events)
	dbURL := pgtest.NewDatabase(t)
	d := newDeployment(t, dbURL)
	g := d.startInstance("govpulse", nil)

	// Kill when the acknowledged events pass random points of the load,
	// then after a random delay, so that a kill falls inside a request, an
	// append or a consumer's batch.
	r := rand.New(rand.NewPCG(seed, 1))
	var points []int64
	for range kills {
		points = append(points, int64(events/50+r.IntN(events*9/10)))
	}
	slices.Sort(points)
	var next atomic.Int64
	trigger := make(chan struct{}, kills)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	killerDone := make(chan error, 1)
	loadDone := make(chan struct{})
	var killed atomic.Int64
	go func() {
		killerDone <- func() error {
			for range kills {
				select {
				case <-trigger:
				case <-loadDone:
					select {
					case <-trigger:
					default:
						return nil
					}
				case <-ctx.Done():
					return nil
				}
				time.Sleep(time.Duration(r.IntN(300)) * time.Millisecond)
				g.Kill()
				killed.Add(1)
				if err := g.start(); err != nil {
					return err
				}
			}
			return nil
		}()
	}()
	l := &load{Batch: 2000, Dups: 40, ResendEvery: 7, Seed: seed,
		URLs: func() []string { return []string{g.URL} },
		OnAck: func(acked int64) {
			for {
				i := next.Load()
				if i >= int64(len(points)) || acked < points[i] {
					return
				}
				if next.CompareAndSwap(i, i+1) {
					trigger <- struct{}{}
				}
			}
		},
	}
	start := time.Now()
	rep := l.run(ctx, t, evs)
	close(loadDone)
	t.Logf("load of %d events took %s with %d SIGKILLs (%d kill points passed, acked %d)", events, time.Since(start).Round(time.Millisecond), killed.Load(), next.Load(), l.acked.Load())
	if err := <-killerDone; err != nil {
		t.Fatalf("restart after SIGKILL: %v", err)
	}
	verifyLoad(t, evs, rep)
	if n := killed.Load(); n < 10 {
		t.Fatalf("govpulse was killed %d times, want at least 10", n)
	}
	verifyLog(t, dbURL, evs, rep)
	verifyServed(t, d, dbURL, evs, want, 3*time.Minute, newAPI(t, g.URL))
}
