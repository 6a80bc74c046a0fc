package httpapi

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/govpulse/govpulse/postgres"
	"github.com/govpulse/govpulse/projections"
)

// consumerNames are the consumers GET /v1/projections reports: Consumers,
// then any read model not among them.
func (s *Server) consumerNames() []string {
	names := slices.Clone(s.Consumers)
	for _, n := range s.ReadModels.Names() {
		if !slices.Contains(names, n) {
			names = append(names, n)
		}
	}
	return names
}

// handleProjections is GET /v1/projections: each consumer's progress and
// lag behind the log.
func (s *Server) handleProjections(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 10*time.Second)
	defer cancel()
	st, err := s.Stats.Consumers(ctx, s.consumerNames())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if st == nil {
		st = []postgres.ConsumerStatus{}
	}
	rebuildable := s.ReadModels.Names()
	for i := range st {
		st[i].Rebuildable = slices.Contains(rebuildable, st[i].Name)
	}
	writeJSON(w, http.StatusOK, map[string]any{"projections": st})
}

// handleRebuild is POST /v1/admin/rebuild/{name} (admin): it replays the
// log into fresh tables and swaps them in, answering when done. The
// rebuild stops (and changes nothing) if the client goes away.
func (s *Server) handleRebuild(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	names := s.ReadModels.Names()
	targets := []string{name}
	switch {
	case name == "all":
		targets = names
	case !slices.Contains(names, name):
		s.writeError(w, r, errorf(ENotFound, fmt.Sprintf("no read model %q; rebuild one of %s, or all", name, strings.Join(names, ", "))))
		return
	}
	// A rebuild of a large log outlasts the server's write timeout.
	_ = http.NewResponseController(w).SetWriteDeadline(time.Time{})
	reports := []projections.RebuildReport{}
	for _, n := range targets {
		rep, err := s.ReadModels.Rebuild(r.Context(), n)
		if err != nil {
			s.writeError(w, r, answerWith(err, map[string]any{"rebuilt": reports}))
			return
		}
		reports = append(reports, rep)
	}
	writeJSON(w, http.StatusOK, map[string]any{"rebuilt": reports})
}
