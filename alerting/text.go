package alerting

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/govpulse/govpulse/targets"
)

// Template fragments shared by the target annotations. $labels and $value
// are the alert's; "all" is the city-wide result.
const (
	deptZH = `{{ if eq $labels.department "all" }}全市{{ else }}{{ $labels.department }}{{ end }}`
	deptEN = `{{ if eq $labels.department "all" }}city-wide{{ else }}{{ $labels.department }}{{ end }}`
	// samplesQuery reads how many cases the value rests on, at the time
	// the annotation is rendered.
	samplesQuery = `{{ with printf "govpulse_target_samples{target=%q,department=%q}" $labels.target $labels.department | query }}`
	samplesZH    = samplesQuery + `（样本{{ . | first | value | printf "%.0f" }}件）{{ end }}`
	samplesEN    = samplesQuery + ` ({{ . | first | value | printf "%.0f" }} samples){{ end }}`
)

// words is how the annotations of one target say its measure, value,
// threshold and window, in Chinese and English.
type words struct {
	titleZH, titleEN         string
	descriptionEN            string
	measureZH, measureEN     string
	valueZH, valueEN         string
	cmpZH, cmpEN             string
	thresholdZH, thresholdEN string
	windowZH, windowEN       string
	endZH, endEN             string
}

func wordsFor(t targets.Target) words {
	w := words{
		titleZH:       literal(t.Title),
		titleEN:       literal(t.TitleEN),
		descriptionEN: literal(t.Description),
	}
	m := t.Measure
	switch m.Kind {
	case targets.MeasureCount:
		w.measureZH, w.measureEN = "件数", "count of events"
	case targets.MeasureShareWithinWorkingDays:
		if m.WorkingDays == 0 {
			w.measureZH, w.measureEN = "当日办结占比", "share done the same day"
		} else {
			n := promNumber(m.WorkingDays)
			w.measureZH = n + "个工作日内办结占比"
			w.measureEN = "share done within " + n + " working day" + plural(m.WorkingDays)
		}
	case targets.MeasureAverageWorkingDays:
		w.measureZH, w.measureEN = "平均办理时间", "average time taken"
	case targets.MeasureP90WorkingDays:
		w.measureZH, w.measureEN = "90%分位办理时间", "90th percentile of the time taken"
	case targets.MeasureSpeedup:
		w.measureZH, w.measureEN = "较承诺时限提速", "speed-up against the promised limits"
	case targets.MeasureOverdueShare:
		w.measureZH, w.measureEN = "超期办结占比", "share finished after the promised limit"
	case targets.MeasureShareWithinSeconds:
		n := promNumber(m.Seconds)
		w.measureZH = n + "秒内办结占比"
		w.measureEN = "share decided within " + n + " second" + plural(m.Seconds)
	case targets.MeasureAppearanceRate:
		w.measureZH, w.measureEN = "负责人出庭应诉率", "agency-head appearance rate"
	case targets.MeasureRatio:
		// The sums' column names, which the parser held to the read
		// model's: nothing in them can open a template action.
		w.measureZH = "比率（" + m.Numerator + " / " + m.Denominator + "）"
		w.measureEN = "ratio of " + m.Numerator + " to " + m.Denominator
	default:
		w.measureZH, w.measureEN = m.Kind, m.Kind
	}

	switch {
	case m.IsShare():
		w.valueZH = "{{ $value | humanizePercentage }}"
		w.valueEN = w.valueZH
		w.thresholdZH = percent(t.Threshold)
		w.thresholdEN = w.thresholdZH
	case m.Kind == targets.MeasureAverageWorkingDays || m.Kind == targets.MeasureP90WorkingDays:
		// Two decimals, not humanize: it writes 0.5 as "500m" and rounds
		// 3.04 against a threshold of 3 to "3.04" only by luck.
		w.valueZH = `{{ printf "%.2f" $value }}个工作日`
		w.valueEN = `{{ printf "%.2f" $value }} working days`
		w.thresholdZH = promNumber(t.Threshold) + "个工作日"
		w.thresholdEN = promNumber(t.Threshold) + " working day" + plural(t.Threshold)
	default:
		w.valueZH = "{{ $value | humanize }}"
		w.valueEN = w.valueZH
		w.thresholdZH = promNumber(t.Threshold)
		w.thresholdEN = w.thresholdZH
	}

	switch t.Comparator {
	case ">=":
		w.cmpZH, w.cmpEN = "不低于", "at least"
	case ">":
		w.cmpZH, w.cmpEN = "高于", "above"
	case "<=":
		w.cmpZH, w.cmpEN = "不高于", "at most"
	case "<":
		w.cmpZH, w.cmpEN = "低于", "below"
	}

	switch win := t.Window; win.Kind {
	case targets.WindowCalendarMonth:
		w.windowZH, w.windowEN = "本月", "this month"
		w.endZH, w.endEN = "至月底", "the end of the month"
	case targets.WindowCalendarQuarter:
		w.windowZH, w.windowEN = "本季度", "this quarter"
		w.endZH, w.endEN = "至季度末", "the end of the quarter"
	case targets.WindowCalendarYear:
		w.windowZH, w.windowEN = "本年度", "this year"
		w.endZH, w.endEN = "至年底", "the end of the year"
	case targets.WindowCampaign:
		w.windowZH = fmt.Sprintf("攻坚期（%s至%s）", win.From, win.To)
		w.windowEN = fmt.Sprintf("the campaign from %s to %s", win.From, win.To)
		w.endZH, w.endEN = "至"+win.To, win.To
	case targets.WindowRolling:
		w.windowZH = fmt.Sprintf("近%d天", win.Days)
		w.windowEN = fmt.Sprintf("the last %d days", win.Days)
	}
	return w
}

// percent writes a fraction as a percentage: 0.99 → "99%", 0.995 → "99.5%".
func percent(v float64) string {
	return strconv.FormatFloat(math.Round(v*1e6)/1e4, 'f', -1, 64) + "%"
}

func plural(v float64) string {
	if v == 1 {
		return ""
	}
	return "s"
}

// literal makes operator-written text safe inside an alert template, where
// "{{" would start an action.
func literal(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	return strings.ReplaceAll(s, "{{", `{{ "{{" }}`)
}
