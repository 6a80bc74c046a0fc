package grafanatest

import (
	"strings"
	"testing"
	"time"
)

func TestExpandMacros(t *testing.T) {
	r := TimeRange{
		From: time.Date(2025, 1, 1, 0, 0, 0, 0, time.FixedZone("CST", 8*3600)),
		To:   time.Date(2025, 2, 1, 0, 0, 0, 0, time.UTC),
	}
	for _, tc := range []struct{ in, want string }{
		{`WHERE $__timeFilter(day::timestamp AT TIME ZONE 'Asia/Shanghai')`,
			`WHERE day::timestamp AT TIME ZONE 'Asia/Shanghai' BETWEEN '2024-12-31T16:00:00Z' AND '2025-02-01T00:00:00Z'`},
		{`SELECT $__timeGroupAlias(changed_at, '1h'), count(*)`, `SELECT floor(extract(epoch from changed_at)/3600)*3600 AS "time", count(*)`},
		{`SELECT $__timeGroupAlias(changed_at, 1d, 0)`, `SELECT floor(extract(epoch from changed_at)/86400)*86400 AS "time"`},
		// Without Alias but followed by a comma, Grafana still adds it.
		{`SELECT $__timeGroup(t, '5m'), v`, `SELECT floor(extract(epoch from t)/300)*300 AS "time", v`},
		{`GROUP BY $__timeGroup(t, '5m')`, `GROUP BY floor(extract(epoch from t)/300)*300`},
		{`WHERE $__unixEpochFilter(epoch) AND x < $__unixEpochTo()`, `WHERE epoch >= 1735660800 AND epoch <= 1738368000 AND x < 1738368000`},
		{`SELECT $__time(at), $__timeEpoch(at) FROM t WHERE at > $__timeFrom() AND at < $__timeTo()`,
			`SELECT at AS "time", extract(epoch from at) as "time" FROM t WHERE at > '2024-12-31T16:00:00Z' AND at < '2025-02-01T00:00:00Z'`},
		{`SELECT $__unixEpochGroupAlias(s, '1m') WHERE s >= $__unixEpochNanoFrom()`, `SELECT floor((s)/60)*60 AS "time" WHERE s >= 1735660800000000000`},
	} {
		got, err := ExpandMacros(tc.in, r)
		if err != nil {
			t.Errorf("%s: %v", tc.in, err)
			continue
		}
		if got != tc.want {
			t.Errorf("ExpandMacros(%s)\n got %s\nwant %s", tc.in, got, tc.want)
		}
	}
	for _, tc := range []struct{ in, want string }{
		{`$__timeFilter()`, "missing time column"},
		{`$__timeGroup(t)`, "needs time column and interval"},
		{`$__timeGroup(t, 'soon')`, "error parsing interval"},
		{`$__timeFiltr(t)`, `unknown macro "__timeFiltr"`},
	} {
		if _, err := ExpandMacros(tc.in, r); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v, want %q", tc.in, err, tc.want)
		}
	}
}

func TestInterpolate(t *testing.T) {
	vars := []Variable{
		{Name: "department", Multi: true, IncludeAll: true, AllValue: ".*"},
		{Name: "one"},
		{Name: "listed", Multi: true, IncludeAll: true},
	}
	ivl := Intervals{Interval: time.Hour, RateInterval: 2 * time.Minute, Range: 24 * time.Hour}
	for _, tc := range []struct {
		ds, in string
		sel    map[string]Selection
		want   string
	}{
		{PostgresType, `d ~ '^(${department:regex})$' AND o = ${one:sqlstring} AND $__timeGroupAlias(t, $__interval)`,
			map[string]Selection{"department": {All: true}, "one": {Values: []string{"it's"}}},
			`d ~ '^(.*)$' AND o = 'it''s' AND $__timeGroupAlias(t, 3600s)`},
		{PostgresType, `d ~ '^(${department:regex})$' AND l IN ($listed) AND o = '$one'`,
			map[string]Selection{"department": {Values: []string{"qd.a", "qd-b"}}, "listed": {All: true, Values: []string{"x", "y"}}, "one": {Values: []string{"v"}}},
			`d ~ '^((qd\.a|qd-b))$' AND l IN ('x','y') AND o = 'v'`},
		{PrometheusType, `rate(m{department=~"$department",o="$one"}[$__rate_interval]) / increase(m[${__range}])`,
			map[string]Selection{"department": {Values: []string{"a", "b"}}, "one": {Values: []string{"v"}}},
			`rate(m{department=~"(a|b)",o="v"}[120s]) / increase(m[86400s])`},
		{PrometheusType, `m{department=~"$department"}`, map[string]Selection{"department": {All: true}}, `m{department=~".*"}`},
	} {
		got, err := Interpolate(tc.in, tc.ds, vars, tc.sel, ivl)
		if err != nil {
			t.Errorf("%s: %v", tc.in, err)
			continue
		}
		if got != tc.want {
			t.Errorf("Interpolate(%s)\n got %s\nwant %s", tc.in, got, tc.want)
		}
	}
	if _, err := Interpolate(`${department:json}`, PostgresType, vars, map[string]Selection{"department": {Values: []string{"a"}}}, ivl); err == nil {
		t.Error("an unknown format was accepted")
	}
	if _, err := Interpolate(`$one`, PostgresType, vars, nil, ivl); err == nil {
		t.Error("a variable without a selection was accepted")
	}
}
