package projections

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"syscall"
	"testing"
	"time"

	"github.com/govpulse/govpulse/calendar"
	"github.com/govpulse/govpulse/catalog"
	"github.com/govpulse/govpulse/demo"
	"github.com/govpulse/govpulse/events"
	"github.com/govpulse/govpulse/internal/pgtest"
	"github.com/govpulse/govpulse/postgres"
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
				if err := p.addDecoded(folds[i], &e, ev, err); err != nil {
					b.Fatal(err)
				}
			}
		}
		for _, f := range folds {
			_ = f.rowsByKey(loadPiece, func([][]any) error { return nil })
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

// TestLogReaderReadsWhatReadRangeReads: the rebuild's reading of the log
// from raw values gives the events postgres.ReadRange gives, times before
// 2000 and 1970 and with microseconds included, the reading of each row,
// and only the types asked for.
func TestLogReaderReadsWhatReadRangeReads(t *testing.T) {
	ctx := context.Background()
	pool := pgtest.NewPool(t)
	times := []string{"2025-03-01 09:00:00.123456+08", "1999-12-31 23:59:59.999999+00", "1969-07-20 20:17:40.5+00", "2000-01-01 00:00:00+00"}
	for i := range 40 {
		typ := []string{events.TypeCaseFinished, events.TypeLicenseIssued}[i%2]
		if _, err := pool.Exec(ctx, `INSERT INTO events (seq, source, id, type, department, occurred_at, envelope, reading) VALUES ($1, $2, $3, $4, 'd', $5, $6, $7)`,
			i+1, fmt.Sprint("src-", i%3), fmt.Sprint("id-", i), typ, times[i%len(times)], fmt.Sprintf(`{"n":%d,"s":"青岛"}`, i), []int{0, events.ReadingVersion, 300}[i%3]); err != nil {
			t.Fatal(err)
		}
	}
	conn, err := pool.Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Release()
	types := []string{events.TypeCaseFinished}
	want, err := postgres.ReadRange(ctx, conn, 3, 38, types)
	if err != nil {
		t.Fatal(err)
	}
	rd := &logReader{}
	got, err := rd.read(ctx, conn, 3, 38, types)
	if err != nil {
		t.Fatal(err)
	}
	bySeq := func(a, b events.Recorded) int { return int(a.Seq - b.Seq) }
	slices.SortFunc(want, bySeq)
	slices.SortFunc(got, bySeq)
	if len(got) != 18 || len(got) != len(want) {
		t.Fatalf("read %d events, ReadRange %d, want 18", len(got), len(want))
	}
	for i := range got {
		g, w := got[i], want[i]
		if g.Seq != w.Seq || g.Source != w.Source || g.ID != w.ID || g.Type != w.Type || string(g.Envelope) != string(w.Envelope) || g.Reading != w.Reading ||
			!g.OccurredAt.Equal(w.OccurredAt) || g.OccurredAt.Location() != w.OccurredAt.Location() {
			t.Errorf("event %d: read %+v, ReadRange %+v", i, g, w)
		}
	}
	if got[0].OccurredAt.Equal(time.Time{}) {
		t.Error("no time read")
	}
	readings := map[int]bool{}
	for _, e := range got {
		readings[e.Reading] = true
	}
	if !readings[0] || !readings[events.ReadingVersion] || !readings[300] {
		t.Errorf("read the readings %v, want 0, %d and 300", readings, events.ReadingVersion)
	}
}
