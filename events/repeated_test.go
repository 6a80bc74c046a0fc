package events

import (
	"encoding/json"
	"reflect"
	"testing"
)

// FuzzRepeatedAgrees: a repeated field read by a reader that has seen
// other values first reads as String reads it on a reader that has seen
// none: the same string and the same problems, whatever was seen before.
func FuzzRepeatedAgrees(f *testing.F) {
	for _, s := range [][2]string{
		{`"qd-xzsp"`, `"qd-xzsp"`},
		{`"qd-xzsp"`, `"qd-\u0078zsp"`},
		{`"qd-\u0078zsp"`, `"qd-xzsp"`},
		{`"a\\b"`, `"a\\b"`},
		{`" "`, `" "`},
		{`""`, `""`},
		{`"市南区"`, `"市南区"`},
		{`"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"`, `"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"`},
		{`1`, `"1"`},
		{`"x"`, `null`},
	} {
		f.Add([]byte(s[0]), []byte(s[1]), 64)
	}
	f.Fuzz(func(t *testing.T, first, then []byte, maxLen int) {
		if !json.Valid(first) || !json.Valid(then) || maxLen < 1 || maxLen > 300 {
			return
		}
		read := func(r *fieldReader, v []byte, repeated bool) (string, []fieldProblem) {
			r.fields, r.problems, r.asked = members{{"f", v}}, nil, nil
			if repeated {
				return r.repeated("f", maxLen), r.problems
			}
			return r.String("f", maxLen), r.problems
		}
		warm := &fieldReader{seen: map[string]string{}}
		read(warm, first, true)
		got, gotProblems := read(warm, then, true)
		want, wantProblems := read(&fieldReader{}, then, false)
		if got != want || !reflect.DeepEqual(gotProblems, wantProblems) {
			t.Fatalf("after %s, %s reads as %q %v; String reads %q %v", first, then, got, gotProblems, want, wantProblems)
		}
	})
}
