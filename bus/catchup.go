package bus

import (
	"context"
	"sync"

	"github.com/govpulse/govpulse/events"
	"github.com/govpulse/govpulse/postgres"
)

// Catching up on a local append (Config.CatchUpOnAppend): once an append
// of this process has committed, the event store tells the bus
// (postgres.AppendListener) and every consumer running here applies the
// batches of the log it lacks, from log_batches, without waiting for the
// bus to deliver them. On the Postgres bus a delivery waits for its poll
// and for every older transaction on the whole server to end (watermill-
// sql reads messages below the server's oldest running transaction); a
// catch-up waits for neither.
//
// The catch-up applies through the same ApplyAhead as a delivery, so the
// ledger keeps each batch's effect exactly once: the delivery that comes
// later is skipped, and a delivery and a catch-up applying one batch at
// the same moment wait for each other's row in the ledger. It is only a
// shortcut: a batch it cannot apply is left to its delivery, which
// retries it and poisons it as ever, and a batch appended by another
// instance, or before this one started, is delivered as before.

// catchUp is one consumer's catch-up.
type catchUp struct {
	h *consumerHandler
	// wake holds a pending wake-up; appends while a catch-up runs
	// coalesce into one more pass.
	wake chan struct{}
}

// Appended wakes the catch-up of every consumer running here
// (postgres.AppendListener); it never blocks the append.
func (b *Bus) Appended(events.Batch) {
	if !b.cfg.CatchUpOnAppend || !b.started.Load() {
		return
	}
	for _, c := range b.catchUps {
		select {
		case c.wake <- struct{}{}:
		default:
		}
	}
}

// catchUpFrom returns the seq after which the catch-ups apply batches:
// the head of the log; false when they do not run.
func (b *Bus) catchUpFrom(ctx context.Context) (int64, bool) {
	if !b.cfg.CatchUpOnAppend || len(b.catchUps) == 0 {
		return 0, false
	}
	head, err := postgres.LogBatchesHead(ctx, b.pool)
	if err != nil {
		b.log.Warn("catch-up on append off: read the head of the log", "err", err)
		return 0, false
	}
	return head, true
}

// runCatchUps runs every consumer's catch-up, from the batches after seq
// head, until ctx is done.
func (b *Bus) runCatchUps(ctx context.Context, head int64) {
	var wg sync.WaitGroup
	for _, c := range b.catchUps {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c.run(ctx, head)
		}()
	}
	wg.Wait()
}

// run applies, on every wake-up, the batches after seq after that the
// consumer lacks, in log order.
func (c *catchUp) run(ctx context.Context, after int64) {
	h := c.h
	name := h.consumer.Name()
	for {
		select {
		case <-ctx.Done():
			return
		case <-c.wake:
		}
		for ctx.Err() == nil {
			applied, through, err := h.bus.store.ApplyNext(ctx, name, after, h.reading(), h.bus.cfg.ahead(), h.consumer.Apply)
			if err == nil {
				if through == after {
					break // none left
				}
				h.bus.caughtUp.WithLabelValues(name).Add(float64(len(applied)))
				for _, b := range applied {
					h.caught.add(b.First)
				}
				after = through
				continue
			}
			if postgres.IsUnavailable(err) || ctx.Err() != nil {
				// The next wake-up tries again from the same batch.
				break
			}
			// One of the batches failed: the first is tried alone (with
			// ApplyAhead's fallback), and if it fails it is left to its
			// delivery, which retries it, then poisons it.
			next, ok, err := postgres.NextUnapplied(ctx, h.bus.pool, name, after)
			if err != nil || !ok {
				break
			}
			if _, err := h.apply(ctx, next, false); err != nil {
				if postgres.IsUnavailable(err) || ctx.Err() != nil {
					break
				}
				h.bus.log.Debug("catch-up on append: batch left to its delivery", "consumer", name,
					"first_seq", next.First, "last_seq", next.Last, "err", err)
			} else {
				h.caught.add(next.First)
			}
			after = next.Last
		}
	}
}

// caughtBatches are the first seqs of batches a catch-up applied, so that
// their deliveries skip them without asking the ledger. At most
// maxCaught are kept (a delivery may go to another instance and never
// come here); past that the set starts again, and deliveries ask the
// ledger, as they always may.
type caughtBatches struct {
	mu     sync.Mutex
	firsts map[int64]struct{}
}

const maxCaught = 4096

func (s *caughtBatches) add(first int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.firsts == nil || len(s.firsts) >= maxCaught {
		s.firsts = make(map[int64]struct{})
	}
	s.firsts[first] = struct{}{}
}

// take reports whether the set holds first, and removes it.
func (s *caughtBatches) take(first int64) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, ok := s.firsts[first]
	delete(s.firsts, first)
	return ok
}
