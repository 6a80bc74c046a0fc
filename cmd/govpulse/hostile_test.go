package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/govpulse/govpulse/config"
)

// hostileCase is one malformed or hostile request, as raw bytes on a TCP
// connection, and the answer it must get.
type hostileCase struct {
	class  string
	name   string
	req    []byte
	status int
	code   string
}

// rawRequest writes an HTTP/1.1 request by hand; headers are sent as
// given, byte for byte.
func rawRequest(method, target string, headers []string, body []byte) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n", method, target)
	for _, h := range headers {
		b.WriteString(h + "\r\n")
	}
	if body != nil {
		fmt.Fprintf(&b, "Content-Length: %d\r\n", len(body))
	}
	b.WriteString("\r\n")
	b.Write(body)
	return b.Bytes()
}

// hostileCorpus is the hostile requests of issue 7's classes and more.
// Every one is refused with its own status and code; none changes what is
// stored.
func hostileCorpus(t *testing.T) []hostileCase {
	auth := func(tok string) string { return "Authorization: Bearer " + tok }
	event := func(id string) []byte { return mustJSON(t, caseFinished(t, approvalSource, id)) }
	edit := func(id, old, new string) []byte {
		b := event(id)
		if !bytes.Contains(b, []byte(old)) {
			t.Fatalf("corpus: %q not in %s", old, b)
		}
		return bytes.Replace(b, []byte(old), []byte(new), 1)
	}
	change := func(id string, f func(e testEvent)) []byte {
		e := caseFinished(t, approvalSource, id)
		f(e)
		return mustJSON(t, e)
	}
	ingest := func(ct string, body []byte, extra ...string) []byte {
		h := append([]string{auth(approvalToken)}, extra...)
		if ct != "" {
			h = append(h, "Content-Type: "+ct)
		}
		return rawRequest("POST", "/v1/events", h, body)
	}
	single := func(body []byte) []byte { return ingest(ctSingle, body) }
	batch := func(evs ...[]byte) []byte {
		return ingest(ctBatch, append(append([]byte("["), bytes.Join(evs, []byte(","))...), ']'))
	}
	binary := func(headers map[string]string, ct string, body []byte) []byte {
		h := []string{"ce-specversion: 1.0", "ce-id: bin-1", "ce-source: " + approvalSource, "ce-type: " + typeCase, "ce-time: 2024-03-01T16:30:00+08:00"}
		for i := 0; i < len(h); i++ {
			name := strings.SplitN(h[i], ":", 2)[0]
			if v, ok := headers[name]; ok {
				if v == "" {
					h = append(h[:i], h[i+1:]...)
					i--
				} else {
					h[i] = name + ": " + v
				}
				delete(headers, name)
			}
		}
		for k, v := range headers {
			h = append(h, k+": "+v)
		}
		return ingest(ct, body, h...)
	}
	data := mustJSON(t, caseFinished(t, approvalSource, "x").data())
	get := func(target string, headers ...string) []byte { return rawRequest("GET", target, headers, nil) }
	deep := func(n int) string { return strings.Repeat("[", n) + strings.Repeat("]", n) }
	const (
		s400 = http.StatusBadRequest
		s401 = http.StatusUnauthorized
		s403 = http.StatusForbidden
		s404 = http.StatusNotFound
		s413 = http.StatusRequestEntityTooLarge
		s415 = http.StatusUnsupportedMediaType
		s422 = http.StatusUnprocessableEntity
	)
	return []hostileCase{
		// JSON that is not JSON.
		{"syntax", "empty body", single([]byte{}), s400, "malformed"},
		{"syntax", "white space only", single([]byte(" \n\t ")), s400, "malformed"},
		{"syntax", "truncated object", single(event("t1")[:40]), s400, "malformed"},
		{"syntax", "trailing comma", single(edit("t2", `"assisted":false`, `"assisted":false,`)), s400, "malformed"},
		{"syntax", "garbage after the event", single(append(event("t3"), " x"...)), s400, "malformed"},
		{"syntax", "two events as one", single(append(event("t4"), event("t5")...)), s400, "malformed"},
		{"syntax", "single quotes", single(edit("t6", `"id":"t6"`, `'id':'t6'`)), s400, "malformed"},
		{"syntax", "NaN", single(edit("t7", `"promised_working_days":1`, `"promised_working_days":NaN`)), s400, "malformed"},
		{"syntax", "comment", single(append([]byte("/* hi */"), event("t8")...)), s400, "malformed"},
		{"syntax", "byte order mark", single(append([]byte("\xef\xbb\xbf"), event("t9")...)), s400, "malformed"},
		{"syntax", "leading zero", single(edit("t10", `"promised_working_days":1`, `"promised_working_days":01`)), s400, "malformed"},
		{"syntax", "raw control character in a string", single(edit("t11", `"case_id":"`, "\"case_id\":\"\x01")), s400, "malformed"},
		{"syntax", "unknown escape", single(edit("t12", `"case_id":"`, `"case_id":"\x`)), s400, "malformed"},
		{"syntax", "short unicode escape", single(edit("t13", `"case_id":"`, `"case_id":"\u12`)), s400, "malformed"},
		{"syntax", "nesting past the decoder's limit", single(edit("t14", `"data":`, `"deep":`+deep(10001)+`,"data":`)), s400, "malformed"},
		{"syntax", "array for the single-event type", single(append(append([]byte("["), event("t15")...), ']')), s400, "malformed"},
		{"syntax", "object for the batch type", ingest(ctBatch, event("t16")), s400, "malformed"},
		{"syntax", "empty batch", ingest(ctBatch, []byte("[]")), s400, "malformed"},
		{"syntax", "batch with a trailing comma", ingest(ctBatch, append(append([]byte("["), event("t17")...), ",]"...)), s400, "malformed"},

		// The same name twice: a strict parser could read the other one.
		{"duplicate", "two ids", single(edit("d1", `"id":"d1"`, `"id":"d1","id":"d1b"`)), s400, "malformed"},
		{"duplicate", "two sources", single(edit("d2", `"source":`, `"source":"qd-service-hub","source":`)), s400, "malformed"},
		{"duplicate", "two types", single(edit("d3", `"type":`, `"type":"govpulse.lawsuit.appearance.v1","type":`)), s400, "malformed"},
		{"duplicate", "two data objects", single(edit("d4", `"data":`, `"data":{"department":"qd-gaj"},"data":`)), s400, "malformed"},
		{"duplicate", "two departments in data", single(edit("d5", `"department":"qd-xzsp"`, `"department":"qd-xzsp","department":"qd-gaj"`)), s400, "malformed"},
		{"duplicate", "the same name escaped differently", single(edit("d6", `"data":`, `"d\u0061ta":{},"data":`)), s400, "malformed"},
		{"duplicate", "deep inside an extension", single(edit("d7", `"data":`, `"ext":{"a":[{"b":1,"b":2}]},"data":`)), s400, "malformed"},
		{"duplicate", "in the third event of a batch", batch(event("d8"), event("d9"), edit("d10", `"department":"qd-xzsp"`, `"department":"qd-xzsp","department":"qd-gaj"`)), s400, "malformed"},

		// Text that is not UTF-8.
		{"utf-8", "invalid byte in a value", single(edit("u1", `"case_id":"`, "\"case_id\":\"\xff")), s400, "malformed"},
		{"utf-8", "invalid byte in a name", single(edit("u2", `"case_id":`, "\"case\xfe_id\":")), s400, "malformed"},
		{"utf-8", "overlong encoding", single(edit("u3", `"case_id":"`, "\"case_id\":\"\xc0\xaf")), s400, "malformed"},
		{"utf-8", "surrogate encoded in UTF-8", single(edit("u4", `"case_id":"`, "\"case_id\":\"\xed\xa0\x80")), s400, "malformed"},
		{"utf-8", "truncated sequence", single(edit("u5", `"case_id":"`, "\"case_id\":\"\xe4\xb8")), s400, "malformed"},
		{"surrogate", "lone high surrogate", single(edit("u6", `"case_id":"`, `"case_id":"\ud800`)), s400, "malformed"},
		{"surrogate", "lone low surrogate", single(edit("u7", `"case_id":"`, `"case_id":"\udc00`)), s400, "malformed"},
		{"surrogate", "pair in the wrong order", single(edit("u8", `"case_id":"`, `"case_id":"\ude00\ud83d`)), s400, "malformed"},
		{"surrogate", "high surrogate then a letter", single(edit("u9", `"case_id":"`, `"case_id":"\ud83d\u0041`)), s400, "malformed"},

		// Names that differ only in case: read as extensions, and refused.
		{"case", "Data beside data", single(edit("c1", `"data":`, `"Data":{"department":"qd-gaj"},"data":`)), s422, "invalid"},
		{"case", "SOURCE beside source", single(edit("c2", `"source":`, `"SOURCE":"qd-service-hub","source":`)), s422, "invalid"},
		{"case", "Type beside type", single(edit("c3", `"type":`, `"Type":"govpulse.lawsuit.appearance.v1","type":`)), s422, "invalid"},
		{"case", "ID instead of id", single(edit("c4", `"id":`, `"ID":`)), s422, "invalid"},
		{"case", "Department in data", single(edit("c5", `"department":"qd-xzsp"`, `"department":"qd-xzsp","Department":"qd-gaj"`)), s422, "invalid"},

		// Context attributes as CloudEvents types them.
		{"attribute", "specversion 0.3", single(edit("a1", `"specversion":"1.0"`, `"specversion":"0.3"`)), s422, "invalid"},
		{"attribute", "specversion as a number", single(edit("a2", `"specversion":"1.0"`, `"specversion":1.0`)), s422, "invalid"},
		{"attribute", "no id", single(edit("a3", `"id":"a3",`, ``)), s422, "invalid"},
		{"attribute", "id with NUL", single(edit("a4", `"id":"a4"`, `"id":"a\u00004"`)), s422, "invalid"},
		{"attribute", "id of 201 characters", single(edit("a5", `"id":"a5"`, `"id":"`+strings.Repeat("i", 201)+`"`)), s422, "invalid"},
		{"attribute", "id as an object", single(edit("a6", `"id":"a6"`, `"id":{"v":1}`)), s422, "invalid"},
		{"attribute", "type unknown", single(edit("a7", `"type":"govpulse.case.finished.v1"`, `"type":"govpulse.case.finished.v9"`)), s422, "invalid"},
		{"attribute", "subject with NUL", single(edit("a8", `"data":`, `"subject":"x\u0000y","data":`)), s422, "invalid"},
		{"attribute", "subject of 1 MiB", single(edit("a9", `"data":`, `"subject":"`+strings.Repeat("s", 1<<20-4096)+`","data":`)), s422, "invalid"},
		{"attribute", "empty subject", single(edit("a10", `"data":`, `"subject":"","data":`)), s422, "invalid"},
		{"attribute", "no time", single(edit("a11", `"time":"2024-03-01T16:30:00+08:00",`, ``)), s422, "invalid"},
		{"attribute", "offset +24:00", single(edit("a12", `"time":"2024-03-01T16:30:00+08:00"`, `"time":"2024-03-01T16:30:00+24:00"`)), s422, "invalid"},
		{"attribute", "offset -23:60", single(edit("a13", `"time":"2024-03-01T16:30:00+08:00"`, `"time":"2024-03-01T16:30:00-23:60"`)), s422, "invalid"},
		{"attribute", "comma before the fraction", single(edit("a14", `"time":"2024-03-01T16:30:00+08:00"`, `"time":"2024-03-01T16:30:00,5+08:00"`)), s422, "invalid"},
		{"attribute", "time without offset", single(edit("a15", `"time":"2024-03-01T16:30:00+08:00"`, `"time":"2024-03-01T16:30:00"`)), s422, "invalid"},
		{"attribute", "time before 2000", single(edit("a16", `"time":"2024-03-01T16:30:00+08:00"`, `"time":"1999-12-31T23:59:59Z"`)), s422, "invalid"},
		{"attribute", "time in the future", single(edit("a17", `"time":"2024-03-01T16:30:00+08:00"`, `"time":"2031-01-01T00:00:00Z"`)), s422, "invalid"},
		{"attribute", "datacontenttype xml", single(edit("a18", `"datacontenttype":"application/json"`, `"datacontenttype":"text/xml"`)), s422, "invalid"},
		{"attribute", "relative dataschema", single(edit("a19", `"data":`, `"dataschema":"case.json","data":`)), s422, "invalid"},
		{"attribute", "dataschema with a space", single(edit("a20", `"data":`, `"dataschema":"https://x.org/a b","data":`)), s422, "invalid"},
		{"attribute", "data_base64", single(edit("a21", `"data":`, `"data_base64":"AAAA","data":`)), s422, "invalid"},
		{"attribute", "data as an array", single(change("a22", func(e testEvent) { e["data"] = []int{1} })), s422, "invalid"},
		{"attribute", "data null", single(change("a23", func(e testEvent) { e["data"] = nil })), s422, "invalid"},
		{"attribute", "event over 512 KiB", single(edit("a24", `"data":`, `"pad":"`+strings.Repeat("p", 600<<10)+`","data":`)), s422, "invalid"},

		// Extension attributes: CloudEvents names, simple types only.
		{"extension", "name with a dash", single(edit("e1", `"data":`, `"x-trace":"1","data":`)), s422, "invalid"},
		{"extension", "name of 21 characters", single(edit("e2", `"data":`, `"abcdefghijklmnopqrstu":"1","data":`)), s422, "invalid"},
		{"extension", "value 1e400", single(edit("e3", `"data":`, `"big":1e400,"data":`)), s422, "invalid"},
		{"extension", "value 1.5", single(edit("e4", `"data":`, `"frac":1.5,"data":`)), s422, "invalid"},
		{"extension", "value past 32 bits", single(edit("e5", `"data":`, `"n":4294967296,"data":`)), s422, "invalid"},
		{"extension", "arrays 5,000 deep", single(edit("e6", `"data":`, `"deep":`+deep(5000)+`,"data":`)), s422, "invalid"},
		{"extension", "object value", single(edit("e7", `"data":`, `"obj":{"a":1},"data":`)), s422, "invalid"},
		{"extension", "NUL in a string", single(edit("e8", `"data":`, `"trace":"\u0000","data":`)), s422, "invalid"},

		// The data's own fields.
		{"data", "unknown field", single(edit("f1", `"assisted":false`, `"assisted":false,"asisted":true`)), s422, "invalid"},
		{"data", "number as a string", single(edit("f2", `"promised_working_days":1`, `"promised_working_days":"1"`)), s422, "invalid"},
		{"data", "promise of 366 days", single(edit("f3", `"promised_working_days":1`, `"promised_working_days":366`)), s422, "invalid"},
		{"data", "finished before accepted", single(edit("f4", `"accepted_at":"2024-03-01T09:00:00+08:00"`, `"accepted_at":"2024-03-02T09:00:00+08:00"`)), s422, "invalid"},
		{"data", "unknown district", single(edit("f5", `"district":"shinan"`, `"district":"atlantis"`)), s422, "invalid"},
		{"data", "case id of 101 characters", single(edit("f6", `"case_id":"`, `"case_id":"`+strings.Repeat("c", 101))), s422, "invalid"},

		// Who may send what.
		{"auth", "no token", rawRequest("POST", "/v1/events", []string{"Content-Type: " + ctSingle}, event("z1")), s401, "unauthorized"},
		{"auth", "unknown token", rawRequest("POST", "/v1/events", []string{auth("not-a-token-at-all"), "Content-Type: " + ctSingle}, event("z2")), s401, "unauthorized"},
		{"auth", "basic auth", rawRequest("POST", "/v1/events", []string{"Authorization: Basic YTpi", "Content-Type: " + ctSingle}, event("z3")), s401, "unauthorized"},
		{"auth", "admin token on ingest", rawRequest("POST", "/v1/events", []string{auth(adminToken), "Content-Type: " + ctSingle}, event("z4")), s401, "unauthorized"},
		{"auth", "another source's name", single(edit("z5", `"source":"qd-approval-bureau"`, `"source":"qd-service-hub"`)), s403, "forbidden"},
		{"auth", "another department", single(edit("z6", `"department":"qd-xzsp"`, `"department":"qd-gaj"`)), s403, "forbidden"},
		{"auth", "a type the token may not send", rawRequest("POST", "/v1/events", []string{auth(justiceToken), "Content-Type: " + ctSingle}, mustJSON(t, caseFinished(t, justiceSource, "z7"))), s403, "forbidden"},
		{"auth", "a department code that does not exist", single(edit("z8", `"department":"qd-xzsp"`, `"department":"qd-nowhere"`)), s403, "forbidden"},
		{"auth", "admin endpoint with a source token", get("/v1/events?after=0", auth(approvalToken)), s401, "unauthorized"},
		{"auth", "rebuild without a token", rawRequest("POST", "/v1/admin/rebuild/all", nil, []byte{}), s401, "unauthorized"},

		// Content types and the binary content mode.
		{"content type", "text/plain", ingest("text/plain", event("m1")), s415, "unsupported_media_type"},
		{"content type", "no Content-Type", ingest("", event("m2")), s415, "unsupported_media_type"},
		{"content type", "unparsable Content-Type", ingest("application/cloudevents+json;;", event("m3")), s415, "unsupported_media_type"},
		{"binary", "structured type with ce-* headers", binary(map[string]string{}, ctSingle, event("m4")), s415, "unsupported_media_type"},
		{"binary", "text/plain data", binary(map[string]string{}, "text/plain", data), s415, "unsupported_media_type"},
		{"binary", "broken percent-escape", binary(map[string]string{"ce-source": "qd-approval%zz"}, "application/json", data), s400, "malformed"},
		{"binary", "repeated ce-id", binary(map[string]string{"ce-id": "a\r\nce-id: b"}, "application/json", data), s400, "malformed"},
		{"binary", "no ce-specversion", binary(map[string]string{"ce-specversion": ""}, "application/json", data), s400, "malformed"},
		{"binary", "ce-datacontenttype header", binary(map[string]string{"ce-datacontenttype": "application/json"}, "application/json", data), s400, "malformed"},
		{"binary", "ce-data header", binary(map[string]string{"ce-data": "{}"}, "application/json", data), s400, "malformed"},
		{"binary", "extension header with an underscore", binary(map[string]string{"ce-trace_id": "1"}, "application/json", data), s400, "malformed"},
		{"binary", "header value not UTF-8", binary(map[string]string{"ce-subject": "\xff\xfe"}, "application/json", data), s400, "malformed"},
		{"binary", "escape decoding to invalid UTF-8", binary(map[string]string{"ce-subject": "%ff"}, "application/json", data), s400, "malformed"},
		{"binary", "empty body", binary(map[string]string{}, "application/json", []byte{}), s400, "malformed"},
		{"binary", "body not JSON", binary(map[string]string{}, "application/json", []byte("department=qd-gaj")), s400, "malformed"},
		{"binary", "duplicate name in the body", binary(map[string]string{}, "application/json", bytes.Replace(data, []byte(`"department":"qd-xzsp"`), []byte(`"department":"qd-xzsp","department":"qd-gaj"`), 1)), s400, "malformed"},
		{"binary", "another department", binary(map[string]string{}, "application/json", bytes.Replace(data, []byte(`"qd-xzsp"`), []byte(`"qd-gaj"`), 1)), s403, "forbidden"},
		{"binary", "offset +24:00 in ce-time", binary(map[string]string{"ce-time": "2024-03-01T16:30:00+24:00"}, "application/json", data), s422, "invalid"},

		// Sizes.
		{"size", "body over the limit", single(edit("s1", `"data":`, `"pad":"`+strings.Repeat("p", 1<<20)+`","data":`)), s413, "too_large"},
		{"size", "too many events", batch(bytes.Split(bytes.Repeat([]byte(`{}`+"\x00"), 51), []byte{0})[:51]...), s413, "too_large"},

		// Query parameters.
		{"query", "broken percent-escape", get("/v1/stats/cases?from=%zz"), s400, "malformed"},
		{"query", "percent at the end", get("/v1/stats/cases?from=2024-01-01%"), s400, "malformed"},
		{"query", "year 0", get("/v1/targets?at=0000-01-01"), s400, "malformed"},
		{"query", "year 2100", get("/v1/stats/cases?to=2100-01-01"), s400, "malformed"},
		{"query", "not a date", get("/v1/stats/licenses?from=yesterday"), s400, "malformed"},
		{"query", "NUL in department", get("/v1/targets/history?department=qd%00"), s400, "malformed"},
		{"query", "invalid UTF-8 in target", get("/v1/targets/history?target=%ff"), s400, "malformed"},
		{"query", "unknown target", get("/v1/targets/history?target=nope"), s400, "malformed"},
		{"query", "NUL in source", get("/v1/ingest/tally?source=a%00b", auth(adminToken)), s400, "malformed"},
		{"query", "invalid UTF-8 in type", get("/v1/ingest/tally?type=%c3%28", auth(adminToken)), s400, "malformed"},
		{"query", "unknown type", get("/v1/ingest/tally?type=govpulse.nope.v1", auth(adminToken)), s400, "malformed"},
		{"query", "unknown parameter", get("/v1/stats/cases?colour=red"), s400, "malformed"},
		{"query", "repeated parameter", get("/v1/stats/cases?from=2024-01-01&from=2024-02-01"), s400, "malformed"},
		{"query", "semicolon separator", get("/v1/stats/cases?from=2024-01-01;to=2024-02-01"), s400, "malformed"},
		{"query", "negative limit", get("/v1/events?limit=-1", auth(adminToken)), s400, "malformed"},
		{"query", "limit in exponent notation", get("/v1/events?after=1e3", auth(adminToken)), s400, "malformed"},
		{"query", "group by a non-dimension", get("/v1/stats/lawsuits?group_by=department"), s400, "malformed"},
		{"query", "unknown code", get("/v1/stats/cases?department=qd-nowhere"), s400, "malformed"},
		{"query", "parameter on a parameterless endpoint", get("/v1/catalog?x=1"), s400, "malformed"},
		{"query", "all=maybe", get("/v1/admin/poison?all=maybe", auth(adminToken)), s400, "malformed"},
		{"query", "newline in a value", get("/v1/targets?department=qd-xzsp%0A"), s400, "malformed"},
		{"query", "to before from", get("/v1/stats/cases?from=2024-02-01&to=2024-01-01"), s400, "malformed"},

		// What net/http answers itself, in the JSON shape too.
		{"http", "header block over 64 KiB", get("/v1/catalog", "X-Pad: "+strings.Repeat("h", 70<<10)), http.StatusRequestHeaderFieldsTooLarge, "header_too_large"},
		{"http", "garbage request line", []byte("HELLO THERE\r\n\r\n"), s400, "malformed"},
		{"http", "no Host header", []byte("GET /v1/catalog HTTP/1.1\r\n\r\n"), s400, "malformed"},
		{"http", "header name with a space", []byte("GET /v1/catalog HTTP/1.1\r\nHost: x\r\nBad Name: 1\r\n\r\n"), s400, "malformed"},
		{"http", "broken escape in the path", []byte("GET /v1/%zz HTTP/1.1\r\nHost: x\r\n\r\n"), s400, "malformed"},
		{"http", "unknown transfer coding", []byte("POST /v1/events HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n"), http.StatusNotImplemented, "not_implemented"},
		{"http", "HTTP/2.0 on the HTTP/1 port", []byte("GET /v1/catalog HTTP/2.0\r\nHost: x\r\n\r\n"), http.StatusHTTPVersionNotSupported, "http_version_not_supported"},
		{"http", "unknown expectation", rawRequest("POST", "/v1/events", []string{auth(approvalToken), "Content-Type: " + ctSingle, "Expect: teapot"}, event("h1")), http.StatusExpectationFailed, "expectation_failed"},
		{"http", "two Content-Lengths", []byte("POST /v1/events HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}"), s400, "malformed"},

		// Paths.
		{"path", "NUL in the path", get("/v1/%00"), s404, "not_found"},
		{"path", "unknown endpoint", get("/v1/nothing"), s404, "not_found"},
		{"path", "wrong method", rawRequest("DELETE", "/v1/events", []string{auth(adminToken)}, nil), s404, "not_found"},
		{"path", "poison id not a number", rawRequest("POST", "/v1/admin/poison/abc/replay", []string{auth(adminToken)}, []byte{}), s400, "malformed"},
		{"path", "rebuild of an unknown model", rawRequest("POST", "/v1/admin/rebuild/%ff", []string{auth(adminToken)}, []byte{}), s404, "not_found"},
	}
}

// TestHostileCorpus runs every request of the corpus end to end against a
// real server holding events of every type, checks each answer's status
// and code, and then that the log and every read model are byte for byte
// what they were.
func TestHostileCorpus(t *testing.T) {
	s := startServer(t, func(c *config.Config) {
		c.MaxBodyBytes = 1 << 20
		c.MaxBatchEvents = 50
		c.RateBurst = 1000
	})
	s.ingest(hubToken, caseFinished(t, hubSource, "seed-case"), licenseIssued(t, hubSource, "seed-licence"), lawsuitAppearance(t, hubSource, "seed-hearing"))
	s.waitProjections()
	// A consumer may apply a batch on its local append, before the bus
	// delivers it; the delivery then moves the bus's offsets. Wait for it,
	// so that only the corpus could move them afterwards.
	s.waitDelivered()
	before := s.dumpState()

	corpus := hostileCorpus(t)
	if len(corpus) < 80 {
		t.Fatalf("the corpus has %d requests; keep at least 80", len(corpus))
	}
	classes := map[string]int{}
	for _, tc := range corpus {
		classes[tc.class]++
		t.Run(tc.class+"/"+tc.name, func(t *testing.T) {
			status, body := s.rawExchange(t, tc.req)
			if status != tc.status {
				t.Fatalf("status %d, want %d: %s", status, tc.status, clipBody(body))
			}
			var e struct {
				Code  string `json:"code"`
				Error string `json:"error"`
			}
			if err := json.Unmarshal(body, &e); err != nil {
				t.Fatalf("answer is not the JSON error shape (%v): %s", err, clipBody(body))
			}
			if e.Code != tc.code || e.Error == "" {
				t.Errorf("code %q (%q), want %q", e.Code, e.Error, tc.code)
			}
		})
	}
	t.Logf("%d hostile requests in %d classes: %v", len(corpus), len(classes), classes)

	// A refused request stores nothing and moves nothing; give the
	// consumers a moment to show otherwise.
	time.Sleep(500 * time.Millisecond)
	after := s.dumpState()
	for table, b := range before {
		if after[table] != b {
			t.Errorf("table %s changed:\nbefore %s\nafter  %s", table, b, after[table])
		}
	}
}

func clipBody(b []byte) string {
	if len(b) > 300 {
		return string(b[:300]) + "…"
	}
	return string(b)
}

// rawExchange writes req on a new TCP connection (from a goroutine, since
// the server may answer before it has read it all) and reads the answer.
func (s *testServer) rawExchange(t *testing.T, req []byte) (int, []byte) {
	t.Helper()
	c, err := net.DialTimeout("tcp", s.Main.Addr(), 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(20 * time.Second))
	go func() { _, _ = c.Write(req) }()
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatalf("no HTTP answer: %v", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("read answer: %v", err)
	}
	return resp.StatusCode, body
}

// dumpState renders the log, the bus's tables and every read model as
// text, one entry per table, rows sorted.
// waitDelivered waits until the Postgres bus has delivered every message
// of its topic to every consumer group (their offsets acknowledge the last
// message). On the NATS bus, which keeps no such table, it returns at once.
func (s *testServer) waitDelivered() {
	s.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), applyWait)
	defer cancel()
	var table *string
	if err := s.Main.pool.QueryRow(ctx, `SELECT to_regclass('watermill_offsets_govpulse_batches')::text`).Scan(&table); err != nil {
		s.t.Fatalf("the bus's offsets table: %v", err)
	}
	if table == nil {
		return
	}
	for {
		var behind int
		err := s.Main.pool.QueryRow(ctx, `SELECT count(*) FROM watermill_offsets_govpulse_batches
			WHERE offset_acked < (SELECT coalesce(max("offset"), 0) FROM watermill_govpulse_batches)`).Scan(&behind)
		if err != nil {
			s.t.Fatalf("the bus's deliveries: %v", err)
		}
		if behind == 0 {
			return
		}
		select {
		case <-ctx.Done():
			s.t.Fatalf("%d consumer groups have not had every message delivered after %s", behind, applyWait)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

func (s *testServer) dumpState() map[string]string {
	s.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	rows, err := s.Main.pool.Query(ctx, `SELECT table_name FROM information_schema.tables
		WHERE table_schema = 'public' AND table_type = 'BASE TABLE' AND table_name <> 'schema_migrations' ORDER BY 1`)
	if err != nil {
		s.t.Fatal(err)
	}
	var tables []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			s.t.Fatal(err)
		}
		tables = append(tables, n)
	}
	if err := rows.Err(); err != nil {
		s.t.Fatal(err)
	}
	out := map[string]string{}
	for _, table := range tables {
		q := fmt.Sprintf(`SELECT coalesce(string_agg(t::text, E'\n' ORDER BY t::text), '') FROM %q t`, table)
		if table == "target_status" { // evaluated_at moves with every evaluation
			q = `SELECT coalesce(string_agg((target, department, status, value, threshold, samples, window_from, window_to, since)::text, E'\n' ORDER BY target, department), '') FROM target_status`
		}
		var dump string
		if err := s.Main.pool.QueryRow(ctx, q).Scan(&dump); err != nil {
			s.t.Fatalf("dump %s: %v", table, err)
		}
		out[table] = dump
	}
	for _, want := range []string{"events", "case_stats", "license_stats", "lawsuit_stats", "ingest_tally"} {
		if out[want] == "" {
			s.t.Fatalf("table %s is empty or missing before the corpus: %v", want, tables)
		}
	}
	return out
}
