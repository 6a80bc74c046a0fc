package postgres_test

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/govpulse/govpulse/events"
	"github.com/govpulse/govpulse/internal/pgtest"
	"github.com/govpulse/govpulse/postgres"
)

// decodedEvents are events of type typ whose times have nanoseconds and
// offsets (one before 1970), each with a payload as ingest would pass it.
func decodedEvents(source, typ string, ids ...string) []postgres.NewEvent {
	zone := time.FixedZone("+08:00", 8*3600)
	evs := make([]postgres.NewEvent, len(ids))
	for i, id := range ids {
		at := time.Date(2024, 3, 1, 16, 30, 0, 123_456_789+i, zone)
		if i == 1 {
			at = time.Date(1969, 12, 31, 23, 59, 59, 999_999_999, zone)
		}
		raw := fmt.Sprintf(`{"specversion":"1.0",  "id":%q,"source":%q,"type":%q,"time":%q,"data":{"x":"中文"}}`,
			id, source, typ, at.Format(time.RFC3339Nano))
		evs[i] = postgres.NewEvent{
			Envelope:   events.Envelope{ID: id, Source: source, Type: typ, Time: at, Raw: json.RawMessage(raw)},
			Department: "qd-xzsp",
			Event:      events.CaseFinished{CaseID: "C-" + id},
		}
	}
	return evs
}

// readOne applies to consumer the first batch after seq after that it
// lacks, alone, and returns the events it was given.
func readOne(t *testing.T, store *postgres.EventStore, consumer string, after int64, read postgres.Reading) ([]events.Recorded, int64) {
	t.Helper()
	var got []events.Recorded
	_, through, err := store.ApplyNext(context.Background(), consumer, after, read, postgres.Ahead{},
		func(_ context.Context, _ pgx.Tx, evs []events.Recorded) error {
			got = evs
			return nil
		})
	if err != nil {
		t.Fatal(err)
	}
	return got, through
}

// TestRecentBatchesReadAsTheLog: a consumer of a store that keeps its
// batches (Recent) gets from memory, for every way of reading a batch,
// the events the log gives, field by field, with the payload ingest read;
// a batch another instance appended, or one every consumer here has read,
// comes from the log.
func TestRecentBatchesReadAsTheLog(t *testing.T) {
	ctx := context.Background()
	pool := pgtest.NewPool(t)
	readings := []postgres.Reading{
		{},
		{EnvelopeTypes: []string{}},
		{EnvelopeTypes: []string{events.TypeCaseFinished}},
		{EnvelopeTypes: []string{events.TypeCaseFinished}, Only: true},
	}
	recent := postgres.NewRecentBatches(len(readings), 8, 1<<20)
	store := &postgres.EventStore{Pool: pool, Recent: recent}
	// The log alone: another instance, and the reading to compare with.
	other := &postgres.EventStore{Pool: pool}

	mixed := append(decodedEvents("a", events.TypeCaseFinished, "1", "2"), decodedEvents("a", events.TypeLicenseIssued, "3")...)
	var appended [][]postgres.NewEvent
	for _, b := range []struct {
		store *postgres.EventStore
		evs   []postgres.NewEvent
	}{
		{store, mixed},
		{other, decodedEvents("a", events.TypeCaseFinished, "4", "5")},
		{store, decodedEvents("a", events.TypeLicenseIssued, "6", "7", "8")},
	} {
		if _, err := b.store.Append(ctx, "a", b.evs); err != nil {
			t.Fatal(err)
		}
		appended = append(appended, b.evs)
	}

	for i, read := range readings {
		var after, logAfter int64
		for b := range appended {
			got, through := readOne(t, store, fmt.Sprintf("cached_%d", i), after, read)
			want, logThrough := readOne(t, other, fmt.Sprintf("logged_%d", i), logAfter, read)
			if through != logThrough {
				t.Fatalf("reading %+v, batch %d: read through %d, the log through %d", read, b, through, logThrough)
			}
			after, logAfter = through, logThrough
			cached := b != 1
			for j := range got {
				if d := got[j].Decoded; cached && got[j].Envelope != nil && d == nil || (!cached || got[j].Envelope == nil) && d != nil {
					t.Errorf("reading %+v, batch %d, event %d: payload %v with envelope %s", read, b, j, d, got[j].Envelope)
				}
				got[j].Decoded = nil
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("reading %+v, batch %d:\n got %+v\nwant %+v", read, b, got, want)
			}
		}
	}
	if h, m := recent.Hits(), recent.Misses(); h != 2*int64(len(readings)) || m != int64(len(readings)) {
		t.Errorf("hits %d, misses %d; want %d and %d", h, m, 2*len(readings), len(readings))
	}
	// Every consumer here has read the batches: they are gone.
	if _, through := readOne(t, store, "one_more", 0, postgres.Reading{}); through != 3 || recent.Misses() != int64(len(readings))+1 {
		t.Errorf("a batch read by every consumer: read through %d, misses %d; want 3 and %d", through, recent.Misses(), len(readings)+1)
	}
}

// TestRecentBatchesBounded: past its count or its bytes the cache drops
// its oldest batches, which the consumers then read from the log.
func TestRecentBatchesBounded(t *testing.T) {
	ctx := context.Background()
	for name, recent := range map[string]*postgres.RecentBatches{
		"count": postgres.NewRecentBatches(1, 2, 1<<20),
		"bytes": postgres.NewRecentBatches(1, 10, 4000),
	} {
		t.Run(name, func(t *testing.T) {
			store := &postgres.EventStore{Pool: pgtest.NewPool(t), Recent: recent}
			for b := range 3 {
				if _, err := store.Append(ctx, "a", decodedEvents("a", events.TypeCaseFinished, fmt.Sprint(b, "-1"), fmt.Sprint(b, "-2"))); err != nil {
					t.Fatal(err)
				}
			}
			var after int64
			for b := range 3 {
				evs, through := readOne(t, store, "c", after, postgres.Reading{})
				if len(evs) != 2 || (evs[0].Decoded != nil) != (b > 0) {
					t.Errorf("batch %d: %d events, payload %v; want 2, from memory for every batch but the first", b, len(evs), evs[0].Decoded)
				}
				after = through
			}
			if h, m := recent.Hits(), recent.Misses(); h != 2 || m != 1 {
				t.Errorf("hits %d, misses %d; want 2 and 1", h, m)
			}
		})
	}
}
