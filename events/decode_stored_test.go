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
