package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/govpulse/govpulse/benchmark"
	"github.com/govpulse/govpulse/catalog"
	"github.com/govpulse/govpulse/demo"
	"github.com/govpulse/govpulse/projections"
)

// demoServerEnv is what a server on the demo year needs: the targets
// evaluated as of the year's last day, as examples/demo.env has it.
var demoServerEnv = map[string]string{"GOVPULSE_TARGETS_AS_OF": "2025-12-31"}

// demoYearStep loads a year of demo data (as make demo does) into a
// database that the later steps share.
func demoYearStep(o *benchOptions) benchmark.Step {
	return benchmark.Step{
		Name:  "demo-year",
		Title: "A year of demo data, loaded through the ingest API for the rebuild and /metrics steps",
		Run: func(ctx context.Context, r *benchmark.Run) error {
			cat, cal, err := demoReference()
			if err != nil {
				return err
			}
			opts := demo.DefaultOptions()
			opts.Scale = o.demoScale
			evs, err := demo.Generate(cat, cal, opts)
			if err != nil {
				return err
			}
			db, err := createScratchDB(ctx, o)
			if err != nil {
				return err
			}
			r.Shared["demo"] = db
			tokens := o.benchTokens()
			s, err := startBenchServer(ctx, o, tokens, db.url, "all", demoServerEnv)
			if err != nil {
				return err
			}
			pool, err := pgxpool.New(ctx, db.url)
			if err != nil {
				_ = stopBenchServer(r, s, "loading the demo year")
				return err
			}
			defer pool.Close()
			start := time.Now()
			sender := &demo.Sender{URL: s.URL, Tokens: tokens.demo, Batch: 1000, Concurrency: 4}
			res, err := sender.Send(ctx, evs)
			if err == nil {
				err = benchmark.EveryConsumerHas(pool, consumerNames()).Wait(ctx, 5*time.Minute)
			}
			took := time.Since(start)
			if e := stopBenchServer(r, s, "loading the demo year"); err == nil {
				err = e
			}
			if err != nil {
				return err
			}
			r.Add(benchmark.Figure{ID: "demo_load", Unit: "events/s", Runs: []float64{benchmark.Result{Events: res.Events, Elapsed: took}.Rate()},
				Name: fmt.Sprintf("govpulse demo's year (scale %g, %d events: cases, licences, hearings) sent by the demo's sender, until every read model has it", o.demoScale, res.Events),
				Note: "one run: it loads the data the next steps read"})
			r.Printf("loaded %d demo events in %s", res.Events, took.Round(time.Millisecond))
			return nil
		},
	}
}

// onDemoYear is the Run of a step that measures on the demo year's
// database, which the demo-year step leaves in r.Shared["demo"]; without
// it the step fails, naming the step it needs.
func onDemoYear(run func(ctx context.Context, r *benchmark.Run, db scratchDB) error) func(context.Context, *benchmark.Run) error {
	return func(ctx context.Context, r *benchmark.Run) error {
		db, ok := r.Shared["demo"].(scratchDB)
		if !ok {
			return errors.New("needs the demo-year step before it")
		}
		return run(ctx, r, db)
	}
}

// rebuildStep measures rebuilding every read model from the demo year's
// log beside a raw read of the same log, interleaved.
func rebuildStep(o *benchOptions) benchmark.Step {
	return benchmark.Step{
		Name:  "rebuild",
		Title: "Rebuild of all read models beside a raw read of the log (the demo year)",
		Run: onDemoYear(func(ctx context.Context, r *benchmark.Run, db scratchDB) error {
			pool, err := openMigrated(ctx, db.url)
			if err != nil {
				return err
			}
			defer pool.Close()
			cat, err := catalog.Default()
			if err != nil {
				return err
			}
			cal, err := openCalendar("", "Asia/Shanghai")
			if err != nil {
				return err
			}
			models := newConsumerSet(cal, cat, nil).ReadModels()
			var head int64
			if err := pool.QueryRow(ctx, `SELECT coalesce(max(seq), 0) FROM events`).Scan(&head); err != nil {
				return err
			}
			rebuildAll := func() (benchmark.Result, error) {
				start := time.Now()
				if _, err := projections.RebuildAll(ctx, pool, models, projections.RebuildOptions{}); err != nil {
					return benchmark.Result{}, err
				}
				return benchmark.Result{Events: int(head), Elapsed: time.Since(start)}, nil
			}
			rewriteAll := func() (benchmark.Result, error) {
				start := time.Now()
				for _, p := range models {
					t := pgx.Identifier{p.Table()}.Sanitize()
					c := pgx.Identifier{"bench_rewrite_" + p.Table()}.Sanitize()
					if _, err := pool.Exec(ctx, fmt.Sprintf(`DROP TABLE IF EXISTS %[2]s; CREATE TABLE %[2]s (LIKE %[1]s INCLUDING ALL);
						INSERT INTO %[2]s SELECT * FROM %[1]s; DROP TABLE %[2]s`, t, c)); err != nil {
						return benchmark.Result{}, fmt.Errorf("rewrite %s: %w", p.Table(), err)
					}
				}
				return benchmark.Result{Events: int(head), Elapsed: time.Since(start)}, nil
			}
			var rows int64
			for _, p := range models {
				var n int64
				if err := pool.QueryRow(ctx, `SELECT count(*) FROM `+pgx.Identifier{p.Table()}.Sanitize()).Scan(&n); err != nil {
					return err
				}
				rows += n
			}
			for run := 1; run <= o.runs; run++ {
				raw, err := benchmark.RawRead(ctx, pool, 50_000)
				if err != nil {
					return err
				}
				rb, err := rebuildAll()
				if err != nil {
					return err
				}
				rw, err := rewriteAll()
				if err != nil {
					return err
				}
				r.Add(
					benchmark.Figure{ID: "raw_read", Unit: "events/s", Runs: []float64{raw.Rate()},
						Name: fmt.Sprintf("raw read of the log: SELECT seq, envelope in seq order, 50,000-event chunks, nothing decoded (%d events)", raw.Events)},
					benchmark.Figure{ID: "rebuild", Unit: "events/s", Runs: []float64{rb.Rate()}, Baseline: "raw_read",
						Name: "rebuild of all read models together (one pass over the log, COPY into fresh tables, swap), per event in the log"},
					benchmark.Figure{ID: "table_rewrite", Unit: "events/s", Runs: []float64{rw.Rate()}, Baseline: "raw_read",
						Name: fmt.Sprintf("second baseline: writing the read models' %d rows alone, INSERT … SELECT of each table into a fresh one with its indexes inside the database (nothing read from the log, decoded or sent), per event in the log", rows)},
				)
				r.Printf("run %d/%d: raw read %.0f events/s, rebuild of all read models %.0f events/s, rewriting their tables %.0f events/s",
					run, o.runs, raw.Rate(), rb.Rate(), rw.Rate())
			}
			r.Note("The read models hold %d rows for %d events (%.2f per event): a rebuild writes nearly as many rows as it reads events, "+
				"each with its primary key, which a raw read does not; `table_rewrite` measures that writing alone.", rows, head, float64(rows)/float64(max(head, 1)))
			path, err := profileInProcess(o.profileDir, "rebuild.pprof", func() error { _, err := rebuildAll(); return err })
			if err != nil {
				return err
			}
			return noteProfile(r, path, "this process during one more rebuild of all read models (not counted)",
				profileShare{"decoding and folding the events", []string{"projections.replay.func"}},
				profileShare{"the strict reading of the stored events (events package, jsontext)", []string{"govpulse/events.", "jsontext."}},
				profileShare{"reading the log", []string{"projections.(*logReader).read", "postgres.ReadRange"}},
				profileShare{"COPY into the new tables", []string{"projections.(*copyReader)", "pgconn.(*PgConn).CopyFrom"}},
				profileShare{"allocation and garbage collection", []string{"runtime.gcBgMarkWorker", "runtime.gcDrain", "runtime.mallocgc"}})
		}),
	}
}

// metricsStep measures the first /metrics scrape of a freshly started
// server on the demo year.
func metricsStep(o *benchOptions) benchmark.Step {
	return benchmark.Step{
		Name:  "metrics",
		Title: "Cold /metrics scrape with a year of demo data",
		Run: onDemoYear(func(ctx context.Context, r *benchmark.Run, db scratchDB) error {
			tokens := o.benchTokens()
			collectors := map[string][]float64{} // collector → its duration in each cold scrape, ms
			for run := 1; run <= o.runs; run++ {
				s, err := startBenchServer(ctx, o, tokens, db.url, "all", demoServerEnv)
				if err != nil {
					return err
				}
				cold, body, err := scrape(ctx, s.URL)
				var warm, expired time.Duration
				if err == nil {
					warm, _, err = scrape(ctx, s.URL)
				}
				if err == nil {
					// Past the read models' 10 s cache, and the first target
					// evaluation, which ran beside the cold scrape, long done.
					select {
					case <-ctx.Done():
						err = ctx.Err()
					case <-time.After(metricsCacheFor + time.Second):
					}
				}
				if err == nil {
					expired, _, err = scrape(ctx, s.URL)
				}
				for name, d := range collectorDurations(body) {
					collectors[name] = append(collectors[name], d)
				}
				if e := stopBenchServer(r, s, "cold /metrics on the demo year"); err == nil {
					err = e
				}
				if err != nil {
					return err
				}
				r.Add(
					benchmark.Figure{ID: "metrics_cold", Unit: "ms", Runs: []float64{ms(cold)}, Baseline: "metrics_warm",
						Name: "first GET /metrics of a govpulse serve just started (ready) on the demo year: read models read, nothing cached"},
					benchmark.Figure{ID: "metrics_warm", Unit: "ms", Runs: []float64{ms(warm)},
						Name: "baseline: the next scrape, right after, domain metrics from the collector's cache"},
					benchmark.Figure{ID: "metrics_expired", Unit: "ms", Runs: []float64{ms(expired)}, Baseline: "metrics_warm",
						Name: fmt.Sprintf("a scrape %s later, once the read models' cache has expired (what every scrape pays each %s), nothing else starting beside it", metricsCacheFor+time.Second, metricsCacheFor)},
				)
				r.Printf("run %d/%d: cold scrape %.1f ms, warm %.1f ms, after the cache expired %.1f ms", run, o.runs, ms(cold), ms(warm), ms(expired))
			}
			pool, err := pgxpool.New(ctx, db.url)
			if err != nil {
				return err
			}
			defer pool.Close()
			var rows int64
			if err := pool.QueryRow(ctx, `SELECT count(*) FROM case_stats`).Scan(&rows); err != nil {
				return err
			}
			var b strings.Builder
			fmt.Fprintf(&b, "What the cold scrapes spent, by collector (`govpulse_scrape_collector_duration_seconds` of each cold scrape, median ms; they run at once, so the scrape waits for the slowest); case_stats holds %d rows for the demo year:\n\n| collector | median ms |\n|---|---:|\n", rows)
			for _, name := range slices.Sorted(maps.Keys(collectors)) {
				fmt.Fprintf(&b, "| %s | %.1f |\n", name, benchmark.Figure{Runs: collectors[name]}.Median())
			}
			r.Note("%s", b.String())
			return nil
		}),
	}
}

// metricsCacheFor is how long govpulse serve keeps the read models'
// metrics (collector.NewExporter).
const metricsCacheFor = 10 * time.Second

// scrape times one GET /metrics (compressed, as Prometheus asks for it)
// and checks that it holds domain metrics.
func scrape(ctx context.Context, base string) (time.Duration, string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/metrics", nil)
	if err != nil {
		return 0, "", err
	}
	start := time.Now()
	resp, err := http.DefaultClient.Do(req) // asks for gzip and inflates
	if err != nil {
		return 0, "", err
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	took := time.Since(start)
	if err != nil {
		return 0, "", err
	}
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), "govpulse_cases_finished_total{") {
		return 0, "", fmt.Errorf("GET /metrics: HTTP %d without the case metrics: %.300s", resp.StatusCode, body)
	}
	return took, string(body), nil
}

// collectorDurations reads govpulse_scrape_collector_duration_seconds from
// a scrape, in milliseconds by collector.
func collectorDurations(body string) map[string]float64 {
	out := map[string]float64{}
	for _, line := range strings.Split(body, "\n") {
		rest, ok := strings.CutPrefix(line, `govpulse_scrape_collector_duration_seconds{collector="`)
		if !ok {
			continue
		}
		name, value, ok := strings.Cut(rest, `"} `)
		if v, err := strconv.ParseFloat(strings.TrimSpace(value), 64); ok && err == nil {
			out[name] = v * 1000
		}
	}
	return out
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
