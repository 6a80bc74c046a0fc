package events

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
)

// set returns a change that sets (or, with value nil, deletes) an envelope
// attribute.
func set(attr string, value any) func(ev, data map[string]any) {
	return func(ev, _ map[string]any) { put(ev, attr, value) }
}

// setData returns a change that sets (or, with value nil, deletes) a data
// field.
func setData(field string, value any) func(ev, data map[string]any) {
	return func(_, data map[string]any) { put(data, field, value) }
}

// put sets m[key] to value, or deletes key when value is nil.
func put(m map[string]any, key string, value any) {
	if value == nil {
		delete(m, key)
		return
	}
	m[key] = value
}

func TestValidateEnvelopeRules(t *testing.T) {
	long := strings.Repeat("a", 201)
	runProblemCases(t, "case_finished", []problemCase{
		{"specversion missing", set("specversion", nil), "specversion", `is required; must be "1.0"`},
		{"specversion wrong", set("specversion", "0.3"), "specversion", `must be "1.0", got "0.3"`},
		{"specversion number", set("specversion", 1.0), "specversion", "must be a string, got number"},
		{"id missing", set("id", nil), "id", "is required"},
		{"id blank", set("id", "  "), "id", "must not be blank"},
		{"id too long", set("id", long), "id", "is 201 characters long; the limit is 200"},
		{"id not printable", set("id", "a\nb"), "id", "non-printable character U+000A"},
		{"id number", set("id", 42), "id", "must be a string, got number"},
		{"source missing", set("source", nil), "source", "is required"},
		{"source too long", set("source", "/"+long), "source", "the limit is 200"},
		{"source with space", set("source", "/qd xzsp"), "source", "contains spaces"},
		{"source with a broken escape", set("source", "/qd-%zz"), "source", "broken percent-escape"},
		{"type missing", set("type", nil), "type", "is required; known types are govpulse.case.finished.v1"},
		{"type unknown", set("type", "govpulse.case.finished.v9"), "type", `unknown type "govpulse.case.finished.v9"; known types are`},
		{"time missing", set("time", nil), "time", "is required"},
		{"time without offset", set("time", "2024-03-01T16:30:00"), "time", "has no UTC offset"},
		{"time with space", set("time", "2024-03-01 16:30:00"), "time", "has no UTC offset"},
		{"time date only", set("time", "2024-03-01"), "time", "is not an RFC 3339 timestamp"},
		{"time before 2000", set("time", "1999-12-31T23:59:59Z"), "time", "(1999-12-31T23:59:59Z) is before 2000-01-01"},
		{"time in the future", set("time", "2024-06-01T12:05:01+08:00"), "time", "is in the future"},
		{"time number", set("time", 1709280000), "time", "must be a string, got number"},
		{"datacontenttype xml", set("datacontenttype", "application/xml"), "datacontenttype", `must be application/json or omitted, got "application/xml"`},
		{"data missing", set("data", nil), "data", "is required"},
		{"data string", set("data", "{}"), "data", "must be a JSON object, got string"},
		{"data array", set("data", []any{}), "data", "must be a JSON object, got array"},
		{"data_base64", set("data_base64", "e30="), "data_base64", "binary data is not accepted"},
	})
}

func TestValidateEnvelopeAccepts(t *testing.T) {
	tests := []struct {
		name   string
		change func(ev, data map[string]any)
	}{
		{"as is", nil},
		{"no datacontenttype", set("datacontenttype", nil)},
		{"datacontenttype with charset", set("datacontenttype", "application/json; charset=utf-8")},
		{"time within skew", set("time", "2024-06-01T12:04:59+08:00")},
		{"time in UTC", set("time", "2024-03-01T08:30:00Z")},
		{"time with fraction", set("time", "2024-03-01T16:30:00.123+08:00")},
		{"extension attribute", set("traceparent", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01")},
		{"subject", set("subject", "QDXZSP-20240301-000123")},
		{"source absolute URI", set("source", "urn:qingdao:qd-xzsp:approval")},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			validExample(t, "case_finished", tc.change)
		})
	}
}

func TestValidateSetsTime(t *testing.T) {
	_, e := validExample(t, "case_finished", nil)
	if want := mustTime(t, "2024-03-01T16:30:00+08:00"); !e.Time.Equal(want) {
		t.Errorf("Time = %v, want %v", e.Time, want)
	}
}

func TestValidateMaxClockSkew(t *testing.T) {
	v := testValidator(t)
	v.MaxClockSkew = time.Hour
	e := exampleEvent(t, "case_finished", set("time", "2024-06-01T12:59:00+08:00"))
	if _, problems := v.Validate(0, &e); len(problems) != 0 {
		t.Errorf("with 1h skew, problems = %+v, want none", problems)
	}
	e = exampleEvent(t, "case_finished", set("time", "2024-06-01T13:01:00+08:00"))
	if _, problems := v.Validate(0, &e); !hasProblem(problems, 0, "time", "in the future") {
		t.Errorf("with 1h skew, problems = %+v, want time in the future", problems)
	}
}

func TestValidateReportsEveryProblem(t *testing.T) {
	e := exampleEvent(t, "case_finished", func(ev, data map[string]any) {
		ev["specversion"] = "0.3"
		delete(ev, "source")
		data["channel"] = "fax"
		data["promised_working_days"] = 400
	})
	_, got := testValidator(t).Validate(3, &e)
	want := []string{"specversion", "source", "data.channel", "data.promised_working_days"}
	if len(got) != len(want) {
		t.Fatalf("problems = %+v, want %d", got, len(want))
	}
	for i, field := range want {
		if got[i].Field != field || got[i].Index != 3 || got[i].ID != "qd-xzsp-2024-000123" {
			t.Errorf("problem %d = %+v, want field %q index 3 with the event id", i, got[i], field)
		}
	}
}

func TestValidateNilCatalogRejectsCodes(t *testing.T) {
	e := exampleEvent(t, "case_finished", nil)
	v := &Validator{Now: testNow}
	_, problems := v.Validate(0, &e)
	for _, field := range []string{"data.item_code", "data.department", "data.district"} {
		if !hasProblem(problems, 0, field, "see GET /v1/catalog") {
			t.Errorf("no unknown-code problem on %s in %+v", field, problems)
		}
	}
}

func TestValidateAllDuplicates(t *testing.T) {
	a := exampleEvent(t, "case_finished", nil)
	b := exampleEvent(t, "case_finished", set("id", "other"))
	c := exampleEvent(t, "case_finished", nil)                                    // same source and id as a
	d := exampleEvent(t, "case_finished", set("source", "/qd-xzsp/other-system")) // same id, other source
	events, problems := testValidator(t).ValidateAll([]Envelope{a, b, c, d})
	if len(problems) != 1 {
		t.Fatalf("problems = %+v, want one duplicate", problems)
	}
	got := problems[0]
	if got.Index != 2 || got.Field != "id" || got.ID != "qd-xzsp-2024-000123" || !strings.Contains(got.Reason, "repeats event 0 of this request") {
		t.Errorf("problem = %+v, want index 2 field id repeating event 0", got)
	}
	if len(events) != 4 {
		t.Fatalf("len(events) = %d, want 4", len(events))
	}
	for i, wantNil := range []bool{false, false, true, false} {
		if (events[i] == nil) != wantNil {
			t.Errorf("events[%d] = %v, want nil: %t", i, events[i], wantNil)
		}
	}
}

// TestValidateAllReadsTheClockOnce: every event of a request is judged
// against one latest time, even on a clock that moves while the request
// is read.
func TestValidateAllReadsTheClockOnce(t *testing.T) {
	now := testNow()
	v := testValidator(t)
	v.MaxClockSkew = time.Minute
	v.Now = func() time.Time { // 10 minutes later at each reading
		now = now.Add(10 * time.Minute)
		return now
	}
	// 15 minutes after testNow: past the first reading's latest time
	// (10 + 1 minutes), before the second's (20 + 1).
	envs := make([]Envelope, 3)
	for i := range envs {
		envs[i] = exampleEvent(t, "case_finished", func(ev, data map[string]any) {
			put(ev, "id", fmt.Sprintf("clock-%d", i))
			put(ev, "time", "2024-06-01T12:15:00+08:00")
		})
	}
	_, problems := v.ValidateAll(envs)
	for i := range envs {
		if !hasProblem(problems, i, "time", "in the future") {
			t.Errorf("event %d not judged in the future, as the other events of its request are: problems %+v", i, problems)
		}
	}
}

func TestValidateAllKeepsIndexes(t *testing.T) {
	ok := exampleEvent(t, "license_issued", nil)
	bad := exampleEvent(t, "case_finished", setData("channel", "fax"))
	events, problems := testValidator(t).ValidateAll([]Envelope{ok, bad, ok})
	// The third repeats the first.
	if len(problems) != 2 || problems[0].Index != 1 || problems[0].Field != "data.channel" ||
		problems[1].Index != 2 || problems[1].Field != "id" {
		t.Errorf("problems = %+v, want event 1 data.channel and event 2 id", problems)
	}
	if events[0] == nil || events[1] != nil || events[2] != nil {
		t.Errorf("events = %v, want only events[0]", events)
	}
}

// TestValidateAllJudgesEachEventsAttributes: the events of a request
// mostly share their source and data content type, whose verdicts
// ValidateAll remembers; an event with others is judged on its own, and
// the one after it again on its own.
func TestValidateAllJudgesEachEventsAttributes(t *testing.T) {
	ok := func(id string) Envelope { return exampleEvent(t, "case_finished", set("id", id)) }
	bad := exampleEvent(t, "case_finished", func(ev, data map[string]any) {
		ev["id"], ev["source"], ev["datacontenttype"] = "bad", "/qd-xzsp/with space", "text/plain"
	})
	_, problems := testValidator(t).ValidateAll([]Envelope{ok("a"), ok("b"), bad, ok("c")})
	var got []string
	for _, p := range problems {
		got = append(got, fmt.Sprint(p.Index, " ", p.Field))
	}
	if want := []string{"2 source", "2 datacontenttype"}; !slices.Equal(got, want) {
		t.Errorf("problems at %q, want %q: %+v", got, want, problems)
	}
}

func TestKnownTypes(t *testing.T) {
	got := strings.Join(KnownTypes(), " ")
	want := "govpulse.case.finished.v1 govpulse.lawsuit.appearance.v1 govpulse.license.issued.v1 govpulse.policy.amended.v1 govpulse.policy.extended.v1 govpulse.policy.interpreted.v1 govpulse.policy.published.v1 govpulse.policy.repealed.v1 govpulse.policy.viewed.v1 govpulse.portal.searched.v1"
	if got != want {
		t.Errorf("KnownTypes() = %s, want %s", got, want)
	}
}
