package httpapi

import (
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/govpulse/govpulse/bus"
	"github.com/govpulse/govpulse/events"
	"github.com/govpulse/govpulse/projections/read"
)

// handleReadEvents is GET /v1/events?after=SEQ&limit=N (admin).
func (s *Server) handleReadEvents(w http.ResponseWriter, r *http.Request) {
	q := query(r)
	after, err := intParam(q.Get("after"), 0, 0, 1<<62)
	if err != nil {
		s.writeError(w, r, errorf(EMalformed, "after: "+err.Error()))
		return
	}
	limit, err := intParam(q.Get("limit"), 1000, 1, 10000)
	if err != nil {
		s.writeError(w, r, errorf(EMalformed, "limit: "+err.Error()))
		return
	}
	recs, err := s.Log.Read(r.Context(), after, int(limit))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if recs == nil {
		recs = []events.Recorded{}
	}
	next := after
	if len(recs) > 0 {
		next = recs[len(recs)-1].Seq
	}
	writeJSON(w, http.StatusOK, map[string]any{"events": recs, "next_after": next, "count": len(recs)})
}

// handleTally is GET /v1/ingest/tally: the admin sees every source, a
// source's token its own rows.
func (s *Server) handleTally(w http.ResponseWriter, r *http.Request) {
	q := query(r)
	f := read.TallyFilter{From: q.Get("from"), To: q.Get("to"), Source: q.Get("source"), Type: q.Get("type")}
	for _, name := range []string{"from", "to"} {
		if _, _, err := dateParam(name, q.Get(name), time.UTC); err != nil {
			s.writeError(w, r, err)
			return
		}
	}
	if err := knownType("type", f.Type); err != nil {
		s.writeError(w, r, err)
		return
	}
	if !s.isAdmin(r) {
		src, ok := s.Sources.Authenticate(bearer(r))
		if !ok {
			s.writeError(w, r, errorf(EUnauthorized, "send the admin token or a source token"))
			return
		}
		if f.Source != "" && f.Source != src.Name {
			s.writeError(w, r, errorf(EForbidden, "a source token may only read its own tally"))
			return
		}
		f.Source = src.Name
	}
	rows, err := s.Stats.Tally(r.Context(), f)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if rows == nil {
		rows = []read.TallyRow{}
	}
	var total int64
	for _, x := range rows {
		total += x.Events
	}
	writeJSON(w, http.StatusOK, map[string]any{"rows": rows, "total": total})
}

func (s *Server) handlePoisonList(w http.ResponseWriter, r *http.Request) {
	all, perr := boolParam("all", query(r).Get("all"))
	if perr != nil {
		s.writeError(w, r, perr)
		return
	}
	ms, err := s.Poison.List(r.Context(), all, 1000)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if ms == nil {
		ms = []bus.PoisonMessage{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"messages": ms, "count": len(ms)})
}

func (s *Server) handlePoisonReplay(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		s.writeError(w, r, errorf(EMalformed, "poison message id must be a number"))
		return
	}
	m, err := s.Poison.Replay(r.Context(), id)
	if err != nil {
		if m.ID != 0 {
			err = answerWith(err, map[string]any{"replayed": false, "message": m})
		}
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"replayed": true, "message": m})
}

// boolParam reads an optional true or false.
func boolParam(name, v string) (bool, *Error) {
	switch v {
	case "", "false":
		return false, nil
	case "true":
		return true, nil
	}
	return false, errorf(EMalformed, fmt.Sprintf("%s: must be true or false, got %q", name, clipText(v)))
}

func intParam(v string, def, min, max int64) (int64, error) {
	if v == "" {
		return def, nil
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%q is not a whole number", clipText(v))
	}
	if n < min || n > max {
		return 0, fmt.Errorf("%d is out of range %d..%d", n, min, max)
	}
	return n, nil
}
