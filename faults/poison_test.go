package faults

import (
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/govpulse/govpulse/bus"
	"github.com/govpulse/govpulse/internal/catalogtest"
	"github.com/govpulse/govpulse/internal/pgtest"
)

// retiredItem is an item the operator's catalogue had when events for it
// were stored, and then lost.
const retiredItem = "faults_retired_permit"

// TestPoisonedBatchReplayedAfterCatalogueFix stores events while the
// catalogue knows an item, then runs the consumers with a catalogue that
// lost it: case_stats cannot count the batch with that item, retries, and
// moves it to the poison queue with a reason naming the code and the
// event; later batches are applied meanwhile; /metrics shows the queue.
// Replaying before the catalogue is fixed fails and says why; after the
// operator restores the item and restarts, the replay applies the batch
// once and the read models equal the generator's figures and a rebuild.
func TestPoisonedBatchReplayedAfterCatalogueFix(t *testing.T) {
	seed := testSeed(t)
	evs := generate(t, seed, 3000)
	poisoned := genEvent{Source: 0, ID: "poison-0001", Case: &caseFacts{
		Item: retiredItem, Department: "qd-xzsp", District: "shinan", Channel: "window", Mode: "standard",
		Result: "approved", Accepted: marchMondays[1].Add(9 * time.Hour),
		Finished: marchMondays[1].AddDate(0, 0, 2).Add(16 * time.Hour), Promised: 3, Elapsed: 2}}
	poisoned.encode(t)
	evs = append([]genEvent{poisoned}, evs...)

	dbURL := pgtest.NewDatabase(t)
	d := newDeployment(t, dbURL)
	d.env["GOVPULSE_CATALOG_FILE"] = d.writeFile("catalog-with-item.yaml", catalogtest.WithItem(t, retiredItem))
	ingest := d.startInstance("govpulse-ingest", map[string]string{"GOVPULSE_CONSUMERS": "none"})
	ingestEach(t, ingest.URL, evs) // source 0's request, with the event, goes first
	ingest.Stop()

	// The consumers start on the shipped catalogue, which lacks the item.
	g := d.startInstance("govpulse", map[string]string{"GOVPULSE_CATALOG_FILE": ""})
	a := newAPI(t, g.URL)
	var withoutBatch []genEvent
	for _, e := range evs {
		if e.Source != 0 || e.Case == nil {
			withoutBatch = append(withoutBatch, e)
		}
	}
	want := expectFigures(evs)
	partial := expectFigures(withoutBatch)
	partial.Licenses, partial.Lawsuits, partial.Tally = want.Licenses, want.Lawsuits, want.Tally
	waitFigures(t, dbURL, a, partial, time.Minute)

	var list struct {
		Count    int                 `json:"count"`
		Messages []bus.PoisonMessage `json:"messages"`
	}
	waitFor(t, "the batch in the poison queue", 30*time.Second, func() error {
		a.get("/v1/admin/poison", adminToken, &list)
		if list.Count != 1 {
			return errStillWaiting
		}
		return nil
	})
	m := list.Messages[0]
	if m.Consumer != "case_stats" || !strings.Contains(m.Reason, `item "`+retiredItem+`"`) ||
		!strings.Contains(m.Reason, "id poison-0001") {
		t.Errorf("poison message: consumer %q, reason %q; want case_stats, naming the item and the event", m.Consumer, m.Reason)
	}
	t.Logf("poisoned: %s", m.Reason)
	waitFor(t, "poison queue gauge at 1", 15*time.Second, func() error {
		if v := a.metrics("govpulse_bus_poison_queue_messages")["govpulse_bus_poison_queue_messages"]; v != 1 {
			return errStillWaiting
		}
		return nil
	})

	replay := func(a *api) (int, []byte) {
		t.Helper()
		return a.do(http.MethodPost, "/v1/admin/poison/"+strconv.FormatInt(m.ID, 10)+"/replay", adminToken)
	}
	if status, body := replay(a); status != http.StatusConflict || !strings.Contains(string(body), retiredItem) {
		t.Errorf("replay before the catalogue is fixed: HTTP %d %s; want 409 naming the item", status, body)
	}

	// The operator puts the item back and restarts, then replays.
	g.Stop()
	g = d.startInstance("govpulse-fixed", nil)
	a = newAPI(t, g.URL)
	if status, body := replay(a); status != http.StatusOK {
		t.Fatalf("replay after the fix: HTTP %d %s", status, body)
	}
	waitFigures(t, dbURL, a, want, time.Minute)
	waitFor(t, "poison queue gauge at 0", 15*time.Second, func() error {
		if v := a.metrics("govpulse_bus_poison_queue_messages")["govpulse_bus_poison_queue_messages"]; v != 0 {
			return errStillWaiting
		}
		return nil
	})
	if status, _ := replay(a); status != http.StatusOK {
		t.Errorf("second replay: HTTP %d, want 200 (a no-op)", status)
	}
	verifySettled(t, d, a, want)
}
