package grafana

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/grafana/grafana-foundation-sdk/go/cog"
	"github.com/grafana/grafana-foundation-sdk/go/cog/variants"
	"github.com/grafana/grafana-foundation-sdk/go/common"
)

// PostgresDatasourceType is the plugin id of Grafana's built-in PostgreSQL
// data source; panels and their queries name it in their datasource.
const PostgresDatasourceType = "grafana-postgresql-datasource"

// SQLFormat is how Grafana turns a SQL query's rows into data frames.
type SQLFormat string

// The formats of Grafana's SQL data sources. A time series query returns
// a column named time (a timestamp, or Unix seconds), sorted by it; each
// numeric column is a series and each text column a label.
const (
	SQLFormatTimeSeries SQLFormat = "time_series"
	SQLFormatTable      SQLFormat = "table"
)

// sqlEditorModeCode is the query editor's code mode: the query is the raw
// SQL as written, not one the visual builder regenerates.
const sqlEditorModeCode = "code"

// SQLQuery is one query of Grafana's PostgreSQL data source, written as
// SQL in the code editor. The foundation SDK has no type for it; this one
// has the fields Grafana reads for a raw query and plugs into the SDK's
// panels as a dataquery variant.
type SQLQuery struct {
	// RefId names the query within its panel (A, B, …).
	RefId string `json:"refId"`
	// Datasource is the PostgreSQL data source the query runs on.
	Datasource *common.DataSourceRef `json:"datasource,omitempty"`
	// Hide keeps the query's result out of the panel.
	Hide *bool `json:"hide,omitempty"`
	// RawSql is the query, with Grafana's macros ($__timeFilter, …) and
	// template variables still in it.
	RawSql string `json:"rawSql"`
	// Format is time_series or table.
	Format SQLFormat `json:"format"`
	// EditorMode is always "code" and RawQuery always true: the editor
	// shows RawSql as written instead of rebuilding it.
	EditorMode string `json:"editorMode"`
	RawQuery   bool   `json:"rawQuery"`
}

var _ variants.Dataquery = SQLQuery{}

// ImplementsDataqueryVariant marks SQLQuery as a dataquery variant.
func (SQLQuery) ImplementsDataqueryVariant() {}

// DataqueryType is the data source plugin the query belongs to.
func (SQLQuery) DataqueryType() string { return PostgresDatasourceType }

// Equals reports whether other is the same query.
func (q SQLQuery) Equals(other variants.Dataquery) bool {
	o, ok := other.(SQLQuery)
	if p, isPtr := other.(*SQLQuery); isPtr && p != nil {
		o, ok = *p, true
	}
	if !ok || q.RefId != o.RefId || q.RawSql != o.RawSql || q.Format != o.Format ||
		q.EditorMode != o.EditorMode || q.RawQuery != o.RawQuery {
		return false
	}
	if (q.Hide == nil) != (o.Hide == nil) || q.Hide != nil && *q.Hide != *o.Hide {
		return false
	}
	if (q.Datasource == nil) != (o.Datasource == nil) {
		return false
	}
	return q.Datasource == nil || q.Datasource.Equals(*o.Datasource)
}

// Validate reports every field a raw query of the PostgreSQL data source
// cannot have, each with its path.
func (q SQLQuery) Validate() error {
	var errs cog.BuildErrors
	bad := func(path, format string, args ...any) {
		errs = append(errs, &cog.BuildError{Path: path, Message: fmt.Sprintf(format, args...)})
	}
	if q.RefId == "" {
		bad("refId", "required")
	}
	if q.RawSql == "" {
		bad("rawSql", "required")
	}
	if q.Format != SQLFormatTimeSeries && q.Format != SQLFormatTable {
		bad("format", "must be %q or %q, got %q", SQLFormatTimeSeries, SQLFormatTable, q.Format)
	}
	if q.EditorMode != sqlEditorModeCode {
		bad("editorMode", "must be %q for a raw query, got %q", sqlEditorModeCode, q.EditorMode)
	}
	if !q.RawQuery {
		bad("rawQuery", "must be true")
	}
	if q.Datasource != nil && q.Datasource.Type != nil && *q.Datasource.Type != PostgresDatasourceType {
		bad("datasource.type", "must be %q, got %q", PostgresDatasourceType, *q.Datasource.Type)
	}
	if len(errs) == 0 {
		return nil
	}
	return errs
}

// UnmarshalJSONStrict decodes a query and refuses unknown fields (names
// match exactly, unlike encoding/json's case-insensitive matching), fields
// of the wrong type and a query Validate refuses.
func (q *SQLQuery) UnmarshalJSONStrict(raw []byte) error {
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(raw, &fields); err != nil {
		return cog.MakeBuildErrors("SQLQuery", err)
	}
	var errs cog.BuildErrors
	var v SQLQuery
	dsts := map[string]any{"refId": &v.RefId, "datasource": &v.Datasource, "hide": &v.Hide, "rawSql": &v.RawSql,
		"format": &v.Format, "editorMode": &v.EditorMode, "rawQuery": &v.RawQuery}
	for name, value := range fields {
		dst, ok := dsts[name]
		if !ok {
			errs = append(errs, &cog.BuildError{Path: name, Message: "unknown field"})
			continue
		}
		if err := json.Unmarshal(value, dst); err != nil {
			errs = append(errs, &cog.BuildError{Path: name, Message: err.Error()})
		}
	}
	if len(errs) == 0 {
		if err := v.Validate(); err != nil {
			return cog.MakeBuildErrors("SQLQuery", err)
		}
		*q = v
		return nil
	}
	slices.SortFunc(errs, func(a, b *cog.BuildError) int { return strings.Compare(a.Path, b.Path) })
	return cog.MakeBuildErrors("SQLQuery", errs)
}

// SQLQueryVariant is the dataquery variant configuration that lets the
// SDK's dashboard types read SQLQuery back from JSON: register it with
// cog.NewRuntime().RegisterDataqueryVariant before unmarshalling boards.
func SQLQueryVariant() variants.DataqueryConfig {
	return variants.DataqueryConfig{
		Identifier: PostgresDatasourceType,
		DataqueryUnmarshaler: func(raw []byte) (variants.Dataquery, error) {
			var q SQLQuery
			if err := json.Unmarshal(raw, &q); err != nil {
				return nil, err
			}
			return q, nil
		},
		StrictDataqueryUnmarshaler: func(raw []byte) (variants.Dataquery, error) {
			var q SQLQuery
			if err := q.UnmarshalJSONStrict(raw); err != nil {
				return nil, err
			}
			return q, nil
		},
	}
}

// SQLQueryBuilder builds an SQLQuery for a panel's WithTarget.
type SQLQueryBuilder struct {
	internal SQLQuery
}

var _ cog.Builder[variants.Dataquery] = (*SQLQueryBuilder)(nil)

// NewSQLQueryBuilder starts a raw (code-mode) query of the table format.
func NewSQLQueryBuilder() *SQLQueryBuilder {
	return &SQLQueryBuilder{internal: SQLQuery{Format: SQLFormatTable, EditorMode: sqlEditorModeCode, RawQuery: true}}
}

// RefId names the query within its panel.
func (b *SQLQueryBuilder) RefId(refID string) *SQLQueryBuilder {
	b.internal.RefId = refID
	return b
}

// Datasource sets the PostgreSQL data source the query runs on.
func (b *SQLQueryBuilder) Datasource(ref common.DataSourceRef) *SQLQueryBuilder {
	b.internal.Datasource = &ref
	return b
}

// RawSql sets the SQL, macros and template variables included.
func (b *SQLQueryBuilder) RawSql(sql string) *SQLQueryBuilder {
	b.internal.RawSql = sql
	return b
}

// Format sets how the rows become data frames.
func (b *SQLQueryBuilder) Format(f SQLFormat) *SQLQueryBuilder {
	b.internal.Format = f
	return b
}

// Hide keeps the query's result out of the panel (for transformations).
func (b *SQLQueryBuilder) Hide(hide bool) *SQLQueryBuilder {
	b.internal.Hide = &hide
	return b
}

// Build returns the query, or the SDK's build errors naming every field
// that is wrong (panel builders expect errors of that type).
func (b *SQLQueryBuilder) Build() (variants.Dataquery, error) {
	if err := b.internal.Validate(); err != nil {
		return SQLQuery{}, cog.MakeBuildErrors("SQLQuery", err)
	}
	return b.internal, nil
}
