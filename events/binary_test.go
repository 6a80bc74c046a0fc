package events

import (
	"errors"
	"strings"
	"testing"
)

func binaryHeaders(extra map[string][]string) map[string][]string {
	h := map[string][]string{
		"Ce-Specversion": {"1.0"}, "Ce-Id": {"e-1"}, "Ce-Source": {"/qd-xzsp/approval"},
		"Ce-Type": {TypeCaseFinished}, "Ce-Time": {"2024-03-01T16:30:00+08:00"},
	}
	for k, v := range extra {
		if v == nil {
			delete(h, k)
		} else {
			h[k] = v
		}
	}
	return h
}

// TestDecodeBinary: binary mode reads the same event as structured mode.
func TestDecodeBinary(t *testing.T) {
	structured := strictEvent(`"subject":"办件 50%",`, "")
	want, err := DecodeRequest([]byte(structured), ContentTypeSingle)
	if err != nil {
		t.Fatal(err)
	}
	data := structured[strings.Index(structured, `"data":`)+len(`"data":`) : len(structured)-1]
	env, err := DecodeBinary(binaryHeaders(map[string][]string{"Ce-Subject": {"%E5%8A%9E%E4%BB%B6 50%25"}, "Ce-Traceid": {"abc"}}),
		"application/json; charset=utf-8", []byte(" "+data+"\n"))
	if err != nil {
		t.Fatal(err)
	}
	v := testValidator(t)
	got, ps := v.Validate(0, &env)
	wantEv, wps := v.Validate(0, &want[0])
	if len(ps) > 0 || len(wps) > 0 {
		t.Fatalf("problems %+v / %+v", ps, wps)
	}
	if g, w := mustMarshal(t, got), mustMarshal(t, wantEv); g != w {
		t.Errorf("binary %s, structured %s", g, w)
	}
	if env.Subject != "办件 50%" || env.DataContentType != "application/json; charset=utf-8" {
		t.Errorf("subject %q, datacontenttype %q", env.Subject, env.DataContentType)
	}
	wantRaw := `{"specversion":"1.0","id":"e-1","source":"/qd-xzsp/approval","type":"govpulse.case.finished.v1","subject":"办件 50%","time":"2024-03-01T16:30:00+08:00","datacontenttype":"application/json; charset=utf-8","traceid":"abc","data":` + data + `}`
	if string(env.Raw) != wantRaw {
		t.Errorf("stored form\n%s\nwant\n%s", env.Raw, wantRaw)
	}
}

func TestDecodeBinaryRefuses(t *testing.T) {
	body := []byte(`{"a":1}`)
	for _, tc := range []struct {
		name   string
		extra  map[string][]string
		ct     string
		body   []byte
		header string
	}{
		{"repeated", map[string][]string{"Ce-Id": {"a", "b"}}, "application/json", body, "ce-id"},
		{"broken escape", map[string][]string{"Ce-Source": {"/x%2"}}, "application/json", body, "ce-source"},
		{"escape to invalid UTF-8", map[string][]string{"Ce-Subject": {"%C0%80"}}, "application/json", body, "ce-subject"},
		{"raw invalid UTF-8", map[string][]string{"Ce-Subject": {"\xff"}}, "application/json", body, "ce-subject"},
		{"no specversion", map[string][]string{"Ce-Specversion": nil}, "application/json", body, "ce-specversion"},
		{"datacontenttype header", map[string][]string{"Ce-Datacontenttype": {"application/json"}}, "application/json", body, "ce-datacontenttype"},
		{"bad extension name", map[string][]string{"Ce-Trace_id": {"1"}}, "application/json", body, "ce-trace_id"},
		{"value too long", map[string][]string{"Ce-Subject": {strings.Repeat("x", 4097)}}, "application/json", body, "ce-subject"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := DecodeBinary(binaryHeaders(tc.extra), tc.ct, tc.body)
			var he *HeaderError
			if !errors.As(err, &he) || he.Header != tc.header {
				t.Errorf("err = %v, want a HeaderError on %s", err, tc.header)
			}
		})
	}
	for _, ct := range []string{"", "text/plain", ContentTypeSingle} {
		var ce *ContentTypeError
		if _, err := DecodeBinary(binaryHeaders(nil), ct, body); !errors.As(err, &ce) || !ce.Binary {
			t.Errorf("Content-Type %q: %v, want a binary ContentTypeError", ct, err)
		}
	}
	for _, b := range []string{"", "  ", `{"a":1,"a":2}`, `{"a":"\ud800"}`} {
		var se *SyntaxError
		if _, err := DecodeBinary(binaryHeaders(nil), "application/json", []byte(b)); !errors.As(err, &se) || se.Index != 0 || !strings.HasPrefix(se.Field, "data") {
			t.Errorf("body %q: %v, want a SyntaxError in data", b, err)
		}
	}
}
