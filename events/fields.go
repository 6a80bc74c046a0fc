package events

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// maxStringLen is the limit for data strings that state no other.
const maxStringLen = 200

// fieldReader reads the fields of an event's data object one by one,
// collecting every problem with its path instead of stopping at the first.
// Fields the decoder never asks for are reported as unknown by finish.
type fieldReader struct {
	eventType string
	fields    map[string]json.RawMessage
	asked     []string
	problems  []fieldProblem
	catalog   *Catalog
	latest    time.Time // the latest acceptable timestamp (now + skew)
}

// fail records a problem with data field name.
func (r *fieldReader) fail(name, reason string) {
	r.problems = append(r.problems, fieldProblem{"data." + name, reason})
}

// failed reports whether field name already has a problem.
func (r *fieldReader) failed(name string) bool {
	for _, p := range r.problems {
		if p.field == "data."+name {
			return true
		}
	}
	return false
}

// value returns field name's raw JSON; a missing or null field is reported
// when required.
func (r *fieldReader) value(name string, required bool) (json.RawMessage, bool) {
	r.asked = append(r.asked, name)
	v, ok := r.fields[name]
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
	s, ok := unquote(v)
	if !ok {
		r.fail(name, "must be a string, got "+jsonKind(v))
		return ""
	}
	if reason := checkText(s, maxLen); reason != "" {
		r.fail(name, reason)
		return ""
	}
	return s
}

// checkText returns why s is not an acceptable required text, or "".
func checkText(s string, maxLen int) string {
	if s == "" {
		return "is required"
	}
	if strings.TrimSpace(s) == "" {
		return "must not be blank"
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

// Code reads a catalogue code; what names the catalogue list for messages
// ("department", "item") and known says whether the code is in it.
func (r *fieldReader) Code(name, what string, known func(string) bool) string {
	s := r.String(name, maxStringLen)
	if s == "" {
		return ""
	}
	if !known(s) {
		r.fail(name, fmt.Sprintf("unknown %s code %q; see GET /v1/catalog", what, s))
		return ""
	}
	return s
}

// Enum reads a string that must be one of allowed.
func (r *fieldReader) Enum(name string, allowed ...string) string {
	s := r.String(name, maxStringLen)
	if s == "" {
		return ""
	}
	if !slices.Contains(allowed, s) {
		r.fail(name, fmt.Sprintf("must be one of %s; got %q", strings.Join(allowed, ", "), s))
		return ""
	}
	return s
}

// Time reads a required RFC 3339 timestamp with offset; it also returns the
// text as sent, for messages comparing two times.
func (r *fieldReader) Time(name string) (time.Time, string, bool) {
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
	var unknown []string
	for name := range r.fields {
		if !slices.Contains(r.asked, name) {
			unknown = append(unknown, name)
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
		r.fail(name, reason)
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
