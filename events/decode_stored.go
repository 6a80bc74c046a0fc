package events

import (
	"encoding/json"
	"fmt"
)

// DecodeData reads the data of an event that is already stored, and so was
// validated when it arrived, into its typed payload. It does not validate
// again: it only fails for an unknown type or data that is not the type's
// JSON shape.
func DecodeData(typ string, data json.RawMessage) (Event, error) {
	switch typ {
	case TypeCaseFinished:
		return decodeStoredAs[CaseFinished](typ, data)
	case TypeLicenseIssued:
		return decodeStoredAs[LicenseIssued](typ, data)
	case TypeLawsuitAppearance:
		return decodeStoredAs[LawsuitAppearance](typ, data)
	}
	return nil, fmt.Errorf("decode %s data: unknown event type", typ)
}

// DecodeStored reads the data of a stored envelope (the whole CloudEvent as
// the log keeps it) into its typed payload, in one pass over the JSON.
func DecodeStored(typ string, envelope json.RawMessage) (Event, error) {
	switch typ {
	case TypeCaseFinished:
		return decodeEnvelopeAs[CaseFinished](typ, envelope)
	case TypeLicenseIssued:
		return decodeEnvelopeAs[LicenseIssued](typ, envelope)
	case TypeLawsuitAppearance:
		return decodeEnvelopeAs[LawsuitAppearance](typ, envelope)
	}
	return nil, fmt.Errorf("decode stored %s event: unknown event type", typ)
}

func decodeStoredAs[T Event](typ string, data json.RawMessage) (Event, error) {
	var v T
	if err := json.Unmarshal(data, &v); err != nil {
		return nil, fmt.Errorf("decode %s data: %w", typ, err)
	}
	return v, nil
}

func decodeEnvelopeAs[T Event](typ string, envelope json.RawMessage) (Event, error) {
	var v struct {
		Data *T `json:"data"`
	}
	if err := json.Unmarshal(envelope, &v); err != nil {
		return nil, fmt.Errorf("decode stored %s event: %w", typ, err)
	}
	if v.Data == nil {
		return nil, fmt.Errorf("decode stored %s event: no data", typ)
	}
	return *v.Data, nil
}
