package grafana_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/grafana/grafana-foundation-sdk/go/cog"
	"github.com/grafana/grafana-foundation-sdk/go/dashboard"
	"github.com/grafana/grafana-foundation-sdk/go/table"

	"github.com/govpulse/govpulse/grafana"
)

// A query without SQL, or of an unknown format, fails the build with the
// SDK's own error type naming each field, and a panel carrying it fails
// to build instead of panicking.
func TestSQLQueryBuilderReportsEveryMistake(t *testing.T) {
	_, err := grafana.NewSQLQueryBuilder().Format("heatmap").Build()
	var be cog.BuildErrors
	if !errors.As(err, &be) {
		t.Fatalf("Build error %T %v, want cog.BuildErrors", err, err)
	}
	got := err.Error()
	for _, want := range []string{"SQLQuery.refId: required", "SQLQuery.rawSql: required", `SQLQuery.format: must be "time_series" or "table", got "heatmap"`} {
		if !strings.Contains(got, want) {
			t.Errorf("Build error %q lacks %q", got, want)
		}
	}
	_, err = dashboard.NewDashboardBuilder("x").
		WithPanel(table.NewPanelBuilder().Title("t").WithTarget(grafana.NewSQLQueryBuilder().RefId("A"))).
		Build()
	if err == nil || !strings.Contains(err.Error(), "rawSql: required") {
		t.Errorf("a board with a broken SQL query: err = %v, want the query's error", err)
	}
	q, err := grafana.NewSQLQueryBuilder().RefId("A").RawSql("SELECT 1").Format(grafana.SQLFormatTimeSeries).Build()
	if err != nil {
		t.Fatal(err)
	}
	if s := q.(grafana.SQLQuery); s.EditorMode != "code" || !s.RawQuery || s.DataqueryType() != grafana.PostgresDatasourceType {
		t.Errorf("query %+v: want code mode, a raw query of %s", s, grafana.PostgresDatasourceType)
	}
}

// Strict decoding refuses unknown fields, a builder-mode query and
// missing SQL, and accepts what the builder writes.
func TestSQLQueryStrictDecoding(t *testing.T) {
	strict := grafana.SQLQueryVariant().StrictDataqueryUnmarshaler
	good := `{"refId":"A","datasource":{"type":"grafana-postgresql-datasource","uid":"pg"},"rawSql":"SELECT 1","format":"table","editorMode":"code","rawQuery":true}`
	q, err := strict([]byte(good))
	if err != nil {
		t.Fatalf("%s: %v", good, err)
	}
	if q.(grafana.SQLQuery).RawSql != "SELECT 1" {
		t.Errorf("decoded %+v", q)
	}
	for _, tc := range []struct{ json, want string }{
		{`{"refId":"A","rawSql":"SELECT 1","format":"table","editorMode":"code","rawQuery":true,"expr":"up"}`, `SQLQuery.expr: unknown field`},
		// encoding/json would take rawSQL for rawSql.
		{`{"refId":"A","rawSQL":"SELECT 1","format":"table","editorMode":"code","rawQuery":true}`, `SQLQuery.rawSQL: unknown field`},
		{`{"refId":"A","rawSql":"SELECT 1","format":"table","editorMode":"builder","rawQuery":true}`, "editorMode"},
		{`{"refId":"A","format":"table","editorMode":"code","rawQuery":true}`, "rawSql: required"},
		{`{"refId":"A","rawSql":"SELECT 1","format":"table","editorMode":"code","rawQuery":"yes"}`, "rawQuery"},
		{`{"refId":"A","datasource":{"type":"prometheus"},"rawSql":"SELECT 1","format":"table","editorMode":"code","rawQuery":true}`, "datasource.type"},
	} {
		if _, err := strict([]byte(tc.json)); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v, want one about %q", tc.json, err, tc.want)
		}
	}
}
