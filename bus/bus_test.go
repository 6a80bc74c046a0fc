package bus_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/nats-io/nats.go"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/govpulse/govpulse/bus"
	"github.com/govpulse/govpulse/events"
	"github.com/govpulse/govpulse/internal/bustest"
	"github.com/govpulse/govpulse/internal/natstest"
	"github.com/govpulse/govpulse/internal/pgtest"
	"github.com/govpulse/govpulse/internal/promtest"
	"github.com/govpulse/govpulse/postgres"
)

// counter is a consumer that counts events per id in its own table, so a
// double application shows as a count of 2.
type counter struct {
	name string
	// failOn makes Apply fail (after writing) for batches holding this id
	// while failing is set.
	failOn  string
	failing atomic.Bool
	calls   atomic.Int64
}

func (c *counter) Name() string { return c.name }

func (c *counter) Apply(ctx context.Context, tx pgx.Tx, evs []events.Recorded) error {
	c.calls.Add(1)
	for _, e := range evs {
		if _, err := tx.Exec(ctx, `INSERT INTO test_counts (consumer, id, n) VALUES ($1, $2, 1)
			ON CONFLICT (consumer, id) DO UPDATE SET n = test_counts.n + 1`, c.name, e.ID); err != nil {
			return err
		}
	}
	for _, e := range evs {
		if c.failing.Load() && e.ID == c.failOn {
			return fmt.Errorf("refusing batch with %s", e.ID)
		}
	}
	return nil
}

func setUp(t *testing.T) *pgxpool.Pool {
	t.Helper()
	pool := pgtest.NewPool(t)
	if _, err := pool.Exec(context.Background(), `CREATE TABLE test_counts (consumer text, id text, n int, PRIMARY KEY (consumer, id))`); err != nil {
		t.Fatal(err)
	}
	return pool
}

func quietLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// startBus builds and runs a bus with the consumers; it stops with the test.
func startBus(t *testing.T, pool *pgxpool.Pool, cfg bus.Config, cs ...bus.Consumer) *bus.Bus {
	t.Helper()
	return bustest.Start(t, pool, cfg, cs...)
}

// newBus builds a bus without running it: batches staged through it wait
// in the outbox, as after a crash right after commit.
func newBus(t *testing.T, pool *pgxpool.Pool, cfg bus.Config) *bus.Bus {
	t.Helper()
	b, err := bus.New(context.Background(), cfg, &postgres.EventStore{Pool: pool}, quietLogger(), prometheus.NewRegistry())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = b.Close() })
	return b
}

// appendWhileDown appends each batch through a bus that nothing consumes
// and closes it, as a process that died right after its commits leaves
// them for the next instance; it returns the ids of all, in order.
func appendWhileDown(t *testing.T, pool *pgxpool.Pool, cfg bus.Config, batches ...[]string) []string {
	t.Helper()
	crashed := newBus(t, pool, cfg)
	store := &postgres.EventStore{Pool: pool, Outbox: crashed}
	var all []string
	for _, batch := range batches {
		appendEvents(t, store, "src", batch...)
		all = append(all, batch...)
	}
	_ = crashed.Close()
	return all
}

func appendEvents(t *testing.T, store *postgres.EventStore, source string, ids ...string) postgres.AppendResult {
	t.Helper()
	evs := make([]postgres.NewEvent, len(ids))
	for i, id := range ids {
		raw := fmt.Sprintf(`{"specversion":"1.0","id":%q,"source":%q,"type":"govpulse.case.finished.v1","time":"2024-03-01T16:30:00+08:00","data":{}}`, id, source)
		evs[i] = postgres.NewEvent{
			Envelope: events.Envelope{SpecVersion: "1.0", ID: id, Source: source, Type: events.TypeCaseFinished,
				Time: time.Date(2024, 3, 1, 8, 30, 0, 0, time.UTC), Raw: json.RawMessage(raw)},
			Department: "qd-xzsp",
		}
	}
	res, err := store.Append(context.Background(), source, evs)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// counts returns consumer's count per id.
func counts(t *testing.T, pool *pgxpool.Pool, consumer string) map[string]int {
	t.Helper()
	rows, err := pool.Query(context.Background(), `SELECT id, n FROM test_counts WHERE consumer = $1`, consumer)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]int{}
	for rows.Next() {
		var id string
		var n int
		if err := rows.Scan(&id, &n); err != nil {
			t.Fatal(err)
		}
		out[id] = n
	}
	return out
}

// waitCounts waits until consumer has seen want distinct ids, then checks
// that each was applied exactly once.
func waitCounts(t *testing.T, pool *pgxpool.Pool, consumer string, want []string) {
	t.Helper()
	var got map[string]int
	poll(20*time.Second, 50*time.Millisecond, func() bool {
		got = counts(t, pool, consumer)
		return len(got) >= len(want)
	})
	for _, id := range want {
		if got[id] != 1 {
			t.Errorf("consumer %s applied %s %d times, want 1 (all: %v)", consumer, id, got[id], got)
		}
	}
	if len(got) != len(want) {
		t.Errorf("consumer %s saw %d ids, want %d: %v", consumer, len(got), len(want), got)
	}
}

func ids(prefix string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("%s-%03d", prefix, i)
	}
	return out
}

func busConfigs(t *testing.T) map[string]func() bus.Config {
	return map[string]func() bus.Config{
		"postgres": func() bus.Config { return bus.Config{Kind: bus.KindPostgres, PollInterval: 20 * time.Millisecond} },
		"nats": func() bus.Config {
			return bus.Config{Kind: bus.KindNATS, NATSURL: natstest.Server(t), PollInterval: 20 * time.Millisecond}
		},
	}
}

// TestDelivery: every appended batch reaches every consumer exactly once,
// on both buses.
func TestDelivery(t *testing.T) {
	for name, cfg := range busConfigs(t) {
		t.Run(name, func(t *testing.T) {
			pool := setUp(t)
			a, b := &counter{name: "counter_a"}, &counter{name: "counter_b"}
			bs := startBus(t, pool, cfg(), a, b)
			store := &postgres.EventStore{Pool: pool, Outbox: bs}
			all := ids("ev", 30)
			for i := 0; i < 30; i += 10 {
				appendEvents(t, store, "src", all[i:i+10]...)
			}
			waitCounts(t, pool, "counter_a", all)
			waitCounts(t, pool, "counter_b", all)
			if got := a.calls.Load(); got < 1 || got > 3 {
				t.Errorf("consumer applied %d times, want 1 to 3 (one message per batch, later batches perhaps applied ahead)", got)
			}
		})
	}
}

// TestDeliveryOneBatchAtATime: with ApplyAhead off, every batch is applied
// in a transaction of its own, on both buses.
func TestDeliveryOneBatchAtATime(t *testing.T) {
	for name, cfg := range busConfigs(t) {
		t.Run(name, func(t *testing.T) {
			pool := setUp(t)
			c := cfg()
			c.ApplyAhead = -1
			all := ids("ev", 30)
			appendWhileDown(t, pool, c, all[:10], all[10:20], all[20:])
			a := &counter{name: "counter_a"}
			in := bustest.StartInstance(t, pool, c, a)
			waitCounts(t, pool, "counter_a", all)
			if got := a.calls.Load(); got != 3 {
				t.Errorf("consumer applied %d times, want 3 (one message per batch)", got)
			}
			waitDeliveries(t, in, "counter_a", map[string]int{bus.OutcomeApplied: 3})
		})
	}
}

// TestApplyAhead: a consumer that is behind applies the batches after a
// delivered one with it, at most ApplyAhead of them and ApplyAheadEvents
// events past it, each exactly once; their own deliveries are skipped. On
// both buses.
func TestApplyAhead(t *testing.T) {
	for name, cfg := range busConfigs(t) {
		t.Run(name, func(t *testing.T) {
			pool := setUp(t)
			c := cfg()
			c.ApplyAhead = 3
			c.ApplyAheadEvents = 100
			// Seven batches of 10 committed while nothing consumes them,
			// then one of 200 (beyond ApplyAheadEvents).
			var batches [][]string
			for i := range 7 {
				batches = append(batches, ids(fmt.Sprintf("b%d", i), 10))
			}
			all := appendWhileDown(t, pool, c, append(batches, ids("big", 200))...)

			a := &counter{name: "counter_a"}
			in := bustest.StartInstance(t, pool, c, a)
			waitCounts(t, pool, "counter_a", all)
			// b0 with b1-b3, b4 with b5-b6 (the big batch reaches too far),
			// the big batch alone.
			if got := a.calls.Load(); got != 3 {
				t.Errorf("consumer applied %d times, want 3", got)
			}
			waitDeliveries(t, in, "counter_a", map[string]int{bus.OutcomeApplied: 3, bus.OutcomeSkipped: 5})
			if got := appliedAhead(t, in, "counter_a"); got != 5 {
				t.Errorf("batches applied ahead = %d, want 5", got)
			}
			// Each batch is in the ledger on its own.
			if got, err := postgres.AppliedBatches(context.Background(), pool, "counter_a"); err != nil || len(got) != 8 {
				t.Errorf("ledger = %v (%v), want the 8 batches", got, err)
			}
		})
	}
}

// TestApplyAheadLeavesAFailingBatchToItsDelivery: a batch Apply refuses
// does not stop the batch before it, applied ahead of it, from applying:
// that one is applied alone, and the refused one fails on its own delivery.
func TestApplyAheadLeavesAFailingBatchToItsDelivery(t *testing.T) {
	pool := setUp(t)
	c := bus.Config{Kind: bus.KindPostgres, PollInterval: 20 * time.Millisecond, MaxRetries: 1, RetryInterval: 10 * time.Millisecond}
	good, later := ids("good", 3), ids("later", 3)
	appendWhileDown(t, pool, c, good, []string{"bad-000"}, later)

	a := &counter{name: "counter_a", failOn: "bad-000"}
	a.failing.Store(true)
	in := bustest.StartInstance(t, pool, c, a)
	waitCounts(t, pool, "counter_a", append(good, later...))
	waitFor(t, "the refused batch in the poison queue", func() bool {
		l, err := in.Poison.List(context.Background(), false, 10)
		if err != nil {
			t.Fatal(err)
		}
		return len(l) == 1
	})
	if got := counts(t, pool, "counter_a"); got["bad-000"] != 0 {
		t.Errorf("the refused batch left writes behind: %v", got)
	}
}

// appliedAhead reads govpulse_bus_batches_applied_ahead_total of consumer.
func appliedAhead(t *testing.T, in bustest.Instance, consumer string) int {
	t.Helper()
	return consumerCounter(t, in, "govpulse_bus_batches_applied_ahead_total", consumer)
}

// consumerCounter reads a counter by consumer from the instance's registry.
func consumerCounter(t *testing.T, in bustest.Instance, name, consumer string) int {
	t.Helper()
	return int(promtest.Gather(t, in.Registry)[name][promtest.Labels("consumer", consumer)])
}

// TestOutboxAfterCrash: batches committed while nothing forwards or
// consumes them (the process died right after commit) are delivered once
// a new instance starts.
func TestOutboxAfterCrash(t *testing.T) {
	for name, cfg := range busConfigs(t) {
		t.Run(name, func(t *testing.T) {
			pool := setUp(t)
			c := cfg()
			all := ids("ev", 20)
			appendWhileDown(t, pool, c, all[:10], all[10:])

			startBus(t, pool, c, &counter{name: "counter_a"})
			waitCounts(t, pool, "counter_a", all)
		})
	}
}

// TestRedelivery: a batch staged twice (as when the forwarder dies between
// publishing a batch and acknowledging its outbox row) is applied once. On
// NATS its second copy carries the same message id and JetStream's
// duplicate tracking drops it before any consumer sees it: the stream holds
// one message per batch and the consumer gets no second delivery. On the
// Postgres bus the copy is delivered and the ledger skips it.
func TestRedelivery(t *testing.T) {
	for name, cfg := range busConfigs(t) {
		t.Run(name, func(t *testing.T) {
			pool := setUp(t)
			c := &counter{name: "counter_a"}
			conf := cfg()
			in := bustest.StartInstance(t, pool, conf, c)
			store := &postgres.EventStore{Pool: pool, Outbox: in.Bus}
			all := ids("ev", 5)
			res := appendEvents(t, store, "src", all...)
			waitCounts(t, pool, "counter_a", all)
			// Stage the same batch again, then a later batch behind it.
			bustest.Restage(t, pool, in.Bus, res.Batch)
			more := ids("later", 1)
			appendEvents(t, store, "src", more...)
			waitCounts(t, pool, "counter_a", append(all, more...))
			if got := c.calls.Load(); got != 2 {
				t.Errorf("Apply called %d times, want 2 (the restaged batch never applied)", got)
			}
			want := map[string]int{bus.OutcomeApplied: 2, bus.OutcomeSkipped: 1}
			if name == "nats" {
				want = map[string]int{bus.OutcomeApplied: 2}
				if n := streamMessages(t, conf.NATSURL); n != 2 {
					t.Errorf("the JetStream stream holds %d messages, want 2: the restaged batch was not dropped as a duplicate", n)
				}
			}
			waitDeliveries(t, in, "counter_a", want)
		})
	}
}

// TestBatchMessageIDDerivesFromTheBatch: the same batch always gets the
// same message id, and another batch another one.
func TestBatchMessageIDDerivesFromTheBatch(t *testing.T) {
	a := events.Batch{First: 1, Last: 10, Source: "src"}
	if bus.BatchMessageID(a) != bus.BatchMessageID(a) {
		t.Fatal("the message id of a batch changes between calls")
	}
	for _, other := range []events.Batch{{First: 1, Last: 11, Source: "src"}, {First: 2, Last: 10, Source: "src"}, {First: 1, Last: 10, Source: "other"}} {
		if bus.BatchMessageID(a) == bus.BatchMessageID(other) {
			t.Errorf("batches %+v and %+v share message id %s", a, other, bus.BatchMessageID(a))
		}
	}
}

// streamMessages returns how many messages the batches stream holds.
func streamMessages(t *testing.T, url string) uint64 {
	t.Helper()
	info, err := jetStream(t, url).StreamInfo(bus.TopicBatches)
	if err != nil {
		t.Fatal(err)
	}
	return info.State.Msgs
}

// waitDeliveries waits until the instance has handed consumer as many
// batches as want counts, then compares them by outcome.
func waitDeliveries(t *testing.T, in bustest.Instance, consumer string, want map[string]int) {
	t.Helper()
	var got map[string]int
	poll(20*time.Second, 20*time.Millisecond, func() bool {
		got = in.Deliveries(t, consumer)
		return bustest.Total(got) >= bustest.Total(want)
	})
	if !maps.Equal(got, want) {
		t.Errorf("deliveries to %s by outcome = %v, want %v", consumer, got, want)
	}
}

// TestPoisonQueueAndReplay: a batch that keeps failing is retried with the
// default backoff (5 retries from 200ms, doubling) while later batches go
// on, then goes to the poison queue, leaves nothing half-applied, and
// applies exactly once when replayed; on both buses.
func TestPoisonQueueAndReplay(t *testing.T) {
	for name, cfg := range busConfigs(t) {
		t.Run(name, func(t *testing.T) {
			bad := []string{"bad-000", "bad-001"}
			pool, c, in, store := startWithFailingBatch(t, cfg(), bad)
			bs := in.Bus

			// Later batches, one at a time, each applied while the failed
			// batch waits for its retries. So that a loaded machine cannot
			// use up the retries first, the test holds them meanwhile: the
			// batch's retries are taken by the instances running its
			// consumer, and it names one that runs nowhere until the later
			// batches are in.
			hold := func(consumer string) {
				t.Helper()
				if _, err := pool.Exec(context.Background(), `UPDATE poison_messages SET consumer = $1`, consumer); err != nil {
					t.Fatal(err)
				}
			}
			hold("held_for_the_test")
			var good []string
			for i := range 5 {
				batch := ids(fmt.Sprintf("good%d", i), 2)
				appendEvents(t, store, "src", batch...)
				good = append(good, batch...)
				waitCounts(t, pool, "counter_a", good)
			}
			if got := gauge(t, in, "govpulse_bus_retrying_batches"); got != 1 {
				t.Errorf("retrying gauge = %v after the later batches, want 1", got)
			}
			hold("counter_a")

			var list []bus.PoisonMessage
			waitFor(t, "the failed batch in the poison queue", func() bool {
				var err error
				if list, err = bs.Poison.List(context.Background(), false, 10); err != nil {
					t.Fatal(err)
				}
				return len(list) > 0
			})
			if len(list) != 1 {
				t.Fatalf("poison queue has %d messages, want 1", len(list))
			}
			pm := list[0]
			if pm.Consumer != "counter_a" || pm.Attempts != 6 {
				t.Errorf("poisoned consumer %q after %d attempts, want counter_a after 6 (one delivery, five retries)", pm.Consumer, pm.Attempts)
			}
			if want := "refusing batch with bad-000"; !strings.Contains(pm.Reason, want) {
				t.Errorf("reason = %q, want it to contain %q", pm.Reason, want)
			}
			var batch events.Batch
			if err := json.Unmarshal(pm.Batch, &batch); err != nil || batch.Count() != 2 {
				t.Errorf("poisoned batch = %s (%v), want the 2-event batch", pm.Batch, err)
			}
			// Every later batch was applied after the failed batch's first
			// try and before it was given up on.
			if during := bustest.AppliedWhileRetried(t, pool, "counter_a"); during != 5 {
				t.Errorf("%d of the 5 later batches were applied while the failed batch was being retried, want all", during)
			}
			// (A later batch delivered late, after the next was appended,
			// applies that one ahead, whose delivery is then skipped.)
			ahead := appliedAhead(t, in, "counter_a")
			if d := in.Deliveries(t, "counter_a"); d[bus.OutcomeFailed] != 6 || d[bus.OutcomeApplied]+ahead != 5 || d[bus.OutcomeSkipped] != ahead {
				t.Errorf("deliveries = %v with %d applied ahead, want 6 failed tries and 5 applied batches", d, ahead)
			}
			if got := gauge(t, in, "govpulse_bus_poison_queue_messages"); got != 1 {
				t.Errorf("poison queue gauge = %v, want 1", got)
			}
			if got := gauge(t, in, "govpulse_bus_retrying_batches"); got != 0 {
				t.Errorf("retrying gauge = %v, want 0", got)
			}
			// Nothing of the failed batch remains applied.
			if got := counts(t, pool, "counter_a"); got["bad-000"] != 0 || got["bad-001"] != 0 {
				t.Errorf("failed batch left writes behind: %v", got)
			}

			// Replay while still failing: refused, recorded, still listed.
			if _, err := bs.Poison.Replay(context.Background(), pm.ID); err == nil {
				t.Fatal("replay of a still-failing batch succeeded")
			}
			if l, _ := bs.Poison.List(context.Background(), false, 10); len(l) != 1 || l[0].ReplayError == nil {
				t.Errorf("after a failed replay the message should stay listed with its error: %+v", l)
			}

			c.failing.Store(false)
			m, err := bs.Poison.Replay(context.Background(), pm.ID)
			if err != nil {
				t.Fatalf("replay: %v", err)
			}
			if m.ReplayedAt == nil {
				t.Error("replayed message has no replayed_at")
			}
			waitCounts(t, pool, "counter_a", append(good, bad...))
			if l, _ := bs.Poison.List(context.Background(), false, 10); len(l) != 0 {
				t.Errorf("poison queue still lists %d open messages after replay", len(l))
			}
			// A second replay is harmless: the batch is recorded as applied.
			if _, err := bs.Poison.Replay(context.Background(), pm.ID); err != nil {
				t.Fatalf("second replay: %v", err)
			}
			waitCounts(t, pool, "counter_a", append(good, bad...))
			if _, err := bs.Poison.Replay(context.Background(), 9999); !errors.Is(err, bus.ErrPoisonNotFound) {
				t.Errorf("replay of unknown id: err = %v, want ErrPoisonNotFound", err)
			}
		})
	}
}

// TestFailedBatchAppliedOnRetry: a batch that fails once is applied by a
// later retry and leaves neither the poison queue nor a retry behind.
func TestFailedBatchAppliedOnRetry(t *testing.T) {
	for name, cfg := range busConfigs(t) {
		t.Run(name, func(t *testing.T) {
			flaky := ids("flaky", 2)
			pool, c, in, _ := startWithFailingBatch(t, cfg(), flaky)
			c.failing.Store(false)
			waitCounts(t, pool, "counter_a", flaky)
			waitFor(t, "the retry gone", func() bool { return gauge(t, in, "govpulse_bus_retrying_batches") == 0 })
			if got := gauge(t, in, "govpulse_bus_poison_queue_messages"); got != 0 {
				t.Errorf("poison queue gauge = %v, want 0", got)
			}
			if d := in.Deliveries(t, "counter_a"); d[bus.OutcomeFailed] < 1 || d[bus.OutcomeApplied] != 1 {
				t.Errorf("deliveries = %v, want at least one failed try and one applied", d)
			}
		})
	}
}

// startWithFailingBatch starts an instance whose counter_a fails, while
// its failing is set, on the batch of batch (the first id marks it),
// appends that batch and waits until it waits for a retry.
func startWithFailingBatch(t *testing.T, cfg bus.Config, batch []string) (*pgxpool.Pool, *counter, bustest.Instance, *postgres.EventStore) {
	t.Helper()
	pool := setUp(t)
	c := &counter{name: "counter_a", failOn: batch[0]}
	c.failing.Store(true)
	in := bustest.StartInstance(t, pool, cfg, c)
	store := &postgres.EventStore{Pool: pool, Outbox: in.Bus}
	appendEvents(t, store, "src", batch...)
	waitFor(t, "the failed batch waiting for a retry", func() bool { return gauge(t, in, "govpulse_bus_retrying_batches") == 1 })
	return pool, c, in, store
}

// poll calls cond every interval until it holds or within has passed,
// and says whether it held: the one loop behind the tests' waits.
func poll(within, interval time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(interval)
	}
	return true
}

// waitFor waits up to 30s for cond.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	if !poll(30*time.Second, 20*time.Millisecond, cond) {
		t.Fatalf("no %s after 30s", what)
	}
}

// gauge reads a gauge without labels from the instance's registry (-2
// when it has none).
func gauge(t *testing.T, in bustest.Instance, name string) float64 {
	t.Helper()
	if v, ok := promtest.Gather(t, in.Registry)[name][""]; ok {
		return v
	}
	return -2
}

// TestInstancesShareAConsumerGroup: two govpulse instances on one database
// and one bus run the same consumer. Every delivery is counted, skipped
// ones included (the ledger would hide a batch delivered to both): each
// batch is delivered exactly once across the instances, and on NATS both
// instances get work.
func TestInstancesShareAConsumerGroup(t *testing.T) {
	for name, cfg := range busConfigs(t) {
		t.Run(name, func(t *testing.T) {
			pool := setUp(t)
			c := cfg()
			a, b := &counter{name: "counter_a"}, &counter{name: "counter_a"}
			inA := bustest.StartInstance(t, pool, c, a)
			inB := bustest.StartInstance(t, pool, c, b)
			store := &postgres.EventStore{Pool: pool, Outbox: inA.Bus}
			const batches = 40
			var all []string
			for i := 0; i < batches; i++ {
				batch := ids(fmt.Sprintf("b%02d", i), 3)
				appendEvents(t, store, "src", batch...)
				all = append(all, batch...)
			}
			waitCounts(t, pool, "counter_a", all)
			// Batches applied ahead are counted before their own
			// deliveries (skipped) come, which on NATS the forwarder may
			// not even have sent yet: wait for a delivery of each.
			waitFor(t, "a delivery of every batch", func() bool {
				return bustest.Total(inA.Deliveries(t, "counter_a"))+bustest.Total(inB.Deliveries(t, "counter_a")) >= batches
			})
			if name == "nats" {
				// A delivery is counted before it is acknowledged: once
				// nothing is pending or unacknowledged, every delivery
				// (a second one to another instance included) is counted.
				waitStreamSettled(t, c.NATSURL)
			}
			dA, dB := inA.Deliveries(t, "counter_a"), inB.Deliveries(t, "counter_a")
			t.Logf("%s: deliveries to instance A %v, to instance B %v", name, dA, dB)
			if got := bustest.Total(dA) + bustest.Total(dB); got != batches {
				t.Errorf("the instances got %d deliveries in all, want exactly %d (one per batch)", got, batches)
			}
			if got := dA[bus.OutcomeApplied] + dB[bus.OutcomeApplied] + appliedAhead(t, inA, "counter_a") + appliedAhead(t, inB, "counter_a"); got != batches {
				t.Errorf("the instances applied %d batches (delivered or ahead), want %d", got, batches)
			}
			if name == "nats" && (bustest.Total(dA) == 0 || bustest.Total(dB) == 0) {
				t.Errorf("one NATS instance got all the work (A %v, B %v): the queue group is not shared", dA, dB)
			}
		})
	}
}

// waitStreamSettled waits until no consumer of the batches stream has a
// message pending or waiting for its ack.
func waitStreamSettled(t *testing.T, url string) {
	t.Helper()
	js := jetStream(t, url)
	// Every consumer is read, so the lister's goroutine never blocks.
	settled := func() bool {
		settled, n := true, 0
		for ci := range js.Consumers(bus.TopicBatches) {
			n++
			if ci.NumPending > 0 || ci.NumAckPending > 0 {
				settled = false
			}
		}
		return settled && n > 0
	}
	if !poll(20*time.Second, 20*time.Millisecond, settled) {
		t.Fatal("JetStream consumers still have messages pending after 20s")
	}
}

// jetStream connects to the NATS server at url for the test.
func jetStream(t *testing.T, url string) nats.JetStreamContext {
	t.Helper()
	nc, err := nats.Connect(url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	js, err := nc.JetStream()
	if err != nil {
		t.Fatal(err)
	}
	return js
}

// TestCatchUpOnAppend: with CatchUpOnAppend, a consumer applies a batch
// appended through its instance while the bus cannot deliver it yet (a
// transaction that began before the append holds back watermill-sql, and
// on NATS the forwarder, which reads the outbox through it); the
// deliveries that come once it ends are skipped. A batch the consumer
// refuses is left to its delivery: retried, then poisoned, as ever. On
// both buses.
func TestCatchUpOnAppend(t *testing.T) {
	for name, cfg := range busConfigs(t) {
		t.Run(name, func(t *testing.T) {
			pool := setUp(t)
			c := cfg()
			c.CatchUpOnAppend = true
			c.MaxRetries = 1
			c.RetryInterval = 20 * time.Millisecond
			a := &counter{name: "counter_a", failOn: "bad-000"}
			a.failing.Store(true)
			in := bustest.StartInstance(t, pool, c, a)
			store := &postgres.EventStore{Pool: pool, Outbox: in.Bus}

			ctx := context.Background()
			blocker, err := pool.Begin(ctx)
			if err != nil {
				t.Fatal(err)
			}
			defer blocker.Rollback(ctx)
			if _, err := blocker.Exec(ctx, `SELECT pg_current_xact_id()`); err != nil {
				t.Fatal(err)
			}
			batches := [][]string{ids("b0", 4), ids("b1", 4), ids("b2", 4)}
			for _, b := range batches {
				appendEvents(t, store, "src", b...)
			}
			all := slices.Concat(batches...)
			waitCounts(t, pool, "counter_a", all)
			if d := in.Deliveries(t, "counter_a"); bustest.Total(d) != 0 {
				t.Fatalf("deliveries %v while the bus was held back: the batches were not caught up on append", d)
			}
			if got := caughtUp(t, in, "counter_a"); got != 3 {
				t.Errorf("batches caught up = %v, want 3", got)
			}
			bad := []string{"bad-000", "bad-001"}
			appendEvents(t, store, "src", bad...)
			more := ids("after-bad", 2)
			appendEvents(t, store, "src", more...)
			all = append(all, more...)
			waitCounts(t, pool, "counter_a", all)
			if err := blocker.Rollback(ctx); err != nil {
				t.Fatal(err)
			}

			waitFor(t, "the refused batch in the poison queue", func() bool {
				list, err := in.Poison.List(ctx, false, 10)
				if err != nil {
					t.Fatal(err)
				}
				return len(list) == 1
			})
			// Five deliveries: four skipped, the refused one failed on its
			// delivery and its one retry.
			waitDeliveries(t, in, "counter_a", map[string]int{bus.OutcomeSkipped: 4, bus.OutcomeFailed: 2})
			if got := caughtUp(t, in, "counter_a"); got != 4 {
				t.Errorf("batches caught up = %v, want 4 (every batch but the refused one)", got)
			}
			if got := counts(t, pool, "counter_a"); got["bad-000"] != 0 || got["bad-001"] != 0 {
				t.Errorf("the refused batch left writes behind: %v", got)
			}
		})
	}
}

// caughtUp reads the batches a consumer applied by catching up on append.
func caughtUp(t *testing.T, in bustest.Instance, consumer string) int {
	t.Helper()
	return consumerCounter(t, in, "govpulse_bus_batches_caught_up_total", consumer)
}
