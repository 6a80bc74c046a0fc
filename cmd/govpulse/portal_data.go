package main

import (
	"context"

	"github.com/govpulse/govpulse/catalog"
	"github.com/govpulse/govpulse/portal/store"
	"github.com/govpulse/govpulse/projections/read"
)

// openPortalData builds the portal's Reader on the policies read model
// (m.Portal, search synonyms from GOVPULSE_SYNONYMS_FILE, the most viewed
// from the usage read model) and keeps it told of the read model's
// changes until Close. The portal step serves it (pages, feeds and the
// JSON API of portal/api).
func (m *Main) openPortalData(ctx context.Context) error {
	syn, err := catalog.Synonyms(m.Config.SynonymsFile)
	if err != nil {
		return err
	}
	m.Portal = &store.Store{Pool: m.pool, Catalog: m.catalog, Synonyms: syn, Now: m.Now, Views: read.PortalViews{Pool: m.pool}}
	lctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	done := make(chan struct{})
	go func() {
		defer close(done)
		m.Portal.Listen(lctx)
	}()
	m.portalStopped = func() { cancel(); <-done }
	return nil
}
