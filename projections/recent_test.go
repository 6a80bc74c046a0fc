package projections_test

import (
	"context"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/govpulse/govpulse/bus"
	"github.com/govpulse/govpulse/events"
	"github.com/govpulse/govpulse/internal/bustest"
	"github.com/govpulse/govpulse/internal/catalogtest"
	"github.com/govpulse/govpulse/internal/pgtest"
	"github.com/govpulse/govpulse/postgres"
	"github.com/govpulse/govpulse/projections"
)

// ingestRead gives each event the payload that ingest's reading (the
// strict reading of a request, validated against cat with a clock after
// every event) gives it, as the HTTP handler hands it to the append.
func ingestRead(t testing.TB, cat *events.Catalog, evs []postgres.NewEvent) []postgres.NewEvent {
	t.Helper()
	v := &events.Validator{Catalog: cat, Now: func() time.Time { return time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC) }}
	out := slices.Clone(evs)
	for i := range out {
		envs, err := events.DecodeRequest(out[i].Envelope.Raw, events.ContentTypeSingle)
		if err != nil {
			t.Fatal(err)
		}
		ev, ps := v.Validate(0, &envs[0])
		if len(ps) > 0 {
			t.Fatalf("event %s: %v", envs[0].ID, ps)
		}
		out[i].Envelope, out[i].Event = envs[0], ev
	}
	return out
}

// TestRecentBatchesFoldAsTheLog: the read models applied from the
// batches this process appended and kept, as ingest read them, equal row
// by row the read models applied from the log; a batch the store did not
// keep (another instance's) is read from the log.
func TestRecentBatchesFoldAsTheLog(t *testing.T) {
	ctx := context.Background()
	pool := pgtest.NewPool(t)
	cat := catalogtest.Default(t)
	c, l, s := readModels(t)
	models := []*projections.Projection{c, l, s}
	for _, p := range models {
		p.Catalog = cat
	}
	recent := postgres.NewRecentBatches(len(models), postgres.DefaultRecentBatches, postgres.DefaultRecentBytes)
	store := &postgres.EventStore{Pool: pool, Recent: recent}
	other := &postgres.EventStore{Pool: pool}
	rng := rand.New(rand.NewPCG(11, 12))
	var batches [][]postgres.NewEvent
	for _, prefix := range []string{"a", "b", "c", "d"} {
		batches = append(batches, ingestRead(t, cat, randomEvents(t, rng, prefix, 250)))
	}
	for i, b := range batches {
		appender := store
		if i == 2 {
			appender = other
		}
		res, err := appender.Append(ctx, testSource, b)
		if err != nil {
			t.Fatal(err)
		}
		// As the bus applies a batch (ApplyAhead, each model reading its
		// own types).
		for _, p := range models {
			read := postgres.Reading{EnvelopeTypes: p.EventTypes(), Only: true}
			if n, err := store.ApplyAhead(ctx, p.Name(), res.Batch, read, postgres.Ahead{}, p.Apply); err != nil || n != 1 {
				t.Fatalf("%s: batch %d: applied %d, %v", p.Name(), i, n, err)
			}
		}
	}
	if h, m := recent.Hits(), recent.Misses(); h != 3*int64(len(models)) || m != int64(len(models)) {
		t.Errorf("hits %d, misses %d; want %d from memory and %d from the log", h, m, 3*len(models), len(models))
	}
	compareSnapshots(t, "applied from memory", snapshot(t, pool), reference(t, batches...))
}

// TestRecentBatchesStillCheckTheCatalogue: a batch applied from memory is
// held to the read model's catalogue as one read from the log: an event
// ingest accepted with a code the read model's catalogue has since lost
// makes the batch fail and go to the poison queue, while the batches
// after it apply.
func TestRecentBatchesStillCheckTheCatalogue(t *testing.T) {
	ctx := context.Background()
	pool := pgtest.NewPool(t)
	then, err := events.ParseCatalog([]byte(catalogtest.WithItem(t, "gone_item")))
	if err != nil {
		t.Fatal(err)
	}
	cases := projections.CaseStats.Projection(catalogtest.Calendar(t), quietLogger())
	cases.Catalog = catalogtest.Default(t)
	recent := postgres.NewRecentBatches(1, postgres.DefaultRecentBatches, postgres.DefaultRecentBytes)
	store := &postgres.EventStore{Pool: pool, Recent: recent}
	in := bustest.StartOn(t, store, bus.Config{Kind: bus.KindPostgres, PollInterval: 20 * time.Millisecond,
		MaxRetries: 1, RetryInterval: 20 * time.Millisecond, CatchUpOnAppend: true}, cases)
	store.Outbox = in.Bus

	good := func(id string) postgres.NewEvent {
		return caseEvent(t, id, "2024-03-01T09:00:00+08:00", "2024-03-01T16:30:00+08:00", nil)
	}
	bad := caseEvent(t, "c-gone", "2024-03-01T09:00:00+08:00", "2024-03-01T16:30:00+08:00", func(d map[string]any) { d["item_code"] = "gone_item" })
	for _, b := range [][]postgres.NewEvent{{good("ok-1")}, {good("ok-2"), bad}, {good("ok-3")}} {
		if _, err := store.Append(ctx, testSource, ingestRead(t, then, b)); err != nil {
			t.Fatal(err)
		}
	}
	var list []bus.PoisonMessage
	deadline := time.Now().Add(time.Minute)
	for len(list) == 0 {
		if time.Now().After(deadline) {
			t.Fatal("the refused batch is not in the poison queue after a minute")
		}
		time.Sleep(20 * time.Millisecond)
		if list, err = in.Poison.List(ctx, false, 10); err != nil {
			t.Fatal(err)
		}
	}
	if len(list) != 1 || !strings.Contains(list[0].Reason, `item "gone_item"`) {
		t.Fatalf("poison queue = %+v; want the one batch, refused for the item", list)
	}
	waitCaughtUp(t, pool, cases.Name())
	if recent.Hits() == 0 {
		t.Error("no batch was applied from memory")
	}
	// The batches around it applied, once each; nothing of it did.
	ref := pgtest.NewPool(t)
	applyBatches(t, ref, []*projections.Projection{projections.CaseStats.Projection(catalogtest.Calendar(t), quietLogger())},
		[]postgres.NewEvent{good("ok-1")}, []postgres.NewEvent{good("ok-3")})
	if got, want := tableRows(t, pool, "case_stats"), tableRows(t, ref, "case_stats"); !slices.Equal(got, want) {
		t.Errorf("case_stats differs:\n%s", sliceDiff(got, want))
	}
}
