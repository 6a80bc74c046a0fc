package httpapi

import (
	"fmt"
	"net/http"
	"slices"
	"time"

	"github.com/govpulse/govpulse/targets"
)

// handleTargets is GET /v1/targets[?department=][&at=YYYY-MM-DD]: every
// target's evaluation, computed now from the read models for the date at
// (default today in the calendar's zone).
func (s *Server) handleTargets(w http.ResponseWriter, r *http.Request) {
	q := query(r)
	at := s.Targets.Today()
	d, given, perr := dateParam("at", q.Get("at"), s.Targets.Zone())
	if perr != nil {
		s.writeError(w, r, perr)
		return
	}
	if given {
		at = d
	}
	dept := q.Get("department")
	if err := s.departmentParam(dept); err != nil {
		s.writeError(w, r, err)
		return
	}
	rs, err := s.Targets.Evaluate(r.Context(), at, dept)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if rs == nil {
		rs = []targets.Result{}
	}
	counts := map[string]int{}
	for _, x := range rs {
		counts[x.Status]++
	}
	writeJSON(w, http.StatusOK, map[string]any{"at": at.Format(time.DateOnly), "results": rs, "by_status": counts})
}

// handleTargetHistory is GET /v1/targets/history[?target=][&department=]:
// status changes, newest first.
func (s *Server) handleTargetHistory(w http.ResponseWriter, r *http.Request) {
	q := query(r)
	limit, err := intParam(q.Get("limit"), 200, 1, 10000)
	if err != nil {
		s.writeError(w, r, errorf(EMalformed, "limit: "+err.Error()))
		return
	}
	if id := q.Get("target"); id != "" && !slices.ContainsFunc(s.Targets.Definitions(), func(t targets.Target) bool { return t.ID == id }) {
		s.writeError(w, r, errorf(EMalformed, fmt.Sprintf("target: no target %q; see GET /v1/targets/definitions", clipText(id))))
		return
	}
	if err := s.departmentParam(q.Get("department")); err != nil {
		s.writeError(w, r, err)
		return
	}
	hs, err := s.Targets.History(r.Context(), q.Get("target"), q.Get("department"), int(limit))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if hs == nil {
		hs = []targets.HistoryEntry{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"changes": hs})
}

// departmentParam checks an optional department parameter: a catalogue
// code or "all" for city-wide.
func (s *Server) departmentParam(dept string) *Error {
	if dept != "" && dept != targets.CityWide && !s.Catalog.HasDepartment(dept) {
		return errorf(EMalformed, fmt.Sprintf("department: unknown code %q (see GET /v1/catalog, or %q for city-wide)", clipText(dept), targets.CityWide))
	}
	return nil
}

// handleTargetDefinitions is GET /v1/targets/definitions: the targets as
// loaded.
func (s *Server) handleTargetDefinitions(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{"targets": s.Targets.Definitions()})
}
