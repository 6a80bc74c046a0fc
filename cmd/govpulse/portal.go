package main

import (
	"context"
	"net"
	"net/http"
	"time"

	portalapi "github.com/govpulse/govpulse/portal/api"
	"github.com/govpulse/govpulse/portal/web"
)

// The portal (政策通) in the service: its read model and Reader are
// opened by openPortalData; its HTTP side (pages, feeds, /api/v1) is served either beside the
// API on --http-addr (the demo) or alone on --portal-addr, where no
// ingest, admin or metrics endpoint is reachable.

// portalServer is the portal's own HTTP server, when --portal-addr is set.
type portalServer struct {
	server   *http.Server
	listener net.Listener
}

// portalPatterns are the patterns the portal answers on the main
// address, beside the API at "/".
var portalPatterns = []string{"/{$}", "/search", "/match", "/policies/", "/feeds/", "/static/", "/api/v1/"}

// openPortal builds the portal's HTTP side on m.Portal (openPortalData):
// the pages and feeds, with the JSON API (portal/api) under /api/v1/, and
// either serves it alone on --portal-addr or mounts it on m.routes beside
// the API.
func (m *Main) openPortal(context.Context) error {
	cfg := m.Config
	cat, reg := m.catalog, m.registry
	site := &web.Server{
		Reader:        m.Portal,
		API:           (&portalapi.Handler{Reader: m.Portal, Logger: m.Logger, Now: m.portalClock()}).Routes(),
		Usage:         m.Usage(),
		Choices:       web.ChoicesFrom(cat),
		Now:           m.Now,
		AsOf:          m.portalAsOf(),
		RatePerClient: cfg.PortalRate,
		RateBurst:     cfg.PortalBurst,
		Logger:        m.Logger,
		Registry:      reg,
	}
	portal, err := site.Handler()
	if err != nil {
		return err
	}
	if cfg.PortalAddr == "" {
		for _, p := range portalPatterns {
			m.routes.Handle(p, portal)
		}
		return nil
	}
	ln, srv, err := m.startHTTPServer("--portal-addr (GOVPULSE_PORTAL_ADDR)", cfg.PortalAddr, "portal", portal, 30*time.Second)
	if err != nil {
		return err
	}
	m.portal = &portalServer{server: srv, listener: ln}
	m.Logger.Info("portal serving", "addr", ln.Addr().String())
	return nil
}

// PortalURL is the portal's base URL: its own address when
// --portal-addr is set, else the API's.
func (m *Main) PortalURL() string {
	if m.portal != nil {
		return "http://" + m.portal.listener.Addr().String()
	}
	return m.URL()
}

// closePortal finishes the portal server's in-flight requests.
func (m *Main) closePortal(ctx context.Context) error {
	if m.portal == nil {
		return nil
	}
	return m.portal.server.Shutdown(ctx)
}
