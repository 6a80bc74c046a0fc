package httpapi

import (
	"errors"
	"mime"
	"net/http"

	"github.com/govpulse/govpulse/events"
)

// The ingest API speaks the CloudEvents HTTP protocol binding in its
// content modes: structured (one event, application/cloudevents+json),
// batch (application/cloudevents-batch+json) and binary (the attributes in
// ce-* headers, the body the event's data as application/json, as the
// official SDKs send by default). A request with any ce-* header is binary.

// checkContentType refuses, before the body is read, a Content-Type the
// request's content mode does not take.
func checkContentType(h http.Header) error {
	ct := h.Get("Content-Type")
	mt, _, err := mime.ParseMediaType(ct)
	if events.IsBinaryMode(h) {
		if err != nil || mt != events.ContentTypeJSON {
			return &events.ContentTypeError{Got: ct, Binary: true}
		}
		return nil
	}
	if err != nil || (mt != events.ContentTypeSingle && mt != events.ContentTypeBatch && mt != events.ContentTypeJSON) {
		return &events.ContentTypeError{Got: ct}
	}
	return nil
}

// decodeIngest reads a request body in its content mode.
func decodeIngest(h http.Header, body []byte) ([]events.Envelope, error) {
	if events.IsBinaryMode(h) {
		env, err := events.DecodeBinary(h, h.Get("Content-Type"), body)
		if err != nil {
			return nil, err
		}
		return []events.Envelope{env}, nil
	}
	return events.DecodeRequestOwned(body, h.Get("Content-Type"))
}

// headerError turns an unreadable binary-mode header into a 400 naming it.
func headerError(err error) (*Error, bool) {
	var he *events.HeaderError
	if !errors.As(err, &he) {
		return nil, false
	}
	e := errorf(EMalformed, "binary content mode: "+he.Error()+"; nothing was stored")
	e.Problems = []events.Problem{{Index: 0, Field: he.Header, Reason: he.Msg}}
	return e, true
}
