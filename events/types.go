package events

import (
	"bytes"
	"slices"
)

// eventType pairs a CloudEvents type with the function that reads its data.
type eventType struct {
	name   string
	decode func(r *fieldReader) Event
	// speaksFor is the data field naming the department the event speaks
	// for, which a sender's token must be allowed.
	speaksFor string // "" for the portal's usage events, which speak for none
}

// eventTypes is the table of known event types. Adding a type is one file
// (its struct, constant and decode function) plus one line here.
func eventTypes() []eventType {
	return []eventType{
		{TypeCaseFinished, decodeCaseFinished, "department"},
		{TypeLicenseIssued, decodeLicenseIssued, "department"},
		{TypeLawsuitAppearance, decodeLawsuitAppearance, "agency"},
		{TypePolicyPublished, decodePolicyPublished, "issuer"},
		{TypePolicyInterpreted, decodePolicyInterpreted, "issuer"},
		{TypePolicyAmended, decodePolicyAmended, "issuer"},
		{TypePolicyExtended, decodePolicyExtended, "issuer"},
		{TypePolicyRepealed, decodePolicyRepealed, "issuer"},
		{TypePolicyViewed, decodePolicyViewed, ""},
		{TypePortalSearched, decodePortalSearched, ""},
	}
}

// lookupType returns the decode function of type name.
func lookupType(name string) (func(r *fieldReader) Event, bool) {
	for _, t := range eventTypes() {
		if t.name == name {
			return t.decode, true
		}
	}
	return nil, false
}

// KnownTypes returns the CloudEvents types govpulse accepts, sorted.
func KnownTypes() []string {
	var names []string
	for _, t := range eventTypes() {
		names = append(names, t.name)
	}
	slices.Sort(names)
	return names
}

// DepartmentField names the data field holding the department an event of
// type typ speaks for ("department", or "agency" for lawsuit appearances;
// "" for the portal's usage events, which speak for no department).
func DepartmentField(typ string) (string, bool) {
	for _, t := range eventTypes() {
		if t.name == typ {
			return t.speaksFor, true
		}
	}
	return "", false
}

// PeekDepartment reads the department an undecoded event speaks for, so a
// sender can be told it may not send the event before its fields are
// checked. ok is false when the type is unknown or the field is missing or
// not a string; validation reports those.
func (e *Envelope) PeekDepartment() (field, code string, ok bool) {
	field, known := DepartmentField(e.Type)
	if !known || field == "" {
		return "", "", false
	}
	// The first member of that name is the only one (the strict reading
	// refuses duplicate names), so the scan stops there; a name is
	// unquoted only when it has escapes, as splitObject would read it.
	var v []byte
	scanObject(e.Data, func(lit, value []byte) bool {
		name := lit[1 : len(lit)-1]
		if bytes.IndexByte(name, '\\') >= 0 {
			key, ok := unquote(lit)
			if !ok {
				return false
			}
			name = []byte(key)
		}
		if string(name) == field {
			v = value
			return false
		}
		return true
	})
	if v == nil {
		return field, "", false
	}
	code, ok = unquote(v)
	return field, code, ok
}
