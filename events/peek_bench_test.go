package events_test

import (
	"testing"
	"time"

	"github.com/govpulse/govpulse/benchmark"
	"github.com/govpulse/govpulse/events"
)

// BenchmarkPeekDepartment measures ingest's authorisation reading of the
// department of each event of a 1,000-event batch, before validation.
func BenchmarkPeekDepartment(b *testing.B) {
	now := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	body := benchmark.Batches(benchmark.CaseEvents("bench", "b", 1000, now), 1000)[0]
	envs, err := events.DecodeRequest(body, events.ContentTypeBatch)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		for i := range envs {
			if _, d, ok := envs[i].PeekDepartment(); !ok || d == "" {
				b.Fatalf("event %d: no department", i)
			}
		}
	}
}
