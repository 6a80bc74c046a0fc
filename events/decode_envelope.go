package events

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// fieldProblem is a problem whose event index and id are not known yet.
type fieldProblem struct {
	field  string
	reason string
}

// contextAttributes are the CloudEvents attributes govpulse reads, in the
// order their problems are reported; every other member of an event except
// data and data_base64 is an extension attribute.
var contextAttributes = []string{"specversion", "id", "source", "type", "subject", "time", "datacontenttype", "dataschema"}

// decodeEnvelope reads the attributes of one event that readEvents has
// checked. It never fails: an attribute of the wrong JSON type, an event
// that is not an object or is too large, an extension that CloudEvents
// does not allow, becomes a decode problem that Validate reports with the
// event's index.
func decodeEnvelope(raw json.RawMessage) Envelope {
	e := Envelope{Raw: raw, strictRaw: true}
	// An event too large is still read, so that authorisation judges it
	// by its real source and department; Validate then reports the size
	// alone.
	if len(raw) > MaxEventBytes {
		e.decodeProblems = append(e.decodeProblems, fieldProblem{"", fmt.Sprintf("the event is %d bytes; the limit is %d bytes per event", len(raw), MaxEventBytes)})
	}
	sc := dataScratches.Get().(*dataScratch) // the attributes' memory, reused
	defer sc.release()
	attrs, ok := splitObjectInto(sc.fields, raw)
	sc.filled(attrs, ok)
	if !ok {
		e.decodeProblems = append(e.decodeProblems, fieldProblem{"", "each event must be a JSON object, got " + jsonKind(raw)})
		return e
	}
	str := func(name string, dst *string) {
		v, ok := attrs.get(name)
		if !ok || jsonKind(v) == "null" {
			return
		}
		s, ok := unquote(v)
		if !ok {
			e.decodeProblems = append(e.decodeProblems, fieldProblem{name, "must be a string, got " + jsonKind(v)})
			return
		}
		if s == "" && optionalAttribute(name) {
			e.decodeProblems = append(e.decodeProblems, fieldProblem{name, "must not be empty when present; omit it instead"})
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
	if d, ok := attrs.get("data"); ok && jsonKind(d) != "null" {
		e.Data = d
	}
	if _, ok := attrs.get("data_base64"); ok {
		e.decodeProblems = append(e.decodeProblems, fieldProblem{"data_base64", "binary data is not accepted; send data as a JSON object"})
	}
	// Extensions are rare: look for them only when some member is not a
	// known one.
	known := 0
	for _, name := range contextAttributes {
		if _, ok := attrs.get(name); ok {
			known++
		}
	}
	if _, ok := attrs.get("data"); ok {
		known++
	}
	if _, ok := attrs.get("data_base64"); ok {
		known++
	}
	var extensions []string
	if len(attrs) > known && len(raw) <= MaxEventBytes {
		for _, m := range attrs {
			if name := m.name; name != "data" && name != "data_base64" && !slices.Contains(contextAttributes, name) {
				extensions = append(extensions, name)
			}
		}
	}
	slices.Sort(extensions)
	for _, name := range extensions {
		if reason := checkExtension(name, attrs.value(name)); reason != "" {
			e.decodeProblems = append(e.decodeProblems, fieldProblem{clip(name, maxPathLen), reason})
		}
	}
	return e
}

// checkExtension returns why an extension attribute is not acceptable, or
// "": CloudEvents names are 1-20 lower-case letters or digits, and values
// are of its simple types, which JSON carries as a boolean, a whole number
// within 32 bits, or a string (String, Binary, URI, URI-reference and
// Timestamp all travel as strings).
func checkExtension(name string, v json.RawMessage) string {
	if !isAttributeName(name) {
		reason := "is not a CloudEvents attribute: extension names are 1 to 20 lower-case letters or digits"
		for _, known := range append(slices.Clone(contextAttributes), "data") {
			if strings.EqualFold(name, known) {
				reason += fmt.Sprintf("; names are case-sensitive: did you mean %q?", known)
			}
		}
		return reason
	}
	switch jsonKind(v) {
	case "null", "boolean":
		return ""
	case "number":
		if _, ok := int32Literal(v); !ok {
			return fmt.Sprintf("must be a whole number between %d and %d (a CloudEvents Integer), got %s", minInt32, maxInt32, clip(string(v), 40))
		}
		return ""
	case "string":
		s, _ := unquote(v)
		if reason := checkAttributeText(s, maxExtensionLen); reason != "" {
			return reason
		}
		return ""
	default:
		return "must be a string, a whole number or a boolean (CloudEvents allows only its simple types in extension attributes), got " + jsonKind(v)
	}
}

// optionalAttribute reports whether CloudEvents makes attribute name
// optional (and so non-empty whenever present).
func optionalAttribute(name string) bool {
	return name == "subject" || name == "datacontenttype" || name == "dataschema"
}

// checkAttributeText returns why s is not an acceptable CloudEvents String
// of at most maxLen characters (printable Unicode), or "".
func checkAttributeText(s string, maxLen int) string {
	// Printable ASCII (nearly every value) is one character a byte.
	ascii := len(s) <= maxLen
	for i := 0; ascii && i < len(s); i++ {
		ascii = s[i] >= 0x20 && s[i] < 0x7f
	}
	if ascii {
		return ""
	}
	if n := utf8.RuneCountInString(s); n > maxLen {
		return fmt.Sprintf("is %d characters long; the limit is %d", n, maxLen)
	}
	for _, c := range s {
		if !unicode.IsPrint(c) {
			return fmt.Sprintf("contains the non-printable character %U", c)
		}
	}
	return ""
}

// maxExtensionLen limits an extension attribute's string value, in
// characters.
const maxExtensionLen = 500

const (
	minInt32 = -1 << 31
	maxInt32 = 1<<31 - 1
)

// isAttributeName reports whether name is a valid CloudEvents attribute
// name: 1 to 20 characters a-z or 0-9.
func isAttributeName(name string) bool {
	if name == "" || len(name) > 20 {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if (c < 'a' || c > 'z') && (c < '0' || c > '9') {
			return false
		}
	}
	return true
}

// int32Literal parses a JSON number that is written as a whole number
// (no fraction, no exponent) within the 32-bit range.
func int32Literal(v json.RawMessage) (int64, bool) {
	s := string(v)
	digits := strings.TrimPrefix(s, "-")
	if digits == "" || len(digits) > 10 {
		return 0, false
	}
	var n int64
	for i := 0; i < len(digits); i++ {
		c := digits[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	if s[0] == '-' {
		n = -n
	}
	if n < minInt32 || n > maxInt32 {
		return 0, false
	}
	return n, true
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
