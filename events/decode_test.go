package events

import (
	"bytes"
	"errors"
	"os"
	"strings"
	"testing"
)

func TestDecodeRequestContentTypes(t *testing.T) {
	single := []byte(`{"id":"a"}`)
	batch := []byte(` [{"id":"a"},{"id":"b"}]`)
	tests := []struct {
		name        string
		body        []byte
		contentType string
		wantIDs     []string
	}{
		{"single", single, "application/cloudevents+json", []string{"a"}},
		{"single with charset", single, "application/cloudevents+json; charset=utf-8", []string{"a"}},
		{"single upper case", single, "Application/CloudEvents+JSON", []string{"a"}},
		{"batch", batch, "application/cloudevents-batch+json", []string{"a", "b"}},
		{"plain json batch", batch, "application/json", []string{"a", "b"}},
		{"plain json single", single, "application/json; charset=UTF-8", []string{"a"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			envs, err := DecodeRequest(tc.body, tc.contentType)
			if err != nil {
				t.Fatalf("DecodeRequest: %v", err)
			}
			var got []string
			for _, e := range envs {
				got = append(got, e.ID)
			}
			if strings.Join(got, ",") != strings.Join(tc.wantIDs, ",") {
				t.Errorf("ids = %v, want %v", got, tc.wantIDs)
			}
		})
	}
}

func TestDecodeRequestRejectsContentType(t *testing.T) {
	for _, ct := range []string{"text/plain", "", "application/xml; charset=utf-8", "application/cloudevents+json;;"} {
		t.Run(ct, func(t *testing.T) {
			_, err := DecodeRequest([]byte(`{}`), ct)
			var cte *ContentTypeError
			if !errors.As(err, &cte) {
				t.Fatalf("err = %v, want *ContentTypeError", err)
			}
			if cte.Got != ct {
				t.Errorf("Got = %q, want %q", cte.Got, ct)
			}
			msg := err.Error()
			for _, want := range []string{ContentTypeSingle, ContentTypeBatch} {
				if !strings.Contains(msg, want) {
					t.Errorf("error %q does not name %s", msg, want)
				}
			}
			if ct != "" && !strings.Contains(msg, ct) {
				t.Errorf("error %q does not name the received type", msg)
			}
		})
	}
}

func TestDecodeRequestSyntaxErrors(t *testing.T) {
	tests := []struct {
		name        string
		body        string
		contentType string
		line, col   int
		offset      int
		msg         string
	}{
		{"missing value", "{\"a\": 1,\n \"b\": }", ContentTypeSingle, 2, 7, 15, "invalid character '}'"},
		{"unexpected end", "[\n  {\"id\": \"x\"", ContentTypeBatch, 2, 13, 14, "unexpected end"},
		{"trailing data", "{} x", ContentTypeSingle, 1, 4, 3, "unexpected data after the event"},
		{"second event in single", "{}\n{}", ContentTypeSingle, 2, 1, 3, "unexpected data after the event"},
		{"column counts characters", "{\"名\": 1,\n\"字\": x}", ContentTypeSingle, 2, 6, 18, "invalid character 'x'"},
		{"array for single type", "\n  [{}]", ContentTypeSingle, 2, 3, 3, "expected one event as a JSON object"},
		{"object for batch type", "{}", ContentTypeBatch, 1, 1, 0, "expected a JSON array"},
		{"empty batch", "[ ]", ContentTypeBatch, 1, 1, 0, "batch is empty"},
		{"empty plain json batch", " []", ContentTypeJSON, 1, 2, 1, "batch is empty"},
		{"empty body", " \n", ContentTypeBatch, 1, 1, 0, "request body is empty"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := DecodeRequest([]byte(tc.body), tc.contentType)
			var se *SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("err = %v, want *SyntaxError", err)
			}
			if se.Line != tc.line || se.Column != tc.col || se.Offset != tc.offset {
				t.Errorf("position = line %d column %d offset %d, want line %d column %d offset %d",
					se.Line, se.Column, se.Offset, tc.line, tc.col, tc.offset)
			}
			if !strings.Contains(se.Msg, tc.msg) {
				t.Errorf("Msg = %q, want it to contain %q", se.Msg, tc.msg)
			}
			wantPrefix := "request body line "
			if !strings.HasPrefix(err.Error(), wantPrefix) {
				t.Errorf("Error() = %q, want prefix %q", err.Error(), wantPrefix)
			}
		})
	}
}

func TestDecodeRequestKeepsRawBytes(t *testing.T) {
	first := `{ "specversion":"1.0",  "id" : "a", "x-trace":"t1", "data":{"名称":"市南区\u0041"} }`
	second := "{\"id\":\"b\",\n\t\"comexampleext\": [1, 2]}"
	body := "[\n  " + first + " ,\n" + second + "\n]\n"
	envs, err := DecodeRequest([]byte(body), ContentTypeBatch)
	if err != nil {
		t.Fatal(err)
	}
	if len(envs) != 2 {
		t.Fatalf("len = %d, want 2", len(envs))
	}
	for i, want := range []string{first, second} {
		if got := string(envs[i].Raw); got != want {
			t.Errorf("Raw[%d] = %q, want %q", i, got, want)
		}
	}
	// Raw must not alias the request body, which the caller may reuse.
	b := []byte(body)
	envs, _ = DecodeRequest(b, ContentTypeBatch)
	copy(b, bytes.Repeat([]byte{'#'}, len(b)))
	if got := string(envs[0].Raw); got != first {
		t.Errorf("Raw changed with the body: %q", got)
	}
}

func TestDecodeRequestSingleRawTrimsWhitespaceOnly(t *testing.T) {
	obj := `{"id":"a",  "type" : "t"}`
	envs, err := DecodeRequest([]byte("\n  "+obj+"\n"), ContentTypeSingle)
	if err != nil {
		t.Fatal(err)
	}
	if got := string(envs[0].Raw); got != obj {
		t.Errorf("Raw = %q, want %q", got, obj)
	}
}

func TestDecodeRequestAttributes(t *testing.T) {
	b, err := os.ReadFile("testdata/case_finished.json")
	if err != nil {
		t.Fatal(err)
	}
	envs, err := DecodeRequest(b, ContentTypeSingle)
	if err != nil {
		t.Fatal(err)
	}
	e := envs[0]
	got := []string{e.SpecVersion, e.ID, e.Source, e.Type, e.TimeRaw, e.DataContentType}
	want := []string{"1.0", "qd-xzsp-2024-000123", "qd-approval-bureau", TypeCaseFinished, "2024-03-01T16:30:00+08:00", "application/json"}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("attribute %d = %q, want %q", i, got[i], want[i])
		}
	}
	if !e.Time.IsZero() {
		t.Errorf("Time = %v before validation, want zero", e.Time)
	}
	if !bytes.HasPrefix(e.Data, []byte(`{`)) || !bytes.Contains(e.Data, []byte(`"case_id": "QDXZSP-20240301-000123"`)) {
		t.Errorf("Data = %s, want the data object as sent", e.Data)
	}
}

func TestDecodeRequestBadAttributesKeepIndex(t *testing.T) {
	body := `[{"id":"ok"}, {"id": 42, "time": 1709280000, "source": null}, 7, "x"]`
	envs, err := DecodeRequest([]byte(body), ContentTypeBatch)
	if err != nil {
		t.Fatalf("DecodeRequest: %v, want per-event problems instead", err)
	}
	if len(envs) != 4 {
		t.Fatalf("len = %d, want 4", len(envs))
	}
	v := testValidator(t)
	_, problems := v.Validate(1, &envs[1])
	want := map[string]string{"id": "must be a string, got number", "time": "must be a string, got number", "source": "is required"}
	for field, reason := range want {
		if !hasProblem(problems, 1, field, reason) {
			t.Errorf("no problem %q: %q in %+v", field, reason, problems)
		}
	}
	for i, kind := range map[int]string{2: "number", 3: "string"} {
		_, problems := v.Validate(i, &envs[i])
		if len(problems) != 1 || problems[0].Field != "" || problems[0].Index != i ||
			problems[0].Reason != "each event must be a JSON object, got "+kind {
			t.Errorf("event %d problems = %+v, want one about not being an object", i, problems)
		}
	}
}

// hasProblem reports whether ps has a problem for index i on field with a
// reason containing reason.
func hasProblem(ps []Problem, i int, field, reason string) bool {
	for _, p := range ps {
		if p.Index == i && p.Field == field && strings.Contains(p.Reason, reason) {
			return true
		}
	}
	return false
}
