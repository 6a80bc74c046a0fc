package postgres_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/govpulse/govpulse/internal/pgtest"
	"github.com/govpulse/govpulse/postgres"
)

// BenchmarkAppend measures appends of 1,000-event batches from 4 writers
// (no outbox, no HTTP): the store's own ceiling under its append lock.
func BenchmarkAppend(b *testing.B) {
	store := &postgres.EventStore{Pool: pgtest.NewPool(b)}
	const size, writers = 1000, 4
	batches := max(b.N/size, writers)
	b.ResetTimer()
	start := time.Now()
	var wg sync.WaitGroup
	for w := 0; w < writers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := w; i < batches; i += writers {
				ids := make([]string, size)
				for j := range ids {
					ids[j] = fmt.Sprintf("%d-%d", i, j)
				}
				if _, err := store.Append(context.Background(), "a", newEvents("a", ids...)); err != nil {
					b.Error(err)
					return
				}
			}
		}(w)
	}
	wg.Wait()
	b.ReportMetric(float64(batches*size)/time.Since(start).Seconds(), "events/s")
}
