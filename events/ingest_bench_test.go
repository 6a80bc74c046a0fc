package events_test

import (
	"testing"
	"time"

	"github.com/govpulse/govpulse/benchmark"
	"github.com/govpulse/govpulse/catalog"
	"github.com/govpulse/govpulse/events"
)

// BenchmarkDecodeValidate measures ingest's CPU path for one 1,000-event
// batch: the strict reading, then validation. Compare with
// BenchmarkDecodeStored, the read models' reading of the same events.
func BenchmarkDecodeValidate(b *testing.B) {
	now := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	body := benchmark.Batches(benchmark.CaseEvents("bench", "b", 1000, now), 1000)[0]
	cat, err := catalog.Load("")
	if err != nil {
		b.Fatal(err)
	}
	v := &events.Validator{Catalog: cat, Now: func() time.Time { return now }}
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		envs, err := events.DecodeRequest(body, events.ContentTypeBatch)
		if err != nil {
			b.Fatal(err)
		}
		if _, ps := v.ValidateAll(envs); len(ps) > 0 {
			b.Fatal(ps)
		}
	}
}

// BenchmarkDecodeStored measures the read models' reading of 1,000 stored
// case events.
func BenchmarkDecodeStored(b *testing.B) {
	now := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	evs := benchmark.CaseEvents("bench", "b", 1000, now)
	b.ReportAllocs()
	for b.Loop() {
		for _, e := range evs {
			if _, err := events.DecodeStored(events.TypeCaseFinished, e); err != nil {
				b.Fatal(err)
			}
		}
	}
}

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
