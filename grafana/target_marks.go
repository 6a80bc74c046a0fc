package grafana

import (
	"fmt"
	"math"
	"slices"

	"github.com/grafana/grafana-foundation-sdk/go/dashboard"

	"github.com/govpulse/govpulse/events"
	"github.com/govpulse/govpulse/targets"
)

// targetWhere is the first target, by id, that pred accepts: the target a
// panel's colours and marks come from.
func (g *generator) targetWhere(pred func(targets.Target) bool) (targets.Target, bool) {
	for _, t := range g.targets {
		if pred(t) {
			return t, true
		}
	}
	return targets.Target{}, false
}

// covers reports whether a scope list includes v: an empty list includes
// every value.
func covers(list []string, v string) bool { return len(list) == 0 || slices.Contains(list, v) }

// licenceTarget is a target on licences of licenceType with measure kind.
func licenceTarget(kind, licenceType string) func(targets.Target) bool {
	return func(t targets.Target) bool {
		return t.Scope.EventType == events.TypeLicenseIssued && t.Measure.Kind == kind && covers(t.Scope.LicenseTypes, licenceType)
	}
}

// overdueShare is a target of the share of cases finished overdue.
func overdueShare(t targets.Target) bool { return t.Measure.Kind == targets.MeasureOverdueShare }

// measureIs is a target of measure kind on events of eventType.
func measureIs(eventType, kind string) func(targets.Target) bool {
	return func(t targets.Target) bool { return t.Scope.EventType == eventType && t.Measure.Kind == kind }
}

// missSteps colours a value green where it meets t and red where it
// misses, exactly at the threshold as the comparator says.
func missSteps(t targets.Target) dashboard.ThresholdsConfig {
	above := math.Nextafter(t.Threshold, math.Inf(1))
	switch t.Comparator {
	case ">=":
		return stepsConfig(colorRed, step{t.Threshold, colorGreen})
	case ">":
		return stepsConfig(colorRed, step{above, colorGreen})
	case "<=":
		return stepsConfig(colorGreen, step{above, colorRed})
	default: // "<"
		return stepsConfig(colorGreen, step{t.Threshold, colorRed})
	}
}

// markText says, for a panel's description, which target colours it.
func markText(t targets.Target) string {
	return fmt.Sprintf(" Green where it meets the target %q (%s: %s %s), red where it misses.", t.ID, t.TitleEN, t.Comparator, thresholdText(t))
}

// marked colours a panel by the first target pred accepts and adds to its
// description which one; without such a target it keeps plain colours.
func (g *generator) marked(pred func(targets.Target) bool, desc string) (dashboard.ThresholdsConfig, string) {
	if t, ok := g.targetWhere(pred); ok {
		return missSteps(t), desc + markText(t)
	}
	return stepsConfig(colorText), desc
}
