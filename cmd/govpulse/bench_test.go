package main

import (
	"context"
	"testing"

	"github.com/govpulse/govpulse/benchmark"
	"github.com/govpulse/govpulse/internal/pgtest"
)

// The three ingest paths, each reporting events/s; run them together so
// they share the machine's state:
//
//	go test -run '^$' -bench Ingest -count 5 ./cmd/govpulse/
//
// Each iteration is one event, sent in 1,000-event batches (COPY, HTTP) or
// one message per event (watermill-sql).
func BenchmarkIngestCopyCeiling(b *testing.B)       { benchPath(b, "copy") }
func BenchmarkIngestHTTPBatches(b *testing.B)       { benchPath(b, "http") }
func BenchmarkIngestWatermillPerEvent(b *testing.B) { benchPath(b, "per-event") }

func benchPath(b *testing.B, path string) {
	ctx := context.Background()
	n := max(b.N, 1000)
	o := benchOptions{serverURL: pgtest.ServerURL(), events: n, batch: 1000, clients: 4, runs: 1, perEvent: n, publishers: 1}
	evs := benchmark.CaseEvents("bench", "go-bench", n, testNow())
	b.ResetTimer()
	var r benchmark.Result
	var err error
	switch path {
	case "copy":
		r, err = benchCopy(ctx, o, evs)
	case "http":
		r, err = benchHTTP(ctx, o, evs, "ingest_tally")
	case "http-all":
		r, err = benchHTTP(ctx, o, evs, "all")
	default:
		r, err = benchPerEvent(ctx, o, evs)
	}
	b.StopTimer()
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(r.Rate(), "events/s")
}
