package events

import "slices"

// eventType pairs a CloudEvents type with the function that reads its data.
type eventType struct {
	name   string
	decode func(r *fieldReader) Event
}

// eventTypes is the table of known event types. Adding a type is one file
// (its struct, constant and decode function) plus one line here.
func eventTypes() []eventType {
	return []eventType{
		{TypeCaseFinished, decodeCaseFinished},
		{TypeLicenseIssued, decodeLicenseIssued},
		{TypeLawsuitAppearance, decodeLawsuitAppearance},
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
