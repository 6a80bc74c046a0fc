package main

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/govpulse/govpulse/internal/promtest"
	"github.com/govpulse/govpulse/projections"
)

// projectionsReply is GET /v1/projections.
type projectionsReply struct {
	Projections []struct {
		Name           string  `json:"name"`
		AppliedBatches int64   `json:"applied_batches"`
		LastAppliedSeq int64   `json:"last_applied_seq"`
		LagEvents      int64   `json:"lag_events"`
		LagSeconds     float64 `json:"lag_seconds"`
		Rebuildable    bool    `json:"rebuildable"`
	} `json:"projections"`
}

// waitProjections waits until every consumer has applied the whole log.
func (s *testServer) waitProjections() projectionsReply {
	s.t.Helper()
	deadline := time.Now().Add(applyWait)
	for {
		r := s.getOK("/v1/projections", "")
		var p projectionsReply
		decodeInto(s.t, r, &p)
		// The ingest tally, the policies and every read model.
		behind := len(p.Projections) != 2+len(projections.ReadModels(nil, nil))
		for _, x := range p.Projections {
			behind = behind || x.LagEvents > 0
		}
		if !behind {
			return p
		}
		if time.Now().After(deadline) {
			s.t.Fatalf("projections not caught up after %s: %s", applyWait, r.Body)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestServeReadModels: events sent over HTTP reach the read models through
// the bus, the stats API and /metrics show them, and `govpulse rebuild`
// swaps in equal tables while the server runs.
func TestServeReadModels(t *testing.T) {
	s := startServer(t)
	var batch []testEvent
	for i := range 6 {
		c := caseFinished(t, hubSource, fmt.Sprint("case-", i))
		c.data()["finished_at"] = fmt.Sprintf("2024-03-0%dT16:30:00+08:00", 1+i%3)
		batch = append(batch, c)
	}
	batch = append(batch, licenseIssued(t, hubSource, "licence-1"), lawsuitAppearance(t, hubSource, "hearing-1"))
	s.ingest(hubToken, batch...)
	p := s.waitProjections()
	for _, x := range p.Projections {
		if x.LastAppliedSeq != 8 || x.AppliedBatches != 1 || x.LagSeconds != 0 {
			t.Errorf("projection %+v: want 1 batch applied up to seq 8, no lag", x)
		}
		if x.Rebuildable != (x.Name != "ingest_tally") {
			t.Errorf("projection %s: rebuildable = %t", x.Name, x.Rebuildable)
		}
	}

	stats := func() string {
		r := s.getOK("/v1/stats/cases?from=2024-03-01&to=2024-03-31&group_by=day", "")
		return string(r.Body)
	}
	before := stats()
	for _, day := range []string{`"day":"2024-03-01"},"finished":2`, `"day":"2024-03-02"},"finished":2`, `"day":"2024-03-03"},"finished":2`} {
		if !strings.Contains(before, day) {
			t.Errorf("case stats lack %s: %s", day, before)
		}
	}
	if r := s.get("/v1/stats/licenses?group_by=license_type", ""); r.Status != http.StatusOK || !strings.Contains(string(r.Body), `"issued":1`) {
		t.Errorf("licence stats: %s", r)
	}
	if r := s.get("/v1/stats/lawsuits?group_by=agency", ""); r.Status != http.StatusOK || !strings.Contains(string(r.Body), `"hearings":1`) {
		t.Errorf("lawsuit stats: %s", r)
	}
	for _, name := range []string{"govpulse_projection_lag_events", "govpulse_projection_lag_seconds"} {
		got := s.metricSamples(name)
		for _, proj := range []string{"ingest_tally", "case_stats", "license_stats", "lawsuit_stats"} {
			if v, ok := got[promtest.Labels("projection", proj)]; !ok || v != 0 {
				t.Errorf("%s{projection=%q} = %v (present %t), want 0", name, proj, v, ok)
			}
		}
	}
	if got := s.metricSamples("govpulse_projection_unknown_workingdays_events"); len(got) != 2 {
		t.Errorf("govpulse_projection_unknown_workingdays_events: %v, want case_stats and license_stats", got)
	}

	var stdout, stderr bytes.Buffer
	env := func(k string) string { return map[string]string{"GOVPULSE_DATABASE_URL": s.DBURL}[k] }
	if err := run(context.Background(), []string{"rebuild"}, env, &stdout, &stderr); err != nil {
		t.Fatalf("govpulse rebuild: %v\n%s", err, stderr.String())
	}
	for _, name := range []string{"case_stats", "license_stats", "lawsuit_stats"} {
		if !strings.Contains(stdout.String(), "rebuilt "+name+": 1 batches, 8 events in the log") {
			t.Errorf("rebuild output lacks %s: %s", name, stdout.String())
		}
	}
	if !strings.Contains(stderr.String(), "case_stats") {
		t.Errorf("no progress bar on stderr: %q", stderr.String())
	}
	if after := stats(); after != before {
		t.Errorf("case stats after rebuild:\n%s\nwant\n%s", after, before)
	}
	// The live consumer keeps applying to the swapped-in table.
	s.ingest(hubToken, caseFinished(t, hubSource, "case-after"))
	s.waitProjections()
	if r := s.get("/v1/stats/cases?from=2024-03-01&to=2024-03-01", ""); !strings.Contains(string(r.Body), `"finished":3`) {
		t.Errorf("after one more case on 03-01: %s", r)
	}

	stdout.Reset()
	err := run(context.Background(), []string{"rebuild", "--quiet", "cases"}, env, &stdout, &stderr)
	if err == nil || !strings.Contains(err.Error(), "case_stats") {
		t.Errorf("rebuild of an unknown model: %v, want an error listing the models", err)
	}
	if err := run(context.Background(), []string{"rebuild", "--quiet", "lawsuit_stats"}, env, &stdout, &stderr); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(stdout.String(), "rebuilt lawsuit_stats") || strings.Contains(stdout.String(), "case_stats") {
		t.Errorf("rebuild lawsuit_stats printed %q", stdout.String())
	}
}
