package events

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// StoredEventError says that the strict reading refuses an event read back
// from the log: it was stored by an earlier version that read JSON less
// strictly. Read models skip such an event (and count it), and
// `govpulse log check` lists it; the log itself never changes.
type StoredEventError struct {
	Type     string
	Problems []Problem
}

// Error lists the problems.
func (e *StoredEventError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "stored %s event refused by the strict reading:", e.Type)
	for i, p := range e.Problems {
		if i > 0 {
			b.WriteString(";")
		}
		if p.Field != "" {
			fmt.Fprintf(&b, " %s", p.Field)
		}
		fmt.Fprintf(&b, " %s", p.Reason)
	}
	return b.String()
}

// storedLatest is the latest time the stored reading accepts: the log's
// events were checked against the clock when they arrived.
func storedLatest() time.Time { return time.Date(9999, 12, 31, 0, 0, 0, 0, time.UTC) }

// DecodeStored reads a stored envelope (the whole CloudEvent as the log
// keeps it) into its typed payload with the one strict reading that ingest
// uses: the same decoder, the same attribute and field rules, without the
// catalogue and clock checks that were made when it arrived. typ is the
// type the log recorded; it must be the envelope's. An event the strict
// reading refuses is a *StoredEventError.
func DecodeStored(typ string, envelope json.RawMessage) (Event, error) {
	if _, known := lookupType(typ); !known {
		return nil, fmt.Errorf("decode stored %s event: unknown event type", typ)
	}
	env, err := ReadStoredEnvelope(envelope)
	if err != nil {
		return nil, err
	}
	return DecodeStoredEnvelope(typ, &env)
}

// ReadStoredEnvelope reads a stored envelope's attributes with the strict
// reading; a *StoredEventError when it is not JSON the reading accepts.
func ReadStoredEnvelope(envelope json.RawMessage) (Envelope, error) {
	raw, err := readOne(envelope)
	if err != nil {
		p := Problem{Reason: err.Error()}
		if se, ok := err.(*SyntaxError); ok {
			p = Problem{Field: se.Field, Reason: fmt.Sprintf("%s (byte %d)", se.Msg, se.Offset)}
		}
		return Envelope{}, &StoredEventError{Problems: []Problem{p}}
	}
	return decodeEnvelope(raw), nil
}

// DecodeStoredEnvelope validates an envelope read by ReadStoredEnvelope as
// the stored reading does and returns its payload.
func DecodeStoredEnvelope(typ string, env *Envelope) (Event, error) {
	ev, problems := validate(0, env, reading{latest: storedLatest(), stored: true})
	if len(problems) == 0 && env.Type != typ {
		problems = []Problem{{ID: env.ID, Field: "type", Reason: fmt.Sprintf("the envelope says %q but the log recorded %q", env.Type, typ)}}
	}
	if len(problems) > 0 {
		return nil, &StoredEventError{Type: typ, Problems: problems}
	}
	return ev, nil
}

// DecodeData reads the data object of an event of type typ with the
// stored reading, as DecodeStored does for a whole envelope.
func DecodeData(typ string, data json.RawMessage) (Event, error) {
	decode, known := lookupType(typ)
	if !known {
		return nil, fmt.Errorf("decode %s data: unknown event type", typ)
	}
	raw, err := readOne(data)
	if err != nil {
		return nil, fmt.Errorf("decode %s data: %w", typ, err)
	}
	fields, ok := splitObject(raw)
	if !ok {
		return nil, fmt.Errorf("decode %s data: must be a JSON object, got %s", typ, jsonKind(raw))
	}
	r := &fieldReader{eventType: typ, fields: fields, latest: storedLatest(), stored: true}
	ev := decode(r)
	r.finish()
	if len(r.problems) > 0 {
		return nil, &StoredEventError{Type: typ, Problems: toProblems(0, "", r.problems)}
	}
	return ev, nil
}
