package events

import (
	"encoding/json"
	"time"
)

// SpecVersion is the only CloudEvents spec version govpulse accepts.
const SpecVersion = "1.0"

// Content types of the ingest API (CloudEvents JSON structured mode).
const (
	ContentTypeSingle = "application/cloudevents+json"
	ContentTypeBatch  = "application/cloudevents-batch+json"
	// ContentTypeJSON is accepted leniently: a body starting with "[" is a
	// batch, anything else a single event.
	ContentTypeJSON = "application/json"
)

// Envelope is one CloudEvents 1.0 event in JSON structured mode. ID and
// Source together identify an event; Time is when it happened. Raw keeps the
// event exactly as the sender wrote it, so the store can keep it losslessly.
//
// DecodeRequest fills TimeRaw with the sender's "time" string and leaves Time
// zero; Validator.Validate parses TimeRaw and sets Time. Attributes of the
// wrong JSON type (say a numeric id) do not fail decoding: they are kept and
// reported by Validate, so a bad event keeps its index in the request.
// Extension attributes are allowed and survive only in Raw.
type Envelope struct {
	SpecVersion     string          `json:"specversion"`
	ID              string          `json:"id"`
	Source          string          `json:"source"`
	Type            string          `json:"type"`
	Subject         string          `json:"subject,omitempty"`
	Time            time.Time       `json:"time"`
	TimeRaw         string          `json:"-"` // "time" as sent
	DataContentType string          `json:"datacontenttype,omitempty"`
	DataSchema      string          `json:"dataschema,omitempty"`
	Data            json.RawMessage `json:"data"`

	// Raw is the event's original JSON object, byte for byte.
	Raw json.RawMessage `json:"-"`
	// Reading is the strict reading (ReadingVersion) that accepted Raw:
	// set by Validate on an event it accepts whose Raw the strict JSON
	// reading read (DecodeRequest, DecodeBinary), 0 on any other. The log
	// records it, so that a rebuild knows the bytes are accepted.
	Reading int `json:"-"`
	// strictRaw says that Raw is what the strict JSON reading read.
	strictRaw bool

	// decodeProblems are attributes DecodeRequest could not read (wrong
	// JSON type, not an object); Validate reports them.
	decodeProblems []fieldProblem
}

// Problem is one reason an event was rejected: which event (Index in the
// request, ID if it had one), which field (a path such as
// "data.finished_at"), and why, in words a department programmer can act on.
type Problem struct {
	Index  int    `json:"index"`
	ID     string `json:"id,omitempty"`
	Field  string `json:"field"`
	Reason string `json:"reason"`
}

// Event is a validated domain event's payload (the envelope's data).
type Event interface {
	// EventType is the CloudEvents type, e.g. TypeCaseFinished.
	EventType() string
	// Department is the catalogue code of the department the event speaks
	// for; an ingest token must be allowed to speak for it.
	Department() string
	// OccurredAt is when the fact happened (finished_at, issued_at,
	// hearing_at); targets and history are computed on it.
	OccurredAt() time.Time
}
