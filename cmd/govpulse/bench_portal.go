package main

import (
	"context"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/govpulse/govpulse/benchmark"
	"github.com/govpulse/govpulse/catalog"
	"github.com/govpulse/govpulse/postgres"
)

// Bars of the portal benchmark (server time, p99).
const (
	barSearchP99 = 20 * time.Millisecond
	barPolicyP99 = 10 * time.Millisecond
	barMatchP99  = 20 * time.Millisecond
)

// benchPortal measures the portal on a scratch database of generated
// policies and prints medians, p99 and the ratio to the ILIKE baseline.
func benchPortal(ctx context.Context, o benchOptions, stdout, stderr io.Writer) error {
	cat, err := catalog.Default()
	if err != nil {
		return err
	}
	syn, err := catalog.Synonyms("")
	if err != nil {
		return err
	}
	return withScratchDB(ctx, o.serverURL, func(url string) error {
		pool, err := postgres.Open(ctx, url)
		if err != nil {
			return err
		}
		defer pool.Close()
		if _, err := postgres.Migrate(ctx, pool); err != nil {
			return err
		}
		rep, err := benchmark.Portal(ctx, pool, cat, syn, o.portalOpts, func(s string) { fmt.Fprintln(stderr, "portal:", s) })
		if err != nil {
			return fmt.Errorf("bench portal: %w", err)
		}
		fmt.Fprintf(stdout, "portal: %d policies (%d events): log %s, read model %s, in-memory index %s\n",
			rep.Policies, rep.Events, rep.Append.Round(time.Millisecond), rep.Rebuild.Round(time.Millisecond), rep.IndexLoad.Round(time.Millisecond))
		tw := tabwriter.NewWriter(stdout, 2, 4, 2, ' ', 0)
		fmt.Fprintf(tw, "measurement (server time)\trequests\tp50\tp99\tmax\tbar\n")
		row := func(l benchmark.Latencies, bar time.Duration) {
			verdict := ""
			if bar > 0 {
				verdict = fmt.Sprintf("p99 < %s: ", bar)
				if l.P99 < bar {
					verdict += "ok"
				} else {
					verdict += "MISSED"
				}
			}
			fmt.Fprintf(tw, "%s\t%d\t%.2fms\t%.2fms\t%.2fms\t%s\n", l.Name, l.N, msf(l.P50), msf(l.P99), msf(l.Max), verdict)
		}
		row(rep.SearchCold, 0)
		row(rep.Search, barSearchP99)
		row(rep.Policy, barPolicyP99)
		row(rep.Match, barMatchP99)
		row(rep.Baseline, 0)
		tw.Flush()
		fmt.Fprintf(stdout, "portal: baseline/search = %.0f× at p50, %.0f× at p99 (%d distinct query texts)\n",
			msf(rep.Baseline.P50)/msf(rep.Search.P50), msf(rep.Baseline.P99)/msf(rep.Search.P99), rep.BaselineQueries)
		return nil
	})
}

func msf(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
