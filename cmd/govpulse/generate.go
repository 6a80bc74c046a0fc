package main

import (
	"errors"
	"flag"
	"fmt"
	"io"

	"github.com/govpulse/govpulse/catalog"
	"github.com/govpulse/govpulse/config"
	"github.com/govpulse/govpulse/events"
	"github.com/govpulse/govpulse/targets"
)

// generator is what the subcommands that write files from the target
// definitions (rules, dashboards) share: a flag set with their usage and
// the settings they read, a required --out, and the catalogue and targets
// loaded from those settings.
type generator struct {
	name string
	fs   *flag.FlagSet
	cfg  *config.Config
	out  *string
}

// newGenerator registers the settings named and --out, described by
// outUsage, on a flag set printing usage.
func newGenerator(name, usage, outUsage string, getenv func(string) string, stderr io.Writer, settings ...string) (*generator, error) {
	cfg, fs, err := commandFlags(name, getenv, stderr, settings...)
	if err != nil {
		return nil, err
	}
	g := &generator{name: name, fs: fs, cfg: cfg}
	g.fs.Usage = func() {
		fmt.Fprint(stderr, usage)
		g.fs.PrintDefaults()
	}
	g.out = g.fs.String("out", "", outUsage)
	return g, nil
}

// parse reads args, which take no arguments and need --out.
func (g *generator) parse(args []string) error {
	if err := g.fs.Parse(args); err != nil {
		return err
	}
	if g.fs.NArg() > 0 {
		return fmt.Errorf("%s: unexpected argument %q", g.name, g.fs.Arg(0))
	}
	if *g.out == "" {
		g.fs.Usage()
		return errors.New(g.name + ": --out is required")
	}
	return nil
}

// load reads the catalogue and the targets the settings name.
func (g *generator) load() (*events.Catalog, []targets.Target, error) {
	cat, err := catalog.Load(g.cfg.CatalogFile)
	if err != nil {
		return nil, nil, err
	}
	ts, err := targets.Load(g.cfg.TargetsFile, cat)
	if err != nil {
		return nil, nil, err
	}
	return cat, ts, nil
}
