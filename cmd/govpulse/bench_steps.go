package main

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/govpulse/govpulse/benchmark"
	"github.com/govpulse/govpulse/projections"
)

// benchSteps is the plan of govpulse bench, in the order the steps run.
// Steps that read the demo year (rebuild, metrics) run after demo-year,
// which leaves its database in run.Shared["demo"].
// The portal step (issue 9) adds portal_search_p99, portal_page_p99 and
// portal_match_p99 (ms), held to benchBars.
func benchSteps(o *benchOptions) []benchmark.Step {
	return []benchmark.Step{
		ingestStep(o),
		strictReadingStep(o),
		lagStep(o),
		demoYearStep(o),
		rebuildStep(o),
		metricsStep(o),
		portalStep(o),
	}
}

// consumerNames are every consumer of a server running all of them.
func consumerNames() []string {
	names := []string{projections.IngestTally{}.Name()}
	for _, p := range projections.ReadModels(nil, nil) {
		names = append(names, p.Name())
	}
	return names
}

func ingestStep(o *benchOptions) benchmark.Step {
	return benchmark.Step{
		Name:  "ingest",
		Title: "Ingest: COPY ceiling, HTTP to the tally, HTTP until every read model has applied, watermill-sql one event per message",
		Run: func(ctx context.Context, r *benchmark.Run) error {
			tokens := o.benchTokens()
			for run := 1; run <= o.runs; run++ {
				evs := benchmark.CaseEvents(benchSource, fmt.Sprintf("r%d-%d", run, time.Now().UnixNano()), o.events, time.Now())
				cp, err := benchCopy(ctx, o, evs)
				if err != nil {
					return err
				}
				tally, err := benchHTTP(ctx, o, r, tokens, evs, "ingest_tally", nil)
				if err != nil {
					return err
				}
				full, err := benchHTTP(ctx, o, r, tokens, evs, "all", nil)
				if err != nil {
					return err
				}
				per, err := benchPerEvent(ctx, o, evs[:min(o.perEvent, len(evs))])
				if err != nil {
					return err
				}
				r.Add(
					benchmark.Figure{ID: "copy", Name: fmt.Sprintf("COPY ceiling: pgx COPY of the same rows into an events-shaped table, %d-row transactions", o.batch),
						Unit: "events/s", Runs: []float64{cp.Rate()}},
					benchmark.Figure{ID: "ingest_tally", Name: fmt.Sprintf("HTTP ingest, %d-event batches, %d clients, durable, until the tally has applied every event", o.batch, o.clients),
						Unit: "events/s", Runs: []float64{tally.Rate()}, Baseline: "copy"},
					benchmark.Figure{ID: "e2e", Name: "the same with every consumer running, until every read model (case_stats, license_stats, lawsuit_stats) and the tally have applied every event",
						Unit: "events/s", Runs: []float64{full.Rate()}, Baseline: "copy"},
					benchmark.Figure{ID: "per_event", Name: fmt.Sprintf("watermill-sql, one event per message, %d publisher(s), a consumer group acking each", o.publishers),
						Unit: "events/s", Runs: []float64{per.Rate()}},
				)
				r.Printf("run %d/%d: copy %.0f/s, to the tally %.0f/s, to every read model %.0f/s, watermill-sql per event %.0f/s",
					run, o.runs, cp.Rate(), tally.Rate(), full.Rate(), per.Rate())
			}
			figs := r.Figures()
			med := func(id string) float64 {
				for _, f := range figs {
					if f.ID == id {
						return f.Median()
					}
				}
				return 0
			}
			r.Note("(2)/(1), issue 7's figure for the cost of the strict JSON reading (HTTP ingest to the tally over the COPY ceiling): **%.0f%%** in this run; "+
				"issue 7 measured 41%% before the strict reading and 43%% after it (medians of 16 single-run pairs on a loaded machine). "+
				"End to end with every read model: %.0f%% of the COPY ceiling and %.1f× watermill-sql with one event per message.",
				100*med("ingest_tally")/med("copy"), 100*med("e2e")/med("copy"), med("e2e")/med("per_event"))
			// One more end-to-end run, not counted, with the server profiled.
			evs := benchmark.CaseEvents(benchSource, fmt.Sprintf("prof-%d", time.Now().UnixNano()), o.events, time.Now())
			seconds := int(math.Ceil(float64(o.events)/math.Max(med("e2e"), 1))) + 1
			var profile string
			_, err := benchHTTP(ctx, o, r, tokens, evs, "all", func(s *benchmark.Server) func() error {
				done := make(chan error, 1)
				go func() {
					var err error
					profile, err = s.CPUProfile(ctx, time.Duration(seconds)*time.Second, o.profileDir, "e2e-serve.pprof")
					done <- err
				}()
				return func() error { return <-done }
			})
			if err != nil {
				return fmt.Errorf("profiled run: %w", err)
			}
			return noteProfile(r, profile, "govpulse serve during one more end-to-end run (not counted)",
				profileShare{"the HTTP ingest handler (strict reading, validation, append)", []string{"httpapi.(*Server).ingest"}},
				profileShare{"the consumers (deliveries and catch-ups on append)", []string{"bus.(*consumerHandler).apply", "bus.(*catchUp).run"}},
				profileShare{"reading batches (from the log, or from memory for the batches this instance appended)", []string{"postgres.(*EventStore).ReadBatch", "postgres.(*EventStore).readBatches"}},
				profileShare{"the read models' folding", []string{"projections.(*Projection).Apply"}},
				profileShare{"the strict reading of JSON (events package, jsontext), ingest and read models together", []string{"govpulse/events.", "jsontext."}},
				profileShare{"allocation and garbage collection", []string{"runtime.gcBgMarkWorker", "runtime.gcDrain", "runtime.mallocgc"}})
		},
	}
}

// profileShare names functions of a profile whose time (with what they
// call) the report gives as a share of the whole.
type profileShare struct {
	what  string
	parts []string
}

// noteProfile adds to the report how many cores the profiled process got,
// the shares of the time under the functions of shares, and the profile's
// top entries.
func noteProfile(r *benchmark.Run, path, what string, shares ...profileShare) error {
	top, err := benchmark.TopEntries(path, 12)
	if err != nil {
		return err
	}
	cpu, wall, err := benchmark.ProfileCPU(path)
	if err != nil {
		return err
	}
	var b strings.Builder
	fmt.Fprintf(&b, "CPU profile of %s (`%s`): %.1f s on CPU in %.1f s, %.2f of the %d cores.",
		what, filepath.Base(path), cpu.Seconds(), wall.Seconds(), cpu.Seconds()/max(wall.Seconds(), 0.001), runtime.NumCPU())
	if len(shares) > 0 {
		var parts []string
		for _, sh := range shares {
			v, err := benchmark.CumulativeOf(path, sh.parts...)
			if err != nil {
				return err
			}
			parts = append(parts, fmt.Sprintf("%s %.0f%%", sh.what, 100*v))
		}
		fmt.Fprintf(&b, " Of its time: %s.", strings.Join(parts, ", "))
	}
	fmt.Fprintf(&b, " Top entries by own time:\n\n%s", benchmark.FormatTop(top))
	r.Note("%s", b.String())
	return nil
}

// benchCopy measures the COPY ceiling on a scratch database.
func benchCopy(ctx context.Context, o *benchOptions, evs []json.RawMessage) (r benchmark.Result, err error) {
	err = withScratchPool(ctx, o, openMigrated, func(pool *pgxpool.Pool) error {
		r, err = benchmark.CopyCeiling(ctx, pool, evs, o.batch)
		return err
	})
	return r, err
}

// benchHTTP starts govpulse serve (Postgres bus) with consumers on a
// scratch database and measures HTTP batch ingest until the tally
// ("ingest_tally") or every consumer ("all") has applied every event.
// during, when set, is called once the server runs and returns what to
// wait for once the ingest is measured.
func benchHTTP(ctx context.Context, o *benchOptions, run *benchmark.Run, tokens benchTokens, evs []json.RawMessage, consumers string,
	during func(*benchmark.Server) func() error) (r benchmark.Result, err error) {
	err = withScratchDB(ctx, o, func(db scratchDB) error {
		s, err := startBenchServer(ctx, o, tokens, db.url, consumers, nil)
		if err != nil {
			return err
		}
		defer func() {
			if e := stopBenchServer(run, s, "ingest to "+consumers); err == nil {
				err = e
			}
		}()
		pool, err := pgxpool.New(ctx, db.url)
		if err != nil {
			return err
		}
		defer pool.Close()
		applied := benchmark.EveryConsumerHas(pool, consumerNames())
		if consumers == "ingest_tally" {
			if applied, err = benchmark.TallyHas(ctx, pool, benchSource, len(evs)); err != nil {
				return err
			}
		}
		var wait func() error
		if during != nil {
			wait = during(s)
		}
		r, err = benchmark.HTTPIngest(ctx, s.URL, tokens.bench, evs, o.batch, o.clients, applied)
		if wait != nil {
			err = joinFirst(err, wait())
		}
		return err
	})
	return r, err
}

func joinFirst(a, b error) error {
	if a != nil {
		return a
	}
	return b
}

// benchPerEvent measures watermill-sql with one event per message.
func benchPerEvent(ctx context.Context, o *benchOptions, evs []json.RawMessage) (r benchmark.Result, err error) {
	err = withScratchPool(ctx, o, pgxpool.New, func(pool *pgxpool.Pool) error {
		r, err = benchmark.WatermillSQLPerEvent(ctx, pool, evs, o.publishers)
		return err
	})
	return r, err
}

// benchTokens returns the invocation's tokens, made on first use.
func (o *benchOptions) benchTokens() benchTokens {
	if o.tokens.bench == "" {
		o.tokens = newBenchTokens()
	}
	return o.tokens
}

// profileInProcess runs f under this process's CPU profiler and returns
// the profile's path.
func profileInProcess(dir, name string, f func() error) (string, error) {
	path := filepath.Join(dir, name)
	file, err := os.Create(path)
	if err != nil {
		return "", err
	}
	defer file.Close()
	if err := pprof.StartCPUProfile(file); err != nil {
		return "", err
	}
	err = f()
	pprof.StopCPUProfile()
	return path, err
}
