package events

import (
	"encoding/json"
	"reflect"
	"testing"
)

// The light scanners must agree with encoding/json on every input the
// strict reading accepts.
var scanSeeds = []string{
	`{}`, `[]`, ` { "a" : 1 , "b":[1,{"c":"]}"}], "d":{"e":"\"}"} } `,
	`{"k\u00e9y":"v\\\"al","n":-1.5e3,"t":true,"f":false,"z":null}`,
	`{"a":1,"a":2}`, `{"中文":"青岛","emoji":"😀"}`, `[{"a":1}, 2, "x", [3], null, {"b":{"c":[]}}]`,
	`{"s":"tab\there","u":"\u2028"}`, `"str"`, `12`, `[1,2`,
	`{"a name of more than eight bytes \" with a quote":"abcdefghij\\klmnop\"qrstuvwxyz0123456789\\"}`,
}

func FuzzScanners(f *testing.F) {
	for _, s := range scanSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if _, err := readOne(b); err != nil {
			return
		}
		var wantObj map[string]json.RawMessage
		objErr := json.Unmarshal(b, &wantObj)
		gotObj, ok := splitObject(b)
		if (objErr == nil && wantObj != nil) != ok {
			t.Fatalf("splitObject(%s) ok = %v, encoding/json err = %v", b, ok, objErr)
		}
		if ok && !sameMembers(gotObj, wantObj) {
			t.Fatalf("splitObject(%s) = %v, want %v", b, gotObj, wantObj)
		}
		var wantArr []json.RawMessage
		arrErr := json.Unmarshal(b, &wantArr)
		gotArr, ok := splitArray(b)
		if (arrErr == nil && wantArr != nil) != ok {
			t.Fatalf("splitArray(%s) ok = %v, encoding/json err = %v", b, ok, arrErr)
		}
		if ok && len(gotArr) != len(wantArr) {
			t.Fatalf("splitArray(%s) = %d elements, want %d", b, len(gotArr), len(wantArr))
		}
		for i := range gotArr {
			if !reflect.DeepEqual(decodeAny(gotArr[i]), decodeAny(wantArr[i])) {
				t.Fatalf("splitArray(%s)[%d] = %s, want %s", b, i, gotArr[i], wantArr[i])
			}
		}
		// A string literal only: encoding/json also takes null into a
		// string (leaving it as it was), which unquote rightly refuses.
		var want string
		if lit := trimSpace(b); len(lit) > 0 && lit[0] == '"' && json.Unmarshal(b, &want) == nil {
			got, ok := unquote(lit)
			if !ok || got != want {
				t.Fatalf("unquote(%s) = %q %v, want %q", b, got, ok, want)
			}
		}
	})
}

func sameMembers(got members, want map[string]json.RawMessage) bool {
	if len(got) != len(want) {
		return false
	}
	for k, v := range want {
		if !reflect.DeepEqual(decodeAny(got.value(k)), decodeAny(v)) {
			return false
		}
	}
	return true
}

func decodeAny(b []byte) any {
	var v any
	if err := json.Unmarshal(b, &v); err != nil {
		return err.Error()
	}
	return v
}

func trimSpace(b []byte) []byte {
	i := skipSpace(b, 0)
	j := len(b)
	for j > i && (b[j-1] == ' ' || b[j-1] == '\t' || b[j-1] == '\n' || b[j-1] == '\r') {
		j--
	}
	return b[i:j]
}
