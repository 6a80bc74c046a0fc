package main

import (
	"context"
	"fmt"
	"log/slog"
	"strings"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/govpulse/govpulse/bus"
	"github.com/govpulse/govpulse/calendar"
	"github.com/govpulse/govpulse/events"
	"github.com/govpulse/govpulse/projections"
)

// consumerSet is every bus consumer govpulse has, built once: serve
// subscribes them, the metrics and GET /v1/projections report them, and
// rebuild replays the read models among them. A new consumer is added in
// newConsumerSet (a read model to readModels, anything else to others).
type consumerSet struct {
	// readModels can be rebuilt from the log.
	readModels []*projections.Projection
	// policies is the policies read model, which its own Rebuild re-folds
	// (govpulse rebuild policies, the admin API); it is among others.
	policies *projections.Policies
	// others are the consumers Projection.Rebuild cannot replay: the
	// ingest tally, and the policies.
	others []bus.Consumer
}

// newConsumerSet builds the consumers on the working-day calendar cal
// (whose zone is also the tally's), holding only the codes of the
// catalogue cat. serve and rebuild must build them alike, or a rebuild
// would differ from the live tables.
func newConsumerSet(cal *calendar.Calendar, cat *events.Catalog, log *slog.Logger) consumerSet {
	models := projections.ReadModels(cal, log)
	for _, p := range models {
		p.Catalog = cat
	}
	policies := &projections.Policies{Catalog: cat, Logger: log}
	return consumerSet{
		readModels: models,
		policies:   policies,
		others:     []bus.Consumer{projections.IngestTally{Location: cal.Location()}, policies},
	}
}

// All is every consumer: the others, then the read models.
func (s consumerSet) All() []bus.Consumer {
	all := append([]bus.Consumer{}, s.others...)
	for _, p := range s.readModels {
		all = append(all, p)
	}
	return all
}

// ReadModels are the consumers that Projection.Rebuild can rebuild.
func (s consumerSet) ReadModels() []*projections.Projection { return s.readModels }

// Rebuilder rebuilds every read model on pool, the policies included,
// calling rebuilt after each swap.
func (s consumerSet) Rebuilder(pool *pgxpool.Pool, rebuilt func(ctx context.Context, name string)) projections.Rebuilder {
	return projections.Rebuilder{Pool: pool, Models: s.readModels, Policies: s.policies, Rebuilt: rebuilt}
}

// Names are the names of All, in its order.
func (s consumerSet) Names() []string {
	var names []string
	for _, c := range s.All() {
		names = append(names, c.Name())
	}
	return names
}

// OtherNames are the names of the consumers that are not read models.
func (s consumerSet) OtherNames() []string {
	var names []string
	for _, c := range s.others {
		names = append(names, c.Name())
	}
	return names
}

// Select picks the consumers named in spec (GOVPULSE_CONSUMERS): "all",
// "none" or a comma list of names.
func (s consumerSet) Select(spec string) ([]bus.Consumer, error) {
	switch strings.TrimSpace(spec) {
	case "all", "":
		return s.All(), nil
	case "none":
		return nil, nil
	}
	byName := map[string]bus.Consumer{}
	for _, c := range s.All() {
		byName[c.Name()] = c
	}
	var out []bus.Consumer
	for _, n := range strings.Split(spec, ",") {
		c, ok := byName[strings.TrimSpace(n)]
		if !ok {
			return nil, fmt.Errorf("--consumers (GOVPULSE_CONSUMERS): unknown consumer %q; known: all, none, %s", strings.TrimSpace(n), strings.Join(s.Names(), ", "))
		}
		out = append(out, c)
	}
	return out, nil
}
