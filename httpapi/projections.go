package httpapi

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/govpulse/govpulse/postgres"
	"github.com/govpulse/govpulse/projections"
)

// readModel returns the read model named name.
func (s *Server) readModel(name string) (*projections.Projection, bool) {
	i := slices.IndexFunc(s.ReadModels, func(p *projections.Projection) bool { return p.Name() == name })
	if i < 0 {
		return nil, false
	}
	return s.ReadModels[i], true
}

// consumerNames are the consumers GET /v1/projections reports: Consumers,
// then any read model not among them.
func (s *Server) consumerNames() []string {
	names := slices.Clone(s.Consumers)
	for _, p := range s.ReadModels {
		if !slices.Contains(names, p.Name()) {
			names = append(names, p.Name())
		}
	}
	return names
}

// handleProjections is GET /v1/projections: each consumer's progress and
// lag behind the log.
func (s *Server) handleProjections(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 10*time.Second)
	defer cancel()
	st, err := postgres.ReadConsumerStatus(ctx, s.Pool, s.consumerNames(), func(name string) bool {
		_, ok := s.readModel(name)
		return ok
	})
	if err != nil {
		s.writeError(w, r, s.storageError(err))
		return
	}
	if st == nil {
		st = []postgres.ConsumerStatus{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"projections": st})
}

// handleRebuild is POST /v1/admin/rebuild/{name} (admin): it replays the
// log into fresh tables and swaps them in, answering when done. The
// rebuild stops (and changes nothing) if the client goes away.
func (s *Server) handleRebuild(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	var targets []*projections.Projection
	if name == "all" {
		targets = s.ReadModels
	} else if p, ok := s.readModel(name); ok {
		targets = []*projections.Projection{p}
	} else {
		var names []string
		for _, p := range s.ReadModels {
			names = append(names, p.Name())
		}
		s.writeError(w, r, errorf(ENotFound, fmt.Sprintf("no read model %q; rebuild one of %s, or all", name, strings.Join(names, ", "))))
		return
	}
	// A rebuild of a large log outlasts the server's write timeout.
	_ = http.NewResponseController(w).SetWriteDeadline(time.Time{})
	reports := []projections.RebuildReport{}
	for _, p := range targets {
		rep, err := p.Rebuild(r.Context(), s.Pool, projections.RebuildOptions{})
		if errors.Is(err, projections.ErrRebuildRunning) {
			writeJSON(w, http.StatusConflict, map[string]any{
				"code": "conflict", "error": fmt.Sprintf("a rebuild of %s is already running; try again when it is done", p.Name()),
				"rebuilt": reports,
			})
			return
		}
		if err != nil {
			s.writeError(w, r, s.storageError(err))
			return
		}
		reports = append(reports, rep)
	}
	writeJSON(w, http.StatusOK, map[string]any{"rebuilt": reports})
}
