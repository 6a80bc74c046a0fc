package grafana

import (
	"fmt"

	"github.com/grafana/grafana-foundation-sdk/go/cog"
	"github.com/grafana/grafana-foundation-sdk/go/common"
	"github.com/grafana/grafana-foundation-sdk/go/dashboard"
	"github.com/grafana/grafana-foundation-sdk/go/gauge"
	"github.com/grafana/grafana-foundation-sdk/go/piechart"
	"github.com/grafana/grafana-foundation-sdk/go/prometheus"
	"github.com/grafana/grafana-foundation-sdk/go/stat"
	"github.com/grafana/grafana-foundation-sdk/go/table"
	"github.com/grafana/grafana-foundation-sdk/go/timeseries"
)

// DatasourceUID is the uid of the Prometheus datasource every panel
// queries; deploy/grafana/provisioning/datasources/prometheus.yml
// provisions it under this uid.
const DatasourceUID = "prometheus"

// Grafana's own interval variables. Time series use $__rate_interval (at
// least four scrape intervals); panels that sum up the dashboard's time
// range use $__range with an instant query.
const (
	rateWindow  = "[$__rate_interval]"
	rangeWindow = "[$__range]"
)

// Colours of statuses, in Grafana's palette names.
const (
	colorGreen  = "green"
	colorRed    = "red"
	colorOrange = "orange"
	colorBlue   = "blue"
	colorText   = "text"
)

// Grafana units used by the boards.
const (
	unitShare       = "percentunit"
	unitSeconds     = "s"
	unitPerSecond   = "cps"
	unitCount       = "short"
	unitWorkingDays = "suffix: 工作日"
	unitYi          = "suffix: 亿元" // 100 million CNY, as Chinese reports count money
)

func datasource() common.DataSourceRef {
	return common.DataSourceRef{Type: cog.ToPtr("prometheus"), Uid: cog.ToPtr(DatasourceUID)}
}

// query is a range query drawn as a time series, one line per legend.
func query(refID, expr, legend string) *prometheus.DataqueryBuilder {
	return prometheus.NewDataqueryBuilder().
		Datasource(datasource()).
		RefId(refID).
		Expr(expr).
		LegendFormat(legend).
		Range()
}

// instant is an instant query at the end of the time range, for stat,
// gauge and table panels.
func instant(refID, expr, legend string) *prometheus.DataqueryBuilder {
	q := prometheus.NewDataqueryBuilder().
		Datasource(datasource()).
		RefId(refID).
		Expr(expr).
		Instant()
	if legend != "" {
		q.LegendFormat(legend)
	}
	return q
}

// tableQuery is an instant query returning a table (one row per series,
// one column per label), for the merged status tables.
func tableQuery(refID, expr string) *prometheus.DataqueryBuilder {
	return prometheus.NewDataqueryBuilder().
		Datasource(datasource()).
		RefId(refID).
		Expr(expr).
		Format(prometheus.PromQueryFormatTable).
		Instant()
}

// panelBuilder is what the SDK's panel builders share and every panel of
// the boards sets: its title and description, the data source it queries
// and its size on the board's grid.
type panelBuilder[B any] interface {
	Title(title string) B
	Description(description string) B
	Datasource(ds common.DataSourceRef) B
	Height(h uint32) B
	Span(w uint32) B
}

// panel sets what every panel has on the builder b: height is in grid
// rows, span in columns of the board's 24.
func panel[B panelBuilder[B]](b B, title, description string, ds common.DataSourceRef, height, span uint32) B {
	return b.Title(title).Description(description).Datasource(ds).Height(height).Span(span)
}

func timeseriesPanel(title, description, unit string) *timeseries.PanelBuilder {
	return panel(timeseries.NewPanelBuilder(), title, description, datasource(), 8, 12).
		Unit(unit).
		AxisSoftMin(0).
		LineWidth(1).
		FillOpacity(10).
		ShowPoints(common.VisibilityModeNever).
		Legend(common.NewVizLegendOptionsBuilder().
			DisplayMode(common.LegendDisplayModeList).
			Placement(common.LegendPlacementBottom).
			ShowLegend(true)).
		Tooltip(common.NewVizTooltipOptionsBuilder().
			Mode(common.TooltipDisplayModeMulti).
			Sort(common.SortOrderDescending))
}

func statPanel(title, description, unit string) *stat.PanelBuilder {
	p := panel(stat.NewPanelBuilder(), title, description, datasource(), 4, 6).
		GraphMode(common.BigValueGraphModeNone).
		ColorMode(common.BigValueColorModeValue).
		TextMode(common.BigValueTextModeAuto).
		Orientation(common.VizOrientationAuto).
		ReduceOptions(common.NewReduceDataOptionsBuilder().Calcs([]string{"lastNotNull"}))
	if unit != "" {
		p.Unit(unit)
	}
	return p
}

func gaugePanel(title, description, unit string) *gauge.PanelBuilder {
	return panel(gauge.NewPanelBuilder(), title, description, datasource(), 8, 12).
		Unit(unit).
		ShowThresholdMarkers(true).
		Orientation(common.VizOrientationAuto).
		ReduceOptions(common.NewReduceDataOptionsBuilder().Calcs([]string{"lastNotNull"}))
}

// livePie is a pie of Prometheus series' values at the end of the time
// range, labelled by name and value.
func livePie(title, description string) *piechart.PanelBuilder {
	return piePanel(title, description, datasource(), piechart.PieChartTypePie, piechart.PieChartLabelsValue, "lastNotNull")
}

// sqlDonut is a donut of a PostgreSQL query's columns summed, labelled
// by name and share.
func sqlDonut(title, description string) *piechart.PanelBuilder {
	return piePanel(title, description, pgDatasource(), piechart.PieChartTypeDonut, piechart.PieChartLabelsPercent, "sum")
}

func piePanel(title, description string, ds common.DataSourceRef, kind piechart.PieChartType, label piechart.PieChartLabels, calc string) *piechart.PanelBuilder {
	return panel(piechart.NewPanelBuilder(), title, description, ds, 8, 8).
		Unit(unitCount).
		PieType(kind).
		DisplayLabels([]piechart.PieChartLabels{piechart.PieChartLabelsName, label}).
		ReduceOptions(common.NewReduceDataOptionsBuilder().Calcs([]string{calc}).Values(false))
}

func tablePanel(title, description string) *table.PanelBuilder {
	return panel(table.NewPanelBuilder(), title, description, datasource(), 10, 24).
		Footer(common.NewTableFooterOptionsBuilder().Show(false).Reducer([]string{}))
}

// The panel builders the boards use most, by shorter names.
type (
	timeseriesBuilder = timeseries.PanelBuilder
	tableBuilder      = table.PanelBuilder
	statBuilder       = stat.PanelBuilder
)

// steps is a thresholds configuration: base colour below the first
// value, then each colour from its value up.
func steps(base string, more ...step) *dashboard.ThresholdsConfigBuilder {
	return thresholds(stepsConfig(base, more...))
}

func stepsConfig(base string, more ...step) dashboard.ThresholdsConfig {
	s := []dashboard.Threshold{{Color: base}}
	for _, m := range more {
		s = append(s, dashboard.Threshold{Value: cog.ToPtr(m.value), Color: m.color})
	}
	return dashboard.ThresholdsConfig{Mode: dashboard.ThresholdsModeAbsolute, Steps: s}
}

// thresholds is a panel's builder of a thresholds configuration.
func thresholds(c dashboard.ThresholdsConfig) *dashboard.ThresholdsConfigBuilder {
	return dashboard.NewThresholdsConfigBuilder().Mode(c.Mode).Steps(c.Steps)
}

type step struct {
	value float64
	color string
}

// valueText maps exact values to a text and colour.
type valueText struct {
	value, text, color string
}

// mappings turns value texts into Grafana value mappings; the SDK writes
// the map's keys in sorted order, so the output is stable.
func mappings(vs ...valueText) []dashboard.ValueMapping {
	opts := map[string]dashboard.ValueMappingResult{}
	for i, v := range vs {
		opts[v.value] = dashboard.ValueMappingResult{
			Text:  cog.ToPtr(v.text),
			Color: cog.ToPtr(v.color),
			Index: cog.ToPtr(int32(i)),
		}
	}
	return []dashboard.ValueMapping{{ValueMap: &dashboard.ValueMap{Type: dashboard.MappingTypeValueToText, Options: opts}}}
}

// Status mappings of govpulse_target_met, and of met + at_risk.
var (
	metMappings = mappings(
		valueText{"0", "未达标 missed", colorRed},
		valueText{"1", "达标 met", colorGreen},
	)
	statusMappings = mappings(
		valueText{"0", "未达标 missed", colorRed},
		valueText{"1", "达标 met", colorGreen},
		valueText{"2", "有风险 at risk", colorOrange},
	)
	atRiskMappings = mappings(
		valueText{"0", "正常 on track", colorGreen},
		valueText{"1", "有风险 at risk", colorOrange},
	)
)

// column overrides one merged table column: its header, unit, mappings
// and whether its cells are coloured.
func column(name, header, unit string, maps []dashboard.ValueMapping, colored bool) (dashboard.MatcherConfig, []dashboard.DynamicConfigValue) {
	props := []dashboard.DynamicConfigValue{{Id: "displayName", Value: header}}
	if unit != "" {
		props = append(props, dashboard.DynamicConfigValue{Id: "unit", Value: unit})
	}
	if maps != nil {
		props = append(props, dashboard.DynamicConfigValue{Id: "mappings", Value: maps})
	}
	if colored {
		props = append(props, dashboard.DynamicConfigValue{Id: "custom.cellOptions", Value: common.TableColoredBackgroundCellOptions{
			Type: common.TableCellDisplayModeColorBackground,
		}})
	}
	return dashboard.MatcherConfig{Id: "byName", Options: name}, props
}

// mergeTables joins the instant table queries of a panel on their labels
// and hides the timestamp column.
func mergeTables(indexByName map[string]int) []dashboard.DataTransformerConfig {
	organize := map[string]any{
		"excludeByName": map[string]bool{"Time": true},
	}
	if indexByName != nil {
		organize["indexByName"] = indexByName
	}
	return []dashboard.DataTransformerConfig{
		{Id: "merge", Options: map[string]any{}},
		{Id: "organize", Options: organize},
	}
}

// readModel applies fn (rate or increase) over window to a read-model
// counter or histogram series and keeps one copy of each: every govpulse
// instance exports the same read-model numbers, so a plain sum across
// instances would count every case once per instance.
func readModel(fn, metric, sel, window string) string {
	return fmt.Sprintf("max without (instance) (%s(%s{%s}%s))", fn, metric, sel, window)
}

// targetSeries is one series per target and department, however many
// govpulse instances evaluate the targets.
func targetSeries(metric, sel string) string {
	return fmt.Sprintf("max by (target, department) (%s{%s})", metric, sel)
}
