package grafanatest

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Selection is what a board's user chose for one variable.
type Selection struct {
	// Values are the chosen options (one for a single-value variable).
	Values []string
	// All is "All" chosen: Grafana writes the variable's AllValue as it
	// is, or, without one, every option (Values then lists them all).
	All bool
}

// Intervals are the values of Grafana's interval variables for a query.
type Intervals struct {
	// Interval is $__interval (and $__interval_ms).
	Interval time.Duration
	// RateInterval is $__rate_interval.
	RateInterval time.Duration
	// Range is $__range (and $__range_s, $__range_ms).
	Range time.Duration
}

// templateVariable matches Grafana's variable syntaxes: $name,
// [[name:format]] and ${name:format}.
var templateVariable = regexp.MustCompile(`\$(\w+)|\[\[(\w+?)(?::(\w+))?\]\]|\$\{(\w+)(?::([^}]+))?\}`)

// Interpolate replaces the variables in text as Grafana's frontend does
// before it sends a query to a data source of type datasource: the
// board's variables (with their selections), formatted as that data
// source formats them unless the reference names a format, and Grafana's
// interval variables. Other $names (the SQL macros, say) are left alone.
func Interpolate(text, datasource string, vars []Variable, sel map[string]Selection, ivl Intervals) (string, error) {
	byName := map[string]Variable{}
	for _, v := range vars {
		byName[v.Name] = v
	}
	var firstErr error
	out := templateVariable.ReplaceAllStringFunc(text, func(ref string) string {
		m := templateVariable.FindStringSubmatch(ref)
		name, format := m[1]+m[2]+m[4], m[3]+m[5]
		if v, ok := builtin(name, ivl); ok {
			return v
		}
		v, ok := byName[name]
		if !ok {
			return ref
		}
		s, ok := sel[name]
		if !ok {
			if firstErr == nil {
				firstErr = fmt.Errorf("variable %s: no selection given", name)
			}
			return ref
		}
		val, err := formatVariable(v, s, datasource, format)
		if err != nil && firstErr == nil {
			firstErr = fmt.Errorf("variable %s: %w", name, err)
		}
		return val
	})
	return out, firstErr
}

func builtin(name string, ivl Intervals) (string, bool) {
	switch name {
	case "__interval":
		return promDuration(ivl.Interval), true
	case "__interval_ms":
		return strconv.FormatInt(ivl.Interval.Milliseconds(), 10), true
	case "__rate_interval":
		return promDuration(ivl.RateInterval), true
	case "__range":
		return promDuration(ivl.Range), true
	case "__range_s":
		return strconv.FormatInt(int64(ivl.Range.Seconds()), 10), true
	case "__range_ms":
		return strconv.FormatInt(ivl.Range.Milliseconds(), 10), true
	}
	return "", false
}

// promDuration writes whole seconds as Prometheus and Grafana read them.
func promDuration(d time.Duration) string {
	return strconv.FormatInt(int64(d.Seconds()), 10) + "s"
}

func formatVariable(v Variable, s Selection, datasource, format string) (string, error) {
	if s.All && v.AllValue != "" {
		// Grafana writes a custom all value unformatted.
		return v.AllValue, nil
	}
	values := s.Values
	if len(values) == 0 {
		return "", fmt.Errorf("no value chosen")
	}
	multi := v.Multi || v.IncludeAll
	switch format {
	case "":
	case "regex":
		esc := make([]string, len(values))
		for i, x := range values {
			esc[i] = escapeRegex(x)
		}
		if len(esc) == 1 {
			return esc[0], nil
		}
		return "(" + strings.Join(esc, "|") + ")", nil
	case "sqlstring":
		return quoteLiterals(values), nil
	case "csv":
		return strings.Join(values, ","), nil
	case "pipe":
		return strings.Join(values, "|"), nil
	default:
		return "", fmt.Errorf("format %q: not one the tests know", format)
	}
	switch datasource {
	case PrometheusType:
		if !multi {
			return values[0], nil
		}
		if len(values) == 1 {
			return escapeRegex(values[0]), nil
		}
		esc := make([]string, len(values))
		for i, x := range values {
			esc[i] = escapeRegex(x)
		}
		return "(" + strings.Join(esc, "|") + ")", nil
	case PostgresType:
		if !multi {
			return strings.ReplaceAll(values[0], "'", "''"), nil
		}
		return quoteLiterals(values), nil
	}
	return "", fmt.Errorf("data source %q: no default format known", datasource)
}

// regexSpecial are the characters Grafana's escapeRegex escapes.
var regexSpecial = regexp.MustCompile(`[\\^$*+?.()|\[\]{}/]`)

func escapeRegex(s string) string { return regexSpecial.ReplaceAllString(s, `\$0`) }

func quoteLiterals(values []string) string {
	q := make([]string, len(values))
	for i, v := range values {
		q[i] = "'" + strings.ReplaceAll(v, "'", "''") + "'"
	}
	return strings.Join(q, ",")
}
