package grafanatest

import (
	"slices"
	"strings"
	"testing"
)

func TestMetricNames(t *testing.T) {
	for _, tc := range []struct {
		promql string
		want   []string
	}{
		{`sum by (le, department) (rate(govpulse_x_bucket{department=~"$department",le="60"}[$__rate_interval]))`, []string{"govpulse_x_bucket"}},
		{`count(max by (target, department) (govpulse_a{department=~"a|b"}) unless on(target, department) govpulse_b) or vector(0)`, []string{"govpulse_a", "govpulse_b"}},
		{`time() - max(govpulse_t)`, []string{"govpulse_t"}},
		{`histogram_quantile(0.9, sum by (le) (max without (instance) (increase(govpulse_h_bucket{by="sum(rate(fake[5m]))"}[1h]))))`, []string{"govpulse_h_bucket"}},
		{`govpulse_a / on(x) group_left(y) govpulse_b > bool 1e3`, []string{"govpulse_a", "govpulse_b"}},
		{`sum(rate(govpulse_a[5m] offset 1h)) / sum(govpulse_a)`, []string{"govpulse_a"}},
	} {
		got, err := MetricNames(tc.promql)
		if err != nil {
			t.Errorf("%s: %v", tc.promql, err)
			continue
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("MetricNames(%s) = %v, want %v", tc.promql, got, tc.want)
		}
	}
	if _, err := MetricNames(`histogram_quantil(0.9, govpulse_h_bucket)`); err == nil || !strings.Contains(err.Error(), "histogram_quantil") {
		t.Errorf("a misspelt function: err = %v", err)
	}
}

func TestSubstitute(t *testing.T) {
	got := Substitute(`rate(m{a=~"$department|all",b=~"${channel}"}[$__rate_interval]) / increase(m[$__range])`)
	want := `rate(m{a=~"x|all",b=~"x"}[5m]) / increase(m[5m])`
	if got != want {
		t.Errorf("Substitute = %s, want %s", got, want)
	}
}

func TestExpressions(t *testing.T) {
	board := `{"uid":"b","panels":[{"title":"row","panels":[{"title":"p","datasource":{"type":"prometheus"},"targets":[{"refId":"A","expr":"sum(m1)"}]}]},
		{"title":"q","targets":[{"refId":"B","datasource":{"type":"prometheus"},"expr":"m2"}]},
		{"title":"s","datasource":{"type":"grafana-postgresql-datasource"},"targets":[{"refId":"C","rawSql":"SELECT 1"}]}],
		"templating":{"list":[{"name":"department","type":"query","datasource":{"type":"prometheus"},"query":"label_values(m3{x=\"1\"}, department)"},
			{"name":"d2","type":"query","datasource":{"type":"grafana-postgresql-datasource"},"query":"SELECT 1"}]}}`
	got, err := Expressions([]byte(board))
	if err != nil {
		t.Fatal(err)
	}
	var exprs []string
	for _, e := range got {
		exprs = append(exprs, e.PromQL)
	}
	if want := []string{"sum(m1)", "m2", `m3{x="1"}`}; !slices.Equal(exprs, want) {
		t.Errorf("Expressions = %q, want %q", exprs, want)
	}
	if _, err := Expressions([]byte(`{"templating":{"list":[{"name":"v","type":"query","datasource":{"type":"prometheus"},"query":"query_result(up)"}]}}`)); err == nil {
		t.Error("a variable query that is not label_values was accepted")
	}
}
