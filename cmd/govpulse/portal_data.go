package main

import (
	"context"
	"fmt"

	"github.com/govpulse/govpulse/catalog"
	"github.com/govpulse/govpulse/portal/store"
	"github.com/govpulse/govpulse/projections/read"
)

// openPortalData opens the portal's Reader on the policies read model
// (whose consumer is in the consumer set), with the search synonyms of
// GOVPULSE_SYNONYMS_FILE and the usage read model's view counts, and keeps
// it told of the read model's changes until Close.
func (m *Main) openPortalData(ctx context.Context) error {
	syn, err := catalog.Synonyms(m.Config.SynonymsFile)
	if err != nil {
		return fmt.Errorf("--synonyms-file (GOVPULSE_SYNONYMS_FILE): %w", err)
	}
	m.Portal = &store.Store{Pool: m.pool, Catalog: m.catalog, Synonyms: syn, Now: m.Now, Views: read.PortalViews{Pool: m.pool}}
	listenCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	if prev := m.cancel; prev != nil {
		m.cancel = func() { cancel(); prev() }
	} else {
		m.cancel = cancel
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		m.Portal.Listen(listenCtx)
	}()
	m.portalStopped = func() { <-done }
	return nil
}
