package grafana

import (
	"fmt"
	"strings"

	"github.com/grafana/grafana-foundation-sdk/go/barchart"
	"github.com/grafana/grafana-foundation-sdk/go/common"

	"github.com/govpulse/govpulse/projections"
)

// workingDayBucketLabels name the buckets of the read models' working-day
// histograms (elapsed_wd_hist), in order: working days are whole, so a
// bucket (p, b] holds p+1 … b.
func workingDayBucketLabels() []string {
	bounds := projections.WorkingDayBounds()
	labels := make([]string, 0, len(bounds)+1)
	for i, b := range bounds {
		switch {
		case i == 0:
			labels = append(labels, number(b))
		case b == bounds[i-1]+1:
			labels = append(labels, number(b))
		default:
			labels = append(labels, number(bounds[i-1]+1)+"–"+number(b))
		}
	}
	return append(labels, ">"+number(bounds[len(bounds)-1]))
}

// instantSecondsBucketLabels name the buckets of the instant-approval
// seconds histogram (instant_seconds_hist), in order.
func instantSecondsBucketLabels() []string {
	bounds := projections.InstantSecondsBounds()
	labels := make([]string, 0, len(bounds)+1)
	for i, b := range bounds {
		if i == 0 {
			labels = append(labels, "≤"+number(b)+"s")
			continue
		}
		labels = append(labels, number(bounds[i-1])+"–"+number(b)+"s")
	}
	return append(labels, ">"+number(bounds[len(bounds)-1])+"s")
}

// histogramSQL sums a per-bucket histogram column over the rows filter
// keeps, one row per bucket in bucket order: label, then count (NULL in
// every bucket when no row matches, so an empty selection shows empty).
func histogramSQL(col, table, filter string, labels []string) string {
	quoted := make([]string, len(labels))
	for i, l := range labels {
		quoted[i] = "'" + strings.ReplaceAll(l, "'", "''") + "'"
	}
	return fmt.Sprintf(`
SELECT b.label AS bucket, sum(s.%s[b.i]) AS count
FROM unnest(ARRAY[%s]) WITH ORDINALITY AS b(label, i)
LEFT JOIN %s s ON %s
GROUP BY b.i, b.label
ORDER BY b.i`, col, strings.Join(quoted, ", "), table, filter)
}

// histogramPanel draws the rows of a histogramSQL query as bars, one per
// bucket in bucket order.
func histogramPanel(title, description, sql string) *barchart.PanelBuilder {
	return panel(barchart.NewPanelBuilder(), title, description, pgDatasource(), 8, 12).
		Unit(unitCount).
		XField("bucket").
		ShowValue(common.VisibilityModeAuto).
		Orientation(common.VizOrientationVertical).
		WithTarget(sqlQuery("A", SQLFormatTable, sql))
}
