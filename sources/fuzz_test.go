package sources

import (
	"os"
	"testing"

	"github.com/govpulse/govpulse/internal/catalogtest"
)

// FuzzParse: the sources file parser never panics, and every source it
// accepts has a name, departments and event types.
func FuzzParse(f *testing.F) {
	if b, err := os.ReadFile("../examples/sources.yaml"); err == nil {
		f.Add(b)
	}
	f.Add([]byte("sources:\n  - name: a\n    token_env: T\n    departments: ['*']\n    event_types: ['*']\n"))
	f.Add([]byte("sources:\n  - name: a\n    token_sha256: zz\n"))
	f.Add([]byte("sources: [{name: 'a b'}]"))
	cat := catalogtest.Default(f)
	getenv := func(string) string { return "fuzz-token-0123456789" }
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := Parse(data, getenv, cat)
		if err != nil {
			return
		}
		for _, s := range r.Sources() {
			if s.Name == "" || len(s.Departments) == 0 || len(s.EventTypes) == 0 {
				t.Fatalf("accepted an incomplete source %+v", s)
			}
		}
	})
}
