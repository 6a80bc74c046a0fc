package alerting

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/govpulse/govpulse/internal/yamlfile"
	"github.com/govpulse/govpulse/targets"
)

// Alert names.
const (
	AlertTargetMissed         = "GovpulseTargetMissed"
	AlertTargetAtRisk         = "GovpulseTargetAtRisk"
	AlertIngestStalled        = "GovpulseIngestStalled"
	AlertProjectionLagHigh    = "GovpulseProjectionLagHigh"
	AlertPoisonQueueNotEmpty  = "GovpulsePoisonQueueNotEmpty"
	AlertIngestRejectedRising = "GovpulseIngestRejectedRising"
	AlertTargetsNotEvaluated  = "GovpulseTargetsNotEvaluated"
	AlertDown                 = "GovpulseDown"
	AlertCalendarEnding       = "GovpulseHolidayDataEnding"
	AlertCalendarEnded        = "GovpulseHolidayDataEnded"
)

// CalendarMetric is the gauge of the last day the holiday data covers
// (Unix seconds of its midnight in the calendar's zone), labelled with the
// last covered year.
const CalendarMetric = "govpulse_calendar_last_covered_day_timestamp_seconds"

// Rule group names: one per concern.
const (
	GroupTargets  = "govpulse-targets"
	GroupPipeline = "govpulse-pipeline"
)

// Label names the rules set and Alertmanager routes on.
const (
	LabelDepartment = "department"
	LabelSeverity   = "severity"
	LabelTarget     = "target"
)

// RuleFile is a Prometheus rule file.
type RuleFile struct {
	Groups []RuleGroup `yaml:"groups"`
}

// RuleGroup is a named list of rules evaluated together.
type RuleGroup struct {
	Name  string `yaml:"name"`
	Rules []Rule `yaml:"rules"`
}

// Rule is one alerting rule.
type Rule struct {
	Alert       string            `yaml:"alert"`
	Expr        string            `yaml:"expr"`
	For         string            `yaml:"for,omitempty"`
	Labels      map[string]string `yaml:"labels,omitempty"`
	Annotations map[string]string `yaml:"annotations,omitempty"`
}

// Rules returns the alerting rules for the targets ts: a missed and (for
// windows with an end) an at-risk rule per target, in the group
// govpulse-targets, and the pipeline rules in govpulse-pipeline. Targets
// are sorted by id, so the same definitions give the same file.
func Rules(ts []targets.Target, o Options) (RuleFile, error) {
	if err := o.Check(); err != nil {
		return RuleFile{}, err
	}
	o = o.withDefaults()
	sorted := slices.Clone(ts)
	slices.SortFunc(sorted, func(a, b targets.Target) int { return strings.Compare(a.ID, b.ID) })
	var targetRules []Rule
	for i, t := range sorted {
		if i > 0 && sorted[i-1].ID == t.ID {
			return RuleFile{}, fmt.Errorf("target %q: defined twice", t.ID)
		}
		if !labelValueSafe(t.ID) {
			return RuleFile{}, fmt.Errorf("target %q: id is not usable as a label value", t.ID)
		}
		targetRules = append(targetRules, missedRule(t, o))
		if t.Window.Projects() {
			targetRules = append(targetRules, atRiskRule(t, o))
		}
	}
	return RuleFile{Groups: []RuleGroup{
		{Name: GroupTargets, Rules: targetRules},
		{Name: GroupPipeline, Rules: pipelineRules(o)},
	}}, nil
}

// selector is the target's series selector: every department's result for
// a per-department target, only the city-wide one otherwise.
func selector(metric string, t targets.Target) string {
	if t.PerDepartment {
		return fmt.Sprintf("%s{target=%q}", metric, t.ID)
	}
	return fmt.Sprintf("%s{target=%q,department=%q}", metric, t.ID, targets.CityWide)
}

// missedRule fires while the target's status is missed. The expression
// keeps the measured value as the alert's $value, so the text can say it.
func missedRule(t targets.Target, o Options) Rule {
	w := wordsFor(t)
	ann := map[string]string{
		"summary_zh": fmt.Sprintf("%s未达成攻坚目标「%s」：%s（目标%s%s）",
			deptZH, w.titleZH, w.valueZH, w.cmpZH, w.thresholdZH),
		"summary_en": fmt.Sprintf("%s missed the target \"%s\": %s (target: %s %s)",
			deptEN, w.titleEN, w.valueEN, w.cmpEN, w.thresholdEN),
		"description_zh": fmt.Sprintf("攻坚目标「%s」（%s）：%s%s%s为%s，未达到%s%s的目标%s。",
			w.titleZH, t.ID, deptZH, w.windowZH, w.measureZH, w.valueZH, w.cmpZH, w.thresholdZH, samplesZH),
		"description_en": strings.TrimSpace(fmt.Sprintf("Target \"%s\" (%s): %s measured %s for the %s over %s, missing the target of %s %s%s. %s",
			w.titleEN, t.ID, deptEN, w.valueEN, w.measureEN, w.windowEN, w.cmpEN, w.thresholdEN, samplesEN, w.descriptionEN)),
	}
	return targetRule(AlertTargetMissed, t, "govpulse_target_met", "== 0", o.MissedFor, t.Severity, ann, o)
}

// atRiskRule fires while the target is met so far but projected to miss
// by the end of its window; Alertmanager silences it while the same
// target and department is missed.
func atRiskRule(t targets.Target, o Options) Rule {
	w := wordsFor(t)
	ann := map[string]string{
		"summary_zh": fmt.Sprintf("%s攻坚目标「%s」有未达成风险：目前%s，按当前进度%s将达不到%s%s",
			deptZH, w.titleZH, w.valueZH, w.endZH, w.cmpZH, w.thresholdZH),
		"summary_en": fmt.Sprintf("%s is at risk of missing the target \"%s\": %s so far, at the current pace short of %s %s by %s",
			deptEN, w.titleEN, w.valueEN, w.cmpEN, w.thresholdEN, w.endEN),
		"description_zh": fmt.Sprintf("攻坚目标「%s」（%s）：%s%s%s目前为%s，暂时达标；按当前进度推算，%s将达不到%s%s的目标%s。",
			w.titleZH, t.ID, deptZH, w.windowZH, w.measureZH, w.valueZH, w.endZH, w.cmpZH, w.thresholdZH, samplesZH),
		"description_en": strings.TrimSpace(fmt.Sprintf("Target \"%s\" (%s): %s is at %s for the %s over %s, meeting the target of %s %s so far, but projected to miss it by %s%s. %s",
			w.titleEN, t.ID, deptEN, w.valueEN, w.measureEN, w.windowEN, w.cmpEN, w.thresholdEN, w.endEN, samplesEN, w.descriptionEN)),
	}
	return targetRule(AlertTargetAtRisk, t, "govpulse_target_at_risk", "== 1", o.AtRiskFor, "warning", ann, o)
}

// targetRule is the alert on target t that fires while the status metric
// compares as cmp says ("== 0") for forFor. The
// expression keeps the measured value as the alert's $value; ann gets the
// summary both languages share and the link to the targets.
func targetRule(alert string, t targets.Target, metric, cmp string, forFor time.Duration, severity string, ann map[string]string, o Options) Rule {
	finish(ann, o)
	return Rule{
		Alert: alert,
		Expr: fmt.Sprintf("%s and on(target, department) %s %s",
			selector("govpulse_target_value", t), selector(metric, t), cmp),
		For:         forDuration(forFor),
		Labels:      map[string]string{LabelSeverity: severity, LabelTarget: t.ID},
		Annotations: ann,
	}
}

// finish adds the one-line bilingual summary and the link to the
// department's target status.
func finish(ann map[string]string, o Options) {
	ann["summary"] = ann["summary_zh"] + " / " + ann["summary_en"]
	if o.ExternalURL != "" {
		ann["targets_url"] = strings.TrimRight(o.ExternalURL, "/") + "/v1/targets?department={{ $labels.department }}"
	}
}

// pipelineRules are the alerts on govpulse itself: a department gone
// quiet, consumers behind or stuck, senders failing, govpulse down.
func pipelineRules(o Options) []Rule {
	stall := promDuration(o.StallAfter)
	lag := promDuration(o.LagAfter)
	stale := promDuration(o.EvaluationStaleAfter)
	rejected := promNumber(o.RejectedPerSecond)
	rule := func(name, expr, severity, zh, en string) Rule {
		return Rule{
			Alert:  name,
			Expr:   expr,
			For:    forDuration(o.PipelineFor),
			Labels: map[string]string{LabelSeverity: severity},
			Annotations: map[string]string{
				"summary_zh": zh, "summary_en": en, "summary": zh + " / " + en,
			},
		}
	}
	return []Rule{
		rule(AlertIngestStalled,
			fmt.Sprintf("time() - max by (department) (govpulse_ingest_last_event_timestamp_seconds) > %s", promNumber(o.StallAfter.Seconds())),
			"warning",
			fmt.Sprintf("{{ $labels.department }} 已{{ $value | humanizeDuration }}未上报事件（阈值%s），请检查其系统是否仍在发送", stall),
			fmt.Sprintf("No events stored for {{ $labels.department }} for {{ $value | humanizeDuration }} (threshold %s): is its system still sending?", stall)),
		rule(AlertProjectionLagHigh,
			fmt.Sprintf("max by (projection) (govpulse_projection_lag_seconds) > %s", promNumber(o.LagAfter.Seconds())),
			"warning",
			fmt.Sprintf("读模型 {{ $labels.projection }} 落后{{ $value | humanizeDuration }}（阈值%s），指标与目标评估滞后", lag),
			fmt.Sprintf("Read model {{ $labels.projection }} is {{ $value | humanizeDuration }} behind the event log (threshold %s); metrics and target results are stale", lag)),
		rule(AlertPoisonQueueNotEmpty,
			"max(govpulse_bus_poison_queue_messages) > 0",
			"critical",
			"死信队列中有{{ $value | humanize }}条消息未能处理，读模型缺少这些事件；检查后重放",
			"{{ $value | humanize }} message(s) in the poison queue: the read models miss their events until they are inspected and replayed"),
		rule(AlertIngestRejectedRising,
			fmt.Sprintf("sum by (source) (rate(govpulse_ingest_rejected_total[15m])) > %s", rejected),
			"warning",
			fmt.Sprintf(`来源 {{ $labels.source }} 近15分钟每秒被拒绝{{ printf "%%.2f" $value }}个事件（阈值%s/秒）`, rejected),
			fmt.Sprintf(`Source {{ $labels.source }} had {{ printf "%%.2f" $value }} events/s rejected over 15 minutes (threshold %s/s); see the rejection reasons`, rejected)),
		rule(AlertTargetsNotEvaluated,
			fmt.Sprintf("time() - max(govpulse_target_last_evaluation_timestamp_seconds) > %s", promNumber(o.EvaluationStaleAfter.Seconds())),
			"warning",
			fmt.Sprintf("攻坚目标已{{ $value | humanizeDuration }}未评估（阈值%s），目标告警可能失效", stale),
			fmt.Sprintf("Targets last evaluated {{ $value | humanizeDuration }} ago (threshold %s): target alerts may be stale", stale)),
		// From 1 December (midnight of the last covered day minus 30 days)
		// when the next year has no holiday data yet.
		rule(AlertCalendarEnding,
			fmt.Sprintf("min by (year) (%s) - time() <= %d", CalendarMetric, 30*86400),
			"warning",
			"节假日数据只到{{ $labels.year }}年底（还剩{{ $value | humanizeDuration }}）：请在 GOVPULSE_CALENDAR_DIR 中加入下一年的国务院放假安排文件（holiday-cn 格式），重启后运行 govpulse rebuild",
			"Holiday data ends with {{ $labels.year }} ({{ $value | humanizeDuration }} left): add next year's file (holiday-cn shape) to GOVPULSE_CALENDAR_DIR, restart, then run govpulse rebuild"),
		rule(AlertCalendarEnded,
			fmt.Sprintf("time() - max by (year) (%s) > 86400", CalendarMetric),
			"critical",
			"节假日数据已用尽（只到{{ $labels.year }}年底）：新办件的工作日无法计算，计入 elapsed_unknown，直到加入下一年的文件并重建读模型",
			"Holiday data ran out after {{ $labels.year }}: working days of new cases are unknown (elapsed_unknown) until next year's file is added and the read models rebuilt"),
		rule(AlertDown,
			fmt.Sprintf("up{job=%q} == 0", o.Job),
			"critical",
			"govpulse 实例 {{ $labels.instance }} 无法抓取；其目标告警不会触发",
			"govpulse instance {{ $labels.instance }} cannot be scraped; no target alert can fire while it is down"),
	}
}

// forDuration is a rule's "for", omitted when zero.
func forDuration(d time.Duration) string {
	if d == 0 {
		return ""
	}
	return promDuration(d)
}

// MarshalRules writes rf as YAML under a header saying where it came from.
func MarshalRules(rf RuleFile, header string) ([]byte, error) {
	return yamlfile.Marshal(rf, header)
}
