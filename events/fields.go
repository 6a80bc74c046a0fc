package events

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
)

// maxStringLen is the limit for data strings that state no other.
const maxStringLen = 200

// fieldReader reads the fields of an event's data object one by one,
// collecting every problem with its path instead of stopping at the first.
// Fields the decoder never asks for are reported as unknown by finish.
//
// The fields come from bytes the strict reading (readEvents) has checked,
// so nested values read with Object, Objects, Strings or splitObject and
// unquote are as strict as the event itself. A reader for a nested object
// (Object, Objects) reports its problems with the full path, such as
// "data.criteria.industries" or "data.qa[2].question".
type fieldReader struct {
	eventType string
	fields    members
	asked     []string
	problems  []fieldProblem
	catalog   *Catalog
	latest    time.Time // the latest acceptable timestamp (now + skew)
	// stored is set when reading an event back from the log: its codes
	// were checked against the catalogue when it arrived, so Code trusts
	// them (the catalogue may have changed since).
	stored bool
	// trusted is set when reading an event the log recorded as accepted
	// by this version's reading (see reading.trusted): every check of a
	// field passed when it arrived, so the reader skips them (finish
	// included) and only reads the values.
	trusted bool
	// path is the reader's place, "data." for the data object itself;
	// root receives the problems of nested readers.
	path string
	root *fieldReader
	// enums, when set, collects the values every Enum allows (for the
	// table of interned strings, see internedStrings).
	enums *[]string
	// seen, when set, holds the values of repeated fields read before
	// (see repeated), by their bytes.
	seen map[string]string
}

// prefix is the path of the reader's fields, ending in a dot.
func (r *fieldReader) prefix() string {
	if r.path == "" {
		return "data."
	}
	return r.path
}

// top is the reader that collects problems.
func (r *fieldReader) top() *fieldReader {
	if r.root != nil {
		return r.root
	}
	return r
}

// fail records a problem with field name.
func (r *fieldReader) fail(name, reason string) {
	t := r.top()
	t.problems = append(t.problems, fieldProblem{r.prefix() + name, reason})
}

// failed reports whether field name already has a problem.
func (r *fieldReader) failed(name string) bool {
	for _, p := range r.top().problems {
		if p.field == r.prefix()+name {
			return true
		}
	}
	return false
}

// nested returns a reader for the members of object fields at path.
func (r *fieldReader) nested(path string, fields members) *fieldReader {
	return &fieldReader{eventType: r.eventType, fields: fields, catalog: r.catalog, latest: r.latest,
		stored: r.stored, trusted: r.trusted, path: path + ".", root: r.top()}
}

// Object reads a nested JSON object; the returned reader reads its members
// (call its finish when done). It is nil when the field is absent (and a
// problem when required) or not an object.
func (r *fieldReader) Object(name string, required bool) *fieldReader {
	v, ok := r.value(name, required)
	if !ok {
		return nil
	}
	fields, isObject := splitObject(v)
	if !isObject {
		r.fail(name, "must be a JSON object, got "+jsonKind(v))
		return nil
	}
	return r.nested(r.prefix()+name, fields)
}

// Objects reads a list of at most maxItems JSON objects, one reader per
// element (call each one's finish). An absent field is an empty list,
// and a problem when required.
func (r *fieldReader) Objects(name string, required bool, maxItems int) []*fieldReader {
	elems, ok := r.list(name, required, maxItems)
	if !ok {
		return nil
	}
	out := make([]*fieldReader, 0, len(elems))
	for i, v := range elems {
		at := fmt.Sprintf("%s[%d]", name, i)
		fields, isObject := splitObject(v)
		if !isObject {
			r.fail(at, "must be a JSON object, got "+jsonKind(v))
			continue
		}
		out = append(out, r.nested(r.prefix()+at, fields))
	}
	return out
}

// Strings reads a list of at most maxItems strings of at most maxLen
// characters each. An absent field is an empty list, and a problem when
// required.
func (r *fieldReader) Strings(name string, required bool, maxItems, maxLen int) []string {
	return r.texts(name, required, maxItems, maxLen, checkText)
}

// texts reads a list of at most maxItems strings, each checked by check
// (checkText or checkLongText); the ones with a problem are left out.
func (r *fieldReader) texts(name string, required bool, maxItems, maxLen int, check func(string, int) string) []string {
	elems, ok := r.list(name, required, maxItems)
	if !ok {
		return nil
	}
	out := make([]string, 0, len(elems))
	for i, v := range elems {
		// Both checks refuse "", so "" means a problem.
		if s := r.text(fmt.Sprintf("%s[%d]", name, i), v, maxLen, check); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// list reads a JSON array of at most maxItems elements.
func (r *fieldReader) list(name string, required bool, maxItems int) ([]json.RawMessage, bool) {
	v, ok := r.value(name, required)
	if !ok {
		return nil, false
	}
	elems, isArray := splitArray(v)
	if !isArray {
		r.fail(name, "must be a JSON array, got "+jsonKind(v))
		return nil, false
	}
	if required && len(elems) == 0 {
		r.fail(name, "must not be empty")
		return nil, false
	}
	if len(elems) > maxItems {
		r.fail(name, fmt.Sprintf("has %d elements; the limit is %d", len(elems), maxItems))
		return nil, false
	}
	return elems, true
}

// value returns field name's raw JSON; a missing or null field is reported
// when required.
func (r *fieldReader) value(name string, required bool) (json.RawMessage, bool) {
	if !r.trusted {
		r.asked = append(r.asked, name)
	}
	v, ok := r.fields.get(name)
	if !ok || jsonKind(v) == "null" {
		if required {
			r.fail(name, "is required")
		}
		return nil, false
	}
	return v, true
}

// String reads a required string of at most maxLen characters, printable.
func (r *fieldReader) String(name string, maxLen int) string {
	v, ok := r.value(name, true)
	if !ok {
		return ""
	}
	return r.text(name, v, maxLen, checkText)
}

// text reads v, the value of field name, as a string of at most maxLen
// characters that check (checkText or checkLongText) accepts; "" after
// a problem.
func (r *fieldReader) text(name string, v json.RawMessage, maxLen int, check func(string, int) string) string {
	s, ok := unquote(v)
	if !ok {
		r.fail(name, "must be a string, got "+jsonKind(v))
		return ""
	}
	return r.checked(name, s, maxLen, check)
}

// checked returns s, the string value of field name, when check accepts
// it (or the reading is trusted: it passed at ingest), else "" after a
// problem.
func (r *fieldReader) checked(name, s string, maxLen int, check func(string, int) string) string {
	if r.trusted {
		return s
	}
	if reason := check(s, maxLen); reason != "" {
		r.fail(name, reason)
		return ""
	}
	return s
}

// repeated reads a required string as String does, for fields whose
// values repeat from event to event (codes, policy ids): a value whose
// bytes an earlier read found unescaped is the string that read made,
// checked again, instead of another copy out of the input (a rebuild reads
// the same few hundred codes hundreds of thousands of times).
func (r *fieldReader) repeated(name string, maxLen int) string {
	if r.seen == nil {
		return r.String(name, maxLen)
	}
	v, ok := r.value(name, true)
	if !ok {
		return ""
	}
	if len(v) >= 2 && v[0] == '"' {
		// A value in seen came from a literal without escapes, so these
		// bytes, equal to it, are such a literal too: unquote would
		// return the same string.
		if s, ok := r.seen[string(v[1:len(v)-1])]; ok {
			return r.checked(name, s, maxLen, checkText)
		}
	}
	s := r.text(name, v, maxLen, checkText)
	if s != "" && len(s) <= maxSeenLen && len(r.seen) < maxSeen && bytes.IndexByte(v, '\\') < 0 {
		r.seen[s] = s
	}
	return s
}

// maxSeen and maxSeenLen bound the values a reader's seen keeps, and
// their length in bytes: codes and policy ids are short, and whatever a
// sender puts in them costs a scratch at most 64 KB.
const (
	maxSeen    = 1024
	maxSeenLen = 64
)

// checkText returns why s is not an acceptable required text, or "".
func checkText(s string, maxLen int) string {
	if s == "" {
		return "is required"
	}
	if strings.TrimSpace(s) == "" {
		return "must not be blank"
	}
	return checkAttributeText(s, maxLen)
}

// Code reads a catalogue code; what names the catalogue list for messages
// ("department", "item") and known says whether the code is in it.
func (r *fieldReader) Code(name, what string, known func(string) bool) string {
	s := r.repeated(name, maxStringLen)
	if s == "" {
		return ""
	}
	if !r.stored && !known(s) {
		r.fail(name, fmt.Sprintf("unknown %s code %q; see GET /v1/catalog", what, s))
		return ""
	}
	return s
}

// Enum reads the field e is the type of: a string that must be one of
// e's values.
func (r *fieldReader) Enum(e Enum) string {
	if t := r.top(); t.enums != nil {
		*t.enums = append(*t.enums, e.values...)
	}
	s := r.String(e.field, maxStringLen)
	if s == "" {
		return ""
	}
	if !r.trusted && !e.Has(s) {
		r.fail(e.field, fmt.Sprintf("must be one of %s; got %q", strings.Join(e.values, ", "), s))
		return ""
	}
	return s
}

// Time reads a required RFC 3339 timestamp with offset; it also returns the
// text as sent, for messages comparing two times (a trusted reader, which
// reports no problem, may return "").
func (r *fieldReader) Time(name string) (time.Time, string, bool) {
	if r.trusted {
		// The text passed parseTimestamp when it arrived, so it has
		// RFC 3339's shape, and time.Parse read it as UnmarshalText reads
		// its bytes (both take the same quick path), without a copy. A
		// lower-case 't' or 'z', which parseTimestamp reads upper-cased,
		// takes the way below; so does anything UnmarshalText refuses.
		v, ok := r.value(name, true)
		if ok && len(v) >= 22 && v[11] == 'T' && v[len(v)-2] != 'z' {
			var t time.Time
			if t.UnmarshalText(v[1:len(v)-1]) == nil {
				return t, "", true
			}
		}
	}
	s := r.String(name, 64)
	if s == "" {
		return time.Time{}, "", false
	}
	t, reason := parseTimestamp(s, r.latest)
	if reason != "" {
		r.fail(name, reason)
		return time.Time{}, "", false
	}
	return t, s, true
}

// Int reads a required whole number between lo and hi.
func (r *fieldReader) Int(name string, lo, hi int) int {
	v, ok := r.value(name, true)
	if !ok {
		return 0
	}
	if jsonKind(v) != "number" {
		r.fail(name, "must be a whole number, got "+jsonKind(v))
		return 0
	}
	n, err := strconv.Atoi(string(v))
	if err != nil {
		r.fail(name, fmt.Sprintf("must be a whole number between %d and %d, got %s", lo, hi, v))
		return 0
	}
	if n < lo || n > hi {
		r.fail(name, fmt.Sprintf("must be between %d and %d, got %d", lo, hi, n))
		return 0
	}
	return n
}

// OptionalNumber reads an optional number between lo and hi; nil if absent.
func (r *fieldReader) OptionalNumber(name string, lo, hi float64) *float64 {
	v, ok := r.value(name, false)
	if !ok {
		return nil
	}
	if jsonKind(v) != "number" {
		r.fail(name, "must be a number, got "+jsonKind(v))
		return nil
	}
	f, err := strconv.ParseFloat(string(v), 64)
	if err != nil || math.IsInf(f, 0) {
		r.fail(name, fmt.Sprintf("must be a number between %g and %g, got %s", lo, hi, v))
		return nil
	}
	if f < lo || f > hi {
		r.fail(name, fmt.Sprintf("must be between %g and %g, got %s", lo, hi, v))
		return nil
	}
	return &f
}

// Bool reads a required true or false.
func (r *fieldReader) Bool(name string) bool {
	v, ok := r.value(name, true)
	if !ok {
		return false
	}
	switch string(v) {
	case "true":
		return true
	case "false":
		return false
	}
	r.fail(name, "must be true or false, got "+jsonKind(v))
	return false
}

// finish reports every field the decoder did not ask for, so a typo such as
// "finshed_at" is caught instead of silently ignored.
func (r *fieldReader) finish() {
	if r.trusted {
		return
	}
	var unknown []string
	for _, m := range r.fields {
		if !slices.Contains(r.asked, m.name) {
			unknown = append(unknown, m.name)
		}
	}
	slices.Sort(unknown)
	for _, name := range unknown {
		reason := fmt.Sprintf("is not a field of %s", r.eventType)
		if s := closest(name, r.asked); s != "" {
			reason += fmt.Sprintf("; did you mean %q?", s)
		} else {
			known := slices.Clone(r.asked)
			slices.Sort(known)
			reason += "; known fields: " + strings.Join(known, ", ")
		}
		r.fail(clip(name, maxPathLen), reason)
	}
}

// closest returns the candidate within two edits of name, or "".
func closest(name string, candidates []string) string {
	best, bestDist := "", 3
	for _, c := range candidates {
		if d := editDistance(name, c); d < bestDist {
			best, bestDist = c, d
		}
	}
	return best
}

// editDistance is the Levenshtein distance between a and b, in bytes.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
