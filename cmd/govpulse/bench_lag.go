package main

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/govpulse/govpulse/benchmark"
)

// lagPoll is how often the lag step looks for applied batches: the
// resolution of its figures.
const lagPoll = 10 * time.Millisecond

func lagStep(o *benchOptions) benchmark.Step {
	return benchmark.Step{
		Name:  "lag",
		Title: fmt.Sprintf("Projection lag at %.0f events/s sustained", o.lagRate),
		Run: func(ctx context.Context, r *benchmark.Run) error {
			tokens := o.benchTokens()
			low := o.lagRate / 10
			for run := 1; run <= o.runs; run++ {
				base, err := benchLag(ctx, o, r, tokens, low, (o.lagFor / 3).Round(time.Second/10))
				if err != nil {
					return err
				}
				res, err := benchLag(ctx, o, r, tokens, o.lagRate, o.lagFor)
				if err != nil {
					return err
				}
				r.Add(
					benchmark.Figure{ID: "lag_p99", Unit: "s", Runs: []float64{res.P99.Seconds()}, Baseline: "lag_p99_low",
						Name: fmt.Sprintf("lag p99 at %.0f events/s for %s (%d-event requests, open loop), from a batch's 200 answer until every consumer has applied it",
							o.lagRate, o.lagFor, o.lagBatch)},
					benchmark.Figure{ID: "lag_p50", Unit: "s", Runs: []float64{res.P50.Seconds()}, Name: "lag p50, same runs"},
					benchmark.Figure{ID: "lag_max", Unit: "s", Runs: []float64{res.Max.Seconds()}, Name: "lag max, same runs"},
					benchmark.Figure{ID: "lag_rate", Unit: "events/s", Runs: []float64{res.Rate}, Name: "rate actually sent"},
					benchmark.Figure{ID: "lag_p99_low", Unit: "s", Runs: []float64{base.P99.Seconds()},
						Name: fmt.Sprintf("baseline: lag p99 at %.0f events/s for %s, same requests", low, (o.lagFor / 3).Round(time.Second/10))},
				)
				r.Printf("run %d/%d: at %.0f events/s lag p50 %.3fs p99 %.3fs max %.3fs; at %.0f events/s p99 %.3fs",
					run, o.runs, res.Rate, res.P50.Seconds(), res.P99.Seconds(), res.Max.Seconds(), base.Rate, base.P99.Seconds())
			}
			var e2e, sent float64
			for _, f := range r.Figures() {
				switch f.ID {
				case "e2e":
					e2e = f.Median()
				case "lag_rate":
					sent = f.Median()
				}
			}
			if e2e > 0 && e2e < sent {
				r.Note("The rate offered (%.0f events/s) is above what the ingest step measured end to end in this run (`e2e`, %.0f events/s, every consumer applied): "+
					"the consumers fall behind by about %.0f events every second, so the lag grows through the run and its p99 is near the run's length, "+
					"not a property of the path. The bar needs end-to-end throughput well above the offered rate on this machine while it runs.",
					sent, e2e, sent-e2e)
			}
			r.Note("The lag is seen from outside, as a reader of the read models would: a watcher polls `consumer_batches` every %s "+
				"for batches every consumer (the tally and the three read models) has committed, so each figure includes up to %s of polling. "+
				"Requests leave on a fixed schedule whatever the answers (open loop), so a slow answer does not lower the rate.", lagPoll, lagPoll)
			return nil
		},
	}
}

// benchLag measures lag at rate for d on a fresh database and server.
func benchLag(ctx context.Context, o *benchOptions, run *benchmark.Run, tokens benchTokens, rate float64, d time.Duration) (res benchmark.LagResult, err error) {
	err = withScratchDB(ctx, o, func(db scratchDB) error {
		s, err := startBenchServer(ctx, o, tokens, db.url, "all", nil)
		if err != nil {
			return err
		}
		defer func() {
			if e := stopBenchServer(run, s, fmt.Sprintf("lag at %.0f events/s", rate)); err == nil {
				err = e
			}
		}()
		pool, err := pgxpool.New(ctx, db.url)
		if err != nil {
			return err
		}
		defer pool.Close()
		n := int(rate * d.Seconds())
		evs := benchmark.CaseEvents(benchSource, fmt.Sprintf("lag-%d", time.Now().UnixNano()), n, time.Now())
		res, err = benchmark.SustainedIngest(ctx, s.URL, tokens.bench, pool, consumerNames(), evs, rate, o.lagBatch, lagPoll)
		return err
	})
	return res, err
}
