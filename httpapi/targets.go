package httpapi

import (
	"fmt"
	"net/http"
	"time"

	"github.com/govpulse/govpulse/targets"
)

// handleTargets is GET /v1/targets[?department=][&at=YYYY-MM-DD]: every
// target's evaluation, computed now from the read models for the date at
// (default today in the calendar's zone).
func (s *Server) handleTargets(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	for k := range q {
		if k != "department" && k != "at" {
			s.writeError(w, r, errorf(EMalformed, fmt.Sprintf("unknown parameter %q; use department and at", k)))
			return
		}
	}
	at := s.Targets.Today()
	if v := q.Get("at"); v != "" {
		d, err := time.ParseInLocation(time.DateOnly, v, s.Targets.Location)
		if err != nil {
			s.writeError(w, r, errorf(EMalformed, fmt.Sprintf("at: %q is not a date YYYY-MM-DD", v)))
			return
		}
		at = d
	}
	dept := q.Get("department")
	if dept != "" && dept != targets.CityWide && !s.Catalog.HasDepartment(dept) {
		s.writeError(w, r, errorf(EMalformed, fmt.Sprintf("department: unknown code %q (see GET /v1/catalog, or %q for city-wide)", dept, targets.CityWide)))
		return
	}
	rs, err := targets.Evaluate(r.Context(), s.Pool, s.Targets.Targets, at, dept)
	if err != nil {
		s.writeError(w, r, s.storageError(err))
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
	q := r.URL.Query()
	limit, err := intParam(q.Get("limit"), 200, 1, 10000)
	if err != nil {
		s.writeError(w, r, errorf(EMalformed, "limit: "+err.Error()))
		return
	}
	hs, err := targets.History(r.Context(), s.Pool, q.Get("target"), q.Get("department"), int(limit))
	if err != nil {
		s.writeError(w, r, s.storageError(err))
		return
	}
	if hs == nil {
		hs = []targets.HistoryEntry{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"changes": hs})
}

// handleTargetDefinitions is GET /v1/targets/definitions: the targets as
// loaded.
func (s *Server) handleTargetDefinitions(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{"targets": s.Targets.Targets})
}
