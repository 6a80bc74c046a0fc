package faults

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/govpulse/govpulse/projections"
)

// verifyLoad checks what the load generator saw: no broken promise in any
// answer, and every event answered 200.
func verifyLoad(t testing.TB, evs []genEvent, rep loadReport) {
	t.Helper()
	t.Logf("load: %d requests (%d retried after a failure, %d sent again on purpose), %d without an answer, statuses %v",
		rep.Requests, rep.Retried, rep.Resent, rep.Transport, rep.Statuses)
	for _, p := range rep.Problems {
		t.Errorf("load: %s", p)
	}
	missing := 0
	for i := range evs {
		if _, ok := rep.Seq[evs[i].key()]; !ok {
			missing++
		}
	}
	if missing > 0 {
		t.Fatalf("load: %d of %d events never answered 200", missing, len(evs))
	}
	if rep.NoRetryAfter > 0 {
		t.Errorf("load: %d answers 503/429 without Retry-After", rep.NoRetryAfter)
	}
}

// verifyLog checks that the log holds exactly the events evs, each once,
// at the seq the server answered for it.
func verifyLog(t testing.TB, dbURL string, evs []genEvent, rep loadReport) {
	t.Helper()
	stored, problems := logKeys(t, dbURL)
	for _, p := range problems[:min(len(problems), 20)] {
		t.Errorf("log: %s", p)
	}
	if len(stored) != len(evs) {
		t.Errorf("log holds %d events, the generator sent %d distinct ones", len(stored), len(evs))
	}
	bad := 0
	for i := range evs {
		k := evs[i].key()
		seq, ok := stored[k]
		if !ok || seq != rep.Seq[k] {
			if bad++; bad <= 10 {
				t.Errorf("log: event %s answered 200 with seq %d, stored at %d (present %t)", evs[i].ID, rep.Seq[k], seq, ok)
			}
		}
		delete(stored, k)
	}
	if bad > 10 {
		t.Errorf("log: %d events in all not where the answer said", bad)
	}
	for k := range stored {
		t.Errorf("log: event %q was never sent", strings.ReplaceAll(k, "\x00", "/"))
		break
	}
	if !t.Failed() {
		t.Logf("log: %d events, each once, at the seq its answer gave", len(evs))
	}
}

// waitFigures waits until the read models and the tally equal the
// generator's figures, the consumers having caught up, and fails the test
// on a deadline or on a count past the expected one (counted twice).
func waitFigures(t testing.TB, dbURL string, a *api, want figures, timeout time.Duration) {
	t.Helper()
	start := time.Now()
	want.Targets = nil // waited for separately: they read the read models
	var lastDiff []string
	waitFor(t, "read models and tally equal the generator's figures", timeout, func() error {
		got := readModels(t, dbURL)
		got.Tally = a.tally()
		lastDiff = figureDiff(want, got, 10)
		for _, d := range lastDiff {
			if strings.Contains(d, "unexpected row") {
				t.Fatalf("read model has a row the generator never made: %s", d)
			}
		}
		if over := overCounted(want, got); over != "" {
			t.Fatalf("counted twice: %s", over)
		}
		if len(lastDiff) > 0 {
			return fmt.Errorf("%d differences, first: %s", len(lastDiff), lastDiff[0])
		}
		return nil
	})
	t.Logf("read models and tally caught up %s after the load", time.Since(start).Round(time.Millisecond))
}

// figureDiff lists the differences between two sets of figures.
func figureDiff(want, got figures, max int) []string {
	var out []string
	out = append(out, diff("case_stats", want.Cases, got.Cases, max)...)
	out = append(out, diff("license_stats", want.Licenses, got.Licenses, max)...)
	out = append(out, diff("lawsuit_stats", want.Lawsuits, got.Lawsuits, max)...)
	if want.Tally != nil {
		out = append(out, diffCounts("tally", want.Tally, got.Tally, max)...)
	}
	if want.Targets != nil {
		out = append(out, diff("target", want.Targets, got.Targets, max)...)
	}
	return out
}

// overCounted names a read-model row or tally count that exceeds the
// expected one in its first measure: an event applied twice. Rows still
// catching up are below.
func overCounted(want, got figures) string {
	for _, m := range []struct {
		name      string
		want, got map[string]string
	}{{"case_stats", want.Cases, got.Cases}, {"license_stats", want.Licenses, got.Licenses}, {"lawsuit_stats", want.Lawsuits, got.Lawsuits}} {
		for k, g := range m.got {
			var gn, wn int64
			fmt.Sscan(strings.SplitN(g, "|", 2)[0], &gn)
			fmt.Sscan(strings.SplitN(m.want[k], "|", 2)[0], &wn)
			if gn > wn {
				return fmt.Sprintf("%s %s counts %d events, the generator made %d", m.name, k, gn, wn)
			}
		}
	}
	for k, g := range got.Tally {
		if g > want.Tally[k] {
			return fmt.Sprintf("tally %s counts %d, the generator stored %d", k, g, want.Tally[k])
		}
	}
	return ""
}

// verifyServed waits up to within until the first of apis serves the
// figures want, checks that they have settled there, then checks every
// instance's metrics against evs: what every fault test asks of the
// instances once the load is stored.
func verifyServed(t testing.TB, d *deployment, dbURL string, evs []genEvent, want figures, within time.Duration, apis ...*api) {
	t.Helper()
	waitFigures(t, dbURL, apis[0], want, within)
	verifySettled(t, d, apis[0], want)
	verifyMetrics(t, evs, apis...)
}

// verifySettled checks, once the figures were equal, that nothing moves
// after a moment (a redelivered batch applied again would), that the
// poison queue is empty, that the targets are exact, and that a rebuild
// from the log gives the same read models.
func verifySettled(t testing.TB, d *deployment, a *api, want figures) {
	t.Helper()
	time.Sleep(time.Second)
	got := readModels(t, d.env["GOVPULSE_DATABASE_URL"])
	got.Tally = a.tally()
	models := want
	models.Targets = nil
	for _, x := range figureDiff(models, got, 10) {
		t.Errorf("after settling: %s", x)
	}
	verifyTotals(t, d.env["GOVPULSE_DATABASE_URL"], "after settling")
	verifyPoisonEmpty(t, a)
	gotTargets := a.targets()
	for _, x := range diff("target", want.Targets, gotTargets, 10) {
		t.Errorf("%s", x)
	}
	verifyRebuild(t, d, want)
}

// verifyTotals checks that each read model's totals table (what /metrics
// reads) equals the read model summed by the totals' keys: kept exactly
// once with it through every crash and redelivery.
func verifyTotals(t testing.TB, dbURL, when string) {
	t.Helper()
	ctx, c, done := connect(t, dbURL)
	defer done()
	for _, table := range []*projections.Table{projections.CaseStats.Table(), projections.LicenseStats.Table(), projections.PortalViews.Table()} {
		totals, summed := table.Totals.Name, table.TotalsQuery()
		var differ, rows int
		if err := c.QueryRow(ctx, fmt.Sprintf(`SELECT (SELECT count(*) FROM ((TABLE %s EXCEPT %s) UNION ALL (%s EXCEPT TABLE %s)) d),
			(SELECT count(*) FROM %s)`, totals, summed, summed, totals, totals)).Scan(&differ, &rows); err != nil {
			t.Fatalf("%s: %v", totals, err)
		}
		if differ > 0 {
			t.Errorf("%s: %s differs from %s summed by its keys in %d rows (it holds %d)", when, totals, table.Name, differ, rows)
		}
	}
}

// verifyPoisonEmpty checks that no batch waits in the poison queue.
func verifyPoisonEmpty(t testing.TB, a *api) {
	t.Helper()
	var p struct {
		Count    int               `json:"count"`
		Messages []json.RawMessage `json:"messages"`
	}
	a.get("/v1/admin/poison", adminToken, &p)
	if p.Count != 0 {
		t.Errorf("poison queue holds %d batches, want none: %s", p.Count, p.Messages[0])
	}
}

// verifyRebuild runs `govpulse rebuild all` and checks that the rebuilt
// read models equal the live ones before it and the generator's figures.
func verifyRebuild(t testing.TB, d *deployment, want figures) {
	t.Helper()
	dbURL := d.env["GOVPULSE_DATABASE_URL"]
	before := readModels(t, dbURL)
	start := time.Now()
	out := d.runGovpulse(3*time.Minute, nil, "rebuild", "--quiet", "all")
	after := readModels(t, dbURL)
	for _, x := range figureDiff(before, after, 10) {
		t.Errorf("rebuild differs from the live read model: %s", x)
	}
	for _, x := range figureDiff(figures{Cases: want.Cases, Licenses: want.Licenses, Lawsuits: want.Lawsuits}, after, 10) {
		t.Errorf("rebuild differs from the generator: %s", x)
	}
	verifyTotals(t, dbURL, "after the rebuild")
	t.Logf("rebuild from the log (%s) equals the live read models and the generator's figures:\n%s",
		time.Since(start).Round(time.Millisecond), strings.TrimSpace(out))
}

// verifyMetrics waits until every instance's /metrics shows the
// generator's case counts (the domain collector caches for 10s), then
// checks that all instances serve the same domain values.
func verifyMetrics(t testing.TB, evs []genEvent, apis ...*api) {
	t.Helper()
	want := expectedCasesFinished(evs)
	for _, a := range apis {
		waitFor(t, a.url+" /metrics cases finished", 30*time.Second, func() error {
			got := a.metrics("govpulse_cases_finished_total")
			if !maps.Equal(got, want) {
				return fmt.Errorf("%d series, want %d", len(got), len(want))
			}
			return nil
		})
	}
	if len(apis) < 2 {
		return
	}
	// Target gauges come from each instance's own periodic evaluation (a
	// started instance has them after its first): wait until all agree.
	var first map[string]float64
	waitFor(t, "every instance serving the same domain metrics", 30*time.Second, func() error {
		first = apis[0].metrics(domainMetricPrefixes...)
		for _, a := range apis[1:] {
			got := a.metrics(domainMetricPrefixes...)
			if maps.Equal(got, first) {
				continue
			}
			for _, k := range slices.Sorted(maps.Keys(first)) {
				if v, ok := got[k]; !ok || v != first[k] {
					return fmt.Errorf("%s serves %s %v, %s serves %v (present %t); %d and %d samples", apis[0].url, k, first[k], a.url, v, ok, len(first), len(got))
				}
			}
			return fmt.Errorf("%s serves %d samples, %s %d", apis[0].url, len(first), a.url, len(got))
		}
		return nil
	})
	t.Logf("%d instances serve the same %d domain samples", len(apis), len(first))
}

// verifySameStats checks that every instance answers the stats API and the
// targets alike, byte for byte.
func verifySameStats(t testing.TB, apis ...*api) {
	t.Helper()
	paths := []string{
		"/v1/stats/cases?group_by=department,channel",
		"/v1/stats/licenses?group_by=license_type",
		"/v1/stats/lawsuits?group_by=agency",
		"/v1/targets?at=" + targetsAt,
	}
	for _, p := range paths {
		first := apis[0].get(p, "", nil)
		for _, a := range apis[1:] {
			if got := a.get(p, "", nil); string(got) != string(first) {
				t.Errorf("GET %s differs between %s and %s:\n%.300s\n%.300s", p, apis[0].url, a.url, first, got)
			}
		}
	}
}
