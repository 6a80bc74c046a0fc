package usage_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/govpulse/govpulse/events"
	"github.com/govpulse/govpulse/internal/catalogtest"
	"github.com/govpulse/govpulse/internal/pgtest"
	"github.com/govpulse/govpulse/internal/promtest"
	"github.com/govpulse/govpulse/portal/usage"
	"github.com/govpulse/govpulse/postgres"
)

// appendLock is postgres' append lock (eventstore.go): holding it makes
// every append wait, as a slow or locked database would.
const appendLock = 7_001_002

var clock = time.Date(2025, 6, 3, 10, 0, 0, 0, time.FixedZone("CST", 8*3600))

func newRecorder(t *testing.T, pool *pgxpool.Pool, cfg usage.LogConfig) (*usage.LogRecorder, *prometheus.Registry, func()) {
	t.Helper()
	cat := catalogtest.Default(t)
	reg := prometheus.NewRegistry()
	cfg.Now = func() time.Time { return clock }
	v := &events.Validator{Catalog: cat, Now: func() time.Time { return clock }}
	r, err := usage.NewLogRecorder(&postgres.EventStore{Pool: pool}, v, cfg, nil, reg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	go r.Run(ctx)
	stop := func() {
		cancel()
		select {
		case <-r.Done():
		case <-time.After(30 * time.Second):
			t.Fatal("recorder did not stop within 30s")
		}
	}
	t.Cleanup(stop)
	return r, reg, stop
}

func countEvents(t *testing.T, pool *pgxpool.Pool, typ string) int {
	t.Helper()
	var n int
	if err := pool.QueryRow(context.Background(), `SELECT count(*) FROM events WHERE type = $1`, typ).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("not within 30s: %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestLogRecorderAppendsUsageEventsIngestWouldAccept(t *testing.T) {
	pool := pgtest.NewPool(t)
	r, reg, stop := newRecorder(t, pool, usage.LogConfig{FlushEvery: 50 * time.Millisecond})
	r.View("qd-policy-0001", events.OriginSearch)
	r.View("qd-policy-0001", "somewhere") // an unknown origin counts as direct
	r.Search("  开办\u3000企业\x07 "+strings.Repeat("税", 100), 0)
	r.Search(" \t ", 3) // filters only: not recorded
	stop()
	if got := countEvents(t, pool, events.TypePolicyViewed); got != 2 {
		t.Errorf("views in the log = %d, want 2", got)
	}
	rows, err := pool.Query(context.Background(), `SELECT source, type, department, occurred_at, envelope FROM events ORDER BY seq`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var got []events.Event
	for rows.Next() {
		var src, typ, dept string
		var at time.Time
		var env []byte
		if err := rows.Scan(&src, &typ, &dept, &at, &env); err != nil {
			t.Fatal(err)
		}
		if src != usage.DefaultSource || dept != "" || !at.Equal(clock) {
			t.Errorf("stored source %q department %q time %s, want %q, \"\", %s", src, dept, at, usage.DefaultSource, clock)
		}
		for _, private := range []string{"ip", "user_agent", "cookie"} {
			if strings.Contains(string(env), private) {
				t.Errorf("envelope mentions %q: %s", private, env)
			}
		}
		ev, err := events.DecodeStored(typ, env)
		if err != nil {
			t.Fatalf("the stored reading refuses %s: %v", env, err)
		}
		got = append(got, ev)
	}
	want := []events.Event{
		events.PolicyViewed{PolicyID: "qd-policy-0001", Origin: events.OriginSearch},
		events.PolicyViewed{PolicyID: "qd-policy-0001", Origin: events.OriginDirect},
		events.PortalSearched{Query: "开办 企业 " + strings.Repeat("税", 58), Results: 0},
	}
	if len(got) != len(want) {
		t.Fatalf("stored %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("event %d = %+v, want %+v", i, got[i], want[i])
		}
	}
	if err := testutil.GatherAndCompare(reg, strings.NewReader(`
# HELP govpulse_portal_usage_recorded_total Portal usage events appended to the log by this instance, by kind (view, search).
# TYPE govpulse_portal_usage_recorded_total counter
govpulse_portal_usage_recorded_total{kind="search"} 1
govpulse_portal_usage_recorded_total{kind="view"} 2
`), "govpulse_portal_usage_recorded_total"); err != nil {
		t.Error(err)
	}
}

// While the log is locked (a slow database), View and Search return at
// once: what fits the buffer waits, the rest is dropped and counted, and
// once the log is free again everything that waited is appended.
func TestLogRecorderNeverWaitsForASlowLog(t *testing.T) {
	pool := pgtest.NewPool(t)
	ctx := context.Background()
	lock, err := pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer lock.Rollback(ctx) //nolint:errcheck
	if _, err := lock.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, appendLock); err != nil {
		t.Fatal(err)
	}
	const buffer, batch, calls = 100, 10, 5_000
	r, reg, stop := newRecorder(t, pool, usage.LogConfig{Buffer: buffer, BatchEvents: batch, FlushEvery: 10 * time.Millisecond,
		AppendTimeout: time.Minute, Attempts: 1})
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range calls / 4 {
				if w == 0 && i%10 == 0 {
					r.Search("社保", 12)
					continue
				}
				r.View("qd-policy-0002", events.OriginHome)
			}
		}()
	}
	// Every call returned while the log stays locked; a Recorder that
	// waited for the database would hang here until the deadline.
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("View and Search blocked on a locked log")
	}
	dropped := counterSum(t, reg, "govpulse_portal_usage_dropped_total", "buffer_full")
	// At most the buffer and the batch in flight wait; the rest is dropped.
	if dropped < calls-buffer-batch {
		t.Errorf("dropped %v of %d calls with a buffer of %d, want at least %d", dropped, calls, buffer, calls-buffer-batch)
	}
	if n := countEvents(t, pool, events.TypePolicyViewed); n != 0 {
		t.Errorf("%d views appended while the log was locked", n)
	}
	if err := lock.Rollback(ctx); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "every kept event appended", func() bool {
		var n int
		_ = pool.QueryRow(ctx, `SELECT count(*) FROM events`).Scan(&n)
		return float64(n)+dropped == calls
	})
	stop()
	recorded := counterSum(t, reg, "govpulse_portal_usage_recorded_total", "")
	if recorded+dropped != calls {
		t.Errorf("recorded %v + dropped %v = %v, want %d", recorded, dropped, recorded+dropped, calls)
	}
}

// counterSum sums a counter's series with a label whose value is value
// (every series when value is empty).
func counterSum(t *testing.T, reg *prometheus.Registry, name, value string) float64 {
	t.Helper()
	var sum float64
	for labels, v := range promtest.Gather(t, reg)[name] {
		if value == "" || strings.Contains(labels, fmt.Sprintf("=%q", value)) {
			sum += v
		}
	}
	return sum
}

func TestCleanQuery(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"社保", "社保"},
		{"  青政办发〔2020〕12号 ", "青政办发〔2020〕12号"},
		{"开办\u3000\u3000企业\n\t补贴", "开办 企业 补贴"},
		{"a\x00b\u200bc", "abc"},
		{"\r\n", ""},
		{strings.Repeat("政", 70), strings.Repeat("政", 64)},
		{strings.Repeat("政", 63) + " 策", strings.Repeat("政", 63)},
	} {
		if got := usage.CleanQuery(c.in); got != c.want {
			t.Errorf("CleanQuery(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}
