package main

// End-to-end tests: each runs the real Main on 127.0.0.1:0 against a fresh
// PostgreSQL database and talks HTTP to it.

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/govpulse/govpulse/config"
	"github.com/govpulse/govpulse/internal/natstest"
	"github.com/govpulse/govpulse/internal/pgtest"
	"github.com/govpulse/govpulse/internal/promtest"
)

func TestServeIngestSingleAndBatch(t *testing.T) {
	s := startServer(t)

	single := caseFinished(t, approvalSource, "case-0001")
	got := s.ingest(approvalToken, single)
	if *got.Accepted != 1 || *got.Duplicates != 0 {
		t.Errorf("single: accepted, duplicates = %d, %d; want 1, 0", *got.Accepted, *got.Duplicates)
	}
	if len(got.Events) != 1 {
		t.Fatalf("single: %d outcomes, want 1", len(got.Events))
	}
	if o := got.Events[0]; o.Index != 0 || o.ID != "case-0001" || o.Status != "accepted" || o.Seq != 1 {
		t.Errorf("single: outcome = %+v, want index 0, id case-0001, accepted, seq 1", o)
	}

	// All three departmental types in one batch, from a source that may
	// send them all.
	batch := []testEvent{
		caseFinished(t, hubSource, "hub-case-1"),
		licenseIssued(t, hubSource, "hub-licence-1"),
		lawsuitAppearance(t, hubSource, "hub-hearing-1"),
	}
	got = s.ingest(hubToken, batch...)
	if *got.Accepted != 3 || *got.Duplicates != 0 {
		t.Errorf("batch: accepted, duplicates = %d, %d; want 3, 0", *got.Accepted, *got.Duplicates)
	}
	if len(got.Events) != 3 {
		t.Fatalf("batch: %d outcomes, want 3", len(got.Events))
	}
	for i, o := range got.Events {
		if o.Index != i || o.ID != batch[i]["id"] || o.Status != "accepted" || o.Seq != int64(i+2) {
			t.Errorf("batch outcome %d = %+v, want index %d, id %s, accepted, seq %d", i, o, i, batch[i]["id"], i+2)
		}
	}

	// A charset parameter on the content type is fine.
	r := s.post(approvalToken, ctSingle+"; charset=utf-8", mustJSON(t, licenseIssued(t, approvalSource, "licence-0001")))
	if r.Status != http.StatusOK {
		t.Fatalf("single with charset: %s", r)
	}

	log := s.readLog(100)
	want := []struct{ source, id, typ, department string }{
		{approvalSource, "case-0001", typeCase, "qd-xzsp"},
		{hubSource, "hub-case-1", typeCase, "qd-xzsp"},
		{hubSource, "hub-licence-1", typeLicense, "qd-xzsp"},
		{hubSource, "hub-hearing-1", typeLawsuit, "qd-zrzy"},
		{approvalSource, "licence-0001", typeLicense, "qd-xzsp"},
	}
	if len(log) != len(want) {
		t.Fatalf("log has %d events, want %d", len(log), len(want))
	}
	sent := append(append([]testEvent{single}, batch...), licenseIssued(t, approvalSource, "licence-0001"))
	for i, w := range want {
		e := log[i]
		if e.Seq != int64(i+1) || e.Source != w.source || e.ID != w.id || e.Type != w.typ || e.Department != w.department {
			t.Errorf("log[%d] = seq %d %s/%s %s %s; want seq %d %s/%s %s %s",
				i, e.Seq, e.Source, e.ID, e.Type, e.Department, i+1, w.source, w.id, w.typ, w.department)
		}
		// The stored envelope is the sent one, losslessly.
		var stored, orig any
		if err := json.Unmarshal(e.Event, &stored); err != nil {
			t.Fatalf("log[%d] envelope: %v", i, err)
		}
		if err := json.Unmarshal(mustJSON(t, sent[i]), &orig); err != nil {
			t.Fatal(err)
		}
		if !jsonEqual(stored, orig) {
			t.Errorf("log[%d] envelope differs from the one sent:\n got %s\nwant %s", i, e.Event, mustJSON(t, sent[i]))
		}
	}
}

func jsonEqual(a, b any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return bytes.Equal(x, y)
}

func TestServeDuplicates(t *testing.T) {
	s := startServer(t)
	first := caseFinished(t, approvalSource, "case-dup-1")
	s.ingest(approvalToken, first)

	got := s.ingest(approvalToken, first)
	if *got.Accepted != 0 || *got.Duplicates != 1 {
		t.Errorf("resend: accepted, duplicates = %d, %d; want 0, 1", *got.Accepted, *got.Duplicates)
	}
	if o := got.Events[0]; o.Status != "duplicate" || o.Seq != 1 || o.ID != "case-dup-1" {
		t.Errorf("resend outcome = %+v, want duplicate of seq 1", o)
	}

	// A batch mixing a stored event with new ones stores only the new ones.
	mixed := []testEvent{
		caseFinished(t, approvalSource, "case-dup-2"),
		first,
		licenseIssued(t, approvalSource, "licence-dup-3"),
	}
	got = s.ingest(approvalToken, mixed...)
	if *got.Accepted != 2 || *got.Duplicates != 1 {
		t.Errorf("mixed: accepted, duplicates = %d, %d; want 2, 1", *got.Accepted, *got.Duplicates)
	}
	wantOutcomes := []struct {
		status string
		seq    int64
	}{{"accepted", 2}, {"duplicate", 1}, {"accepted", 3}}
	for i, w := range wantOutcomes {
		if o := got.Events[i]; o.Index != i || o.ID != mixed[i]["id"] || o.Status != w.status || o.Seq != w.seq {
			t.Errorf("mixed outcome %d = %+v, want %s seq %d", i, o, w.status, w.seq)
		}
	}

	// Identity is (source, id): another source may use the same id.
	got = s.ingest(hubToken, caseFinished(t, hubSource, "case-dup-1"))
	if *got.Accepted != 1 || *got.Duplicates != 0 || got.Events[0].Seq != 4 {
		t.Errorf("same id, other source: %+v, want accepted as seq 4", got)
	}

	// Sending the same id twice within one request is a mistake, not a
	// duplicate: nothing is stored.
	twice := caseFinished(t, approvalSource, "case-dup-5")
	e := wantError(t, s.postEvents(approvalToken, twice, twice), http.StatusUnprocessableEntity, "invalid")
	if len(e.Problems) != 1 || e.Problems[0].Index != 1 || e.Problems[0].Field != "id" {
		t.Errorf("same id twice in a request: problems = %+v, want one on index 1, field id", e.Problems)
	}

	if log := s.readLog(100); len(log) != 4 {
		t.Errorf("log has %d events, want 4", len(log))
	}
}

func TestServeAllOrNothing(t *testing.T) {
	s := startServer(t)
	bad := caseFinished(t, approvalSource, "case-bad")
	bad.data()["finished_at"] = "2024-03-01T08:00:00+08:00" // before accepted_at
	worse := licenseIssued(t, approvalSource, "licence-worse")
	worse.data()["district"] = "atlantis"
	worse.data()["steps"] = 0
	batch := []testEvent{caseFinished(t, approvalSource, "case-good"), bad, worse}

	r := s.postEvents(approvalToken, batch...)
	e := wantError(t, r, http.StatusUnprocessableEntity, "invalid")
	want := []problem{
		{Index: 1, ID: "case-bad", Field: "data.finished_at"},
		{Index: 2, ID: "licence-worse", Field: "data.district"},
		{Index: 2, ID: "licence-worse", Field: "data.steps"},
	}
	if len(e.Problems) != len(want) {
		t.Fatalf("problems = %+v, want %d: %+v", e.Problems, len(want), want)
	}
	for _, w := range want {
		i := slices.IndexFunc(e.Problems, func(p problem) bool {
			return p.Index == w.Index && p.ID == w.ID && p.Field == w.Field
		})
		if i < 0 {
			t.Errorf("no problem {index %d, id %s, field %s} in %+v", w.Index, w.ID, w.Field, e.Problems)
			continue
		}
		if e.Problems[i].Reason == "" {
			t.Errorf("problem %+v has no reason", e.Problems[i])
		}
	}
	if p := e.Problems[slices.IndexFunc(e.Problems, func(p problem) bool { return p.Field == "data.finished_at" })]; !strings.Contains(p.Reason, "accepted_at") {
		t.Errorf("finished_at reason %q does not name accepted_at", p.Reason)
	}

	if log := s.readLog(100); len(log) != 0 {
		t.Fatalf("a rejected request stored %d events: %+v", len(log), log)
	}
	// The valid event was not stored: sending it alone accepts it as new.
	got := s.ingest(approvalToken, batch[0])
	if *got.Accepted != 1 || got.Events[0].Seq != 1 {
		t.Errorf("valid event after rejected batch: %+v, want accepted as seq 1", got)
	}
}

func TestServeUnauthorized(t *testing.T) {
	s := startServer(t)
	body := mustJSON(t, caseFinished(t, approvalSource, "case-401"))
	for _, tc := range []struct {
		name, header string
	}{
		{"missing token", ""},
		{"unknown token", "Bearer not-a-known-token-at-all"},
		{"admin token is not a source token", "Bearer " + adminToken},
		{"not bearer", "Basic " + approvalToken},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req, err := http.NewRequest(http.MethodPost, s.URL+"/v1/events", bytes.NewReader(body))
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Content-Type", ctSingle)
			if tc.header != "" {
				req.Header.Set("Authorization", tc.header)
			}
			resp, err := s.client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			r := reply{Status: resp.StatusCode, Header: resp.Header, Body: b}
			wantError(t, r, http.StatusUnauthorized, "unauthorized")
			if h := r.Header.Get("WWW-Authenticate"); !strings.HasPrefix(h, "Bearer") {
				t.Errorf("WWW-Authenticate = %q, want a Bearer challenge", h)
			}
		})
	}
	if log := s.readLog(100); len(log) != 0 {
		t.Errorf("unauthorised requests stored %d events", len(log))
	}
}

func TestServeForbidden(t *testing.T) {
	s := startServer(t)

	t.Run("department", func(t *testing.T) {
		ev := caseFinished(t, approvalSource, "case-403-dept")
		// A valid event for the housing bureau, which the approval bureau
		// may not speak for.
		ev.data()["department"] = "qd-zjj"
		ev.data()["item_code"] = "completion_acceptance_filing"
		ev.data()["promised_working_days"] = 5
		e := wantError(t, s.postEvents(approvalToken, ev), http.StatusForbidden, "forbidden")
		wantOnlyProblem(t, e, problem{Index: 0, ID: "case-403-dept", Field: "data.department"})
		if !strings.Contains(e.Problems[0].Reason, "qd-zjj") {
			t.Errorf("reason %q does not name the department", e.Problems[0].Reason)
		}
	})
	t.Run("department in a batch", func(t *testing.T) {
		ev := caseFinished(t, utilitySource, "case-403-batch-2") // a qd-xzsp item
		ok := caseFinished(t, utilitySource, "case-403-batch-1")
		ok.data()["department"] = "qd-water"
		ok.data()["item_code"] = "water_connection"
		ok.data()["promised_working_days"] = 3
		e := wantError(t, s.postEvents(utilityToken, ok, ev), http.StatusForbidden, "forbidden")
		wantOnlyProblem(t, e, problem{Index: 1, ID: "case-403-batch-2", Field: "data.department"})
	})
	t.Run("lawsuit agency", func(t *testing.T) {
		// The hub may send every type for every department; the justice
		// bureau every department, but only lawsuits.
		ev := lawsuitAppearance(t, justiceSource, "hearing-403")
		r := s.postEvents(justiceToken, ev)
		if r.Status != http.StatusOK {
			t.Fatalf("justice bureau, any agency: %s", r)
		}
	})
	t.Run("type", func(t *testing.T) {
		ev := lawsuitAppearance(t, approvalSource, "hearing-403-type")
		ev.data()["agency"] = "qd-xzsp" // a department the bureau may speak for
		e := wantError(t, s.postEvents(approvalToken, ev), http.StatusForbidden, "forbidden")
		wantOnlyProblem(t, e, problem{Index: 0, ID: "hearing-403-type", Field: "type"})
	})
	t.Run("source mismatch", func(t *testing.T) {
		ev := caseFinished(t, hubSource, "case-403-source")
		e := wantError(t, s.postEvents(approvalToken, ev), http.StatusForbidden, "forbidden")
		wantOnlyProblem(t, e, problem{Index: 0, ID: "case-403-source", Field: "source"})
		if !strings.Contains(e.Problems[0].Reason, approvalSource) {
			t.Errorf("reason %q does not name the token's source", e.Problems[0].Reason)
		}
	})

	log := s.readLog(100)
	if len(log) != 1 || log[0].ID != "hearing-403" {
		t.Errorf("log = %+v, want only hearing-403", log)
	}
}

// wantOnlyProblem checks that e lists exactly one problem, w (any reason).
func wantOnlyProblem(t *testing.T, e errorReply, w problem) {
	t.Helper()
	if len(e.Problems) != 1 {
		t.Fatalf("problems = %+v, want exactly {index %d, id %s, field %s}", e.Problems, w.Index, w.ID, w.Field)
	}
	p := e.Problems[0]
	if p.Index != w.Index || p.ID != w.ID || p.Field != w.Field || p.Reason == "" {
		t.Errorf("problem = %+v, want {index %d, id %s, field %s} with a reason", p, w.Index, w.ID, w.Field)
	}
}

func TestServeTooLarge(t *testing.T) {
	s := startServer(t, func(c *config.Config) {
		c.MaxBodyBytes = 4096
		c.MaxBatchEvents = 2
	})
	// Pad an otherwise valid event past the body limit.
	big := caseFinished(t, approvalSource, "case-413")
	big["subject"] = strings.Repeat("x", 5000)
	body := mustJSON(t, big)

	t.Run("body with length", func(t *testing.T) {
		wantError(t, s.post(approvalToken, ctSingle, body), http.StatusRequestEntityTooLarge, "too_large")
	})
	t.Run("body chunked", func(t *testing.T) {
		// A reader without a known length is sent chunked, so only reading
		// the body can find it too large.
		r := s.do(http.MethodPost, "/v1/events", approvalToken, ctSingle, io.MultiReader(bytes.NewReader(body)))
		wantError(t, r, http.StatusRequestEntityTooLarge, "too_large")
	})
	t.Run("batch", func(t *testing.T) {
		batch := []testEvent{
			caseFinished(t, approvalSource, "case-413-1"),
			caseFinished(t, approvalSource, "case-413-2"),
			caseFinished(t, approvalSource, "case-413-3"),
		}
		b := mustJSON(t, batch)
		if len(b) > 4096 {
			t.Fatalf("test batch is %d bytes, over the body limit", len(b))
		}
		e := wantError(t, s.post(approvalToken, ctBatch, b), http.StatusRequestEntityTooLarge, "too_large")
		if !strings.Contains(e.Message, "2") || !strings.Contains(e.Message, "3") {
			t.Errorf("message %q should give the batch size and the limit", e.Message)
		}
	})
	if log := s.readLog(100); len(log) != 0 {
		t.Fatalf("rejected requests stored %d events", len(log))
	}
	t.Run("at the limits", func(t *testing.T) {
		got := s.ingest(approvalToken, caseFinished(t, approvalSource, "case-413-ok-1"), caseFinished(t, approvalSource, "case-413-ok-2"))
		if *got.Accepted != 2 {
			t.Errorf("accepted = %d, want 2", *got.Accepted)
		}
	})
}

func TestServeUnsupportedMediaType(t *testing.T) {
	s := startServer(t)
	body := mustJSON(t, caseFinished(t, approvalSource, "case-415"))
	for _, ct := range []string{"", "text/plain", "application/xml", "application/cloudevents+xml", "not a media type;;"} {
		t.Run(fmt.Sprintf("%q", ct), func(t *testing.T) {
			e := wantError(t, s.post(approvalToken, ct, body), http.StatusUnsupportedMediaType, "unsupported_media_type")
			if !strings.Contains(e.Message, ctSingle) || !strings.Contains(e.Message, ctBatch) {
				t.Errorf("message %q should name the accepted types", e.Message)
			}
		})
	}
	if log := s.readLog(100); len(log) != 0 {
		t.Fatalf("rejected requests stored %d events", len(log))
	}
}

func TestServeMalformedJSON(t *testing.T) {
	s := startServer(t)
	for _, tc := range []struct {
		name, ct, body       string
		line, column, offset int
	}{
		// The stray '}' is on line 2, column 14, byte 15.
		{"trailing comma", ctBatch, "[\n  {\"id\": \"x\",}\n]", 2, 14, 15},
		{"truncated", ctSingle, "{\"id\": \"x\"", 1, 11, 10}, // just past the end
		{"empty body", ctSingle, "", 1, 1, 0},
		{"batch is not an array", ctBatch, "  {\"id\": \"x\"}", 1, 3, 2},
		{"single is an array", ctSingle, "[{\"id\": \"x\"}]", 1, 1, 0},
		{"empty batch", ctBatch, "[]", 1, 1, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := wantError(t, s.post(approvalToken, tc.ct, []byte(tc.body)), http.StatusBadRequest, "malformed")
			if e.Line != tc.line || e.Column != tc.column || e.Offset == nil || *e.Offset != tc.offset {
				off := -1
				if e.Offset != nil {
					off = *e.Offset
				}
				t.Errorf("line, column, offset = %d, %d, %d; want %d, %d, %d (%s)", e.Line, e.Column, off, tc.line, tc.column, tc.offset, e.Message)
			}
			if !strings.Contains(e.Message, fmt.Sprintf("line %d, column %d", tc.line, tc.column)) {
				t.Errorf("message %q does not give the line and column", e.Message)
			}
		})
	}
}

func TestServeRateLimited(t *testing.T) {
	s := startServer(t, func(c *config.Config) {
		c.RatePerSource = 0.01 // one request per 100s once the burst is spent
		c.RateBurst = 1
	})
	s.ingest(approvalToken, caseFinished(t, approvalSource, "case-429-1"))

	r := s.postEvents(approvalToken, caseFinished(t, approvalSource, "case-429-2"))
	wantError(t, r, http.StatusTooManyRequests, "rate_limited")
	if n := wantRetryAfter(t, r); n < 50 || n > 100 {
		t.Errorf("Retry-After = %d s, want about 100 s (rate 0.01/s)", n)
	}

	// The limit is per source: another source is not held back.
	s.ingest(justiceToken, lawsuitAppearance(t, justiceSource, "hearing-429"))

	log := s.readLog(100)
	if len(log) != 2 || log[0].ID != "case-429-1" || log[1].ID != "hearing-429" {
		t.Errorf("log = %+v, want case-429-1 and hearing-429", log)
	}
}

func TestServeDatabaseUnavailable(t *testing.T) {
	s := startServer(t)
	s.ingest(approvalToken, caseFinished(t, approvalSource, "case-503-1"))

	ctx := context.Background()
	cfg, err := pgx.ParseConfig(s.DBURL)
	if err != nil {
		t.Fatal(err)
	}
	name := pgx.Identifier{cfg.Database}.Sanitize()
	admin, err := pgx.Connect(ctx, pgtest.ServerURL())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { admin.Close(context.Background()) })
	restore := func() {
		if _, err := admin.Exec(context.Background(), "ALTER DATABASE "+name+" WITH ALLOW_CONNECTIONS true"); err != nil {
			t.Errorf("allow connections again: %v", err)
		}
	}
	// Refuse new connections and drop the server's current ones.
	if _, err := admin.Exec(ctx, "ALTER DATABASE "+name+" WITH ALLOW_CONNECTIONS false"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(restore) // runs before Main closes and the database is dropped
	if _, err := admin.Exec(ctx, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1", cfg.Database); err != nil {
		t.Fatal(err)
	}

	// The first requests meet the pool's dropped connections, later ones a
	// server refusing new ones: each is a 503.
	for i := range 5 {
		r := s.postEvents(approvalToken, caseFinished(t, approvalSource, "case-503-2"))
		wantError(t, r, http.StatusServiceUnavailable, "unavailable")
		if n := wantRetryAfter(t, r); n > 60 {
			t.Errorf("request %d: Retry-After = %d s, want a short wait", i, n)
		}
	}
	if r := s.get("/readyz", ""); r.Status != http.StatusServiceUnavailable {
		t.Errorf("readyz without the database: %s, want 503", r)
	} else {
		wantRetryAfter(t, r)
	}
	// A read of the log says the same, not 500.
	if r := s.get("/v1/events", adminToken); r.Status != http.StatusServiceUnavailable {
		t.Errorf("read log without the database: %s, want 503", r)
	}

	restore()
	// As a client does with a 503 and its Retry-After: send again. A
	// request may still meet a pooled connection the server terminated
	// (the pool finds out on its next use) and answer 503 once more;
	// anything else, or no 200 within the deadline, fails.
	var r reply
	waitForCondition(t, "ingest accepted after the database is back", 30*time.Second, func() bool {
		r = s.postEvents(approvalToken, caseFinished(t, approvalSource, "case-503-2"))
		if r.Status != http.StatusOK {
			wantError(t, r, http.StatusServiceUnavailable, "unavailable")
			time.Sleep(50 * time.Millisecond)
		}
		return r.Status == http.StatusOK
	})
	var got ingestReply
	decodeInto(t, r, &got)
	if *got.Accepted != 1 || got.Events[0].Seq != 2 {
		t.Errorf("after the database is back: %+v, want accepted as seq 2", got)
	}
}

func TestServeConcurrentIngesters(t *testing.T) {
	s := startServer(t, func(c *config.Config) {
		c.RatePerSource = 100000
		c.RateBurst = 100000
	})
	const workers, batches, perBatch = 8, 20, 50
	const total = workers * batches * perBatch
	template := caseFinished(t, approvalSource, "")
	seqOf := make(map[string]int64, total)
	var mu sync.Mutex
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for w := range workers {
		token, source := approvalToken, approvalSource
		if w%2 == 1 {
			token, source = hubToken, hubSource
		}
		wg.Go(func() {
			for b := range batches {
				evs := make([]testEvent, perBatch)
				for i := range evs {
					e := testEvent{}
					for k, v := range template {
						e[k] = v
					}
					e["source"] = source
					e["id"] = fmt.Sprintf("w%d-b%d-e%d", w, b, i)
					evs[i] = e
				}
				body, _ := json.Marshal(evs)
				req, _ := http.NewRequest(http.MethodPost, s.URL+"/v1/events", bytes.NewReader(body))
				req.Header.Set("Authorization", "Bearer "+token)
				req.Header.Set("Content-Type", ctBatch)
				resp, err := s.client.Do(req)
				if err != nil {
					errs <- err
					return
				}
				var got ingestReply
				err = json.NewDecoder(resp.Body).Decode(&got)
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK || err != nil || got.Accepted == nil || *got.Accepted != perBatch || len(got.Events) != perBatch {
					errs <- fmt.Errorf("worker %d batch %d: HTTP %d, %+v, %v", w, b, resp.StatusCode, got, err)
					return
				}
				mu.Lock()
				for _, o := range got.Events {
					seqOf[source+"/"+o.ID] = o.Seq
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}

	log := s.readLog(1000)
	if len(log) != total {
		t.Fatalf("log has %d events, want %d", len(log), total)
	}
	seen := make(map[string]bool, total)
	for i, e := range log {
		if e.Seq != int64(i+1) {
			t.Fatalf("log[%d].seq = %d, want %d: a gap or a repeat", i, e.Seq, i+1)
		}
		key := e.Source + "/" + e.ID
		if seen[key] {
			t.Fatalf("%s is in the log twice", key)
		}
		seen[key] = true
		if seq, ok := seqOf[key]; !ok || seq != e.Seq {
			t.Fatalf("%s: log seq %d, ingest answered %d (known %v)", key, e.Seq, seq, ok)
		}
	}
	if len(seqOf) != total {
		t.Fatalf("ingest answered %d distinct events, want %d", len(seqOf), total)
	}
	s.waitTally(adminToken, map[tallyKey]int64{
		{approvalSource, typeCase}: total / 2,
		{hubSource, typeCase}:      total / 2,
	})
}

func TestServeReadEvents(t *testing.T) {
	s := startServer(t)
	for i := 1; i <= 5; i++ {
		s.ingest(approvalToken, caseFinished(t, approvalSource, fmt.Sprintf("case-read-%d", i)))
	}

	t.Run("admin token required", func(t *testing.T) {
		for name, tok := range map[string]string{"none": "", "wrong": "wrong-admin-token-xxxxxxxx", "source token": approvalToken} {
			r := s.get("/v1/events", tok)
			wantError(t, r, http.StatusUnauthorized, "unauthorized")
			if r.Header.Get("WWW-Authenticate") == "" {
				t.Errorf("%s: no WWW-Authenticate header", name)
			}
		}
	})
	t.Run("paging", func(t *testing.T) {
		for _, tc := range []struct {
			after     int64
			limit     int
			wantSeqs  []int64
			wantAfter int64
		}{
			{0, 2, []int64{1, 2}, 2},
			{2, 2, []int64{3, 4}, 4},
			{4, 2, []int64{5}, 5},
			{5, 2, nil, 5},
			{1, 10000, []int64{2, 3, 4, 5}, 5},
			{99, 1, nil, 99},
		} {
			p := s.readPage(tc.after, tc.limit)
			var seqs []int64
			for _, e := range p.Events {
				seqs = append(seqs, e.Seq)
				if e.ID != fmt.Sprintf("case-read-%d", e.Seq) {
					t.Errorf("seq %d has id %s", e.Seq, e.ID)
				}
			}
			if !slices.Equal(seqs, tc.wantSeqs) || *p.NextAfter != tc.wantAfter {
				t.Errorf("after=%d limit=%d: seqs %v next_after %d; want %v, %d", tc.after, tc.limit, seqs, *p.NextAfter, tc.wantSeqs, tc.wantAfter)
			}
		}
		// Without parameters: from the start, the default page size.
		r := s.get("/v1/events", adminToken)
		var p logPage
		decodeInto(t, r, &p)
		if r.Status != http.StatusOK || len(p.Events) != 5 {
			t.Errorf("no parameters: %s, want all 5 events", r)
		}
	})
	t.Run("bad parameters", func(t *testing.T) {
		for _, q := range []string{"after=-1", "after=abc", "after=1.5", "limit=0", "limit=10001", "limit=x", "limit=-3"} {
			e := wantError(t, s.get("/v1/events?"+q, adminToken), http.StatusBadRequest, "malformed")
			param, _, _ := strings.Cut(q, "=")
			if !strings.HasPrefix(e.Message, param) {
				t.Errorf("%s: message %q does not name %s", q, e.Message, param)
			}
		}
	})
}

func TestServeCatalog(t *testing.T) {
	s := startServer(t)
	r := s.getOK("/v1/catalog", "")
	var cat struct {
		Departments []struct{ Code, Name string } `json:"departments"`
		Districts   []struct{ Code, Name string } `json:"districts"`
		Items       []struct {
			Code                string `json:"code"`
			Name                string `json:"name"`
			Department          string `json:"department"`
			PromisedWorkingDays *int   `json:"promised_working_days"`
		} `json:"items"`
		LicenseTypes []struct{ Code, Name string } `json:"license_types"`
		Agencies     []struct{ Code, Name string } `json:"agencies"`
		Courts       []struct{ Code, Name string } `json:"courts"`
	}
	decodeInto(t, r, &cat)
	has := func(list []struct{ Code, Name string }, code, name string) bool {
		return slices.ContainsFunc(list, func(x struct{ Code, Name string }) bool { return x.Code == code && x.Name == name })
	}
	if !has(cat.Departments, "qd-xzsp", "青岛市行政审批服务局") {
		t.Errorf("departments lack qd-xzsp 青岛市行政审批服务局: %v", cat.Departments)
	}
	if !has(cat.Districts, "shinan", "市南区") {
		t.Errorf("districts lack shinan 市南区: %v", cat.Districts)
	}
	if !has(cat.Courts, "qd-court-intermediate", "青岛市中级人民法院") {
		t.Errorf("courts lack qd-court-intermediate")
	}
	if !has(cat.Agencies, "qd-zrzy", "青岛市自然资源和规划局") {
		t.Errorf("agencies lack qd-zrzy")
	}
	if !has(cat.LicenseTypes, "business_license", "营业执照") {
		t.Errorf("license types lack business_license")
	}
	i := slices.IndexFunc(cat.Items, func(it struct {
		Code                string `json:"code"`
		Name                string `json:"name"`
		Department          string `json:"department"`
		PromisedWorkingDays *int   `json:"promised_working_days"`
	}) bool {
		return it.Code == "enterprise_establishment"
	})
	if i < 0 {
		t.Fatalf("items lack enterprise_establishment")
	}
	// Enterprise set-up is promised in 1 working day.
	if it := cat.Items[i]; it.Department != "qd-xzsp" || it.PromisedWorkingDays == nil || *it.PromisedWorkingDays != 1 || it.Name == "" {
		t.Errorf("enterprise_establishment = %+v, want qd-xzsp, 1 working day", it)
	}
	for _, d := range cat.Departments {
		if d.Code == "" || d.Name == "" {
			t.Errorf("department without code or name: %+v", d)
		}
	}
	if len(cat.Departments) < 10 || len(cat.Districts) < 10 || len(cat.Items) < 10 {
		t.Errorf("catalogue is thin: %d departments, %d districts, %d items", len(cat.Departments), len(cat.Districts), len(cat.Items))
	}
}

func TestServeTally(t *testing.T) {
	s := startServer(t)
	s.ingest(approvalToken,
		caseFinished(t, approvalSource, "t-case-1"),
		caseFinished(t, approvalSource, "t-case-2"),
		licenseIssued(t, approvalSource, "t-licence-1"))
	s.ingest(approvalToken, caseFinished(t, approvalSource, "t-case-1")) // duplicate: not counted again
	s.ingest(justiceToken, lawsuitAppearance(t, justiceSource, "t-hearing-1"))
	s.ingest(hubToken,
		caseFinished(t, hubSource, "t-case-1"),
		licenseIssued(t, hubSource, "t-licence-1"),
		lawsuitAppearance(t, hubSource, "t-hearing-1"))
	bad := caseFinished(t, hubSource, "t-case-bad")
	bad.data()["channel"] = "carrier_pigeon"
	wantError(t, s.postEvents(hubToken, bad), http.StatusUnprocessableEntity, "invalid") // rejected: not counted

	s.waitTally(adminToken, map[tallyKey]int64{
		{approvalSource, typeCase}:    2,
		{approvalSource, typeLicense}: 1,
		{justiceSource, typeLawsuit}:  1,
		{hubSource, typeCase}:         1,
		{hubSource, typeLicense}:      1,
		{hubSource, typeLawsuit}:      1,
	})

	t.Run("a source sees only its own rows", func(t *testing.T) {
		got, total := s.tally(approvalToken)
		want := map[tallyKey]int64{{approvalSource, typeCase}: 2, {approvalSource, typeLicense}: 1}
		if !equalCounts(got, want) || total != 3 {
			t.Errorf("approval bureau's tally = %v (total %d), want %v (total 3)", got, total, want)
		}
		got, _ = s.tally(utilityToken)
		if len(got) != 0 {
			t.Errorf("utilities sent nothing but see %v", got)
		}
		r := s.get("/v1/ingest/tally?source="+approvalSource, justiceToken)
		wantError(t, r, http.StatusForbidden, "forbidden")
	})
	t.Run("filters", func(t *testing.T) {
		r := s.get("/v1/ingest/tally?type="+typeLawsuit, adminToken)
		var tr tallyReply
		decodeInto(t, r, &tr)
		if r.Status != http.StatusOK || tr.Total == nil || *tr.Total != 2 {
			t.Errorf("lawsuits only: %s, want total 2", r)
		}
		r = s.get("/v1/ingest/tally?to=2001-01-01", adminToken)
		decodeInto(t, r, &tr)
		if r.Status != http.StatusOK || tr.Total == nil || *tr.Total != 0 {
			t.Errorf("before 2001: %s, want total 0", r)
		}
	})
	t.Run("errors", func(t *testing.T) {
		wantError(t, s.get("/v1/ingest/tally", ""), http.StatusUnauthorized, "unauthorized")
		wantError(t, s.get("/v1/ingest/tally", "no-such-token-xxxxxxxxx"), http.StatusUnauthorized, "unauthorized")
		wantError(t, s.get("/v1/ingest/tally?from=yesterday", adminToken), http.StatusBadRequest, "malformed")
	})
}

func TestServeHealthAndReady(t *testing.T) {
	s := startServer(t)
	if r := s.get("/healthz", ""); r.Status != http.StatusOK {
		t.Errorf("healthz: %s", r)
	}
	r := s.getOK("/readyz", "")
	var ready struct {
		Ready  bool              `json:"ready"`
		Checks map[string]string `json:"checks"`
	}
	decodeInto(t, r, &ready)
	if !ready.Ready {
		t.Errorf("ready = false: %s", r.Body)
	}
	for _, c := range []string{"database", "migrations", "bus"} {
		if v := ready.Checks[c]; !strings.HasPrefix(v, "ok") {
			t.Errorf("check %s = %q, want ok", c, v)
		}
	}
	if v := ready.Checks["bus"]; !strings.Contains(v, "postgres") {
		t.Errorf("bus check %q does not name the postgres bus", v)
	}
	wantError(t, s.get("/no/such/endpoint", ""), http.StatusNotFound, "not_found")
}

func TestServeMetrics(t *testing.T) {
	s := startServer(t)
	const family = "govpulse_ingest_events_total"
	accepted := promtest.Labels("outcome", "accepted", "source", approvalSource, "type", typeCase)
	duplicate := promtest.Labels("outcome", "duplicate", "source", approvalSource, "type", typeCase)
	licence := promtest.Labels("outcome", "accepted", "source", approvalSource, "type", typeLicense)
	invalid := promtest.Labels("reason", "invalid", "source", approvalSource)

	before := s.metricSamples(family)
	if before[accepted] != 0 || before[duplicate] != 0 {
		t.Fatalf("before any ingest: %v", before)
	}

	s.ingest(approvalToken, caseFinished(t, approvalSource, "m-case-1"), caseFinished(t, approvalSource, "m-case-2"), licenseIssued(t, approvalSource, "m-licence-1"))
	s.ingest(approvalToken, caseFinished(t, approvalSource, "m-case-1"))
	bad := caseFinished(t, approvalSource, "m-case-bad")
	bad.data()["promised_working_days"] = 400
	bad.data()["mode"] = "whenever"
	wantError(t, s.postEvents(approvalToken, bad), http.StatusUnprocessableEntity, "invalid")

	after := s.metricSamples(family)
	for _, c := range []struct {
		series string
		want   float64
	}{{accepted, 2}, {duplicate, 1}, {licence, 1}} {
		if got := after[c.series]; got != c.want {
			t.Errorf("%s{%s} = %v, want %v (all: %v)", family, c.series, got, c.want, after)
		}
	}
	// Rejections are counted per problem, by reason.
	if got := s.metricSamples("govpulse_ingest_rejected_total")[invalid]; got != 2 {
		t.Errorf("govpulse_ingest_rejected_total{%s} = %v, want 2", invalid, got)
	}
	if got := s.metricSamples("govpulse_ingest_batch_events_count")[""]; got != 3 {
		t.Errorf("govpulse_ingest_batch_events_count = %v, want 3 decoded requests", got)
	}
	if got := s.metricSamples("govpulse_http_requests_total")[promtest.Labels("code", "200", "route", "POST /v1/events")]; got != 2 {
		t.Errorf(`govpulse_http_requests_total{route="POST /v1/events",code="200"} = %v, want 2`, got)
	}
}

func TestServeNATSBus(t *testing.T) {
	natsURL := natstest.Server(t)
	s := startServer(t, func(c *config.Config) {
		c.Bus = "nats"
		c.NATSURL = natsURL
	})
	r := s.get("/readyz", "")
	if r.Status != http.StatusOK || !strings.Contains(string(r.Body), "nats") {
		t.Errorf("readyz on nats: %s", r)
	}
	s.ingest(approvalToken, caseFinished(t, approvalSource, "n-case-1"))
	got := s.ingest(hubToken,
		caseFinished(t, hubSource, "n-case-1"),
		licenseIssued(t, hubSource, "n-licence-1"),
		lawsuitAppearance(t, hubSource, "n-hearing-1"))
	if *got.Accepted != 3 {
		t.Errorf("batch accepted %d, want 3", *got.Accepted)
	}
	if got := s.ingest(approvalToken, caseFinished(t, approvalSource, "n-case-1")); *got.Duplicates != 1 {
		t.Errorf("resend: duplicates = %d, want 1", *got.Duplicates)
	}
	s.waitTally(adminToken, map[tallyKey]int64{
		{approvalSource, typeCase}: 1,
		{hubSource, typeCase}:      1,
		{hubSource, typeLicense}:   1,
		{hubSource, typeLawsuit}:   1,
	})
	if log := s.readLog(100); len(log) != 4 {
		t.Errorf("log has %d events, want 4", len(log))
	}
}
