package events

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestDecodeStored: a stored envelope decodes to the same payload that
// validation produced when it arrived.
func TestDecodeStored(t *testing.T) {
	for _, name := range []string{"case_finished", "license_issued", "lawsuit_appearance"} {
		t.Run(name, func(t *testing.T) {
			want, env := validExample(t, name, nil)
			got, err := DecodeStored(env.Type, env.Raw)
			if err != nil {
				t.Fatal(err)
			}
			if _, plain := decodeStoredPlain(env.Type, env.Raw); !plain {
				t.Error("a plain stored event did not take the short way")
			}
			if g, w := mustJSONText(t, got), mustJSONText(t, want); g != w || got.EventType() != want.EventType() {
				t.Errorf("DecodeStored = %s (%T), want %s (%T)", g, got, w, want)
			}
			fromData, err := DecodeData(env.Type, env.Data)
			if err != nil {
				t.Fatal(err)
			}
			if g, w := mustJSONText(t, fromData), mustJSONText(t, want); g != w {
				t.Errorf("DecodeData = %s, want %s", g, w)
			}
		})
	}
	if _, err := DecodeStored("govpulse.unknown.v1", []byte(`{"data":{}}`)); err == nil || !strings.Contains(err.Error(), "unknown event type") {
		t.Errorf("unknown type: %v", err)
	}
	if _, err := DecodeStored(TypeCaseFinished, []byte(`{"id":"x","type":"govpulse.case.finished.v1"}`)); err == nil || !strings.Contains(err.Error(), "data is required") {
		t.Errorf("no data: %v", err)
	}
	if _, err := DecodeStored(TypeCaseFinished, []byte(`{"data":{"finished_at":3}}`)); err == nil {
		t.Error("a number for finished_at decoded")
	}
}

func mustJSONText(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// FuzzStoredPlainAgrees: whatever DecodeStored's short way
// (decodeStoredPlain) reads, the whole way (every attribute, then
// DecodeStoredEnvelope) reads to the same payload; the short way never
// refuses, it leaves refusals to the whole way.
func FuzzStoredPlainAgrees(f *testing.F) {
	for _, s := range fuzzSeeds(f) {
		f.Add(s)
	}
	for _, s := range []string{
		strictEvent(`"data_base64":"AA==",`, ""), strictEvent(`"":1,`, ""), strictEvent(`"typ\u0065":"x",`, ""),
		strictEvent(`"x":{"type":"y"},`, ""), strictEvent(`"dat\u0061":{},`, ""),
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		raws, err := readEvents(body, len(body) > 0 && body[0] == '[')
		if err != nil {
			return
		}
		for _, raw := range raws {
			for _, typ := range KnownTypes() {
				ev, ok := decodeStoredPlain(typ, raw)
				env := decodeEnvelope(raw)
				whole, err := DecodeStoredEnvelope(typ, &env)
				if !ok {
					continue
				}
				if err != nil {
					t.Fatalf("%s: the short way reads %#v, the whole way refuses: %v\n%s", typ, ev, err, raw)
				}
				if g, w := mustJSONText(t, ev), mustJSONText(t, whole); g != w {
					t.Fatalf("%s: short way %s, whole way %s", typ, g, w)
				}
			}
		}
	})
}
