package events

import (
	"fmt"
	"mime"
	"strings"
	"time"
)

// DefaultMaxClockSkew is how far in the future a timestamp may lie when
// Validator.MaxClockSkew is zero: senders' clocks drift.
const DefaultMaxClockSkew = 5 * time.Minute

// Limits of the context attributes, in characters.
const (
	maxAttrLen      = 200  // id, source, type, subject
	maxURILen       = 2000 // dataschema
	maxMediaTypeLen = 200  // datacontenttype
)

// Validator checks decoded envelopes and their data against the CloudEvents
// rules, the event types' contracts and the reference catalogue. A nil
// Catalog is treated as an empty one, so every code is rejected rather than
// every code accepted. A Validator is safe for concurrent use if its Catalog
// is not modified.
type Validator struct {
	// Catalog holds the known codes (departments, districts, items, ...).
	Catalog *Catalog
	// Now returns the current time; nil means time.Now.
	Now func() time.Time
	// MaxClockSkew is how far in the future a timestamp may be; zero
	// means DefaultMaxClockSkew.
	MaxClockSkew time.Duration
}

// latest is the latest timestamp the validator accepts right now.
func (v *Validator) latest() time.Time {
	now := time.Now()
	if v.Now != nil {
		now = v.Now()
	}
	skew := v.MaxClockSkew
	if skew == 0 {
		skew = DefaultMaxClockSkew
	}
	return now.Add(skew)
}

// Validate checks envelope index i of a request and returns its typed
// payload, or nil and every problem found (not just the first). When the
// time attribute is valid it sets e.Time.
func (v *Validator) Validate(i int, e *Envelope) (Event, []Problem) {
	return validate(i, e, reading{catalog: v.Catalog, latest: v.latest()})
}

// reading says how strictly validate reads an event: at ingest against
// the catalogue and the clock; for an event read back from the log
// (stored), with codes and the latest time trusted, since they were checked
// when it arrived and the catalogue or the clock may have moved since.
type reading struct {
	catalog *Catalog
	latest  time.Time
	stored  bool
	// trusted is set, beside stored, for an event the log recorded as
	// accepted by this version's reading (DecodeRecorded): its fields
	// passed every check of the field decoders when it arrived, so the
	// checks that cannot fail on it are skipped.
	trusted bool
	// judged, when set, remembers the attributes validate judged last.
	judged *judgedAttributes
}

// judgedAttributes remembers the source and data content type validate
// judged last and its verdicts, for the events of one request, which
// nearly always share them: a verdict depends on the text alone, and
// parsing the same URI for every event of a batch showed in ingest's
// profile.
type judgedAttributes struct {
	source, sourceReason string
	contentType          string
	contentTypeOK        bool
	haveSource, haveType bool
}

// sourceReason is checkSource(s), remembered.
func (rd reading) sourceReason(s string) string {
	j := rd.judged
	if j == nil {
		return checkSource(s)
	}
	if !j.haveSource || j.source != s {
		j.source, j.sourceReason, j.haveSource = s, checkSource(s), true
	}
	return j.sourceReason
}

// contentTypeOK says whether ct is a data content type an event may
// declare (application/json, parameters allowed), remembered.
func (rd reading) contentTypeOK(ct string) bool {
	j := rd.judged
	if j != nil && j.haveType && j.contentType == ct {
		return j.contentTypeOK
	}
	mt, _, err := mime.ParseMediaType(ct)
	ok := len(ct) <= maxMediaTypeLen && err == nil && mt == ContentTypeJSON
	if j != nil {
		j.contentType, j.contentTypeOK, j.haveType = ct, ok, true
	}
	return ok
}

// validate checks an envelope as r says.
func validate(i int, e *Envelope, rd reading) (Event, []Problem) {
	latest := rd.latest
	var fps []fieldProblem
	bad := func(field string) bool {
		for _, p := range fps {
			if p.field == field {
				return true
			}
		}
		return false
	}
	add := func(field, reason string) { fps = append(fps, fieldProblem{field, reason}) }
	fps = append(fps, e.decodeProblems...)
	if bad("") { // not an object: nothing else to check
		return nil, toProblems(i, e.ID, fps)
	}

	switch {
	case bad("specversion"):
	case e.SpecVersion == "":
		add("specversion", `is required; must be "1.0"`)
	case e.SpecVersion != SpecVersion:
		add("specversion", fmt.Sprintf(`must be "1.0", got %q`, e.SpecVersion))
	}
	if !bad("id") {
		if reason := checkText(e.ID, maxAttrLen); reason != "" {
			add("id", reason)
		}
	}
	if !bad("source") {
		if reason := rd.sourceReason(e.Source); reason != "" {
			add("source", reason)
		}
	}
	_, known := lookupType(e.Type)
	switch {
	case bad("type"):
	case e.Type == "":
		add("type", "is required; known types are "+strings.Join(KnownTypes(), ", "))
	case !known:
		add("type", fmt.Sprintf("unknown type %q; known types are %s", clip(e.Type, maxAttrLen), strings.Join(KnownTypes(), ", ")))
	}
	if e.Subject != "" && !bad("subject") {
		if reason := checkAttributeText(e.Subject, maxAttrLen); reason != "" {
			add("subject", reason)
		}
	}
	switch {
	case bad("time"):
	case e.TimeRaw == "" && e.Time.IsZero():
		add("time", "is required: when the fact happened, RFC 3339 with offset, e.g. "+timeExample)
	case e.TimeRaw == "": // built in code rather than decoded
		if _, reason := parseTimestamp(e.Time.Format(time.RFC3339Nano), latest); reason != "" {
			add("time", reason)
		}
	default:
		t, reason := parseTimestamp(e.TimeRaw, latest)
		if reason != "" {
			add("time", reason)
		} else {
			e.Time = t
		}
	}
	if e.DataContentType != "" && !bad("datacontenttype") {
		if !rd.contentTypeOK(e.DataContentType) {
			add("datacontenttype", fmt.Sprintf("must be %s or omitted, got %q", ContentTypeJSON, clip(e.DataContentType, maxMediaTypeLen)))
		}
	}
	if e.DataSchema != "" && !bad("dataschema") {
		if reason := checkURI(e.DataSchema, true); reason != "" {
			add("dataschema", reason)
		}
	}

	var ev Event
	switch {
	case len(e.Data) == 0:
		add("data", "is required: a JSON object with the event's fields")
	case jsonKind(e.Data) != "object":
		add("data", "must be a JSON object, got "+jsonKind(e.Data))
	case known:
		var ps []fieldProblem
		ev, ps = decodeData(e.Type, e.Data, rd)
		fps = append(fps, ps...)
	}
	if len(fps) > 0 {
		return nil, toProblems(i, e.ID, fps)
	}
	if e.strictRaw {
		e.Reading = ReadingVersion
	}
	return ev, nil
}

// ValidateAll validates every envelope of a request. events[i] is the
// payload of envs[i], or nil when it has problems. An event repeating the
// (source, id) of an earlier one in the same request gets a problem on
// "id". It sets envs[i].Time like Validate. The clock is read once: every
// event of the request is judged against the same latest time, so that
// whether one is "in the future" does not depend on its place in the
// request.
func (v *Validator) ValidateAll(envs []Envelope) ([]Event, []Problem) {
	type key struct{ source, id string }
	first := make(map[key]int, len(envs))
	events := make([]Event, len(envs))
	var problems []Problem
	rd := reading{catalog: v.Catalog, latest: v.latest(), judged: &judgedAttributes{}}
	for i := range envs {
		e := &envs[i]
		ev, ps := validate(i, e, rd)
		if e.ID != "" && e.Source != "" {
			k := key{e.Source, e.ID}
			if j, dup := first[k]; dup {
				ev = nil
				ps = append(ps, Problem{Index: i, ID: e.ID, Field: "id",
					Reason: fmt.Sprintf("repeats event %d of this request (same source and id); each event in a request needs its own id", j)})
			} else {
				first[k] = i
			}
		}
		events[i] = ev
		problems = append(problems, ps...)
	}
	return events, problems
}

// checkSource returns why s is not an acceptable source attribute, or "".
func checkSource(s string) string {
	if reason := checkText(s, maxAttrLen); reason != "" {
		return reason
	}
	if strings.ContainsAny(s, " \t") {
		return fmt.Sprintf("%q contains spaces; must be a URI-reference such as /qd-xzsp/approval-system", s)
	}
	return checkURI(s, false)
}

// toProblems attaches the event's index and id to its field problems.
func toProblems(i int, id string, fps []fieldProblem) []Problem {
	ps := make([]Problem, len(fps))
	for k, p := range fps {
		ps[k] = Problem{Index: i, ID: id, Field: p.field, Reason: p.reason}
	}
	return ps
}
