package httpapi_test

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/govpulse/govpulse/events"
	"github.com/govpulse/govpulse/httpapi"
	"github.com/govpulse/govpulse/internal/catalogtest"
	"github.com/govpulse/govpulse/internal/pgtest"
	"github.com/govpulse/govpulse/postgres"
	"github.com/govpulse/govpulse/projections"
	"github.com/govpulse/govpulse/projections/read"
)

const testAdminToken = "stats-test-admin-token"

// statsServer serves the API on a fresh database whose read models hold
// the events given, applied the way the bus applies them.
func statsServer(t *testing.T, evs ...postgres.NewEvent) (*httptest.Server, *pgxpool.Pool) {
	t.Helper()
	pool := pgtest.NewPool(t)
	cat := catalogtest.Default(t)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	models := projections.ReadModels(catalogtest.Calendar(t), log)
	ctx := context.Background()
	store := &postgres.EventStore{Pool: pool}
	if len(evs) > 0 {
		res, err := store.Append(ctx, "qd-service-hub", evs)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range models {
			if _, err := store.ApplyOnce(ctx, p.Name(), res.Batch, p.Apply); err != nil {
				t.Fatal(err)
			}
		}
	}
	api := &httpapi.Server{
		Log: store, Catalog: cat, AdminToken: testAdminToken,
		Logger: log, Registry: prometheus.NewRegistry(),
		Stats:      read.Store{Pool: pool},
		ReadModels: projections.Rebuilder{Pool: pool, Models: models}, Consumers: []string{"ingest_tally"},
	}
	h, err := api.Handler()
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv, pool
}

func newEvent(t *testing.T, typ, id, timeField string, data map[string]any) postgres.NewEvent {
	t.Helper()
	at, err := time.Parse(time.RFC3339Nano, data[timeField].(string))
	if err != nil {
		t.Fatal(err)
	}
	raw, err := json.Marshal(map[string]any{"specversion": "1.0", "id": id, "source": "qd-service-hub",
		"type": typ, "time": data[timeField], "data": data})
	if err != nil {
		t.Fatal(err)
	}
	dept, _ := data["department"].(string)
	if dept == "" {
		dept, _ = data["agency"].(string)
	}
	return postgres.NewEvent{Department: dept, Envelope: events.Envelope{SpecVersion: "1.0", ID: id,
		Source: "qd-service-hub", Type: typ, Time: at, Raw: raw}}
}

func caseEv(t *testing.T, id, accepted, finished string, change func(map[string]any)) postgres.NewEvent {
	d := map[string]any{
		"case_id": id, "item_code": "enterprise_establishment", "department": "qd-xzsp", "district": "shinan",
		"channel": "window", "mode": "standard", "accepted_at": accepted, "finished_at": finished,
		"promised_working_days": 1, "result": "approved", "assisted": false,
	}
	if change != nil {
		change(d)
	}
	return newEvent(t, events.TypeCaseFinished, id, "finished_at", d)
}

// statsCases is a stream whose statistics are counted by hand below.
func statsCases(t *testing.T) []postgres.NewEvent {
	return []postgres.NewEvent{
		// 0 working days.
		caseEv(t, "a1", "2024-03-01T09:00:00+08:00", "2024-03-01T16:00:00+08:00", nil),
		// Friday to Monday: 1 working day; rejected.
		caseEv(t, "a2", "2024-03-01T09:00:00+08:00", "2024-03-04T09:00:00+08:00", func(d map[string]any) { d["result"] = "rejected" }),
		// Across the 2024 Spring Festival: 3 working days, promised 1: overdue.
		caseEv(t, "a3", "2024-02-08T09:00:00+08:00", "2024-02-19T09:00:00+08:00", func(d map[string]any) { d["district"] = "laoshan" }),
		// Fri 03-01 to Fri 03-15: 10 working days of 20 promised.
		caseEv(t, "a4", "2024-03-01T09:00:00+08:00", "2024-03-15T09:00:00+08:00", func(d map[string]any) {
			d["district"], d["channel"], d["promised_working_days"] = "laoshan", "online", 20
		}),
		// Instant approval in 3 seconds.
		caseEv(t, "a5", "2024-03-05T10:00:00+08:00", "2024-03-05T10:00:03+08:00", func(d map[string]any) {
			d["item_code"], d["mode"], d["channel"], d["promised_working_days"] = "enterprise_establishment_instant", "instant", "online", 0
		}),
		// 2027: no holiday data, working days unknown.
		caseEv(t, "a6", "2026-12-31T09:00:00+08:00", "2027-01-05T09:00:00+08:00", nil),
	}
}

func get(t *testing.T, srv *httptest.Server, path string) (int, map[string]any) {
	t.Helper()
	resp, err := http.Get(srv.URL + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var body map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	return resp.StatusCode, body
}

// groups returns the answer's groups, failing unless the status is 200.
func groups(t *testing.T, srv *httptest.Server, path string) []map[string]any {
	t.Helper()
	status, body := get(t, srv, path)
	if status != http.StatusOK {
		t.Fatalf("GET %s: HTTP %d %v", path, status, body)
	}
	var out []map[string]any
	for _, g := range body["groups"].([]any) {
		out = append(out, g.(map[string]any))
	}
	return out
}

// check compares fields of a group; numbers compare as float64, nil as null.
func check(t *testing.T, what string, g map[string]any, want map[string]any) {
	t.Helper()
	for _, k := range slices.Sorted(maps.Keys(want)) {
		w := want[k]
		if wf, ok := w.(int); ok {
			w = float64(wf)
		}
		got := g[k]
		if gf, ok := got.(float64); ok {
			if wf, ok := w.(float64); ok && abs(gf-wf) < 1e-4 {
				continue
			}
		}
		if jsonText(got) != jsonText(w) {
			t.Errorf("%s: %s = %s, want %s", what, k, jsonText(got), jsonText(w))
		}
	}
}
func abs(f float64) float64 {
	if f < 0 {
		return -f
	}
	return f
}

func jsonText(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func TestCaseStats(t *testing.T) {
	srv, _ := statsServer(t, statsCases(t)...)

	gs := groups(t, srv, "/v1/stats/cases?from=2024-01-01&to=2024-12-31&department=&district=")
	if len(gs) != 1 {
		t.Fatalf("no group_by: %d groups, want 1", len(gs))
	}
	// Working days 0, 1, 3, 10, 0. Promises 1, 1, 1, 20, 0. p50: the 2.5th
	// of 5 is in bucket 1; p90: the 4.5th is half-way through bucket (5,10],
	// which holds 6..10: 8.
	check(t, "2024", gs[0], map[string]any{
		"key": map[string]any{}, "finished": 5, "approved": 4, "rejected": 1, "withdrawn": 0,
		"overdue": 1, "overdue_share": 0.2, "elapsed_unknown": 0,
		"avg_working_days": 2.8, "p50_working_days": 1, "p90_working_days": 8,
		"promised_avg": 4.6, "speedup": 1 - 14.0/23,
		"instant": 1, "instant_avg_seconds": 3, "instant_p50_seconds": 3,
	})

	gs = groups(t, srv, "/v1/stats/cases?from=2024-01-01&to=2024-12-31&group_by=district,channel")
	var keys []string
	for _, g := range gs {
		k := g["key"].(map[string]any)
		keys = append(keys, k["district"].(string)+"/"+k["channel"].(string)+"="+jsonText(g["finished"]))
	}
	if got, want := strings.Join(keys, " "), "laoshan/online=1 laoshan/window=1 shinan/online=1 shinan/window=2"; got != want {
		t.Errorf("group_by=district,channel: %s, want %s", got, want)
	}

	// Without dates, 2027 counts too; its working days are unknown.
	gs = groups(t, srv, "/v1/stats/cases?district=shinan&group_by=month,mode")
	if len(gs) != 3 {
		t.Fatalf("group_by=month,mode: %d groups, want 3: %v", len(gs), gs)
	}
	check(t, "2024-03 instant", gs[0], map[string]any{"key": map[string]any{"month": "2024-03", "mode": "instant"}, "finished": 1})
	check(t, "2024-03 standard", gs[1], map[string]any{"key": map[string]any{"month": "2024-03", "mode": "standard"}, "finished": 2, "avg_working_days": 0.5})
	check(t, "2027-01", gs[2], map[string]any{
		"key": map[string]any{"month": "2027-01", "mode": "standard"}, "finished": 1, "elapsed_unknown": 1,
		"avg_working_days": nil, "overdue_share": nil, "p50_working_days": nil, "speedup": nil, "promised_avg": 1,
	})

	// Dates are inclusive: the Spring Festival case is the only one on 02-19.
	gs = groups(t, srv, "/v1/stats/cases?from=2024-02-19&to=2024-02-19&group_by=day")
	if len(gs) != 1 {
		t.Fatalf("one day: %d groups, want 1", len(gs))
	}
	check(t, "2024-02-19", gs[0], map[string]any{"key": map[string]any{"day": "2024-02-19"}, "finished": 1, "avg_working_days": 3, "overdue": 1})

	gs = groups(t, srv, "/v1/stats/cases?mode=instant,commitment&channel=online")
	check(t, "instant", gs[0], map[string]any{"finished": 1, "instant": 1})

	// An empty range is one group of zeros, a grouped one no groups.
	gs = groups(t, srv, "/v1/stats/cases?from=2020-01-01&to=2020-01-31")
	check(t, "empty", gs[0], map[string]any{"finished": 0, "avg_working_days": nil})
	if gs := groups(t, srv, "/v1/stats/cases?from=2020-01-01&to=2020-01-31&group_by=day"); len(gs) != 0 {
		t.Errorf("grouped empty range: %d groups, want 0", len(gs))
	}
}

func TestLicenseAndLawsuitStats(t *testing.T) {
	lic := func(id, typ, applied, issued string, steps int, electronic bool, value any) postgres.NewEvent {
		d := map[string]any{"license_id": id, "license_type": typ, "holder_type": "enterprise", "department": "qd-xzsp",
			"district": "huangdao", "applied_at": applied, "issued_at": issued, "steps": steps, "electronic": electronic}
		if value != nil {
			d["contract_value_cny"] = value
		}
		return newEvent(t, events.TypeLicenseIssued, id, "issued_at", d)
	}
	hearing := func(id, role string) postgres.NewEvent {
		return newEvent(t, events.TypeLawsuitAppearance, id, "hearing_at", map[string]any{
			"case_number": id, "agency": "qd-zrzy", "court": "qd-court-intermediate", "hearing_at": "2024-04-10T14:00:00+08:00",
			"head_appeared": role != "staff", "appeared_role": role})
	}
	srv, _ := statsServer(t,
		lic("l1", "business_license", "2024-03-01T09:00:00+08:00", "2024-03-01T11:00:00+08:00", 1, true, nil),
		// 2019 National Day: 8 working days.
		lic("l2", "construction_permit", "2019-09-27T09:00:00+08:00", "2019-10-14T09:00:00+08:00", 4, false, 1000.5),
		hearing("h1", "head"), hearing("h2", "deputy_head"), hearing("h3", "staff"),
	)
	// Working days 0 and 8; p90: the 1.8th of 2 is 0.8 of the way through
	// bucket (5,10], which holds 6..10: 9.2.
	gs := groups(t, srv, "/v1/stats/licenses")
	check(t, "all licences", gs[0], map[string]any{
		"issued": 2, "within_1_working_day_share": 0.5, "avg_working_days": 4, "avg_steps": 2.5,
		"electronic_share": 0.5, "contract_value_cny": 1000.5, "contracts": 1, "p90_working_days": 9.2,
	})
	gs = groups(t, srv, "/v1/stats/licenses?license_type=construction_permit&group_by=license_type")
	check(t, "permits", gs[0], map[string]any{"key": map[string]any{"license_type": "construction_permit"}, "issued": 1, "within_1_working_day_share": 0})

	gs = groups(t, srv, "/v1/stats/lawsuits?agency=qd-zrzy&from=2024-04-10&to=2024-04-10&group_by=court")
	check(t, "hearings", gs[0], map[string]any{
		"key": map[string]any{"court": "qd-court-intermediate"}, "hearings": 3, "head_appearances": 2,
		"appearance_rate": 2.0 / 3, "by_role": map[string]any{"head": 1, "deputy_head": 1, "staff": 1},
	})
}

// TestStatsErrors: every bad parameter is a 400 that names it.
func TestStatsErrors(t *testing.T) {
	srv, _ := statsServer(t)
	for _, c := range []struct{ path, mention string }{
		{"/v1/stats/cases?foo=1", `"foo"`},
		{"/v1/stats/cases?from=2024-13-01", "from"},
		{"/v1/stats/cases?to=yesterday", "to"},
		{"/v1/stats/cases?from=2024-03-02&to=2024-03-01", "before from"},
		{"/v1/stats/cases?from=2024-01-01&from=2024-02-01", "from"},
		{"/v1/stats/cases?group_by=weekday", "group_by"},
		{"/v1/stats/cases?group_by=license_type", "group_by"},
		{"/v1/stats/cases?channel=fax", "channel"},
		{"/v1/stats/cases?department=qd-nope", "department"},
		{"/v1/stats/cases?item=nope", "item"},
		{"/v1/stats/licenses?channel=window", `"channel"`},
		{"/v1/stats/licenses?holder_type=robot", "holder_type"},
		{"/v1/stats/lawsuits?court=moon", "court"},
		{"/v1/stats/lawsuits?department=qd-xzsp", `"department"`},
	} {
		status, body := get(t, srv, c.path)
		msg, _ := body["error"].(string)
		if status != http.StatusBadRequest || body["code"] != "malformed" || !strings.Contains(msg, c.mention) {
			t.Errorf("GET %s: HTTP %d %v, want 400 malformed mentioning %s", c.path, status, body, c.mention)
		}
	}
}

// TestProjectionsAndRebuild: GET /v1/projections shows each consumer's
// progress, and the admin rebuild endpoint swaps in an equal table.
func TestProjectionsAndRebuild(t *testing.T) {
	srv, pool := statsServer(t, statsCases(t)...)
	status, body := get(t, srv, "/v1/projections")
	if status != http.StatusOK {
		t.Fatalf("GET /v1/projections: HTTP %d %v", status, body)
	}
	byName := map[string]map[string]any{}
	for _, p := range body["projections"].([]any) {
		m := p.(map[string]any)
		byName[m["name"].(string)] = m
	}
	for _, name := range []string{"case_stats", "license_stats", "lawsuit_stats"} {
		check(t, name, byName[name], map[string]any{"applied_batches": 1, "last_applied_seq": 6, "lag_events": 0, "lag_seconds": 0, "rebuildable": true})
		if byName[name]["last_applied_at"] == nil {
			t.Errorf("%s: last_applied_at is null", name)
		}
	}
	// The tally has applied nothing here: it is the whole log behind.
	check(t, "ingest_tally", byName["ingest_tally"], map[string]any{"applied_batches": 0, "lag_events": 6, "rebuildable": false, "last_applied_at": nil})
	if s := byName["ingest_tally"]["lag_seconds"].(float64); s <= 0 {
		t.Errorf("ingest_tally lag_seconds = %v, want > 0", s)
	}

	before := groups(t, srv, "/v1/stats/cases?group_by=day")
	post := func(path, token string) (int, map[string]any) {
		req, _ := http.NewRequest(http.MethodPost, srv.URL+path, nil)
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var b map[string]any
		_ = json.NewDecoder(resp.Body).Decode(&b)
		return resp.StatusCode, b
	}
	if status, b := post("/v1/admin/rebuild/case_stats", ""); status != http.StatusUnauthorized {
		t.Errorf("rebuild without token: HTTP %d %v, want 401", status, b)
	}
	if status, b := post("/v1/admin/rebuild/cases", testAdminToken); status != http.StatusNotFound || !strings.Contains(b["error"].(string), "case_stats") {
		t.Errorf("rebuild of an unknown model: HTTP %d %v, want 404 listing the models", status, b)
	}
	// Make the live table wrong, as a bug would; the rebuild repairs it.
	if _, err := pool.Exec(context.Background(), `UPDATE case_stats SET finished = finished + 100`); err != nil {
		t.Fatal(err)
	}
	status, b := post("/v1/admin/rebuild/case_stats", testAdminToken)
	if status != http.StatusOK {
		t.Fatalf("rebuild: HTTP %d %v", status, b)
	}
	reps := b["rebuilt"].([]any)
	check(t, "report", reps[0].(map[string]any), map[string]any{"projection": "case_stats", "batches": 1, "log_events": 6, "events": 6})
	if after := groups(t, srv, "/v1/stats/cases?group_by=day"); jsonText(after) != jsonText(before) {
		t.Errorf("stats after rebuild:\n%s\nwant\n%s", jsonText(after), jsonText(before))
	}
	status, b = post("/v1/admin/rebuild/all", testAdminToken)
	if want := len(projections.ReadModels(nil, nil)); status != http.StatusOK || len(b["rebuilt"].([]any)) != want {
		t.Errorf("rebuild all: HTTP %d %v, want %d reports", status, b, want)
	}
}
