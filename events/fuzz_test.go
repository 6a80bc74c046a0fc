package events

import (
	"encoding/json"
	"errors"
	"net/textproto"
	"os"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	jsonv2 "github.com/go-json-experiment/json"
)

// Fuzz targets of the strict reading. Their seed corpora are in
// testdata/fuzz; `make fuzz` runs each for a bounded time.

// fuzzSeeds are bodies a sender might send, valid and hostile.
func fuzzSeeds(f testing.TB) [][]byte {
	var seeds [][]byte
	for _, name := range []string{"case_finished", "license_issued", "lawsuit_appearance", "policy_published", "policy_amended", "batch"} {
		b, err := os.ReadFile("testdata/" + name + ".json")
		if err != nil {
			f.Fatal(err)
		}
		seeds = append(seeds, b)
	}
	ok := strictEvent("", "")
	for _, s := range []string{
		ok, "[" + ok + "," + ok + "]",
		strictEvent(`"Data":{"department":"qd-bdc"},`, ""),
		strictEvent(`"data":{},`, ""),
		strictEvent("", `,"department":"qd-bdc"`),
		strictEvent(`"subject":"\ud800",`, ""),
		strictEvent(`"big":1e400,`, ""),
		strictEvent(`"n":-2147483648,"flag":true,"s":"x",`, ""),
		strings.Replace(ok, "+08:00", "+24:00", 1),
		`{"a":1,"a":2}`, `[{"d\u0061ta":1,"data":2}]`, "[{\"x\":\"\xff\"}]", `[]`, ` `, `[1,2`,
	} {
		seeds = append(seeds, []byte(s))
	}
	return seeds
}

// FuzzDecodeRequest: the envelope and batch reading never panics, fails
// only with a *SyntaxError pointing inside the body, and every event it
// returns is UTF-8 JSON to another implementation (encoding/json).
func FuzzDecodeRequest(f *testing.F) {
	for i, s := range fuzzSeeds(f) {
		f.Add(s, uint8(i))
	}
	types := []string{ContentTypeSingle, ContentTypeBatch, ContentTypeJSON}
	f.Fuzz(func(t *testing.T, body []byte, mode uint8) {
		envs, err := DecodeRequest(body, types[int(mode)%len(types)])
		if err != nil {
			var se *SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("error %T %v, want *SyntaxError", err, err)
			}
			if se.Offset < 0 || se.Offset > len(body) || se.Line < 1 || se.Column < 1 {
				t.Fatalf("position %+v outside the body of %d bytes", se, len(body))
			}
			return
		}
		for i, e := range envs {
			if !json.Valid(e.Raw) || !utf8.Valid(e.Raw) {
				t.Fatalf("event %d accepted, but it is not UTF-8 JSON to encoding/json:\n%q", i, e.Raw)
			}
		}
	})
}

// FuzzIngestAgreesWithLog is the differential target: whatever the ingest
// reading accepts, of one event or a batch, the log reading (DecodeStored,
// used by the read models and rebuild) reads to the same payload (the
// same Go value, which the appending process's consumers fold instead of
// reading the log), and an independent strict parser
// (encoding/json/v2) reads the same attributes and the same department.
func FuzzIngestAgreesWithLog(f *testing.F) {
	for _, s := range fuzzSeeds(f) {
		f.Add(s)
	}
	c, err := ParseCatalog([]byte(testCatalogYAML))
	if err != nil {
		f.Fatal(err)
	}
	v := &Validator{Catalog: c, Now: testNow}
	f.Fuzz(func(t *testing.T, body []byte) {
		envs, err := DecodeRequest(body, ContentTypeJSON)
		if err != nil {
			return
		}
		evs, _ := v.ValidateAll(envs)
		for i, ev := range evs {
			if ev == nil {
				continue
			}
			e := envs[i]
			stored, err := DecodeStored(e.Type, e.Raw)
			if err != nil {
				t.Fatalf("ingest accepted event %d, the log reading refuses it: %v\n%s", i, err, e.Raw)
			}
			if g, w := mustMarshal(t, stored), mustMarshal(t, ev); g != w {
				t.Fatalf("event %d: log reading %s, ingest %s", i, g, w)
			}
			// The consumers of the appending process fold ingest's value
			// itself (events.Recorded.Decoded): the very same Go value,
			// not only the same JSON.
			if !reflect.DeepEqual(stored, ev) {
				t.Fatalf("event %d: log reading %#v, ingest %#v", i, stored, ev)
			}
			var m map[string]any
			if err := jsonv2.Unmarshal(e.Raw, &m); err != nil {
				t.Fatalf("event %d accepted, encoding/json/v2 refuses it: %v", i, err)
			}
			data, _ := m["data"].(map[string]any)
			field, _ := DepartmentField(e.Type)
			if m["id"] != e.ID || m["source"] != e.Source || m["type"] != e.Type || data == nil || data[field] != ev.Department() {
				t.Fatalf("event %d: encoding/json/v2 reads id %v source %v type %v department %v; ingest %q %q %q %q",
					i, m["id"], m["source"], m["type"], data[field], e.ID, e.Source, e.Type, ev.Department())
			}
		}
	})
}

func mustMarshal(t *testing.T, v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// FuzzEventData: each event type's decoder, on any data, never panics,
// and what it accepts is of its type.
func FuzzEventData(f *testing.F) {
	for _, name := range []string{"case_finished", "license_issued", "lawsuit_appearance", "policy_published", "policy_amended"} {
		b, err := os.ReadFile("testdata/" + name + ".json")
		if err != nil {
			f.Fatal(err)
		}
		raw, err := readOne(b)
		if err != nil {
			f.Fatal(err)
		}
		attrs, _ := splitObject(raw)
		for i := range KnownTypes() {
			f.Add(uint8(i), []byte(attrs.value("data")))
		}
	}
	f.Add(uint8(0), []byte(`{"department":"qd-xzsp","department":"x"}`))
	f.Add(uint8(1), []byte(`{"steps":1e400}`))
	f.Fuzz(func(t *testing.T, which uint8, data []byte) {
		types := KnownTypes()
		typ := types[int(which)%len(types)]
		ev, err := DecodeData(typ, data)
		if err == nil && ev.EventType() != typ {
			t.Fatalf("decoded a %s as %s", ev.EventType(), typ)
		}
	})
}

// FuzzDecodeBinary: the binary-mode reading of ce-* headers and body never
// panics; what it accepts is an envelope the strict reading reads, with
// the headers' attributes.
func FuzzDecodeBinary(f *testing.F) {
	data := `{"case_id":"c","department":"qd-xzsp"}`
	f.Add("ce-specversion: 1.0\nce-id: a\nce-source: /x\nce-type: t\nce-time: 2024-03-01T09:00:00Z", []byte(data))
	f.Add("ce-specversion: 1.0\nce-id: %E5%8A%9E\nce-subject: 50%25\nce-traceid: x", []byte(data))
	f.Add("ce-specversion: 1.0\nce-id: a\nce-id: b", []byte(data))
	f.Add("ce-specversion: 1.0\nce-source: %zz", []byte(data))
	f.Add("ce-specversion: 1.0\nce-Bad_Name: 1", []byte(`{"a":1,"a":2}`))
	f.Add("ce-specversion: 1.0\nce-subject: \xff", []byte("\xff"))
	f.Fuzz(func(t *testing.T, headers string, body []byte) {
		h := map[string][]string{}
		for _, line := range strings.Split(headers, "\n") {
			k, val, ok := strings.Cut(line, ":")
			if !ok {
				continue
			}
			k = textproto.CanonicalMIMEHeaderKey(strings.TrimSpace(k))
			h[k] = append(h[k], strings.TrimSpace(val))
		}
		env, err := DecodeBinary(h, "application/json", body)
		if err != nil {
			var he *HeaderError
			var se *SyntaxError
			if !errors.As(err, &he) && !errors.As(err, &se) {
				t.Fatalf("error %T %v", err, err)
			}
			return
		}
		if _, err := readOne(env.Raw); err != nil {
			t.Fatalf("built envelope %s does not read: %v", env.Raw, err)
		}
		if ids := h["Ce-Id"]; len(ids) == 1 {
			if want, _ := percentDecode(ids[0]); env.ID != want {
				t.Fatalf("id %q, header %q", env.ID, ids[0])
			}
		}
		if got, want := string(env.Data), string(trimJSONSpace(body)); got != want {
			t.Fatalf("data %q, body %q", got, want)
		}
	})
}

// FuzzParseCatalog: the catalogue file parser never panics.
func FuzzParseCatalog(f *testing.F) {
	f.Add([]byte(testCatalogYAML))
	f.Add([]byte(`{"departments":[{"code":"a","name":"b"}],"districts":[{"code":"c","name":"d"}]}`))
	f.Add([]byte("departments:\n  - {code: A B, name: x}\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := ParseCatalog(data)
		if err == nil && c == nil {
			t.Fatal("nil catalogue without an error")
		}
	})
}
