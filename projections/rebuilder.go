package projections

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5/pgxpool"
)

// Rebuilder rebuilds read models by name on one database: what the admin
// API's rebuild endpoint calls.
type Rebuilder struct {
	Pool   *pgxpool.Pool
	Models []*Projection
}

// Names are the read models' names, in Models' order.
func (r Rebuilder) Names() []string {
	names := make([]string, len(r.Models))
	for i, p := range r.Models {
		names[i] = p.Name()
	}
	return names
}

// Rebuild rebuilds the read model named name (see Projection.Rebuild).
func (r Rebuilder) Rebuild(ctx context.Context, name string) (RebuildReport, error) {
	for _, p := range r.Models {
		if p.Name() == name {
			return p.Rebuild(ctx, r.Pool, RebuildOptions{})
		}
	}
	return RebuildReport{}, fmt.Errorf("rebuild: no read model %q", name)
}
