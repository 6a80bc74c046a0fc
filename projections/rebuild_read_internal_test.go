package projections

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/govpulse/govpulse/events"
	"github.com/govpulse/govpulse/internal/pgtest"
	"github.com/govpulse/govpulse/postgres"
)

// TestLogReaderReadsWhatReadRangeReads: the rebuild's reading of the log
// from raw values gives the events postgres.ReadRange gives, times before
// 2000 and 1970 and with microseconds included, and only the types asked
// for.
func TestLogReaderReadsWhatReadRangeReads(t *testing.T) {
	ctx := context.Background()
	pool := pgtest.NewPool(t)
	times := []string{"2025-03-01 09:00:00.123456+08", "1999-12-31 23:59:59.999999+00", "1969-07-20 20:17:40.5+00", "2000-01-01 00:00:00+00"}
	for i := range 40 {
		typ := []string{events.TypeCaseFinished, events.TypeLicenseIssued}[i%2]
		if _, err := pool.Exec(ctx, `INSERT INTO events (seq, source, id, type, department, occurred_at, envelope) VALUES ($1, $2, $3, $4, 'd', $5, $6)`,
			i+1, fmt.Sprint("src-", i%3), fmt.Sprint("id-", i), typ, times[i%len(times)], fmt.Sprintf(`{"n":%d,"s":"青岛"}`, i)); err != nil {
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
		if g.Seq != w.Seq || g.Source != w.Source || g.ID != w.ID || g.Type != w.Type || string(g.Envelope) != string(w.Envelope) ||
			!g.OccurredAt.Equal(w.OccurredAt) || g.OccurredAt.Location() != w.OccurredAt.Location() {
			t.Errorf("event %d: read %+v, ReadRange %+v", i, g, w)
		}
	}
	if got[0].OccurredAt.Equal(time.Time{}) {
		t.Error("no time read")
	}
}
