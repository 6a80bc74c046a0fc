package projections

import (
	"encoding/json"
	"syscall"
	"testing"
	"time"

	"github.com/govpulse/govpulse/calendar"
	"github.com/govpulse/govpulse/catalog"
	"github.com/govpulse/govpulse/demo"
	"github.com/govpulse/govpulse/events"
)

// BenchmarkFoldDemo measures a rebuild's work per event in memory, without
// the database: each event of a tenth of the demo year (as the log stores
// it) read once with events.DecodeStored and folded into every read model
// of its type, then the rows the COPY would write:
//
//	go test -run x -bench FoldDemo -count 6 ./projections/
func BenchmarkFoldDemo(b *testing.B) {
	cal, err := calendar.Default()
	if err != nil {
		b.Fatal(err)
	}
	cat, err := catalog.Default()
	if err != nil {
		b.Fatal(err)
	}
	opts := demo.DefaultOptions()
	opts.Scale = 0.1
	gen, err := demo.Generate(cat, cal, opts)
	if err != nil {
		b.Fatal(err)
	}
	evs := make([]events.Recorded, len(gen))
	for i, e := range gen {
		raw, err := json.Marshal(e)
		if err != nil {
			b.Fatal(err)
		}
		evs[i] = events.Recorded{Seq: int64(i + 1), Source: e.Source, ID: e.ID, Type: e.Data.EventType(), OccurredAt: e.Time(), Envelope: raw}
	}
	models := ReadModels(cal, nil)
	b.ReportAllocs()
	cpu0 := processCPU(b)
	for b.Loop() {
		folds := make([]fold, len(models))
		for i, p := range models {
			folds[i] = p.newFold()
		}
		for _, e := range evs {
			var ev events.Event
			var err error
			decoded := false
			for i, p := range models {
				if !p.folds(e.Type) {
					continue
				}
				if !decoded {
					ev, err = events.DecodeStored(e.Type, e.Envelope)
					decoded = true
				}
				if err := p.addDecoded(folds[i], e, ev, err); err != nil {
					b.Fatal(err)
				}
			}
		}
		for _, f := range folds {
			_ = f.rowValues()
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(evs)), "ns/event")
	// The CPU the process spent (the garbage collector's included), which
	// other processes on a shared machine sway less than the wall clock.
	b.ReportMetric(float64((processCPU(b)-cpu0).Nanoseconds())/float64(b.N*len(evs)), "cpu-ns/event")
}

// processCPU is the user and system CPU time the process has used.
func processCPU(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
