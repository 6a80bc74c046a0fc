package grafana_test

import (
	"bytes"
	"encoding/json"
	"io/fs"
	"maps"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/govpulse/govpulse/alerting"
	"github.com/govpulse/govpulse/catalog"
	"github.com/govpulse/govpulse/grafana"
	"github.com/govpulse/govpulse/grafana/grafanatest"
	"github.com/govpulse/govpulse/targets"
)

func shippedTargets(t *testing.T) []targets.Target {
	t.Helper()
	cat, err := catalog.Load("")
	if err != nil {
		t.Fatal(err)
	}
	ts, err := targets.Load("", cat)
	if err != nil {
		t.Fatal(err)
	}
	if len(ts) == 0 {
		t.Fatal("no shipped targets")
	}
	return ts
}

func definitions(ts []targets.Target) grafana.Definitions {
	cat, err := catalog.Default()
	if err != nil {
		panic(err) // the shipped catalogue loads (shippedTargets checks it first)
	}
	return grafana.Definitions{Targets: ts, Alerting: alerting.DefaultOptions(), TimeZone: "Asia/Shanghai", Catalog: cat}
}

func boards(t *testing.T, ts []targets.Target) map[string][]byte {
	t.Helper()
	bs, err := grafana.Boards(definitions(ts))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]byte{}
	for _, b := range bs {
		j, err := b.JSON()
		if err != nil {
			t.Fatal(err)
		}
		out[b.File] = j
	}
	return out
}

// board is the part of a dashboard's JSON the tests look at.
type board struct {
	UID         string  `json:"uid"`
	Title       string  `json:"title"`
	Description string  `json:"description"`
	Editable    bool    `json:"editable"`
	Panels      []panel `json:"panels"`
	Templating  struct {
		List []struct {
			Name  string `json:"name"`
			Query string `json:"query"`
		} `json:"list"`
	} `json:"templating"`
}

type panel struct {
	ID          int    `json:"id"`
	Type        string `json:"type"`
	Title       string `json:"title"`
	Description string `json:"description"`
	Datasource  *struct {
		Type string `json:"type"`
		UID  string `json:"uid"`
	} `json:"datasource"`
	GridPos struct{ X, Y, W, H int } `json:"gridPos"`
	Options struct {
		Content string `json:"content"`
	} `json:"options"`
	FieldConfig struct {
		Defaults struct {
			Unit       string `json:"unit"`
			Thresholds struct {
				Steps []struct {
					Value *float64 `json:"value"`
					Color string   `json:"color"`
				} `json:"steps"`
			} `json:"thresholds"`
			Mappings []struct {
				Options map[string]struct {
					Text string `json:"text"`
				} `json:"options"`
			} `json:"mappings"`
		} `json:"defaults"`
		Overrides []struct {
			Matcher struct {
				Options string `json:"options"`
			} `json:"matcher"`
			Properties []grafanatest.OverrideProperty `json:"properties"`
		} `json:"overrides"`
	} `json:"fieldConfig"`
	Targets []struct {
		RefID string `json:"refId"`
		Expr  string `json:"expr"`
	} `json:"targets"`
}

func decode(t *testing.T, data []byte) board {
	t.Helper()
	var b board
	if err := json.Unmarshal(data, &b); err != nil {
		t.Fatal(err)
	}
	return b
}

func count(b board, typ string) int {
	n := 0
	for _, p := range b.Panels {
		if p.Type == typ {
			n++
		}
	}
	return n
}

// Each board builds, with its uid, title, variables and panels; every
// query names a data source the provisioning file provides.
func TestBoardsBuild(t *testing.T) {
	ts := shippedTargets(t)
	got := boards(t, ts)
	for _, tc := range []struct {
		file, uid, title string
		rows             int
		variables        []string
	}{
		{"govpulse-overview.json", "govpulse-overview", "govpulse 总览", 6, []string{"department", "district", "channel"}},
		{"govpulse-targets.json", "govpulse-targets", "govpulse 攻坚目标", 1 + len(ts), []string{"department"}},
		{"govpulse-licences.json", "govpulse-licences", "govpulse 证照与秒批", 2, []string{"license_type", "department"}},
		{"govpulse-lawsuits.json", "govpulse-lawsuits", "govpulse 行政诉讼", 0, []string{"agency", "court"}},
		{"govpulse-department.json", "govpulse-department", "govpulse 部门", 4, []string{"department", "district", "channel"}},
		{"govpulse-pipeline.json", "govpulse-pipeline", "govpulse 运行", 3, nil},
	} {
		data, ok := got[tc.file]
		if !ok {
			t.Errorf("no %s among %d boards", tc.file, len(got))
			continue
		}
		b := decode(t, data)
		if b.UID != tc.uid || b.Title != tc.title {
			t.Errorf("%s: uid %q title %q, want %q %q", tc.file, b.UID, b.Title, tc.uid, tc.title)
		}
		if !strings.Contains(b.Description, "govpulse dashboards") {
			t.Errorf("%s: description %q does not say how it is generated", tc.file, b.Description)
		}
		if b.Editable {
			t.Errorf("%s: editable; generated boards are read-only", tc.file)
		}
		if count(b, "row") != tc.rows {
			t.Errorf("%s: %d rows, want %d", tc.file, count(b, "row"), tc.rows)
		}
		var vars []string
		for _, v := range b.Templating.List {
			vars = append(vars, v.Name)
		}
		if !slices.Equal(vars, tc.variables) {
			t.Errorf("%s: variables %v, want %v", tc.file, vars, tc.variables)
		}
		for i, p := range b.Panels {
			if p.ID != i+1 {
				t.Errorf("%s: panel %d %q has id %d, want %d", tc.file, i, p.Title, p.ID, i+1)
			}
			if p.Title == "" {
				t.Errorf("%s: panel %d has no title", tc.file, p.ID)
			}
			if p.Type != "row" && !chineseAndEnglish.MatchString(p.Title) {
				t.Errorf("%s: panel title %q is not Chinese then English", tc.file, p.Title)
			}
			if p.Type != "row" && p.Type != "text" && !hasEnglishSentence(p.Description) {
				t.Errorf("%s: panel %q has no English description: %q", tc.file, p.Title, p.Description)
			}
			if p.GridPos.W == 0 || p.GridPos.H == 0 || p.GridPos.X+p.GridPos.W > 24 {
				t.Errorf("%s: panel %q at %+v does not fit the grid", tc.file, p.Title, p.GridPos)
			}
			if p.Type != "row" && p.Type != "text" && len(p.Targets) == 0 {
				t.Errorf("%s: %s panel %q has no query", tc.file, p.Type, p.Title)
			}
			for _, q := range p.Targets {
				ds := p.Datasource
				if ds == nil || !knownDatasource(*ds) {
					t.Errorf("%s: panel %q query %s: data source %+v is neither prometheus/%s nor %s/%s", tc.file, p.Title, q.RefID, ds,
						grafana.DatasourceUID, grafana.PostgresDatasourceType, grafana.PostgresDatasourceUID)
				}
			}
		}
	}
	if len(got) != 7 {
		t.Errorf("%d boards, want 7", len(got))
	}
}

// chineseAndEnglish is a title in Chinese (figures allowed), then, after
// a space, English.
var chineseAndEnglish = regexp.MustCompile(`^[0-9%]*\p{Han}[^A-Za-z]*\s[A-Za-z0-9]`)

// hasEnglishSentence reports whether s has a run of three English words.
func hasEnglishSentence(s string) bool {
	return regexp.MustCompile(`[A-Za-z]+ [a-z]+ [a-z]+`).MatchString(s)
}

func knownDatasource(ds struct {
	Type string `json:"type"`
	UID  string `json:"uid"`
}) bool {
	return ds.Type == "prometheus" && ds.UID == grafana.DatasourceUID ||
		ds.Type == grafana.PostgresDatasourceType && ds.UID == grafana.PostgresDatasourceUID
}

// The overview's department variable lists the departments that finished
// cases, and its status table maps 1 and 0 to met and missed.
func TestOverviewTargetStatusTable(t *testing.T) {
	b := decode(t, boards(t, shippedTargets(t))["govpulse-overview.json"])
	if q := b.Templating.List[0].Query; q != "label_values(govpulse_cases_finished_total, department)" {
		t.Errorf("department variable query = %q", q)
	}
	var table *panel
	for i, p := range b.Panels {
		if p.Type == "table" && strings.Contains(p.Title, "Target status") && p.Datasource.Type == "prometheus" {
			table = &b.Panels[i]
		}
	}
	if table == nil {
		t.Fatal("no target status table")
	}
	var metrics []string
	for _, q := range table.Targets {
		names, err := grafanatest.MetricNames(q.Expr)
		if err != nil {
			t.Fatal(err)
		}
		metrics = append(metrics, names...)
	}
	for _, want := range []string{"govpulse_target_met", "govpulse_target_value", "govpulse_target_threshold", "govpulse_target_samples"} {
		if !slices.Contains(metrics, want) {
			t.Errorf("status table does not query %s (queries %v)", want, metrics)
		}
	}
	var mapped []struct {
		Options map[string]struct {
			Text string `json:"text"`
		} `json:"options"`
	}
	for _, o := range table.FieldConfig.Overrides {
		if o.Matcher.Options != "Value #A" {
			continue
		}
		for _, p := range o.Properties {
			if p.ID == "mappings" {
				if err := json.Unmarshal(p.Value, &mapped); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	if len(mapped) != 1 || mapped[0].Options["1"].Text != "达标 met" || mapped[0].Options["0"].Text != "未达标 missed" {
		t.Errorf("status column (Value #A) mappings %+v, want 1 → 达标 met, 0 → 未达标 missed", mapped)
	}
}

// Each target has a row titled by its titles, a text with its
// definition, its value against the definition's threshold and its
// status; a target not per department shows only the city-wide result.
func TestTargetRowsFollowDefinitions(t *testing.T) {
	ts := shippedTargets(t)
	b := decode(t, boards(t, ts)["govpulse-targets.json"])
	// The rows of targets follow the row of status and history from PostgreSQL.
	b.Panels = slices.DeleteFunc(b.Panels, func(p panel) bool {
		return p.Datasource != nil && p.Datasource.Type == grafana.PostgresDatasourceType || strings.Contains(p.Title, "(PostgreSQL)")
	})
	byID := map[string]targets.Target{}
	for _, tg := range ts {
		byID[tg.ID] = tg
	}
	var ids []string
	for i, p := range b.Panels {
		if p.Type != "row" {
			continue
		}
		if i+3 >= len(b.Panels) {
			t.Fatalf("row %q is not followed by three panels", p.Title)
		}
		text, value, status := b.Panels[i+1], b.Panels[i+2], b.Panels[i+3]
		m := regexp.MustCompile("`([a-z0-9_]+)` \\|").FindStringSubmatch(text.Options.Content)
		if text.Type != "text" || m == nil {
			t.Fatalf("row %q: panel after it is %s %q without a target id", p.Title, text.Type, text.Options.Content)
		}
		tg, ok := byID[m[1]]
		if !ok {
			t.Fatalf("row %q: text names unknown target %q", p.Title, m[1])
		}
		ids = append(ids, tg.ID)
		if p.Title != tg.Title+" · "+tg.TitleEN {
			t.Errorf("row title %q, want the target's titles", p.Title)
		}
		for _, want := range []string{tg.Title, "`" + tg.Comparator + "`"} {
			if !strings.Contains(text.Options.Content, want) {
				t.Errorf("%s: text lacks %q:\n%s", tg.ID, want, text.Options.Content)
			}
		}
		if value.Type != "timeseries" || status.Type != "stat" {
			t.Fatalf("%s: panels %s, %s; want timeseries, stat", tg.ID, value.Type, status.Type)
		}
		// Green where the value meets the target: from the threshold for
		// >= and <, from just above it for > and <=.
		steps := value.FieldConfig.Defaults.Thresholds.Steps
		at := tg.Threshold
		if tg.Comparator == ">" || tg.Comparator == "<=" {
			at = math.Nextafter(at, math.Inf(1))
		}
		wantColors := [2]string{"red", "green"}
		if strings.HasPrefix(tg.Comparator, "<") {
			wantColors = [2]string{"green", "red"}
		}
		if len(steps) != 2 || steps[1].Value == nil || *steps[1].Value != at || steps[0].Color != wantColors[0] || steps[1].Color != wantColors[1] {
			t.Errorf("%s (%s %v): value thresholds %+v, want %s then %s from %v", tg.ID, tg.Comparator, tg.Threshold, steps, wantColors[0], wantColors[1], at)
		}
		if got := value.Targets[0].Expr; !strings.Contains(got, `govpulse_target_value{target="`+tg.ID+`"`) ||
			strings.Contains(got, `department="all"`) == tg.PerDepartment {
			t.Errorf("%s (per_department %v): value query %s", tg.ID, tg.PerDepartment, got)
		}
		if got := status.Targets[0].Expr; !strings.Contains(got, `govpulse_target_met{target="`+tg.ID+`"`) {
			t.Errorf("%s: status query %s", tg.ID, got)
		}
		mapped := status.FieldConfig.Defaults.Mappings
		if len(mapped) != 1 || mapped[0].Options["1"].Text != "达标 met" || mapped[0].Options["0"].Text != "未达标 missed" {
			t.Errorf("%s: status mappings %+v", tg.ID, mapped)
		}
	}
	if !slices.IsSorted(ids) || len(ids) != len(ts) {
		t.Errorf("target rows %v: want every target once, sorted by id", ids)
	}
}

// The same definitions, in any order, give the same bytes.
func TestBoardsAreDeterministic(t *testing.T) {
	ts := shippedTargets(t)
	first := boards(t, ts)
	reversed := slices.Clone(ts)
	slices.Reverse(reversed)
	for range 3 {
		again := boards(t, reversed)
		for f, data := range first {
			if !bytes.Equal(data, again[f]) {
				t.Errorf("%s differs between two builds", f)
			}
		}
	}
	for f, data := range first {
		if !json.Valid(data) || !bytes.HasSuffix(data, []byte("}\n")) || !bytes.Contains(data, []byte("\n  \"uid\"")) {
			t.Errorf("%s is not indented JSON ending in a newline", f)
		}
		if bytes.Contains(data, []byte(`\u003c`)) || bytes.Contains(data, []byte(`\u0026`)) {
			t.Errorf("%s escapes < or & in its text", f)
		}
	}
}

func TestBoardsRefuseDuplicateTargets(t *testing.T) {
	ts := shippedTargets(t)
	if _, err := grafana.Boards(definitions(append(ts, ts[0]))); err == nil || !strings.Contains(err.Error(), ts[0].ID) {
		t.Errorf("duplicate target: err = %v, want one naming %q", err, ts[0].ID)
	}
}

// Every expression of every board, and of every Grafana-managed alert
// rule, parses with Prometheus' own parser: promtool loads each as a
// recording rule.
func TestExpressionsParseWithPromtool(t *testing.T) {
	var all []grafanatest.Expr
	seen := map[string]bool{}
	bs := boards(t, shippedTargets(t))
	for _, f := range slices.Sorted(maps.Keys(bs)) {
		exprs, err := grafanatest.Expressions(bs[f])
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range exprs {
			if !seen[e.PromQL] {
				seen[e.PromQL] = true
				all = append(all, e)
			}
		}
	}
	// And the queries of the Grafana-managed alert rules.
	for _, r := range provisionedRules(t, files(t, shippedTargets(t))[grafana.AlertingFile]) {
		all = append(all, grafanatest.Expr{Where: "alert rule " + *r.Uid, PromQL: partsOf(t, r).promql})
	}
	if len(all) < 60 {
		t.Fatalf("only %d distinct expressions", len(all))
	}
	grafanatest.CheckPromQL(t, all)
}

// promtool really refuses a broken expression, so the check above means
// something.
func TestPromtoolCheckRefusesBrokenPromQL(t *testing.T) {
	ft := &fakeT{TB: t}
	grafanatest.CheckPromQL(ft, []grafanatest.Expr{{Where: "test", PromQL: `sum by (department) (rate(govpulse_cases_finished_total[$__rate_interval])`}})
	if !ft.failed {
		t.Error("promtool accepted an expression with an unclosed parenthesis")
	}
}

// fakeT records failures instead of failing the test.
type fakeT struct {
	testing.TB
	failed bool
}

func (f *fakeT) Errorf(string, ...any) { f.failed = true }

// Every metric a board queries is one govpulse's code exports: a
// govpulse_ name written in the collectors and instrumentation (or a
// histogram series of one), or a Watermill metric under govpulse_bus_.
// cmd/govpulse's TestDashboardMetricsAreExported checks them against a
// real scrape.
func TestBoardsQueryOnlyExportedMetrics(t *testing.T) {
	exported := metricNamesInCode(t)
	for f, data := range boards(t, shippedTargets(t)) {
		uses, err := grafanatest.MetricUses(data)
		if err != nil {
			t.Errorf("%s: %v", f, err)
		}
		for n, where := range uses {
			base := strings.TrimSuffix(strings.TrimSuffix(strings.TrimSuffix(n, "_bucket"), "_sum"), "_count")
			if !exported[n] && !exported[base] && !strings.HasPrefix(n, "govpulse_bus_handler_") {
				t.Errorf("%s: %s uses %s, which govpulse does not export", f, strings.Join(where, ", "), n)
			}
		}
	}
}

// metricNamesInCode collects the govpulse_ metric names written as string
// literals in the packages that export metrics (and their subpackages).
func metricNamesInCode(t *testing.T) map[string]bool {
	t.Helper()
	lit := regexp.MustCompile(`Name:\s*"(govpulse_[a-z0-9_]+)"|(?:NewDesc|desc)\("(govpulse_[a-z0-9_]+)"`)
	names := map[string]bool{}
	for _, dir := range []string{"projections", "targets", "httpapi", "bus", "portal"} {
		err := filepath.WalkDir(filepath.Join("..", dir), func(f string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || !strings.HasSuffix(f, ".go") || strings.HasSuffix(f, "_test.go") {
				return err
			}
			src, err := os.ReadFile(f)
			if err != nil {
				return err
			}
			for _, m := range lit.FindAllStringSubmatch(string(src), -1) {
				names[m[1]+m[2]] = true
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	for _, want := range []string{"govpulse_cases_finished_total", "govpulse_target_met", "govpulse_http_requests_total", "govpulse_bus_poison_queue_messages"} {
		if !names[want] {
			t.Fatalf("found no %s in the code; the search for metric names is broken (found %v)", want, names)
		}
	}
	return names
}

// Each board reads back strictly into the SDK's dashboard model (no
// field unknown to it, none of the wrong type or missing; PostgreSQL
// queries as grafana.SQLQuery, itself strict) and gives the same JSON
// again.
func TestBoardsUnmarshalStrictlyWithTheSDKTypes(t *testing.T) {
	bs, err := grafana.Boards(definitions(shippedTargets(t)))
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range bs {
		data, err := b.JSON()
		if err != nil {
			t.Fatal(err)
		}
		back, err := grafanatest.StrictDashboard(data)
		if err != nil {
			t.Errorf("%s: %v", b.File, err)
			continue
		}
		var sql int
		for _, p := range back.Panels {
			if p.Panel == nil {
				continue
			}
			for _, q := range p.Panel.Targets {
				if _, ok := q.(grafana.SQLQuery); ok {
					sql++
				}
			}
		}
		if b.Folder.Dir != "operations" && sql == 0 {
			t.Errorf("%s: no query read back as grafana.SQLQuery", b.File)
		}
		again, err := grafana.Board{File: b.File, Dashboard: back}.JSON()
		if err != nil {
			t.Fatal(err)
		}
		// Override values are untyped in the model, so their keys come
		// back sorted: compare the JSON values, not the bytes.
		var want, got any
		if err := json.Unmarshal(data, &want); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(again, &got); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s changes when read back into the SDK model and written again", b.File)
		}
	}
}

// The strict reading refuses what Grafana's model does not have, so the
// test above means something.
func TestStrictDashboardRefusesUnknownFields(t *testing.T) {
	data := boards(t, shippedTargets(t))["govpulse-department.json"]
	for _, tc := range []struct{ from, to, want string }{
		{`"rawQuery": true`, `"rawQuery": true, "rawSQL": "SELECT 1"`, `rawSQL: unknown field`},
		{`"reduceOptions": {`, `"reduceOption": {}, "reduceOptions": {`, "reduceOption"},
		{`"expr": "`, `"exp": "up", "expr": "`, "exp"},
		{`"gridPos": {`, `"gridpos": {}, "gridPos": {`, "gridpos"},
		{`"editorMode": "code"`, `"editorMode": "builder"`, "editorMode"},
	} {
		broken := bytes.Replace(data, []byte(tc.from), []byte(tc.to), 1)
		if bytes.Equal(broken, data) {
			t.Fatalf("%q is not in the board", tc.from)
		}
		if _, err := grafanatest.StrictDashboard(broken); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s → %s: err = %v, want one naming %q", tc.from, tc.to, err, tc.want)
		}
	}
}
