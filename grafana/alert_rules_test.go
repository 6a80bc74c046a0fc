package grafana_test

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"

	"github.com/grafana/grafana-foundation-sdk/go/alerting"
	"github.com/grafana/grafana-foundation-sdk/go/expr"
	"github.com/grafana/grafana-foundation-sdk/go/prometheus"

	govalerting "github.com/govpulse/govpulse/alerting"
	"github.com/govpulse/govpulse/grafana"
	"github.com/govpulse/govpulse/grafana/grafanatest"
	"github.com/govpulse/govpulse/targets"
)

func files(t *testing.T, ts []targets.Target) map[string][]byte {
	t.Helper()
	fs, err := grafana.Files(definitions(ts), grafana.DefaultProvisioning())
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]byte{}
	for _, f := range fs {
		if _, dup := out[f.Path]; dup {
			t.Fatalf("%s written twice", f.Path)
		}
		out[f.Path] = f.Data
	}
	return out
}

// provisionedRules reads the alerting provisioning file back into the
// SDK's rule type, strictly: each rule of the file with its group's org,
// folder and group is the provisioning API's form of the rule.
func provisionedRules(t *testing.T, data []byte) []alerting.Rule {
	t.Helper()
	file, err := grafanatest.ProvisionedRules(data, "govpulse-reform-office")
	if err != nil {
		t.Error(err)
	}
	if file.APIVersion != 1 || len(file.Groups) != 1 || file.Groups[0].Folder != "改革办 Reform office" || file.Groups[0].Interval != "1m" {
		t.Fatalf("alerting file: apiVersion %d, groups %+v", file.APIVersion, file.Groups)
	}
	return file.Groups[0].Rules
}

// RuleParts are what a test checks of a Grafana-managed rule: its
// Prometheus query and its condition's threshold.
type ruleParts struct {
	promql    string
	evaluator expr.ExprTypeThresholdConditionsEvaluatorType
	params    []float64
	reducer   expr.TypeReduceReducer
}

func partsOf(t *testing.T, r alerting.Rule) ruleParts {
	t.Helper()
	var p ruleParts
	for _, d := range r.Data {
		switch m := d.Model.(type) {
		case *prometheus.Dataquery:
			p.promql = m.Expr
		case prometheus.Dataquery:
			p.promql = m.Expr
		case *expr.Expr:
			if m.TypeThreshold != nil && *d.RefId == r.Condition {
				p.evaluator = m.TypeThreshold.Conditions[0].Evaluator.Type
				p.params = m.TypeThreshold.Conditions[0].Evaluator.Params
			}
			if m.TypeReduce != nil {
				p.reducer = m.TypeReduce.Reducer
			}
		default:
			t.Fatalf("rule %s: query %s has a model of type %T", *r.Uid, *d.RefId, d.Model)
		}
	}
	return p
}

// Each target has a rule firing where its value misses the threshold of
// its definition (the comparator negated), and one for being at risk
// when its window has an end; every rule reads strictly into the SDK's
// alerting.Rule, has a unique uid Grafana accepts, carries the labels of
// the Prometheus rules and links to the target's panel on the targets
// board.
func TestAlertRulesFollowTheTargets(t *testing.T) {
	ts := shippedTargets(t)
	fs := files(t, ts)
	rules := provisionedRules(t, fs[grafana.AlertingFile])
	targetsBoard, err := grafanatest.Parse(fs["dashboards/reform-office/govpulse-targets.json"])
	if err != nil {
		t.Fatal(err)
	}
	var rawBoard struct {
		Panels []struct {
			ID      int `json:"id"`
			Targets []struct {
				Expr string `json:"expr"`
			} `json:"targets"`
		} `json:"panels"`
	}
	if err := json.Unmarshal(fs["dashboards/reform-office/govpulse-targets.json"], &rawBoard); err != nil {
		t.Fatal(err)
	}
	byID := map[string]targets.Target{}
	want := 0
	for _, tg := range ts {
		byID[tg.ID] = tg
		want++
		if tg.Window.Projects() {
			want++
		}
	}
	if len(rules) != want {
		t.Fatalf("%d rules, want %d (a missed rule per target, an at-risk rule per target with a window end)", len(rules), want)
	}
	uids := map[string]bool{}
	missed := map[string]bool{}
	for _, r := range rules {
		uid := *r.Uid
		if uids[uid] || len(uid) > 40 {
			t.Errorf("rule uid %q: repeated or longer than 40 characters", uid)
		}
		uids[uid] = true
		tg, ok := byID[r.Labels[govalerting.LabelTarget]]
		if !ok {
			t.Errorf("rule %s: label target %q is no target", uid, r.Labels[govalerting.LabelTarget])
			continue
		}
		p := partsOf(t, r)
		if r.Condition != "C" || p.reducer != expr.TypeReduceReducerLast {
			t.Errorf("rule %s: condition %q, reducer %q", uid, r.Condition, p.reducer)
		}
		if _, err := grafanatest.MetricNames(p.promql); err != nil || !strings.Contains(p.promql, `target="`+tg.ID+`"`) {
			t.Errorf("rule %s: query %q does not select target %s (%v)", uid, p.promql, tg.ID, err)
		}
		if strings.Contains(p.promql, `department="all"`) == tg.PerDepartment {
			t.Errorf("rule %s (per_department %v): query %s", uid, tg.PerDepartment, p.promql)
		}
		switch r.Labels[grafana.LabelAlert] {
		case govalerting.AlertTargetMissed:
			missed[tg.ID] = true
			if p.evaluator != grafana.MissEvaluator(tg) || len(p.params) != 1 || p.params[0] != tg.Threshold {
				t.Errorf("rule %s (%s %v): fires on %s %v", uid, tg.Comparator, tg.Threshold, p.evaluator, p.params)
			}
			if sev := tg.Severity; sev != "" && r.Labels[govalerting.LabelSeverity] != sev {
				t.Errorf("rule %s: severity %q, want %q", uid, r.Labels[govalerting.LabelSeverity], sev)
			}
			if !strings.Contains(r.Annotations["summary_zh"], tg.Title) || !strings.Contains(r.Annotations["summary_en"], tg.TitleEN) {
				t.Errorf("rule %s: summaries %q / %q do not name the target", uid, r.Annotations["summary_zh"], r.Annotations["summary_en"])
			}
		case govalerting.AlertTargetAtRisk:
			if !tg.Window.Projects() || p.evaluator != expr.ExprTypeThresholdConditionsEvaluatorTypeGt || p.params[0] != 0 {
				t.Errorf("at-risk rule %s of %s (window %s): fires on %s %v", uid, tg.ID, tg.Window.Kind, p.evaluator, p.params)
			}
		default:
			t.Errorf("rule %s: label %s = %q", uid, grafana.LabelAlert, r.Labels[grafana.LabelAlert])
		}
		if r.Annotations["__dashboardUid__"] != targetsBoard.UID {
			t.Errorf("rule %s links to board %q", uid, r.Annotations["__dashboardUid__"])
		}
		panelID, _ := strconv.Atoi(r.Annotations["__panelId__"])
		linked := false
		for _, panel := range rawBoard.Panels {
			if panel.ID == panelID && len(panel.Targets) > 0 && strings.Contains(panel.Targets[0].Expr, `govpulse_target_value{target="`+tg.ID+`"`) {
				linked = true
			}
		}
		if !linked {
			t.Errorf("rule %s: __panelId__ %q is not the value panel of %s on the targets board", uid, r.Annotations["__panelId__"], tg.ID)
		}
	}
	if len(missed) != len(ts) {
		t.Errorf("missed rules for %d of %d targets", len(missed), len(ts))
	}
}

// A threshold changed in the definitions changes the rule's condition:
// the rules come from the definitions, not a copy of them.
func TestAlertRulesTakeTheDefinitionsThresholds(t *testing.T) {
	ts := shippedTargets(t)
	for i := range ts {
		ts[i].Threshold /= 2
		ts[i].Comparator = map[string]string{">=": ">", ">": ">=", "<=": "<", "<": "<="}[ts[i].Comparator]
	}
	for _, r := range provisionedRules(t, files(t, ts)[grafana.AlertingFile]) {
		if r.Labels[grafana.LabelAlert] != govalerting.AlertTargetMissed {
			continue
		}
		var tg targets.Target
		for _, x := range ts {
			if x.ID == r.Labels[govalerting.LabelTarget] {
				tg = x
			}
		}
		p := partsOf(t, r)
		if p.evaluator != grafana.MissEvaluator(tg) || p.params[0] != tg.Threshold {
			t.Errorf("%s with %s %v: rule fires on %s %v", tg.ID, tg.Comparator, tg.Threshold, p.evaluator, p.params)
		}
	}
}
