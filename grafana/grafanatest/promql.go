package grafanatest

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/govpulse/govpulse/alerting/alertingtest"
)

// Expr is one PromQL expression of a dashboard and where it sits.
type Expr struct {
	// Where names the dashboard, panel and query (or variable).
	Where string
	// PromQL is the expression as Grafana sends it, variables and all.
	PromQL string
}

// labelValues is Grafana's Prometheus variable query
// label_values(selector, label).
var labelValues = regexp.MustCompile(`^label_values\((.+),\s*([a-zA-Z_][a-zA-Z0-9_]*)\)$`)

// LabelValues splits a Prometheus variable query label_values(selector,
// label) into its selector and label.
func LabelValues(q string) (selector, label string, ok bool) {
	m := labelValues.FindStringSubmatch(q)
	if m == nil {
		return "", "", false
	}
	return m[1], m[2], true
}

// MetricUses returns the metrics a dashboard's JSON queries (see
// Expressions), each with where it is used; an expression that queries no
// metric is an error.
func MetricUses(board []byte) (map[string][]string, error) {
	exprs, err := Expressions(board)
	if err != nil {
		return nil, err
	}
	uses := map[string][]string{}
	var errs []error
	for _, e := range exprs {
		names, err := MetricNames(e.PromQL)
		if err == nil && len(names) == 0 {
			err = fmt.Errorf("queries no metric: %s", e.PromQL)
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", e.Where, err))
			continue
		}
		for _, n := range names {
			uses[n] = append(uses[n], e.Where)
		}
	}
	return uses, errors.Join(errs...)
}

// Expressions returns every PromQL expression of a dashboard's JSON: each
// Prometheus query of each panel (rows' collapsed panels included) and the
// selector of each Prometheus label_values variable query.
func Expressions(board []byte) ([]Expr, error) {
	b, err := Parse(board)
	if err != nil {
		return nil, err
	}
	var out []Expr
	for _, q := range b.Queries {
		if q.Datasource == PrometheusType {
			out = append(out, Expr{Where: q.Where, PromQL: q.Expr})
		}
	}
	for _, v := range b.Variables {
		if v.Datasource != PrometheusType {
			continue
		}
		sel, _, ok := LabelValues(v.Query)
		if !ok {
			return nil, fmt.Errorf("%s: variable %q: query %q is not label_values(selector, label)", b.UID, v.Name, v.Query)
		}
		out = append(out, Expr{Where: fmt.Sprintf("%s: variable %q", b.UID, v.Name), PromQL: sel})
	}
	return out, nil
}

// grafanaVariable is a dashboard variable reference, $name or ${name}.
var grafanaVariable = regexp.MustCompile(`\$\{?(\w+)\}?`)

// Substitute replaces Grafana's variables with values Prometheus accepts:
// its interval variables ($__rate_interval, $__range, $__interval) with a
// duration and every dashboard variable with a label value.
func Substitute(promql string) string {
	return grafanaVariable.ReplaceAllStringFunc(promql, func(v string) string {
		name := strings.Trim(v, "${}")
		if strings.HasPrefix(name, "__") {
			return "5m"
		}
		return "x"
	})
}

// CheckPromQL has promtool parse every expression, as the expression of a
// recording rule in a temporary rules file, and fails the test naming each
// expression promtool refuses.
func CheckPromQL(t testing.TB, exprs []Expr) {
	t.Helper()
	promtool := alertingtest.Tool(t, "promtool")
	type rule struct {
		Record string `yaml:"record"`
		Expr   string `yaml:"expr"`
	}
	rules := make([]rule, len(exprs))
	for i, e := range exprs {
		rules[i] = rule{Record: fmt.Sprintf("dashboard:expr_%d:check", i), Expr: Substitute(e.PromQL)}
	}
	data, err := yaml.Marshal(map[string]any{"groups": []any{map[string]any{"name": "dashboards", "rules": rules}}})
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "dashboards.yml")
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := alertingtest.Try(t, promtool, "check", "rules", "--lint=none", path)
	if err == nil {
		if want := fmt.Sprintf("SUCCESS: %d rules found", len(exprs)); !strings.Contains(out, want) {
			t.Errorf("promtool check rules: want %q, got:\n%s", want, out)
		}
		return
	}
	t.Errorf("promtool check rules refuses dashboard expressions: %v\n%s", err, out)
	// promtool names the first broken rule by its record; say which panel
	// that is.
	for i, e := range exprs {
		if strings.Contains(out, fmt.Sprintf("dashboard:expr_%d:check", i)) || strings.Contains(out, rules[i].Expr) {
			t.Errorf("refused: %s: %s", e.Where, e.PromQL)
		}
	}
}

// PromQL functions, aggregations and keywords the boards may use; any
// other name called as a function is a mistake.
var (
	functions = []string{
		"abs", "absent", "avg", "avg_over_time", "ceil", "clamp_max", "clamp_min", "count", "count_over_time",
		"delta", "deriv", "floor", "group", "histogram_quantile", "idelta", "increase", "irate", "label_replace",
		"max", "max_over_time", "min", "min_over_time", "quantile", "rate", "resets", "round", "scalar", "sort",
		"sort_desc", "sum", "sum_over_time", "time", "timestamp", "topk", "bottomk", "vector",
	}
	// grouping keywords are followed by a list of label names.
	grouping = []string{"by", "without", "on", "ignoring", "group_left", "group_right"}
	keywords = []string{"and", "or", "unless", "bool", "offset", "inf", "nan"}
)

var (
	stringLiteral = regexp.MustCompile("\"(?:[^\"\\\\]|\\\\.)*\"|'(?:[^'\\\\]|\\\\.)*'|`[^`]*`")
	matchers      = regexp.MustCompile(`\{[^{}]*\}|\[[^\[\]]*\]`)
	identifier    = regexp.MustCompile(`[a-zA-Z_:][a-zA-Z0-9_:]*`)
)

// MetricNames returns the metric names an expression selects, sorted and
// without repeats. It knows enough PromQL for the boards: string literals,
// label matchers, range and subquery brackets, grouping label lists,
// functions and keywords are not metric names. A name called as a
// function that is not a known PromQL function is an error.
func MetricNames(promql string) ([]string, error) {
	s := stringLiteral.ReplaceAllString(promql, `""`)
	s = matchers.ReplaceAllString(s, " ")
	var names []string
	locs := identifier.FindAllStringIndex(s, -1)
	skipUntil := -1
	for _, loc := range locs {
		if loc[0] < skipUntil {
			continue
		}
		// A number's exponent or a duration unit glued to digits is no name.
		if loc[0] > 0 && (s[loc[0]-1] >= '0' && s[loc[0]-1] <= '9' || s[loc[0]-1] == '.') {
			continue
		}
		id := s[loc[0]:loc[1]]
		rest := strings.TrimLeft(s[loc[1]:], " \t\n")
		calls := strings.HasPrefix(rest, "(")
		switch {
		case slices.Contains(grouping, id):
			if calls {
				open := len(s) - len(rest)
				end := strings.IndexByte(s[open:], ')')
				if end < 0 {
					return nil, fmt.Errorf("%q: %s ( without )", promql, id)
				}
				skipUntil = open + end
			}
		case slices.Contains(keywords, strings.ToLower(id)):
		// An aggregation may be followed by "by (...)" rather than "(".
		case slices.Contains(functions, id):
		case calls:
			return nil, fmt.Errorf("%q: unknown function %s", promql, id)
		default:
			if !slices.Contains(names, id) {
				names = append(names, id)
			}
		}
	}
	slices.Sort(names)
	return names, nil
}
