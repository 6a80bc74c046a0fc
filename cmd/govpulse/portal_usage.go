package main

import (
	"context"
	"time"

	"github.com/govpulse/govpulse/events"
	portalusage "github.com/govpulse/govpulse/portal/usage"
)

// portalUsage is the running recorder of the portal's views and searches.
type portalUsage struct {
	recorder *portalusage.LogRecorder
	stop     context.CancelFunc
}

// openUsage starts the recorder that appends the portal's usage to the
// log with a validator like ingest's, so what it stores ingest would accept.
func (m *Main) openUsage(context.Context) error {
	v := &events.Validator{Catalog: m.catalog, MaxClockSkew: m.Config.MaxClockSkew, Now: m.Now}
	store, reg := m.store, m.registry
	now := m.Now
	if now == nil {
		now = time.Now
	}
	r, err := portalusage.NewLogRecorder(store, v, portalusage.LogConfig{Now: now}, m.Logger, reg)
	if err != nil {
		return err
	}
	ctx, stop := context.WithCancel(context.Background())
	m.usage = &portalUsage{recorder: r, stop: stop}
	go r.Run(ctx)
	return nil
}

// Usage is the Recorder the portal's pages call; it records nothing
// before Open.
func (m *Main) Usage() portalusage.Recorder {
	if m.usage == nil {
		return portalusage.Discard{}
	}
	return m.usage.recorder
}

// closeUsage appends what is buffered and stops the recorder; the HTTP
// server has stopped, so nothing more arrives, and the bus still runs.
func (m *Main) closeUsage() {
	if m.usage == nil {
		return
	}
	m.usage.stop()
	<-m.usage.recorder.Done()
}
