package events

import (
	"fmt"
	"mime"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/go-json-experiment/json/jsontext"
)

// The CloudEvents HTTP protocol binding's binary content mode: the context
// attributes travel as ce-* headers (percent-encoded where needed) and the
// body is the event's data. DecodeBinary turns such a request into the
// same structured envelope a sender could have written, and reads that
// with the one strict reading, so both modes are validated, stored and
// read back alike. The log keeps the structured form.

// HeaderPrefix starts every binary-mode attribute header.
const HeaderPrefix = "ce-"

// HeaderError reports a binary-mode header govpulse cannot read: repeated,
// with a broken percent-escape, not UTF-8, or not a CloudEvents attribute.
type HeaderError struct {
	Header string // as named in the request, lower case
	Msg    string
}

// Error names the header and what is wrong with it.
func (e *HeaderError) Error() string { return fmt.Sprintf("header %s: %s", e.Header, e.Msg) }

// IsBinaryMode reports whether a request with these headers uses binary
// content mode: it carries ce-specversion (the binding's marker) or any
// other ce-* header.
func IsBinaryMode(header map[string][]string) bool {
	for k := range header {
		if len(k) > len(HeaderPrefix) && strings.EqualFold(k[:len(HeaderPrefix)], HeaderPrefix) {
			return true
		}
	}
	return false
}

// maxHeaderValueLen bounds one decoded attribute header, in bytes.
const maxHeaderValueLen = 4096

// DecodeBinary reads one event sent in binary content mode from its
// headers (a canonical-key map such as http.Header) and body. contentType
// is the request's Content-Type, which is the event's datacontenttype and
// must be application/json. It fails for the request as a whole
// (*ContentTypeError, *HeaderError, or *SyntaxError for the body, with
// Field under "data"); problems with attribute values are left for
// Validator.Validate, as in structured mode.
func DecodeBinary(header map[string][]string, contentType string, body []byte) (Envelope, error) {
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil || mt != ContentTypeJSON {
		return Envelope{}, &ContentTypeError{Got: contentType, Binary: true}
	}
	attrs := map[string]string{}
	for key, values := range header {
		if len(key) <= len(HeaderPrefix) || !strings.EqualFold(key[:len(HeaderPrefix)], HeaderPrefix) {
			continue
		}
		name := strings.ToLower(key[len(HeaderPrefix):])
		hname := HeaderPrefix + name
		if len(values) != 1 {
			return Envelope{}, &HeaderError{hname, fmt.Sprintf("is given %d times; send each attribute once", len(values))}
		}
		switch {
		case name == "datacontenttype":
			return Envelope{}, &HeaderError{hname, "in binary mode the data's content type is the Content-Type header; drop " + hname}
		case name == "data" || name == "data_base64":
			return Envelope{}, &HeaderError{hname, "in binary mode the body is the data"}
		case !isAttributeName(name):
			return Envelope{}, &HeaderError{clip(hname, maxPathLen), "is not a CloudEvents attribute: names are 1 to 20 lower-case letters or digits"}
		}
		v, reason := percentDecode(values[0])
		if reason != "" {
			return Envelope{}, &HeaderError{hname, reason}
		}
		attrs[name] = v
	}
	if _, ok := attrs["specversion"]; !ok {
		return Envelope{}, &HeaderError{HeaderPrefix + "specversion", `is required in binary mode: send ce-specversion: 1.0 with ce-id, ce-source, ce-type and ce-time`}
	}
	if firstNonSpace(body) == len(body) {
		se := syntaxErrorAt(body, 0, "the body is empty; in binary content mode the body is the event's data, a JSON object")
		se.Index, se.Field = 0, "data"
		return Envelope{}, se
	}
	if _, err := readOne(body); err != nil {
		if se, ok := err.(*SyntaxError); ok {
			se.Index = 0
			se.Field = strings.TrimSuffix("data."+se.Field, ".")
			return Envelope{}, se
		}
		return Envelope{}, err
	}
	built := buildStructured(attrs, contentType, body)
	raw, err := readOne(built)
	if err != nil { // cannot happen: the parts were checked
		return Envelope{}, fmt.Errorf("binary mode: build envelope: %w", err)
	}
	return decodeEnvelope(raw), nil
}

// buildStructured writes the structured envelope of a binary-mode event:
// the context attributes in CloudEvents' order, extensions sorted, data
// last. Every value is a JSON string (headers carry no types).
func buildStructured(attrs map[string]string, contentType string, data []byte) []byte {
	b := make([]byte, 0, len(data)+512)
	b = append(b, '{')
	member := func(name, value string) {
		if len(b) > 1 {
			b = append(b, ',')
		}
		b, _ = jsontext.AppendQuote(b, name)
		b = append(b, ':')
		b, _ = jsontext.AppendQuote(b, value)
	}
	for _, name := range contextAttributes {
		if name == "datacontenttype" {
			member(name, contentType)
			continue
		}
		if v, ok := attrs[name]; ok {
			member(name, v)
		}
	}
	var ext []string
	for name := range attrs {
		if !slices.Contains(contextAttributes, name) {
			ext = append(ext, name)
		}
	}
	slices.Sort(ext)
	for _, name := range ext {
		member(name, attrs[name])
	}
	b = append(b, `,"data":`...)
	b = append(b, trimJSONSpace(data)...)
	return append(b, '}')
}

// percentDecode decodes a binary-mode header value: %XX escapes (which
// must be well formed) become bytes, and the result must be UTF-8 without
// control characters.
func percentDecode(v string) (string, string) {
	if len(v) > maxHeaderValueLen {
		return "", fmt.Sprintf("is %d bytes long; the limit is %d", len(v), maxHeaderValueLen)
	}
	if !strings.Contains(v, "%") {
		if !utf8.ValidString(v) {
			return "", "is not UTF-8; percent-encode other bytes (%XX)"
		}
		return v, ""
	}
	out := make([]byte, 0, len(v))
	for i := 0; i < len(v); i++ {
		if v[i] != '%' {
			out = append(out, v[i])
			continue
		}
		if i+2 >= len(v) || !isHex(v[i+1]) || !isHex(v[i+2]) {
			return "", fmt.Sprintf("has a broken percent-escape at byte %d: %% must be followed by two hex digits (send %% itself as %%25)", i)
		}
		out = append(out, unhex(v[i+1])<<4|unhex(v[i+2]))
		i += 2
	}
	if !utf8.Valid(out) {
		return "", "decodes to bytes that are not UTF-8"
	}
	return string(out), ""
}

func unhex(c byte) byte {
	switch {
	case '0' <= c && c <= '9':
		return c - '0'
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10
	default:
		return c - 'A' + 10
	}
}

// trimJSONSpace drops JSON white space around b.
func trimJSONSpace(b []byte) []byte {
	i := firstNonSpace(b)
	j := len(b)
	for j > i && (b[j-1] == ' ' || b[j-1] == '\t' || b[j-1] == '\n' || b[j-1] == '\r') {
		j--
	}
	return b[i:j]
}
