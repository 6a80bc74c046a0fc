package httpapi

import (
	"context"
	"time"

	"github.com/govpulse/govpulse/bus"
	"github.com/govpulse/govpulse/events"
	"github.com/govpulse/govpulse/postgres"
	"github.com/govpulse/govpulse/projections"
	"github.com/govpulse/govpulse/projections/read"
	"github.com/govpulse/govpulse/targets"
)

// What the handlers need, declared here by their user: each is small, so
// a handler's rules (authentication, limits, validation, error answers)
// can be tested with a stand-in, while the end-to-end tests run the real
// ones through cmd/govpulse's Main.

// EventLog is the append-only log: *postgres.EventStore.
type EventLog interface {
	// Append stores a source's events that are not yet stored, all or
	// nothing, reporting each event's outcome.
	Append(ctx context.Context, source string, evs []postgres.NewEvent) (postgres.AppendResult, error)
	// Read returns up to limit events after seq, in log order.
	Read(ctx context.Context, after int64, limit int) ([]events.Recorded, error)
}

// PoisonQueue holds the batches consumers gave up on: *bus.PoisonQueue.
// Replay fails with bus.ErrPoisonNotFound for an unknown id and with
// bus.ErrReplayFailed, and the message as it now stands, when the
// consumer fails on the batch again.
type PoisonQueue interface {
	List(ctx context.Context, all bool, limit int) ([]bus.PoisonMessage, error)
	Replay(ctx context.Context, id int64) (bus.PoisonMessage, error)
}

// Readiness says whether the service can do its work, for /readyz: each
// check by name with "ok" (or "ok (detail)") or why it fails.
type Readiness interface {
	Ready(ctx context.Context) (checks map[string]string, ok bool)
}

// Stats answers the read-side queries of the read models and the
// consumer ledger.
type Stats interface {
	Cases(ctx context.Context, q read.Query) ([]read.CaseGroup, error)
	Licenses(ctx context.Context, q read.Query) ([]read.LicenseGroup, error)
	Lawsuits(ctx context.Context, q read.Query) ([]read.LawsuitGroup, error)
	Tally(ctx context.Context, f read.TallyFilter) ([]read.TallyRow, error)
	// Consumers returns each named consumer's progress.
	Consumers(ctx context.Context, names []string) ([]postgres.ConsumerStatus, error)
}

// Targets evaluates the targets on the read models.
type Targets interface {
	// Definitions are the targets as loaded.
	Definitions() []targets.Target
	// Today is the current date in Zone.
	Today() time.Time
	// Zone is the calendar's time zone, in which dates are read.
	Zone() *time.Location
	// Evaluate evaluates every target for the date at, of one department
	// (or targets.CityWide) or all when department is "".
	Evaluate(ctx context.Context, at time.Time, department string) ([]targets.Result, error)
	// History returns status changes, newest first.
	History(ctx context.Context, target, department string, limit int) ([]targets.HistoryEntry, error)
}

// ReadModels are the read models that can be rebuilt.
type ReadModels interface {
	// Names are the read models' names, in a stable order.
	Names() []string
	// Rebuild replays the log into the named read model and swaps it in;
	// it fails with projections.ErrRebuildRunning while another rebuild
	// of it runs.
	Rebuild(ctx context.Context, name string) (projections.RebuildReport, error)
}
