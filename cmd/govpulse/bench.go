package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/govpulse/govpulse/benchmark"
)

// benchOptions are the flags of govpulse bench.
type benchOptions struct {
	serverURL  string
	exe        string
	dbPrefix   string
	events     int
	batch      int
	clients    int
	runs       int
	perEvent   int
	publishers int
	lagRate    float64
	lagFor     time.Duration
	lagBatch   int
	demoScale  float64
	steps      string
	report     string
	profileDir string
	// tmp holds the sources file and the servers' logs.
	tmp string
	// tokens are the invocation's tokens (benchTokens makes them).
	tokens benchTokens
	// portal sizes the portal step; portalRuns is its number of runs.
	portal     benchmark.PortalOptions
	portalRuns int
}

const benchUsage = `usage: govpulse bench [flags]

Measures govpulse on this machine in one invocation, each path on fresh
databases it creates and drops, and writes a Markdown report (--report)
with every figure beside a baseline measured in the same run. Steps, in
order (--steps picks some): %s.

flags:
`

// runBench runs the benchmark steps and writes the report.
func runBench(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cfg, fs, err := commandFlags("bench", getenv, stderr, "database-url")
	if err != nil {
		return err
	}
	var o benchOptions
	fs.StringVar(&o.exe, "exe", "", "the govpulse binary to measure (default: this one)")
	fs.StringVar(&o.dbPrefix, "db-prefix", "govpulse_bench_", "name prefix of the scratch databases (created and dropped on the server of --database-url)")
	fs.IntVar(&o.events, "events", 100_000, "events per run for the COPY ceiling and HTTP ingest")
	fs.IntVar(&o.batch, "batch", 1000, "events per HTTP request and per COPY transaction")
	fs.IntVar(&o.clients, "clients", 4, "concurrent HTTP clients")
	fs.IntVar(&o.runs, "runs", 5, "runs of each measurement; medians are reported")
	fs.IntVar(&o.perEvent, "per-event-messages", 20_000, "messages per run for the one-event-per-message watermill-sql path")
	fs.IntVar(&o.publishers, "publishers", 1, "concurrent publishers on the one-event-per-message path (1: the plain path, one commit after another)")
	fs.Float64Var(&o.lagRate, "lag-rate", 20_000, "events/s sent while projection lag is measured")
	fs.DurationVar(&o.lagFor, "lag-for", 15*time.Second, "how long that rate is sustained")
	fs.IntVar(&o.lagBatch, "lag-batch", 1000, "events per request while lag is measured")
	fs.Float64Var(&o.demoScale, "demo-scale", 1, "scale of the demo year loaded for the rebuild and /metrics steps (1: about 190,000 events)")
	fs.StringVar(&o.steps, "steps", "all", "comma list of steps to run, or all")
	fs.StringVar(&o.report, "report", "", "write the Markdown report to this file (default: standard output)")
	fs.StringVar(&o.profileDir, "profile-dir", "", "keep the CPU profiles taken during the run in this directory (default: a temporary one, removed)")
	fs.IntVar(&o.portal.Policies, "portal-policies", 50_000, "generated policies for the portal step")
	fs.IntVar(&o.portal.Clients, "portal-clients", 8, "concurrent portal clients")
	fs.IntVar(&o.portal.Requests, "portal-requests", 200, "requests per portal client and measurement")
	fs.IntVar(&o.portal.Baseline, "portal-baseline", 3, "ILIKE baseline requests per portal client")
	fs.IntVar(&o.portalRuns, "portal-runs", 1, "runs of the portal step (each loads its policies anew)")
	steps := benchSteps(&o)
	names := make([]string, len(steps))
	for i, s := range steps {
		names[i] = s.Name
	}
	fs.Usage = func() {
		fmt.Fprintf(stderr, benchUsage, strings.Join(names, ", "))
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	o.serverURL = cfg.DatabaseURL
	if o.events < o.batch || o.runs < 1 || o.batch < 1 || o.clients < 1 || o.perEvent < 1 || o.publishers < 1 ||
		o.lagRate <= 0 || o.lagFor < time.Second || o.lagBatch < 1 || o.demoScale <= 0 ||
		o.portal.Policies < 1 || o.portal.Clients < 1 || o.portal.Requests < 1 || o.portal.Baseline < 1 || o.portalRuns < 1 {
		return errors.New("bench: --events must be ≥ --batch, and every count, rate and duration above 0 (--lag-for at least 1s)")
	}
	if o.steps != "all" {
		var picked []benchmark.Step
		for _, n := range strings.Split(o.steps, ",") {
			i := slices.Index(names, strings.TrimSpace(n))
			if i < 0 {
				return fmt.Errorf("bench: --steps: no step %q; steps are %s", n, strings.Join(names, ", "))
			}
			picked = append(picked, steps[i])
		}
		steps = picked
	}
	if o.exe == "" {
		exe, err := os.Executable()
		if err != nil {
			return fmt.Errorf("bench: find the govpulse binary: %w (give --exe)", err)
		}
		o.exe = exe
	}
	tmp, err := os.MkdirTemp("", "govpulse-bench")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	o.tmp = tmp
	if o.profileDir == "" {
		o.profileDir = tmp
	} else if err := os.MkdirAll(o.profileDir, 0o755); err != nil {
		return err
	}

	started := time.Now()
	var load benchmark.LoadSampler
	loadCtx, stopLoad := context.WithCancel(ctx)
	loadDone := make(chan struct{})
	go func() { defer close(loadDone); load.Sample(loadCtx, 2*time.Second) }()

	run := benchmark.NewRun(o.runs, stderr)
	defer dropShared(context.WithoutCancel(ctx), o, run)
	results := run.Execute(ctx, append(steps, peakRSSStep()))
	stopLoad()
	<-loadDone

	rep := benchmark.Report{
		Command:  benchCommand(args),
		Commit:   gitDescribe(),
		Started:  started,
		Finished: time.Now(),
		Machine:  benchmark.ReadMachine(),
		Runs:     o.runs,
		Steps:    results,
		Bars:     benchBars(),
		Run:      run,
	}
	rep.Machine.PostgreSQL = postgresVersion(ctx, o.serverURL)
	rep.LoadMin, rep.LoadMedian, rep.LoadMax, rep.LoadSamples = load.Summary()
	rep.CPUPressure, rep.PressureSamples = load.Pressure()
	var buf bytes.Buffer
	if err := rep.WriteMarkdown(&buf); err != nil {
		return err
	}
	if o.report == "" {
		_, err = stdout.Write(buf.Bytes())
	} else {
		err = os.WriteFile(o.report, buf.Bytes(), 0o644)
		if err == nil {
			fmt.Fprintf(stderr, "report written to %s\n", o.report)
		}
	}
	if err != nil {
		return err
	}
	var failed []string
	for _, r := range results {
		if r.Err != nil {
			failed = append(failed, r.Name)
		}
	}
	if len(failed) > 0 {
		return fmt.Errorf("bench: step(s) %s failed; see the report", strings.Join(failed, ", "))
	}
	return ctx.Err()
}

// benchBars are the bars of issue 11, each a ratio within the same run
// where one applies.
func benchBars() []benchmark.Bar {
	return []benchmark.Bar{
		{Figure: "e2e", Against: "copy", AtLeast: true, Value: 0.45, Text: "end-to-end ingest, every read model applied, ≥ 45% of the COPY ceiling"},
		{Figure: "e2e", Against: "per_event", AtLeast: true, Value: 15, Text: "end-to-end ingest ≥ 15× watermill-sql with one event per message"},
		{Figure: "rebuild", Against: "raw_read", AtLeast: true, Value: 0.30, Text: "rebuild of all read models ≥ 30% of the raw read of the log"},
		{Figure: "lag_p99", Value: 0.5, Text: "projection lag p99 < 0.5 s at 20,000 events/s sustained"},
		{Figure: "metrics_cold", Value: 100, Text: "cold /metrics scrape < 100 ms with a year of demo data"},
		{Figure: "portal_search_p99", Value: 20, Text: "portal search p99 < 20 ms, 50,000 policies, 8 clients"},
		{Figure: "portal_page_p99", Value: 10, Text: "portal policy page p99 < 10 ms, 50,000 policies, 8 clients"},
		{Figure: "portal_match_p99", Value: 20, Text: "portal match p99 < 20 ms, 50,000 policies, 8 clients"},
		{Figure: "peak_rss", Value: 200, Text: "peak RSS of govpulse serve < 200 MB over the whole benchmark"},
	}
}

// peakRSSStep, always the last, adds the highest peak RSS of the govpulse
// serve processes of the run, and this process's own.
func peakRSSStep() benchmark.Step {
	return benchmark.Step{
		Name:  "peak-rss",
		Title: "Peak RSS over the whole benchmark",
		Run: func(ctx context.Context, run *benchmark.Run) error {
			run.Peak("govpulse bench itself (load generator, in-process rebuilds)", benchmark.SelfPeakRSS())
			var peak float64
			for _, p := range run.Peaks() {
				if strings.HasPrefix(p.What, "govpulse serve") {
					peak = max(peak, p.MaxMB)
				}
			}
			if peak == 0 {
				return nil
			}
			run.Add(benchmark.Figure{ID: "peak_rss", Name: "peak RSS of govpulse serve, the highest of every serve process of the run",
				Unit: "MB", Runs: []float64{peak}, Note: "one figure, not a median: the highest of the kernel's peaks of all of them"})
			return nil
		},
	}
}

// benchCommand is the command line that reproduces the run.
func benchCommand(args []string) string {
	quoted := make([]string, len(args))
	for i, a := range args {
		if strings.ContainsAny(a, " '\"$&?") {
			a = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
		}
		quoted[i] = a
	}
	return strings.TrimSpace("make build && bin/govpulse bench " + strings.Join(quoted, " "))
}

// gitDescribe is the source's version: the build's, or git's when run
// from a checkout.
func gitDescribe() string {
	out, err := exec.Command("git", "describe", "--tags", "--always", "--dirty").Output()
	if err == nil {
		return strings.TrimSpace(string(out))
	}
	return version
}

func postgresVersion(ctx context.Context, url string) string {
	conn, err := pgx.Connect(ctx, url)
	if err != nil {
		return ""
	}
	defer conn.Close(ctx)
	var v string
	if conn.QueryRow(ctx, `SHOW server_version`).Scan(&v) != nil {
		return ""
	}
	return v
}
