package main

import (
	"context"
	"time"

	"github.com/govpulse/govpulse/catalog"
	"github.com/govpulse/govpulse/portal"
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
	m.Portal = &store.Store{Pool: m.pool, Catalog: m.catalog, Synonyms: syn, Now: m.portalClock(), Views: read.PortalViews{Pool: m.pool}}
	lctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	done := make(chan struct{})
	go func() {
		defer close(done)
		m.Portal.Listen(lctx)
	}()
	m.portalStopped = func() { cancel(); <-done }
	return nil
}

// portalAsOf is GOVPULSE_PORTAL_AS_OF as the portal's date, zero when
// unset (checked by Validate).
func (m *Main) portalAsOf() portal.Date {
	at, _ := m.Config.PortalAsOfDate()
	if at.IsZero() {
		return portal.Date{}
	}
	y, mo, d := at.Date()
	return portal.NewDate(y, mo, d)
}

// portalClock is the clock of the portal's "today": m.Now, or noon of
// GOVPULSE_PORTAL_AS_OF when set. Only what judges dates takes it (the
// store, a profile's founding year); the rate limit, feeds' time stamps
// and the usage events keep the real clock.
func (m *Main) portalClock() func() time.Time {
	if asOf := m.portalAsOf(); !asOf.IsZero() {
		noon := asOf.Time().Add(12 * time.Hour)
		return func() time.Time { return noon }
	}
	return m.Now
}
