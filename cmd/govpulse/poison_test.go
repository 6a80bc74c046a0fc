package main

import (
	"context"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"testing"

	"github.com/govpulse/govpulse/config"
	"github.com/govpulse/govpulse/internal/bustest"
	"github.com/govpulse/govpulse/internal/catalogtest"
	"github.com/govpulse/govpulse/internal/natstest"
	"github.com/govpulse/govpulse/internal/pgtest"
)

// retiredItem is an item the catalogue had when a case for it was stored,
// and then lost.
const retiredItem = "e2e_retired_permit"

// catalogueWithRetiredItem writes the shipped catalogue plus retiredItem
// and returns the file's path.
func catalogueWithRetiredItem(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "catalog.yaml")
	writeTestFile(t, path, catalogtest.WithItem(t, retiredItem))
	return path
}

// TestServePoisonedBatchRetriedThenReplayed runs the poison path end to
// end through serve, on both buses: a case stored while its item was in
// the catalogue reaches a case_stats running on a catalogue without it;
// the batch is retried with the default backoff while later batches keep
// flowing, then poisoned with its reason and shown on /metrics; a replay
// is refused until the operator restores the item and restarts, then
// applies the batch exactly once.
func TestServePoisonedBatchRetriedThenReplayed(t *testing.T) {
	for _, kind := range []string{"postgres", "nats"} {
		t.Run(kind, func(t *testing.T) {
			dbURL := pgtest.NewDatabase(t)
			withItem := catalogueWithRetiredItem(t)
			onBus := func(c *config.Config) {}
			if kind == "nats" {
				natsURL := natstest.Server(t)
				onBus = func(c *config.Config) { c.Bus, c.NATSURL = "nats", natsURL }
			}

			// An ingest-only instance on the catalogue with the item stores
			// the case.
			ingest := startServerOn(t, dbURL, testNow, onBus, func(c *config.Config) {
				c.CatalogFile, c.Consumers = withItem, "none"
			})
			retired := caseFinished(t, approvalSource, "retired-1")
			retired.data()["item_code"] = retiredItem
			retired.data()["promised_working_days"] = 3
			ingest.ingest(approvalToken, retired)
			if err := ingest.Main.Close(); err != nil {
				t.Fatal(err)
			}

			// The consumers start on the shipped catalogue, which lacks it.
			s := startServerOn(t, dbURL, testNow, onBus)
			waitUntil(t, "the failed batch waiting for a retry", func() bool {
				return s.metricSamples("govpulse_bus_retrying_batches")[""] == 1
			})
			// Later batches keep flowing meanwhile. So that a loaded machine
			// cannot use up the retries first, the test holds them: the
			// failed batch names a consumer that runs nowhere until the later
			// batches are in.
			hold := func(consumer string) {
				t.Helper()
				if _, err := s.Main.pool.Exec(context.Background(), `UPDATE poison_messages SET consumer = $1`, consumer); err != nil {
					t.Fatal(err)
				}
			}
			hold("held_for_the_test")
			for i := range 3 {
				s.ingest(approvalToken, caseFinished(t, approvalSource, fmt.Sprint("later-", i)))
				waitUntil(t, fmt.Sprintf("later case %d counted", i), func() bool { return s.finishedCases("") == int64(i+1) })
			}
			hold("case_stats")
			// The tally, which does not read items, applied the batch.
			s.waitTally(adminToken, map[tallyKey]int64{{approvalSource, typeCase}: 4})

			type poisonList struct {
				Count    int `json:"count"`
				Messages []struct {
					ID       int64  `json:"id"`
					Consumer string `json:"consumer"`
					Reason   string `json:"reason"`
					Attempts int    `json:"attempts"`
				} `json:"messages"`
			}
			var list poisonList
			waitUntil(t, "the batch in the poison queue", func() bool {
				decodeInto(t, s.get("/v1/admin/poison", adminToken), &list)
				return list.Count > 0
			})
			if list.Count != 1 {
				t.Fatalf("poison queue lists %d messages, want 1", list.Count)
			}
			m := list.Messages[0]
			if m.Consumer != "case_stats" || m.Attempts != 6 || !strings.Contains(m.Reason, `item "`+retiredItem+`"`) || !strings.Contains(m.Reason, "retired-1") {
				t.Errorf("poison message %+v: want case_stats after 6 attempts, the reason naming the item and the event", m)
			}
			// Every later batch was applied while the failed one was retried.
			if during := bustest.AppliedWhileRetried(t, s.Main.pool, "case_stats"); during != 3 {
				t.Errorf("%d of the 3 later batches were applied while the failed batch was being retried, want 3", during)
			}
			if got := s.metricSamples("govpulse_bus_poison_queue_messages")[""]; got != 1 {
				t.Errorf("govpulse_bus_poison_queue_messages = %v, want 1", got)
			}

			replay := func(s *testServer, id, token string) reply {
				return s.do(http.MethodPost, "/v1/admin/poison/"+id+"/replay", token, "", nil)
			}
			id := fmt.Sprint(m.ID)
			if r := s.get("/v1/admin/poison", ""); r.Status != http.StatusUnauthorized {
				t.Errorf("poison list without token: %s, want 401", r)
			}
			if r := s.get("/v1/admin/poison", approvalToken); r.Status != http.StatusUnauthorized {
				t.Errorf("poison list with a source token: %s, want 401", r)
			}
			if r := replay(s, id, approvalToken); r.Status != http.StatusUnauthorized {
				t.Errorf("replay with a source token: %s, want 401", r)
			}
			if r := replay(s, "9999", adminToken); r.Status != http.StatusNotFound {
				t.Errorf("replay of unknown id: %s, want 404", r)
			}
			if r := replay(s, "abc", adminToken); r.Status != http.StatusBadRequest {
				t.Errorf("replay of id abc: %s, want 400", r)
			}
			if r := replay(s, id, adminToken); r.Status != http.StatusConflict || !strings.Contains(string(r.Body), retiredItem) {
				t.Errorf("replay before the catalogue is fixed: %s; want 409 naming the item", r)
			}
			if err := s.Main.Close(); err != nil {
				t.Fatal(err)
			}

			// The operator restores the item, restarts and replays.
			fixed := startServerOn(t, dbURL, testNow, onBus, func(c *config.Config) { c.CatalogFile = withItem })
			if r := replay(fixed, id, adminToken); r.Status != http.StatusOK {
				t.Fatalf("replay after the fix: %s", r)
			}
			if got := fixed.finishedCases(retiredItem); got != 1 {
				t.Errorf("cases of the retired item after the replay = %d, want 1", got)
			}
			if r := replay(fixed, id, adminToken); r.Status != http.StatusOK {
				t.Fatalf("second replay: %s", r)
			}
			if got := fixed.finishedCases(""); got != 4 {
				t.Errorf("cases after a second replay = %d, want 4 (each once)", got)
			}
			decodeInto(t, fixed.get("/v1/admin/poison", adminToken), &list)
			if list.Count != 0 {
				t.Errorf("open poison messages after replay: %d, want 0", list.Count)
			}
			decodeInto(t, fixed.get("/v1/admin/poison?all=true", adminToken), &list)
			if list.Count != 1 {
				t.Errorf("all poison messages after replay: %d, want 1", list.Count)
			}
			if got := fixed.metricSamples("govpulse_bus_poison_queue_messages")[""]; got != 0 {
				t.Errorf("govpulse_bus_poison_queue_messages after replay = %v, want 0", got)
			}
			var applied int
			if err := fixed.Main.pool.QueryRow(context.Background(), `SELECT count(*) FROM consumer_batches WHERE consumer = 'case_stats'`).Scan(&applied); err != nil {
				t.Fatal(err)
			}
			if applied != 4 {
				t.Errorf("case_stats recorded %d applied batches, want 4", applied)
			}
		})
	}
}

// finishedCases is the number of finished cases GET /v1/stats/cases
// counts, of item when given.
func (s *testServer) finishedCases(item string) int64 {
	s.t.Helper()
	path := "/v1/stats/cases"
	if item != "" {
		path += "?item=" + item
	}
	var ans struct {
		Groups []struct {
			Finished int64 `json:"finished"`
		} `json:"groups"`
	}
	decodeInto(s.t, s.get(path, ""), &ans)
	var n int64
	for _, g := range ans.Groups {
		n += g.Finished
	}
	return n
}
