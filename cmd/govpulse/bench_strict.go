package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/govpulse/govpulse/benchmark"
	"github.com/govpulse/govpulse/catalog"
	"github.com/govpulse/govpulse/events"
)

// strictReadingStep times ingest's CPU path for one 1,000-event batch (the
// strict reading, then validation) beside encoding/json's Valid of the
// same bytes, in this process.
func strictReadingStep(o *benchOptions) benchmark.Step {
	return benchmark.Step{
		Name:  "strict-reading",
		Title: "The strict reading: decoding and validating one 1,000-event batch",
		Run: func(ctx context.Context, r *benchmark.Run) error {
			now := time.Now()
			body := benchmark.Batches(benchmark.CaseEvents(benchSource, "strict", 1000, now), 1000)[0]
			cat, err := catalog.Default()
			if err != nil {
				return err
			}
			v := &events.Validator{Catalog: cat, MaxClockSkew: 5 * time.Minute, Now: func() time.Time { return now }}
			const reps = 30
			for run := 1; run <= o.runs; run++ {
				strict := timeEach(reps, func() error {
					envs, err := events.DecodeRequest(body, events.ContentTypeBatch)
					if err != nil {
						return err
					}
					if _, ps := v.ValidateAll(envs); len(ps) > 0 {
						return fmt.Errorf("bench batch refused: %s: %s", ps[0].Field, ps[0].Reason)
					}
					return nil
				})
				if strict.err != nil {
					return strict.err
				}
				valid := timeEach(reps, func() error {
					if !json.Valid(body) {
						return errors.New("bench batch is not JSON")
					}
					return nil
				})
				r.Add(
					benchmark.Figure{ID: "strict_batch", Unit: "ms", Runs: []float64{ms(strict.median)}, Baseline: "json_valid",
						Name: "events.DecodeRequest then ValidateAll of one 1,000-event batch (median of 30 in each run)"},
					benchmark.Figure{ID: "json_valid", Unit: "ms", Runs: []float64{ms(valid.median)},
						Name: "baseline: encoding/json Valid of the same bytes (the check before the strict reading)"},
				)
				r.Printf("run %d/%d: strict reading and validation %.2f ms per batch, json.Valid %.2f ms", run, o.runs, ms(strict.median), ms(valid.median))
			}
			return nil
		},
	}
}

type timing struct {
	median time.Duration
	err    error
}

// timeEach runs f n times and returns the median duration.
func timeEach(n int, f func() error) timing {
	ds := make([]float64, n)
	for i := range ds {
		start := time.Now()
		if err := f(); err != nil {
			return timing{err: err}
		}
		ds[i] = float64(time.Since(start))
	}
	return timing{median: time.Duration(benchmark.Figure{Runs: ds}.Median())}
}
