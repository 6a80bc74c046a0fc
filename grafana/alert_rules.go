package grafana

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	"github.com/grafana/grafana-foundation-sdk/go/alerting"
	"github.com/grafana/grafana-foundation-sdk/go/cog"
	"github.com/grafana/grafana-foundation-sdk/go/common"
	"github.com/grafana/grafana-foundation-sdk/go/expr"
	"github.com/grafana/grafana-foundation-sdk/go/prometheus"

	govalerting "github.com/govpulse/govpulse/alerting"
	"github.com/govpulse/govpulse/targets"
)

// Names of the Grafana-managed alert rules, in the same words as the
// Prometheus rules (govpulse rules) so either set can be used.
const (
	// AlertRuleGroup is the group of the Grafana-managed target rules.
	AlertRuleGroup = "govpulse-targets"
	// alertRuleInterval is how often Grafana evaluates the group; govpulse
	// evaluates the targets every minute by default.
	alertRuleInterval = time.Minute
	// exprDatasourceUID is Grafana's server-side expressions.
	exprDatasourceUID = "__expr__"
	// alertQueryRange is how far back the rules' Prometheus queries look:
	// an instant query reads the newest sample within it.
	alertQueryRange = 10 * time.Minute
	// maxUIDLength is Grafana's limit on a rule's uid.
	maxUIDLength = 40
)

// LabelAlert carries the name of the Prometheus rule a Grafana-managed
// rule stands in for (GovpulseTargetMissed, GovpulseTargetAtRisk).
const LabelAlert = "govpulse_alert"

// The refIds of a rule's queries: the Prometheus query, its last value,
// and the threshold that makes the condition.
const (
	refQuery     = "A"
	refLast      = "B"
	refCondition = "C"
)

// AlertRule is one Grafana-managed alert rule, built with the SDK's
// alerting builders, and the rule group it belongs to.
type AlertRule struct {
	Rule alerting.Rule
	// Target is the target the rule watches.
	Target string
}

// AlertRules builds the Grafana-managed alert rules of the targets, an
// alternative to the Prometheus rules "govpulse rules" writes, from the
// same definitions and with the same labels: per target a rule firing
// where the target's value misses its threshold (comparator and
// threshold from the definition, only where govpulse has enough samples
// to decide) and, for windows with an end, one firing while the target is
// at risk. Each rule links to the target's panel on the targets board.
func AlertRules(d Definitions, boards []Board) ([]AlertRule, error) {
	g, err := newGenerator(d)
	if err != nil {
		return nil, err
	}
	o := d.Alerting
	def := govalerting.DefaultOptions()
	if o.MissedFor == 0 {
		o.MissedFor = def.MissedFor
	}
	if o.AtRiskFor == 0 {
		o.AtRiskFor = def.AtRiskFor
	}
	var rules []AlertRule
	for _, t := range g.targets {
		panelID, err := targetPanelID(boards, t.ID)
		if err != nil {
			return nil, err
		}
		missed, err := missedAlertRule(t, o.MissedFor, panelID).Build()
		if err != nil {
			return nil, fmt.Errorf("alert rule of target %q: %w", t.ID, err)
		}
		rules = append(rules, AlertRule{Rule: missed, Target: t.ID})
		if !t.Window.Projects() {
			continue
		}
		atRisk, err := atRiskAlertRule(t, o.AtRiskFor, panelID).Build()
		if err != nil {
			return nil, fmt.Errorf("at-risk alert rule of target %q: %w", t.ID, err)
		}
		rules = append(rules, AlertRule{Rule: atRisk, Target: t.ID})
	}
	return rules, nil
}

// alertSelector is a target's results as the alerting rules select them:
// every department's for a per-department target, the city-wide one
// otherwise; one series per department however many instances export it.
func alertSelector(metric string, t targets.Target) string {
	sel := fmt.Sprintf("target=%q", t.ID)
	if !t.PerDepartment {
		sel += fmt.Sprintf(",department=%q", targets.CityWide)
	}
	return targetSeries(metric, sel)
}

// MissEvaluator is the threshold evaluator that fires where a value
// misses the target: the negation of the target's comparator.
func MissEvaluator(t targets.Target) expr.ExprTypeThresholdConditionsEvaluatorType {
	switch t.Comparator {
	case ">=":
		return expr.ExprTypeThresholdConditionsEvaluatorTypeLt
	case ">":
		return expr.ExprTypeThresholdConditionsEvaluatorTypeLte
	case "<=":
		return expr.ExprTypeThresholdConditionsEvaluatorTypeGt
	default: // "<"
		return expr.ExprTypeThresholdConditionsEvaluatorTypeGte
	}
}

func missedAlertRule(t targets.Target, forDuration time.Duration, panelID uint32) *alerting.RuleBuilder {
	value := valueTemplate(t)
	zh := fmt.Sprintf("{{ $labels.department }} 未达成攻坚目标「%s」：%s（目标%s%s）", t.Title, value, comparatorZH(t.Comparator), thresholdText(t))
	en := fmt.Sprintf("{{ $labels.department }} missed the target \"%s\": %s (target: %s %s)", t.TitleEN, value, comparatorEN(t.Comparator), thresholdText(t))
	return alertRule(t, "missed", fmt.Sprintf("%s 未达标 · %s missed", t.Title, t.TitleEN), govalerting.AlertTargetMissed, forDuration, panelID,
		fmt.Sprintf("%s and on(target, department) %s", alertSelector("govpulse_target_value", t), alertSelector("govpulse_target_met", t)),
		MissEvaluator(t), t.Threshold, t.Severity, zh, en)
}

func atRiskAlertRule(t targets.Target, forDuration time.Duration, panelID uint32) *alerting.RuleBuilder {
	zh := fmt.Sprintf("{{ $labels.department }} 攻坚目标「%s」有未达成风险：按近14天进度推算，窗口结束时将达不到%s%s的目标", t.Title, comparatorZH(t.Comparator), thresholdText(t))
	en := fmt.Sprintf("{{ $labels.department }} is at risk of missing the target \"%s\": at the last 14 days' pace it ends its window short of %s %s", t.TitleEN, comparatorEN(t.Comparator), thresholdText(t))
	return alertRule(t, "at-risk", fmt.Sprintf("%s 有风险 · %s at risk", t.Title, t.TitleEN), govalerting.AlertTargetAtRisk, forDuration, panelID,
		alertSelector("govpulse_target_at_risk", t),
		expr.ExprTypeThresholdConditionsEvaluatorTypeGt, 0, "warning", zh, en)
}

// alertRule is a rule of three queries: the Prometheus query, its last
// value, and a threshold on it that is the rule's condition.
func alertRule(t targets.Target, kind, title, alertname string, forDuration time.Duration, panelID uint32,
	promql string, evaluator expr.ExprTypeThresholdConditionsEvaluatorType, threshold float64, severity, zh, en string) *alerting.RuleBuilder {
	if severity == "" {
		severity = "warning"
	}
	exprDS := common.DataSourceRef{Type: cog.ToPtr(exprDatasourceUID), Uid: cog.ToPtr(exprDatasourceUID)}
	annotations := map[string]string{
		"summary_zh":       zh,
		"summary_en":       en,
		"summary":          zh + " / " + en,
		"__dashboardUid__": UIDTargets,
		"__panelId__":      fmt.Sprint(panelID),
	}
	if d := strings.Join(strings.Fields(t.Description), " "); d != "" {
		annotations["description"] = d
	}
	return alerting.NewRuleBuilder(title).
		Uid(ruleUID(kind, t.ID)).
		RuleGroup(AlertRuleGroup).
		FolderUID(folderReformOffice.UID).
		OrgID(1).
		Condition(refCondition).
		For(promDurationText(forDuration)).
		// No series: too few samples to decide, or not evaluated yet.
		NoDataState(alerting.RuleNoDataStateOK).
		ExecErrState(alerting.RuleExecErrStateError).
		// Grafana names an alert by its rule's title; the Prometheus rule's
		// name travels as a label, so routes can match either.
		Labels(map[string]string{
			LabelAlert:                alertname,
			govalerting.LabelTarget:   t.ID,
			govalerting.LabelSeverity: severity,
		}).
		Annotations(annotations).
		WithQuery(alerting.NewQueryBuilder(refQuery).
			DatasourceUid(DatasourceUID).
			RelativeTimeRange(alerting.Duration(alertQueryRange.Seconds()), 0).
			Model(prometheus.NewDataqueryBuilder().
				Datasource(datasource()).
				RefId(refQuery).
				Expr(promql).
				Instant())).
		WithQuery(expressionQuery(refLast, expr.NewExprBuilder().TypeReduce(expr.NewTypeReduceBuilder().
			Datasource(exprDS).
			RefId(refLast).
			Expression(refQuery).
			Reducer(expr.TypeReduceReducerLast).
			Settings(expr.NewExprTypeReduceSettingsBuilder().Mode(expr.ExprTypeReduceSettingsModeDropNN))))).
		WithQuery(expressionQuery(refCondition, expr.NewExprBuilder().TypeThreshold(expr.NewTypeThresholdBuilder().
			Datasource(exprDS).
			RefId(refCondition).
			Expression(refLast).
			Conditions([]cog.Builder[expr.ExprTypeThresholdConditions]{
				expr.NewExprTypeThresholdConditionsBuilder().Evaluator(
					expr.NewExprTypeThresholdConditionsEvaluatorBuilder().Type(evaluator).Params([]float64{threshold})),
			}))))
}

// expressionQuery is a rule's query refID of Grafana's server-side
// expressions (the __expr__ data source), which model computes from the
// rule's other queries.
func expressionQuery(refID string, model *expr.ExprBuilder) *alerting.QueryBuilder {
	return alerting.NewQueryBuilder(refID).DatasourceUid(exprDatasourceUID).Model(model)
}

// ruleUID is a rule's uid: readable, unique per kind and target, and
// within Grafana's 40 characters (a long id is cut and hashed).
func ruleUID(kind, id string) string {
	uid := "govpulse-" + kind + "-" + id
	if len(uid) <= maxUIDLength {
		return uid
	}
	sum := sha256.Sum256([]byte(uid))
	return uid[:maxUIDLength-9] + "-" + hex.EncodeToString(sum[:4])
}

// valueTemplate writes the rule's value (the last value, query B) in the
// target's unit, as Grafana's template language does.
func valueTemplate(t targets.Target) string {
	v := "$values." + refLast + ".Value"
	switch {
	case t.Measure.IsShare():
		return "{{ humanizePercentage " + v + " }}"
	case isWorkingDays(t.Measure.Kind):
		return `{{ printf "%.1f" ` + v + ` }} 个工作日 working days`
	}
	return "{{ humanize " + v + " }}"
}

func comparatorZH(c string) string {
	return map[string]string{">=": "不低于", ">": "高于", "<=": "不高于", "<": "低于"}[c]
}

func comparatorEN(c string) string {
	return map[string]string{">=": "at least", ">": "above", "<=": "at most", "<": "below"}[c]
}

// promDurationText writes d the way Grafana's "for" reads it: 10m, 1h30m.
func promDurationText(d time.Duration) string {
	if d == 0 {
		return "0s"
	}
	s := d.String()
	s = strings.Replace(s, "m0s", "m", 1)
	s = strings.Replace(s, "h0m", "h", 1)
	return s
}

// targetPanelID is the id of the target's value panel on the targets
// board, which a rule links to.
func targetPanelID(boards []Board, target string) (uint32, error) {
	want := fmt.Sprintf("govpulse_target_value{target=%q", target)
	for _, b := range boards {
		if b.Dashboard.Uid == nil || *b.Dashboard.Uid != UIDTargets {
			continue
		}
		for _, p := range b.Dashboard.Panels {
			if p.Panel == nil || p.Panel.Id == nil {
				continue
			}
			for _, q := range p.Panel.Targets {
				if pq, ok := q.(prometheus.Dataquery); ok && strings.Contains(pq.Expr, want) {
					return *p.Panel.Id, nil
				}
			}
		}
	}
	return 0, fmt.Errorf("target %q: no value panel on the targets board to link its alert rule to", target)
}
