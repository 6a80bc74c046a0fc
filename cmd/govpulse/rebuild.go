package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/schollz/progressbar/v3"

	"github.com/govpulse/govpulse/catalog"
	"github.com/govpulse/govpulse/postgres"
	"github.com/govpulse/govpulse/projections"
)

const rebuildUsage = `usage: govpulse rebuild [flags] [name|all]

Replays the event log into fresh read-model tables and swaps them in for
the live ones, while govpulse serve keeps running and readers keep reading.
name is one of %s, or all (the default).

flags:
`

func runRebuild(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cfg, fs, err := commandFlags("rebuild", getenv, stderr, "database-url", "catalog-file", "calendar-dir", "time-zone", "log-level", "log-format")
	if err != nil {
		return err
	}
	quiet := fs.Bool("quiet", false, "no progress bar")
	var names []string
	for _, p := range projections.ReadModels(nil, nil) { // names only: no calendar needed
		names = append(names, p.Name())
	}
	names = append(names, projections.PoliciesName)
	fs.Usage = func() {
		fmt.Fprintf(stderr, rebuildUsage, strings.Join(names, ", "))
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 1 {
		fs.Usage()
		return errors.New("rebuild: give one read model name, or all")
	}
	name := "all"
	if fs.NArg() == 1 {
		name = fs.Arg(0)
	}
	if name != "all" && !slices.Contains(names, name) {
		return fmt.Errorf("rebuild: no read model %q; use one of %s, or all", name, strings.Join(names, ", "))
	}
	logger, err := newLogger(*cfg, stderr)
	if err != nil {
		return err
	}
	cat, err := catalog.Load(cfg.CatalogFile)
	if err != nil {
		return err
	}
	cal, err := openCalendar(cfg.CalendarDir, cfg.TimeZone)
	if err != nil {
		return err
	}
	set := newConsumerSet(cal, cat, logger)
	models := set.ReadModels()

	pool, err := postgres.Open(ctx, cfg.DatabaseURL)
	if err != nil {
		return err
	}
	defer pool.Close()
	if _, err := postgres.Migrate(ctx, pool); err != nil {
		return err
	}
	if err := projections.CheckTables(ctx, pool, models); err != nil {
		return err
	}
	// All read models are rebuilt together, with one pass over the log.
	var todo []*projections.Projection
	for _, p := range models {
		if name == "all" || p.Name() == name {
			todo = append(todo, p)
		}
	}
	if len(todo) > 0 {
		opts := projections.RebuildOptions{}
		var bar *progressbar.ProgressBar
		if !*quiet {
			desc := todo[0].Name()
			if len(todo) > 1 {
				desc = "read models"
			}
			bar = progressbar.NewOptions64(-1,
				progressbar.OptionSetWriter(stderr),
				progressbar.OptionSetDescription(desc),
				progressbar.OptionSetWidth(30),
				progressbar.OptionShowCount(),
				progressbar.OptionShowIts(),
				progressbar.OptionSetItsString("events"),
				progressbar.OptionThrottle(100*time.Millisecond),
				// The swap and its log lines follow on lines of their own.
				progressbar.OptionOnCompletion(func() { fmt.Fprintln(stderr) }),
			)
			opts.Progress = func(done, total int64) {
				bar.ChangeMax64(max(total, 1))
				_ = bar.Set64(done)
			}
		}
		reps, err := projections.RebuildAll(ctx, pool, todo, opts)
		if bar != nil && !bar.IsFinished() {
			fmt.Fprintln(stderr)
		}
		for _, rep := range reps {
			rate := 0.0
			if rep.Seconds > 0 {
				rate = float64(rep.LogEvents) / rep.Seconds
			}
			fmt.Fprintf(stdout, "rebuilt %s: %d batches, %d events in the log (%d folded), %d rows, in %s (%.0f events/s); %d batches applied live meanwhile were caught up\n",
				rep.Projection, rep.Batches, rep.LogEvents, rep.Events, rep.Rows, rep.Took.Round(time.Millisecond), rate, rep.CaughtUp)
		}
		if err != nil {
			return err
		}
	}
	if name == "all" || name == projections.PoliciesName {
		rep, err := set.policies.Rebuild(ctx, pool)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "rebuilt %s: %d policies from %d events, in %s\n", projections.PoliciesName, rep.Policies, rep.Events, rep.Took.Round(time.Millisecond))
	}
	return nil
}
