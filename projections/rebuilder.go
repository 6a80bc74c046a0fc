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
	// Policies, when set, is rebuilt too, as PoliciesName (after Models).
	Policies *Policies
	// Rebuilt, when set, is called once a read model's rebuild has been
	// swapped in, so that a reader holding it in memory (the portal's
	// index) reloads at once rather than on its next request.
	Rebuilt func(ctx context.Context, name string)
}

// Names are the read models' names, in Models' order, then PoliciesName
// when Policies is set.
func (r Rebuilder) Names() []string {
	names := make([]string, 0, len(r.Models)+1)
	for _, p := range r.Models {
		names = append(names, p.Name())
	}
	if r.Policies != nil {
		names = append(names, PoliciesName)
	}
	return names
}

// Rebuild rebuilds the read model named name (see Projection.Rebuild and
// Policies.Rebuild).
func (r Rebuilder) Rebuild(ctx context.Context, name string) (RebuildReport, error) {
	rep, err := r.rebuild(ctx, name)
	if err == nil && r.Rebuilt != nil {
		r.Rebuilt(ctx, name)
	}
	return rep, err
}

func (r Rebuilder) rebuild(ctx context.Context, name string) (RebuildReport, error) {
	for _, p := range r.Models {
		if p.Name() == name {
			return p.Rebuild(ctx, r.Pool, RebuildOptions{})
		}
	}
	if r.Policies != nil && name == PoliciesName {
		rep, err := r.Policies.Rebuild(ctx, r.Pool)
		return rep.report(), err
	}
	return RebuildReport{}, fmt.Errorf("rebuild: no read model %q", name)
}

// report is the policies' rebuild in the read models' terms: it folds
// the policy events of the whole log rather than replaying batches, so
// Batches and LogEvents stay zero; Rows counts the policies.
func (r PolicyRebuildReport) report() RebuildReport {
	return RebuildReport{Projection: PoliciesName, Events: int64(r.Events),
		Rows: r.Policies, Took: r.Took, Seconds: r.Took.Seconds()}
}
