package main

import (
	"context"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"

	"github.com/govpulse/govpulse/alerting"
	"github.com/govpulse/govpulse/grafana"
)

const dashboardsUsage = `usage: govpulse dashboards --out DIR [flags]

Writes what a Grafana needs to show govpulse, built from the target
definitions, under DIR:

  dashboards/<folder>/<uid>.json        the boards, one folder per audience
  provisioning/datasources/govpulse.yml  Prometheus and PostgreSQL (as the
                                         read-only role govpulse_boards)
  provisioning/dashboards/govpulse.yml   a dashboard provider per folder
  provisioning/alerting/govpulse.yml     Grafana-managed alert rules of the
                                         targets (and a webhook contact point)

"govpulse dashboards --out deploy/grafana" refreshes the files the compose
stack's Grafana provisions; boards it no longer writes are removed from
DIR/dashboards. The defaults of the flags below are the compose stack's.
See docs/dashboards.md.

flags:
`

func runDashboards(_ context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	g, err := newGenerator("dashboards", dashboardsUsage, "directory to write the dashboards and provisioning files to (required)",
		getenv, stderr, "catalog-file", "targets-file", "time-zone")
	if err != nil {
		return err
	}
	fs, cfg, out := g.fs, g.cfg, g.out
	p := grafana.DefaultProvisioning()
	fs.StringVar(&p.PrometheusURL, "prometheus-url", p.PrometheusURL, "Prometheus as Grafana's server reaches it")
	fs.StringVar(&p.PostgresAddress, "postgres-address", p.PostgresAddress, "PostgreSQL host:port as Grafana's server reaches it")
	fs.StringVar(&p.PostgresDatabase, "postgres-database", p.PostgresDatabase, "govpulse's database")
	fs.StringVar(&p.PostgresSSLMode, "postgres-sslmode", p.PostgresSSLMode, "sslmode of the PostgreSQL data source: disable, require, verify-ca or verify-full")
	fs.StringVar(&p.PasswordEnv, "password-env", p.PasswordEnv, "environment variable of Grafana's process holding the read-only role's password")
	fs.StringVar(&p.DashboardsPath, "dashboards-path", p.DashboardsPath, "where Grafana's server finds DIR/dashboards")
	fs.StringVar(&p.AlertWebhookURL, "alert-webhook-url", p.AlertWebhookURL, "webhook the Grafana-managed alerts are sent to (empty: no contact point or policy)")
	if err := g.parse(args); err != nil {
		return err
	}
	cat, ts, err := g.load()
	if err != nil {
		return err
	}
	// Everything is rendered before anything is written, so a failure
	// leaves DIR as it was.
	files, err := grafana.Files(grafana.Definitions{Targets: ts, Alerting: alerting.DefaultOptions(), TimeZone: cfg.TimeZone, Catalog: cat}, p)
	if err != nil {
		return fmt.Errorf("dashboards: %w", err)
	}
	var written []string
	for _, f := range files {
		path := filepath.Join(*out, filepath.FromSlash(f.Path))
		if err := writeFileAtomic(path, f.Data); err != nil {
			return err
		}
		written = append(written, path)
		fmt.Fprintf(stdout, "wrote %s\n", path)
	}
	stale, err := staleBoards(filepath.Join(*out, grafana.DashboardsDir), written)
	if err != nil {
		return fmt.Errorf("dashboards: %w", err)
	}
	for _, path := range stale {
		if err := os.Remove(path); err != nil {
			return fmt.Errorf("dashboards: %w", err)
		}
		fmt.Fprintf(stdout, "removed %s: no longer generated\n", path)
	}
	fmt.Fprintf(stdout, "from %d targets; Grafana's file provisioning picks the boards up on its next scan (alert rules and data sources at its next start)\n", len(ts))
	return nil
}

// staleBoards are the board files under dir that this run did not write:
// boards of an earlier version, which Grafana would keep provisioning.
func staleBoards(dir string, written []string) ([]string, error) {
	var stale []string
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() && filepath.Ext(path) == ".json" && !slices.Contains(written, path) {
			stale = append(stale, path)
		}
		return nil
	})
	return stale, err
}
