package targets

import (
	"os"
	"testing"

	"github.com/govpulse/govpulse/internal/catalogtest"
)

// FuzzParse: the targets file parser never panics, and every target it
// accepts has an id and a comparator.
func FuzzParse(f *testing.F) {
	for _, seed := range []string{"targets.yaml", "testdata/ratios.yaml"} {
		if b, err := os.ReadFile(seed); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte("targets:\n  - id: x\n    measure: {kind: rate}\n"))
	f.Add([]byte("targets: [{id: 'A B', window: {kind: rolling, days: -1}}]"))
	cat := catalogtest.Default(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		ts, err := Parse(data, cat)
		if err != nil {
			return
		}
		for _, tg := range ts {
			if tg.ID == "" || tg.Comparator == "" {
				t.Fatalf("accepted an incomplete target %+v", tg)
			}
		}
	})
}
