package events

import (
	"encoding/json"
)

// fieldProblem is a problem whose event index and id are not known yet.
type fieldProblem struct {
	field  string
	reason string
}

// decodeEnvelope reads the attributes of one event. It never fails: an
// attribute of the wrong JSON type, or an event that is not an object,
// becomes a decode problem that Validate reports with the event's index.
func decodeEnvelope(raw json.RawMessage) Envelope {
	e := Envelope{Raw: raw}
	attrs, ok := splitObject(raw)
	if !ok {
		e.decodeProblems = append(e.decodeProblems, fieldProblem{"", "each event must be a JSON object, got " + jsonKind(raw)})
		return e
	}
	str := func(name string, dst *string) {
		v, ok := attrs[name]
		if !ok || jsonKind(v) == "null" {
			return
		}
		s, ok := unquote(v)
		if !ok {
			e.decodeProblems = append(e.decodeProblems, fieldProblem{name, "must be a string, got " + jsonKind(v)})
			return
		}
		*dst = s
	}
	str("specversion", &e.SpecVersion)
	str("id", &e.ID)
	str("source", &e.Source)
	str("type", &e.Type)
	str("subject", &e.Subject)
	str("time", &e.TimeRaw)
	str("datacontenttype", &e.DataContentType)
	str("dataschema", &e.DataSchema)
	if d, ok := attrs["data"]; ok && jsonKind(d) != "null" {
		e.Data = d
	}
	if _, ok := attrs["data_base64"]; ok {
		e.decodeProblems = append(e.decodeProblems, fieldProblem{"data_base64", "binary data is not accepted; send data as a JSON object"})
	}
	return e
}

// jsonKind names the JSON type of a valid JSON value, for messages.
func jsonKind(v json.RawMessage) string {
	i := firstNonSpace(v)
	if i == len(v) {
		return "nothing"
	}
	switch v[i] {
	case '{':
		return "object"
	case '[':
		return "array"
	case '"':
		return "string"
	case 't', 'f':
		return "boolean"
	case 'n':
		return "null"
	default:
		return "number"
	}
}
