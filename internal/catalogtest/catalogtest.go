package catalogtest

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/govpulse/govpulse/calendar"
	"github.com/govpulse/govpulse/catalog"
	"github.com/govpulse/govpulse/events"
)

// WithItem returns the shipped catalogue (catalog/catalog.yaml) with one
// more item, code, of department qd-xzsp (3 promised working days,
// standard mode).
func WithItem(t testing.TB, code string) string {
	t.Helper()
	_, here, _, _ := runtime.Caller(0)
	b, err := os.ReadFile(filepath.Join(filepath.Dir(here), "..", "..", "catalog", "catalog.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	i := strings.Index(s, "\nitems:\n")
	if i < 0 {
		t.Fatal("catalog.yaml has no items list")
	}
	i += len("\nitems:\n")
	line := "  - {code: " + code + ", name: 已撤销的测试事项, department: qd-xzsp, promised_working_days: 3, mode: standard}\n"
	return s[:i] + line + s[i:]
}

// Default is the shipped catalogue (catalog.Default); a catalogue that
// does not load fails the test.
func Default(t testing.TB) *events.Catalog {
	t.Helper()
	return loaded(t, catalog.Default)
}

// Calendar is the shipped calendar (calendar.Default: the embedded holiday
// data in Asia/Shanghai); a calendar that does not load fails the test.
func Calendar(t testing.TB) *calendar.Calendar {
	t.Helper()
	return loaded(t, calendar.Default)
}

// loaded is what load returns, or a failed test when it fails.
func loaded[T any](t testing.TB, load func() (T, error)) T {
	t.Helper()
	v, err := load()
	if err != nil {
		t.Fatal(err)
	}
	return v
}
