package grafana_test

import (
	"maps"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/govpulse/govpulse/grafana"
	"github.com/govpulse/govpulse/grafana/grafanatest"
	"github.com/govpulse/govpulse/postgres"
)

func parsedBoards(t *testing.T) []grafanatest.Board {
	t.Helper()
	bs := boards(t, shippedTargets(t))
	var out []grafanatest.Board
	for _, f := range slices.Sorted(maps.Keys(bs)) {
		b, err := grafanatest.Parse(bs[f])
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		out = append(out, b)
	}
	return out
}

// tableRef is a relation an SQL query reads: what follows FROM or JOIN,
// unless it is a function call (unnest(...)).
var tableRef = regexp.MustCompile(`(?i)\b(?:FROM|JOIN)\s+([A-Za-z_][A-Za-z0-9_."]*)(\s*\()?`)

// Every SQL query, of panels and of variables, reads only the views of
// the boards schema (which survive a rebuild and are all the read-only
// role may read), refers to multi-value variables only with an explicit
// format, and a time series query has a time column.
func TestSQLQueriesReadOnlyTheBoardsViews(t *testing.T) {
	var queries, views int
	for _, b := range parsedBoards(t) {
		multi := map[string]bool{}
		for _, v := range b.Variables {
			multi[v.Name] = v.Multi || v.IncludeAll
		}
		type sql struct{ where, text, format string }
		var all []sql
		for _, q := range b.Queries {
			if q.Datasource == grafanatest.PostgresType {
				all = append(all, sql{q.Where, q.RawSQL, q.Format})
			}
		}
		for _, v := range b.Variables {
			if v.Datasource == grafanatest.PostgresType {
				all = append(all, sql{b.UID + ": variable " + v.Name, v.Query, "table"})
			}
		}
		for _, q := range all {
			queries++
			refs := tableRef.FindAllStringSubmatch(q.text, -1)
			if len(refs) == 0 {
				t.Errorf("%s reads no table: %s", q.where, q.text)
			}
			for _, r := range refs {
				if r[2] != "" {
					continue // a function, such as unnest(...)
				}
				views++
				if !strings.HasPrefix(r[1], postgres.BoardsSchema+".") {
					t.Errorf("%s reads %s, not a view of schema %s: %s", q.where, r[1], postgres.BoardsSchema, q.text)
				}
			}
			for _, ref := range regexp.MustCompile(`\$\{?(\w+)(:\w+)?\}?`).FindAllStringSubmatch(q.text, -1) {
				if multi[ref[1]] && ref[2] == "" {
					t.Errorf("%s: multi-value variable %s without a format (:regex, :sqlstring): %s", q.where, ref[1], q.text)
				}
			}
			if q.format == string(grafana.SQLFormatTimeSeries) && !regexp.MustCompile(`(?i)AS "?time"?\b|\$__timeGroupAlias\(|\$__time\(`).MatchString(q.text) {
				t.Errorf("%s: a time series query without a time column: %s", q.where, q.text)
			}
		}
	}
	if queries < 40 || views < queries {
		t.Errorf("%d SQL queries reading %d views: the boards have fewer event-time panels than they should", queries, views)
	}
}

// Every link between boards (dashboard links, panel links, data links)
// points at a board that exists, and sets only variables that board
// has; every board links to every other.
func TestLinksPointAtExistingBoards(t *testing.T) {
	bs := parsedBoards(t)
	vars := map[string][]string{}
	for _, b := range bs {
		for _, v := range b.Variables {
			vars[b.UID] = append(vars[b.UID], v.Name)
		}
	}
	var links int
	for _, b := range bs {
		linked := map[string]bool{}
		for _, l := range b.Links {
			uid, query, ok := l.BoardUID()
			if !ok {
				t.Errorf("%s: %s is not a link to a board", l.Where, l.URL)
				continue
			}
			links++
			if _, exists := vars[uid]; !exists && !slices.ContainsFunc(bs, func(o grafanatest.Board) bool { return o.UID == uid }) {
				t.Errorf("%s: links to board %q, which does not exist", l.Where, uid)
			}
			for k := range query {
				if name, ok := strings.CutPrefix(k, "var-"); ok && !slices.Contains(vars[uid], name) {
					t.Errorf("%s: sets variable %q, which board %s does not have", l.Where, name, uid)
				}
			}
			linked[uid] = true
		}
		for _, o := range bs {
			if o.UID != b.UID && !linked[o.UID] {
				t.Errorf("%s does not link to %s", b.UID, o.UID)
			}
		}
	}
	if links < len(bs)*(len(bs)-1)+1 {
		t.Errorf("only %d links", links)
	}
}
