package faults

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/govpulse/govpulse/internal/pgtest"
)

// TestPagingTheLogDuringAppendsSkipsNothing reads the log with
// GET /v1/events?after= while four systems append to it at once: every
// page continues exactly where the previous one ended (seq after seq, no
// gap that a slower transaction could fill later), and the reader ends up
// with every stored event, once, in log order.
func TestPagingTheLogDuringAppendsSkipsNothing(t *testing.T) {
	const events = 40_000
	seed := testSeed(t)
	evs := generate(t, seed, events)
	d := newDeployment(t, pgtest.NewDatabase(t))
	g := d.startInstance("govpulse", map[string]string{"GOVPULSE_CONSUMERS": "none"})
	a := newAPI(t, g.URL)

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var writing atomic.Bool
	writing.Store(true)
	loadDone := make(chan loadReport, 1)
	go func() {
		l := &load{Batch: 100, Seed: seed, URLs: func() []string { return []string{g.URL} }}
		rep := l.run(ctx, t, evs)
		writing.Store(false)
		loadDone <- rep
	}()

	type page struct {
		Events []struct {
			Seq    int64  `json:"seq"`
			Source string `json:"source"`
			ID     string `json:"id"`
		} `json:"events"`
		NextAfter int64 `json:"next_after"`
	}
	seen := map[string]int64{}
	var after int64
	pagesWhileWriting := 0
	for {
		if ctx.Err() != nil {
			t.Fatalf("reader: %d events read when the deadline passed", len(seen))
		}
		stillWriting := writing.Load()
		var p page
		a.get(fmt.Sprintf("/v1/events?after=%d&limit=500", after), adminToken, &p)
		for _, e := range p.Events {
			if e.Seq != after+1 {
				t.Fatalf("reader: after seq %d the log gave %d: an event was skipped", after, e.Seq)
			}
			k := e.Source + "\x00" + e.ID
			if prev, dup := seen[k]; dup {
				t.Fatalf("reader: %s/%s read at seq %d and %d", e.Source, e.ID, prev, e.Seq)
			}
			seen[k] = e.Seq
			after = e.Seq
		}
		if len(p.Events) > 0 && p.NextAfter != after {
			t.Fatalf("reader: next_after %d, want the page's last seq %d", p.NextAfter, after)
		}
		if stillWriting && len(p.Events) > 0 {
			pagesWhileWriting++
		}
		if !stillWriting && len(p.Events) == 0 {
			break
		}
	}
	rep := <-loadDone
	verifyLoad(t, evs, rep)
	if len(seen) != len(evs) {
		t.Errorf("reader read %d events, %d were stored", len(seen), len(evs))
	}
	for i := range evs {
		if seq, ok := seen[evs[i].key()]; !ok || seq != rep.Seq[evs[i].key()] {
			t.Fatalf("event %s: read at seq %d (%t), stored at %d", evs[i].ID, seq, ok, rep.Seq[evs[i].key()])
		}
	}
	if pagesWhileWriting < 10 {
		t.Errorf("only %d pages were read while the systems were appending; the test did not interleave", pagesWhileWriting)
	}
	t.Logf("read %d events in order, %d pages of them while four systems appended", len(seen), pagesWhileWriting)
}
