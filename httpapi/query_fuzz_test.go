package httpapi

import (
	"testing"
	"unicode"
	"unicode/utf8"
)

// FuzzParseQuery: the strict query parser never panics; what it accepts
// is UTF-8 without control characters, names the endpoint takes, each
// once, and it reads its own encoding back the same.
func FuzzParseQuery(f *testing.F) {
	for _, s := range []string{"", "from=2024-01-01&to=2024-12-31", "department=qd-xzsp,qd-bdc&group_by=month", "from=%zz",
		"department=%00", "department=%ff", "from=1&from=2", "x=1", "=1", "a;b", "department=%E4%B8%AD+x", "&&from=&"} {
		f.Add(s)
	}
	allowed := []string{"from", "to", "department", "group_by"}
	f.Fuzz(func(t *testing.T, raw string) {
		q, err := parseQuery(raw, allowed)
		if err != nil {
			if err.Code != EMalformed || err.Message == "" {
				t.Fatalf("error %+v", err)
			}
			return
		}
		for name, vs := range q {
			if len(vs) != 1 {
				t.Fatalf("%s given %d times", name, len(vs))
			}
			if !utf8.ValidString(vs[0]) {
				t.Fatalf("%s = %q is not UTF-8", name, vs[0])
			}
			for _, c := range vs[0] {
				if unicode.IsControl(c) {
					t.Fatalf("%s = %q has a control character", name, vs[0])
				}
			}
		}
		again, err := parseQuery(q.Encode(), allowed)
		if err != nil || again.Encode() != q.Encode() {
			t.Fatalf("%q read as %q, which reads as %q (%v)", raw, q.Encode(), again.Encode(), err)
		}
	})
}
