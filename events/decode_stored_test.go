package events

import (
	"encoding/json"
	"fmt"
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
			c := strictChecker{b: env.Raw, record: true}
			if _, v := c.check(); v != strictAccepted || !c.top.whole || !c.data.whole {
				t.Errorf("checkStrict: %d, top recorded %v, data recorded %v; want accepted, both recorded", v, c.top.whole, c.data.whole)
			}
			if _, plain := decodeStoredPlain(env.Type, env.Raw, &c.top, &c.data, false); !plain {
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
// refuses, it leaves refusals to the whole way. The short way reads the
// same from the members checkStrict recorded as from its own scan.
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
			c := strictChecker{b: raw, record: true}
			if _, v := c.check(); v != strictAccepted {
				c = strictChecker{}
			}
			for _, typ := range KnownTypes() {
				ev, ok := decodeStoredPlain(typ, raw, &c.top, &c.data, false)
				scanned, scannedOK := decodeStoredPlain(typ, raw, &recordedObject{}, &recordedObject{}, false)
				if ok != scannedOK || ok && mustJSONText(t, ev) != mustJSONText(t, scanned) {
					t.Fatalf("%s: from the recorded members %v %#v, scanned %v %#v\n%s", typ, ok, ev, scannedOK, scanned, raw)
				}
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

// FuzzStrictCheckAgrees: checkStrict, the log readers' quick look, agrees
// with readOne, the strict reading: what it accepts readOne accepts as the
// same value, what it refuses readOne refuses, and it is unsure only past
// its bounds.
func FuzzStrictCheckAgrees(f *testing.F) {
	for _, s := range fuzzSeeds(f) {
		f.Add(s)
	}
	for _, s := range strictCheckCases {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		checkAgreesWithReadOne(t, body)
	})
}

// strictCheckCases are JSON texts at the edges of the strict reading.
var strictCheckCases = []string{
	`{}`, `[]`, ` {"a":1} `, "\t[1,2]\r\n", `{"a":1,"a":2}`, `{"a":1,"\u0061":2}`, `{"a":{"b":1,"b":2}}`,
	`{"a":{"b":1},"b":{"a":1}}`, `[{"a":1},{"a":1}]`, `{"\ud83d\ude00":1,"😀":2}`, `{"a\/b":1,"a/b":2}`,
	`"\ud800"`, `"\udc00"`, `"\ud800\u0041"`, `"\ud800\udbff"`, `"\ud83d\ude00"`, `"\uD83D\uDE00"`, `"\u00e9"`, `"\x"`, `"\u12"`,
	"\"\xff\"", "\"\xc3\x28\"", "\"\xed\xa0\x80\"", "\"\xf4\x90\x80\x80\"", "\"\xc0\xaf\"", "\"\x01\"", "\"\x7f\"", "\"é中😀\"", "\"\xef\xbf\xbd\"",
	`0`, `-0`, `-`, `01`, `1.`, `1.5e`, `1e+5`, `1E-5`, `.5`, `+1`, `1e400`, `-0.0e0`, `1x`, `1 2`, `[1,]`, `{"a":1,}`, `{"a"}`, `{"a":}`,
	`{a:1}`, `[1 2]`, `true`, `tru`, `nul`, `falsey`, `null `, "\ufeff{}", "", " ", `[`, `{`, `"`, `"abc`, `{"a":[1,{"b":"c"}]}`,
	strings.Repeat("[", 70) + strings.Repeat("]", 70), strings.Repeat(`{"a":`, 70) + "1" + strings.Repeat("}", 70),
	strings.Repeat("[", 70) + strings.Repeat("]", 69),
}

// checkAgreesWithReadOne fails t unless checkStrict agrees with readOne on body.
func checkAgreesWithReadOne(t *testing.T, body []byte) {
	t.Helper()
	v, verdict := checkStrict(body)
	want, err := readOne(body)
	switch verdict {
	case strictAccepted:
		if err != nil {
			t.Fatalf("checkStrict accepts what readOne refuses (%v):\n%q", err, body)
		}
		if string(v) != string(want) || cap(v) != len(v) {
			t.Fatalf("checkStrict reads %q, readOne %q", v, want)
		}
		checkRecorded(t, body, want)
	case strictRefused:
		if err == nil {
			t.Fatalf("checkStrict refuses what readOne accepts:\n%q", body)
		}
	case strictUnsure:
		if !pastCheckBounds(body) {
			t.Fatalf("checkStrict unsure within its bounds:\n%q", body)
		}
	}
}

// checkRecorded fails t unless the members checkStrict records of the
// accepted value v (of body) are those scanObject finds, of v and of its
// member "data".
func checkRecorded(t *testing.T, body, v []byte) {
	t.Helper()
	c := strictChecker{b: body, record: true}
	if _, verdict := c.check(); verdict != strictAccepted {
		t.Fatalf("recording, checkStrict says %d", verdict)
	}
	same := func(what string, o *recordedObject, obj []byte) {
		var names, values [][]byte
		isObject := scanObject(obj, func(name, value []byte) bool {
			names, values = append(names, name), append(values, value)
			return true
		})
		if !o.whole {
			if isObject && len(names) <= maxRecorded {
				t.Fatalf("%s: an object of %d members not recorded:\n%q", what, len(names), body)
			}
			return
		}
		if !isObject || o.n != len(names) {
			t.Fatalf("%s: recorded %d members, scanObject %v %d:\n%q", what, o.n, isObject, len(names), body)
		}
		for i := range names {
			if string(o.names[i]) != string(names[i]) || string(o.values[i]) != string(values[i]) {
				t.Fatalf("%s: member %d recorded %q: %q, scanObject %q: %q", what, i, o.names[i], o.values[i], names[i], values[i])
			}
		}
	}
	same("the value", &c.top, v)
	var data []byte
	scanObject(v, func(name, value []byte) bool {
		if string(name) == `"data"` {
			data = value
		}
		return true
	})
	same("its data", &c.data, data)
}

// pastCheckBounds reports whether body nests deeper than maxCheckedDepth
// or has more than maxCheckedNames members in the objects open at one
// place, roughly: counting brackets and colons outside strings.
func pastCheckBounds(body []byte) bool {
	depth, inString := 0, false
	var colons []int
	for i := 0; i < len(body); i++ {
		c := body[i]
		switch {
		case inString && c == '\\':
			i++
		case c == '"':
			inString = !inString
		case inString:
		case c == '{' || c == '[':
			depth++
			colons = append(colons, 0)
			if depth > maxCheckedDepth {
				return true
			}
		case c == '}' || c == ']':
			depth--
			if len(colons) > 0 {
				colons = colons[:len(colons)-1]
			}
		case c == ':' && len(colons) > 0:
			colons[len(colons)-1]++
			open := 0
			for _, n := range colons {
				open += n
			}
			if open > maxCheckedNames {
				return true
			}
		}
	}
	return false
}

// TestStrictCheckAgrees runs the edge cases through checkAgreesWithReadOne
// and checks that the plain ones take the quick way.
func TestStrictCheckAgrees(t *testing.T) {
	for _, s := range strictCheckCases {
		checkAgreesWithReadOne(t, []byte(s))
	}
	for _, s := range []string{strictEvent("", ""), `{"a":1,"b":[true,false,null,-1.5e3],"c":{"d":"\u00e9\n"}}`} {
		if _, v := checkStrict([]byte(s)); v != strictAccepted {
			t.Errorf("checkStrict(%s) = %d, want accepted", s, v)
		}
	}
	for _, s := range []string{`{"a":1,"a":2}`, `{"a":{"b":1,"\u0062":2}}`, "{\"a\":\"\xff\"}"} {
		if _, v := checkStrict([]byte(s)); v != strictRefused {
			t.Errorf("checkStrict(%s) = %d, want refused", s, v)
		}
	}
	many := `{`
	for i := range maxCheckedNames + 1 {
		if i > 0 {
			many += ","
		}
		many += fmt.Sprintf(`"k%d":1`, i)
	}
	many += "}"
	if _, v := checkStrict([]byte(many)); v != strictUnsure {
		t.Errorf("an object of %d members: %d, want unsure", maxCheckedNames+1, v)
	}
	checkAgreesWithReadOne(t, []byte(many))
}
