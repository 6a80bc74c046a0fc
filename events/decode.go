package events

import (
	"bytes"
	"fmt"
	"mime"
	"unicode/utf8"
)

// ContentTypeError reports a request whose Content-Type the ingest API does
// not accept. Got is the received header as sent.
type ContentTypeError struct {
	Got string
	// Binary is set for a binary-mode request (ce-* headers), whose
	// Content-Type is the data's.
	Binary bool
}

// Error names the received type and the accepted ones.
func (e *ContentTypeError) Error() string {
	got := e.Got
	if got == "" {
		got = "(none)"
	}
	if e.Binary {
		return fmt.Sprintf("unsupported content type %q for binary content mode (ce-* headers): the body is the event's data, send it as %s; "+
			"or send the whole event in structured mode as %s without ce-* headers", got, ContentTypeJSON, ContentTypeSingle)
	}
	return fmt.Sprintf("unsupported content type %q; send %s (one event) or %s (a JSON array of events); %s is accepted too",
		got, ContentTypeSingle, ContentTypeBatch, ContentTypeJSON)
}

// SyntaxError reports a request body that is not the JSON the content type
// promises: malformed JSON, a batch that is not an array, a single event
// that is not an object, an empty body or an empty batch ("[]"). Line and
// Column (both from 1, Column counted in characters) and Offset (bytes from
// 0) point at the offending place.
type SyntaxError struct {
	Line   int
	Column int
	Offset int
	Msg    string
	// Index is the event the place lies in (0 for a single event), or -1
	// when it lies outside every event; Field is the path inside the
	// event ("data.department"), "" for the event itself.
	Index int
	Field string
}

// Error names the position and what is wrong there.
func (e *SyntaxError) Error() string {
	return fmt.Sprintf("request body line %d, column %d: %s", e.Line, e.Column, e.Msg)
}

// DecodeRequest splits an ingest request body into envelopes. contentType is
// the request's Content-Type header; parameters such as charset are ignored.
// It fails only for the request as a whole (*ContentTypeError,
// *SyntaxError); problems with single events, including attributes of the
// wrong JSON type, are left for Validator.Validate so each keeps its index.
func DecodeRequest(body []byte, contentType string) ([]Envelope, error) {
	return decodeRequest(body, contentType, true)
}

// DecodeRequestOwned is DecodeRequest for a body the caller hands over:
// the envelopes' Raw share its memory instead of a copy's, so the caller
// must not change it afterwards. Ingest reads each request into a buffer
// of its own, which a copy would only double.
func DecodeRequestOwned(body []byte, contentType string) ([]Envelope, error) {
	return decodeRequest(body, contentType, false)
}

// decodeRequest is DecodeRequest, reading a copy of body when clone is set.
func decodeRequest(body []byte, contentType string, clone bool) ([]Envelope, error) {
	mediaType, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		return nil, &ContentTypeError{Got: contentType}
	}
	start := firstNonSpace(body)
	if start == len(body) {
		return nil, syntaxErrorAt(body, 0, "request body is empty; send one event or a JSON array of events")
	}
	var batch bool
	switch mediaType {
	case ContentTypeSingle:
		if body[start] != '{' {
			return nil, syntaxErrorAt(body, start, fmt.Sprintf("expected one event as a JSON object for %s (send batches as %s)", ContentTypeSingle, ContentTypeBatch))
		}
	case ContentTypeBatch:
		if body[start] != '[' {
			return nil, syntaxErrorAt(body, start, fmt.Sprintf("expected a JSON array of events for %s", ContentTypeBatch))
		}
		batch = true
	case ContentTypeJSON:
		batch = body[start] == '['
	default:
		return nil, &ContentTypeError{Got: contentType}
	}
	// One copy, so the events do not alias a body the caller may reuse.
	own := body
	if clone {
		own = bytes.Clone(body)
	}
	raws, err := readEvents(own, batch)
	if err != nil {
		return nil, err
	}
	if batch && len(raws) == 0 {
		return nil, syntaxErrorAt(body, start, "batch is empty; send at least one event")
	}
	envs := make([]Envelope, len(raws))
	for i, raw := range raws {
		envs[i] = decodeEnvelope(raw)
	}
	return envs, nil
}

// syntaxErrorAt builds a *SyntaxError for byte offset pos of body.
func syntaxErrorAt(body []byte, pos int, msg string) *SyntaxError {
	pos = max(0, min(pos, len(body)))
	line := 1 + bytes.Count(body[:pos], []byte{'\n'})
	lineStart := bytes.LastIndexByte(body[:pos], '\n') + 1
	return &SyntaxError{
		Index:  -1,
		Line:   line,
		Column: utf8.RuneCount(body[lineStart:pos]) + 1,
		Offset: pos,
		Msg:    msg,
	}
}

// firstNonSpace is the offset of the first non-whitespace byte, or len(b).
func firstNonSpace(b []byte) int {
	for i, c := range b {
		switch c {
		case ' ', '\t', '\r', '\n':
		default:
			return i
		}
	}
	return len(b)
}
