package events

import (
	"encoding/json"
	"time"
)

// Recorded is an event as the log holds it: its envelope as sent, plus the
// position (Seq) and time (RecordedAt) the log gave it.
type Recorded struct {
	Seq        int64           `json:"seq"`
	Source     string          `json:"source"`
	ID         string          `json:"id"`
	Type       string          `json:"type"`
	Department string          `json:"department"`
	OccurredAt time.Time       `json:"time"`
	RecordedAt time.Time       `json:"recorded_at"`
	Envelope   json.RawMessage `json:"event"`
	// Reading is the strict reading that accepted Envelope when it was
	// appended (Envelope.Reading then; see DecodeRecorded), 0 when the
	// log does not know.
	Reading int `json:"-"`
	// Decoded, when not nil, is Envelope's payload as DecodeStored reads
	// it, which a consumer may fold instead of reading Envelope again.
	// Only a reader that read those same bytes with the strict reading
	// sets it: ingest, for the batches this process appends (held to
	// DecodeStored's answer by FuzzIngestAgreesWithLog). It is shared by
	// every consumer that gets the event, so it must not be modified.
	Decoded Event `json:"-"`
}

// Batch names the events one append added to the log: the contiguous
// sequence numbers First through Last, all from Source. It is what travels
// on the bus; consumers read the events themselves from the log.
type Batch struct {
	First  int64  `json:"first_seq"`
	Last   int64  `json:"last_seq"`
	Source string `json:"source"`
}

// Count is the number of events in the batch.
func (b Batch) Count() int { return int(b.Last - b.First + 1) }
