package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/govpulse/govpulse/demo"
	"github.com/govpulse/govpulse/events"
)

// TestServerAnswersTheSeedReportsViews sends the portal's part of the
// demo year at scale 1 (its 320 policies and a year of views) as govpulse
// demo does, and asks the server: /metrics must count the seed report's
// nearly 290,000 views, every one of a policy the policies read model
// holds (no document type "unknown"). Then the portal's own recorder
// (Main.Usage) adds views and searches, which /metrics shows too.
func TestServerAnswersTheSeedReportsViews(t *testing.T) {
	srv := startServer(t, useDemoSources(t))
	var evs []demo.Event
	views := 0
	for _, e := range demoEvents(t, 1) {
		switch e.Data.(type) {
		case events.PolicyViewed:
			views++
		case events.PolicyEvent:
		default:
			continue // the searches are counted below, from the recorder
		}
		evs = append(evs, e)
	}
	if views < 285_000 || views > 290_000 {
		t.Fatalf("the demo year has %d views, want nearly 290,000", views)
	}
	s := &demo.Sender{URL: srv.URL, Tokens: demo.Tokens(func(k string) string { return demoTokens()[k] }), Batch: 2000, Concurrency: 4}
	res, err := s.Send(context.Background(), evs)
	if err != nil {
		t.Fatal(err)
	}
	if res.Accepted != len(evs) {
		t.Fatalf("sent %+v, want %d accepted", res, len(evs))
	}
	sent := time.Now()
	waitApplied(t, srv, 3*time.Minute)
	t.Logf("sent %s; every consumer applied it %s later", res, time.Since(sent).Round(time.Second))

	sum := func(name string) (total float64, unknown float64) {
		for labels, v := range srv.metricSamples(name) {
			total += v
			if strings.Contains(labels, `document_type="unknown"`) {
				unknown += v
			}
		}
		return total, unknown
	}
	// The collector caches the read models for 10 s: wait for a fresh read.
	waitForCondition(t, "govpulse_portal_views_total to count the demo's views", 30*time.Second, func() bool {
		got, _ := sum("govpulse_portal_views_total")
		return got == float64(views)
	})
	got, unknown := sum("govpulse_portal_views_total")
	t.Logf("/metrics: %.0f portal views (the seed report: nearly 290,000)", got)
	if unknown != 0 {
		t.Errorf("%.0f views are of policies the policies read model does not hold", unknown)
	}
	byCategory, _ := sum("govpulse_portal_category_views_total")
	if byCategory < float64(views) {
		t.Errorf("views by category sum to %.0f, fewer than the %d views (every policy has a category)", byCategory, views)
	}

	// The portal's own recorder, off the request path, into the same log.
	policy := evs[0].Data.(events.PolicyEvent)
	id, _ := policy.PolicyRef()
	for range 3 {
		srv.Main.Usage().View(id, events.OriginFeed)
	}
	srv.Main.Usage().Search("开办 企业", 0)
	srv.Main.Usage().Search("社保", 12)
	waitForCondition(t, "the recorded views on /metrics", 60*time.Second, func() bool {
		got, _ := sum("govpulse_portal_views_total")
		return got == float64(views+3)
	})
	if got, _ := sum("govpulse_portal_searches_total"); got != 2 {
		t.Errorf("govpulse_portal_searches_total = %.0f after two recorded searches, want 2", got)
	}
	if got, _ := sum("govpulse_portal_zero_result_searches_total"); got != 1 {
		t.Errorf("govpulse_portal_zero_result_searches_total = %.0f after one recorded zero-result search, want 1", got)
	}
}

// waitForUsage waits until the portal's recorder has appended what it was
// given: its buffer empties within a second, so the log then holds it.
func (s *testServer) waitForUsage() {
	s.t.Helper()
	waitForCondition(s.t, "the recorded portal usage in the log", 30*time.Second, func() bool {
		var n float64
		for _, v := range s.metricSamples("govpulse_portal_usage_recorded_total") {
			n += v
		}
		return n > 0
	})
}
