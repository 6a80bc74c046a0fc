package collector

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/govpulse/govpulse/internal/pgtest"
	"github.com/govpulse/govpulse/postgres"
	"github.com/govpulse/govpulse/projections"
)

// BenchmarkUpdate reads each domain collector's metrics from read models
// the size of the demo year's (govpulse bench's demo-year step): what a
// scrape pays each time the collectors' cache has expired. Compare it
// with -count and benchstat; allocs/op are the steadier figure on a busy
// machine.
func BenchmarkUpdate(b *testing.B) {
	pool := pgtest.NewPool(b)
	loadDemoSized(b, pool, 80)
	for _, c := range []struct {
		name string
		c    func(postgres.Querier) Collector
	}{
		{"case_stats", func(db postgres.Querier) Collector { return Cases{DB: db} }},
		{"license_stats", func(db postgres.Querier) Collector { return Licenses{DB: db} }},
		{"lawsuit_stats", func(db postgres.Querier) Collector { return Lawsuits{DB: db} }},
		{"portal_usage", func(db postgres.Querier) Collector { return Portal{DB: db} }},
	} {
		// warm: on a connection that has read the tables before. cold: on
		// a new connection each time, whose server process has not (the
		// first scrape of a govpulse serve just started).
		b.Run(c.name+"/warm", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				update(b, c.c(pool))
			}
		})
		b.Run(c.name+"/cold", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				conn, err := pgx.ConnectConfig(context.Background(), pool.Config().ConnConfig)
				if err != nil {
					b.Fatal(err)
				}
				update(b, c.c(conn))
				if err := conn.Close(context.Background()); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// update runs c's Update once, failing b unless it exports something.
func update(b *testing.B, c Collector) {
	ch := make(chan prometheus.Metric, 8192)
	if err := c.Update(context.Background(), ch); err != nil {
		b.Fatal(err)
	}
	if len(ch) == 0 {
		b.Fatal("no metrics")
	}
}

// loadDemoSized fills the read models with generated rows, at days 80 the
// demo year's size: case_stats about 110,000 rows over 1,350 department,
// district, channel and mode combinations (the demo's 1,349), 40
// licence type and department pairs, 240 hearing rows, 320 policies
// viewed from 5 origins on each day (128,000 rows, 1,600 totals) and 41
// searches on 4 times as many days (13,000 rows); then the totals. The
// values vary with the keys and the day, so that every sum is its own.
func loadDemoSized(tb testing.TB, pool *pgxpool.Pool, days int) {
	tb.Helper()
	for _, sql := range []string{
		`INSERT INTO case_stats SELECT DATE '2025-01-01' + day, 'dept-' || d, 'district-' || x,
			(ARRAY['window', 'online', 'mobile', 'hub'])[c], (ARRAY['standard', 'instant', 'assisted'])[m], 'item-' || (day % 3),
			5 + (day + d) % 4, 3, 1, 1 + x % 2, (d + day) % 3, day % 2, (x + c + day) % 3, 12 + d, 30, 5, 12, 30,
			ARRAY[1, (day + x) % 3, 1, 0, d % 2, 0, 0, 0, 0, 0, c % 2, 0], m - 1, 3000 * (m - 1) + day,
			ARRAY[0, m - 1, 0, 0, 0, 0, 0, day % 2]
		FROM generate_series(0, $1 - 1) day, generate_series(1, 20) d, generate_series(1, 15) x, generate_series(1, 4) c, generate_series(1, 3) m
		WHERE (d * 7 + x * 3 + c + m) % 8 < 3`,
		`INSERT INTO license_stats SELECT DATE '2025-01-01' + day, 'type-' || t, 'dept-' || d, 'district-' || x, 'enterprise',
			4 + day % 3, day % 2, 3, 5 + t, ARRAY[1, 2, 0, 0, 1, 0, 0, 0, 0, 0, 0, day % 2], 8, 4, 0, 0
		FROM generate_series(0, 3 * $1 - 1) day, generate_series(1, 10) t, generate_series(1, 4) d, generate_series(1, 15) x
		WHERE (day + t + d + x) % 9 = 0`,
		`INSERT INTO lawsuit_stats SELECT DATE '2025-01-01' + day, 'agency-' || a, 'court-' || (day % 4), 2 + a % 3, 2, 1, 1, day % 2
		FROM generate_series(0, 9) day, generate_series(1, 24) a WHERE $1 > 0`,
		`INSERT INTO policies (policy_id, issuer, doc_number, doc_key, title, document_type, categories,
			published_at, effective_from, versions, current, last_seq, generation)
		SELECT 'p-' || p, 'qd-xzsp', '青政办发〔2020〕' || p || '号', 'k' || p, '政策' || p, (ARRAY['normative', 'notice', 'plan', 'measure', 'guide'])[p % 5 + 1],
			ARRAY['category-' || (p % 11), 'category-' || ((p + 3) % 11)], '2020-01-01', '2020-01-01', 1, '{}', p, 1
		FROM generate_series(1, 320) p WHERE $1 > 0`,
		// p-321 to p-330 are views of policies the policies read model lacks.
		`INSERT INTO portal_views SELECT DATE '2025-01-01' + day, 'p-' || p, (ARRAY['search', 'match', 'home', 'feed', 'direct'])[o], 1 + (p + day) % 5
		FROM generate_series(0, $1 - 1) day, generate_series(1, 330) p, generate_series(1, 5) o`,
		`INSERT INTO portal_searches SELECT DATE '2025-01-01' + day, 'query-' || q, 5 + day % 3, (q + day) % 2, 40
		FROM generate_series(0, 4 * $1 - 1) day, generate_series(1, 41) q`,
	} {
		if _, err := pool.Exec(context.Background(), sql, days); err != nil {
			tb.Fatal(err)
		}
	}
	fillTotals(tb, pool, projections.CaseStats.Table(), projections.LicenseStats.Table(), projections.PortalViews.Table())
	if _, err := pool.Exec(context.Background(), `ANALYZE`); err != nil {
		tb.Fatal(err)
	}
}

// BenchmarkGather gathers the domain collectors' cached metrics from the
// demo-sized read models, as a registry does on every scrape: no reading,
// only the series checked and sorted.
func BenchmarkGather(b *testing.B) {
	pool := pgtest.NewPool(b)
	loadDemoSized(b, pool, 80)
	reg := prometheus.NewRegistry()
	reg.MustRegister(&Exporter{Entries: append(ReadModels(pool, time.Hour),
		Entry{Name: "portal_usage", ReadModel: "portal_views", Collector: Portal{DB: pool}, CacheFor: time.Hour})})
	if _, err := reg.Gather(); err != nil { // fills the cache
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := reg.Gather(); err != nil {
			b.Fatal(err)
		}
	}
}
