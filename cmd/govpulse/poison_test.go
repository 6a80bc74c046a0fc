package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"testing"

	"github.com/govpulse/govpulse/events"
	"github.com/govpulse/govpulse/postgres"
)

// TestServePoisonAdmin lists and replays a poisoned batch over HTTP: the
// batch's events are in the log but the tally gave up on them; replaying
// applies them exactly once.
func TestServePoisonAdmin(t *testing.T) {
	s := startServer(t)
	ctx := context.Background()
	pool := s.Main.pool

	// Events stored without a bus message, and a poison entry for them, as
	// if the tally had failed on the batch after all its retries.
	ev := caseFinished(t, approvalSource, "poisoned-1")
	raw := mustJSON(t, ev)
	store := &postgres.EventStore{Pool: pool}
	res, err := store.Append(ctx, approvalSource, []postgres.NewEvent{{
		Envelope:   events.Envelope{ID: "poisoned-1", Source: approvalSource, Type: typeCase, Raw: raw},
		Department: "qd-xzsp",
	}})
	if err != nil {
		t.Fatal(err)
	}
	payload, _ := json.Marshal(res.Batch)
	var id int64
	err = pool.QueryRow(ctx, `INSERT INTO poison_messages (consumer, message_uuid, payload, reason)
		VALUES ('ingest_tally', 'test-uuid', $1, 'database was on fire') RETURNING id`, payload).Scan(&id)
	if err != nil {
		t.Fatal(err)
	}

	if r := s.get("/v1/admin/poison", ""); r.Status != http.StatusUnauthorized {
		t.Errorf("poison list without token: %s, want 401", r)
	}
	if r := s.get("/v1/admin/poison", approvalToken); r.Status != http.StatusUnauthorized {
		t.Errorf("poison list with a source token: %s, want 401", r)
	}
	var list struct {
		Count    int `json:"count"`
		Messages []struct {
			ID       int64        `json:"id"`
			Consumer string       `json:"consumer"`
			Reason   string       `json:"reason"`
			Batch    events.Batch `json:"batch"`
		} `json:"messages"`
	}
	r := s.get("/v1/admin/poison", adminToken)
	decodeInto(t, r, &list)
	if list.Count != 1 || list.Messages[0].ID != id || list.Messages[0].Consumer != "ingest_tally" ||
		list.Messages[0].Reason != "database was on fire" || list.Messages[0].Batch != res.Batch {
		t.Fatalf("poison list = %s", r.Body)
	}
	if m := s.metricSamples("govpulse_bus_poison_queue_messages"); m[""] != 1 {
		t.Errorf("govpulse_bus_poison_queue_messages = %v, want 1", m)
	}

	replay := func(id string, token string) reply {
		return s.do(http.MethodPost, "/v1/admin/poison/"+id+"/replay", token, "", nil)
	}
	if r := replay(fmt.Sprint(id), approvalToken); r.Status != http.StatusUnauthorized {
		t.Errorf("replay with a source token: %s, want 401", r)
	}
	if r := replay("9999", adminToken); r.Status != http.StatusNotFound {
		t.Errorf("replay of unknown id: %s, want 404", r)
	}
	if r := replay("abc", adminToken); r.Status != http.StatusBadRequest {
		t.Errorf("replay of id abc: %s, want 400", r)
	}
	if r := replay(fmt.Sprint(id), adminToken); r.Status != http.StatusOK {
		t.Fatalf("replay: %s", r)
	}
	s.waitTally(adminToken, map[tallyKey]int64{{approvalSource, typeCase}: 1})
	// Replaying again changes nothing: the batch is recorded as applied.
	if r := replay(fmt.Sprint(id), adminToken); r.Status != http.StatusOK {
		t.Fatalf("second replay: %s", r)
	}
	s.waitTally(adminToken, map[tallyKey]int64{{approvalSource, typeCase}: 1})
	decodeInto(t, s.get("/v1/admin/poison", adminToken), &list)
	if list.Count != 0 {
		t.Errorf("open poison messages after replay: %d, want 0", list.Count)
	}
	decodeInto(t, s.get("/v1/admin/poison?all=true", adminToken), &list)
	if list.Count != 1 {
		t.Errorf("all poison messages after replay: %d, want 1", list.Count)
	}
}
