package postgres_test

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/govpulse/govpulse/events"
	"github.com/govpulse/govpulse/internal/pgtest"
	"github.com/govpulse/govpulse/postgres"
)

func newEvents(source string, ids ...string) []postgres.NewEvent {
	evs := make([]postgres.NewEvent, len(ids))
	for i, id := range ids {
		raw := fmt.Sprintf(`{"specversion":"1.0", "id":%q,"source":%q,"type":"govpulse.case.finished.v1","time":"2024-03-01T16:30:00+08:00","data":{"x":"中文"}}`, id, source)
		evs[i] = postgres.NewEvent{
			Envelope: events.Envelope{ID: id, Source: source, Type: events.TypeCaseFinished,
				Time: time.Date(2024, 3, 1, 8, 30, 0, 0, time.UTC), Raw: json.RawMessage(raw)},
			Department: "qd-xzsp",
		}
	}
	return evs
}

func TestAppendDuplicatesAndRead(t *testing.T) {
	ctx := context.Background()
	store := &postgres.EventStore{Pool: pgtest.NewPool(t)}
	res := appendEvents(t, store, "1", "2")
	if res.Accepted != 2 || res.Duplicates != 0 || res.Batch != (events.Batch{First: 1, Last: 2, Source: "a"}) {
		t.Fatalf("first append = %+v", res)
	}
	// A batch mixing a stored event and a new one; the same id from another
	// source is a different event.
	res = appendEvents(t, store, "2", "3")
	if res.Accepted != 1 || res.Duplicates != 1 {
		t.Fatalf("mixed append: accepted %d duplicates %d, want 1 and 1", res.Accepted, res.Duplicates)
	}
	if got, want := res.Events[0], (postgres.Outcome{Index: 0, ID: "2", Status: postgres.StatusDuplicate, Seq: 2}); got != want {
		t.Errorf("duplicate outcome = %+v, want %+v", got, want)
	}
	if got, want := res.Events[1], (postgres.Outcome{Index: 1, ID: "3", Status: postgres.StatusAccepted, Seq: 3}); got != want {
		t.Errorf("new outcome = %+v, want %+v", got, want)
	}
	res, err := store.Append(ctx, "b", newEvents("b", "1"))
	if err != nil || res.Accepted != 1 {
		t.Fatalf("same id, other source: %+v, %v", res, err)
	}
	// All duplicates: nothing appended, no batch.
	res, err = store.Append(ctx, "a", newEvents("a", "1"))
	if err != nil || res.Accepted != 0 || res.Batch.First != 0 {
		t.Fatalf("all-duplicate append = %+v, %v", res, err)
	}

	recs, err := store.Read(ctx, 1, 10)
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 3 || recs[0].Seq != 2 || recs[2].Seq != 4 || recs[2].Source != "b" {
		t.Fatalf("Read(after 1) = %+v", recs)
	}
	// The envelope comes back byte for byte, spacing and all.
	if want := newEvents("a", "2")[0].Envelope.Raw; string(recs[0].Envelope) != string(want) {
		t.Errorf("stored envelope = %s, want %s", recs[0].Envelope, want)
	}
	if head, err := store.Head(ctx); err != nil || head != 4 {
		t.Errorf("Head = %d, %v; want 4", head, err)
	}
}

func TestEventsAreAppendOnly(t *testing.T) {
	ctx := context.Background()
	pool := pgtest.NewPool(t)
	store := &postgres.EventStore{Pool: pool}
	appendEvents(t, store, "1")
	for _, stmt := range []string{
		`UPDATE events SET department = 'qd-scjg'`,
		`DELETE FROM events`,
		`TRUNCATE events`,
	} {
		_, err := pool.Exec(ctx, stmt)
		if err == nil || !strings.Contains(err.Error(), "append-only") {
			t.Errorf("%s: err = %v, want it refused as append-only", stmt, err)
		}
	}
	recs, err := store.Read(ctx, 0, 10)
	if err != nil || len(recs) != 1 || recs[0].Department != "qd-xzsp" {
		t.Errorf("after refused changes the log is %+v, %v", recs, err)
	}
}

// TestConcurrentAppends: many writers at once leave a log with sequence
// numbers 1..N, none lost, none twice, and each batch contiguous.
func TestConcurrentAppends(t *testing.T) {
	ctx := context.Background()
	store := &postgres.EventStore{Pool: pgtest.NewPool(t)}
	const writers, batches, size = 6, 10, 25
	var wg sync.WaitGroup
	errs := make(chan error, writers*batches)
	for w := 0; w < writers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			src := fmt.Sprintf("src-%d", w)
			for b := 0; b < batches; b++ {
				ids := make([]string, size)
				for i := range ids {
					ids[i] = fmt.Sprintf("%d-%d", b, i)
				}
				res, err := store.Append(ctx, src, newEvents(src, ids...))
				if err == nil && (res.Accepted != size || res.Batch.Count() != size) {
					err = fmt.Errorf("batch %+v accepted %d", res.Batch, res.Accepted)
				}
				if err != nil {
					errs <- err
				}
			}
		}(w)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	recs, err := store.Read(ctx, 0, 10000)
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != writers*batches*size {
		t.Fatalf("log has %d events, want %d", len(recs), writers*batches*size)
	}
	seen := map[string]bool{}
	for i, r := range recs {
		if r.Seq != int64(i+1) {
			t.Fatalf("event %d has seq %d: gap or duplicate", i, r.Seq)
		}
		key := r.Source + "/" + r.ID
		if seen[key] {
			t.Fatalf("%s stored twice", key)
		}
		seen[key] = true
	}
}

func TestMigrateIsIdempotent(t *testing.T) {
	pool := pgtest.NewPool(t) // already migrated once
	n, err := postgres.Migrate(context.Background(), pool)
	if err != nil || n != 0 {
		t.Fatalf("second Migrate applied %d, err %v; want 0, nil", n, err)
	}
	if p, err := postgres.Pending(context.Background(), pool); err != nil || p != 0 {
		t.Fatalf("Pending = %d, %v", p, err)
	}
}

// ReadBatchOf returns every event of the batch, with the envelopes of the
// types asked for only.
func TestReadBatchOfReadsEnvelopesOfTypesOnly(t *testing.T) {
	ctx := context.Background()
	store := &postgres.EventStore{Pool: pgtest.NewPool(t)}
	evs := newEvents("a", "1", "2", "3")
	evs[1].Envelope.Type = events.TypeLicenseIssued
	evs[1].Envelope.Raw = json.RawMessage(strings.Replace(string(evs[1].Envelope.Raw), events.TypeCaseFinished, events.TypeLicenseIssued, 1))
	res, err := store.Append(ctx, "a", evs)
	if err != nil {
		t.Fatal(err)
	}
	full, err := store.ReadBatch(ctx, store.Pool, res.Batch)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		types []string
		want  []bool // envelope read, per event
	}{
		{[]string{events.TypeLicenseIssued}, []bool{false, true, false}},
		{[]string{events.TypeCaseFinished}, []bool{true, false, true}},
		{[]string{}, []bool{false, false, false}},
	} {
		got, err := store.ReadBatchOf(ctx, store.Pool, res.Batch, tc.types)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != len(full) {
			t.Fatalf("types %v: %d events, want %d", tc.types, len(got), len(full))
		}
		for i, e := range got {
			if e.Seq != full[i].Seq || e.Type != full[i].Type || e.Source != full[i].Source || !e.RecordedAt.Equal(full[i].RecordedAt) {
				t.Errorf("types %v: event %d = %+v, want the columns of %+v", tc.types, i, e, full[i])
			}
			switch {
			case tc.want[i] && string(e.Envelope) != string(full[i].Envelope):
				t.Errorf("types %v: event %d envelope %q, want %q", tc.types, i, e.Envelope, full[i].Envelope)
			case !tc.want[i] && e.Envelope != nil:
				t.Errorf("types %v: event %d (%s) has an envelope", tc.types, i, e.Type)
			}
		}
	}
}

// TestApplyAhead: ApplyAhead applies the batches after the given one that
// the consumer lacks, in one call, skipping one the ledger holds, within
// its bounds; a batch applied before is skipped without a call.
func TestApplyAhead(t *testing.T) {
	ctx := context.Background()
	// The third batch applied on its own first.
	store, batches, apply, calls := appliedAlone(t, 5, 2)
	// The first with the second and fourth (at most 3 after it, 7 events past it).
	n, err := store.ApplyAhead(ctx, "c", batches[0], postgres.Reading{}, postgres.Ahead{Batches: 3, Events: 7}, apply)
	if err != nil || n != 3 {
		t.Fatalf("first batch ahead: %d, %v; want 3 batches", n, err)
	}
	if got, want := fmt.Sprint(*calls), "[[5 6] [1 2 3 4 7 8]]"; got != want {
		t.Errorf("applied %s, want %s", got, want)
	}
	// Applied before (ahead or alone): skipped, no call.
	for _, b := range batches[:4] {
		if n, err := store.ApplyAhead(ctx, "c", b, postgres.Reading{}, postgres.Ahead{Batches: 3, Events: 100}, apply); err != nil || n != 0 {
			t.Errorf("batch %v again: %d, %v; want skipped", b, n, err)
		}
	}
	// A failing apply of several: the delivered batch is tried alone.
	failing := func(ctx context.Context, tx pgx.Tx, evs []events.Recorded) error {
		if len(evs) > 2 {
			return fmt.Errorf("too many")
		}
		return apply(ctx, tx, evs)
	}
	appendEvents(t, store, "5-1", "5-2")
	if n, err := store.ApplyAhead(ctx, "c", batches[4], postgres.Reading{}, postgres.Ahead{Batches: 3, Events: 100}, failing); err != nil || n != 1 {
		t.Fatalf("fifth batch with a failing apply: %d, %v; want it applied alone", n, err)
	}
	checkLedger(t, store, 5)
}

// appliedAlone appends n batches of two events to a fresh store and has
// consumer "c" apply batches[alone] on its own; apply records the seqs of
// every call in calls, that first one included.
func appliedAlone(t *testing.T, n, alone int) (*postgres.EventStore, []events.Batch, postgres.ApplyFunc, *[][]int64) {
	t.Helper()
	store := &postgres.EventStore{Pool: pgtest.NewPool(t)}
	batches := appendBatches(t, store, n)
	calls := new([][]int64)
	apply := recordSeqs(calls)
	if n, err := store.ApplyAhead(context.Background(), "c", batches[alone], postgres.Reading{}, postgres.Ahead{}, apply); err != nil || n != 1 {
		t.Fatalf("batch %d alone: %d, %v", alone, n, err)
	}
	return store, batches, apply, calls
}

// appendEvents appends a batch of events of source "a" with the ids.
func appendEvents(t *testing.T, store *postgres.EventStore, ids ...string) postgres.AppendResult {
	t.Helper()
	res, err := store.Append(context.Background(), "a", newEvents("a", ids...))
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// checkLedger checks that consumer "c"'s ledger holds the first n batches.
func checkLedger(t *testing.T, store *postgres.EventStore, n int) {
	t.Helper()
	if got, err := postgres.AppliedBatches(context.Background(), store.Pool, "c"); err != nil || len(got) != n {
		t.Errorf("ledger = %v, %v; want the first %d batches", got, err, n)
	}
}

// appendBatches appends n batches of two events of source "a".
func appendBatches(t *testing.T, store *postgres.EventStore, n int) []events.Batch {
	t.Helper()
	var batches []events.Batch
	for i := range n {
		batches = append(batches, appendEvents(t, store, fmt.Sprintf("%d-1", i), fmt.Sprintf("%d-2", i)).Batch)
	}
	return batches
}

// recordSeqs is an ApplyFunc that appends the seqs of each call to calls.
func recordSeqs(calls *[][]int64) postgres.ApplyFunc {
	return func(ctx context.Context, tx pgx.Tx, evs []events.Recorded) error {
		var seqs []int64
		for _, e := range evs {
			seqs = append(seqs, e.Seq)
		}
		*calls = append(*calls, seqs)
		return nil
	}
}

// TestApplyNext: the batches after a seq that a consumer lacks are applied
// in one transaction, in log order, within the bounds (at least one), the
// ones it has skipped; where the next call starts is returned; a failing
// apply leaves nothing recorded.
func TestApplyNext(t *testing.T) {
	ctx := context.Background()
	// The second batch applied before; from the start, at most 2 batches
	// after the first and 5 events past it.
	store, _, apply, calls := appliedAlone(t, 6, 1)
	for _, tc := range []struct {
		after   int64
		want    string
		through int64
	}{
		{0, "[1 2 5 6]", 6},         // the first and third (the second applied; the fourth ends 6 events past the first)
		{6, "[7 8 9 10 11 12]", 12}, // the fourth, fifth and sixth (the first and 2 more)
		{12, "", 12},                // none left
		{0, "", 0},                  // none missing
	} {
		*calls = nil
		got, through, err := store.ApplyNext(ctx, "c", tc.after, postgres.Reading{}, postgres.Ahead{Batches: 2, Events: 5}, apply)
		if err != nil {
			t.Fatalf("after %d: %v", tc.after, err)
		}
		if applied := strings.Trim(fmt.Sprint(*calls), "[]"); applied != strings.Trim(tc.want, "[]") || through != tc.through {
			t.Errorf("after %d: applied %v (batches %v) through %d, want %s through %d", tc.after, *calls, got, through, tc.want, tc.through)
		}
	}
	// A failing apply records nothing.
	appendEvents(t, store, "6-1")
	if _, through, err := store.ApplyNext(ctx, "c", 12, postgres.Reading{}, postgres.Ahead{Batches: 2, Events: 5},
		func(context.Context, pgx.Tx, []events.Recorded) error { return fmt.Errorf("refused") }); err == nil || through != 12 {
		t.Fatalf("failing apply: through %d, err %v; want an error and through 12", through, err)
	}
	checkLedger(t, store, 6)
}

// TestApplyAheadReadsOnlyTheTypesAsked: a consumer reading some types only
// gets their events alone, with envelopes, and a batch without any is
// still recorded.
func TestApplyAheadReadsOnlyTheTypesAsked(t *testing.T) {
	ctx := context.Background()
	store := &postgres.EventStore{Pool: pgtest.NewPool(t)}
	res := appendEvents(t, store, "1", "2")
	for _, tc := range []struct {
		consumer string
		types    []string
		want     int
	}{{"cases", []string{events.TypeCaseFinished}, 2}, {"licences", []string{events.TypeLicenseIssued}, 0}} {
		var got []events.Recorded
		n, err := store.ApplyAhead(ctx, tc.consumer, res.Batch, postgres.Reading{EnvelopeTypes: tc.types, Only: true}, postgres.Ahead{Batches: 5, Events: 100},
			func(ctx context.Context, tx pgx.Tx, evs []events.Recorded) error { got = evs; return nil })
		if err != nil || n != 1 {
			t.Fatalf("%s: %d, %v", tc.consumer, n, err)
		}
		if len(got) != tc.want {
			t.Errorf("%s got %d events, want %d", tc.consumer, len(got), tc.want)
		}
		for _, e := range got {
			if len(e.Envelope) == 0 {
				t.Errorf("%s: event %d without its envelope", tc.consumer, e.Seq)
			}
		}
	}
}

// TestConcurrentAppendsOfTheSameEvents: writers sending the same events at
// once (a department system retrying) store each once; every writer is
// answered, each event accepted by exactly one of them.
func TestConcurrentAppendsOfTheSameEvents(t *testing.T) {
	ctx := context.Background()
	store := &postgres.EventStore{Pool: pgtest.NewPool(t)}
	const writers, batches, size = 4, 8, 50
	var wg sync.WaitGroup
	var mu sync.Mutex
	accepted := map[string]int{}
	errs := make(chan error, writers*batches)
	for w := 0; w < writers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for b := 0; b < batches; b++ {
				ids := make([]string, size)
				for i := range ids {
					ids[i] = fmt.Sprintf("%d-%d", b, i)
				}
				res, err := store.Append(ctx, "a", newEvents("a", ids...))
				if err != nil {
					errs <- err
					continue
				}
				mu.Lock()
				for _, o := range res.Events {
					if o.Status == postgres.StatusAccepted {
						accepted[o.ID]++
					}
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if len(accepted) != batches*size {
		t.Errorf("%d events accepted, want %d", len(accepted), batches*size)
	}
	for id, n := range accepted {
		if n != 1 {
			t.Errorf("event %s accepted %d times", id, n)
		}
	}
	if head, err := store.Head(ctx); err != nil || head != batches*size {
		t.Errorf("head = %d, %v; want %d", head, err, batches*size)
	}
}

// TestAppendOnALostConnectionIsUnavailable: an append whose connection the
// server closes while it waits for the append lock fails as unavailable
// (ingest answers 503), and so does one on a connection closed before.
func TestAppendOnALostConnectionIsUnavailable(t *testing.T) {
	ctx := context.Background()
	pool := pgtest.NewPool(t)
	store := &postgres.EventStore{Pool: pool}
	holder, err := pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer holder.Rollback(ctx) //nolint:errcheck
	if _, err := holder.Exec(ctx, `SELECT pg_advisory_xact_lock(7001002)`); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		_, err := store.Append(ctx, "a", newEvents("a", "1"))
		done <- err
	}()
	deadline := time.Now().Add(20 * time.Second)
	for {
		var n int
		if err := pool.QueryRow(ctx, `SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
			WHERE wait_event_type = 'Lock' AND datname = current_database() AND pid <> pg_backend_pid()`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the append never waited for the lock")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if err := <-done; err == nil || !postgres.IsUnavailable(err) {
		t.Errorf("append on a terminated connection: err = %v, want one IsUnavailable reports", err)
	}

	conn, err := pool.Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	raw := conn.Hijack()
	_ = raw.Close(ctx)
	if _, err := raw.Exec(ctx, `SELECT 1`); !postgres.IsUnavailable(err) {
		t.Errorf("statement on a closed connection: err = %v, want one IsUnavailable reports", err)
	}
}

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

// TestAppendRecordsTheReading: the log's reading column holds what each
// appended envelope says accepted it, and ReadRange reads it back.
func TestAppendRecordsTheReading(t *testing.T) {
	ctx := context.Background()
	pool := pgtest.NewPool(t)
	store := &postgres.EventStore{Pool: pool}
	evs := newEvents("a", "1", "2")
	evs[0].Envelope.Reading = events.ReadingVersion
	res, err := store.Append(ctx, "a", evs)
	if err != nil || res.Accepted != 2 {
		t.Fatalf("append = %+v, %v", res, err)
	}
	recs, err := postgres.ReadRange(ctx, pool, res.Batch.First, res.Batch.Last, []string{events.TypeCaseFinished})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]int{}
	for _, r := range recs {
		got[r.ID] = r.Reading
	}
	if want := map[string]int{"1": events.ReadingVersion, "2": 0}; !reflect.DeepEqual(got, want) {
		t.Errorf("readings %v, want %v", got, want)
	}
}
