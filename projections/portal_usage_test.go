package projections_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/govpulse/govpulse/events"
	"github.com/govpulse/govpulse/internal/catalogtest"
	"github.com/govpulse/govpulse/internal/pgtest"
	"github.com/govpulse/govpulse/postgres"
	"github.com/govpulse/govpulse/projections"
)

func portalReadModels(t testing.TB) (views, searches *projections.Projection) {
	cal := catalogtest.Calendar(t)
	return projections.PortalViews.Projection(cal, quietLogger()), projections.PortalSearches.Projection(cal, quietLogger())
}

// usageEvent is a portal usage event at time at; usage events carry their
// time in the envelope only, and speak for no department.
func usageEvent(t testing.TB, typ, id, at string, data map[string]any) postgres.NewEvent {
	t.Helper()
	when, err := time.Parse(time.RFC3339, at)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := json.Marshal(map[string]any{
		"specversion": "1.0", "id": id, "source": testSource, "type": typ,
		"time": at, "datacontenttype": "application/json", "data": data,
	})
	if err != nil {
		t.Fatal(err)
	}
	return postgres.NewEvent{Envelope: events.Envelope{SpecVersion: "1.0", ID: id, Source: testSource, Type: typ, Time: when, Raw: raw}}
}

func viewEvent(t testing.TB, id, at, policy, origin string) postgres.NewEvent {
	return usageEvent(t, events.TypePolicyViewed, id, at, map[string]any{"policy_id": policy, "origin": origin})
}

func searchEvent(t testing.TB, id, at, query string, results int) postgres.NewEvent {
	return usageEvent(t, events.TypePortalSearched, id, at, map[string]any{"query": query, "results": results})
}

func TestPortalUsageArithmetic(t *testing.T) {
	pool := pgtest.NewPool(t)
	v, s := portalReadModels(t)
	applyBatches(t, pool, []*projections.Projection{v, s},
		[]postgres.NewEvent{
			viewEvent(t, "v1", "2025-03-02T09:00:00+08:00", "p-1", "search"),
			viewEvent(t, "v2", "2025-03-02T23:59:59+08:00", "p-1", "search"),
			// 2025-03-02 16:30 UTC is 3 March in Shanghai.
			viewEvent(t, "v3", "2025-03-02T16:30:00Z", "p-1", "search"),
			viewEvent(t, "v4", "2025-03-02T10:00:00+08:00", "p-1", "home"),
			searchEvent(t, "s1", "2025-03-02T10:00:00+08:00", "社保", 12),
			searchEvent(t, "s2", "2025-03-02T11:00:00+08:00", "社保", 0),
		},
		[]postgres.NewEvent{
			viewEvent(t, "v5", "2025-03-02T12:00:00+08:00", "p-2", "match"),
			searchEvent(t, "s3", "2025-03-02T12:00:00+08:00", "社保", 3),
			searchEvent(t, "s4", "2025-03-02T12:00:00+08:00", "开公司", 0),
		})
	views := rowsByKey(t, pool, "portal_views", "day", "policy_id", "origin")
	wantRow(t, views, "2025-03-02|p-1|search", map[string]any{"views": 2})
	wantRow(t, views, "2025-03-03|p-1|search", map[string]any{"views": 1})
	wantRow(t, views, "2025-03-02|p-1|home", map[string]any{"views": 1})
	wantRow(t, views, "2025-03-02|p-2|match", map[string]any{"views": 1})
	if len(views) != 4 {
		t.Errorf("portal_views has %d rows, want 4: %v", len(views), views)
	}
	searches := rowsByKey(t, pool, "portal_searches", "day", "query")
	wantRow(t, searches, "2025-03-02|社保", map[string]any{"searches": 3, "zero_results": 1, "results_sum": 15})
	wantRow(t, searches, "2025-03-02|开公司", map[string]any{"searches": 1, "zero_results": 1, "results_sum": 0})
}

// TestPortalUsageRebuildEqualsLive: the usage read model, applied live in
// many batches, equals its rebuild from the log; the boards' views read
// the rebuilt tables.
func TestPortalUsageRebuildEqualsLive(t *testing.T) {
	pool := pgtest.NewPool(t)
	v, s := portalReadModels(t)
	b := startBus(t, pool, v, s)
	store := &postgres.EventStore{Pool: pool, Outbox: b}
	rng := rand.New(rand.NewPCG(9, 10))
	origins := events.ViewOrigins()
	queries := []string{"社保", "税", "开公司", "青政办发〔2020〕12号", "人才 补贴", "外贸"}
	var views, searches int
	for i := range 15 {
		var batch []postgres.NewEvent
		for j := range 1 + rng.IntN(200) {
			at := fmt.Sprintf("2025-%02d-%02dT%02d:%02d:00+08:00", 1+rng.IntN(12), 1+rng.IntN(28), rng.IntN(24), rng.IntN(60))
			id := fmt.Sprintf("u%d-%d", i, j)
			if rng.IntN(4) == 0 {
				batch = append(batch, searchEvent(t, id, at, queries[rng.IntN(len(queries))], rng.IntN(3)*rng.IntN(20)))
				searches++
				continue
			}
			batch = append(batch, viewEvent(t, id, at, fmt.Sprintf("p-%d", rng.IntN(40)), origins[rng.IntN(len(origins))]))
			views++
		}
		if _, err := store.Append(context.Background(), testSource, batch); err != nil {
			t.Fatal(err)
		}
	}
	waitCaughtUp(t, pool, "portal_views", "portal_searches")
	var liveViews, liveSearches int
	if err := pool.QueryRow(context.Background(), `SELECT (SELECT sum(views) FROM boards.portal_views), (SELECT sum(searches) FROM boards.portal_searches)`).Scan(&liveViews, &liveSearches); err != nil {
		t.Fatal(err)
	}
	if liveViews != views || liveSearches != searches {
		t.Fatalf("live: %d views and %d searches, sent %d and %d", liveViews, liveSearches, views, searches)
	}
	for _, p := range []*projections.Projection{v, s} {
		before := tableRows(t, pool, p.Table())
		if _, err := p.Rebuild(context.Background(), pool, projections.RebuildOptions{ChunkEvents: 500}); err != nil {
			t.Fatal(err)
		}
		if after := tableRows(t, pool, p.Table()); !slices.Equal(after, before) {
			t.Errorf("%s rebuilt differs from live:\n%s", p.Table(), sliceDiff(after, before))
		}
		if viewRows := tableRows(t, pool, "boards."+p.Table()); !slices.Equal(viewRows, before) {
			t.Errorf("boards.%s after the rebuild differs from the table", p.Table())
		}
	}
}
