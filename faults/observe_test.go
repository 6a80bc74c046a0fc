package faults

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/govpulse/govpulse/internal/promtest"
	"github.com/govpulse/govpulse/projections/read"
	"github.com/govpulse/govpulse/targets"
)

// readModelQueries read each read model's rows as "key columns" and
// "measures", in the order expectFigures writes them.
var readModelQueries = map[string]string{
	"case_stats": `SELECT concat_ws('|', day::text, department, district, channel, mode, item),
		concat_ws('|', finished, approved, rejected, withdrawn, assisted, elapsed_unknown, overdue, elapsed_wd_sum,
			promised_wd_sum, promised_cases, promised_elapsed_sum, promised_limit_sum, elapsed_wd_hist::text,
			instant, instant_ms_sum, instant_seconds_hist::text)
		FROM case_stats`,
	"license_stats": `SELECT concat_ws('|', day::text, license_type, department, district, holder_type),
		concat_ws('|', issued, elapsed_unknown, within_1wd, elapsed_wd_sum, elapsed_wd_hist::text, steps_sum,
			electronic, contracts, contract_value_fen)
		FROM license_stats`,
	"lawsuit_stats": `SELECT concat_ws('|', day::text, agency, court),
		concat_ws('|', hearings, head_appearances, role_head, role_deputy_head, role_staff)
		FROM lawsuit_stats`,
}

// connect opens a connection to url for one check, which has a minute in
// all (ctx); done closes the connection.
func connect(t testing.TB, url string) (ctx context.Context, c *pgx.Conn, done func()) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	c, err := pgx.Connect(ctx, url)
	if err != nil {
		cancel()
		t.Fatalf("connect: %v", err)
	}
	return ctx, c, func() {
		c.Close(context.Background())
		cancel()
	}
}

func queryRows(t testing.TB, url, query string) map[string]string {
	t.Helper()
	ctx, c, done := connect(t, url)
	defer done()
	rows, err := c.Query(ctx, query)
	if err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	out := map[string]string{}
	for rows.Next() {
		var k, v string
		if err := rows.Scan(&k, &v); err != nil {
			t.Fatal(err)
		}
		if _, dup := out[k]; dup {
			t.Errorf("%s: key %s twice", query, k)
		}
		out[k] = v
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// readModels reads the three read models' rows through SQL.
func readModels(t testing.TB, dbURL string) figures {
	t.Helper()
	return figures{
		Cases:    queryRows(t, dbURL, readModelQueries["case_stats"]),
		Licenses: queryRows(t, dbURL, readModelQueries["license_stats"]),
		Lawsuits: queryRows(t, dbURL, readModelQueries["lawsuit_stats"]),
	}
}

// api is a client of one instance's HTTP API. Its answers decode into the
// types the server encodes them from (cmd/govpulse's tests hold their
// documented shape).
type api struct {
	t      testing.TB
	url    string
	client *http.Client
}

func newAPI(t testing.TB, url string) *api {
	return &api{t: t, url: url, client: &http.Client{Timeout: 30 * time.Second}}
}

// get fetches path and decodes a 200 answer into v (when v is not nil); it
// returns the body.
func (a *api) get(path, token string, v any) []byte {
	a.t.Helper()
	status, body := a.do(http.MethodGet, path, token)
	if status != http.StatusOK {
		a.t.Fatalf("GET %s%s: HTTP %d: %s", a.url, path, status, body)
	}
	if v != nil {
		if err := json.Unmarshal(body, v); err != nil {
			a.t.Fatalf("GET %s: %v: %s", path, err, body)
		}
	}
	return body
}

// do sends a request without a body to path and returns the answer's
// status and body, whatever the status.
func (a *api) do(method, path, token string) (int, []byte) {
	a.t.Helper()
	status, body, _, err := httpDo(context.Background(), a.client, method, a.url+path, token)
	if err != nil {
		a.t.Fatalf("%s %s%s: %v", method, a.url, path, err)
	}
	return status, body
}

// tally reads GET /v1/ingest/tally, summed over days, per source|type.
func (a *api) tally() map[string]int64 {
	a.t.Helper()
	var r struct {
		Rows []read.TallyRow `json:"rows"`
	}
	a.get("/v1/ingest/tally", adminToken, &r)
	out := map[string]int64{}
	for _, row := range r.Rows {
		out[row.Source+"|"+row.Type] += row.Events
	}
	return out
}

// targets reads GET /v1/targets for targetsAt, per target|department.
func (a *api) targets() map[string]string {
	a.t.Helper()
	var r struct {
		Results []targets.Result `json:"results"`
	}
	a.get("/v1/targets?at="+targetsAt, "", &r)
	out := map[string]string{}
	for _, x := range r.Results {
		if x.Value == nil {
			out[x.Target+"|"+x.Department] = fmt.Sprintf("value=nil samples=%d", x.Samples)
			continue
		}
		out[x.Target+"|"+x.Department] = targetText(*x.Value, x.Samples)
	}
	return out
}

// metrics scrapes /metrics and returns every sample whose name starts
// with one of prefixes, as "name{labels}" → value.
func (a *api) metrics(prefixes ...string) map[string]float64 {
	a.t.Helper()
	return promtest.Parse(a.t, a.get("/metrics", "", nil)).Series(prefixes...)
}

// domainMetricPrefixes are the metrics govpulse reads from the read models
// at scrape time: every instance must serve the same values.
var domainMetricPrefixes = []string{
	"govpulse_cases_", "govpulse_case_", "govpulse_licenses_", "govpulse_license_", "govpulse_lawsuit_",
	"govpulse_target_value", "govpulse_target_samples", "govpulse_target_met",
}

// expectedCaseMetric is govpulse_cases_finished_total by department,
// district, channel and mode, from the generator's figures.
func expectedCasesFinished(evs []genEvent) map[string]float64 {
	out := map[string]float64{}
	for i := range evs {
		if c := evs[i].Case; c != nil {
			out[fmt.Sprintf(`govpulse_cases_finished_total{channel=%q,department=%q,district=%q,mode=%q}`, c.Channel, c.Department, c.District, c.Mode)]++
		}
	}
	return out
}

// logKeys reads every event's key and seq from the log through SQL and
// reports keys stored more than once.
func logKeys(t testing.TB, dbURL string) (map[string]int64, []string) {
	t.Helper()
	ctx, c, done := connect(t, dbURL)
	defer done()
	rows, err := c.Query(ctx, `SELECT source, id, seq FROM events ORDER BY seq`)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]int64{}
	var twice []string
	var last int64
	for rows.Next() {
		var src, id string
		var seq int64
		if err := rows.Scan(&src, &id, &seq); err != nil {
			t.Fatal(err)
		}
		if seq != last+1 {
			twice = append(twice, fmt.Sprintf("gap in the log: seq %d follows %d", seq, last))
		}
		last = seq
		k := src + "\x00" + id
		if _, dup := out[k]; dup {
			twice = append(twice, fmt.Sprintf("%s/%s stored twice", src, id))
		}
		out[k] = seq
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out, twice
}
