package events

import (
	"errors"
	"strings"
	"testing"
)

// A valid case event as JSON text, for byte-level variations.
const strictCase = `{"specversion":"1.0","id":"e-1","source":"/qd-xzsp/approval","type":"govpulse.case.finished.v1",` +
	`"time":"2024-03-01T16:30:00+08:00",%s"data":{"case_id":"c-1","item_code":"enterprise_establishment",` +
	`"department":"qd-xzsp","district":"shinan","channel":"window","mode":"standard",` +
	`"accepted_at":"2024-03-01T09:00:00+08:00","finished_at":"2024-03-01T16:30:00+08:00",` +
	`"promised_working_days":1,"result":"approved","assisted":false%s}}`

func strictEvent(envelopeExtra, dataExtra string) string {
	return strings.Replace(strings.Replace(strictCase, "%s", envelopeExtra, 1), "%s", dataExtra, 1)
}

// TestStrictReadingRefusesAmbiguousJSON: what a strict RFC 8259 / I-JSON
// parser could read differently is a syntax error naming the event and
// the path, in a batch and alone.
func TestStrictReadingRefusesAmbiguousJSON(t *testing.T) {
	ok := strictEvent("", "")
	tests := []struct {
		name      string
		event     string
		wantField string
		wantMsg   string
	}{
		{"duplicate envelope member", strictEvent(`"source":"/qd-bdc/x",`, ""), "source", "duplicate member name"},
		{"duplicate data", strictEvent(`"data":{},`, ""), "data", "duplicate member name"},
		{"duplicate data field", strictEvent("", `,"department":"qd-bdc"`), "data.department", "duplicate member name"},
		{"duplicate at depth", strictEvent(`"ext":{"a":{"b":1,"b":2}},`, ""), "ext.a.b", "duplicate member name"},
		{"invalid UTF-8", strictEvent("", `,"note":"`+"\xff"+`"`), "data.note", "invalid UTF-8"},
		{"invalid UTF-8 in a name", strictEvent("", `,"`+"\xc3\x28"+`":1`), "data", "invalid UTF-8"},
		{"lone high surrogate", strictEvent(`"subject":"\ud800",`, ""), "subject", "unpaired surrogate"},
		{"lone low surrogate", strictEvent("", `,"x":"a\udc00b"`), "data.x", "unpaired surrogate"},
		{"reversed pair", strictEvent("", `,"x":"\ude00\ud83d"`), "data.x", "unpaired surrogate"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for _, mode := range []struct {
				body, ct string
				index    int
			}{
				{tc.event, ContentTypeSingle, 0},
				{"[" + ok + ",\n" + ok + ",\n" + tc.event + "]", ContentTypeBatch, 2},
			} {
				_, err := DecodeRequest([]byte(mode.body), mode.ct)
				var se *SyntaxError
				if !errors.As(err, &se) {
					t.Fatalf("%s: err = %v, want *SyntaxError", mode.ct, err)
				}
				if got, want := se.Index, mode.index; got != want {
					t.Errorf("%s: index = %d, want %d", mode.ct, got, want)
				}
				if got, want := se.Field, tc.wantField; got != want {
					t.Errorf("%s: field = %q, want %q", mode.ct, got, want)
				}
				if !strings.Contains(se.Msg, tc.wantMsg) {
					t.Errorf("%s: msg = %q, want %q", mode.ct, se.Msg, tc.wantMsg)
				}
			}
			// The log reading refuses it too.
			if _, err := DecodeStored(TypeCaseFinished, []byte(tc.event)); !isStoredRefusal(err) {
				t.Errorf("DecodeStored err = %v, want *StoredEventError", err)
			}
		})
	}
	if _, err := DecodeRequest([]byte("["+ok+"]"), ContentTypeBatch); err != nil {
		t.Fatalf("valid batch: %v", err)
	}
	if _, err := DecodeRequest([]byte(strictEvent(`"subject":"\ud83d\ude00 ok",`, "")), ContentTypeSingle); err != nil {
		t.Fatalf("paired surrogates: %v", err)
	}
}

func isStoredRefusal(err error) bool {
	var se *StoredEventError
	return errors.As(err, &se)
}

// TestStrictAttributes: every context attribute is checked as CloudEvents
// types it, and extensions carry only its simple types.
func TestStrictAttributes(t *testing.T) {
	v := testValidator(t)
	tests := []struct {
		name      string
		extra     string
		wantField string
		wantMsg   string
	}{
		{"Data with a capital D", `"Data":{"department":"qd-bdc"},`, "Data", `did you mean "data"`},
		{"Source with a capital S", `"Source":"/qd-bdc/x",`, "Source", `did you mean "source"`},
		{"extension name too long", `"abcdefghijklmnopqrstu":"x",`, "abcdefghijklmnopqrstu", "1 to 20 lower-case letters or digits"},
		{"extension name with a dash", `"x-trace":"t",`, "x-trace", "1 to 20"},
		{"extension 1e400", `"big":1e400,`, "big", "whole number"},
		{"extension fraction", `"n":1.5,`, "n", "whole number"},
		{"extension beyond int32", `"n":2147483648,`, "n", "whole number"},
		{"extension object", `"obj":{"a":1},`, "obj", "simple types"},
		{"extension deep array", `"deep":` + strings.Repeat("[", 3000) + strings.Repeat("]", 3000) + `,`, "deep", "simple types"},
		{"extension NUL", `"trace":"a\u0000b",`, "trace", "non-printable"},
		{"extension too long", `"trace":"` + strings.Repeat("x", 501) + `",`, "trace", "limit is 500"},
		{"subject NUL", `"subject":"a\u0000",`, "subject", "non-printable"},
		{"subject too long", `"subject":"` + strings.Repeat("长", 201) + `",`, "subject", "limit is 200"},
		{"subject empty", `"subject":"",`, "subject", "must not be empty"},
		{"subject number", `"subject":5,`, "subject", "must be a string"},
		{"time offset +24:00", ``, "time", "out of range"},
		{"dataschema relative", `"dataschema":"schemas/case.json",`, "dataschema", "no scheme"},
		{"dataschema with space", `"dataschema":"https://x.org/a b",`, "dataschema", "may not contain"},
		{"datacontenttype xml", `"datacontenttype":"application/xml",`, "datacontenttype", "must be application/json"},
		{"data_base64", `"data_base64":"AAAA",`, "data_base64", "binary data is not accepted"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			body := strictEvent(tc.extra, "")
			if tc.wantField == "time" {
				body = strings.Replace(body, `"time":"2024-03-01T16:30:00+08:00"`, `"time":"2024-03-01T16:30:00+24:00"`, 1)
			}
			envs, err := DecodeRequest([]byte(body), ContentTypeSingle)
			if err != nil {
				t.Fatalf("DecodeRequest: %v", err)
			}
			ev, ps := v.Validate(0, &envs[0])
			if ev != nil || len(ps) != 1 {
				t.Fatalf("problems = %+v, want one on %s", ps, tc.wantField)
			}
			if ps[0].Field != tc.wantField || !strings.Contains(ps[0].Reason, tc.wantMsg) {
				t.Errorf("problem = %s: %s, want %s containing %q", ps[0].Field, ps[0].Reason, tc.wantField, tc.wantMsg)
			}
			// Stored by an earlier version, the event is listed by log
			// check; the read models count its data, which the attribute
			// does not change (data_base64 aside: there is no data).
			rec := Recorded{Seq: 1, Source: "/qd-xzsp/approval", ID: "e-1", Type: TypeCaseFinished, Department: "qd-xzsp",
				OccurredAt: mustTime(t, "2024-03-01T16:30:00+08:00"), RecordedAt: testNow(), Envelope: []byte(body)}
			ps = CheckStored(v, rec)
			if len(ps) == 0 || ps[0].Field != tc.wantField {
				t.Errorf("CheckStored = %+v, want a problem on %s", ps, tc.wantField)
			}
			ev, err = DecodeStored(TypeCaseFinished, []byte(body))
			if tc.wantField == "data_base64" {
				if !isStoredRefusal(err) {
					t.Errorf("DecodeStored err = %v, want a refusal", err)
				}
			} else if err != nil || ev.Department() != "qd-xzsp" {
				t.Errorf("DecodeStored = %v, %v; want the case of qd-xzsp", ev, err)
			}
		})
	}
	for _, extra := range []string{`"trace":"abc",`, `"n":-2147483648,`, `"flag":true,`, `"none":null,`, `"subject":"case c-1",`,
		`"dataschema":"https://example.org/s.json",`, `"datacontenttype":"application/json; charset=utf-8",`} {
		envs, err := DecodeRequest([]byte(strictEvent(extra, "")), ContentTypeSingle)
		if err != nil {
			t.Fatal(err)
		}
		if _, ps := v.Validate(0, &envs[0]); len(ps) > 0 {
			t.Errorf("%s: problems %+v, want none", extra, ps)
		}
	}
}

// TestStrictTimestamps: RFC 3339's grammar exactly, offsets within ±23:59.
func TestStrictTimestamps(t *testing.T) {
	latest := testNow()
	for _, s := range []string{"2024-03-01T09:00:00+08:00", "2024-03-01t09:00:00z", "2024-03-01T09:00:00.123456789-23:59", "2024-02-29T23:59:59Z"} {
		if _, reason := parseTimestamp(s, latest); reason != "" {
			t.Errorf("%s: %s, want accepted", s, reason)
		}
	}
	for s, want := range map[string]string{
		"2024-03-01T09:00:00+24:00":       "out of range",
		"2024-03-01T09:00:00+08:60":       "out of range",
		"2024-03-01T09:00:00,5+08:00":     "not an RFC 3339",
		"2024-03-01T09:00:00.+08:00":      "1 to 9 digits",
		"2024-03-01T09:00:00.1234567890Z": "1 to 9 digits",
		"2024-03-01T09:00:00+0800":        "not an RFC 3339",
		"2024-02-30T09:00:00Z":            "not an RFC 3339",
		"2024-03-01T24:00:00Z":            "not an RFC 3339",
		"2024-03-01 09:00:00+08:00":       "not an RFC 3339",
		"2024-03-01T09:00:00":             "no UTC offset",
	} {
		if _, reason := parseTimestamp(s, latest); !strings.Contains(reason, want) {
			t.Errorf("%s: reason %q, want %q", s, reason, want)
		}
	}
}

// TestEventSizeLimit: an event larger than MaxEventBytes is refused alone.
func TestEventSizeLimit(t *testing.T) {
	big := strings.Replace(strictEvent(`"pad":"`+strings.Repeat("x", MaxEventBytes)+`",`, ""), `"id":"e-1"`, `"id":"e-2"`, 1)
	envs, err := DecodeRequest([]byte("["+strictEvent("", "")+","+big+"]"), ContentTypeBatch)
	if err != nil {
		t.Fatal(err)
	}
	_, ps := testValidator(t).ValidateAll(envs)
	if len(ps) != 1 || ps[0].Index != 1 || !strings.Contains(ps[0].Reason, "limit is 524288 bytes") {
		t.Errorf("problems = %+v, want one on event 1 naming the limit", ps)
	}
}

// TestDecodeStoredIsCaseSensitive: the exploit of issue 7. A "Data" member
// beside "data" no longer changes what the read models count: they read
// "data", exactly what validation and authorisation read, and log check
// lists the event.
func TestDecodeStoredIsCaseSensitive(t *testing.T) {
	exploit := strictEvent("", "") // "Data" after "data": encoding/json kept the last
	exploit = exploit[:len(exploit)-1] + `,"Data":{"case_id":"c-1","item_code":"real_estate_transfer_registration","department":"qd-bdc","district":"shinan","channel":"window","mode":"standard","accepted_at":"2024-03-01T09:00:00+08:00","finished_at":"2024-03-01T16:30:00+08:00","promised_working_days":3,"result":"approved","assisted":false}}`
	ev, err := DecodeStored(TypeCaseFinished, []byte(exploit))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := ev.Department(), "qd-xzsp"; got != want {
		t.Errorf("department = %q, want %q", got, want)
	}
	rec := Recorded{Seq: 1, Source: "/qd-xzsp/approval", ID: "e-1", Type: TypeCaseFinished, Department: "qd-xzsp",
		OccurredAt: mustTime(t, "2024-03-01T16:30:00+08:00"), RecordedAt: testNow(), Envelope: []byte(exploit)}
	if ps := CheckStored(testValidator(t), rec); len(ps) != 1 || ps[0].Field != "Data" {
		t.Errorf("CheckStored = %+v, want one problem on Data", ps)
	}
	if _, err := DecodeStored(TypeLicenseIssued, []byte(strictEvent("", ""))); !isStoredRefusal(err) {
		t.Errorf("type mismatch: err = %v, want a refusal", err)
	}
	if _, err := DecodeStored(TypeCaseFinished, []byte(strictEvent(`"data":{},`, ""))); !isStoredRefusal(err) {
		t.Errorf("two data members: err = %v, want a refusal", err)
	}
}
