package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"path/filepath"

	"github.com/govpulse/govpulse/alerting"
	"github.com/govpulse/govpulse/catalog"
	"github.com/govpulse/govpulse/config"
	"github.com/govpulse/govpulse/grafana"
	"github.com/govpulse/govpulse/targets"
)

const dashboardsUsage = `usage: govpulse dashboards --out DIR [flags]

Writes the Grafana dashboards, built from the target definitions, as JSON
files in DIR: govpulse-overview.json (总览), govpulse-targets.json (攻坚目标)
and govpulse-pipeline.json (运行). They query the Prometheus datasource with
uid "prometheus". "govpulse dashboards --out deploy/grafana/dashboards"
refreshes the files the compose stack's Grafana provisions (it rescans
every 30 s). See docs/dashboards.md.

flags:
`

func runDashboards(_ context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	cfg := config.Default()
	fs := flag.NewFlagSet("dashboards", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, dashboardsUsage)
		fs.PrintDefaults()
	}
	if err := cfg.Register(fs, getenv, "catalog-file", "targets-file"); err != nil {
		return err
	}
	out := fs.String("out", "", "directory to write the dashboards' JSON files to (required)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("dashboards: unexpected argument %q", fs.Arg(0))
	}
	if *out == "" {
		fs.Usage()
		return errors.New("dashboards: --out is required")
	}

	cat, err := catalog.Load(cfg.CatalogFile)
	if err != nil {
		return err
	}
	ts, err := targets.Load(cfg.TargetsFile, cat)
	if err != nil {
		return err
	}
	boards, err := grafana.Boards(ts, alerting.DefaultOptions())
	if err != nil {
		return fmt.Errorf("dashboards: %w", err)
	}
	// Render every board before writing any, so a failure leaves DIR as
	// it was.
	files := make([][]byte, len(boards))
	for i, b := range boards {
		if files[i], err = b.JSON(); err != nil {
			return fmt.Errorf("dashboards: %w", err)
		}
	}
	for i, b := range boards {
		path := filepath.Join(*out, b.File)
		if err := writeFileAtomic(path, files[i]); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "wrote %s: %s, %d panels\n", path, *b.Dashboard.Title, len(b.Dashboard.Panels))
	}
	fmt.Fprintf(stdout, "from %d targets; Grafana's file provisioning picks the files up on its next scan\n", len(ts))
	return nil
}
