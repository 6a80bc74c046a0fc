package grafana_test

import (
	"bytes"
	"encoding/json"
	"math"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/govpulse/govpulse/grafana"
	"github.com/govpulse/govpulse/grafana/grafanatest"
	"github.com/govpulse/govpulse/postgres"
	"github.com/govpulse/govpulse/targets"
)

// The data sources file provides the two data sources the boards query,
// under the uids they name; PostgreSQL as the read-only role, its
// password left to Grafana's environment. The providers file provisions
// each board's directory into its audience's folder.
func TestProvisioningFilesMatchTheBoards(t *testing.T) {
	fs := files(t, shippedTargets(t))
	var ds struct {
		APIVersion  int `yaml:"apiVersion"`
		Datasources []struct {
			Name, UID, Type, URL, User string
			JSONData                   map[string]any    `yaml:"jsonData"`
			SecureJSONData             map[string]string `yaml:"secureJsonData"`
		} `yaml:"datasources"`
	}
	if err := yaml.Unmarshal(fs[grafana.DatasourcesFile], &ds); err != nil {
		t.Fatal(err)
	}
	uids := map[string]string{}
	for _, d := range ds.Datasources {
		uids[d.UID] = d.Type
		if d.Type == grafana.PostgresDatasourceType {
			if d.User != postgres.BoardsRole || d.JSONData["database"] != "govpulse" || d.SecureJSONData["password"] != "$GOVPULSE_BOARDS_PASSWORD" || d.URL != "postgres:5432" {
				t.Errorf("PostgreSQL data source %+v: want user %s on postgres:5432/govpulse, password from $GOVPULSE_BOARDS_PASSWORD", d, postgres.BoardsRole)
			}
		}
	}
	if uids[grafana.DatasourceUID] != grafanatest.PrometheusType || uids[grafana.PostgresDatasourceUID] != grafanatest.PostgresType {
		t.Fatalf("data sources %v lack the uids the boards query", uids)
	}
	var providers struct {
		Providers []struct {
			Folder    string `yaml:"folder"`
			FolderUID string `yaml:"folderUid"`
			Options   struct {
				Path string `yaml:"path"`
			} `yaml:"options"`
		} `yaml:"providers"`
	}
	if err := yaml.Unmarshal(fs[grafana.DashboardsFile], &providers); err != nil {
		t.Fatal(err)
	}
	var dirs []string
	for _, p := range providers.Providers {
		dir, ok := strings.CutPrefix(p.Options.Path, "/var/lib/grafana/dashboards/")
		if !ok || p.Folder == "" || p.FolderUID == "" {
			t.Errorf("provider %+v: not a folder of /var/lib/grafana/dashboards", p)
		}
		dirs = append(dirs, dir)
	}
	boardFiles := 0
	for path, data := range fs {
		rest, ok := strings.CutPrefix(path, grafana.DashboardsDir+"/")
		if !ok {
			continue
		}
		boardFiles++
		dir, _, _ := strings.Cut(rest, "/")
		if !slices.Contains(dirs, dir) {
			t.Errorf("%s: no provider loads directory %s (providers: %v)", path, dir, dirs)
		}
		b, err := grafanatest.Parse(data)
		if err != nil {
			t.Fatal(err)
		}
		for _, q := range b.Queries {
			if _, ok := uids[map[string]string{grafanatest.PrometheusType: grafana.DatasourceUID, grafanatest.PostgresType: grafana.PostgresDatasourceUID}[q.Datasource]]; !ok {
				t.Errorf("%s: data source %s is not provisioned", q.Where, q.Datasource)
			}
		}
	}
	if boardFiles != 7 || len(dirs) != 4 {
		t.Errorf("%d boards in %d folders (%v), want 7 in 4", boardFiles, len(dirs), dirs)
	}
	if _, err := grafana.Files(definitions(shippedTargets(t)), grafana.Provisioning{PrometheusURL: "x"}); err == nil {
		t.Error("provisioning without a PostgreSQL address was accepted")
	}
	p := grafana.DefaultProvisioning()
	p.PostgresSSLMode = "prefer-ish"
	if _, err := grafana.Files(definitions(shippedTargets(t)), p); err == nil || !strings.Contains(err.Error(), "prefer-ish") {
		t.Errorf("sslmode prefer-ish: err = %v", err)
	}
	p = grafana.DefaultProvisioning()
	p.AlertWebhookURL = ""
	fs2, err := grafana.Files(definitions(shippedTargets(t)), p)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range fs2 {
		if f.Path == grafana.AlertingFile && (strings.Contains(string(f.Data), "contactPoints") || strings.Contains(string(f.Data), "policies")) {
			t.Error("without a webhook the alerting file still has a contact point or policy")
		}
	}
	if a := string(fs[grafana.AlertingFile]); !strings.Contains(a, "url: http://alert-webhook:8080/grafana") || !strings.Contains(a, "receiver: govpulse-webhook") {
		t.Errorf("alerting file lacks the webhook contact point and its policy:\n%s", a)
	}
}

// stepsOf are the threshold steps of the first panel titled title.
func stepsOf(t *testing.T, board []byte, title string) []struct {
	Value *float64 `json:"value"`
	Color string   `json:"color"`
} {
	t.Helper()
	b := decode(t, board)
	for _, p := range b.Panels {
		if p.Title == title {
			return p.FieldConfig.Defaults.Thresholds.Steps
		}
	}
	t.Fatalf("no panel %q", title)
	return nil
}

// The boards' marks come from the target definitions: other thresholds
// and seconds in the definitions give other marks.
func TestBoardMarksFollowTheTargets(t *testing.T) {
	ts := shippedTargets(t)
	set := func(id string, change func(*targets.Target)) {
		for i := range ts {
			if ts[i].ID == id {
				change(&ts[i])
				return
			}
		}
		t.Fatalf("no shipped target %s", id)
	}
	set("enterprise_setup_1wd", func(tg *targets.Target) { tg.Threshold = 0.95 })
	set("head_court_appearance_100", func(tg *targets.Target) { tg.Threshold = 0.9 })
	set("overdue_share_city", func(tg *targets.Target) { tg.Threshold = 0.05 })
	set("instant_approval_seconds", func(tg *targets.Target) { tg.Measure.Seconds = 30 })
	bs := boards(t, ts)
	for _, tc := range []struct {
		board, panel string
		want         float64
	}{
		{"govpulse-licences.json", "1个工作日内 Within 1 working day", 0.95},
		{"govpulse-lawsuits.json", "负责人出庭应诉率 Head appearance rate", 0.9},
		{"govpulse-overview.json", "超期率 Overdue share", math.Nextafter(0.05, 1)}, // at most 5%: red above
		{"govpulse-overview.json", "30秒内决定占比 Decided within 30 s", 0.99},
		{"govpulse-licences.json", "30秒内决定 Decided within 30 s", 0.99},
	} {
		steps := stepsOf(t, bs[tc.board], tc.panel)
		if len(steps) != 2 || steps[1].Value == nil || *steps[1].Value != tc.want {
			t.Errorf("%s %q: steps %+v, want a step at %v", tc.board, tc.panel, steps, tc.want)
		}
	}
	// 30 seconds is the fourth bucket of the seconds histogram.
	if lic := string(bs["govpulse-licences.json"]); !strings.Contains(lic, "instant_seconds_hist[4]") || strings.Contains(lic, "instant_seconds_hist[5]") {
		t.Error("the licences board does not count instant approvals within 30 s as the first four buckets")
	}
	if o := string(bs["govpulse-overview.json"]); !strings.Contains(o, `le=\"30\"`) {
		t.Error(`the overview does not count instant approvals within 30 s (le="30")`)
	}
}

// Tables show catalogue codes and target ids by name; the cells keep the
// codes, so a department's link still carries its code.
func TestTablesNameTheCodes(t *testing.T) {
	b := decode(t, boards(t, shippedTargets(t))["govpulse-overview.json"])
	found := 0
	for _, p := range b.Panels {
		if p.Title != "各部门（按事件日期） Departments by event date" && p.Title != "目标状态变化 Target status changes" {
			continue
		}
		for _, o := range p.FieldConfig.Overrides {
			for _, prop := range o.Properties {
				if prop.ID != "mappings" {
					continue
				}
				var compact bytes.Buffer
				if err := json.Compact(&compact, prop.Value); err != nil {
					t.Fatal(err)
				}
				s := compact.String()
				switch o.Matcher.Options {
				case "department":
					if strings.Contains(s, `"qd-xzsp":{"text":"青岛市行政审批服务局"`) && strings.Contains(s, `"all":{"text":"全市 city-wide"`) {
						found++
					}
				case "target":
					if strings.Contains(s, `"enterprise_setup_1wd":{"text":"企业开办1个工作日内办结"`) {
						found++
					}
				}
			}
		}
	}
	if found != 3 {
		t.Errorf("found %d of the 3 name mappings (departments in two tables, targets in one)", found)
	}
}
