package benchmark

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/govpulse/govpulse/events"
	"github.com/govpulse/govpulse/portal/api"
	"github.com/govpulse/govpulse/portal/search"
	"github.com/govpulse/govpulse/portal/store"
	"github.com/govpulse/govpulse/postgres"
	"github.com/govpulse/govpulse/projections"
)

// PortalOptions size the portal benchmark.
type PortalOptions struct {
	Policies int // generated policies
	Clients  int // concurrent clients
	Requests int // requests per client per measurement (the baseline makes fewer)
	Baseline int // baseline requests per client
}

// Latencies summarise one measurement's request times (server time: the
// handler's, in process, JSON included).
type Latencies struct {
	Name          string
	N             int
	P50, P99, Max time.Duration
}

func (l Latencies) String() string {
	return fmt.Sprintf("%s: n=%d p50=%s p99=%s max=%s", l.Name, l.N, ms(l.P50), ms(l.P99), ms(l.Max))
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2fms", float64(d)/float64(time.Millisecond)) }

func summarise(name string, ds []time.Duration) Latencies {
	slices.Sort(ds)
	l := Latencies{Name: name, N: len(ds)}
	if len(ds) == 0 {
		return l
	}
	at := func(p float64) time.Duration { return ds[min(len(ds)-1, int(p*float64(len(ds))))] }
	l.P50, l.P99, l.Max = at(0.50), at(0.99), ds[len(ds)-1]
	return l
}

// PortalReport is what the portal benchmark measured.
type PortalReport struct {
	Policies, Events int
	Append, Rebuild  time.Duration // loading the log, folding it into the read model
	IndexLoad        time.Duration // the store's first in-memory index
	SearchCold       Latencies     // every distinct search once, one client, empty cache
	Search           Latencies
	Policy           Latencies
	Match            Latencies
	Baseline         Latencies // ILIKE '%…%' over title and body, the same queries
	BaselineQueries  int
}

// Portal loads o.Policies generated policies into the database of pool
// (migrated, empty) and measures search, the policy page and match
// through the JSON API with o.Clients concurrent clients, beside the
// same searches as ILIKE over title and body.
func Portal(ctx context.Context, pool *pgxpool.Pool, cat *events.Catalog, syn *search.Synonyms, o PortalOptions, progress func(string)) (PortalReport, error) {
	var rep PortalReport
	gen := PolicyEvents("bench", o.Policies, 1)
	rep.Policies, rep.Events = len(gen.IDs), len(gen.Events)
	v := &events.Validator{Catalog: cat, Now: func() time.Time { return time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC) }}
	es := &postgres.EventStore{Pool: pool}
	start := time.Now()
	for i := 0; i < len(gen.Events); i += 1000 {
		var news []postgres.NewEvent
		for _, raw := range gen.Events[i:min(i+1000, len(gen.Events))] {
			envs, err := events.DecodeRequest(raw, events.ContentTypeSingle)
			if err != nil {
				return rep, err
			}
			ev, ps := v.Validate(0, &envs[0])
			if len(ps) > 0 {
				return rep, fmt.Errorf("generated policy event %s: %+v", envs[0].ID, ps)
			}
			news = append(news, postgres.NewEvent{Envelope: envs[0], Department: ev.Department()})
		}
		if _, err := es.Append(ctx, "bench", news); err != nil {
			return rep, err
		}
	}
	rep.Append = time.Since(start)
	progress(fmt.Sprintf("appended %d events in %s", rep.Events, rep.Append.Round(time.Millisecond)))
	start = time.Now()
	if _, err := (&projections.Policies{Catalog: cat}).Rebuild(ctx, pool); err != nil {
		return rep, err
	}
	rep.Rebuild = time.Since(start)
	progress(fmt.Sprintf("folded %d policies in %s", rep.Policies, rep.Rebuild.Round(time.Millisecond)))
	if _, err := pool.Exec(ctx, `CREATE TABLE bench_policy_text AS SELECT policy_id, title, current ->> 'body' AS body, published_at FROM policies`); err != nil {
		return rep, err
	}
	if _, err := pool.Exec(ctx, `ANALYZE`); err != nil {
		return rep, err
	}

	st := &store.Store{Pool: pool, Catalog: cat, Synonyms: syn, Now: func() time.Time { return time.Date(2024, 6, 1, 12, 0, 0, 0, time.UTC) }}
	lctx, stop := context.WithCancel(ctx)
	listened := make(chan struct{})
	go func() { defer close(listened); st.Listen(lctx) }()
	defer func() { stop(); <-listened }()
	for deadline := time.Now().Add(time.Minute); !st.Listening(); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			return rep, fmt.Errorf("portal store not listening after a minute")
		}
	}
	start = time.Now()
	if err := st.Refresh(ctx); err != nil {
		return rep, err
	}
	rep.IndexLoad = time.Since(start)
	h := (&api.Handler{Reader: st, Now: st.Now}).Routes()
	serve := func(path string) (time.Duration, error) {
		req := httptest.NewRequestWithContext(ctx, http.MethodGet, path, nil)
		rec := httptest.NewRecorder()
		t0 := time.Now()
		h.ServeHTTP(rec, req)
		d := time.Since(t0)
		if rec.Code != http.StatusOK {
			return d, fmt.Errorf("GET %s: %d %s", path, rec.Code, rec.Body.String())
		}
		return d, nil
	}

	searches, texts := portalSearches(gen)
	var cold []time.Duration
	for _, p := range searches {
		d, err := serve(p)
		if err != nil {
			return rep, err
		}
		cold = append(cold, d)
	}
	rep.SearchCold = summarise("search, each distinct query once, cold cache (1 client)", cold)
	progress(rep.SearchCold.String())

	rng := rand.New(rand.NewPCG(2, 3))
	var pages, matches []string
	for range 500 {
		pages = append(pages, "/api/v1/policies/"+gen.IDs[rng.IntN(len(gen.IDs))])
		q := url.Values{"size": {policySizes[rng.IntN(len(policySizes))]}, "industry": {policyIndustries[rng.IntN(len(policyIndustries))]},
			"founded": {fmt.Sprint(2005 + rng.IntN(19))}}
		if rng.IntN(2) == 0 {
			q.Set("district", policyDistricts[rng.IntN(len(policyDistricts))])
		}
		if rng.IntN(3) == 0 {
			q.Set("qualifications", "high-tech")
		}
		matches = append(matches, "/api/v1/match?"+q.Encode())
	}
	run := func(name string, paths []string, perClient int) (Latencies, error) {
		var mu sync.Mutex
		var all []time.Duration
		var firstErr error
		var wg sync.WaitGroup
		for c := range o.Clients {
			wg.Add(1)
			go func() {
				defer wg.Done()
				var mine []time.Duration
				for i := range perClient {
					d, err := serve(paths[(c*7919+i)%len(paths)])
					if err != nil {
						mu.Lock()
						firstErr = err
						mu.Unlock()
						return
					}
					mine = append(mine, d)
					// Between requests a client waits for its answer, as over
					// a network: without it the 8 clients never block, the
					// scheduler switches them only every 10 ms, and a request
					// cut there is timed with other clients' requests in it.
					runtime.Gosched()
				}
				mu.Lock()
				all = append(all, mine...)
				mu.Unlock()
			}()
		}
		wg.Wait()
		l := summarise(name, all)
		progress(l.String())
		return l, firstErr
	}
	var err error
	if rep.Search, err = run(fmt.Sprintf("search, %d clients", o.Clients), searches, o.Requests); err != nil {
		return rep, err
	}
	if rep.Policy, err = run(fmt.Sprintf("policy page, %d clients", o.Clients), pages, o.Requests); err != nil {
		return rep, err
	}
	if rep.Match, err = run(fmt.Sprintf("match, %d clients", o.Clients), matches, o.Requests); err != nil {
		return rep, err
	}

	// The baseline: the same query texts as ILIKE over title and body,
	// the first page by recency and the total.
	var mu sync.Mutex
	var base []time.Duration
	var wg sync.WaitGroup
	var firstErr error
	rep.BaselineQueries = len(texts)
	for c := range o.Clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range o.Baseline {
				q := texts[(c*31+i)%len(texts)]
				var conds []string
				var args []any
				for _, r := range search.Runs(q) {
					args = append(args, "%"+r.Text+"%")
					conds = append(conds, fmt.Sprintf("(title ILIKE $%d OR body ILIKE $%d)", len(args), len(args)))
				}
				t0 := time.Now()
				rows, err := pool.Query(ctx, `SELECT policy_id, count(*) OVER () FROM bench_policy_text WHERE `+strings.Join(conds, " AND ")+
					` ORDER BY published_at DESC LIMIT 10`, args...)
				if err == nil {
					for rows.Next() {
					}
					rows.Close()
					err = rows.Err()
				}
				d := time.Since(t0)
				mu.Lock()
				if err != nil && firstErr == nil {
					firstErr = err
				}
				base = append(base, d)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	rep.Baseline = summarise(fmt.Sprintf("baseline ILIKE '%%…%%' over title and body, %d clients", o.Clients), base)
	progress(rep.Baseline.String())
	return rep, firstErr
}

// portalSearches are the benchmark's searches (paths) and their query
// texts for the baseline: subjects, one-character and synonym queries,
// 文号 in several punctuations, and queries with filters.
func portalSearches(gen GeneratedPolicies) (paths, texts []string) {
	add := func(v url.Values) {
		paths = append(paths, "/api/v1/search?"+v.Encode())
		if q := v.Get("q"); q != "" && !slices.Contains(texts, q) {
			texts = append(texts, q)
		}
	}
	for _, th := range policyThemes {
		for _, s := range th.subjects {
			add(url.Values{"q": {s}})
		}
		add(url.Values{"q": {th.subjects[0]}, "category": {th.category}, "validity": {"in_force"}})
		add(url.Values{"q": {th.subjects[1]}, "district": {"shinan"}, "page": {"2"}})
		add(url.Values{"category": {th.category}})
	}
	for _, q := range []string{"税", "补", "企业", "社保", "开公司", "减税", "贷款", "通电", "专利", "小微企业减税", "外贸 补贴"} {
		add(url.Values{"q": {q}})
	}
	for i, d := range gen.DocNumbers[:min(10, len(gen.DocNumbers))] {
		if i%2 == 1 {
			d = strings.NewReplacer("〔", "[", "〕", "]").Replace(d)
		}
		add(url.Values{"q": {d}})
	}
	return paths, texts
}
