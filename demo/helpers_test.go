package demo

import (
	"sync"
	"testing"

	"github.com/govpulse/govpulse/calendar"
	"github.com/govpulse/govpulse/catalog"
	"github.com/govpulse/govpulse/events"
)

var shared struct {
	once sync.Once
	cat  *events.Catalog
	cal  *calendar.Calendar
	err  error
}

// fixtures returns the shipped catalogue and the default calendar, parsed
// once for the whole test binary.
func fixtures(t testing.TB) (*events.Catalog, *calendar.Calendar) {
	t.Helper()
	shared.once.Do(func() {
		shared.cat, shared.err = catalog.Default()
		if shared.err == nil {
			shared.cal, shared.err = calendar.Default()
		}
	})
	if shared.err != nil {
		t.Fatal(shared.err)
	}
	return shared.cat, shared.cal
}

// generate runs Generate with o and fails the test on error.
func generate(t testing.TB, o Options) []Event {
	t.Helper()
	cat, cal := fixtures(t)
	evs, err := Generate(cat, cal, o)
	if err != nil {
		t.Fatal(err)
	}
	return evs
}
