package postgres

import (
	"slices"
	"sync"
	"sync/atomic"

	"github.com/govpulse/govpulse/events"
)

// RecentBatches keeps, in memory, the events of the batches this process
// has just appended, with the payload ingest read from each one
// (events.Recorded.Decoded), so that the consumers running here apply
// them without reading them back from the log and without decoding them
// again. It only supplies the events: the ledger still decides, in the
// consumer's transaction, which batches are applied, and a batch it does
// not hold (another instance's, one appended before a restart, one
// evicted) is read from the log as before.
//
// A batch is put only once its append has committed: a rolled-back
// append's seqs are given to the next append, so holding its events
// before the commit could hand a consumer events the log never stored.
// It is dropped once every consumer here has read it, or when the cache
// is over its count or its bytes (the oldest first).
type RecentBatches struct {
	// readers is how many consumers read each batch.
	readers  int
	maxCount int
	maxBytes int64

	mu      sync.Mutex
	byFirst map[int64]*recentBatch
	order   []int64 // first seqs, oldest first; may hold dropped ones
	bytes   int64

	hits, misses atomic.Int64
}

// recentBatch is one appended batch's events, in log order.
type recentBatch struct {
	batch events.Batch
	recs  []events.Recorded
	bytes int64
	// left is how many consumers have yet to read it.
	left int
}

// Limits of a RecentBatches: a batch of 1,000 case events takes about
// 1.5 MB (its envelopes and their payloads), and a consumer catching up
// reaches 20 batches ahead (bus.Config.ApplyAhead).
const (
	DefaultRecentBatches = 64
	DefaultRecentBytes   = 64 << 20
)

// NewRecentBatches returns a cache for readers consumers, holding at most
// maxCount batches and about maxBytes bytes.
func NewRecentBatches(readers, maxCount int, maxBytes int64) *RecentBatches {
	return &RecentBatches{readers: readers, maxCount: maxCount, maxBytes: maxBytes, byFirst: map[int64]*recentBatch{}}
}

// Hits counts batches a consumer got from the cache.
func (c *RecentBatches) Hits() int64 { return c.hits.Load() }

// Misses counts batches a consumer read from the log instead, as the
// cache lacked them or another batch it read with them.
func (c *RecentBatches) Misses() int64 { return c.misses.Load() }

// recordedSize is roughly what an event takes in the cache: its envelope
// and the strings of its payload, which are about as long again, and
// their headers.
func recordedSize(r events.Recorded) int64 { return 2*int64(len(r.Envelope)) + 512 }

// put keeps the events of batch b, committed to the log, in log order.
func (c *RecentBatches) put(b events.Batch, recs []events.Recorded) {
	if c == nil || c.readers <= 0 || len(recs) != b.Count() {
		return
	}
	e := &recentBatch{batch: b, recs: recs, left: c.readers}
	for _, r := range recs {
		e.bytes += recordedSize(r)
	}
	if e.bytes > c.maxBytes {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.byFirst[b.First] = e
	c.order = append(c.order, b.First)
	c.bytes += e.bytes
	for len(c.byFirst) > c.maxCount || c.bytes > c.maxBytes {
		c.dropLocked(c.order[0])
		c.order = c.order[1:]
	}
	if len(c.order) > 4*c.maxCount {
		// Batches dropped as read leave their seqs behind: compact.
		kept := c.order[:0]
		for _, f := range c.order {
			if c.byFirst[f] != nil {
				kept = append(kept, f)
			}
		}
		c.order = kept
	}
}

func (c *RecentBatches) dropLocked(first int64) {
	if e := c.byFirst[first]; e != nil {
		c.bytes -= e.bytes
		delete(c.byFirst, first)
	}
}

// read returns the events of batches (sorted by seq, not overlapping) as
// readBatches would read them with read, when the cache holds every one
// of them; it counts each batch as read by one more consumer.
func (c *RecentBatches) read(batches []events.Batch, read Reading) ([]events.Recorded, bool) {
	if c == nil {
		return nil, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for _, b := range batches {
		e := c.byFirst[b.First]
		if e == nil || e.batch.First != b.First || e.batch.Last != b.Last {
			c.misses.Add(int64(len(batches)))
			return nil, false
		}
		n += len(e.recs)
	}
	c.hits.Add(int64(len(batches)))
	out := make([]events.Recorded, 0, n)
	for _, b := range batches {
		e := c.byFirst[b.First]
		for _, r := range e.recs {
			switch {
			case read.EnvelopeTypes == nil:
			case read.Only && !slices.Contains(read.EnvelopeTypes, r.Type):
				continue
			case !slices.Contains(read.EnvelopeTypes, r.Type):
				r.Envelope, r.Decoded = nil, nil
			}
			out = append(out, r)
		}
		if e.left--; e.left <= 0 {
			c.dropLocked(b.First)
		}
	}
	if len(out) == 0 {
		out = nil // as the log answers
	}
	return out, true
}
