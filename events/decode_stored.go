package events

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"time"
)

// StoredEventError says that the strict reading refuses an event read back
// from the log: it was stored by an earlier version that read JSON less
// strictly. Read models skip such an event (and log it), and
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
// uses: the same JSON decoder (case-sensitive, duplicate names, invalid
// UTF-8 and lone surrogates refused) and the type's own field decoder.
// What it does not repeat is what cannot change what a read model counts
// and was checked when the event arrived: the catalogue, the clock and the
// envelope's other attributes (govpulse log check judges those). The
// strict reading of the JSON takes a quick look first (checkStrict, held
// to it by FuzzStrictCheckAgrees) and the decoder only when that is not
// sure or refuses, so that a refusal is worded as ingest words it. typ is
// the type the log recorded; it must be the envelope's. An event the
// reading refuses is a *StoredEventError.
func DecodeStored(typ string, envelope json.RawMessage) (Event, error) {
	if _, known := lookupType(typ); !known {
		return nil, fmt.Errorf("decode stored %s event: unknown event type", typ)
	}
	c := strictChecker{b: envelope, record: true}
	raw, verdict := c.check()
	if verdict != strictAccepted {
		var err error
		if raw, err = readOne(envelope); err != nil {
			return nil, storedSyntaxError(err)
		}
		c = strictChecker{}
	}
	if ev, ok := decodeStoredPlain(typ, raw, &c.top, &c.data, false); ok {
		return ev, nil
	}
	env := decodeEnvelope(raw)
	return DecodeStoredEnvelope(typ, &env)
}

// decodeStoredPlain is DecodeStored's reading of a checked envelope raw
// that it accepts, for nearly every stored event, without reading the
// attributes it does not need: it reads the payload when the envelope is
// within the size limit and its member names have no escapes, none is ""
// or data_base64, and its type is typ as the log recorded it, written
// without escapes; when the payload's reading finds no problem either,
// that is DecodeStoredEnvelope's answer too (none of its refusals
// applies). Otherwise ok is false and DecodeStored takes the whole way,
// which words the refusal. When top is whole it holds raw's members, and
// when data is whole it holds the data object's (checkStrict read them):
// neither is then scanned again. trusted says that the strict reading of
// this version accepted raw when it arrived (see reading.trusted).
func decodeStoredPlain(typ string, raw json.RawMessage, top, data *recordedObject, trusted bool) (ev Event, ok bool) {
	if len(raw) > MaxEventBytes {
		return nil, false
	}
	var dataValue json.RawMessage
	typed := false
	member := func(lit, v []byte) bool {
		name := lit[1 : len(lit)-1]
		if len(name) == 0 || bytes.IndexByte(name, '\\') >= 0 || string(name) == "data_base64" {
			return false
		}
		switch string(name) {
		case "type":
			if len(v) != len(typ)+2 || v[0] != '"' || string(v[1:len(v)-1]) != typ {
				return false
			}
			typed = true
		case "data":
			if jsonKind(v) != "null" {
				dataValue = v
			}
		}
		return true
	}
	plain := true
	if top.whole {
		for i := range top.n {
			if plain = member(top.names[i], top.values[i]); !plain {
				break
			}
		}
	} else {
		plain = scanObject(raw, member)
	}
	if !plain {
		return nil, false
	}
	if !typed {
		return nil, false
	}
	split := data
	if !data.whole || !top.whole {
		split = nil
	}
	ev, ps := decodeDataSplit(typ, dataValue, split, reading{latest: storedLatest(), stored: true, trusted: trusted})
	if len(ps) > 0 {
		return nil, false
	}
	return ev, true
}

// ReadStoredEnvelope reads a stored envelope's attributes with the strict
// reading; a *StoredEventError when it is not JSON the reading accepts.
func ReadStoredEnvelope(envelope json.RawMessage) (Envelope, error) {
	raw, err := readOne(envelope)
	if err != nil {
		return Envelope{}, storedSyntaxError(err)
	}
	return decodeEnvelope(raw), nil
}

// storedSyntaxError is the refusal of a stored envelope that the strict
// reading of JSON refuses.
func storedSyntaxError(err error) error {
	p := Problem{Reason: err.Error()}
	if se, ok := err.(*SyntaxError); ok {
		p = Problem{Field: se.Field, Reason: fmt.Sprintf("%s (byte %d)", se.Msg, se.Offset)}
	}
	return &StoredEventError{Problems: []Problem{p}}
}

// DecodeStoredEnvelope reads the payload of an envelope read by
// ReadStoredEnvelope, as DecodeStored does.
func DecodeStoredEnvelope(typ string, env *Envelope) (Event, error) {
	refuse := func(ps ...Problem) (Event, error) { return nil, &StoredEventError{Type: typ, Problems: ps} }
	for _, p := range env.decodeProblems {
		if p.field == "" || p.field == "type" || p.field == "data_base64" {
			return refuse(Problem{ID: env.ID, Field: p.field, Reason: p.reason})
		}
	}
	if env.Type != typ {
		return refuse(Problem{ID: env.ID, Field: "type", Reason: fmt.Sprintf("the envelope says %q but the log recorded %q", clip(env.Type, maxAttrLen), typ)})
	}
	ev, ps := decodeData(typ, env.Data, reading{latest: storedLatest(), stored: true})
	if len(ps) > 0 {
		return refuse(toProblems(0, env.ID, ps)...)
	}
	return ev, nil
}

// decodeData reads a data object with the type's field decoder, as rd
// says; it returns the payload or every problem.
func decodeData(typ string, data json.RawMessage, rd reading) (Event, []fieldProblem) {
	return decodeDataSplit(typ, data, nil, rd)
}

// decodeDataSplit is decodeData, with data's members from split when it
// is not nil (checkStrict recorded them) instead of a scan of data.
func decodeDataSplit(typ string, data json.RawMessage, split *recordedObject, rd reading) (Event, []fieldProblem) {
	decode, known := lookupType(typ)
	if !known {
		return nil, []fieldProblem{{"type", fmt.Sprintf("unknown type %q", clip(typ, maxAttrLen))}}
	}
	sc := dataScratches.Get().(*dataScratch)
	defer sc.release()
	var fields members
	var isObject bool
	if split != nil {
		fields, isObject = split.membersInto(sc.fields)
	} else {
		fields, isObject = splitObjectInto(sc.fields, data)
	}
	sc.filled(fields, isObject)
	switch {
	case len(data) == 0:
		return nil, []fieldProblem{{"data", "is required: a JSON object with the event's fields"}}
	case !isObject:
		return nil, []fieldProblem{{"data", "must be a JSON object, got " + jsonKind(data)}}
	}
	r := &sc.reader
	*r = fieldReader{eventType: typ, fields: fields, catalog: rd.catalog, latest: rd.latest, stored: rd.stored, trusted: rd.trusted,
		asked: sc.asked[:0], seen: sc.seen}
	ev := decode(r)
	r.finish()
	sc.asked = r.asked
	if len(r.problems) > 0 {
		return nil, r.problems
	}
	return ev, nil
}

// dataScratch is what decodeData reads one data object with: its members,
// its reader and the names the decoder asked for, reused across calls
// (every event read from the log would otherwise allocate them). Nothing
// of it outlives the call: the event holds strings, the problems are
// handed over.
type dataScratch struct {
	fields members
	asked  []string
	reader fieldReader
	// seen is the reader's seen, kept from call to call: a cache of
	// strings equal to the bytes they are kept by, never cleared.
	seen map[string]string
	// partial says that a split that failed may have filled members of
	// fields' memory past its length.
	partial bool
}

// filled keeps the members a split appended to sc.fields[:0], or notes
// that a split that failed may have filled some.
func (sc *dataScratch) filled(fields members, ok bool) {
	if ok {
		sc.fields = fields
	} else {
		sc.partial = true
	}
}

// dataScratches is a cache of scratches, not state: each call resets the
// one it takes.
var dataScratches = sync.Pool{New: func() any {
	return &dataScratch{fields: make(members, 0, 16), asked: make([]string, 0, 20), seen: make(map[string]string)}
}}

// release clears the scratch's hold on the input and returns it.
// Past their lengths fields and asked hold nothing (a reader appends to
// asked[:0]), unless a split failed: clearing their lengths only spares
// each call clearing the whole of them.
func (sc *dataScratch) release() {
	if sc.partial {
		sc.fields = sc.fields[:cap(sc.fields)]
		sc.partial = false
	}
	clear(sc.fields)
	sc.fields = sc.fields[:0]
	clear(sc.asked)
	sc.asked = sc.asked[:0]
	sc.reader = fieldReader{}
	dataScratches.Put(sc)
}

// DecodeData reads the data object of an event of type typ with the
// stored reading, as DecodeStored does for a whole envelope.
func DecodeData(typ string, data json.RawMessage) (Event, error) {
	if _, known := lookupType(typ); !known {
		return nil, fmt.Errorf("decode %s data: unknown event type", typ)
	}
	raw, err := readOne(data)
	if err != nil {
		return nil, fmt.Errorf("decode %s data: %w", typ, err)
	}
	ev, ps := decodeData(typ, raw, reading{latest: storedLatest(), stored: true})
	if len(ps) > 0 {
		return nil, &StoredEventError{Type: typ, Problems: toProblems(0, "", ps)}
	}
	return ev, nil
}
