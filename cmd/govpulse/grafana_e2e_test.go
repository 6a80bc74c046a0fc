package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/grafana/grafana-foundation-sdk/go/expr"
	"github.com/grafana/grafana-foundation-sdk/go/prometheus"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/govpulse/govpulse/alerting/alertingtest"
	"github.com/govpulse/govpulse/grafana"
	"github.com/govpulse/govpulse/grafana/grafanatest"
	"github.com/govpulse/govpulse/internal/pgtest"
	"github.com/govpulse/govpulse/postgres"
)

// grafanaE2EScale is the demo scale of the boards' proof: enough events
// for every target to have a status in every window it is evaluated on.
const grafanaE2EScale = "0.2"

// Grafana cannot run here, so this test does what it would do with every
// board the shipped definitions generate: a real govpulse is loaded with
// the demo, a real Prometheus scrapes it, and then every query of every
// board is sent where Grafana would send it, with its variables and
// macros expanded as Grafana does:
//
//   - each board reads strictly into the SDK's types;
//   - each variable's query returns options (label values from
//     Prometheus, rows from PostgreSQL as the read-only role);
//   - each PromQL expression returns data from Prometheus, with "All"
//     chosen, and runs with the first option of every variable chosen;
//   - each SQL query runs on PostgreSQL as govpulse_boards, with the
//     macros expanded for the demo year, and returns rows with a value
//     (and, as a time series, a sorted time column);
//   - each link between boards points at a board that exists;
//   - each Grafana-managed alert rule's query returns data, and its
//     threshold fires exactly where govpulse says the target is missed
//     (or at risk).
func TestEveryBoardQueryReturnsData(t *testing.T) {
	alertingtest.Tool(t, "prometheus")
	dir := t.TempDir()
	srv := startServer(t, useDemoSources(t), withServeEnv(t, map[string]string{
		"GOVPULSE_TARGETS_INTERVAL": "1s",
		"GOVPULSE_TARGETS_AS_OF":    "2025-12-31",
	}))
	promStart := time.Now()
	prom := alertingtest.StartPrometheus(t, dir, fmt.Sprintf(`global:
  scrape_interval: 1s
  evaluation_interval: 1s
scrape_configs:
  - job_name: govpulse
    static_configs: [{targets: [%q]}]
`, srv.Main.Addr()))
	p := &promAPI{t: t, url: prom.URL}
	p.waitFor("govpulse scraped", func() bool { return p.value(`up{job="govpulse"}`) == 1 })

	// The demo year, sent as the departments' systems send it, in two
	// halves: Prometheus sees a counter grow only between two samples, so
	// the first half makes the series and the second half their increase.
	// Then a refused event, for the rejection panels.
	env := demoTokens()
	db := boardsConn(t, srv.DBURL)
	var stdout, stderr bytes.Buffer
	for _, half := range [][2]string{{"2025-01-01", "2025-06-30"}, {"2025-07-01", "2025-12-31"}} {
		if err := run(context.Background(), []string{"demo", "--url", srv.URL, "--scale", grafanaE2EScale, "--sources-env", "", "--from", half[0], "--to", half[1]},
			func(k string) string { return env[k] }, &stdout, &stderr); err != nil {
			t.Fatalf("demo %v: %v\n%s\n%s", half, err, &stdout, &stderr)
		}
		waitApplied(t, srv, 3*time.Minute)
		var cases float64
		if err := db.QueryRow(context.Background(), `SELECT sum(finished)::float8 FROM boards.case_stats`).Scan(&cases); err != nil || cases == 0 {
			t.Fatalf("boards.case_stats as %s: %v cases (%v)", postgres.BoardsRole, cases, err)
		}
		// Prometheus has the figures (the domain collector caches them
		// for 10 s) and, after the second half, target results: the
		// targets are evaluated as of 2025-12-31.
		p.waitFor(fmt.Sprintf("Prometheus to scrape the read models loaded up to %s", half[1]), func() bool {
			return p.value(`sum(max without (instance) (govpulse_cases_finished_total))`) == cases &&
				(half[1] != "2025-12-31" || p.value(`count(govpulse_target_met)`) > 0)
		})
	}
	bad := caseFinished(t, "qd-approval-bureau", "grafana-e2e-bad")
	bad.data()["department"] = "qd-nowhere"
	if r := srv.postEvents(env["GOVPULSE_TOKEN_QD_APPROVAL"], bad); r.Status != http.StatusUnprocessableEntity && r.Status != http.StatusForbidden {
		t.Fatalf("an event of an unknown department: want 403 or 422, got %s", r)
	}
	loaded := time.Now()
	p.waitFor("Prometheus to scrape a few more times", func() bool { return time.Since(loaded) > 3*time.Second })
	window := (time.Since(promStart) + 15*time.Second).Round(time.Second)
	ivl := grafanatest.Intervals{Interval: time.Hour, RateInterval: window, Range: window}
	yearStart := time.Date(2025, 1, 1, 0, 0, 0, 0, time.FixedZone("CST", 8*3600))
	span := grafanatest.TimeRange{From: yearStart, To: time.Now().Add(time.Hour)}

	out := filepath.Join(dir, "grafana")
	if err := run(context.Background(), []string{"dashboards", "--out", out}, func(string) string { return "" }, &stdout, &stderr); err != nil {
		t.Fatalf("govpulse dashboards: %v\n%s", err, &stderr)
	}
	var boards []grafanatest.Board
	for _, rel := range generatedGrafanaFiles(t, out) {
		if !strings.HasSuffix(rel, ".json") {
			continue
		}
		data, err := os.ReadFile(filepath.Join(out, rel))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := grafanatest.StrictDashboard(data); err != nil {
			t.Errorf("%s does not read strictly into the SDK's types: %v", rel, err)
		}
		b, err := grafanatest.Parse(data)
		if err != nil {
			t.Fatal(err)
		}
		boards = append(boards, b)
	}

	var n struct{ promql, sql, variables, links, rules int }
	uids := map[string]grafanatest.Board{}
	for _, b := range boards {
		uids[b.UID] = b
	}
	for _, b := range boards {
		for _, scenario := range []string{"all", "first"} {
			sel := chooseOptions(t, p, db, b, scenario, ivl)
			if scenario == "all" {
				n.variables += len(b.Variables)
			}
			for _, q := range b.Queries {
				switch q.Datasource {
				case grafanatest.PrometheusType:
					checkPromQL(t, p, b, q, sel, ivl, scenario == "all")
					if scenario == "all" {
						n.promql++
					}
				case grafanatest.PostgresType:
					checkSQL(t, db, b, q, sel, ivl, span, scenario == "all")
					if scenario == "all" {
						n.sql++
					}
				default:
					t.Errorf("%s: data source %q", q.Where, q.Datasource)
				}
			}
		}
		for _, l := range b.Links {
			n.links++
			uid, query, ok := l.BoardUID()
			target, exists := uids[uid]
			if !ok || !exists {
				t.Errorf("%s: %s does not point at one of the boards", l.Where, l.URL)
				continue
			}
			for k := range query {
				if name, ok := strings.CutPrefix(k, "var-"); ok && !slices.ContainsFunc(target.Variables, func(v grafanatest.Variable) bool { return v.Name == name }) {
					t.Errorf("%s: sets variable %s, which %s does not have", l.Where, name, uid)
				}
			}
		}
	}
	alertFile, err := os.ReadFile(filepath.Join(out, filepath.FromSlash(grafana.AlertingFile)))
	if err != nil {
		t.Fatal(err)
	}
	var firing, quiet int
	n.rules, firing, quiet = checkAlertRules(t, p, alertFile)
	t.Logf("%d boards: %d PromQL queries returned data from Prometheus, %d SQL queries returned rows as %s, %d variables returned options, %d links point at boards; %d Grafana-managed rules agree with govpulse on %d firing and %d quiet results",
		len(boards), n.promql, n.sql, postgres.BoardsRole, n.variables, n.links, n.rules, firing, quiet)
	if len(boards) != 7 || n.promql < 60 || n.sql < 40 || n.rules < 12 || firing == 0 || quiet == 0 {
		t.Errorf("too little was checked: %+v", n)
	}
}

// boardsConn is a connection to the database as the boards' read-only
// role, as Grafana's data source connects; it cannot read the event log.
func boardsConn(t *testing.T, dbURL string) *pgx.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c := pgtest.Connect(t, dbURL)
	if _, err := c.Exec(ctx, "SET ROLE "+postgres.BoardsRole); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Exec(ctx, "SET statement_timeout = '30s'"); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Exec(ctx, "SELECT count(*) FROM events"); err == nil || !strings.Contains(err.Error(), "permission denied") {
		t.Fatalf("%s reading the event log: err = %v, want permission denied", postgres.BoardsRole, err)
	}
	return c
}

// chooseOptions runs each variable's query in order (a variable's query
// may use those before it) and chooses, in scenario "all", All for a
// multi-value variable and the first option otherwise (what Grafana
// shows first), in scenario "first" the first option of every variable.
func chooseOptions(t *testing.T, p *promAPI, db *pgx.Conn, b grafanatest.Board, scenario string, ivl grafanatest.Intervals) map[string]grafanatest.Selection {
	t.Helper()
	sel := map[string]grafanatest.Selection{}
	for _, v := range b.Variables {
		where := fmt.Sprintf("%s: variable %s (%s)", b.UID, v.Name, scenario)
		q, err := grafanatest.Interpolate(v.Query, v.Datasource, b.Variables, sel, ivl)
		if err != nil {
			t.Fatalf("%s: %v", where, err)
		}
		var options []string
		switch v.Datasource {
		case grafanatest.PrometheusType:
			selector, label, ok := grafanatest.LabelValues(q)
			if !ok {
				t.Fatalf("%s: %q is not label_values(selector, label)", where, q)
			}
			options = p.labelValues(label, selector)
		case grafanatest.PostgresType:
			rows, err := db.Query(context.Background(), q)
			if err != nil {
				t.Fatalf("%s: %v\n%s", where, err, q)
			}
			options, err = pgx.CollectRows(rows, pgx.RowTo[string])
			if err != nil {
				t.Fatalf("%s: %v\n%s", where, err, q)
			}
		default:
			t.Fatalf("%s: data source %q", where, v.Datasource)
		}
		if len(options) == 0 {
			t.Fatalf("%s returns no options: %s", where, q)
		}
		if scenario == "all" && v.IncludeAll {
			sel[v.Name] = grafanatest.Selection{All: true, Values: options}
		} else {
			sel[v.Name] = grafanatest.Selection{Values: options[:1]}
		}
	}
	return sel
}

func checkPromQL(t *testing.T, p *promAPI, b grafanatest.Board, q grafanatest.Query, sel map[string]grafanatest.Selection, ivl grafanatest.Intervals, needData bool) {
	t.Helper()
	e, err := grafanatest.Interpolate(q.Expr, grafanatest.PrometheusType, b.Variables, sel, ivl)
	if err != nil {
		t.Errorf("%s: %v", q.Where, err)
		return
	}
	samples, err := p.query(e)
	if err != nil {
		t.Errorf("%s: Prometheus refuses %s: %v", q.Where, e, err)
		return
	}
	if !needData {
		return
	}
	if !slices.ContainsFunc(samples, func(s promSample) bool { return !math.IsNaN(s.value) }) {
		t.Errorf("%s returns no data (%d samples, all NaN or none): %s", q.Where, len(samples), e)
	}
}

func checkSQL(t *testing.T, db *pgx.Conn, b grafanatest.Board, q grafanatest.Query, sel map[string]grafanatest.Selection, ivl grafanatest.Intervals, span grafanatest.TimeRange, needData bool) {
	t.Helper()
	s, err := grafanatest.Interpolate(q.RawSQL, grafanatest.PostgresType, b.Variables, sel, ivl)
	if err == nil {
		s, err = grafanatest.ExpandMacros(s, span)
	}
	if err != nil {
		t.Errorf("%s: %v", q.Where, err)
		return
	}
	if unexpanded.MatchString(s) {
		t.Errorf("%s: something is left unexpanded: %s", q.Where, s)
		return
	}
	rows, err := db.Query(context.Background(), s)
	if err != nil {
		t.Errorf("%s: PostgreSQL refuses it as %s: %v\n%s", q.Where, postgres.BoardsRole, err, s)
		return
	}
	defer rows.Close()
	cols := rows.FieldDescriptions()
	timeCol := slices.IndexFunc(cols, func(f pgconn.FieldDescription) bool { return f.Name == "time" })
	var count, values int
	var last float64 = math.Inf(-1)
	for rows.Next() {
		vs, err := rows.Values()
		if err != nil {
			t.Errorf("%s: %v", q.Where, err)
			return
		}
		count++
		for i, v := range vs {
			if i != timeCol && v != nil {
				if _, isText := v.(string); !isText {
					values++
				}
			}
		}
		if q.Format == string(grafana.SQLFormatTimeSeries) {
			if timeCol < 0 {
				t.Errorf("%s: a time series query without a time column: %s", q.Where, s)
				return
			}
			at := timeValue(vs[timeCol])
			if at < last {
				t.Errorf("%s: rows are not sorted by time", q.Where)
				return
			}
			last = at
		}
	}
	if err := rows.Err(); err != nil {
		t.Errorf("%s: %v\n%s", q.Where, err, s)
		return
	}
	if needData && (count == 0 || values == 0) {
		t.Errorf("%s returns %d rows, %d values, as %s:\n%s", q.Where, count, values, postgres.BoardsRole, s)
	}
}

// unexpanded is a variable or macro left in a query ("$" also ends
// regular expressions: '^(a|b)$').
var unexpanded = regexp.MustCompile(`\$[\w{]|\[\[`)

// timeValue is a time column's value as Unix seconds.
func timeValue(v any) float64 {
	switch x := v.(type) {
	case time.Time:
		return float64(x.UnixNano()) / 1e9
	case float64:
		return x
	case int64:
		return float64(x)
	}
	return math.NaN()
}

// checkAlertRules runs each Grafana-managed rule's Prometheus query and
// applies its threshold as Grafana would (last value, then the
// condition): the rule fires for exactly the results govpulse reports
// missed (or at risk). It returns how many rules it checked.
func checkAlertRules(t *testing.T, p *promAPI, file []byte) (rules, firing, quiet int) {
	t.Helper()
	f, err := grafanatest.ProvisionedRules(file, "govpulse-reform-office")
	if err != nil {
		t.Error(err)
	}
	if len(f.Groups) != 1 {
		t.Fatalf("alerting file: %d groups, want 1", len(f.Groups))
	}
	for _, r := range f.Groups[0].Rules {
		var promql string
		var ev expr.ExprTypeThresholdConditionsEvaluator
		for _, d := range r.Data {
			switch m := d.Model.(type) {
			case *prometheus.Dataquery:
				promql = m.Expr
			case *expr.Expr:
				if m.TypeThreshold != nil {
					ev = m.TypeThreshold.Conditions[0].Evaluator
				}
			}
		}
		samples, err := p.query(promql)
		if err != nil || len(samples) == 0 {
			t.Errorf("rule %s: its query returns no data (%v): %s", *r.Uid, err, promql)
			continue
		}
		target := r.Labels["target"]
		truth := `max by (target, department) (govpulse_target_met{target="` + target + `"}) == 0`
		if r.Labels[grafana.LabelAlert] == "GovpulseTargetAtRisk" {
			truth = `max by (target, department) (govpulse_target_at_risk{target="` + target + `"}) == 1`
		}
		want := map[string]bool{}
		truthSamples, err := p.query(truth)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range truthSamples {
			want[s.labels["department"]] = true
		}
		got := map[string]bool{}
		for _, s := range samples {
			if fires(ev, s.value) {
				got[s.labels["department"]] = true
				firing++
			} else {
				quiet++
			}
		}
		if !mapsEqual(got, want) {
			t.Errorf("rule %s fires for %v; govpulse says %v (%s)", *r.Uid, keysOf(got), keysOf(want), truth)
		}
		rules++
	}
	return rules, firing, quiet
}

// fires applies a threshold condition to a value as Grafana does.
func fires(ev expr.ExprTypeThresholdConditionsEvaluator, v float64) bool {
	th := ev.Params[0]
	switch ev.Type {
	case expr.ExprTypeThresholdConditionsEvaluatorTypeGt:
		return v > th
	case expr.ExprTypeThresholdConditionsEvaluatorTypeGte:
		return v >= th
	case expr.ExprTypeThresholdConditionsEvaluatorTypeLt:
		return v < th
	case expr.ExprTypeThresholdConditionsEvaluatorTypeLte:
		return v <= th
	}
	panic("threshold type " + string(ev.Type))
}

func mapsEqual(a, b map[string]bool) bool {
	if len(a) != len(b) {
		return false
	}
	for k := range a {
		if !b[k] {
			return false
		}
	}
	return true
}

func keysOf(m map[string]bool) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}

// promAPI queries a Prometheus server's HTTP API.
type promAPI struct {
	t   *testing.T
	url string
}

type promSample struct {
	labels map[string]string
	value  float64
}

// query runs an instant query now and returns its samples (a scalar is
// one sample without labels).
func (p *promAPI) query(q string) ([]promSample, error) {
	var resp struct {
		Status string `json:"status"`
		Error  string `json:"error"`
		Data   struct {
			ResultType string          `json:"resultType"`
			Result     json.RawMessage `json:"result"`
		} `json:"data"`
	}
	if err := p.get("/api/v1/query?query="+url.QueryEscape(q), &resp); err != nil {
		return nil, err
	}
	if resp.Status != "success" {
		return nil, fmt.Errorf("%s", resp.Error)
	}
	parse := func(v []any) float64 {
		s, _ := v[1].(string)
		f, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return math.NaN()
		}
		return f
	}
	switch resp.Data.ResultType {
	case "scalar":
		var v []any
		if err := json.Unmarshal(resp.Data.Result, &v); err != nil {
			return nil, err
		}
		return []promSample{{value: parse(v)}}, nil
	case "vector":
		var vs []struct {
			Metric map[string]string `json:"metric"`
			Value  []any             `json:"value"`
		}
		if err := json.Unmarshal(resp.Data.Result, &vs); err != nil {
			return nil, err
		}
		out := make([]promSample, len(vs))
		for i, v := range vs {
			out[i] = promSample{labels: v.Metric, value: parse(v.Value)}
		}
		return out, nil
	}
	return nil, fmt.Errorf("result type %s", resp.Data.ResultType)
}

// value is the single value of q, NaN without exactly one sample.
func (p *promAPI) value(q string) float64 {
	s, err := p.query(q)
	if err != nil {
		p.t.Fatalf("%s: %v", q, err)
	}
	if len(s) != 1 {
		return math.NaN()
	}
	return s[0].value
}

func (p *promAPI) labelValues(label, selector string) []string {
	var resp struct {
		Status string   `json:"status"`
		Error  string   `json:"error"`
		Data   []string `json:"data"`
	}
	if err := p.get("/api/v1/label/"+url.PathEscape(label)+"/values?match[]="+url.QueryEscape(selector), &resp); err != nil || resp.Status != "success" {
		p.t.Fatalf("label values of %s for %s: %v %s", label, selector, err, resp.Error)
	}
	return resp.Data
}

func (p *promAPI) get(path string, v any) error {
	client := &http.Client{Timeout: 30 * time.Second}
	resp, err := client.Get(p.url + path)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	return json.NewDecoder(resp.Body).Decode(v)
}

// waitFor polls cond for up to three minutes (a busy machine applies a
// demo half slowly).
func (p *promAPI) waitFor(what string, cond func() bool) {
	p.t.Helper()
	waitForCondition(p.t, what, 3*time.Minute, cond)
}

// waitApplied waits until every consumer has applied the whole log.
func waitApplied(t *testing.T, srv *testServer, within time.Duration) {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		r := srv.get("/v1/projections", "")
		var p projectionsReply
		decodeInto(t, r, &p)
		behind := len(p.Projections) == 0
		for _, x := range p.Projections {
			behind = behind || x.LagEvents > 0
		}
		if !behind {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("consumers not caught up after %s: %s", within, r.Body)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
