package httpapi

import (
	"context"
	"runtime"
	"time"
)

// Ingest requests are processed a few at a time (Limits.MaxInflight):
// one holds its body and every decoded event until it is stored, so under
// overload, with senders that do not wait for answers, memory would grow
// with every request in flight. A request beyond the limit waits, its
// body still unread, for up to Limits.InflightWait, then gets 503 with
// Retry-After.

// defaultInflightPerCore is MaxInflight's default, per core: enough to
// keep the cores and the database busy while requests wait on appends.
const defaultInflightPerCore = 4

// newIngestSlots returns the semaphore of ingest requests in flight.
func newIngestSlots(limit int) chan struct{} {
	if limit <= 0 {
		limit = defaultInflightPerCore * runtime.GOMAXPROCS(0)
	}
	return make(chan struct{}, limit)
}

// ingestSlot waits for a free slot and returns its release, or an
// unavailable error once the wait is over.
func (s *Server) ingestSlot(ctx context.Context) (func(), error) {
	release := func() { <-s.slots }
	select {
	case s.slots <- struct{}{}:
		return release, nil
	default:
	}
	wait := s.Limits.InflightWait
	if wait <= 0 {
		wait = 10 * time.Second
	}
	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case s.slots <- struct{}{}:
		return release, nil
	case <-t.C:
	case <-ctx.Done():
	}
	e := errorf(EUnavailable, "too many ingest requests in flight; retry after the Retry-After header")
	e.RetryAfter = time.Second
	return nil, e
}
