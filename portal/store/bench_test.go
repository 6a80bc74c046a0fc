package store_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/govpulse/govpulse/benchmark"
	"github.com/govpulse/govpulse/catalog"
	"github.com/govpulse/govpulse/internal/pgtest"
	"github.com/govpulse/govpulse/portal"
	"github.com/govpulse/govpulse/portal/api"
	"github.com/govpulse/govpulse/portal/store"
	"github.com/govpulse/govpulse/postgres"
)

// BenchmarkReader measures search and match on generated policies
// (PORTAL_BENCH_POLICIES, default 5,000) in process; govpulse bench
// measures the same through the API with 8 clients at 50,000.
func BenchmarkReader(b *testing.B) {
	ctx := context.Background()
	st := benchStore(b)
	b.Run("match", func(b *testing.B) {
		eachLoop(b, func(i int) error {
			sizes, inds := []string{"large", "medium", "small", "micro"}, []string{"a", "c", "e", "f", "g", "i", "l", "m"}
			p, err := portal.ParseProfile(url.Values{"size": {sizes[i%4]}, "industry": {inds[i/4%8]}, "founded": {fmt.Sprint(1990 + i/32%30)}}, benchToday)
			if err == nil {
				_, err = st.Match(ctx, p)
			}
			return err
		})
	})
	// Warm: the same few queries again and again, as govpulse bench's
	// 8 clients after its cold pass; B/op is what each cached answer
	// allocates (garbage that brings on the collector's mark assists).
	b.Run("search-warm", func(b *testing.B) {
		qs := []portal.SearchQuery{{Q: "企业"}, {Q: "补贴"}, {Q: "税", Page: 2}, {}}
		eachLoop(b, func(i int) error {
			_, err := st.Search(ctx, qs[i%len(qs)])
			return err
		})
	})
	b.Run("match-warm", func(b *testing.B) {
		var ps []portal.Profile
		for _, s := range []string{"small", "micro"} {
			p, err := portal.ParseProfile(url.Values{"size": {s}, "industry": {"c"}, "founded": {"2015"}}, benchToday)
			if err != nil {
				b.Fatal(err)
			}
			ps = append(ps, p)
		}
		eachLoop(b, func(i int) error {
			_, err := st.Match(ctx, ps[i%len(ps)])
			return err
		})
	})
	b.Run("search-cold", func(b *testing.B) {
		eachLoop(b, func(i int) error {
			_, err := st.Search(ctx, portal.SearchQuery{Q: "企业", Page: 1 + i%50})
			return err
		})
	})
}

// BenchmarkMatch measures match on generated policies (as BenchmarkReader):
// cold, 1,000 distinct profiles drawn as govpulse bench draws them, more
// than the match cache holds, so that every request scores the day's
// in-force policies afresh (the path of govpulse bench's match p99); warm,
// one profile again and again (the cached answer).
func BenchmarkMatch(b *testing.B) {
	ctx := context.Background()
	st := benchStore(b)
	rng := rand.New(rand.NewPCG(2, 3))
	seen := map[string]bool{}
	var ps []portal.Profile
	var paths []string
	for len(ps) < 1000 {
		q := url.Values{"size": {pick(rng, "large", "medium", "small", "micro")}, "industry": {pick(rng, "a", "c", "e", "f", "g", "i", "l", "m")},
			"founded": {fmt.Sprint(2005 + rng.IntN(19))}}
		if rng.IntN(2) == 0 {
			q.Set("district", pick(rng, "shinan", "shibei", "licang", "laoshan", "huangdao", "chengyang", "jimo", "jiaozhou", "pingdu", "laixi"))
		}
		if rng.IntN(3) == 0 {
			q.Set("qualifications", "high-tech")
		}
		if seen[q.Encode()] {
			continue
		}
		seen[q.Encode()] = true
		p, err := portal.ParseProfile(q, benchToday)
		if err != nil {
			b.Fatal(err)
		}
		ps = append(ps, p)
		paths = append(paths, "/api/v1/match?"+q.Encode())
	}
	b.Run("cold", func(b *testing.B) {
		eachLoop(b, func(i int) error {
			_, err := st.Match(ctx, ps[i%len(ps)])
			return err
		})
	})
	b.Run("warm", func(b *testing.B) {
		eachLoop(b, func(int) error {
			_, err := st.Match(ctx, ps[0])
			return err
		})
	})
	// Through the JSON API, as govpulse bench times it.
	h := (&api.Handler{Reader: st, Now: st.Now}).Routes()
	b.Run("api-cold", func(b *testing.B) {
		eachLoop(b, func(i int) error {
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequestWithContext(ctx, http.MethodGet, paths[i%len(paths)], nil))
			if rec.Code != http.StatusOK {
				return fmt.Errorf("%d %s", rec.Code, rec.Body)
			}
			return nil
		})
	})
}

// eachLoop runs call once for each b.Loop iteration with the iteration's
// number (1, 2, …), by which a sub-benchmark cycles through its inputs;
// an error call returns fails the benchmark.
func eachLoop(b *testing.B, call func(i int) error) {
	for i := 1; b.Loop(); i++ {
		if err := call(i); err != nil {
			b.Fatal(err)
		}
	}
}

func pick(rng *rand.Rand, l ...string) string { return l[rng.IntN(len(l))] }

// benchStore is a Store over a fresh database holding the generated
// policies (PORTAL_BENCH_POLICIES, default 5,000), its index loaded.
func benchStore(b *testing.B) *store.Store {
	n := benchPolicies()
	cat, _ := catalog.Default()
	syn, _ := catalog.Synonyms("")
	ctx := context.Background()
	pool := pgtest.NewPool(b)
	if _, err := postgres.Migrate(ctx, pool); err != nil {
		b.Fatal(err)
	}
	if _, err := benchmark.Portal(ctx, pool, cat, syn, benchmark.PortalOptions{Policies: n, Clients: 1, Requests: 1, Baseline: 0}, func(string) {}); err != nil {
		b.Fatal(err)
	}
	st := &store.Store{Pool: pool, Catalog: cat, Synonyms: syn, Now: func() time.Time { return time.Date(2024, 6, 1, 12, 0, 0, 0, time.UTC) }}
	// Listening, as served: requests do not ask the database for the
	// read model's generation.
	lctx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { defer close(done); st.Listen(lctx) }()
	b.Cleanup(func() { stop(); <-done })
	for deadline := time.Now().Add(time.Minute); !st.Listening(); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			b.Fatal("store not listening after a minute")
		}
	}
	if err := st.Refresh(ctx); err != nil {
		b.Fatal(err)
	}
	return st
}

// benchPolicies is PORTAL_BENCH_POLICIES, default 5,000.
func benchPolicies() int {
	n := 5000
	if s := os.Getenv("PORTAL_BENCH_POLICIES"); s != "" {
		fmt.Sscan(s, &n)
	}
	return n
}

// benchToday is the benchmarks' "today" for reading profiles, fixed so that
// a run means the same on any date.
var benchToday = time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)

// BenchmarkPolicyPage measures the policy page through the JSON API, as
// govpulse bench times it: every generated policy in turn (more than the
// store keeps of anything per policy, so each is a first visit), with
// 8 concurrent clients as there.
func BenchmarkPolicyPage(b *testing.B) {
	ctx := context.Background()
	st := benchStore(b)
	h := (&api.Handler{Reader: st, Now: st.Now}).Routes()
	var paths []string
	for _, id := range benchmark.PolicyEvents("bench", benchPolicies(), 1).IDs {
		paths = append(paths, "/api/v1/policies/"+id)
	}
	b.Run("api-8-clients", func(b *testing.B) { benchClients(b, h, paths) })
	// The floor: the same answers, prerecorded, through the same clients;
	// what the machine's load alone puts in the p99.
	bodies := map[string][]byte{}
	for _, p := range paths {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequestWithContext(ctx, http.MethodGet, p, nil))
		bodies[p] = rec.Body.Bytes()
	}
	floor := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write(bodies[r.URL.Path]) })
	b.Run("floor-8-clients", func(b *testing.B) { benchClients(b, floor, paths) })
}

// benchClients has 8 clients call h with paths in turn, as govpulse
// bench's clients do, and reports each request's p50 and p99.
func benchClients(b *testing.B, h http.Handler, paths []string) {
	ctx := context.Background()
	b.SetParallelism(8 / runtime.GOMAXPROCS(0))
	var next atomic.Int64
	var mu sync.Mutex
	var all []time.Duration
	b.RunParallel(func(pb *testing.PB) {
		var mine []time.Duration
		for pb.Next() {
			rec := httptest.NewRecorder()
			req := httptest.NewRequestWithContext(ctx, http.MethodGet, paths[next.Add(1)%int64(len(paths))], nil)
			t0 := time.Now()
			h.ServeHTTP(rec, req)
			mine = append(mine, time.Since(t0))
			if rec.Code != http.StatusOK {
				b.Fatalf("%d %s", rec.Code, rec.Body)
			}
			runtime.Gosched() // as govpulse bench's clients, waiting for the answer
		}
		mu.Lock()
		all = append(all, mine...)
		mu.Unlock()
	})
	// The request's own time, as govpulse bench reports it.
	slices.Sort(all)
	b.ReportMetric(float64(all[len(all)/2])/1e3, "p50-µs")
	b.ReportMetric(float64(all[len(all)*99/100])/1e3, "p99-µs")
}
