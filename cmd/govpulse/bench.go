package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/govpulse/govpulse/benchmark"
	"github.com/govpulse/govpulse/config"
	"github.com/govpulse/govpulse/postgres"
)

// benchOptions are the flags of govpulse bench.
type benchOptions struct {
	serverURL  string
	events     int
	batch      int
	clients    int
	runs       int
	perEvent   int
	publishers int

	ingest, portal bool
	portalOpts     benchmark.PortalOptions
}

// runBench measures, in one run, the COPY ceiling, HTTP batch ingest end to
// end, and watermill-sql with one event per message, each on a scratch
// database, and prints medians and the ratios the project holds itself to.
func runBench(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cfg := config.Default()
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	if err := cfg.Register(fs, getenv, "database-url"); err != nil {
		return err
	}
	var o benchOptions
	fs.IntVar(&o.events, "events", 100_000, "events per run for the COPY ceiling and HTTP ingest")
	fs.IntVar(&o.batch, "batch", 1000, "events per HTTP request and per COPY transaction")
	fs.IntVar(&o.clients, "clients", 4, "concurrent HTTP clients")
	fs.IntVar(&o.runs, "runs", 5, "runs of each measurement; medians are reported")
	fs.IntVar(&o.perEvent, "per-event-messages", 20_000, "messages per run for the one-event-per-message watermill-sql path")
	fs.IntVar(&o.publishers, "publishers", 1, "concurrent publishers on the one-event-per-message path (1: the plain path, one commit after another)")
	fs.BoolVar(&o.ingest, "ingest", true, "measure the ingest paths")
	fs.BoolVar(&o.portal, "portal", true, "measure the portal (search, policy page, match beside an ILIKE baseline)")
	fs.IntVar(&o.portalOpts.Policies, "portal-policies", 50_000, "generated policies for the portal benchmark")
	fs.IntVar(&o.portalOpts.Clients, "portal-clients", 8, "concurrent portal clients")
	fs.IntVar(&o.portalOpts.Requests, "portal-requests", 200, "requests per portal client and measurement")
	fs.IntVar(&o.portalOpts.Baseline, "portal-baseline", 3, "ILIKE baseline requests per client")
	fs.StringVar(&scratchPrefix, "scratch-prefix", scratchPrefix, "name prefix of the scratch databases the bench creates and drops")
	if err := fs.Parse(args); err != nil {
		return err
	}
	o.serverURL = cfg.DatabaseURL
	if o.portal {
		if err := benchPortal(ctx, o, stdout, stderr); err != nil {
			return err
		}
	}
	if !o.ingest {
		return nil
	}
	if o.events < o.batch || o.runs < 1 || o.batch < 1 || o.clients < 1 || o.perEvent < 1 || o.publishers < 1 {
		return fmt.Errorf("bench: --events must be ≥ --batch, and every count ≥ 1")
	}
	var copies, ingests, fulls, perEvents []benchmark.Result
	for run := 1; run <= o.runs; run++ {
		r, err := benchRun(ctx, o, run)
		if err != nil {
			return err
		}
		fmt.Fprintf(stderr, "run %d/%d: copy %.0f/s, http to tally %.0f/s, http to every read model %.0f/s, per-event %.0f/s\n",
			run, o.runs, r.copy.Rate(), r.ingest.Rate(), r.full.Rate(), r.perEvent.Rate())
		copies, ingests, fulls, perEvents = append(copies, r.copy), append(ingests, r.ingest), append(fulls, r.full), append(perEvents, r.perEvent)
	}
	mc, mi, mf, mp := benchmark.Median(copies), benchmark.Median(ingests), benchmark.Median(fulls), benchmark.Median(perEvents)
	tw := tabwriter.NewWriter(stdout, 2, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "measurement\tmedian events/s (%d runs)\n", o.runs)
	fmt.Fprintf(tw, "(1) COPY ceiling, %d-row transactions\t%.0f\n", o.batch, mc)
	fmt.Fprintf(tw, "(2) HTTP ingest, %d-event batches, %d clients, until the tally has every event\t%.0f\n", o.batch, o.clients, mi)
	fmt.Fprintf(tw, "(2b) the same, until every read model has every event\t%.0f\n", mf)
	fmt.Fprintf(tw, "(3) watermill-sql, one event per message, %d publisher(s)\t%.0f\n", o.publishers, mp)
	tw.Flush()
	verdict := func(ok bool) string {
		if ok {
			return "ok"
		}
		return "BELOW BAR"
	}
	fmt.Fprintf(stdout, "(2) ≥ 25000/s: %s; (2)/(1) = %.0f%% (bar 40%%): %s; (2)/(3) = %.1f× (bar 8×): %s\n",
		verdict(mi >= 25000), 100*mi/mc, verdict(mi >= 0.4*mc), mi/mp, verdict(mi >= 8*mp))
	return nil
}

// benchResults is one run of every measurement.
type benchResults struct {
	copy, ingest, full, perEvent benchmark.Result
}

// benchRun measures each path once, each on its own scratch database.
func benchRun(ctx context.Context, o benchOptions, run int) (r benchResults, err error) {
	runID := fmt.Sprintf("r%d-%d", run, time.Now().UnixNano())
	evs := benchmark.CaseEvents("bench", runID, o.events, time.Now())
	if r.copy, err = benchCopy(ctx, o, evs); err != nil {
		return
	}
	if r.ingest, err = benchHTTP(ctx, o, evs, "ingest_tally"); err != nil {
		return
	}
	if r.full, err = benchHTTP(ctx, o, evs, "all"); err != nil {
		return
	}
	r.perEvent, err = benchPerEvent(ctx, o, evs[:min(o.perEvent, len(evs))])
	return
}

// waitCaughtUp waits until every consumer of m has applied the whole log.
func waitCaughtUp(ctx context.Context, m *Main, deadline time.Time) error {
	for {
		var behind int
		err := m.pool.QueryRow(ctx, `SELECT count(*) FROM (SELECT DISTINCT consumer FROM consumer_batches) c
			WHERE (SELECT coalesce(max(last_seq), 0) FROM consumer_batches b WHERE b.consumer = c.consumer)
			   < (SELECT coalesce(max(seq), 0) FROM events)`).Scan(&behind)
		if err != nil {
			return err
		}
		var consumers int
		if err := m.pool.QueryRow(ctx, `SELECT count(DISTINCT consumer) FROM consumer_batches`).Scan(&consumers); err != nil {
			return err
		}
		if behind == 0 && consumers >= 5 {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("bench: consumers still behind the log after the deadline")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// benchCopy measures the COPY ceiling on a scratch database.
func benchCopy(ctx context.Context, o benchOptions, evs []json.RawMessage) (r benchmark.Result, err error) {
	err = withScratchDB(ctx, o.serverURL, func(url string) error {
		pool, err := postgres.Open(ctx, url)
		if err != nil {
			return err
		}
		defer pool.Close()
		if _, err := postgres.Migrate(ctx, pool); err != nil {
			return err
		}
		r, err = benchmark.CopyCeiling(ctx, pool, evs, o.batch)
		return err
	})
	return r, err
}

// benchHTTP starts a real govpulse (Postgres bus, tally consumer) on a
// scratch database and measures HTTP batch ingest through to the tally.
func benchHTTP(ctx context.Context, o benchOptions, evs []json.RawMessage, consumers string) (r benchmark.Result, err error) {
	err = withScratchDB(ctx, o.serverURL, func(url string) error {
		dir, err := os.MkdirTemp("", "govpulse-bench")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		token := randomToken()
		sources := filepath.Join(dir, "sources.yaml")
		if err := os.WriteFile(sources, []byte("sources:\n  - name: bench\n    token_env: BENCH_TOKEN\n    departments: [\"*\"]\n    event_types: [\"*\"]\n"), 0o600); err != nil {
			return err
		}
		m := NewMain()
		m.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
		m.Getenv = func(k string) string {
			if k == "BENCH_TOKEN" {
				return token
			}
			return ""
		}
		m.Config.DatabaseURL = url
		m.Config.HTTPAddr = "127.0.0.1:0"
		m.Config.SourcesFile = sources
		m.Config.RatePerSource = 1e6
		m.Config.RateBurst = 1e6
		m.Config.Consumers = consumers
		if err := m.Open(ctx); err != nil {
			return err
		}
		defer m.Close()
		r, err = benchmark.HTTPIngest(ctx, m.URL(), token, "bench", m.pool, evs, o.batch, o.clients)
		if err != nil {
			return err
		}
		if consumers != "ingest_tally" {
			// Every read model must have caught up too.
			r.Name = fmt.Sprintf("HTTP ingest, %d-event batches, to every read model", o.batch)
			err = waitCaughtUp(ctx, m, time.Now().Add(5*time.Minute))
			r.Elapsed = time.Since(r.Start)
		}
		return err
	})
	return r, err
}

// benchPerEvent measures watermill-sql with one event per message.
func benchPerEvent(ctx context.Context, o benchOptions, evs []json.RawMessage) (r benchmark.Result, err error) {
	err = withScratchDB(ctx, o.serverURL, func(url string) error {
		pool, err := postgres.Open(ctx, url)
		if err != nil {
			return err
		}
		defer pool.Close()
		r, err = benchmark.WatermillSQLPerEvent(ctx, pool, evs, o.publishers)
		return err
	})
	return r, err
}

// scratchPrefix names the bench's scratch databases (--scratch-prefix).
var scratchPrefix = "govpulse_bench_"

// withScratchDB runs f on a new database on the server of serverURL and
// drops it afterwards.
func withScratchDB(ctx context.Context, serverURL string, f func(url string) error) error {
	name := scratchPrefix + strings.ToLower(randomToken()[:12])
	cfg, err := pgx.ParseConfig(serverURL)
	if err != nil {
		return err
	}
	admin, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return fmt.Errorf("bench: connect to %s: %w", serverURL, err)
	}
	defer admin.Close(context.WithoutCancel(ctx))
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		return fmt.Errorf("bench: create scratch database: %w", err)
	}
	defer admin.Exec(context.WithoutCancel(ctx), "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)") //nolint:errcheck
	return f(replaceDatabase(serverURL, name))
}

// replaceDatabase swaps the database name in a postgres URL.
func replaceDatabase(url, name string) string {
	base, query, _ := strings.Cut(url, "?")
	scheme := strings.Index(base, "://") + 3
	if i := strings.LastIndex(base, "/"); i >= scheme {
		base = base[:i]
	}
	out := base + "/" + name
	if query != "" {
		out += "?" + query
	}
	return out
}

func randomToken() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
