package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"strconv"
	"time"

	"github.com/govpulse/govpulse/calendar"
	"github.com/govpulse/govpulse/catalog"
	"github.com/govpulse/govpulse/demo"
	"github.com/govpulse/govpulse/events"
)

// demoReference is what demo data is generated against: the catalogue
// and the working-day calendar govpulse ships.
func demoReference() (*events.Catalog, *calendar.Calendar, error) {
	cat, err := catalog.Default()
	if err != nil {
		return nil, nil, err
	}
	cal, err := calendar.Default()
	if err != nil {
		return nil, nil, err
	}
	return cat, cal, nil
}

// demoOptions are the flags of govpulse demo.
type demoOptions struct {
	url         string
	scale       float64
	seed        uint64
	from, to    string
	batch       int
	concurrency int
	sourcesEnv  string
	dryRun      bool
	// tokens, when set, replace the lookup by token_env (tests).
	tokens map[string]string
}

// registerDemoFlags adds the demo's flags to fs, each defaulting to its
// GOVPULSE_DEMO_* variable when set.
func registerDemoFlags(fs *flag.FlagSet, getenv func(string) string, o *demoOptions) error {
	def := demo.DefaultOptions()
	defaultURL := "http://127.0.0.1:8080"
	if addr := getenv("GOVPULSE_HTTP_ADDR"); addr != "" {
		if host, port, err := net.SplitHostPort(addr); err == nil {
			if host == "" || host == "0.0.0.0" || host == "::" {
				host = "127.0.0.1"
			}
			defaultURL = "http://" + net.JoinHostPort(host, port)
		}
	}
	var errs []error
	str := func(p *string, name, env, value, help string) {
		if v := getenv(env); v != "" {
			value = v
		}
		fs.StringVar(p, name, value, help+" (env "+env+")")
	}
	num := func(name, env string, parse func(string) error) {
		if v := getenv(env); v != "" {
			if err := parse(v); err != nil {
				errs = append(errs, fmt.Errorf("%s=%q: %v", env, v, err))
			}
		}
	}
	o.scale, o.seed, o.batch, o.concurrency = def.Scale, def.Seed, 1000, 4
	num("scale", "GOVPULSE_DEMO_SCALE", func(v string) (err error) { o.scale, err = strconv.ParseFloat(v, 64); return })
	num("seed", "GOVPULSE_DEMO_SEED", func(v string) (err error) { o.seed, err = strconv.ParseUint(v, 10, 64); return })
	num("batch", "GOVPULSE_DEMO_BATCH", func(v string) (err error) { o.batch, err = strconv.Atoi(v); return })
	num("concurrency", "GOVPULSE_DEMO_CONCURRENCY", func(v string) (err error) { o.concurrency, err = strconv.Atoi(v); return })
	num("dry-run", "GOVPULSE_DEMO_DRY_RUN", func(v string) (err error) { o.dryRun, err = strconv.ParseBool(v); return })

	str(&o.url, "url", "GOVPULSE_DEMO_URL", defaultURL, "base URL of the running govpulse (default from GOVPULSE_HTTP_ADDR)")
	fs.Float64Var(&o.scale, "scale", o.scale, "volume: 1 is about 190,000 departmental events with the report's 1,914 construction permits, and 289,400 portal views (env GOVPULSE_DEMO_SCALE)")
	fs.Uint64Var(&o.seed, "seed", o.seed, "random seed; the same seed, scale and period give the same events and ids (env GOVPULSE_DEMO_SEED)")
	str(&o.from, "from", "GOVPULSE_DEMO_FROM", def.From.String(), "first day of the demo period, YYYY-MM-DD, in Asia/Shanghai")
	str(&o.to, "to", "GOVPULSE_DEMO_TO", def.To.String(), "last day of the demo period, YYYY-MM-DD; before today")
	fs.IntVar(&o.batch, "batch", o.batch, "events per ingest request (env GOVPULSE_DEMO_BATCH)")
	fs.IntVar(&o.concurrency, "concurrency", o.concurrency, "ingest requests in flight at once (env GOVPULSE_DEMO_CONCURRENCY)")
	str(&o.sourcesEnv, "sources-env", "GOVPULSE_DEMO_SOURCES_ENV", "examples/demo.env", "KEY=VALUE file with the sending systems' GOVPULSE_TOKEN_* tokens; the environment wins over it")
	fs.BoolVar(&o.dryRun, "dry-run", o.dryRun, "generate and print the figures without sending (env GOVPULSE_DEMO_DRY_RUN)")
	return errors.Join(errs...)
}

// runDemo generates the seed-faithful demo year and sends it to a running
// govpulse, then prints what was stored and the figures the events carry.
func runDemo(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var o demoOptions
	if err := registerDemoFlags(fs, getenv, &o); err != nil {
		return err
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	return demoRun(ctx, o, getenv, stdout, stderr)
}

func demoRun(ctx context.Context, o demoOptions, getenv func(string) string, stdout, stderr io.Writer) error {
	opts, err := o.options()
	if err != nil {
		return err
	}
	if o.batch < 1 || o.batch > 100_000 {
		return fmt.Errorf("--batch (GOVPULSE_DEMO_BATCH): must be between 1 and 100000, got %d", o.batch)
	}
	if o.concurrency < 1 || o.concurrency > 64 {
		return fmt.Errorf("--concurrency (GOVPULSE_DEMO_CONCURRENCY): must be between 1 and 64, got %d", o.concurrency)
	}
	cat, cal, err := demoReference()
	if err != nil {
		return err
	}
	today := cal.DateOf(time.Now())
	if opts.To.Compare(today) >= 0 {
		return fmt.Errorf("--to (GOVPULSE_DEMO_TO): %s is not before today (%s); demo events must lie in the past", opts.To, today)
	}
	started := time.Now()
	evs, err := demo.Generate(cat, cal, opts)
	if err != nil {
		return err
	}
	figures, err := demo.Measure(cal, evs)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "govpulse demo: seed %d, scale %g, %s to %s, generated in %s:\n  %s\n",
		opts.Seed, opts.Scale, opts.From, opts.To, time.Since(started).Round(time.Millisecond), figures.Counts())

	if o.dryRun {
		fmt.Fprintln(stdout, "dry run: nothing sent")
	} else {
		tokens, err := o.tokenMap(getenv)
		if err != nil {
			return err
		}
		sender := &demo.Sender{
			URL: o.url, Tokens: tokens, Batch: o.batch, Concurrency: o.concurrency,
			Logger: slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn})),
		}
		bar := demo.TerminalBar(stderr, len(evs), "sending")
		if bar != nil {
			sender.Progress = bar
		}
		res, err := sender.Send(ctx, evs)
		if bar != nil {
			if err != nil {
				_ = bar.Exit()
				fmt.Fprintln(stderr)
			} else {
				_ = bar.Finish()
			}
		}
		if res.Batches > 0 || err == nil {
			fmt.Fprintf(stdout, "sent to %s: %s\n", o.url, res)
		}
		if err != nil {
			return fmt.Errorf("demo stopped after %d of %d events: %w", res.Events, len(evs), err)
		}
		fmt.Fprintln(stdout, "event ids derive from the seed, scale and period: running the demo again with the same settings stores nothing new (only duplicates)")
	}
	fmt.Fprintln(stdout)
	return demo.WriteChecks(stdout, figures.Checks(opts))
}

// options turns the flags into generator options.
func (o demoOptions) options() (demo.Options, error) {
	opts := demo.DefaultOptions()
	opts.Seed, opts.Scale = o.seed, o.scale
	var errs []error
	var err error
	if opts.From, err = calendar.ParseDate(o.from); err != nil {
		errs = append(errs, fmt.Errorf("--from (GOVPULSE_DEMO_FROM): %w", err))
	}
	if opts.To, err = calendar.ParseDate(o.to); err != nil {
		errs = append(errs, fmt.Errorf("--to (GOVPULSE_DEMO_TO): %w", err))
	}
	return opts, errors.Join(errs...)
}

// tokenMap finds each sending system's token: in the environment, else in
// the --sources-env file.
func (o demoOptions) tokenMap(getenv func(string) string) (map[string]string, error) {
	if o.tokens != nil {
		return o.tokens, nil
	}
	file, fileErr := map[string]string{}, error(nil)
	if o.sourcesEnv != "" {
		file, fileErr = demo.ReadEnvFile(o.sourcesEnv)
	}
	tokens := demo.Tokens(func(k string) string {
		if v := getenv(k); v != "" {
			return v
		}
		return file[k]
	})
	if fileErr != nil && len(tokens) < len(demo.Systems()) {
		return nil, fmt.Errorf("--sources-env (GOVPULSE_DEMO_SOURCES_ENV): %w; the sending systems' tokens are not all in the environment either", fileErr)
	}
	return tokens, nil
}
