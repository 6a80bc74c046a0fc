package events

import "encoding/json"

// ReadingVersion names the strict reading of this version: its JSON
// reading, its envelope rules and every type's field decoder. Ingest
// records it with each event it appends (the log's reading column), so
// that a later read of the log knows which reading accepted the bytes. It
// must be raised whenever the strict reading changes what it accepts or
// how it reads an accepted event: a row recorded under another version is
// read in full again. TestReadingVersionNamesThisReading fails when what
// the reading makes of a corpus changes while this stays the same.
const ReadingVersion = 1

// DecodeRecorded is DecodeStored for an event the log recorded as
// accepted by the strict reading of version reading. When that is this
// version (ReadingVersion), the JSON is known to be what the strict
// reading accepts (one object, valid UTF-8, paired surrogates, no name
// twice) and the envelope and data to pass its rules, so it takes the
// members apart with a light scan instead of checking them again and
// reads the fields without the checks they passed; it reads the same
// value (FuzzTrustedReadingAgrees holds it to DecodeStored). Any
// other version, or bytes the light scan cannot take apart, take
// DecodeStored's full reading.
func DecodeRecorded(typ string, reading int, envelope json.RawMessage) (Event, error) {
	if reading == ReadingVersion {
		if ev, ok := decodeTrusted(typ, envelope); ok {
			return ev, nil
		}
	}
	return DecodeStored(typ, envelope)
}

// decodeTrusted is DecodeRecorded's light reading of an envelope the
// strict reading of this version accepted; ok is false when it cannot
// read it (and DecodeStored words the refusal).
func decodeTrusted(typ string, envelope json.RawMessage) (Event, bool) {
	var s trustedSplit
	raw, ok := s.split(envelope)
	if !ok {
		return nil, false
	}
	return decodeStoredPlain(typ, raw, &s.top, &s.data, true)
}

// trustedSplit takes apart an envelope the strict reading accepted: the
// members of the envelope in top, those of its member "data", when it is
// an object, in data, as strictChecker records them, without its checks.
// On other bytes it reads something or fails, but stays within them.
type trustedSplit struct {
	top, data recordedObject
}

// split reads raw; value is the envelope without the space around it.
func (s *trustedSplit) split(raw []byte) (value []byte, ok bool) {
	start := skipSpace(raw, 0)
	end := s.members(raw, start, &s.top, true)
	if end < 0 || skipSpace(raw, end) != len(raw) {
		return nil, false
	}
	return raw[start:end:end], true
}

// members reads the object at b[i] into rec and returns the index just
// past it, or -1; at the top, the member "data" is read into s.data when
// it is an object.
func (s *trustedSplit) members(b []byte, i int, rec *recordedObject, top bool) int {
	if i >= len(b) || b[i] != '{' {
		return -1
	}
	rec.whole, rec.n = true, 0
	i = skipSpace(b, i+1)
	if i < len(b) && b[i] == '}' {
		return i + 1
	}
	for i < len(b) && b[i] == '"' {
		end, escaped := scanString(b, i)
		if end < 0 {
			return -1
		}
		name := b[i:end]
		i = skipSpace(b, end)
		if i >= len(b) || b[i] != ':' {
			return -1
		}
		start := skipSpace(b, i+1)
		if top && start < len(b) && b[start] == '{' && string(name) == `"data"` {
			i = s.members(b, start, &s.data, false)
		} else {
			i = skipValue(b, start)
		}
		if i < 0 {
			return -1
		}
		rec.add(nameLit{lit: name, escaped: escaped}, b[start:i:i])
		var done bool
		if i, done = afterValue(b, i, '}'); done {
			return i
		}
	}
	return -1
}
