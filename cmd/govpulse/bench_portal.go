package main

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/govpulse/govpulse/benchmark"
	"github.com/govpulse/govpulse/catalog"
)

// portalStep measures the portal (issue 9): o.portal.Policies generated
// policies in the log and the policies read model, then search, the
// policy page and match through the JSON API with o.portal.Clients
// concurrent clients (server time, in process), beside the same query
// texts as ILIKE '%…%' over title and body in the same run.
func portalStep(o *benchOptions) benchmark.Step {
	return benchmark.Step{
		Name: "portal",
		Title: fmt.Sprintf("Portal: search, policy page and match with %d policies and %d clients, beside ILIKE over title and body",
			o.portal.Policies, o.portal.Clients),
		Run: func(ctx context.Context, r *benchmark.Run) error {
			cat, err := catalog.Default()
			if err != nil {
				return err
			}
			syn, err := catalog.Synonyms("")
			if err != nil {
				return err
			}
			for run := 1; run <= o.portalRuns; run++ {
				var rep benchmark.PortalReport
				err := withScratchPool(ctx, o, openMigrated, func(pool *pgxpool.Pool) error {
					var err error
					rep, err = benchmark.Portal(ctx, pool, cat, syn, o.portal, func(s string) { r.Printf("portal: %s", s) })
					return err
				})
				if err != nil {
					return fmt.Errorf("portal: %w", err)
				}
				ms := func(d time.Duration) []float64 { return []float64{float64(d) / float64(time.Millisecond)} }
				clients := fmt.Sprintf("%d clients, %d requests", o.portal.Clients, rep.Search.N)
				r.Add(
					benchmark.Figure{ID: "portal_search_p99", Unit: "ms", Runs: ms(rep.Search.P99), Baseline: "portal_ilike_p99",
						Name: "search p99 (" + clients + "; after a cold pass, so every query is cached), server time through the JSON API"},
					benchmark.Figure{ID: "portal_search_p50", Unit: "ms", Runs: ms(rep.Search.P50), Baseline: "portal_ilike_p50", Name: "search p50, same requests"},
					benchmark.Figure{ID: "portal_search_cold_p99", Unit: "ms", Runs: ms(rep.SearchCold.P99),
						Name: fmt.Sprintf("search p99 with empty caches: each of the %d distinct searches once, one client", rep.SearchCold.N)},
					benchmark.Figure{ID: "portal_search_cold_p50", Unit: "ms", Runs: ms(rep.SearchCold.P50), Name: "search p50 with empty caches, same requests"},
					benchmark.Figure{ID: "portal_page_p99", Unit: "ms", Runs: ms(rep.Policy.P99), Name: "policy page p99 (" + clients + ", 500 random policies)"},
					benchmark.Figure{ID: "portal_page_p50", Unit: "ms", Runs: ms(rep.Policy.P50), Name: "policy page p50, same requests"},
					benchmark.Figure{ID: "portal_match_p99", Unit: "ms", Runs: ms(rep.Match.P99), Name: "match p99 (" + clients + ", 500 random profiles)"},
					benchmark.Figure{ID: "portal_match_p50", Unit: "ms", Runs: ms(rep.Match.P50), Name: "match p50, same requests"},
					benchmark.Figure{ID: "portal_ilike_p99", Unit: "ms", Runs: ms(rep.Baseline.P99),
						Name: fmt.Sprintf("baseline: the same %d query texts as ILIKE '%%…%%' over title and body (first page by recency and the total), %d clients, %d requests, p99",
							rep.BaselineQueries, o.portal.Clients, rep.Baseline.N)},
					benchmark.Figure{ID: "portal_ilike_p50", Unit: "ms", Runs: ms(rep.Baseline.P50), Name: "baseline p50, same requests"},
					benchmark.Figure{ID: "portal_fold", Unit: "s", Runs: []float64{rep.Rebuild.Seconds()},
						Name: fmt.Sprintf("folding %d policies (%d events) into the read model (govpulse rebuild policies)", rep.Policies, rep.Events)},
				)
				r.Printf("run %d/%d: search p50 %.2fms p99 %.2fms, page p99 %.2fms, match p99 %.2fms, ILIKE p50 %.0fms",
					run, o.portalRuns, ms(rep.Search.P50)[0], ms(rep.Search.P99)[0], ms(rep.Policy.P99)[0], ms(rep.Match.P99)[0], ms(rep.Baseline.P50)[0])
			}
			r.Note("Server time is the JSON API handler's, called in process (no network; each client yields between requests, as a network client waits for its answer), with the store listening for the read model's changes. " +
				"Each run loads its own database, so --portal-runs (default 1) bounds the step's length.")
			return nil
		},
	}
}
