package main

import (
	"context"
	"fmt"
	"time"

	"github.com/govpulse/govpulse/benchmark"
	"github.com/govpulse/govpulse/catalog"
)

// portalStep measures the portal (issue 9) on a scratch database of
// generated policies: search, policy page and match latencies (server
// time, o.portalOpts.Clients clients) beside the same queries as ILIKE
// '%…%' over title and body, in the same run.
func portalStep(o *benchOptions) benchmark.Step {
	return benchmark.Step{
		Name:  "portal",
		Title: "Portal (政策通): search, policy page and match with generated policies, beside an ILIKE baseline",
		Run: func(ctx context.Context, r *benchmark.Run) error {
			cat, err := catalog.Default()
			if err != nil {
				return err
			}
			syn, err := catalog.Synonyms("")
			if err != nil {
				return err
			}
			return withScratchDB(ctx, o, func(db scratchDB) error {
				pool, err := openMigrated(ctx, db.url)
				if err != nil {
					return err
				}
				defer pool.Close()
				rep, err := benchmark.Portal(ctx, pool, cat, syn, o.portalOpts, func(s string) { r.Printf("portal: %s", s) })
				if err != nil {
					return fmt.Errorf("bench portal: %w", err)
				}
				ms := func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
				what := fmt.Sprintf("%d policies, %d clients, server time", rep.Policies, o.portalOpts.Clients)
				r.Add(
					benchmark.Figure{ID: "portal_search_p50", Name: "portal search p50, " + what, Unit: "ms", Runs: []float64{ms(rep.Search.P50)}},
					benchmark.Figure{ID: "portal_search_p99", Name: "portal search p99, " + what, Unit: "ms", Runs: []float64{ms(rep.Search.P99)}, Baseline: "portal_ilike_p99"},
					benchmark.Figure{ID: "portal_page_p99", Name: "portal policy page p99, " + what, Unit: "ms", Runs: []float64{ms(rep.Policy.P99)}},
					benchmark.Figure{ID: "portal_match_p99", Name: "portal match p99, " + what, Unit: "ms", Runs: []float64{ms(rep.Match.P99)}},
					benchmark.Figure{ID: "portal_ilike_p50", Name: "baseline: the same searches as ILIKE '%…%' over title and body, p50", Unit: "ms", Runs: []float64{ms(rep.Baseline.P50)}},
					benchmark.Figure{ID: "portal_ilike_p99", Name: "baseline: the same searches as ILIKE '%…%' over title and body, p99", Unit: "ms", Runs: []float64{ms(rep.Baseline.P99)}},
				)
				r.Note("portal: log %s, read model %s, in-memory index %s; cold search (each distinct query once) p99 %.2f ms; baseline/search %.0f× at p50 (%d distinct query texts)",
					rep.Append.Round(time.Millisecond), rep.Rebuild.Round(time.Millisecond), rep.IndexLoad.Round(time.Millisecond),
					ms(rep.SearchCold.P99), ms(rep.Baseline.P50)/max(ms(rep.Search.P50), 0.001), rep.BaselineQueries)
				return nil
			})
		},
	}
}
