package demo

import (
	"encoding/json"
	"time"

	"github.com/govpulse/govpulse/events"
)

// Event is one generated event: the sending system (the CloudEvents
// source), a deterministic id, and the typed payload. Its time is the
// payload's OccurredAt.
type Event struct {
	Source string
	ID     string
	Data   events.Event
	// At, when set, is the event's time; portal usage events carry their
	// time in the envelope only.
	At time.Time
}

// Time is when the fact happened: the CloudEvents time attribute.
func (e Event) Time() time.Time {
	if !e.At.IsZero() {
		return e.At
	}
	return e.Data.OccurredAt()
}

// MarshalJSON writes e as a CloudEvents 1.0 JSON object, times as RFC 3339
// with the calendar zone's offset (+08:00).
func (e Event) MarshalJSON() ([]byte, error) {
	return json.Marshal(events.NewOutgoing(e.ID, e.Source, e.Time().Format(time.RFC3339), e.Data))
}
