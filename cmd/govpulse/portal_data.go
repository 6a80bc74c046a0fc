package main

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/govpulse/govpulse/catalog"
	"github.com/govpulse/govpulse/config"
	"github.com/govpulse/govpulse/events"
	"github.com/govpulse/govpulse/portal/api"
	"github.com/govpulse/govpulse/portal/store"
	"github.com/govpulse/govpulse/projections"
)

// openPortalData builds the policies read model's consumer and the
// portal's Reader on it (search synonyms from cfg.SynonymsFile).
func openPortalData(cfg config.Config, pool *pgxpool.Pool, cat *events.Catalog, now func() time.Time, log *slog.Logger) (*projections.Policies, *store.Store, error) {
	syn, err := catalog.Synonyms(cfg.SynonymsFile)
	if err != nil {
		return nil, nil, err
	}
	policies := &projections.Policies{Catalog: cat, Logger: log}
	return policies, &store.Store{Pool: pool, Catalog: cat, Synonyms: syn, Now: now}, nil
}

// withPortalAPI serves the portal's JSON API (/api/v1/) beside next.
func withPortalAPI(next http.Handler, reader *store.Store, now func() time.Time, log *slog.Logger) http.Handler {
	mux := http.NewServeMux()
	mux.Handle(api.Prefix, (&api.Handler{Reader: reader, Logger: log, Now: now}).Routes())
	mux.Handle("/", next)
	return mux
}

// listenPortal keeps reader told of the read model's changes until ctx
// ends; the returned func waits for it to stop (before the pool closes).
func listenPortal(ctx context.Context, reader *store.Store) (wait func()) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		reader.Listen(ctx)
	}()
	return func() { <-done }
}
