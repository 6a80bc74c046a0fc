package grafanatest

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// TimeRange is a board's time range.
type TimeRange struct {
	From, To time.Time
}

// sqlMacro matches a macro call of Grafana's SQL data sources: $name(args),
// where args hold no closing parenthesis (Grafana's own limitation).
var sqlMacro = regexp.MustCompile(`\$([_a-zA-Z0-9]+)\(([^)]*)\)`)

// ExpandMacros expands the PostgreSQL data source's macros in sql for the
// time range r, as Grafana's backend does after the frontend has
// interpolated the variables: $__time, $__timeEpoch, $__timeFilter,
// $__timeFrom, $__timeTo, $__timeGroup, $__timeGroupAlias,
// $__unixEpochFilter, $__unixEpochFrom, $__unixEpochTo,
// $__unixEpochNanoFilter, $__unixEpochNanoFrom, $__unixEpochNanoTo,
// $__unixEpochGroup and $__unixEpochGroupAlias. An unknown macro, a
// missing argument or a bad interval is an error, as in Grafana.
func ExpandMacros(sql string, r TimeRange) (string, error) {
	var firstErr error
	out := sql
	for _, loc := range sqlMacro.FindAllStringSubmatchIndex(sql, -1) {
		call, name, params := sql[loc[0]:loc[1]], sql[loc[2]:loc[3]], sql[loc[4]:loc[5]]
		// Before Grafana 5.3 $__timeGroup added its alias; it still does
		// when a comma follows it (a select list).
		if name == "__timeGroup" && loc[1] < len(sql) && sql[loc[1]] == ',' {
			name = "__timeGroupAlias"
		}
		res, err := expandMacro(name, splitArgs(params), r)
		if err != nil {
			if firstErr == nil {
				firstErr = fmt.Errorf("%s: %w", call, err)
			}
			continue
		}
		out = strings.Replace(out, call, res, 1)
	}
	return out, firstErr
}

// splitArgs splits macro arguments at commas outside quotes, trimmed.
func splitArgs(params string) []string {
	params = strings.TrimSpace(strings.ReplaceAll(params, "\n", ""))
	var args []string
	var cur strings.Builder
	quote := rune(0)
	for _, c := range params {
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '\'' || c == '"':
			quote = c
		case c == ',':
			args = append(args, strings.TrimSpace(cur.String()))
			cur.Reset()
			continue
		}
		cur.WriteRune(c)
	}
	return append(args, strings.TrimSpace(cur.String()))
}

func expandMacro(name string, args []string, r TimeRange) (string, error) {
	from, to := r.From.UTC(), r.To.UTC()
	column := func() (string, error) {
		if len(args) == 0 || args[0] == "" {
			return "", fmt.Errorf("missing time column argument for macro %s", name)
		}
		return args[0], nil
	}
	group := func(format string) (string, error) {
		if len(args) < 2 {
			return "", fmt.Errorf("macro %s needs time column and interval and optional fill value", name)
		}
		ivl, err := parseInterval(strings.Trim(args[1], "'"))
		if err != nil {
			return "", err
		}
		s := strconv.FormatFloat(ivl.Seconds(), 'f', -1, 64)
		return fmt.Sprintf(format, args[0], s, s), nil
	}
	// The unix-epoch macros come in seconds and in nanoseconds, alike but
	// for the unit: kind is what follows the unit in the name.
	epoch := func(kind string, unix func(time.Time) int64) (string, error) {
		switch kind {
		case "Filter":
			c, err := column()
			return fmt.Sprintf("%s >= %d AND %s <= %d", c, unix(from), c, unix(to)), err
		case "From":
			return strconv.FormatInt(unix(from), 10), nil
		default:
			return strconv.FormatInt(unix(to), 10), nil
		}
	}
	switch name {
	case "__time":
		c, err := column()
		return c + ` AS "time"`, err
	case "__timeEpoch":
		c, err := column()
		return fmt.Sprintf(`extract(epoch from %s) as "time"`, c), err
	case "__timeFilter":
		c, err := column()
		return fmt.Sprintf("%s BETWEEN '%s' AND '%s'", c, from.Format(time.RFC3339Nano), to.Format(time.RFC3339Nano)), err
	case "__timeFrom":
		return "'" + from.Format(time.RFC3339Nano) + "'", nil
	case "__timeTo":
		return "'" + to.Format(time.RFC3339Nano) + "'", nil
	case "__timeGroup":
		return group("floor(extract(epoch from %s)/%s)*%s")
	case "__timeGroupAlias":
		g, err := group("floor(extract(epoch from %s)/%s)*%s")
		return g + ` AS "time"`, err
	case "__unixEpochFilter", "__unixEpochFrom", "__unixEpochTo":
		return epoch(strings.TrimPrefix(name, "__unixEpoch"), time.Time.Unix)
	case "__unixEpochNanoFilter", "__unixEpochNanoFrom", "__unixEpochNanoTo":
		return epoch(strings.TrimPrefix(name, "__unixEpochNano"), time.Time.UnixNano)
	case "__unixEpochGroup":
		return group("floor((%s)/%s)*%s")
	case "__unixEpochGroupAlias":
		g, err := group("floor((%s)/%s)*%s")
		return g + ` AS "time"`, err
	}
	return "", fmt.Errorf("unknown macro %q", name)
}

// parseInterval reads an interval as Grafana does: a Go duration, or a
// whole number of days (d) or weeks (w).
func parseInterval(s string) (time.Duration, error) {
	for suffix, unit := range map[string]time.Duration{"d": 24 * time.Hour, "w": 7 * 24 * time.Hour} {
		if n, ok := strings.CutSuffix(s, suffix); ok {
			if v, err := strconv.Atoi(n); err == nil && v > 0 {
				return time.Duration(v) * unit, nil
			}
		}
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("error parsing interval %q", s)
	}
	return d, nil
}
