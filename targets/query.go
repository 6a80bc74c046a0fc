package targets

import (
	"context"
	"fmt"
	"time"

	"github.com/govpulse/govpulse/events"
	"github.com/govpulse/govpulse/postgres"
	"github.com/govpulse/govpulse/projections"
	"github.com/govpulse/govpulse/projections/read"
)

// readAggregates returns, per department, the read models' sums for the
// target's scope over the days from..to (inclusive).
func readAggregates(ctx context.Context, db postgres.Querier, t *Target, from, to time.Time) (map[string]Aggregate, error) {
	s := t.Scope
	q := read.Query{From: from, To: to, Filters: map[string][]string{}, GroupBy: []string{"department"}}
	// filter keeps the rows whose column is one of a non-empty scope list.
	filter := func(column string, codes []string) {
		if len(codes) > 0 {
			q.Filters[column] = codes
		}
	}
	out := map[string]Aggregate{}
	var err error
	switch s.EventType {
	case events.TypeCaseFinished:
		filter("department", s.Departments)
		filter("district", s.Districts)
		filter("item", s.Items)
		filter("mode", s.Modes)
		filter("channel", s.Channels)
		err = aggregates(ctx, db, projections.CaseStats, q, out, func(s projections.CaseSums) Aggregate {
			return Aggregate{Count: s.Finished, Known: s.Finished - s.ElapsedUnknown, ElapsedSum: s.ElapsedSum, Hist: s.ElapsedHist[:],
				PromisedCases: s.PromisedCases, PromisedElapsedSum: s.PromisedElapsed, PromisedLimitSum: s.PromisedLimit,
				Overdue: s.Overdue, Instant: s.Instant, InstantHist: s.InstantHist[:]}
		})
	case events.TypeLicenseIssued:
		filter("department", s.Departments)
		filter("district", s.Districts)
		filter("license_type", s.LicenseTypes)
		filter("holder_type", s.HolderTypes)
		err = aggregates(ctx, db, projections.LicenseStats, q, out, func(s projections.LicenseSums) Aggregate {
			return Aggregate{Count: s.Issued, Known: s.Issued - s.ElapsedUnknown, ElapsedSum: s.ElapsedSum, Hist: s.ElapsedHist[:]}
		})
	case events.TypeLawsuitAppearance:
		// A lawsuit's department is the sued agency.
		q.GroupBy = []string{"agency"}
		filter("agency", s.Departments)
		filter("court", s.Courts)
		err = aggregates(ctx, db, projections.LawsuitStats, q, out, func(s projections.LawsuitSums) Aggregate {
			return Aggregate{Count: s.Hearings, Appearances: s.HeadAppearances}
		})
	default:
		return nil, fmt.Errorf("target %s: unknown event type %q", t.ID, s.EventType)
	}
	if err != nil {
		return nil, fmt.Errorf("target %s: read aggregates: %w", t.ID, err)
	}
	return out, nil
}

// aggregates adds each group of model m's sums for q to out, by the
// department it groups by: what of makes of the group's sums, with every
// scalar sum by name.
func aggregates[K comparable, S any, E events.Event](ctx context.Context, db postgres.Querier, m *projections.Model[K, S, E],
	q read.Query, out map[string]Aggregate, of func(S) Aggregate) error {
	gs, err := read.Sums(ctx, db, m, q)
	if err != nil {
		return err
	}
	for _, g := range gs {
		a := of(g.Sums)
		a.Sums = m.Scalars(&g.Sums)
		out[g.Key[q.GroupBy[0]]] = a
	}
	return nil
}
