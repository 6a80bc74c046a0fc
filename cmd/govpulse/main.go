package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/govpulse/govpulse/config"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

const usage = `govpulse: event-sourced metrics for government-service reform

usage: govpulse <command> [flags]

commands:
  serve       run the HTTP API, the bus and the consumers
  migrate     apply database migrations and exit
  rebuild     replay the log into the read models and swap them in (rebuild [name|all])
  log check   list every stored event the strict reading would now refuse
  rules       write the Prometheus alerting rules and Alertmanager routes (rules --out DIR)
  dashboards  write the Grafana boards, data sources and alert rules (dashboards --out DIR)
  healthcheck exit 0 when the govpulse serving here is ready (for container health checks)
  bench       measure ingest throughput against the ceilings (see README)
  demo        send a year of demo events reproducing the seed report's figures
  version     print the version

"govpulse <command> -h" lists a command's flags; every flag can also be set
by the GOVPULSE_* environment variable named in its help.
`

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "govpulse:", err)
		}
		os.Exit(2)
	}
}

// command is one of govpulse's commands, run with the words after its name.
type command func(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error

// commands are the commands by name; usage lists them.
func commands() map[string]command {
	return map[string]command{
		"serve": func(ctx context.Context, args []string, getenv func(string) string, _, stderr io.Writer) error {
			return runServe(ctx, args, getenv, stderr)
		},
		"migrate":     runMigrate,
		"rebuild":     runRebuild,
		"log":         runLog,
		"rules":       runRules,
		"dashboards":  runDashboards,
		"bench":       runBench,
		"demo":        runDemo,
		"healthcheck": runHealthcheck,
	}
}

// commandFlags is a command's flag set, which writes its errors to
// stderr, with the configuration settings named registered on it: each
// a flag and a GOVPULSE_* variable read through getenv.
func commandFlags(name string, getenv func(string) string, stderr io.Writer, settings ...string) (*config.Config, *flag.FlagSet, error) {
	cfg := config.Default()
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	if err := cfg.Register(fs, getenv, settings...); err != nil {
		return nil, nil, err
	}
	return &cfg, fs, nil
}

func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return errors.New("no command given")
	}
	name, rest := args[0], args[1:]
	if cmd, ok := commands()[name]; ok {
		return cmd(ctx, rest, getenv, stdout, stderr)
	}
	switch name {
	case "version", "--version", "-v":
		fmt.Fprintln(stdout, "govpulse", version)
		return nil
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprint(stderr, usage)
	return fmt.Errorf("unknown command %q", name)
}
