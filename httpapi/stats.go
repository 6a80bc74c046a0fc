package httpapi

import (
	"context"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/govpulse/govpulse/events"
	"github.com/govpulse/govpulse/projections"
	"github.com/govpulse/govpulse/projections/read"
)

// statsTimeout bounds one stats query.
const statsTimeout = 30 * time.Second

// statsEndpoint is one stats endpoint, on a read model's table: its
// dimensions are the filters and group_by values, and each dimension's
// code list says which values it accepts.
type statsEndpoint struct {
	table *projections.Table
}

// parseStatsQuery reads from, to, group_by and the dimension filters.
// Filters and group_by take comma-separated lists (strictQuery refuses a
// repeated parameter before this runs); an empty
// value is no filter. Anything else is a 400 naming the parameter.
func (e statsEndpoint) parseStatsQuery(q url.Values, cat *events.Catalog) (read.Query, *Error) {
	sq := read.Query{Filters: map[string][]string{}}
	dims := e.table.Dimensions()
	groupable := append(slices.Clone(dims), read.TimeGroups()...)
	known := append([]string{"from", "to", "group_by"}, dims...)
	for _, name := range slices.Sorted(maps.Keys(q)) {
		if !slices.Contains(known, name) {
			return sq, errorf(EMalformed, fmt.Sprintf("unknown parameter %q; this endpoint takes %s", name, strings.Join(known, ", ")))
		}
	}
	for _, name := range []string{"from", "to"} {
		vs := q[name]
		if len(vs) > 1 {
			return sq, errorf(EMalformed, fmt.Sprintf("%s: give it once", name))
		}
		if len(vs) == 0 || vs[0] == "" {
			continue
		}
		d, _, err := dateParam(name, vs[0], time.UTC)
		if err != nil {
			return sq, err
		}
		if name == "from" {
			sq.From = d
		} else {
			sq.To = d
		}
	}
	if !sq.From.IsZero() && !sq.To.IsZero() && sq.To.Before(sq.From) {
		return sq, errorf(EMalformed, fmt.Sprintf("to (%s) is before from (%s); both dates are inclusive",
			sq.To.Format(time.DateOnly), sq.From.Format(time.DateOnly)))
	}
	for _, g := range splitList(q["group_by"]) {
		if !slices.Contains(groupable, g) {
			return sq, errorf(EMalformed, fmt.Sprintf("group_by: cannot group by %q; use any of %s", clipText(g), strings.Join(groupable, ", ")))
		}
		if !slices.Contains(sq.GroupBy, g) {
			sq.GroupBy = append(sq.GroupBy, g)
		}
	}
	for _, d := range dims {
		vs := splitList(q[d])
		if len(vs) == 0 {
			continue
		}
		col, _ := e.table.Key(d)
		for _, v := range vs {
			if col.Codes != nil && cat != nil && !col.Codes.Has(cat, v) {
				return sq, errorf(EMalformed, fmt.Sprintf("%s: unknown code %q; use %s", d, clipText(v), col.Codes.Describe()))
			}
		}
		sq.Filters[d] = vs
	}
	return sq, nil
}

// splitList splits comma-separated values, dropping empty ones.
func splitList(vs []string) []string {
	var out []string
	for _, v := range vs {
		for _, p := range strings.Split(v, ",") {
			if p = strings.TrimSpace(p); p != "" {
				out = append(out, p)
			}
		}
	}
	return out
}

// statsAnswer is the body of every stats endpoint.
type statsAnswer[G any] struct {
	From    string   `json:"from,omitempty"`
	To      string   `json:"to,omitempty"`
	GroupBy []string `json:"group_by"`
	Groups  []G      `json:"groups"`
}

// serveStats parses the query, runs read and writes the answer.
func serveStats[G any](s *Server, w http.ResponseWriter, r *http.Request, e statsEndpoint,
	readGroups func(ctx context.Context, q read.Query) ([]G, error)) {
	sq, perr := e.parseStatsQuery(query(r), s.Catalog)
	if perr != nil {
		s.writeError(w, r, perr)
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), statsTimeout)
	defer cancel()
	groups, err := readGroups(ctx, sq)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	ans := statsAnswer[G]{GroupBy: sq.GroupBy, Groups: groups}
	if ans.GroupBy == nil {
		ans.GroupBy = []string{}
	}
	if ans.Groups == nil {
		ans.Groups = []G{}
	}
	if !sq.From.IsZero() {
		ans.From = sq.From.Format(time.DateOnly)
	}
	if !sq.To.IsZero() {
		ans.To = sq.To.Format(time.DateOnly)
	}
	writeJSON(w, http.StatusOK, ans)
}

// handleCaseStats is GET /v1/stats/cases.
func (s *Server) handleCaseStats(w http.ResponseWriter, r *http.Request) {
	serveStats(s, w, r, statsEndpoint{projections.CaseStats.Table()}, s.Stats.Cases)
}

// handleLicenseStats is GET /v1/stats/licenses.
func (s *Server) handleLicenseStats(w http.ResponseWriter, r *http.Request) {
	serveStats(s, w, r, statsEndpoint{projections.LicenseStats.Table()}, s.Stats.Licenses)
}

// handleLawsuitStats is GET /v1/stats/lawsuits.
func (s *Server) handleLawsuitStats(w http.ResponseWriter, r *http.Request) {
	serveStats(s, w, r, statsEndpoint{projections.LawsuitStats.Table()}, s.Stats.Lawsuits)
}
